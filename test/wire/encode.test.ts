import { describe, it, expect } from 'vitest';
import { parseIp4 } from '../../src/core/addr.js';
import { decodeDatagram, decodeFrame, encodeDatagram, encodeFrame } from '../../src/wire/encode.js';
import {
  ARPOP_REQUEST,
  ETH_P_ARP,
  ICMP_DEST_UNREACH,
  ICMP_ECHO,
  ICMP_FRAG_NEEDED,
  ICMP_PORT_UNREACH,
  ICMP_TIME_EXCEEDED,
  IPPROTO_ESP,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  Packet,
  TCP_ACK,
  TCP_PSH,
  VXLAN_PORT,
} from '../../src/wire/packet.js';

const ip = (s: string): number => parseIp4(s)!;

function base(proto: number): Packet {
  const p = new Packet();
  p.ethSrc = 0x02420a000002;
  p.ethDst = 0x02420a000003;
  p.ipSrc = ip('10.0.0.2');
  p.ipDst = ip('10.0.0.3');
  p.ipProto = proto;
  p.ipId = 0x2a;
  return p;
}

function samples() {
  const arp = new Packet();
  arp.ethType = ETH_P_ARP;
  arp.ethSrc = 0x0242ac110002;
  arp.ethDst = 0xffffffffffff;
  arp.arpOp = ARPOP_REQUEST;
  arp.arpSha = 0x0242ac110002;
  arp.arpSpa = ip('172.17.0.2');
  arp.arpTpa = ip('172.17.0.3');

  const echo = base(IPPROTO_ICMP);
  echo.icmpType = ICMP_ECHO;
  echo.icmpId = 9;
  echo.icmpSeq = 3;
  echo.payload = Uint8Array.from({ length: 56 }, (_, i) => i);
  echo.payloadLen = 56;

  const udp = base(IPPROTO_UDP);
  udp.sport = 5353;
  udp.dport = 53;
  udp.payload = new TextEncoder().encode('a DNS query, say');
  udp.payloadLen = 16;

  const tcp = base(IPPROTO_TCP);
  tcp.sport = 34567;
  tcp.dport = 80;
  tcp.tcpFlags = TCP_PSH | TCP_ACK;
  tcp.tcpSeq = 123456789;
  tcp.tcpAck = 987654321;
  tcp.payload = new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n');
  tcp.payloadLen = 18;

  const esp = base(IPPROTO_ESP);
  esp.payload = Uint8Array.of(1, 2, 3, 4, 5, 6, 7);
  esp.payloadLen = 7;

  const unreach = base(IPPROTO_ICMP);
  unreach.ipSrc = ip('10.0.0.3');
  unreach.ipDst = ip('10.0.0.2');
  unreach.icmpType = ICMP_DEST_UNREACH;
  unreach.icmpCode = ICMP_PORT_UNREACH;
  unreach.inner = udp.clone();

  const fragNeeded = base(IPPROTO_ICMP);
  fragNeeded.ipSrc = ip('10.0.0.1');
  fragNeeded.icmpType = ICMP_DEST_UNREACH;
  fragNeeded.icmpCode = ICMP_FRAG_NEEDED;
  fragNeeded.icmpId = 1450;
  fragNeeded.inner = tcp.clone();

  const timeExceeded = base(IPPROTO_ICMP);
  timeExceeded.ipSrc = ip('10.0.0.1');
  timeExceeded.icmpType = ICMP_TIME_EXCEEDED;
  timeExceeded.inner = echo.clone();

  const vxlan = base(IPPROTO_UDP);
  vxlan.ipSrc = ip('192.168.0.1');
  vxlan.ipDst = ip('192.168.0.2');
  vxlan.sport = 40000;
  vxlan.dport = VXLAN_PORT;
  vxlan.vni = 4096;
  vxlan.inner = echo.clone();

  const vxlanArp = vxlan.clone();
  vxlanArp.inner = arp.clone();

  return { arp, echo, udp, tcp, esp, unreach, fragNeeded, timeExceeded, vxlan, vxlanArp };
}

function isError(p: Packet): boolean {
  return p.ipProto === IPPROTO_ICMP && (p.icmpType === ICMP_DEST_UNREACH || p.icmpType === ICMP_TIME_EXCEEDED);
}

