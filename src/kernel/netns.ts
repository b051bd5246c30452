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
const SYSCTL_DEFAULTS: Record<string, string> = {
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
};

export class Netns {
  readonly devices = new Map<number, NetDevice>();
  readonly byName = new Map<string, NetDevice>();
  readonly localTable = new RouteTable(TABLE_LOCAL);
  readonly mainTable = new RouteTable(TABLE_MAIN);
  /** What both tables answer for recent destinations: the packet path asks here. */
  readonly routes = new RouteCache(this.localTable, this.mainTable);
  readonly neigh = new NeighTable();
  readonly sockets = new SocketTable();
  /** MIB counters (/proc/net/snmp), incremented by the packet path. */
  readonly snmp = new Snmp();
  readonly sysctl = new Map<string, string>(Object.entries(SYSCTL_DEFAULTS));
  /** ip_forward, cached from the sysctl because the forwarding path reads it per packet. */
  forwarding = false;
  /** br_netfilter's bridge-nf-call-iptables, cached for the bridge path. */
  bridgeNfCallIptables = false;
  /** net.ipv4.vs.conntrack, cached: IPVS reads it for every packet it sends on (ip_vs_nat_xmit). */
  ipvsConntrack = false;
  /** nf_conntrack_tcp_timeout_established in ns, cached: conntrack re-arms it on every packet of
   *  an established connection. */
  ctEstablishedTimeout = 432000 * SEC;
  /** inet_peer rate-limit buckets by remote address (ICMP errors, ip_error), in ns. */
  readonly icmpPeers = new Map<Ip4, { tokens: number; last: number }>();
  /** Path MTUs learnt from ICMP "fragmentation needed", by destination (kernel/pmtu.ts). */
  readonly pmtu = new Map<Ip4, { mtu: number; expires: number }>();
  /** Datagrams being reassembled, by source, destination, id and protocol (kernel/frag.ts). */
  readonly ipfrags = new Map<string, { pieces: Packet[]; total: number; timer: number }>();
  private ipId = 0;

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
  private readonly nsids = new Map<Netns, number>();

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
    let id = this.nsids.get(peer);
    if (id === undefined) {
      // peernet2id_alloc: idr_alloc from 0, the lowest id not in use (a deleted peer's id is free).
      const used = new Set(this.nsids.values());
      id = 0;
      while (used.has(id)) id++;
      this.nsids.set(peer, id);
    }
    return id;
  }

  /** The peer namespace is gone: its id is released (cleanup_net removes it from every netns). */
  forgetPeer(peer: Netns): void {
    this.nsids.delete(peer);
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
