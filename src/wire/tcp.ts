// TCP header (RFC 9293, struct tcphdr) and the options Linux sends (RFC 9293 MSS, RFC 2018
// SACK-permitted, RFC 7323 timestamps and window scale), laid out as tcp_options_write does:
//   SYN:  MSS, SACK_PERM, TS, NOP, WSCALE  (02 04 05 b4 04 02 08 0a <val> <ecr> 01 03 03 07)
//   data: NOP, NOP, TS                      (01 01 08 0a <val> <ecr>)
// Other options of a real capture (SACK blocks, MD5, …) are skipped on parse.
import { internetChecksum } from './checksum.js';
import { emitPayload, hex4, parsePayload, pseudoHeaderSum } from './ipv4.js';
import {
  IPPROTO_TCP, TCP_HLEN, TCPOPT_F_MSS, TCPOPT_F_SACK_PERM, TCPOPT_F_TS, TCPOPT_F_WSCALE, tcpOptionsLength, type Packet,
} from './packet.js';

export const TCPOPT_EOL = 0;
export const TCPOPT_NOP = 1;
export const TCPOPT_MSS = 2;
export const TCPOPT_WINDOW = 3;
export const TCPOPT_SACK_PERM = 4;
export const TCPOPT_SACK = 5;
export const TCPOPT_TIMESTAMP = 8;

export const TCP_OFF_SOURCE = 0;
export const TCP_OFF_DEST = 2;
export const TCP_OFF_SEQ = 4;
export const TCP_OFF_ACK_SEQ = 8;
/** Data offset in the high nibble (32-bit words). */
export const TCP_OFF_DOFF = 12;
export const TCP_OFF_FLAGS = 13;
export const TCP_OFF_WINDOW = 14;
export const TCP_OFF_CHECK = 16;
export const TCP_OFF_URG_PTR = 18;

/** Reads the options in [off, end) into pkt.tcpOpts and its fields; a string names a malformed one. */
export function parseTcpOptions(view: DataView, off: number, end: number, pkt: Packet): string | null {
  let opts = 0;
  while (off < end) {
    const kind = view.getUint8(off);
    if (kind === TCPOPT_EOL) break;
    if (kind === TCPOPT_NOP) {
      off++;
      continue;
    }
    if (off + 2 > end) return 'truncated TCP option';
    const len = view.getUint8(off + 1);
    if (len < 2 || off + len > end) return `bad TCP option length ${len} (kind ${kind})`;
    if (kind === TCPOPT_MSS && len === 4) {
      opts |= TCPOPT_F_MSS;
      pkt.tcpMss = view.getUint16(off + 2);
    } else if (kind === TCPOPT_WINDOW && len === 3) {
      opts |= TCPOPT_F_WSCALE;
      pkt.tcpWscale = view.getUint8(off + 2);
    } else if (kind === TCPOPT_SACK_PERM && len === 2) {
      opts |= TCPOPT_F_SACK_PERM;
    } else if (kind === TCPOPT_TIMESTAMP && len === 10) {
      opts |= TCPOPT_F_TS;
      pkt.tcpTsVal = view.getUint32(off + 2);
      pkt.tcpTsEcr = view.getUint32(off + 6);
    }
    off += len;
  }
  pkt.tcpOpts = opts;
  return null;
}

