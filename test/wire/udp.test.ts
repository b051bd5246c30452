import { describe, it, expect } from 'vitest';
import { parseIp4 } from '../../src/core/addr.js';
import { decodeDatagram, decodeFrame, encodeDatagram, encodeFrame } from '../../src/wire/encode.js';
import { IP_HLEN, IPPROTO_UDP, Packet, UDP_HLEN } from '../../src/wire/packet.js';
import { emitUdp, parseUdp, UDP_OFF_CHECK, udpChecksum } from '../../src/wire/udp.js';

function hex(s: string): Uint8Array {
  return Uint8Array.from(s.trim().split(/\s+/), (b) => parseInt(b, 16));
}
function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
const ip = (s: string): number => parseIp4(s)!;

// 10.0.0.2.5353 > 10.0.0.3.53, id 7, ttl 64, data "hello" (odd length: the checksum pads it).
// UDP checksum 92df = ~(pseudo 0a00+0002+0a00+0003+0011+000d + 14e9+0035+000d + 6865+6c6c+6f00).
const DGRAM = hex(`
  45 00 00 21 00 07 00 00 40 11 66 c1 0a 00 00 02 0a 00 00 03
  14 e9 00 35 00 0d 92 df 68 65 6c 6c 6f`);

function udpPacket(): Packet {
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

describe('UDP', () => {
  it('encodes the hand-written datagram', () => {
    expect(encodeDatagram(udpPacket())).toEqual(DGRAM);
    expect(udpChecksum(udpPacket())).toBe(0x92df);
  });

  it('decodes the hand-written datagram', () => {
    expect(decodeDatagram(DGRAM)).toEqual(udpPacket());
  });

  it('parses and emits the bare header', () => {
    const p = udpPacket();
    const pkt = new Packet();
    pkt.ipSrc = p.ipSrc;
    pkt.ipDst = p.ipDst;
    expect(parseUdp(viewOf(DGRAM), IP_HLEN, pkt)).toBe(DGRAM.length);
    expect([pkt.sport, pkt.dport, pkt.payloadLen]).toEqual([5353, 53, 5]);
    const out = new Uint8Array(UDP_HLEN + 5);
    expect(emitUdp(p, viewOf(out), 0)).toBe(13);
    expect(out).toEqual(DGRAM.subarray(IP_HLEN));
  });

  it('round-trips a frame, with zero-filled data when payload is null', () => {
    const p = udpPacket();
    p.ethSrc = 0x02420a000002;
    p.ethDst = 0x02420a000003;
    p.payload = null;
    p.payloadLen = 30;
    p.ipDf = true;
    p.ipTtl = 17;
    const bytes = encodeFrame(p);
    expect(bytes.length).toBe(14 + 20 + 8 + 30);
    const back = decodeFrame(bytes);
    if (typeof back === 'string') throw new Error(back);
    expect(back.payload).toEqual(new Uint8Array(30));
    expect(back).toEqual(Object.assign(p.clone(), { payload: new Uint8Array(30) }));
  });

  it('accepts checksum 0 ("none")', () => {
    const b = DGRAM.slice();
    b[IP_HLEN + UDP_OFF_CHECK] = 0;
    b[IP_HLEN + UDP_OFF_CHECK + 1] = 0;
    expect(decodeDatagram(b)).toEqual(udpPacket());
  });

  it('sends a computed checksum of 0 as ffff, and accepts it', () => {
    const p = udpPacket();
    p.payload = new Uint8Array(2);
    p.payloadLen = 2;
    const c = udpChecksum(p);
    // Data equal to the checksum of zero data makes the sum ffff: the checksum would be 0.
    p.payload = Uint8Array.of(c >> 8, c & 255);
    expect(udpChecksum(p)).toBe(0xffff);
    const bytes = encodeDatagram(p);
    expect(viewOf(bytes).getUint16(IP_HLEN + UDP_OFF_CHECK)).toBe(0xffff);
    expect(decodeDatagram(bytes)).toEqual(p);
  });

  it('reports a corrupted checksum or data', () => {
    const b = DGRAM.slice();
    b[IP_HLEN + UDP_OFF_CHECK + 1] = 0xde;
    expect(decodeDatagram(b)).toBe('bad UDP checksum 0x92de');
    const d = DGRAM.slice();
    d[DGRAM.length - 1] = 0x21; // "hell!"
    expect(decodeDatagram(d)).toBe('bad UDP checksum 0x92df');
  });

  it('reports truncation and bad lengths as error strings', () => {
    const v = viewOf(DGRAM);
    expect(parseUdp(v, IP_HLEN, new Packet(), IP_HLEN + 7)).toBe('truncated UDP header (7 of 8 bytes)');
    expect(parseUdp(v, IP_HLEN, new Packet(), IP_HLEN + 12)).toBe('truncated UDP datagram (length 13, 12 bytes)');
    const b = DGRAM.slice();
    b[IP_HLEN + 5] = 7;
    expect(parseUdp(viewOf(b), IP_HLEN, new Packet())).toBe('bad UDP length 7');
  });
});
