// ESP header (RFC 4303, struct ip_esp_hdr) in transport mode, as Linux's esp4 lays it out for the
// rfc4106(gcm(aes)) SAs Docker installs: SPI, sequence number, an 8-byte IV, the protected
// transport segment, padding to 4 bytes, pad length, next header, and a 64-bit ICV.
//
// Modelled, not real cryptography: the Packet keeps the protected datagram in `inner` (its IPv4
// fields equal the outer ones in transport mode) and these bytes carry it in clear, so a pcap
// stays readable. The IV is the sequence number and the ICV zeros; nothing is authenticated.
// A capture (capture/esp-gcm.ts) seals these bytes with the SA's key on their way into the file,
// so pcaps hold ciphertext that Wireshark decrypts as it would a real host's.
import { emitPayload } from './ipv4.js';
import {
  ESP_HLEN, ESP_ICV_LEN, ESP_IV_LEN, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, Packet, espPadLen,
} from './packet.js';
import { emitIcmp, parseIcmp } from './icmp.js';
import { emitTcp, parseTcp } from './tcp.js';
import { emitUdp, parseUdp } from './udp.js';

export const ESP_OFF_SPI = 0;
export const ESP_OFF_SEQ = 4;
/** Shortest ESP datagram payload that can carry a modelled transport segment. */
export const ESP_MIN_LEN = ESP_HLEN + ESP_IV_LEN + 2 + ESP_ICV_LEN;

/**
 * Fills espSpi/espSeq and a new pkt.inner from [off, end), the ESP payload of the datagram whose
 * IPv4 fields are already in `pkt`. Returns null when the bytes are not a modelled ESP packet (a
 * real capture's ciphertext, or a segment that does not parse): the caller then keeps them as an
 * opaque payload.
 */
export function parseEsp(view: DataView, off: number, pkt: Packet, end = view.byteLength): number | null {
  const len = end - off;
  if (len < ESP_MIN_LEN) return null;
  const nexthdr = view.getUint8(end - ESP_ICV_LEN - 1);
  const padLen = view.getUint8(end - ESP_ICV_LEN - 2);
  const segStart = off + ESP_HLEN + ESP_IV_LEN;
  const segEnd = end - ESP_ICV_LEN - 2 - padLen;
  if (segEnd < segStart || padLen !== espPadLen(segEnd - segStart)) return null;
  if (nexthdr !== IPPROTO_UDP && nexthdr !== IPPROTO_TCP && nexthdr !== IPPROTO_ICMP) return null;
  const inner = new Packet();
  inner.takeIpHeader(pkt);
  inner.ipProto = nexthdr;
  let r: number | string;
  switch (nexthdr) {
    case IPPROTO_UDP:
      r = parseUdp(view, segStart, inner, segEnd);
      break;
    case IPPROTO_TCP:
      r = parseTcp(view, segStart, inner, segEnd);
      break;
    default:
      r = parseIcmp(view, segStart, inner, segEnd);
  }
  // Ciphertext that happens to end like a trailer is still ciphertext.
  if (typeof r === 'string') return null;
  pkt.espSpi = view.getUint32(off + ESP_OFF_SPI);
  pkt.espSeq = view.getUint32(off + ESP_OFF_SEQ);
  pkt.inner = inner;
  pkt.payload = null;
  pkt.payloadLen = 0;
  return end;
}

/** Writes the header, the IV, pkt.inner's transport segment and the trailer; or an opaque payload. */
export function emitEsp(pkt: Packet, view: DataView, off: number): number {
  const inner = pkt.inner;
  if (inner === null) return emitPayload(pkt, view, off);
  view.setUint32(off + ESP_OFF_SPI, pkt.espSpi >>> 0);
  view.setUint32(off + ESP_OFF_SEQ, pkt.espSeq >>> 0);
  // seqiv: the IV is derived from the sequence number (here: it is the sequence number).
  view.setUint32(off + ESP_HLEN, 0);
  view.setUint32(off + ESP_HLEN + 4, pkt.espSeq >>> 0);
  const seg = off + ESP_HLEN + ESP_IV_LEN;
  let next: number;
  switch (inner.ipProto) {
    case IPPROTO_UDP:
      next = emitUdp(inner, view, seg);
      break;
    case IPPROTO_TCP:
      next = emitTcp(inner, view, seg);
      break;
    case IPPROTO_ICMP:
      next = emitIcmp(inner, view, seg);
      break;
    default:
      next = emitPayload(inner, view, seg);
  }
  // esp_output: padding bytes 1, 2, 3 … (RFC 4303 2.4), then pad length and next header.
  const pad = espPadLen(next - seg);
  for (let i = 0; i < pad; i++) view.setUint8(next + i, i + 1);
  view.setUint8(next + pad, pad);
  view.setUint8(next + pad + 1, inner.ipProto);
  const icv = next + pad + 2;
  for (let i = 0; i < ESP_ICV_LEN; i++) view.setUint8(icv + i, 0);
  return icv + ESP_ICV_LEN;
}

/** tcpdump's print-esp.c: `ESP(spi=0x0000abcd,seq=0x1), length 1480`. */
export function describeEsp(pkt: Packet): string {
  return `ESP(spi=0x${hex8(pkt.espSpi)},seq=0x${(pkt.espSeq >>> 0).toString(16)}), length ${pkt.l4Length()}`;
}

export function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
