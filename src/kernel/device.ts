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
  // The fields are declared here and assigned in the constructor, not given initialisers: ES2022
  // class fields are defined (Object.defineProperty semantics) by one initialiser that every kind
  // of device runs, and past four kinds (loopback, veth, bridge, vxlan, ether) each of its define
  // sites went megamorphic in V8: ~7 µs a device in the swarm converge bench, against ~1 µs for
  // the same stores as assignments. Same fields, same order.
  declare ns: Netns;
  declare ifindex: number;
  declare name: string;
  declare mac: Mac;
  declare mtu: number;
  /** Administrative state (`ip link set up`). */
  declare up: boolean;
  /** addrconf gave it its fe80:: address (up with carrier once); only going down removes it,
   *  losing carrier does not (addrconf_notify: NETDEV_CHANGE without carrier leaves it). */
  declare ipv6LinkLocal: boolean;
  /** The bridge it is a port of (set by Bridge.addPort / removePort only, which bump `bridging`). */
  declare master: Bridge | null;
  declare readonly addrs: IfAddr[];
  /** Bytes and packets seen, as `ip -s link` counts them. */
  declare rxPackets: number;
  declare txPackets: number;
  declare rxBytes: number;
  declare txBytes: number;
  /** rtnl_link_stats64's error and drop counters (what `ip -s link` prints beside them). */
  declare rxErrors: number;
  declare rxDropped: number;
  declare txErrors: number;
  declare txDropped: number;
  /** `qlen` shown by `ip link` (the tx queue length), null where the device has none. */
  declare txqlen: number | null;
  /** Packet captures on this device (kernel/tap.ts); null, the usual case, costs one check. */
  declare tap: DeviceTap | null;

  constructor(ns: Netns, ifindex: number, name: string, mac: Mac, mtu: number) {
    this.ns = ns;
    this.ifindex = ifindex;
    this.name = name;
    this.mac = mac;
    this.mtu = mtu;
    this.up = false;
    this.ipv6LinkLocal = false;
    this.master = null;
    this.addrs = [];
    this.rxPackets = 0;
    this.txPackets = 0;
    this.rxBytes = 0;
    this.txBytes = 0;
    this.rxErrors = 0;
    this.rxDropped = 0;
    this.txErrors = 0;
    this.txDropped = 0;
    this.txqlen = 1000;
    this.tap = null;
  }

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
