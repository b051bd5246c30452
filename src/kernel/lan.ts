// The physical network between hosts: one Ethernet switch that knows where every NIC is. Faults
// live here: a host that is down, an unplugged cable, a partition between groups of hosts.
import { isGroupMac } from '../core/addr.js';
import type { Mac } from '../core/addr.js';
import type { Packet } from '../wire/packet.js';
import { Drop } from './drop.js';
import { LAN_NS } from './latency.js';
import type { Nic } from './nic.js';
import { dropPacket, netifReceive } from './rx.js';
import { tracepoint } from './tracepoint.js';

export class Lan {
  private readonly ports: Nic[] = [];
  private readonly byMac = new Map<Mac, Nic>();
  /** Partition groups by host name; hosts in different groups cannot reach each other. */
  private partition: Map<string, number> | null = null;

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
      for (let i = 0; i < targets.length; i++) {
        const copy = i === targets.length - 1 ? pkt : pkt.clone();
        if (copy !== pkt && pkt.trace !== null) copy.trace = pkt.trace.branch();
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
