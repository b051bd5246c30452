// A network namespace: its own devices, addresses, routing tables, neighbour table, sysctls,
// sockets and (issue 3) netfilter state. It owns all of these; commands and the packet path read
// them through it.
import { SEC } from '../sim/clock.js';
import type { Ip4 } from '../core/addr.js';
import type { NetDevice } from './device.js';
import type { Host } from './host.js';
import { NeighTable } from './neigh.js';
import { RouteTable, TABLE_LOCAL, TABLE_MAIN } from './route/table.js';
import { RouteCache } from './route/cache.js';
import { Snmp } from './snmp.js';
import { SocketTable } from './socket.js';
import type { NetfilterHooks } from './netfilter/hooks.js';
import type { Packet } from '../wire/packet.js';
import type { Xfrm } from './xfrm.js';
import { tapAttached, tapDetached, type TapFn } from './tap.js';

/** The sysctls a fresh namespace starts with (Linux defaults; Docker changes some). */
const SYSCTL_DEFAULTS: ReadonlyMap<string, string> = new Map(Object.entries({
  'net.ipv4.ip_forward': '0',
  'net.ipv4.conf.all.forwarding': '0',
  'net.ipv4.conf.all.rp_filter': '0',
  'net.ipv4.conf.default.rp_filter': '0',
  'net.ipv4.conf.all.route_localnet': '0',
  // Read by the IGMP code through the device's copy of `default` (igmp.ts); `all` is not used.
  'net.ipv4.conf.all.igmpv3_unsolicited_report_interval': '1000',
  'net.ipv4.conf.default.igmpv3_unsolicited_report_interval': '1000',
  'net.ipv4.ip_nonlocal_bind': '0',
  'net.ipv6.conf.all.disable_ipv6': '0',
  'net.ipv6.conf.default.disable_ipv6': '0',
  'net.bridge.bridge-nf-call-iptables': '0',
  'net.ipv4.vs.conntrack': '0',
  'net.ipv4.vs.expire_nodest_conn': '0',
  'net.netfilter.nf_conntrack_tcp_timeout_established': '432000',
  'net.ipv4.neigh.default.gc_thresh1': '128',
}));

/**
 * A namespace's sysctls, read and written as a Map: the defaults above, shared by every namespace,
 * under the values this one was given (a task's sandbox is given three or four; a Map of every
 * key cost each namespace half a KiB and its copy twice that in garbage). Listed in the order a
 * Map of the defaults would list them, set keys that are not defaults after them.
 */
const NONE_GIVEN: ReadonlyMap<string, string> = new Map();

export class Sysctls {
  private own: Map<string, string> | null = null;

  get(key: string): string | undefined {
    const v = this.own === null ? undefined : this.own.get(key);
    return v !== undefined ? v : SYSCTL_DEFAULTS.get(key);
  }

  has(key: string): boolean {
    return SYSCTL_DEFAULTS.has(key) || (this.own !== null && this.own.has(key));
  }

  set(key: string, value: string): this {
    (this.own ??= new Map()).set(key, value);
    return this;
  }

  /** The keys this namespace was given and their values, in the order they were first set. */
  given(): IterableIterator<[string, string]> {
    return (this.own ?? NONE_GIVEN).entries();
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    const own = this.own;
    for (const [k, v] of SYSCTL_DEFAULTS) yield [k, own?.get(k) ?? v];
    if (own !== null) for (const [k, v] of own) if (!SYSCTL_DEFAULTS.has(k)) yield [k, v];
  }
}

export class Netns {
  readonly devices = new Map<number, NetDevice>();
  readonly byName = new Map<string, NetDevice>();
  readonly localTable = new RouteTable(TABLE_LOCAL);
  readonly mainTable = new RouteTable(TABLE_MAIN);
  /** What both tables answer for recent destinations: the packet path asks here. */
  readonly routes = new RouteCache(this.localTable, this.mainTable);
  readonly neigh = new NeighTable();
  readonly sysctl = new Sysctls();
  /** ip_forward, cached from the sysctl because the forwarding path reads it per packet. */
  forwarding = false;
  /** br_netfilter's bridge-nf-call-iptables, cached for the bridge path. */
  bridgeNfCallIptables = false;
  /** net.ipv4.vs.conntrack, cached: IPVS reads it for every packet it sends on (ip_vs_nat_xmit). */
  ipvsConntrack = false;
  /** nf_conntrack_tcp_timeout_established in ns, cached: conntrack re-arms it on every packet of
   *  an established connection. */
  ctEstablishedTimeout = 432000 * SEC;
  // What follows is made at first use: a swarm's namespaces are mostly its tasks' sandboxes, and
  // a task that never sends a packet needs none of it (each empty Map is some 200 bytes kept,
  // allocated with the namespace, and copied by the scavenger while the namespace is young).
  private sockets_: SocketTable | null = null;
  private snmp_: Snmp | null = null;
  private icmpPeers_: Map<Ip4, { tokens: number; last: number }> | null = null;
  private pmtu_: Map<Ip4, { mtu: number; expires: number }> | null = null;
  private ipfrags_: Map<string, { pieces: Packet[]; total: number; timer: number }> | null = null;
  private ipId = 0;

