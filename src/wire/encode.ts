// Packet <-> bytes: an Ethernet frame (pcap LINKTYPE_ETHERNET) or a bare IPv4 datagram
// (LINKTYPE_RAW). Decoding checks every length and checksum and reports the first problem as a
// string; it never throws on bad input.
import { emitArp, parseArp } from './arp.js';
import { emitEsp, parseEsp } from './esp.js';
import { emitEthernet, parseEthernet } from './ethernet.js';
import { emitIcmp, parseIcmp } from './icmp.js';
import { emitIgmp, IPPROTO_IGMP } from './igmp.js';
import { emitIpv4, emitPayload, hex4, IP_OFF_TOT_LEN, parseIpv4, parsePayload } from './ipv4.js';
import { ETH_P_ARP, ETH_P_IP, IPPROTO_ESP, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, Packet } from './packet.js';
import { emitTcp, parseTcp } from './tcp.js';
import { emitUdp, parseUdp } from './udp.js';

/** Parses an Ethernet frame in [off, end); trailing bytes (Ethernet padding) are ignored. */
export function parseFrame(view: DataView, off: number, pkt: Packet, end = view.byteLength): number | string {
  const l3 = parseEthernet(view, off, pkt, end);
  if (typeof l3 === 'string') return l3;
  switch (pkt.ethType) {
    case ETH_P_ARP:
      return parseArp(view, l3, pkt, end);
    case ETH_P_IP:
      return parseDatagram(view, l3, pkt, end);
    default:
      return `unsupported ethertype 0x${hex4(pkt.ethType)}`;
  }
}

export function emitFrame(pkt: Packet, view: DataView, off: number): number {
  const l3 = emitEthernet(pkt, view, off);
  switch (pkt.ethType) {
    case ETH_P_ARP:
      return emitArp(pkt, view, l3);
    case ETH_P_IP:
      return emitDatagram(pkt, view, l3);
    default:
      throw new Error(`cannot encode ethertype 0x${hex4(pkt.ethType)}`);
  }
}

/** Parses an IPv4 datagram starting at `off`; returns its end (off + tot_len). */
export function parseDatagram(view: DataView, off: number, pkt: Packet, end = view.byteLength): number | string {
  const l4 = parseIpv4(view, off, pkt, end);
  if (typeof l4 === 'string') return l4;
  const dgramEnd = off + view.getUint16(off + IP_OFF_TOT_LEN);
  let r: number | string;
  switch (pkt.ipProto) {
    case IPPROTO_UDP:
      r = parseUdp(view, l4, pkt, dgramEnd);
      break;
    case IPPROTO_TCP:
      r = parseTcp(view, l4, pkt, dgramEnd);
      break;
    case IPPROTO_ICMP:
      r = parseIcmp(view, l4, pkt, dgramEnd);
      break;
    case IPPROTO_ESP:
      // Bytes that are not a modelled ESP packet (real ciphertext) stay an opaque payload.
      r = parseEsp(view, l4, pkt, dgramEnd) ?? parsePayload(view, l4, dgramEnd - l4, pkt);
      break;
    default:
      r = parsePayload(view, l4, dgramEnd - l4, pkt);
  }
  return typeof r === 'string' ? r : dgramEnd;
}

export function emitDatagram(pkt: Packet, view: DataView, off: number): number {
  const l4 = emitIpv4(pkt, view, off);
  switch (pkt.ipProto) {
    case IPPROTO_UDP:
      return emitUdp(pkt, view, l4);
    case IPPROTO_TCP:
      return emitTcp(pkt, view, l4);
    case IPPROTO_ICMP:
      return emitIcmp(pkt, view, l4);
    case IPPROTO_ESP:
      return emitEsp(pkt, view, l4);
    case IPPROTO_IGMP:
      return emitIgmp(pkt, view, off);
    default:
      return emitPayload(pkt, view, l4);
  }
}

/** The frame's bytes: exactly pkt.frameLength(), no padding, no FCS. */
export function encodeFrame(pkt: Packet): Uint8Array {
  const out = new Uint8Array(pkt.frameLength());
  emitFrame(pkt, new DataView(out.buffer), 0);
  return out;
}

export function decodeFrame(bytes: Uint8Array): Packet | string {
  const pkt = new Packet();
  const r = parseFrame(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, pkt);
  return typeof r === 'string' ? r : pkt;
}

/** The IPv4 datagram's bytes: exactly pkt.ipTotalLength(). */
export function encodeDatagram(pkt: Packet): Uint8Array {
  const out = new Uint8Array(pkt.ipTotalLength());
  emitDatagram(pkt, new DataView(out.buffer), 0);
  return out;
}

export function decodeDatagram(bytes: Uint8Array): Packet | string {
  const pkt = new Packet();
  const r = parseDatagram(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, pkt);
  return typeof r === 'string' ? r : pkt;
}
