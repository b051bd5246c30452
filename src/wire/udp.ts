// UDP header (RFC 768, struct udphdr). To VXLAN_PORT the payload is a VXLAN header and a frame.
import { csumBytes, csumFold, internetChecksum } from './checksum.js';
import { emitPayload, hex4, parsePayload, pseudoHeaderSum } from './ipv4.js';
import { IPPROTO_UDP, UDP_HLEN, VXLAN_PORT, type Packet } from './packet.js';
import { emitVxlan, parseVxlan } from './vxlan.js';

export const UDP_OFF_SOURCE = 0;
export const UDP_OFF_DEST = 2;
export const UDP_OFF_LEN = 4;
export const UDP_OFF_CHECK = 6;

/** True when the packet carries a VXLAN frame (the condition Packet.l4Length() counts). */
export function isVxlan(pkt: Packet): boolean {
  return pkt.inner !== null && pkt.vni !== 0;
}

/**
 * The checksum field of the packet's UDP header, from its fields rather than emitted bytes (an ICMP
 * error quotes it without the data). 0 for VXLAN: Linux sends the outer checksum as 0 by default.
 */
export function udpChecksum(pkt: Packet): number {
  if (isVxlan(pkt)) return 0;
  const len = pkt.l4Length();
  let sum = pseudoHeaderSum(pkt, IPPROTO_UDP, len);
  sum += (pkt.sport & 0xffff) + (pkt.dport & 0xffff) + len;
  const c = csumFold(csumBytes(pkt.payload, pkt.payloadLen, sum));
  return c === 0 ? 0xffff : c; // 0 would mean "no checksum"
}

/** `end` is the end of the IPv4 datagram; the pseudo-header uses pkt.ipSrc/ipDst, filled before. */
export function parseUdp(view: DataView, off: number, pkt: Packet, end = view.byteLength): number | string {
  if (end - off < UDP_HLEN) return `truncated UDP header (${end - off} of ${UDP_HLEN} bytes)`;
  const len = view.getUint16(off + UDP_OFF_LEN);
  if (len < UDP_HLEN) return `bad UDP length ${len}`;
  if (len > end - off) return `truncated UDP datagram (length ${len}, ${end - off} bytes)`;
  const check = view.getUint16(off + UDP_OFF_CHECK);
  if (check !== 0 && internetChecksum(view, off, len, pseudoHeaderSum(pkt, IPPROTO_UDP, len)) !== 0) {
    return `bad UDP checksum 0x${hex4(check)}`;
  }
  pkt.sport = view.getUint16(off + UDP_OFF_SOURCE);
  pkt.dport = view.getUint16(off + UDP_OFF_DEST);
  if (pkt.dport === VXLAN_PORT) {
    pkt.payload = null;
    pkt.payloadLen = 0;
    const r = parseVxlan(view, off + UDP_HLEN, pkt, off + len);
    return typeof r === 'string' ? r : off + len;
  }
  return parsePayload(view, off + UDP_HLEN, len - UDP_HLEN, pkt);
}

export function emitUdp(pkt: Packet, view: DataView, off: number): number {
  const len = pkt.l4Length();
  view.setUint16(off + UDP_OFF_SOURCE, pkt.sport);
  view.setUint16(off + UDP_OFF_DEST, pkt.dport);
  view.setUint16(off + UDP_OFF_LEN, len);
  view.setUint16(off + UDP_OFF_CHECK, udpChecksum(pkt));
  return isVxlan(pkt) ? emitVxlan(pkt, view, off + UDP_HLEN) : emitPayload(pkt, view, off + UDP_HLEN);
}
