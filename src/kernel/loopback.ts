// The loopback device: what it sends it receives, in the same namespace.
import type { Packet } from '../wire/packet.js';
import { NetDevice } from './device.js';
import { Drop } from './drop.js';
import { LOOPBACK_NS } from './latency.js';
import { netifReceive } from './rx.js';
import { dropPacket } from './kfree-skb.js';

export class Loopback extends NetDevice {
  readonly kind = 'loopback';

  carrier(): boolean {
    return true;
  }

  transmit(pkt: Packet): void {
    if (!this.up) return dropPacket(this.ns, this, pkt, Drop.LinkDown, 'lo is down');
    this.txPackets++;
    if (this.ns.host.ledger !== null) this.ns.host.ledger.send(pkt, this);
    this.txBytes += pkt.ipTotalLength(); // skb->len after eth_type_trans, as rx counts it too
    pkt.tstamp += LOOPBACK_NS;
    netifReceive(this, pkt);
  }
}
