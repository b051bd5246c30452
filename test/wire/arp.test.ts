import { describe, it, expect } from 'vitest';
import { parseIp4, parseMac } from '../../src/core/addr.js';
import { ARP_HLEN, ARP_OFF_HRD, ARP_OFF_OP, emitArp, parseArp } from '../../src/wire/arp.js';
import { decodeFrame, encodeFrame } from '../../src/wire/encode.js';
import { ARPOP_REPLY, ARPOP_REQUEST, ETH_HLEN, ETH_P_ARP, Packet } from '../../src/wire/packet.js';

function hex(s: string): Uint8Array {
  return Uint8Array.from(s.trim().split(/\s+/), (b) => parseInt(b, 16));
}
function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
const ip = (s: string): number => parseIp4(s)!;
const mac = (s: string): number => parseMac(s)!;

// 172.17.0.2 (02:42:ac:11:00:02) asks for 172.17.0.3, by broadcast. RFC 826 layout:
// hrd 1, pro 0x0800, hln 6, pln 4, op 1, sha, spa, tha (zero), tpa.
const REQUEST = hex(`
  ff ff ff ff ff ff 02 42 ac 11 00 02 08 06
  00 01 08 00 06 04 00 01 02 42 ac 11 00 02 ac 11 00 02 00 00 00 00 00 00 ac 11 00 03`);
// 172.17.0.3 answers 172.17.0.2 directly.
const REPLY = hex(`
  02 42 ac 11 00 02 02 42 ac 11 00 03 08 06
  00 01 08 00 06 04 00 02 02 42 ac 11 00 03 ac 11 00 03 02 42 ac 11 00 02 ac 11 00 02`);

function request(): Packet {
  const p = new Packet();
  p.ethSrc = mac('02:42:ac:11:00:02');
  p.ethDst = 0xffffffffffff;
  p.ethType = ETH_P_ARP;
  p.arpOp = ARPOP_REQUEST;
  p.arpSha = mac('02:42:ac:11:00:02');
  p.arpSpa = ip('172.17.0.2');
  p.arpTha = 0;
  p.arpTpa = ip('172.17.0.3');
  return p;
}

describe('ARP', () => {
  it('decodes a hand-written request', () => {
    const pkt = decodeFrame(REQUEST);
    if (typeof pkt === 'string') throw new Error(pkt);
    expect(pkt).toEqual(request());
  });

  it('encodes a request to the hand-written bytes', () => {
    const p = request();
    expect(p.frameLength()).toBe(42);
    expect(encodeFrame(p)).toEqual(REQUEST);
  });

  it('parses and emits the bare ARP packet', () => {
    const pkt = new Packet();
    expect(parseArp(viewOf(REQUEST), ETH_HLEN, pkt)).toBe(ETH_HLEN + ARP_HLEN);
    expect(pkt.arpTpa).toBe(ip('172.17.0.3'));
    const out = new Uint8Array(ARP_HLEN);
    expect(emitArp(pkt, viewOf(out), 0)).toBe(ARP_HLEN);
    expect(out).toEqual(REQUEST.subarray(ETH_HLEN));
  });

  it('round-trips a reply', () => {
    const p = new Packet();
    p.ethSrc = mac('02:42:ac:11:00:03');
    p.ethDst = mac('02:42:ac:11:00:02');
    p.ethType = ETH_P_ARP;
    p.arpOp = ARPOP_REPLY;
    p.arpSha = mac('02:42:ac:11:00:03');
    p.arpSpa = ip('172.17.0.3');
    p.arpTha = mac('02:42:ac:11:00:02');
    p.arpTpa = ip('172.17.0.2');
    const bytes = encodeFrame(p);
    expect(bytes).toEqual(REPLY);
    expect(decodeFrame(bytes)).toEqual(p);
  });

  it('accepts a frame padded to the 60-byte Ethernet minimum', () => {
    const padded = new Uint8Array(60);
    padded.set(REQUEST);
    expect(decodeFrame(padded)).toEqual(request());
  });

  it('rejects other hardware types, address lengths and ops', () => {
    const bad = REQUEST.slice();
    bad[ETH_HLEN + ARP_OFF_HRD + 1] = 6; // IEEE 802
    expect(decodeFrame(bad)).toMatch(/unsupported ARP hardware\/protocol type 6\/0x800/);
    const badLen = REQUEST.slice();
    badLen[ETH_HLEN + 4] = 8;
    expect(decodeFrame(badLen)).toMatch(/bad ARP address lengths 8\/4/);
    const rarp = REQUEST.slice();
    rarp[ETH_HLEN + ARP_OFF_OP + 1] = 3;
    expect(decodeFrame(rarp)).toBe('unsupported ARP op 3');
  });

  it('reports truncation as an error string', () => {
    expect(decodeFrame(REQUEST.subarray(0, 41))).toMatch(/truncated ARP packet \(27 of 28 bytes\)/);
    expect(parseArp(viewOf(REQUEST), ETH_HLEN, new Packet(), 30)).toMatch(/truncated ARP/);
  });
});
