// A Linux bridge: a learning switch whose ports are other devices, and a device of its own through
// which the namespace's IP stack reaches the switched segment. STP is off (as Docker and brctl
// leave it), so ports forward as soon as they are up. The FDB learns source MACs per port and
// forgets them after ageing_time (300 s); a port's own MAC is a permanent local entry.
import { formatMac, isGroupMac } from '../core/addr.js';
import type { Mac } from '../core/addr.js';
import type { Nanos } from '../sim/clock.js';
import { SEC } from '../sim/clock.js';
import type { Packet } from '../wire/packet.js';
import { NetDevice, bridging } from './device.js';
import { Veth } from './veth.js';
import { Drop } from './drop.js';
import { MacMap } from './mac-map.js';
import { BRIDGE_NS } from './latency.js';
import { bridgeForwardHook, netifReceive } from './rx.js';
import { dropPacket } from './kfree-skb.js';
import { tracepoint } from './tracepoint.js';

export const AGEING_TIME: Nanos = 300 * SEC;

export class FdbEntry {
  constructor(
    public port: NetDevice,
    /** The bridge's or a port's own address: frames to it go up the stack. */
    readonly local: boolean,
    readonly permanent: boolean,
    public updated: Nanos,
  ) {}
}

export class Bridge extends NetDevice {
  readonly kind = 'bridge';
  readonly ports: NetDevice[] = [];
  /** By MAC, read twice per bridged frame (learning, then forwarding). */
  readonly fdb = new MacMap<FdbEntry>();
  /** Set by `ip link set br address` or Docker; otherwise the bridge takes its lowest port MAC. */
  macFixed = false;
  stp = false;
  ageing: Nanos = AGEING_TIME;

  carrier(): boolean {
    // A bridge has carrier while at least one port can forward (br_port_carrier_check).
    for (const p of this.ports) if (p.running()) return true;
    return false;
  }

  addPort(dev: NetDevice): void {
    dev.master = this;
    bridging.generation++;
    this.ports.push(dev);
    this.fdb.set(dev.mac, new FdbEntry(dev, true, true, 0));
    if (!this.macFixed) this.adoptLowestMac();
  }

  removePort(dev: NetDevice): void {
    const i = this.ports.indexOf(dev);
    if (i < 0) return;
    this.ports.splice(i, 1);
    dev.master = null;
    bridging.generation++;
    for (const [mac, e] of this.fdb) if (e.port === dev) this.fdb.delete(mac);
    if (!this.macFixed) this.adoptLowestMac();
  }

  /** A port stopped forwarding: what was learned on it is forgotten (br_fdb_delete_by_port). */
  flushPort(dev: NetDevice): void {
    for (const [mac, e] of this.fdb) if (e.port === dev && !e.permanent) this.fdb.delete(mac);
  }

  private adoptLowestMac(): void {
    if (this.ports.length === 0) return;
    let low = this.ports[0]!.mac;
    for (const p of this.ports) if (p.mac < low) low = p.mac;
    this.mac = low;
  }

  /** A frame arrived on `port` (br_handle_frame). */
  receiveOnPort(port: NetDevice, pkt: Packet): void {
    if (!this.up) return dropPacket(this.ns, port, pkt, Drop.LinkDown, `bridge ${this.name} is down`);
    const now = pkt.tstamp;
    pkt.tstamp += BRIDGE_NS;
    if (!isGroupMac(pkt.ethSrc)) {
      const e = this.fdb.get(pkt.ethSrc);
      if (e === undefined) this.fdb.set(pkt.ethSrc, new FdbEntry(port, false, false, now));
      else if (!e.local) {
        e.port = port;
        e.updated = now;
      }
    }
    if (isGroupMac(pkt.ethDst)) {
      this.flood(port, pkt, true);
      return;
    }
    const e = this.lookup(pkt.ethDst, now);
    if (e !== null && (e.local || pkt.ethDst === this.mac)) return this.deliverUp(pkt);
    if (e === null && pkt.ethDst === this.mac) return this.deliverUp(pkt);
    if (e === null) return this.flood(port, pkt, false);
    if (e.port === port) return this.hairpin(port, pkt);
    this.forwardTo(e.port, pkt, port);
  }

