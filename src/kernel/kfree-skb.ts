// Where packets are discarded (kfree_skb_reason): every drop counts on the host and ends the
// packet's trace with its reason. Its own file because every device and protocol drops and the
// receive path (rx.ts) imports most of them.
import type { Packet } from '../wire/packet.js';
import type { NetDevice } from './device.js';
import { DROP_REASON } from './drop.js';
import type { Drop } from './drop.js';
import type { Netns } from './netns.js';
import { traceEnd } from './tracepoint.js';

/** Discards `pkt`. `skb` overrides the skb_drop_reason the reason has by default (DROP_REASON). */
export function dropPacket(ns: Netns, dev: NetDevice | null, pkt: Packet, reason: Drop, detail: string, skb?: string | null): void {
  ns.host.drops++;
  if (ns.host.ledger !== null) ns.host.ledger.drop(pkt);
  if (pkt.trace !== null) traceEnd(pkt, ns, dev, { kind: 'drop', reason, skb: skb === undefined ? DROP_REASON[reason] : skb, detail });
}
