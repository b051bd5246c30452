// Where frames enter a namespace's stack (__netif_receive_skb) and where packets are dropped.
// Bridge ports hand frames to their bridge; everything else goes to ARP or IPv4 by ethertype.
import { ETH_P_ARP, ETH_P_IP } from '../wire/packet.js';
import type { Packet } from '../wire/packet.js';
import type { NetDevice } from './device.js';
import type { Bridge } from './bridge.js';
import { Drop } from './drop.js';
import { dropPacket } from './kfree-skb.js';
import { arpRcv } from './arp.js';
import { ipRcv } from './ipv4.js';

/** Frames one synchronous walk may cross before it is called a loop (nothing real needs 64). */
const MAX_DEPTH = 64;

/** A frame arrives on `dev`. `fromBridge` is set when the bridge passes it up to its own device. */
export function netifReceive(dev: NetDevice, pkt: Packet, fromBridge = false): void {
  if (dev.ns.host.ledger !== null) dev.ns.host.ledger.receive(pkt);
  if (++pkt.depth > MAX_DEPTH) return dropPacket(dev.ns, dev, pkt, Drop.Loop, 'too many hops in one walk');
  dev.rxPackets++;
  // loopback_xmit counts after eth_type_trans pulled the Ethernet header; other devices count it.
  dev.rxBytes += dev.kind === 'loopback' ? pkt.ipTotalLength() : pkt.frameLength();
  if (!dev.up) return linkDown(dev, pkt);
  if (dev.tap !== null) dev.tap.emit(dev, pkt, false);
  if (dev.master !== null && !fromBridge) {
    dev.master.receiveOnPort(dev, pkt);
    return;
  }
  if (pkt.ethType === ETH_P_IP) ipRcv(dev, pkt);
  else if (pkt.ethType === ETH_P_ARP) arpRcv(dev, pkt);
  else unknownEthertype(dev, pkt);
}

/** Apart from netifReceive, which the hot path inlines (see ipv4.ts). */
function unknownEthertype(dev: NetDevice, pkt: Packet): void {
  dropPacket(dev.ns, dev, pkt, Drop.Unsupported, `ethertype 0x${pkt.ethType.toString(16)}`);
}

function linkDown(dev: NetDevice, pkt: Packet): void {
  dropPacket(dev.ns, dev, pkt, Drop.LinkDown, `${dev.name} is down`);
}

/** br_netfilter: bridged IPv4 traverses iptables FORWARD when bridge-nf-call-iptables is on.
 *  Returns false when the packet was dropped. Netfilter arrives with issue 3. */
export function bridgeForwardHook(br: Bridge, pkt: Packet): boolean {
  const nf = br.ns.netfilter;
  if (nf === null || pkt.ethType !== ETH_P_IP || !br.ns.bridgeNfCallIptables) return true;
  return nf.bridgeForward(br, pkt);
}
