// The physical network between hosts: one Ethernet switch that knows where every NIC is. Faults
// live here: a host that is down, an unplugged cable, a partition between groups of hosts. So does
// the underlay's MTU: a path between hosts may carry less than their NICs (a tunnel, a cloud
// network), and a frame larger than it is lost without a word, as on a real underlay (no ICMP
// comes back from a switch); a frame longer than the receiving NIC's MTU is dropped by the
// receiver as a too-long frame (rx_length_errors), as NIC drivers do.
import { isGroupMac } from '../core/addr.js';
import type { Mac } from '../core/addr.js';
import { ETH_HLEN, ETH_P_IP, IPPROTO_UDP } from '../wire/packet.js';
import type { Packet } from '../wire/packet.js';
import { Drop } from './drop.js';
import { LAN_NS } from './latency.js';
import type { Nic } from './nic.js';
import { netifReceive } from './rx.js';
import { dropPacket } from './kfree-skb.js';
import { tracepoint } from './tracepoint.js';

export class Lan {
  private readonly ports: Nic[] = [];
  private readonly byMac = new Map<Mac, Nic>();
  /** Partition groups by host name; hosts in different groups cannot reach each other. */
  private partition: Map<string, number> | null = null;
  /** Underlay MTU for every path (0: only the NICs limit), per host, and per pair of hosts. */
  mtu = 0;
  readonly hostMtu = new Map<string, number>();
  private readonly pairMtu = new Map<string, number>();

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
      const targets = this.ports.filter((p) => p !== from && this.reachable(from, p));
      const ledger = from.ns.host.ledger;
      if (targets.length === 0 && ledger !== null) ledger.absorb(pkt);
      for (let i = 0; i < targets.length; i++) {
        const copy = i === targets.length - 1 ? pkt : pkt.clone();
        if (copy !== pkt && pkt.trace !== null) copy.trace = pkt.trace.branch();
        if (copy !== pkt && ledger !== null) ledger.copy(copy, from);
        this.deliver(from, targets[i]!, copy);
      }
      return;
    }
    const to = this.byMac.get(pkt.ethDst);
    if (to === undefined) return dropPacket(from.ns, from, pkt, Drop.NoRoute, 'no host on the LAN has this MAC');
    if (to.ns.host.down) return dropPacket(from.ns, from, pkt, Drop.HostDown, `${to.ns.host.name} is down`);
    if (!this.reachable(from, to)) return dropPacket(from.ns, from, pkt, Drop.Partitioned, `${to.ns.host.name} is unreachable on the LAN`);
    this.deliver(from, to, pkt);
  }

  private deliver(from: Nic, to: Nic, pkt: Packet): void {
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
      tracepoint(pkt, from.ns, from, { kind: 'lan', fromHost: from.ns.host.name, fromDev: from.name, toHost: to.ns.host.name, toDev: to.name });
    }
    // Off the wire the frame is a new skb: the sender's mark (Docker's 0xD0C4E3 on ESP, say) and
    // conntrack entry stay behind.
    pkt.mark = 0;
    pkt.ct = null;
    netifReceive(to, pkt);
  }
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
