// ICMP (RFC 792, struct icmphdr): echo, and the errors that quote the offending datagram.
import { csumBytes, csumFold, internetChecksum } from './checksum.js';
import { emitIpv4, emitPayload, hex4, IP_OFF_TOT_LEN, parseIpv4Header, parsePayload } from './ipv4.js';
import {
  ICMP_DEST_UNREACH,
  ICMP_FRAG_NEEDED,
  ICMP_HLEN,
  ICMP_TIME_EXCEEDED,
  IP_HLEN,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  Packet,
  TCP_HLEN,
  UDP_HLEN,
} from './packet.js';
import { TCP_OFF_DEST, TCP_OFF_SEQ, TCP_OFF_SOURCE } from './tcp.js';
import { UDP_OFF_CHECK, UDP_OFF_DEST, UDP_OFF_LEN, UDP_OFF_SOURCE, udpChecksum } from './udp.js';

export const ICMP_OFF_TYPE = 0;
export const ICMP_OFF_CODE = 1;
export const ICMP_OFF_CHECKSUM = 2;
export const ICMP_OFF_ID = 4;
export const ICMP_OFF_SEQUENCE = 6;
/** "Fragmentation needed": the next-hop MTU (RFC 1191), after two unused bytes. */
export const ICMP_OFF_MTU = 6;

export const ICMP_SOURCE_QUENCH = 4;
export const ICMP_REDIRECT = 5;
export const ICMP_PARAMETERPROB = 12;

/** What an error quotes here: the IPv4 header and the first 8 bytes of the transport header. */
export const ICMP_QUOTE_LEN = IP_HLEN + 8;

/** The types that carry a quoted datagram, as icmp_is_err() in include/linux/icmp.h. */
export function icmpIsErr(type: number): boolean {
  return (
    type === ICMP_DEST_UNREACH ||
    type === ICMP_SOURCE_QUENCH ||
    type === ICMP_REDIRECT ||
    type === ICMP_TIME_EXCEEDED ||
    type === ICMP_PARAMETERPROB
  );
}

/** Destination unreachable and time exceeded leave bytes 4-7 unused, except the MTU of "frag needed". */
function restIsUnused(pkt: Packet): boolean {
  return pkt.icmpType === ICMP_DEST_UNREACH || pkt.icmpType === ICMP_TIME_EXCEEDED;
}

function isFragNeeded(type: number, code: number): boolean {
  return type === ICMP_DEST_UNREACH && code === ICMP_FRAG_NEEDED;
}

/** Type, code, (zero checksum) and bytes 4-7. */
function emitHeader(pkt: Packet, view: DataView, off: number): void {
  view.setUint8(off + ICMP_OFF_TYPE, pkt.icmpType);
  view.setUint8(off + ICMP_OFF_CODE, pkt.icmpCode);
  view.setUint16(off + ICMP_OFF_CHECKSUM, 0);
  if (restIsUnused(pkt)) {
    view.setUint16(off + ICMP_OFF_ID, 0);
    view.setUint16(off + ICMP_OFF_MTU, isFragNeeded(pkt.icmpType, pkt.icmpCode) ? pkt.icmpId : 0);
  } else {
    view.setUint16(off + ICMP_OFF_ID, pkt.icmpId);
    view.setUint16(off + ICMP_OFF_SEQUENCE, pkt.icmpSeq);
  }
}

/** The inverse of emitHeader, checksum aside. */
function parseHeader(view: DataView, off: number, pkt: Packet): void {
  const type = view.getUint8(off + ICMP_OFF_TYPE);
  const code = view.getUint8(off + ICMP_OFF_CODE);
  pkt.icmpType = type;
  pkt.icmpCode = code;
  if (type === ICMP_DEST_UNREACH || type === ICMP_TIME_EXCEEDED) {
    pkt.icmpId = isFragNeeded(type, code) ? view.getUint16(off + ICMP_OFF_MTU) : 0;
    pkt.icmpSeq = 0;
  } else {
    pkt.icmpId = view.getUint16(off + ICMP_OFF_ID);
    pkt.icmpSeq = view.getUint16(off + ICMP_OFF_SEQUENCE);
  }
}

/**
 * The checksum field of a message without a quote (echo), from its fields rather than emitted
 * bytes: an error quoting an echo carries it without the data.
 */
export function icmpChecksum(pkt: Packet): number {
  let sum = ((pkt.icmpType & 0xff) << 8) | (pkt.icmpCode & 0xff);
  if (restIsUnused(pkt)) {
    if (isFragNeeded(pkt.icmpType, pkt.icmpCode)) sum += pkt.icmpId & 0xffff;
  } else {
    sum += (pkt.icmpId & 0xffff) + (pkt.icmpSeq & 0xffff);
  }
  return csumFold(csumBytes(pkt.payload, pkt.payloadLen, sum));
}

