// Link-layer headers a capture records (the LINKTYPE_* numbers of tcpdump.org/linktypes.html) and
// the Linux "cooked" headers of `-i any`, built from a packet as it crosses a device.
import { encodeDatagram, encodeFrame } from '../wire/encode.js';
import { ETH_HLEN, ETH_P_ARP, type Packet } from '../wire/packet.js';

export const LINKTYPE_ETHERNET = 1;
/** Linux cooked capture v1 (libpcap before 1.10, so CentOS 7's tcpdump 4.9.2 on `-i any`). */
export const LINKTYPE_LINUX_SLL = 113;
/** Linux cooked capture v2 (libpcap 1.10): adds the interface index. */
export const LINKTYPE_LINUX_SLL2 = 276;

export const SLL_HLEN = 16;
export const SLL2_HLEN = 20;

// sll_pkttype (include/uapi/linux/if_packet.h).
export const PACKET_HOST = 0;
export const PACKET_BROADCAST = 1;
export const PACKET_MULTICAST = 2;
export const PACKET_OTHERHOST = 3;
export const PACKET_OUTGOING = 4;

export const ARPHRD_ETHER = 1;
export const ARPHRD_LOOPBACK = 772;

/** The link type's name as tcpdump's "listening on" line gives it. */
export function linktypeName(lt: number): string {
  return lt === LINKTYPE_ETHERNET ? 'EN10MB (Ethernet)' : lt === LINKTYPE_LINUX_SLL ? 'LINUX_SLL (Linux cooked)' : lt === LINKTYPE_LINUX_SLL2 ? 'LINUX_SLL2 (Linux cooked v2)' : `${lt}`;
}

/** Where the network layer starts and the ethertype it has, for a frame of this link type; null
 *  when the frame is too short to say. */
export function l3Of(lt: number, b: Uint8Array): { off: number; ethType: number } | null {
  const [at, off] = lt === LINKTYPE_LINUX_SLL ? [14, SLL_HLEN] : lt === LINKTYPE_LINUX_SLL2 ? [0, SLL2_HLEN] : [12, ETH_HLEN];
  if (b.length < off) return null;
  return { off, ethType: (b[at]! << 8) | b[at + 1]! };
}

/** The sll_pkttype of a frame a device received: addressed to it, broadcast, multicast or not. */
export function pktType(pkt: Packet, devMac: number, outbound: boolean): number {
  if (outbound) return PACKET_OUTGOING;
  if (pkt.ethDst === 0xffffffffffff) return PACKET_BROADCAST;
  // The group bit is the low bit of the first octet (bit 40 of the 48-bit number).
  if (Math.floor(pkt.ethDst / 2 ** 40) & 1) return PACKET_MULTICAST;
  return pkt.ethDst === devMac ? PACKET_HOST : PACKET_OTHERHOST;
}

/**
 * A cooked header (v1 or v2) and the frame's network-layer bytes: what libpcap records on `any`
 * (pcap-linux.c fills it from the sockaddr_ll). The link-layer address is the frame's source MAC.
 */
export function cookedFrame(pkt: Packet, v2: boolean, ifindex: number, arphrd: number, pkttype: number): Uint8Array {
  const l3 = pkt.ethType === ETH_P_ARP ? encodeFrame(pkt).subarray(ETH_HLEN) : encodeDatagram(pkt);
  const h = v2 ? SLL2_HLEN : SLL_HLEN;
  const out = new Uint8Array(h + l3.length);
  const v = new DataView(out.buffer);
  const mac = pkt.ethSrc;
  const macAt = v2 ? 12 : 6;
  if (v2) {
    v.setUint16(0, pkt.ethType);
    v.setUint32(4, ifindex);
    v.setUint16(8, arphrd);
    v.setUint8(10, pkttype);
    v.setUint8(11, 6);
  } else {
    v.setUint16(0, pkttype);
    v.setUint16(2, arphrd);
    v.setUint16(4, 6);
    v.setUint16(14, pkt.ethType);
  }
  v.setUint16(macAt, Math.floor(mac / 2 ** 32));
  v.setUint32(macAt + 2, mac >>> 0);
  out.set(l3, h);
  return out;
}
