import { describe, it, expect } from 'vitest';
import { parseIp4 } from '../../src/core/addr.js';
import { decodeDatagram, decodeFrame, encodeDatagram, encodeFrame } from '../../src/wire/encode.js';
import {
  IP_HLEN, IPPROTO_TCP, Packet, TCP_ACK, TCP_FIN, TCP_HLEN, TCP_PSH, TCP_SYN, TCPOPT_F_MSS, TCPOPT_F_SACK_PERM, TCPOPT_F_TS, TCPOPT_F_WSCALE,
} from '../../src/wire/packet.js';
import { emitTcp, parseTcp, TCP_OFF_CHECK, TCP_OFF_DOFF } from '../../src/wire/tcp.js';
import { internetChecksum } from '../../src/wire/checksum.js';
import { pseudoHeaderSum } from '../../src/wire/ipv4.js';

function hex(s: string): Uint8Array {
  return Uint8Array.from(s.trim().split(/\s+/), (b) => parseInt(b, 16));
}
function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
const ip = (s: string): number => parseIp4(s)!;

// 10.0.0.2.34567 > 10.0.0.3.80 [S] seq 1, win 64240, DF: doff 5 (0x50), flags 0x02, checksum 1995.
const SYN = hex(`
  45 00 00 28 00 00 40 00 40 06 26 cc 0a 00 00 02 0a 00 00 03
  87 07 00 50 00 00 00 01 00 00 00 00 50 02 fa f0 19 95 00 00`);
// 10.0.0.3.80 > 10.0.0.2.34567 [P.] seq 1000 ack 2 win 502, data "GET".
const PSH_ACK = hex(`
  45 00 00 2b 00 00 40 00 40 06 26 c9 0a 00 00 03 0a 00 00 02
  00 50 87 07 00 00 03 e8 00 00 00 02 50 18 01 f6 73 48 00 00 47 45 54`);
// The SYN with an MSS 1460 option (doff 6) as a real stack sends it.
const SYN_MSS = hex(`
  45 00 00 2c 00 00 40 00 40 06 26 c8 0a 00 00 02 0a 00 00 03
  87 07 00 50 00 00 00 01 00 00 00 00 60 02 fa f0 01 d9 00 00 02 04 05 b4`);

// Captured on Linux 6.18 (veth between two namespaces, tcp_rmem max 6291456, AF_PACKET socket;
// the TCP checksum, left partial by the veth's offload, recomputed): the 60-byte SYN with MSS 1460,
// SACK-permitted, timestamps and window scale 7, then the handshake's ACK with NOP NOP TS.
const LINUX_SYN = hex(`
  45 00 00 3c 4a 9d 40 00 40 06 dc 0a 0a 09 00 01 0a 09 00 02 cd 1e 00 50 a0 0f bf 28 00 00 00 00
  a0 02 fa f0 d0 13 00 00 02 04 05 b4 04 02 08 0a 5b 9b e0 a4 00 00 00 00 01 03 03 07`);
const LINUX_ACK = hex(`
  45 00 00 34 4a 9e 40 00 40 06 dc 11 0a 09 00 01 0a 09 00 02 cd 1e 00 50 a0 0f bf 29 93 43 58 cd
  80 10 01 f6 35 3c 00 00 01 01 08 0a 5b 9b e0 a4 b6 d7 1f a6`);

function linuxSyn(): Packet {
  const p = new Packet();
  p.ipSrc = ip('10.9.0.1');
  p.ipDst = ip('10.9.0.2');
  p.ipProto = IPPROTO_TCP;
  p.ipDf = true;
  p.ipId = 0x4a9d;
  p.sport = 52510;
  p.dport = 80;
  p.tcpFlags = TCP_SYN;
  p.tcpSeq = 0xa00fbf28;
  p.tcpWindow = 64240;
  p.tcpOpts = TCPOPT_F_MSS | TCPOPT_F_SACK_PERM | TCPOPT_F_TS | TCPOPT_F_WSCALE;
  p.tcpMss = 1460;
  p.tcpWscale = 7;
  p.tcpTsVal = 0x5b9be0a4;
  return p;
}

