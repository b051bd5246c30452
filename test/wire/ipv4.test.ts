import { describe, it, expect } from 'vitest';
import { parseIp4 } from '../../src/core/addr.js';
import { decodeDatagram, decodeFrame, encodeDatagram, encodeFrame } from '../../src/wire/encode.js';
import { emitIpv4, IP_OFF_CHECK, IP_OFF_FRAG_OFF, IP_OFF_TTL, parseIpv4, pseudoHeaderSum } from '../../src/wire/ipv4.js';
import { ETH_HLEN, IP_HLEN, IPPROTO_ESP, IPPROTO_UDP, Packet } from '../../src/wire/packet.js';

function hex(s: string): Uint8Array {
  return Uint8Array.from(s.trim().split(/\s+/), (b) => parseInt(b, 16));
}
function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
const ip = (s: string): number => parseIp4(s)!;

// The classic example: 192.168.0.1 > 192.168.0.199, UDP, DF, ttl 64, tot_len 115, checksum b861.
const CLASSIC = hex('45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7');

function classicPacket(): Packet {
  const p = new Packet();
  p.ipSrc = ip('192.168.0.1');
  p.ipDst = ip('192.168.0.199');
  p.ipProto = IPPROTO_UDP;
  p.ipTtl = 64;
  p.ipDf = true;
  p.ipId = 0;
  p.payloadLen = 115 - 20 - 8;
  return p;
}

function withBody(header: Uint8Array, totLen: number): Uint8Array {
  const b = new Uint8Array(totLen);
  b.set(header);
  return b;
}

describe('IPv4 header', () => {
  it('emits the classic header with checksum b861', () => {
    const p = classicPacket();
    expect(p.ipTotalLength()).toBe(115);
    const out = new Uint8Array(IP_HLEN);
    expect(emitIpv4(p, viewOf(out), 0)).toBe(IP_HLEN);
    expect(out).toEqual(CLASSIC);
  });

  it('parses the classic header', () => {
    const pkt = new Packet();
    expect(parseIpv4(viewOf(withBody(CLASSIC, 115)), 0, pkt)).toBe(IP_HLEN);
    expect(pkt.ipSrc).toBe(ip('192.168.0.1'));
    expect(pkt.ipDst).toBe(ip('192.168.0.199'));
    expect(pkt.ipProto).toBe(IPPROTO_UDP);
    expect(pkt.ipTtl).toBe(64);
    expect(pkt.ipDf).toBe(true);
    expect(pkt.ipId).toBe(0);
    expect(pkt.ipTos).toBe(0);
  });

  it('round-trips every header field (ESP payload carried opaque)', () => {
    const p = new Packet();
    p.ethSrc = 0x0242c0a80001;
    p.ethDst = 0x0242c0a80002;
    p.ipSrc = ip('10.255.0.1');
    p.ipDst = ip('224.0.0.18');
    p.ipProto = IPPROTO_ESP;
    p.ipTtl = 1;
    p.ipTos = 0xb8;
    p.ipId = 0xfedc;
    p.ipDf = false;
    p.payload = hex('00 00 10 01 00 00 00 01 de ad be ef');
    p.payloadLen = 12;
    const bytes = encodeFrame(p);
    expect(bytes.length).toBe(p.frameLength());
    expect(decodeFrame(bytes)).toEqual(p);
    const dgram = encodeDatagram(p);
    expect(dgram).toEqual(bytes.subarray(ETH_HLEN));
    const back = decodeDatagram(dgram);
    expect(back).toEqual(Object.assign(p.clone(), { ethSrc: 0, ethDst: 0 }));
  });

  it('reports a corrupted header checksum with the value it should have', () => {
    const b = withBody(CLASSIC, 115);
    b[IP_OFF_CHECK + 1] = 0x62;
    expect(parseIpv4(viewOf(b), 0, new Packet())).toBe('bad IPv4 header checksum 0xb862 (should be 0xb861)');
    const ttl = withBody(CLASSIC, 115);
    ttl[IP_OFF_TTL] = 63; // a router that forgot to update the checksum
    expect(parseIpv4(viewOf(ttl), 0, new Packet())).toMatch(/^bad IPv4 header checksum 0xb861 \(should be 0xb961\)$/);
  });

  it('rejects options (ihl > 5), a bad version and fragments', () => {
    // ihl 6 with a NOP option word and its correct checksum: still refused, for the options.
    const opts = hex('46 00 00 18 00 00 40 00 40 11 00 00 c0 a8 00 01 c0 a8 00 c7 01 01 01 00');
    expect(parseIpv4(viewOf(opts), 0, new Packet())).toBe('IPv4 options not supported (ihl 6)');
    const v6 = withBody(CLASSIC, 115);
    v6[0] = 0x65;
    expect(parseIpv4(viewOf(v6), 0, new Packet())).toBe('bad IPv4 version 6');
    const ihl4 = withBody(CLASSIC, 115);
    ihl4[0] = 0x44;
    expect(parseIpv4(viewOf(ihl4), 0, new Packet())).toBe('bad IPv4 header length (ihl 4)');
    // MF set (frag_off 0x6000) with a checksum fixed up by hand: b861 - 2000 = 9861.
    const mf = withBody(CLASSIC, 115);
    mf[IP_OFF_FRAG_OFF] = 0x60;
    mf[IP_OFF_CHECK] = 0x98;
    expect(parseIpv4(viewOf(mf), 0, new Packet())).toBe('IPv4 fragments not supported (frag_off 0x6000)');
  });

  it('reports truncation and a bad total length as error strings', () => {
    expect(parseIpv4(viewOf(CLASSIC.subarray(0, 19)), 0, new Packet())).toBe('truncated IPv4 header (19 of 20 bytes)');
    expect(parseIpv4(viewOf(CLASSIC), 0, new Packet())).toBe('truncated IPv4 datagram (total length 115, 20 bytes)');
    expect(decodeDatagram(withBody(CLASSIC, 114))).toBe('truncated IPv4 datagram (total length 115, 114 bytes)');
    const short = CLASSIC.slice();
    short[3] = 0x13; // tot_len 19
    expect(parseIpv4(viewOf(short), 0, new Packet())).toBe('bad IPv4 total length 19');
  });

  it('sums the pseudo-header', () => {
    const p = classicPacket();
    // c0a8 + 0001 + c0a8 + 00c7 + 0011 + 005f
    expect(pseudoHeaderSum(p, IPPROTO_UDP, 95)).toBe(0xc0a8 + 0x0001 + 0xc0a8 + 0x00c7 + 0x11 + 95);
  });
});
