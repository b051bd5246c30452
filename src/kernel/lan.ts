// The physical network between hosts: one Ethernet switch that knows where every NIC is. Faults
// live here: a host that is down, an unplugged cable, a partition between groups of hosts. So does
// the underlay's MTU: a path between hosts may carry less than their NICs (a tunnel, a cloud
// network), and a frame larger than it is lost without a word, as on a real underlay (no ICMP
// comes back from a switch); a frame longer than the receiving NIC's MTU is dropped by the
// receiver as a too-long frame (rx_length_errors), as NIC drivers do. And so do the faults a
// cloud network adds between two hosts (path-faults.ts): a security group that blocks a protocol
// or port, random loss, extra delay.
import { isGroupMac } from '../core/addr.js';
import type { Ip4 } from '../core/addr.js';
import { ARPOP_REQUEST, ETH_HLEN, ETH_P_ARP, ETH_P_IP, IPPROTO_UDP } from '../wire/packet.js';
import type { Packet } from '../wire/packet.js';
import { bridging } from './device.js';
import { Drop } from './drop.js';
import { PathFaults } from './path-faults.js';
import { LAN_NS } from './latency.js';
import { MacMap } from './mac-map.js';
import type { Netns } from './netns.js';
import type { Nic } from './nic.js';
import { netifReceive } from './rx.js';
import { dropPacket } from './kfree-skb.js';
import { tracepoint } from './tracepoint.js';

export class Lan {
  private readonly ports: Nic[] = [];
  /** The ports whose NIC is a bridge port, in port order, as of `bridging` generation `bridgedAt`. */
  private bridged: Nic[] = [];
  private bridgedAt = -1;
  private readonly byMac = new MacMap<Nic>();
  /**
   * Which NIC's host has an address (big LANs' ARP requests): every address local to a port's
   * namespace, indexed in port order when first asked (and again after a port is plugged), so
   * that the first request for each address finds its owner as a scan of the ports would, without
   * one; an address that moved or came later is found by the scan and kept.
   */
  private readonly byAddr = new Map<Ip4, Nic>();
  private indexed = false;
  /** Partition groups by host name; hosts in different groups cannot reach each other. */
  private partition: Map<string, number> | null = null;
  /** Underlay MTU for every path (0: only the NICs limit), per host, and per pair of hosts. */
  mtu = 0;
  readonly hostMtu = new Map<string, number>();
  private readonly pairMtu = new Map<string, number>();
  /** Blocks, loss and delay between pairs of hosts (null: none, and the per-frame check costs nothing). */
  faults: PathFaults | null = null;

  /** The path faults, made on first use (`seed`: the scenario's, for the loss draws). */
  pathFaults(seed: number): PathFaults {
    return (this.faults ??= new PathFaults(seed));
  }

  /** The MTU of the path between two hosts' NICs: the smallest the scenario gave (0: none). */
  pathMtu(a: string, b: string): number {
    let m = this.mtu;
    const lower = (x: number | undefined): void => {
      if (x !== undefined && x > 0 && (m === 0 || x < m)) m = x;
    };
    lower(this.hostMtu.get(a));
    lower(this.hostMtu.get(b));
    lower(this.pairMtu.get(a < b ? `${a}\n${b}` : `${b}\n${a}`));
    return m;
  }

  setPairMtu(a: string, b: string, mtu: number): void {
    this.pairMtu.set(a < b ? `${a}\n${b}` : `${b}\n${a}`, mtu);
  }

  /** Whether any underlay MTU was set (the per-frame check is skipped otherwise). */
  private limited(): boolean {
    return this.mtu > 0 || this.hostMtu.size > 0 || this.pairMtu.size > 0;
  }

  /** The NIC plugged in for a host, by host name. */
  nicOf(host: string): Nic | undefined {
    return this.ports.find((p) => p.ns.host.name === host);
  }

  plug(nic: Nic): void {
    this.ports.push(nic);
    this.bridgedAt = -1;
    this.indexed = false;
    this.byMac.set(nic.mac, nic);
    nic.lan = this;
  }

  setPartition(groups: string[][] | null): void {
    if (groups === null) {
      this.partition = null;
      return;
    }
    this.partition = new Map();
    groups.forEach((g, i) => g.forEach((h) => this.partition!.set(h, i)));
  }