function syn(): Packet {
  const p = new Packet();
  p.ipSrc = ip('10.0.0.2');
  p.ipDst = ip('10.0.0.3');
  p.ipProto = IPPROTO_TCP;
  p.ipDf = true;
  p.sport = 34567;
  p.dport = 80;
  p.tcpFlags = TCP_SYN;
  p.tcpSeq = 1;
  p.tcpAck = 0;
  p.tcpWindow = 64240;
  return p;
}

function pshAck(): Packet {
  const p = syn();
  p.ipSrc = ip('10.0.0.3');
  p.ipDst = ip('10.0.0.2');
  p.sport = 80;
  p.dport = 34567;
  p.tcpFlags = TCP_PSH | TCP_ACK;
  p.tcpSeq = 1000;
  p.tcpAck = 2;
  p.tcpWindow = 502;
  p.payload = new TextEncoder().encode('GET');
  p.payloadLen = 3;
  return p;
}

describe('TCP', () => {
  it('encodes the hand-written SYN and PSH|ACK', () => {
    expect(encodeDatagram(syn())).toEqual(SYN);
    expect(encodeDatagram(pshAck())).toEqual(PSH_ACK);
  });

  it('decodes the hand-written SYN and PSH|ACK', () => {
    expect(decodeDatagram(SYN)).toEqual(syn());
    expect(decodeDatagram(PSH_ACK)).toEqual(pshAck());
  });

  it('parses and emits the bare header', () => {
    const pkt = new Packet();
    pkt.ipSrc = ip('10.0.0.2');
    pkt.ipDst = ip('10.0.0.3');
    expect(parseTcp(viewOf(SYN), IP_HLEN, pkt)).toBe(SYN.length);
    expect([pkt.sport, pkt.dport, pkt.tcpSeq, pkt.tcpFlags, pkt.payloadLen]).toEqual([34567, 80, 1, TCP_SYN, 0]);
    const out = new Uint8Array(TCP_HLEN);
    expect(emitTcp(syn(), viewOf(out), 0)).toBe(TCP_HLEN);
    expect(out).toEqual(SYN.subarray(IP_HLEN));
  });

  it('round-trips a frame with 32-bit sequence numbers', () => {
    const p = pshAck();
    p.ethSrc = 0x02420a000003;
    p.ethDst = 0x02420a000002;
    p.tcpFlags = TCP_FIN | TCP_ACK;
    p.tcpSeq = 0xfffffffe;
    p.tcpAck = 0x80000001;
    p.ipId = 0x4242;
    p.payload = Uint8Array.from({ length: 1001 }, (_, i) => (i * 7) & 255);
    p.payloadLen = 1001;
    const bytes = encodeFrame(p);
    expect(bytes.length).toBe(p.frameLength());
    expect(decodeFrame(bytes)).toEqual(p);
  });

  it('parses an MSS option', () => {
    const p = syn();
    p.tcpOpts = TCPOPT_F_MSS;
    p.tcpMss = 1460;
    expect(decodeDatagram(SYN_MSS)).toEqual(p);
    expect(encodeDatagram(p)).toEqual(SYN_MSS);
  });

  it('encodes and decodes the SYN and ACK Linux sends, options in its order', () => {
    const s = linuxSyn();
    expect(s.ipTotalLength()).toBe(60);
    expect(encodeDatagram(s)).toEqual(LINUX_SYN);
    expect(decodeDatagram(LINUX_SYN)).toEqual(s);
    const a = linuxSyn();
    a.ipId = 0x4a9e;
    a.tcpFlags = TCP_ACK;
    a.tcpSeq = 0xa00fbf29;
    a.tcpAck = 0x934358cd;
    a.tcpWindow = 502;
    a.tcpOpts = TCPOPT_F_TS;
    a.tcpTsEcr = 0xb6d71fa6;
    expect(a.ipTotalLength()).toBe(52);
    expect(encodeDatagram(a)).toEqual(LINUX_ACK);
    const back = decodeDatagram(LINUX_ACK) as Packet;
    expect([back.tcpOpts, back.tcpTsVal, back.tcpTsEcr]).toEqual([TCPOPT_F_TS, 0x5b9be0a4, 0xb6d71fa6]);
  });

  it('skips SACK blocks and unknown options, and rejects a bad option length', () => {
    // NOP NOP SACK(10) one block, then NOP NOP TS: 24 bytes of options, doff 11.
    const p = pshAck();
    p.tcpOpts = TCPOPT_F_TS;
    p.tcpTsVal = 7;
    p.tcpTsEcr = 9;
    const plain = encodeDatagram(p);
    const opts = hex('01 01 05 0a 00 00 00 01 00 00 00 02 01 01 08 0a 00 00 00 07 00 00 00 09');
    const b = new Uint8Array(plain.length + 12);
    b.set(plain.subarray(0, IP_HLEN + TCP_HLEN));
    b.set(opts, IP_HLEN + TCP_HLEN);
    b.set(plain.subarray(IP_HLEN + TCP_HLEN + 12), IP_HLEN + TCP_HLEN + 24);
    b[3] = b.length;
    b[IP_HLEN + TCP_OFF_DOFF] = 0xb0;
    const v = viewOf(b);
    v.setUint16(IP_HLEN + TCP_OFF_CHECK, 0);
    const tcpLen = b.length - IP_HLEN;
    v.setUint16(IP_HLEN + TCP_OFF_CHECK, internetChecksum(v, IP_HLEN, tcpLen, pseudoHeaderSum(p, IPPROTO_TCP, tcpLen)));
    const q = new Packet();
    q.ipSrc = p.ipSrc;
    q.ipDst = p.ipDst;
    expect(parseTcp(v, IP_HLEN, q)).toBe(b.length);
    expect([q.tcpOpts, q.tcpTsVal, q.tcpTsEcr, q.payloadLen]).toEqual([TCPOPT_F_TS, 7, 9, 3]);
    const bad = b.slice();
    bad[IP_HLEN + TCP_HLEN + 3] = 40; // the SACK option claims 40 bytes
    const bv = viewOf(bad);
    bv.setUint16(IP_HLEN + TCP_OFF_CHECK, 0);
    bv.setUint16(IP_HLEN + TCP_OFF_CHECK, internetChecksum(bv, IP_HLEN, tcpLen, pseudoHeaderSum(p, IPPROTO_TCP, tcpLen)));
    expect(parseTcp(bv, IP_HLEN, q)).toBe('bad TCP option length 40 (kind 5)');
  });

  it('reports a corrupted checksum or data', () => {
    const b = SYN.slice();
    b[IP_HLEN + TCP_OFF_CHECK] = 0x18;
    expect(decodeDatagram(b)).toBe('bad TCP checksum 0x1895');
    const d = PSH_ACK.slice();
    d[d.length - 1] = 0x55; // "GEU"
    expect(decodeDatagram(d)).toBe('bad TCP checksum 0x7348');
  });

  it('reports truncation and a bad data offset as error strings', () => {
    const v = viewOf(SYN);
    expect(parseTcp(v, IP_HLEN, new Packet(), SYN.length - 1)).toBe('truncated TCP header (19 of 20 bytes)');
    expect(parseTcp(viewOf(SYN_MSS), IP_HLEN, new Packet(), SYN_MSS.length - 2)).toBe(
      'truncated TCP options (data offset 24, 22 bytes)',
    );
    const b = SYN.slice();
    b[IP_HLEN + TCP_OFF_DOFF] = 0x40;
    expect(parseTcp(viewOf(b), IP_HLEN, new Packet())).toBe('bad TCP data offset 16');
  });
});