  private hairpin(port: NetDevice, pkt: Packet): void {
    dropPacket(this.ns, port, pkt, Drop.OtherHost, `destination ${formatMac(pkt.ethDst)} is behind the ingress port`);
  }

  /** The stack sends out of the bridge device (br_dev_xmit). */
  transmit(pkt: Packet): void {
    if (!this.up) return dropPacket(this.ns, this, pkt, Drop.LinkDown, `${this.name} is down`);
    this.txPackets++;
    this.txBytes += pkt.frameLength();
    if (this.tap !== null) this.tap.emit(this, pkt, true);
    pkt.tstamp += BRIDGE_NS;
    if (isGroupMac(pkt.ethDst)) return this.flood(null, pkt, false);
    const e = this.lookup(pkt.ethDst, pkt.tstamp);
    if (e === null || e.local) return this.flood(null, pkt, false);
    this.forwardTo(e.port, pkt, null);
  }

  private lookup(mac: Mac, now: Nanos): FdbEntry | null {
    const e = this.fdb.get(mac);
    if (e === undefined) return null;
    if (!e.permanent && now - e.updated > this.ageing) {
      this.fdb.delete(mac);
      return null;
    }
    return e;
  }

  private deliverUp(pkt: Packet): void {
    if (pkt.trace !== null) tracepoint(pkt, this.ns, this, { kind: 'bridge', action: 'local' });
    netifReceive(this, pkt, true);
  }

  private forwardTo(port: NetDevice, pkt: Packet, from: NetDevice | null): void {
    if (!port.up) return dropPacket(this.ns, port, pkt, Drop.LinkDown, `port ${port.name} is down`);
    // The hop text is built only for a traced packet (formatMac costs more than the forwarding).
    if (pkt.trace !== null) this.traceForward(port, pkt);
    // Bridged IPv4 passes iptables FORWARD when br_netfilter is on (Docker turns it on).
    if (from !== null && !bridgeForwardHook(this, pkt)) return;
    port.transmit(pkt);
  }

  private traceForward(port: NetDevice, pkt: Packet): void {
    tracepoint(pkt, this.ns, this, { kind: 'bridge', action: 'forward', port: port.name, fdb: formatMac(pkt.ethDst) });
  }

  /** Sends copies to every port but the ingress one; a group frame also goes up the stack. */
  private flood(from: NetDevice | null, pkt: Packet, up: boolean): void {
    const targets: NetDevice[] = [];
    for (const p of this.ports) if (p !== from && p.up) targets.push(p);
    // The original goes last, to the port that leads to the destination when we can tell: a
    // trace then follows the copy that arrives, and the others show as side branches.
    const lead = targets.findIndex((p) => p instanceof Veth && p.peer.mac === pkt.ethDst);
    if (lead >= 0) targets.push(targets.splice(lead, 1)[0]!);
    if (pkt.trace !== null) {
      tracepoint(pkt, this.ns, this, { kind: 'bridge', action: 'flood', ports: targets.map((p) => p.name), mac: formatMac(pkt.ethDst), group: isGroupMac(pkt.ethDst) });
    }
    const copies = targets.length + (up ? 1 : 0);
    let sent = 0;
    for (const p of targets) {
      const copy = ++sent === copies ? pkt : pkt.clone();
      if (copy !== pkt && pkt.trace !== null) copy.trace = pkt.trace.branch();
      if (from !== null && !bridgeForwardHook(this, copy)) continue;
      p.transmit(copy);
    }
    if (up) netifReceive(this, pkt, true);
    else if (copies === 0) dropPacket(this.ns, this, pkt, Drop.NoRoute, `bridge ${this.name} has no port to flood to`);
  }
}
