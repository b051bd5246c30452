import { describe, it, expect } from 'vitest';
import { parseIp4 } from '../../src/core/addr.js';
import { decodeFrame, encodeFrame } from '../../src/wire/encode.js';
import {
  ETH_HLEN,
  ICMP_ECHO,
  IP_HLEN,
  IPPROTO_ICMP,
  IPPROTO_UDP,
  Packet,
  UDP_HLEN,
  VXLAN_HLEN,
  VXLAN_PORT,
} from '../../src/wire/packet.js';
import { emitVxlan, parseVxlan, VXLAN_OFF_FLAGS } from '../../src/wire/vxlan.js';

function hex(s: string): Uint8Array {
  return Uint8Array.from(s.trim().split(/\s+/), (b) => parseInt(b, 16));
}
function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
const ip = (s: string): number => parseIp4(s)!;

// The echo request frame 02:42:0a:00:00:02 > 02:42:0a:00:00:03, 10.0.0.2 > 10.0.0.3 id 1 seq 1 "abcdefgh".
const INNER = hex(`
  02 42 0a 00 00 03 02 42 0a 00 00 02 08 00
  45 00 00 24 12 34 40 00 40 01 14 a1 0a 00 00 02 0a 00 00 03
  08 00 66 68 00 01 00 01 61 62 63 64 65 66 67 68`);
// ... carried from 192.168.0.1.40000 to 192.168.0.2.4789 (UDP checksum 0), VNI 4096 (0x001000).
const OUTER = hex(`
  02 42 c0 a8 00 02 02 42 c0 a8 00 01 08 00
  45 00 00 56 00 00 00 00 40 11 f9 43 c0 a8 00 01 c0 a8 00 02
  9c 40 12 b5 00 42 00 00
  08 00 00 00 00 10 00 00`);
const FRAME = new Uint8Array(OUTER.length + INNER.length);
FRAME.set(OUTER);
FRAME.set(INNER, OUTER.length);
const VXLAN_AT = ETH_HLEN + IP_HLEN + UDP_HLEN;

function innerEcho(): Packet {
  const p = new Packet();
  p.ethSrc = 0x02420a000002;
  p.ethDst = 0x02420a000003;
  p.ipSrc = ip('10.0.0.2');
  p.ipDst = ip('10.0.0.3');
  p.ipProto = IPPROTO_ICMP;
  p.ipId = 0x1234;
  p.ipDf = true;
  p.icmpType = ICMP_ECHO;
  p.icmpId = 1;
  p.icmpSeq = 1;
  p.payload = new TextEncoder().encode('abcdefgh');
  p.payloadLen = 8;
  return p;
}

function vxlan(): Packet {
  const p = new Packet();
  p.ethSrc = 0x0242c0a80001;
  p.ethDst = 0x0242c0a80002;
  p.ipSrc = ip('192.168.0.1');
  p.ipDst = ip('192.168.0.2');
  p.ipProto = IPPROTO_UDP;
  p.sport = 40000;
  p.dport = VXLAN_PORT;
  p.vni = 4096;
  p.inner = innerEcho();
  return p;
}

describe('VXLAN', () => {
  it('encodes an inner ICMP echo to the hand-written frame (outer UDP checksum 0)', () => {
    const p = vxlan();
    expect(p.frameLength()).toBe(14 + 20 + 8 + 8 + 50);
    expect(encodeFrame(p)).toEqual(FRAME);
  });

  it('decodes the hand-written frame, inner echo and VNI included', () => {
    const back = decodeFrame(FRAME);
    if (typeof back === 'string') throw new Error(back);
    expect(back.vni).toBe(4096);
    expect(back.inner).toEqual(innerEcho());
    expect(back).toEqual(vxlan());
  });

  it('round-trips a 24-bit VNI and an inner frame that is itself VXLAN', () => {
    const nested = vxlan();
    nested.vni = 0xffffff;
    const p = vxlan();
    p.vni = 1;
    p.inner = nested;
    p.ipDf = true;
    const bytes = encodeFrame(p);
    expect(bytes.length).toBe(p.frameLength());
    expect(decodeFrame(bytes)).toEqual(p);
  });

  it('parses and emits the bare header', () => {
    const pkt = new Packet();
    expect(parseVxlan(viewOf(FRAME), VXLAN_AT, pkt)).toBe(FRAME.length);
    expect(pkt.vni).toBe(4096);
    const out = new Uint8Array(VXLAN_HLEN + INNER.length);
    expect(emitVxlan(vxlan(), viewOf(out), 0)).toBe(out.length);
    expect(out).toEqual(FRAME.subarray(VXLAN_AT));
  });

  it('rejects a header without the I flag, VNI 0 and a bad inner frame', () => {
    const noI = FRAME.slice();
    noI[VXLAN_AT + VXLAN_OFF_FLAGS] = 0;
    expect(decodeFrame(noI)).toBe('VXLAN header without the I flag');
    const vni0 = FRAME.slice();
    vni0[VXLAN_AT + 5] = 0;
    expect(decodeFrame(vni0)).toBe('VXLAN vni 0 not supported');
    const badInner = FRAME.slice();
    badInner[FRAME.length - 1] = 0x69; // 'h' ^ 1: inner ICMP data; the outer UDP checksum is 0, so only the inner check sees it
    expect(decodeFrame(badInner)).toBe('VXLAN vni 4096: bad ICMP checksum 0x6668');
  });

  it('reports truncation as an error string', () => {
    expect(parseVxlan(viewOf(FRAME), VXLAN_AT, new Packet(), VXLAN_AT + 7)).toBe('truncated VXLAN header (7 of 8 bytes)');
    expect(parseVxlan(viewOf(FRAME), VXLAN_AT, new Packet(), VXLAN_AT + 8 + 10)).toBe(
      'VXLAN vni 4096: truncated Ethernet header (10 of 14 bytes)',
    );
  });
});