/** `end` is the end of the IPv4 datagram: the checksum covers the whole message. */
export function parseIcmp(view: DataView, off: number, pkt: Packet, end = view.byteLength): number | string {
  const len = end - off;
  if (len < ICMP_HLEN) return `truncated ICMP header (${len} of ${ICMP_HLEN} bytes)`;
  if (internetChecksum(view, off, len) !== 0) return `bad ICMP checksum 0x${hex4(view.getUint16(off + ICMP_OFF_CHECKSUM))}`;
  parseHeader(view, off, pkt);
  if (!icmpIsErr(pkt.icmpType)) {
    pkt.inner = null;
    return parsePayload(view, off + ICMP_HLEN, len - ICMP_HLEN, pkt);
  }
  // Linux quotes up to 576 bytes of the datagram; only the first 28 are kept.
  if (len - ICMP_HLEN < ICMP_QUOTE_LEN) return `truncated ICMP quoted datagram (${len - ICMP_HLEN} of ${ICMP_QUOTE_LEN} bytes)`;
  const inner = new Packet();
  const r = parseQuote(view, off + ICMP_HLEN, inner);
  if (typeof r === 'string') return `ICMP quoted datagram: ${r}`;
  pkt.inner = inner;
  pkt.payload = null;
  pkt.payloadLen = 0;
  return end;
}

/** Writes the message: the quote of pkt.inner when there is one (as Packet.l4Length() counts), else the data. */
export function emitIcmp(pkt: Packet, view: DataView, off: number): number {
  emitHeader(pkt, view, off);
  const next = pkt.inner !== null ? emitQuote(pkt.inner, view, off + ICMP_HLEN) : emitPayload(pkt, view, off + ICMP_HLEN);
  view.setUint16(off + ICMP_OFF_CHECKSUM, internetChecksum(view, off, next - off));
  return next;
}

/**
 * The first 28 bytes the original datagram had on the wire: its IPv4 header (tot_len and checksum
 * of the whole datagram) and the start of its transport header, checksums included.
 */
function emitQuote(inner: Packet, view: DataView, off: number): number {
  const l4 = emitIpv4(inner, view, off);
  switch (inner.ipProto) {
    case IPPROTO_UDP:
      view.setUint16(l4 + UDP_OFF_SOURCE, inner.sport);
      view.setUint16(l4 + UDP_OFF_DEST, inner.dport);
      view.setUint16(l4 + UDP_OFF_LEN, inner.l4Length());
      view.setUint16(l4 + UDP_OFF_CHECK, udpChecksum(inner));
      break;
    case IPPROTO_TCP:
      view.setUint16(l4 + TCP_OFF_SOURCE, inner.sport);
      view.setUint16(l4 + TCP_OFF_DEST, inner.dport);
      view.setUint32(l4 + TCP_OFF_SEQ, inner.tcpSeq >>> 0);
      break;
    case IPPROTO_ICMP:
      emitHeader(inner, view, l4);
      // An error about an error is never sent (RFC 1122 3.2.2), so a quoted quote gets no checksum.
      if (inner.inner === null) view.setUint16(l4 + ICMP_OFF_CHECKSUM, icmpChecksum(inner));
      break;
    default: {
      const p = inner.payload;
      for (let i = 0; i < 8; i++) view.setUint8(l4 + i, p !== null && i < p.length && i < inner.payloadLen ? p[i]! : 0);
    }
  }
  return off + ICMP_QUOTE_LEN;
}

/**
 * Fills `inner` with what the quote holds. payloadLen is derived from the quoted tot_len so that
 * inner.ipTotalLength() is the original's; the data itself is unknown (payload null).
 */
function parseQuote(view: DataView, off: number, inner: Packet): number | string {
  const r = parseIpv4Header(view, off, inner);
  if (typeof r === 'string') return r;
  const l4 = off + IP_HLEN;
  let hlen = 0;
  switch (inner.ipProto) {
    case IPPROTO_UDP:
      inner.sport = view.getUint16(l4 + UDP_OFF_SOURCE);
      inner.dport = view.getUint16(l4 + UDP_OFF_DEST);
      hlen = UDP_HLEN;
      break;
    case IPPROTO_TCP:
      inner.sport = view.getUint16(l4 + TCP_OFF_SOURCE);
      inner.dport = view.getUint16(l4 + TCP_OFF_DEST);
      inner.tcpSeq = view.getUint32(l4 + TCP_OFF_SEQ);
      hlen = TCP_HLEN;
      break;
    case IPPROTO_ICMP:
      parseHeader(view, l4, inner);
      hlen = ICMP_HLEN;
      break;
  }
  const rest = view.getUint16(off + IP_OFF_TOT_LEN) - IP_HLEN - hlen;
  inner.payload = null;
  inner.payloadLen = rest > 0 ? rest : 0;
  return off + ICMP_QUOTE_LEN;
}
