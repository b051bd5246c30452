// TCP header (RFC 9293, struct tcphdr) without options: data offset 5 on emit.
import { internetChecksum } from './checksum.js';
import { emitPayload, hex4, parsePayload, pseudoHeaderSum } from './ipv4.js';
import { IPPROTO_TCP, TCP_HLEN, type Packet } from './packet.js';

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

/**
 * `end` is the end of the IPv4 datagram (TCP has no length of its own). Options of a real capture
 * are skipped, not kept: Packet has no place for them.
 */
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
  return parsePayload(view, off + doff, len - doff, pkt);
}

export function emitTcp(pkt: Packet, view: DataView, off: number): number {
  view.setUint16(off + TCP_OFF_SOURCE, pkt.sport);
  view.setUint16(off + TCP_OFF_DEST, pkt.dport);
  view.setUint32(off + TCP_OFF_SEQ, pkt.tcpSeq >>> 0);
  view.setUint32(off + TCP_OFF_ACK_SEQ, pkt.tcpAck >>> 0);
  view.setUint8(off + TCP_OFF_DOFF, (TCP_HLEN / 4) << 4);
  view.setUint8(off + TCP_OFF_FLAGS, pkt.tcpFlags);
  view.setUint16(off + TCP_OFF_WINDOW, pkt.tcpWindow);
  view.setUint16(off + TCP_OFF_CHECK, 0);
  view.setUint16(off + TCP_OFF_URG_PTR, 0);
  const next = emitPayload(pkt, view, off + TCP_HLEN);
  const len = next - off;
  view.setUint16(off + TCP_OFF_CHECK, internetChecksum(view, off, len, pseudoHeaderSum(pkt, IPPROTO_TCP, len)));
  return next;
}