/** Decodes without letting an exception escape unnoticed. */
function decodes(bytes: Uint8Array): Packet | string {
  let r: Packet | string = 'not run';
  expect(() => {
    r = decodeFrame(bytes);
  }).not.toThrow();
  return r;
}

describe('encodeFrame / decodeFrame', () => {
  it('encodes exactly frameLength() bytes, and decodeFrame reads back what it can represent', () => {
    for (const [name, p] of Object.entries(samples())) {
      const bytes = encodeFrame(p);
      expect(bytes.length, name).toBe(p.frameLength());
      const back = decodeFrame(bytes);
      if (typeof back === 'string') throw new Error(`${name}: ${back}`);
      if (isError(p)) {
        // The quote's data is unknown after decoding, so its transport checksum re-encodes differently.
        expect(decodeFrame(encodeFrame(back)), name).toEqual(back);
      } else {
        expect(back, name).toEqual(p);
        expect(encodeFrame(back), name).toEqual(bytes);
      }
    }
  });

  it('decodes from a view inside a larger buffer', () => {
    const bytes = encodeFrame(samples().tcp);
    const big = new Uint8Array(bytes.length + 11);
    big.set(bytes, 5);
    expect(decodeFrame(big.subarray(5, 5 + bytes.length))).toEqual(samples().tcp);
  });

  it('ignores Ethernet padding after the datagram', () => {
    const p = samples().udp;
    p.payload = null;
    p.payloadLen = 0;
    const padded = new Uint8Array(60);
    padded.set(encodeFrame(p));
    padded.fill(0xee, p.frameLength());
    expect(decodeFrame(padded)).toEqual(p);
  });

  it('returns an error string for every truncation, never throwing', () => {
    for (const [name, p] of Object.entries(samples())) {
      const bytes = encodeFrame(p);
      for (let n = 0; n < bytes.length; n++) {
        const r = decodes(bytes.subarray(0, n));
        expect(typeof r, `${name} cut at ${n}`).toBe('string');
      }
    }
    expect(decodeFrame(new Uint8Array(0))).toBe('truncated Ethernet header (0 of 14 bytes)');
  });

  it('never throws on flipped bits or random bytes', () => {
    let x = 12345;
    const next = (): number => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x >>> 8;
    };
    for (const p of Object.values(samples())) {
      const bytes = encodeFrame(p);
      for (let i = 0; i < bytes.length * 8; i++) {
        const b = bytes.slice();
        b[i >> 3] = b[i >> 3]! ^ (1 << (i & 7));
        decodes(b);
      }
    }
    for (let n = 0; n < 2000; n++) {
      const b = Uint8Array.from({ length: next() % 120 }, () => next() & 255);
      if (n % 2 === 0 && b.length > 14) {
        b[12] = 8; // make most of them IPv4 so the deeper parsers see garbage too
        b[13] = 0;
        b[14] = 0x45;
      }
      decodes(b);
    }
  });

  it('rejects an ethertype it does not know', () => {
    const b = encodeFrame(samples().echo);
    b[12] = 0x86;
    b[13] = 0xdd;
    expect(decodeFrame(b)).toBe('unsupported ethertype 0x86dd');
    const p = samples().echo;
    p.ethType = 0x86dd;
    expect(() => encodeFrame(p)).toThrow(/ethertype 0x86dd/);
  });
});

describe('encodeDatagram / decodeDatagram', () => {
  it('is the frame without its Ethernet header', () => {
    for (const [name, p] of Object.entries(samples())) {
      if (p.ethType === ETH_P_ARP) continue;
      const dgram = encodeDatagram(p);
      expect(dgram.length, name).toBe(p.ipTotalLength());
      expect(dgram, name).toEqual(encodeFrame(p).subarray(14));
      const back = decodeDatagram(dgram);
      if (typeof back === 'string') throw new Error(`${name}: ${back}`);
      if (!isError(p)) expect(encodeDatagram(back), name).toEqual(dgram);
      expect([back.ethSrc, back.ethDst], name).toEqual([0, 0]);
    }
  });

  it('returns error strings for truncated datagrams', () => {
    const dgram = encodeDatagram(samples().tcp);
    for (let n = 0; n < dgram.length; n++) expect(typeof decodeDatagram(dgram.subarray(0, n))).toBe('string');
  });
});
