// ESP in transport mode around a VXLAN datagram, as Docker's encrypted overlays put it on the wire:
// the header fields, the trailer esp4 writes, the length Packet counts, tcpdump's summary, and a
// round trip through bytes. The payload is carried in clear (the model does no cryptography).
import { describe, expect, it } from 'vitest';
import { parseIp4 } from '../../src/core/addr.js';
import { describeL3 } from '../../src/wire/describe.js';
import { decodeFrame, encodeDatagram, encodeFrame } from '../../src/wire/encode.js';
import {
  ETH_HLEN, ICMP_ECHO, IP_HLEN, IPPROTO_ESP, IPPROTO_ICMP, IPPROTO_UDP, Packet, VXLAN_PORT, espPadLen,
} from '../../src/wire/packet.js';

const ip = (s: string): number => parseIp4(s)!;

function vxlanDatagram(): Packet {
  const echo = new Packet();
  echo.ethSrc = 0x02420a0a010c;
  echo.ethDst = 0x02420a0a0105;
  echo.ipSrc = ip('10.10.1.12');
  echo.ipDst = ip('10.10.1.5');
  echo.ipProto = IPPROTO_ICMP;
  echo.icmpType = ICMP_ECHO;
  echo.icmpId = 7;
  echo.icmpSeq = 1;
  echo.payloadLen = 56;
  echo.payload = new Uint8Array(56);
  const v = new Packet();
  v.ipSrc = ip('192.168.205.11');
  v.ipDst = ip('192.168.205.12');
  v.ipProto = IPPROTO_UDP;
  v.ipId = 0x1234;
  v.sport = 33104;
  v.dport = VXLAN_PORT;
  v.vni = 4097;
  v.inner = echo;
  return v;
}

function espOf(v: Packet, spi: number, seq: number): Packet {
  const e = new Packet();
  e.ethSrc = 0x525400000011;
  e.ethDst = 0x525400000012;
  e.ipSrc = v.ipSrc;
  e.ipDst = v.ipDst;
  e.ipId = v.ipId;
  e.ipProto = IPPROTO_ESP;
  e.espSpi = spi;
  e.espSeq = seq;
  e.inner = v;
  return e;
}

describe('ESP (transport mode, rfc4106(gcm(aes)) layout)', () => {
  it('pads to 4 bytes and adds 26 bytes plus padding, as libnetwork budgets (pktExpansion)', () => {
    expect([0, 1, 2, 3, 4].map(espPadLen)).toEqual([2, 1, 0, 3, 2]);
    const v = vxlanDatagram();
    const e = espOf(v, 0x2ffa3383, 9);
    const seg = v.l4Length(); // UDP 8 + VXLAN 8 + frame 98
    expect(seg).toBe(114);
    expect(e.l4Length()).toBe(8 + 8 + seg + espPadLen(seg) + 2 + 8);
    expect(e.ipTotalLength() - v.ipTotalLength()).toBe(26 + espPadLen(seg));
  });

  it('writes SPI, sequence, IV, the segment in clear, padding 1 2 3…, pad length, next header, ICV', () => {
    const e = espOf(vxlanDatagram(), 0x2ffa3383, 9);
    const b = encodeDatagram(e);
    const dv = new DataView(b.buffer);
    expect(b[9]).toBe(IPPROTO_ESP);
    expect(dv.getUint32(IP_HLEN)).toBe(0x2ffa3383);
    expect(dv.getUint32(IP_HLEN + 4)).toBe(9);
    expect(dv.getUint32(IP_HLEN + 12)).toBe(9); // IV: the sequence number
    expect(dv.getUint16(IP_HLEN + 16 + 2)).toBe(VXLAN_PORT); // the UDP header follows the IV
    const end = b.length;
    const pad = b[end - 10]!;
    expect(b[end - 9]).toBe(IPPROTO_UDP);
    expect(pad).toBe(espPadLen(e.inner!.l4Length()));
    for (let i = 0; i < pad; i++) expect(b[end - 10 - pad + i]).toBe(i + 1);
    expect([...b.subarray(end - 8)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('reads back the SPI, sequence and the protected VXLAN datagram', () => {
    const e = espOf(vxlanDatagram(), 0xdeadbeef, 0x10);
    const bytes = encodeFrame(e);
    expect(bytes.length).toBe(e.frameLength());
    const back = decodeFrame(bytes);
    if (typeof back === 'string') throw new Error(back);
    expect(back).toEqual(e);
    expect(encodeFrame(back)).toEqual(bytes);
    expect(bytes.length - ETH_HLEN).toBe(e.ipTotalLength());
  });

  it('keeps bytes that are not a modelled ESP packet as an opaque payload', () => {
    const e = espOf(vxlanDatagram(), 1, 1);
    const bytes = encodeFrame(e);
    bytes[bytes.length - 9] = 99; // next header no longer UDP/TCP/ICMP: "ciphertext"
    const back = decodeFrame(bytes.subarray(0, bytes.length));
    if (typeof back === 'string') throw new Error(back);
    expect(back.inner).toBeNull();
    expect(back.espSpi).toBe(0);
    expect(back.payloadLen).toBe(e.l4Length());
  });

  it('describes as tcpdump prints ESP', () => {
    const e = espOf(vxlanDatagram(), 0x2ffa3383, 9);
    expect(describeL3(e)).toBe(`192.168.205.11 > 192.168.205.12: ESP(spi=0x2ffa3383,seq=0x9), length ${e.l4Length()} ttl 64`);
    expect(describeL3(espOf(vxlanDatagram(), 0x42, 0x1f))).toContain('ESP(spi=0x00000042,seq=0x1f)');
  });
});
