import { describe, it, expect } from 'vitest';
import { parseIp4 } from '../../src/core/addr.js';
import { decodeDatagram, decodeFrame, encodeDatagram, encodeFrame } from '../../src/wire/encode.js';
import { emitIcmp, ICMP_OFF_CHECKSUM, ICMP_QUOTE_LEN, icmpChecksum, parseIcmp } from '../../src/wire/icmp.js';
import {
  ICMP_DEST_UNREACH,
  ICMP_ECHO,
  ICMP_ECHOREPLY,
  ICMP_FRAG_NEEDED,
  ICMP_HLEN,
  ICMP_PORT_UNREACH,
  ICMP_TIME_EXCEEDED,
  IP_HLEN,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  Packet,
  TCP_SYN,
} from '../../src/wire/packet.js';

function hex(s: string): Uint8Array {
  return Uint8Array.from(s.trim().split(/\s+/), (b) => parseInt(b, 16));
}
function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
const ip = (s: string): number => parseIp4(s)!;

// 10.0.0.2 > 10.0.0.3 echo request id 1 seq 1, data "abcdefgh", IP id 0x1234, DF.
// ICMP checksum 6668 = ~(0800 + 0001 + 0001 + 6162 + 6364 + 6566 + 6768).
const ECHO = hex(`
  45 00 00 24 12 34 40 00 40 01 14 a1 0a 00 00 02 0a 00 00 03
  08 00 66 68 00 01 00 01 61 62 63 64 65 66 67 68`);
// The UDP datagram 10.0.0.2.5353 > 10.0.0.3.53 "hello" (see udp.test.ts) ...
const UDP_DGRAM = hex(`
  45 00 00 21 00 07 00 00 40 11 66 c1 0a 00 00 02 0a 00 00 03
  14 e9 00 35 00 0d 92 df 68 65 6c 6c 6f`);
// ... answered by 10.0.0.3 with port unreachable quoting its first 28 bytes.
const PORT_UNREACH = hex(`
  45 00 00 38 00 99 00 00 40 01 66 28 0a 00 00 03 0a 00 00 02
  03 03 54 f2 00 00 00 00
  45 00 00 21 00 07 00 00 40 11 66 c1 0a 00 00 02 0a 00 00 03 14 e9 00 35 00 0d 92 df`);
// Router 10.0.0.1 refuses the echo: frag needed, next-hop MTU 1450 (05aa) in bytes 6-7.
const FRAG_NEEDED = hex(`
  45 00 00 38 00 00 00 00 40 01 66 c3 0a 00 00 01 0a 00 00 02
  03 04 88 e7 00 00 05 aa
  45 00 00 24 12 34 40 00 40 01 14 a1 0a 00 00 02 0a 00 00 03 08 00 66 68 00 01 00 01`);
// Router 10.0.0.1: time exceeded in transit for the SYN 10.0.0.2.34567 > 10.0.0.3.80 seq 1.
const TIME_EXCEEDED = hex(`
  45 00 00 38 00 00 00 00 40 01 66 c3 0a 00 00 01 0a 00 00 02
  0b 00 6d a7 00 00 00 00
  45 00 00 28 00 00 40 00 40 06 26 cc 0a 00 00 02 0a 00 00 03 87 07 00 50 00 00 00 01`);

function echo(): Packet {
  const p = new Packet();
  p.ipSrc = ip('10.0.0.2');
  p.ipDst = ip('10.0.0.3');
  p.ipProto = IPPROTO_ICMP;
  p.ipId = 0x1234;
  p.ipDf = true;
  p.icmpType = ICMP_ECHO;
  p.icmpCode = 0;
  p.icmpId = 1;
  p.icmpSeq = 1;
  p.payload = new TextEncoder().encode('abcdefgh');
  p.payloadLen = 8;
  return p;
}

function udp(): Packet {
  const p = new Packet();
  p.ipSrc = ip('10.0.0.2');
  p.ipDst = ip('10.0.0.3');
  p.ipProto = IPPROTO_UDP;
  p.ipId = 7;
  p.sport = 5353;
  p.dport = 53;
  p.payload = new TextEncoder().encode('hello');
  p.payloadLen = 5;
  return p;
}

