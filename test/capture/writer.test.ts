// The capture file formats, byte by byte (the pcapng draft's block layouts and libpcap's
// savefile header), and that the reader gets back what the writers wrote.
import { describe, expect, it } from 'vitest';
import { PcapngWriter } from '../../src/capture/pcapng.js';
import { PcapWriter, readCapture } from '../../src/capture/pcap.js';
import { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2, cookedFrame, PACKET_OUTGOING } from '../../src/capture/linktype.js';
import { Packet, IPPROTO_UDP } from '../../src/wire/packet.js';
import { encodeFrame } from '../../src/wire/encode.js';

function le(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function udp(): Packet {
  const p = new Packet();
  p.ethSrc = 0x0242ac110002;
  p.ethDst = 0x0242ac110003;
  p.ipProto = IPPROTO_UDP;
  p.ipSrc = 0xac110002;
  p.ipDst = 0xac110003;
  p.sport = 40000;
  p.dport = 53;
  p.payload = new TextEncoder().encode('hello');
  p.payloadLen = 5;
  return p;
}

describe('pcapng writer', () => {
  it('writes a section header, one interface block with its name, description and if_tsresol 9, and an enhanced packet block with the direction', () => {
    const w = new PcapngWriter();
    const id = w.addInterface('n1/root/eth0', 'ether eth0', LINKTYPE_ETHERNET);
    const frame = encodeFrame(udp());
    w.packet(id, 5_000_000_123, frame, true);
    const b = w.bytes();
    const v = le(b);
    // SHB: type, length, byte-order magic, version 1.0, section length -1.
    expect(v.getUint32(0, true)).toBe(0x0a0d0d0a);
    const shbLen = v.getUint32(4, true);
    expect(v.getUint32(8, true)).toBe(0x1a2b3c4d);
    expect([v.getUint16(12, true), v.getUint16(14, true)]).toEqual([1, 0]);
    expect(v.getInt32(16, true)).toBe(-1);
    expect(v.getUint32(shbLen - 4, true)).toBe(shbLen);
    // IDB: link type 1, snaplen 262144, then options 2 (if_name), 3 (if_description), 9 (if_tsresol).
    const idb = shbLen;
    expect(v.getUint32(idb, true)).toBe(1);
    const idbLen = v.getUint32(idb + 4, true);
    expect(v.getUint16(idb + 8, true)).toBe(LINKTYPE_ETHERNET);
    expect(v.getUint32(idb + 12, true)).toBe(262144);
    expect(v.getUint16(idb + 16, true)).toBe(2);
    expect(v.getUint16(idb + 18, true)).toBe('n1/root/eth0'.length);
    expect(new TextDecoder().decode(b.subarray(idb + 20, idb + 32))).toBe('n1/root/eth0');
    const desc = idb + 32;
    expect(v.getUint16(desc, true)).toBe(3);
    const tsres = desc + 4 + ((v.getUint16(desc + 2, true) + 3) & ~3);
    expect([v.getUint16(tsres, true), v.getUint16(tsres + 2, true), b[tsres + 4]]).toEqual([9, 1, 9]);
    expect(idbLen % 4).toBe(0);
    // EPB: interface 0, the 64-bit ns timestamp split high/low, lengths, padded data, epb_flags 2 (outbound).
    const epb = idb + idbLen;
    expect(v.getUint32(epb, true)).toBe(6);
    expect(v.getUint32(epb + 8, true)).toBe(0);
    expect(v.getUint32(epb + 12, true) * 2 ** 32 + v.getUint32(epb + 16, true)).toBe(5_000_000_123);
    expect([v.getUint32(epb + 20, true), v.getUint32(epb + 24, true)]).toEqual([frame.length, frame.length]);
    expect(b.subarray(epb + 28, epb + 28 + frame.length)).toEqual(frame);
    const opt = epb + 28 + ((frame.length + 3) & ~3);
    expect([v.getUint16(opt, true), v.getUint16(opt + 2, true), v.getUint32(opt + 4, true)]).toEqual([2, 4, 2]);
    expect(epb + v.getUint32(epb + 4, true)).toBe(b.length);
  });

  it('reads back the frames with their interface link types and nanosecond times', () => {
    const w = new PcapngWriter();
    const a = w.addInterface('a', 'a', LINKTYPE_ETHERNET);
    const c = w.addInterface('b/x/any', 'any', LINKTYPE_LINUX_SLL2);
    const cooked = cookedFrame(udp(), true, 7, 1, PACKET_OUTGOING);
    w.packet(a, 1, encodeFrame(udp()), false);
    w.packet(c, 2_000_000_001, cooked, true);
    const r = readCapture(w.bytes());
    if (typeof r === 'string') throw new Error(r);
    expect(r.map((f) => [f.linktype, f.ns, f.data.length])).toEqual([[1, 1, encodeFrame(udp()).length], [276, 2_000_000_001, cooked.length]]);
    // SLL2: protocol, reserved, ifindex, ARPHRD_ETHER, PACKET_OUTGOING, address length 6, the source MAC.
    const v = new DataView(cooked.buffer);
    expect([v.getUint16(0), v.getUint32(4), v.getUint16(8), cooked[10], cooked[11]]).toEqual([0x0800, 7, 1, 4, 6]);
    expect([...cooked.subarray(12, 18)]).toEqual([0x02, 0x42, 0xac, 0x11, 0x00, 0x02]);
  });
});

describe('classic pcap writer (tcpdump -w)', () => {
  it('writes the microsecond magic, version 2.4, snaplen and link type, then 16-byte record headers', () => {
    const w = new PcapWriter(LINKTYPE_ETHERNET);
    const frame = encodeFrame(udp());
    w.packet(3_000_123_456, frame);
    const b = w.bytes();
    const v = le(b);
    expect([v.getUint32(0, true), v.getUint16(4, true), v.getUint16(6, true), v.getUint32(16, true), v.getUint32(20, true)]).toEqual([0xa1b2c3d4, 2, 4, 262144, 1]);
    expect([v.getUint32(24, true), v.getUint32(28, true), v.getUint32(32, true), v.getUint32(36, true)]).toEqual([3, 123, frame.length, frame.length]);
    const r = readCapture(b);
    if (typeof r === 'string') throw new Error(r);
    expect(r[0]!.ns).toBe(3_000_123_000);
    expect(r[0]!.data).toEqual(frame);
  });

  it('refuses what is not a capture, in libpcap words', () => {
    expect(readCapture(new TextEncoder().encode('hello world, not a pcap'))).toBe('bad dump file format');
    expect(readCapture(new Uint8Array(2))).toMatch(/^truncated dump file/);
  });
});

describe('ESP in a capture', () => {
  it('is sealed with the SA key as rfc4106(gcm(aes)) does: the receiver decrypts the modelled bytes and the ICV authenticates them', async () => {
    const { sealEsp } = await import('../../src/capture/esp-gcm.js');
    const { createDecipheriv } = await import('node:crypto');
    const { IPPROTO_ESP } = await import('../../src/wire/packet.js');
    const esp = udp();
    esp.ipProto = IPPROTO_ESP;
    esp.espSpi = 0x35fa3cf5;
    esp.espSeq = 7;
    esp.inner = udp();
    const clear = encodeFrame(esp);
    const sealed = clear.slice();
    const key = Uint8Array.from({ length: 20 }, (_, i) => i * 7 + 1);
    expect(sealEsp(sealed, 34, sealed.length, key)).toBe(true);
    // Header and IV stay; the rest changes.
    expect(sealed.subarray(0, 34 + 16)).toEqual(clear.subarray(0, 34 + 16));
    expect(sealed.subarray(50, sealed.length - 8)).not.toEqual(clear.subarray(50, clear.length - 8));
    const nonce = Buffer.concat([Buffer.from(key.subarray(16)), Buffer.from(sealed.subarray(42, 50))]);
    const d = createDecipheriv('aes-128-gcm', key.subarray(0, 16), nonce, { authTagLength: 8 });
    d.setAAD(sealed.subarray(34, 42));
    d.setAuthTag(sealed.subarray(sealed.length - 8));
    const plain = Buffer.concat([d.update(sealed.subarray(50, sealed.length - 8)), d.final()]);
    expect(new Uint8Array(plain)).toEqual(clear.subarray(50, clear.length - 8));
    expect(sealEsp(sealed.slice(), 34, sealed.length, new Uint8Array(10))).toBe(false);
  });
});