/** Writes pkt's options at `off` in Linux's order and padding; returns the end. */
export function emitTcpOptions(pkt: Packet, view: DataView, off: number): number {
  const o = pkt.tcpOpts;
  if (o & TCPOPT_F_MSS) {
    view.setUint8(off, TCPOPT_MSS);
    view.setUint8(off + 1, 4);
    view.setUint16(off + 2, pkt.tcpMss);
    off += 4;
  }
  if (o & TCPOPT_F_TS) {
    if (o & TCPOPT_F_SACK_PERM) {
      view.setUint8(off, TCPOPT_SACK_PERM);
      view.setUint8(off + 1, 2);
    } else {
      view.setUint8(off, TCPOPT_NOP);
      view.setUint8(off + 1, TCPOPT_NOP);
    }
    view.setUint8(off + 2, TCPOPT_TIMESTAMP);
    view.setUint8(off + 3, 10);
    view.setUint32(off + 4, pkt.tcpTsVal >>> 0);
    view.setUint32(off + 8, pkt.tcpTsEcr >>> 0);
    off += 12;
  }
  if (o & TCPOPT_F_WSCALE) {
    view.setUint8(off, TCPOPT_NOP);
    view.setUint8(off + 1, TCPOPT_WINDOW);
    view.setUint8(off + 2, 3);
    view.setUint8(off + 3, pkt.tcpWscale);
    off += 4;
  }
  if (o & TCPOPT_F_SACK_PERM && !(o & TCPOPT_F_TS)) {
    view.setUint8(off, TCPOPT_NOP);
    view.setUint8(off + 1, TCPOPT_NOP);
    view.setUint8(off + 2, TCPOPT_SACK_PERM);
    view.setUint8(off + 3, 2);
    off += 4;
  }
  return off;
}

/** `end` is the end of the IPv4 datagram (TCP has no length of its own). */
export function parseTcp(view: DataView, off: number, pkt: Packet, end = view.byteLength): number | string {
  const len = end - off;
  if (len < TCP_HLEN) return `truncated TCP header (${len} of ${TCP_HLEN} bytes)`;
  const doff = (view.getUint8(off + TCP_OFF_DOFF) >>> 4) * 4;
  if (doff < TCP_HLEN) return `bad TCP data offset ${doff}`;
  if (doff > len) return `truncated TCP options (data offset ${doff}, ${len} bytes)`;
  if (internetChecksum(view, off, len, pseudoHeaderSum(pkt, IPPROTO_TCP, len)) !== 0) {
    return `bad TCP checksum 0x${hex4(view.getUint16(off + TCP_OFF_CHECK))}`;
  }
  pkt.sport = view.getUint16(off + TCP_OFF_SOURCE);
  pkt.dport = view.getUint16(off + TCP_OFF_DEST);
  pkt.tcpSeq = view.getUint32(off + TCP_OFF_SEQ);
  pkt.tcpAck = view.getUint32(off + TCP_OFF_ACK_SEQ);
  pkt.tcpFlags = view.getUint8(off + TCP_OFF_FLAGS);
  pkt.tcpWindow = view.getUint16(off + TCP_OFF_WINDOW);
  const bad = parseTcpOptions(view, off + TCP_HLEN, off + doff, pkt);
  if (bad !== null) return bad;
  return parsePayload(view, off + doff, len - doff, pkt);
}

export function emitTcp(pkt: Packet, view: DataView, off: number): number {
  view.setUint16(off + TCP_OFF_SOURCE, pkt.sport);
  view.setUint16(off + TCP_OFF_DEST, pkt.dport);
  view.setUint32(off + TCP_OFF_SEQ, pkt.tcpSeq >>> 0);
  view.setUint32(off + TCP_OFF_ACK_SEQ, pkt.tcpAck >>> 0);
  const hlen = TCP_HLEN + tcpOptionsLength(pkt.tcpOpts);
  view.setUint8(off + TCP_OFF_DOFF, (hlen / 4) << 4);
  view.setUint8(off + TCP_OFF_FLAGS, pkt.tcpFlags);
  view.setUint16(off + TCP_OFF_WINDOW, pkt.tcpWindow);
  view.setUint16(off + TCP_OFF_CHECK, 0);
  view.setUint16(off + TCP_OFF_URG_PTR, 0);
  emitTcpOptions(pkt, view, off + TCP_HLEN);
  const next = emitPayload(pkt, view, off + hlen);
  const len = next - off;
  view.setUint16(off + TCP_OFF_CHECK, internetChecksum(view, off, len, pseudoHeaderSum(pkt, IPPROTO_TCP, len)));
  return next;
}