  get sockets(): SocketTable {
    return (this.sockets_ ??= new SocketTable());
  }

  /** MIB counters (/proc/net/snmp), incremented by the packet path. */
  get snmp(): Snmp {
    return (this.snmp_ ??= new Snmp());
  }

  /** inet_peer rate-limit buckets by remote address (ICMP errors, ip_error), in ns. */
  get icmpPeers(): Map<Ip4, { tokens: number; last: number }> {
    return (this.icmpPeers_ ??= new Map());
  }

  /** Path MTUs learnt from ICMP "fragmentation needed", by destination (kernel/pmtu.ts). */
  get pmtu(): Map<Ip4, { mtu: number; expires: number }> {
    return (this.pmtu_ ??= new Map());
  }

  /** Datagrams being reassembled, by source, destination, id and protocol (kernel/frag.ts). */
  get ipfrags(): Map<string, { pieces: Packet[]; total: number; timer: number }> {
    return (this.ipfrags_ ??= new Map());
  }

  /** The IP id the next fragmented datagram of this namespace takes (ip_select_ident). */
  nextIpId(): number {
    this.ipId = (this.ipId + 1) & 0xffff;
    return this.ipId === 0 ? (this.ipId = 1) : this.ipId;
  }
  /** iptables/conntrack/IPVS state; null while the namespace has none (the fast path). */
  netfilter: NetfilterHooks | null = null;
  /** XFRM states and policies (kernel/xfrm.ts); null while there are none (the fast path). */
  xfrm: Xfrm | null = null;
  /** Captures on every device of this namespace (`tcpdump -i any`, kernel/tap.ts), or null. */
  taps: TapFn[] | null = null;
  private nextIfindex = 0;
  /** The ids this namespace gives its peers (`link-netnsid N`), allocated on first need. */
  private nsids: Map<Netns, number> | null = null;

  constructor(
    readonly host: Host,
    readonly id: number,
    /** Name under /var/run/netns (ip netns) or Docker's sandbox name; null for an anonymous one. */
    public name: string | null,
  ) {}

  /** How traces and errors name this namespace. */
  get label(): string {
    return this.name ?? (this.id === 0 ? 'root' : `netns${this.id}`);
  }

  /** A free interface index, as dev_new_index picks it: the next after the last one given. */
  allocIfindex(): number {
    do this.nextIfindex++;
    while (this.devices.has(this.nextIfindex));
    return this.nextIfindex;
  }

  attach(dev: NetDevice): void {
    this.devices.set(dev.ifindex, dev);
    this.byName.set(dev.name, dev);
    if (this.taps !== null || this.host.taps !== null) tapAttached(this, dev);
  }

  detach(dev: NetDevice): void {
    this.devices.delete(dev.ifindex);
    this.byName.delete(dev.name);
    if (this.taps !== null) tapDetached(this, dev);
  }

  device(name: string): NetDevice | undefined {
    return this.byName.get(name);
  }

  /** The id under which this namespace knows `peer` (`link-netnsid`), allocating it if new. */
  nsidOf(peer: Netns): number {
    const nsids = (this.nsids ??= new Map());
    let id = nsids.get(peer);
    if (id === undefined) {
      // peernet2id_alloc: idr_alloc from 0, the lowest id not in use (a deleted peer's id is free).
      const used = new Set(nsids.values());
      id = 0;
      while (used.has(id)) id++;
      nsids.set(peer, id);
    }
    return id;
  }

  /** The peer namespace is gone: its id is released (cleanup_net removes it from every netns). */
  forgetPeer(peer: Netns): void {
    this.nsids?.delete(peer);
  }

  setSysctl(key: string, value: string): void {
    this.sysctl.set(key, value);
    if (key === 'net.ipv4.ip_forward' || key === 'net.ipv4.conf.all.forwarding') {
      this.sysctl.set('net.ipv4.ip_forward', value);
      this.sysctl.set('net.ipv4.conf.all.forwarding', value);
      this.forwarding = value !== '0';
    }
    if (key === 'net.bridge.bridge-nf-call-iptables') this.bridgeNfCallIptables = value !== '0';
    if (key === 'net.ipv4.vs.conntrack') this.ipvsConntrack = value !== '0';
    if (key === 'net.netfilter.nf_conntrack_tcp_timeout_established') this.ctEstablishedTimeout = Number(value) * SEC;
  }

  /** Is `ip` one of this namespace's own addresses (the local table says RTN_LOCAL)? */
  isLocal(ip: Ip4): boolean {
    const r = this.routes.localLookup(ip);
    return r !== null && r.type === 'local';
  }

  /** Devices in index order, as `ip link` lists them. */
  deviceList(): NetDevice[] {
    return [...this.devices.values()].sort((a, b) => a.ifindex - b.ifindex);
  }
}