  /** Whether a frame from `from` can reach `to` now (cable, power, partition). */
  reachable(from: Nic, to: Nic): boolean {
    if (!to.carrier() || to.ns.host.down) return false;
    if (this.partition === null) return true;
    return this.partition.get(from.ns.host.name) === this.partition.get(to.ns.host.name);
  }

  transmit(from: Nic, pkt: Packet): void {
    if (from.ns.host.down) return dropPacket(from.ns, from, pkt, Drop.HostDown, `${from.ns.host.name} is down`);
    pkt.tstamp += LAN_NS;
    if (isGroupMac(pkt.ethDst)) {
      // A who-has for another host's address changes nothing on a host but its NIC's counters
      // (arpRcv learns only from requests for its own addresses). In a swarm of hundreds of nodes
      // every first contact between two of them broadcasts one, so past BIG_LAN ports such a
      // request goes to the host that has the address (and to bridged NICs) only, and the other
      // NICs' rx counters leave it out; below, every NIC counts it but none gets a copy.
      // (Not while the conservation ledger counts frames: then each is handed over.)
      const arpAsk = pkt.ethType === ETH_P_ARP && pkt.arpOp === ARPOP_REQUEST && pkt.trace === null && this.faults === null && from.ns.host.ledger === null;
      if (arpAsk && this.ports.length > BIG_LAN) return this.askOne(from, pkt);
      // Every other reachable port gets a copy; the last one the frame itself.
      const ledger = from.ns.host.ledger;
      let last: Nic | null = null;
      for (const p of this.ports) {
        if (p === from || !this.reachable(from, p)) continue;
        if (arpAsk && ignoresArp(p, pkt)) continue;
        if (last !== null) {
          const copy = pkt.clone();
          if (pkt.trace !== null) copy.trace = pkt.trace.branch();
          if (ledger !== null) ledger.copy(copy, from);
          this.deliver(from, last, copy);
        }
        last = p;
      }
      // Nobody to hand the frame itself to (or only hosts that ignore it): the LAN absorbs it.
      if (last !== null) this.deliver(from, last, pkt);
      else if (ledger !== null) ledger.absorb(pkt);
      return;
    }
    const to = this.byMac.get(pkt.ethDst);
    if (to === undefined) return dropPacket(from.ns, from, pkt, Drop.NoRoute, 'no host on the LAN has this MAC');
    if (to.ns.host.down) return dropPacket(from.ns, from, pkt, Drop.HostDown, `${to.ns.host.name} is down`);
    if (!this.reachable(from, to)) return dropPacket(from.ns, from, pkt, Drop.Partitioned, `${to.ns.host.name} is unreachable on the LAN`);
    this.deliver(from, to, pkt);
  }

  /** An ARP request on a big LAN: to the NIC whose host has the address, and to bridged NICs. */
  private askOne(from: Nic, pkt: Packet): void {
    const owner = this.ownerOf(pkt.arpTpa);
    const ledger = from.ns.host.ledger;
    if (this.bridgedAt !== bridging.generation) {
      this.bridged = this.ports.filter((p) => p.master !== null);
      this.bridgedAt = bridging.generation;
    }
    for (const p of this.bridged) {
      if (p === from || p === owner || !this.reachable(from, p)) continue;
      const copy = pkt.clone();
      if (ledger !== null) ledger.copy(copy, from);
      this.deliver(from, p, copy);
    }
    if (owner !== undefined && owner !== from && this.reachable(from, owner)) this.deliver(from, owner, pkt);
    else if (ledger !== null) ledger.absorb(pkt);
  }

  /** The port whose namespace has `ip` as a local address (arp_ignore=0 answers for any of them). */
  private ownerOf(ip: Ip4): Nic | undefined {
    let owner = this.byAddr.get(ip);
    if (owner !== undefined && owner.ns.isLocal(ip)) return owner;
    if (!this.indexed) {
      this.indexAddrs();
      owner = this.byAddr.get(ip);
      if (owner !== undefined && owner.ns.isLocal(ip)) return owner;
    }
    owner = this.ports.find((p) => p.ns.isLocal(ip));
    if (owner !== undefined) this.byAddr.set(ip, owner);
    return owner;
  }

