// The five netfilter hooks as the IPv4 path calls them. A namespace with no rules, no conntrack
// and no IPVS has `netfilter === null`, and the path skips the hooks with one null check.
import type { Packet } from '../../wire/packet.js';
import type { NetDevice } from '../device.js';
import type { Bridge } from '../bridge.js';

export const NF_INET_PRE_ROUTING = 0;
export const NF_INET_LOCAL_IN = 1;
export const NF_INET_FORWARD = 2;
export const NF_INET_LOCAL_OUT = 3;
export const NF_INET_POST_ROUTING = 4;
export type HookNum = 0 | 1 | 2 | 3 | 4;
export const HOOK_NAMES = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'] as const;

export interface NetfilterHooks {
  /** Runs every table registered at `hook`, in priority order. False: the packet was consumed
   *  (dropped, rejected or stolen by IPVS), and the drop is already recorded. */
  hook(hook: HookNum, pkt: Packet, inDev: NetDevice | null, outDev: NetDevice | null): boolean;
  /** hook() at each of the five, for the IPv4 path's own calls. */
  preRouting(pkt: Packet, inDev: NetDevice | null): boolean;
  localIn(pkt: Packet, inDev: NetDevice | null): boolean;
  forward(pkt: Packet, inDev: NetDevice | null, outDev: NetDevice | null): boolean;
  localOut(pkt: Packet, outDev: NetDevice | null): boolean;
  postRouting(pkt: Packet, outDev: NetDevice | null): boolean;
  /** PREROUTING, FORWARD and POSTROUTING for a frame the bridge forwards between its ports (br_netfilter). */
  bridgeForward(br: Bridge, pkt: Packet): boolean;
  /** nf_ct_attach: an ICMP error or TCP reset made here about `orig` joins orig's connection as
   *  RELATED, in the other direction, even while that connection is unconfirmed. */
  attach(made: Packet, orig: Packet): void;
}
