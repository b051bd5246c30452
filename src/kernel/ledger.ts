// Packet conservation on the wires (the `conservation:` check). A packet here is a frame put on a
// wire: a veth handing a frame to its peer, a NIC putting one on its LAN, loopback handing one to
// itself (each counted in the sender's TX packets, as `ip -s link` shows). Every such frame must
// end as exactly one of: received by the device at the other end (its RX packets), dropped with a
// reason (kfree-skb.ts), or absorbed by a LAN with nobody to hear it (a broadcast where every other
// host is down or cut off). A LAN that floods a group frame to several hosts puts one copy per
// extra receiver on the wire. Whatever is still on a wire when the check runs was neither
// received nor dropped: in flight on a delayed link, or lost by a path that forgot to count it.
// Off unless a scenario asks: each host's `ledger` is null and the packet path tests only that.
import { describe } from '../wire/describe.js';
import type { Packet } from '../wire/packet.js';
import type { NetDevice } from './device.js';

/** Where a frame still on a wire was put there. */
export interface OnWire {
  readonly host: string;
  readonly ns: string;
  readonly dev: string;
  /** Simulated time it was sent (ns). */
  readonly time: number;
  /** Its headers in one line (wire/describe.ts), for the report. */
  readonly what: string;
}

export class Ledger {
  sent = 0;
  copies = 0;
  received = 0;
  dropped = 0;
  absorbed = 0;
  private readonly wire = new Map<Packet, NetDevice>();

  /** `dev` put `pkt` on its wire (veth, NIC or loopback transmit). */
  send(pkt: Packet, dev: NetDevice): void {
    this.sent++;
    this.wire.set(pkt, dev);
  }

  /** A LAN flooding a group frame made `copy` for one more receiver. */
  copy(copy: Packet, from: NetDevice): void {
    this.copies++;
    this.wire.set(copy, from);
  }

  /** A frame arrived at a device: if it came off a wire, it has ended there. */
  receive(pkt: Packet): void {
    if (this.wire.delete(pkt)) this.received++;
  }

  /** A frame was discarded: if it was on a wire, it has ended there. */
  drop(pkt: Packet): void {
    if (this.wire.delete(pkt)) this.dropped++;
  }

  /** A group frame nobody could hear (every other port down or partitioned away). */
  absorb(pkt: Packet): void {
    if (this.wire.delete(pkt)) this.absorbed++;
  }

  /** The frames still on a wire, in the order they were sent. */
  onWire(): OnWire[] {
    return [...this.wire].map(([pkt, dev]) => ({ host: dev.ns.host.name, ns: dev.ns.label, dev: dev.name, time: pkt.tstamp, what: describe(pkt) }));
  }

  /** True when every frame put on a wire has ended. */
  holds(): boolean {
    return this.wire.size === 0 && this.sent + this.copies === this.received + this.dropped + this.absorbed;
  }
}
