// A veth pair: two devices, possibly in different namespaces, each delivering what it transmits to
// the other. A veth has carrier only while its peer is up (veth_open/veth_close toggle it), and a
// frame sent while the peer is down is dropped (veth_xmit).
import { ETH_P_IP } from '../wire/packet.js';
import type { Packet } from '../wire/packet.js';

const VLAN_HLEN = 4;
export const ENOBUFS = 105;
import { NetDevice } from './device.js';
import { Drop } from './drop.js';
import { VETH_NS } from './latency.js';
import { netifReceive } from './rx.js';
import { dropPacket } from './kfree-skb.js';
import { tracepoint } from './tracepoint.js';

export class Veth extends NetDevice {
  readonly kind = 'veth';
  peer!: Veth;

  carrier(): boolean {
    return this.peer.up;
  }

  transmit(pkt: Packet): number | void {
    if (!this.up) return dropPacket(this.ns, this, pkt, Drop.LinkDown, `${this.name} is down`);
    const peer = this.peer;
    // veth_xmit counts a frame it cannot hand to its peer in its own tx_dropped.
    if (!peer.up) {
      this.txDropped++;
      return dropPacket(this.ns, this, pkt, Drop.NoCarrier, `peer ${peer.name} is down`);
    }
    // veth_xmit → __dev_forward_skb → is_skb_forwardable: a frame longer than the peer's MTU plus
    // the Ethernet and VLAN headers is dropped, and veth_xmit returns NET_XMIT_DROP (ENOBUFS to a
    // local sender whose packet went straight out).
    if (pkt.ethType === ETH_P_IP && pkt.ipTotalLength() > peer.mtu + VLAN_HLEN) return this.tooBig(pkt);
    this.txPackets++;
    this.txBytes += pkt.frameLength();
    if (this.tap !== null) this.tap.emit(this, pkt, true);
    if (this.ns.host.ledger !== null) this.ns.host.ledger.send(pkt, this);
    pkt.tstamp += VETH_NS;
    if (pkt.trace !== null) this.traceCross(pkt);
    // Crossing into another namespace scrubs the skb (skb_scrub_packet with xnet): the mark and
    // the conntrack reference belong to the namespace it leaves.
    if (peer.ns !== this.ns) {
      pkt.mark = 0;
      pkt.ct = null;
    }
    netifReceive(peer, pkt);
  }

  // Apart from transmit, which the hot path inlines (see ipv4.ts).
  private tooBig(pkt: Packet): number {
    this.txDropped++;
    dropPacket(this.ns, this, pkt, Drop.FragNeeded, `${pkt.ipTotalLength()} bytes > mtu ${this.peer.mtu} of peer ${this.peer.name}`);
    return ENOBUFS;
  }

  private traceCross(pkt: Packet): void {
    tracepoint(pkt, this.ns, this, { kind: 'veth', peer: this.peer.name, peerNetns: this.peer.ns.label });
  }
}