function tcpSyn(): Packet {
  const p = new Packet();
  p.ipSrc = ip('10.0.0.2');
  p.ipDst = ip('10.0.0.3');
  p.ipProto = IPPROTO_TCP;
  p.ipDf = true;
  p.sport = 34567;
  p.dport = 80;
  p.tcpFlags = TCP_SYN;
  p.tcpSeq = 1;
  return p;
}

function error(src: string, type: number, code: number, inner: Packet): Packet {
  const p = new Packet();
  p.ipSrc = ip(src);
  p.ipDst = inner.ipSrc;
  p.ipProto = IPPROTO_ICMP;
  p.icmpType = type;
  p.icmpCode = code;
  p.inner = inner;
  return p;
}

/** What a decoder can know of a quoted datagram: its header, ports/seq/echo fields and length, no data. */
function quoted(p: Packet): Packet {
  const q = p.clone();
  q.payload = null;
  q.tcpFlags = 0;
  q.tcpAck = 0;
  return q;
}

describe('ICMP echo', () => {
  it('encodes the hand-written echo request', () => {
    expect(encodeDatagram(echo())).toEqual(ECHO);
    expect(icmpChecksum(echo())).toBe(0x6668);
  });

  it('decodes the hand-written echo request', () => {
    expect(decodeDatagram(ECHO)).toEqual(echo());
  });

  it('parses and emits the bare message', () => {
    const pkt = new Packet();
    expect(parseIcmp(viewOf(ECHO), IP_HLEN, pkt)).toBe(ECHO.length);
    expect([pkt.icmpType, pkt.icmpCode, pkt.icmpId, pkt.icmpSeq, pkt.payloadLen]).toEqual([8, 0, 1, 1, 8]);
    const out = new Uint8Array(ICMP_HLEN + 8);
    expect(emitIcmp(echo(), viewOf(out), 0)).toBe(16);
    expect(out).toEqual(ECHO.subarray(IP_HLEN));
  });

  it('round-trips an echo reply with 56 zero-filled bytes (ping -s 56)', () => {
    const p = echo();
    p.ethSrc = 0x02420a000003;
    p.ethDst = 0x02420a000002;
    p.ipSrc = ip('10.0.0.3');
    p.ipDst = ip('10.0.0.2');
    p.icmpType = ICMP_ECHOREPLY;
    p.icmpId = 0xbeef;
    p.icmpSeq = 65535;
    p.payload = null;
    p.payloadLen = 56;
    const bytes = encodeFrame(p);
    expect(bytes.length).toBe(14 + 84);
    expect(decodeFrame(bytes)).toEqual(Object.assign(p.clone(), { payload: new Uint8Array(56) }));
  });

  it('reports a corrupted checksum or data', () => {
    const b = ECHO.slice();
    b[IP_HLEN + ICMP_OFF_CHECKSUM] = 0x67;
    expect(decodeDatagram(b)).toBe('bad ICMP checksum 0x6768');
    const d = ECHO.slice();
    d[IP_HLEN + 9] = 0x9d; // 'b' ^ 0xff
    expect(decodeDatagram(d)).toBe('bad ICMP checksum 0x6668');
  });

  it('reports a truncated header', () => {
    expect(parseIcmp(viewOf(ECHO), IP_HLEN, new Packet(), IP_HLEN + 7)).toBe('truncated ICMP header (7 of 8 bytes)');
  });
});

