// What every network device has: an index and a name in its namespace, a MAC, an MTU, link state,
// an optional bridge master and the IPv4 addresses configured on it. A device moves packets in one
// direction only: `transmit` takes a frame the stack sends out of it; frames it receives go to
// `ns.stack.netifReceive(dev, pkt)`.
import type { Ip4, Mac } from '../core/addr.js';
import type { Nanos } from '../sim/clock.js';
import type { Packet } from '../wire/packet.js';
import type { Netns } from './netns.js';
import type { Bridge } from './bridge.js';
import type { DeviceTap } from './tap.js';


/** Bumped whenever a device becomes a bridge port or stops being one: what caches which NICs are
 *  bridged (a LAN's ARP fan-out, lan.ts) looks again. */
export const bridging = { generation: 0 };

export type DeviceKind = 'loopback' | 'veth' | 'bridge' | 'vxlan' | 'ether';

export interface IfAddr {
  readonly addr: Ip4;
  readonly len: number;
  readonly broadcast: Ip4 | null;
  /** `scope host` for loopback addresses, `scope global` otherwise. */
  readonly scope: 'host' | 'global' | 'link';
  /** IFA_F_NOPREFIXROUTE: the kernel adds no prefix route to the main table for it (fib_add_ifaddr);
   *  the address's owner (NetworkManager) adds its own. */
  readonly noprefixroute?: boolean;
  /** Finite lifetimes (devinet.c set_ifa_lifetime: ifa_valid_lft, ifa_preferred_lft in seconds,
   *  counted from ifa_tstamp); none = forever (IFA_F_PERMANENT, printed without `dynamic`). */
  lifetime?: AddrLifetime;
}

export interface AddrLifetime {
  readonly valid: number;
  readonly preferred: number;
  /** When they were set (ifa_tstamp), simulated time. */
  readonly tstamp: Nanos;
}

export abstract class NetDevice {
  abstract readonly kind: DeviceKind;
  /** Administrative state (`ip link set up`). */
  up = false;
  /** addrconf gave it its fe80:: address (up with carrier once); only going down removes it,
   *  losing carrier does not (addrconf_notify: NETDEV_CHANGE without carrier leaves it). */
  ipv6LinkLocal = false;
  /** The bridge it is a port of (set by Bridge.addPort / removePort only, which bump `bridging`). */
  master: Bridge | null = null;
  readonly addrs: IfAddr[] = [];
  /** Bytes and packets seen, as `ip -s link` counts them. */
  rxPackets = 0;
  txPackets = 0;
  rxBytes = 0;
  txBytes = 0;
  /** rtnl_link_stats64's error and drop counters (what `ip -s link` prints beside them). */
  rxErrors = 0;
  rxDropped = 0;
  txErrors = 0;
  txDropped = 0;
  /** `qlen` shown by `ip link` (the tx queue length), null where the device has none. */
  txqlen: number | null = 1000;
  /** Packet captures on this device (kernel/tap.ts); null, the usual case, costs one check. */
  tap: DeviceTap | null = null;

  constructor(
    public ns: Netns,
    public ifindex: number,
    public name: string,
    public mac: Mac,
    public mtu: number,
  ) {}

  /** Lower layer up (IFF_LOWER_UP): carrier present. */
  abstract carrier(): boolean;

  /** The frame leaves the stack through this device. A device that refuses it synchronously may
   *  return an errno (ENOBUFS), which a local sender sees; most return nothing. */
  abstract transmit(pkt: Packet): number | void;

  /** Both up and with carrier: able to move packets. */
  running(): boolean {
    return this.up && this.carrier();
  }

  /** Primary address used as a source (first configured). */
  primaryAddr(): Ip4 | null {
    return this.addrs.length > 0 ? this.addrs[0]!.addr : null;
  }
}
