// The host's physical Ethernet interface, plugged into the LAN shared by all hosts.
import type { Packet } from '../wire/packet.js';
import { NetDevice } from './device.js';
import { Drop } from './drop.js';
import type { Lan } from './lan.js';
import { dropPacket } from './kfree-skb.js';

export class Nic extends NetDevice {
  readonly kind = 'ether';
  lan: Lan | null = null;
  /** Cable plugged in (a scenario's link fault unplugs it). */
  cable = true;

  carrier(): boolean {
    return this.cable && this.lan !== null;
  }

  transmit(pkt: Packet): void {
    if (!this.up) return dropPacket(this.ns, this, pkt, Drop.LinkDown, `${this.name} is down`);
    if (!this.carrier()) return dropPacket(this.ns, this, pkt, Drop.NoCarrier, `${this.name} has no carrier`);
    this.txPackets++;
    this.txBytes += pkt.frameLength();
    if (this.ns.host.ledger !== null) this.ns.host.ledger.send(pkt, this);
    this.lan!.transmit(this, pkt);
  }
}