describe('ICMP errors', () => {
  it('encodes port unreachable quoting the UDP datagram, as hand-written', () => {
    const p = error('10.0.0.3', ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, udp());
    p.ipId = 0x99;
    expect(p.ipTotalLength()).toBe(20 + 8 + 28);
    expect(encodeDatagram(p)).toEqual(PORT_UNREACH);
  });

  it('decodes port unreachable into the quoted UDP datagram', () => {
    const back = decodeDatagram(PORT_UNREACH);
    if (typeof back === 'string') throw new Error(back);
    expect([back.icmpType, back.icmpCode, back.icmpId, back.icmpSeq, back.payloadLen]).toEqual([3, 3, 0, 0, 0]);
    const q = back.inner!;
    expect(q).toEqual(quoted(udp()));
    // The original's length survives through the quoted tot_len.
    expect(q.ipTotalLength()).toBe(33);
    expect(q.payloadLen).toBe(5);
  });

  it('round-trips port unreachable quoting UDP, in a frame', () => {
    const inner = udp();
    inner.payload = null;
    inner.payloadLen = 300;
    const p = error('10.0.0.3', ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, inner);
    p.ethSrc = 0x02420a000003;
    p.ethDst = 0x02420a000002;
    p.ipTos = 0xc0; // Linux sends ICMP errors with IPTOS_PREC_INTERNETCONTROL
    const bytes = encodeFrame(p);
    expect(bytes.length).toBe(p.frameLength());
    expect(decodeFrame(bytes)).toEqual(Object.assign(p.clone(), { inner: quoted(inner) }));
  });

  it('quotes exactly the first 28 bytes the original datagram had', () => {
    for (const inner of [udp(), tcpSyn(), echo()]) {
      const quote = encodeDatagram(error('10.0.0.1', ICMP_TIME_EXCEEDED, 0, inner)).subarray(IP_HLEN + ICMP_HLEN);
      expect(quote).toEqual(encodeDatagram(inner).subarray(0, ICMP_QUOTE_LEN));
    }
  });

  it('encodes and decodes frag needed with the next-hop MTU in bytes 6-7', () => {
    const p = error('10.0.0.1', ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, echo());
    p.icmpId = 1450;
    expect(encodeDatagram(p)).toEqual(FRAG_NEEDED);
    const back = decodeDatagram(FRAG_NEEDED);
    if (typeof back === 'string') throw new Error(back);
    expect([back.icmpType, back.icmpCode, back.icmpId, back.icmpSeq]).toEqual([3, 4, 1450, 0]);
    expect(back.inner).toEqual(quoted(echo()));
    expect(back).toEqual(Object.assign(p.clone(), { inner: quoted(echo()) }));
  });

  it('encodes and decodes time exceeded quoting a TCP SYN', () => {
    const p = error('10.0.0.1', ICMP_TIME_EXCEEDED, 0, tcpSyn());
    expect(encodeDatagram(p)).toEqual(TIME_EXCEEDED);
    const back = decodeDatagram(TIME_EXCEEDED);
    if (typeof back === 'string') throw new Error(back);
    expect(back.inner).toEqual(quoted(tcpSyn()));
    expect(back.inner!.tcpSeq).toBe(1);
  });

  it('writes zeros in the unused bytes 4-7 of an error whatever icmpId/icmpSeq hold', () => {
    const p = error('10.0.0.3', ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, udp());
    p.ipId = 0x99;
    p.icmpId = 77;
    p.icmpSeq = 88;
    expect(encodeDatagram(p)).toEqual(PORT_UNREACH);
  });

  it('reports a corrupted checksum over the quote', () => {
    const b = PORT_UNREACH.slice();
    b[b.length - 1] = 0xde; // the quoted UDP checksum, 92df
    expect(decodeDatagram(b)).toBe('bad ICMP checksum 0x54f2');
  });

  it('accepts a longer quote, as Linux sends, keeping the first 28 bytes', () => {
    // Port unreachable quoting all 33 bytes of the UDP datagram (checksums computed with python).
    const full = hex(`
      45 00 00 3d 00 99 00 00 40 01 66 23 0a 00 00 03 0a 00 00 02
      03 03 11 20 00 00 00 00`);
    const b = new Uint8Array(full.length + UDP_DGRAM.length);
    b.set(full);
    b.set(UDP_DGRAM, full.length);
    const back = decodeDatagram(b);
    if (typeof back === 'string') throw new Error(back);
    expect(back.inner).toEqual(quoted(udp()));
  });

  it('reports a truncated quote', () => {
    // A 27-byte quote with its ICMP checksum (55d1) computed over what remains.
    const cut = PORT_UNREACH.slice(0, PORT_UNREACH.length - 1);
    cut[IP_HLEN + ICMP_OFF_CHECKSUM] = 0x55;
    cut[IP_HLEN + ICMP_OFF_CHECKSUM + 1] = 0xd1;
    expect(parseIcmp(viewOf(cut), IP_HLEN, new Packet())).toBe('truncated ICMP quoted datagram (27 of 28 bytes)');
    const notIp = PORT_UNREACH.slice();
    notIp[IP_HLEN + ICMP_HLEN] = 0x46;
    // Fix the ICMP checksum for the changed byte (4500 -> 4600): 54f2 - 0100.
    notIp[IP_HLEN + ICMP_OFF_CHECKSUM] = 0x53;
    expect(parseIcmp(viewOf(notIp), IP_HLEN, new Packet())).toBe('ICMP quoted datagram: IPv4 options not supported (ihl 6)');
  });
});