  /** The local addresses (the local table's /32 `local` routes) of every port's namespace; the
   *  first port with an address owns it, as the scan in port order finds. */
  private indexAddrs(): void {
    this.indexed = true;
    const seen = new Set<Netns>();
    for (const p of this.ports) {
      if (seen.has(p.ns)) continue;
      seen.add(p.ns);
      for (const r of p.ns.localTable.list()) {
        if (r.type !== 'local' || r.len !== 32) continue;
        const cur = this.byAddr.get(r.dst);
        if (cur === undefined || !cur.ns.isLocal(r.dst)) this.byAddr.set(r.dst, p);
      }
    }
  }

  private deliver(from: Nic, to: Nic, pkt: Packet): void {
    let delay = 0;
    if (this.faults !== null) {
      const f = this.faults.between(from.ns.host.name, to.ns.host.name);
      if (f !== null) {
        const blocked = f.blocks.length === 0 ? null : f.blocking(pkt);
        if (blocked !== null) {
          return dropPacket(from.ns, from, pkt, Drop.LanBlocked, `${blocked.text} blocked ${from.ns.host.name} → ${to.ns.host.name}`);
        }
        if (f.loss > 0 && this.faults.lose(f.loss)) {
          return dropPacket(from.ns, from, pkt, Drop.LanLoss, `${Math.round(f.loss * 100)}% loss ${from.ns.host.name} → ${to.ns.host.name}`);
        }
        delay = f.delay;
      }
    }
    if (pkt.ethType === ETH_P_IP) {
      const len = pkt.ipTotalLength();
      if (len > to.mtu + VLAN_HLEN) {
        return dropPacket(to.ns, to, pkt, Drop.FrameTooLong, `${describeSize(pkt, len)} > mtu ${to.mtu} of ${to.ns.host.name}:${to.name} (rx_length_errors)`);
      }
      if (this.limited()) {
        const m = this.pathMtu(from.ns.host.name, to.ns.host.name);
        if (m > 0 && len > m) {
          return dropPacket(from.ns, from, pkt, Drop.UnderlayMtu, `${describeSize(pkt, len)} > mtu ${m} underlay ${from.ns.host.name} → ${to.ns.host.name}${pkt.ipDf ? ', DF' : ''}`);
        }
      }
    }
    if (pkt.trace !== null) {
      tracepoint(pkt, from.ns, from, delay === 0
        ? { kind: 'lan', fromHost: from.ns.host.name, fromDev: from.name, toHost: to.ns.host.name, toDev: to.name }
        : { kind: 'lan', fromHost: from.ns.host.name, fromDev: from.name, toHost: to.ns.host.name, toDev: to.name, delayNs: delay });
    }
    // Off the wire the frame is a new skb: the sender's mark (Docker's 0xD0C4E3 on ESP, say) and
    // conntrack entry stay behind.
    pkt.mark = 0;
    pkt.ct = null;
    if (delay === 0) return netifReceive(to, pkt);
    // A slower path: the frame reaches the other host that much later, on the simulated clock.
    pkt.tstamp += delay;
    to.ns.host.eq.at(pkt.tstamp, () => netifReceive(to, pkt));
  }
}

/** Hosts on a LAN past which an ARP request is not shown to every NIC (see transmit). */
const BIG_LAN = 64;

/** Whether `nic` receives an ARP request for someone else's address as a no-op (then counted). */
function ignoresArp(nic: Nic, pkt: Packet): boolean {
  if (nic.master !== null || !nic.up || nic.ns.isLocal(pkt.arpTpa)) return false;
  nic.rxPackets++;
  nic.rxBytes += pkt.frameLength();
  return true;
}

/** 802.1Q room a NIC accepts beyond its MTU (as is_skb_forwardable and most drivers allow). */
const VLAN_HLEN = 4;

/** "outer 1500" or, for VXLAN, "inner 1450 + 50 = outer 1500": what the drop is about. */
function describeSize(pkt: Packet, len: number): string {
  if (pkt.ipProto === IPPROTO_UDP && pkt.inner !== null && pkt.vni !== 0) {
    const inner = pkt.inner.frameLength() - ETH_HLEN;
    return `inner ${inner} + ${len - inner} = outer ${len}`;
  }
  return `${len} bytes`;
}
