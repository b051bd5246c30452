// IPv4 header (RFC 791, struct iphdr) without options or fragments: Docker traffic never needs them,
// and the simulated path MTU discovery relies on DF plus ICMP "frag needed" instead.
import { csumFold, csumPartial, internetChecksum } from './checksum.js';
import { IP_HLEN, type Packet } from './packet.js';

export const IP_OFF_VER_IHL = 0;
export const IP_OFF_TOS = 1;
export const IP_OFF_TOT_LEN = 2;
export const IP_OFF_ID = 4;
export const IP_OFF_FRAG_OFF = 6;
export const IP_OFF_TTL = 8;
export const IP_OFF_PROTOCOL = 9;
export const IP_OFF_CHECK = 10;
export const IP_OFF_SADDR = 12;
export const IP_OFF_DADDR = 16;

// Bits of frag_off, as in include/net/ip.h.
export const IP_CE = 0x8000;
export const IP_DF = 0x4000;
export const IP_MF = 0x2000;
export const IP_OFFSET = 0x1fff;

/**
 * Checks the header and fills the IPv4 fields. `end` bounds the bytes available (the frame end);
 * the datagram itself ends at off + tot_len, which the caller reads back to bound the transport
 * header (ethernet padding may follow it).
 */
export function parseIpv4(view: DataView, off: number, pkt: Packet, end = view.byteLength): number | string {
  if (end - off < IP_HLEN) return `truncated IPv4 header (${end - off} of ${IP_HLEN} bytes)`;
  const totLen = view.getUint16(off + IP_OFF_TOT_LEN);
  const r = parseIpv4Header(view, off, pkt);
  if (typeof r === 'string') return r;
  if (totLen < IP_HLEN) return `bad IPv4 total length ${totLen}`;
  if (totLen > end - off) return `truncated IPv4 datagram (total length ${totLen}, ${end - off} bytes)`;
  if (internetChecksum(view, off, (view.getUint8(off + IP_OFF_VER_IHL) & 15) << 2) !== 0) {
    const should = csumFold(csumPartial(view, off + IP_OFF_SADDR, 8, csumPartial(view, off, IP_OFF_CHECK)));
    return `bad IPv4 header checksum 0x${hex4(view.getUint16(off + IP_OFF_CHECK))} (should be 0x${hex4(should)})`;
  }
  const frag = view.getUint16(off + IP_OFF_FRAG_OFF);
  if ((frag & (IP_MF | IP_OFFSET)) !== 0) return `IPv4 fragments not supported (frag_off 0x${hex4(frag)})`;
  return r;
}

/**
 * Fills the IPv4 fields from a 20-byte header without checking its length or checksum: for the
 * datagram quoted in an ICMP error, whose tot_len is the original's (Linux does not verify it either).
 */
export function parseIpv4Header(view: DataView, off: number, pkt: Packet): number | string {
  const verIhl = view.getUint8(off + IP_OFF_VER_IHL);
  if (verIhl >>> 4 !== 4) return `bad IPv4 version ${verIhl >>> 4}`;
  const ihl = verIhl & 15;
  if (ihl < 5) return `bad IPv4 header length (ihl ${ihl})`;
  // The one option Linux sends is IGMP's Router Alert (wire/igmp.ts): it stays in the payload.
  const routerAlert = ihl === 6 && view.getUint8(off + IP_OFF_PROTOCOL) === 2 && view.getUint8(off + IP_HLEN) === 0x94;
  if (ihl > 5 && !routerAlert) return `IPv4 options not supported (ihl ${ihl})`;
  pkt.ipTos = view.getUint8(off + IP_OFF_TOS);
  pkt.ipId = view.getUint16(off + IP_OFF_ID);
  pkt.ipDf = (view.getUint16(off + IP_OFF_FRAG_OFF) & IP_DF) !== 0;
  pkt.ipTtl = view.getUint8(off + IP_OFF_TTL);
  pkt.ipProto = view.getUint8(off + IP_OFF_PROTOCOL);
  pkt.ipSrc = view.getUint32(off + IP_OFF_SADDR);
  pkt.ipDst = view.getUint32(off + IP_OFF_DADDR);
  return off + IP_HLEN;
}

/** Writes the header with tot_len = pkt.ipTotalLength() and its checksum. */
export function emitIpv4(pkt: Packet, view: DataView, off: number): number {
  view.setUint8(off + IP_OFF_VER_IHL, 0x45);
  view.setUint8(off + IP_OFF_TOS, pkt.ipTos);
  view.setUint16(off + IP_OFF_TOT_LEN, pkt.ipTotalLength());
  view.setUint16(off + IP_OFF_ID, pkt.ipId);
  view.setUint16(off + IP_OFF_FRAG_OFF, pkt.ipDf ? IP_DF : 0);
  view.setUint8(off + IP_OFF_TTL, pkt.ipTtl);
  view.setUint8(off + IP_OFF_PROTOCOL, pkt.ipProto);
  view.setUint16(off + IP_OFF_CHECK, 0);
  view.setUint32(off + IP_OFF_SADDR, pkt.ipSrc);
  view.setUint32(off + IP_OFF_DADDR, pkt.ipDst);
  view.setUint16(off + IP_OFF_CHECK, internetChecksum(view, off, IP_HLEN));
  return off + IP_HLEN;
}

/** Unfolded sum of the pseudo-header (saddr, daddr, zero, protocol, length) that TCP/UDP checksums cover. */
export function pseudoHeaderSum(pkt: Packet, proto: number, len: number): number {
  const s = pkt.ipSrc >>> 0;
  const d = pkt.ipDst >>> 0;
  return (s >>> 16) + (s & 0xffff) + (d >>> 16) + (d & 0xffff) + proto + len;
}

/** Writes the pkt.payloadLen data bytes (zeros where pkt.payload has none). */
export function emitPayload(pkt: Packet, view: DataView, off: number): number {
  const n = pkt.payloadLen;
  const p = pkt.payload;
  let i = 0;
  if (p !== null) {
    const m = n < p.length ? n : p.length;
    for (; i < m; i++) view.setUint8(off + i, p[i]!);
  }
  for (; i < n; i++) view.setUint8(off + i, 0);
  return off + n;
}

/** Copies `len` data bytes into a new pkt.payload (null when empty). */
export function parsePayload(view: DataView, off: number, len: number, pkt: Packet): number {
  const start = view.byteOffset + off;
  pkt.payload = len > 0 ? new Uint8Array(view.buffer.slice(start, start + len)) : null;
  pkt.payloadLen = len;
  return off + len;
}

export function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
