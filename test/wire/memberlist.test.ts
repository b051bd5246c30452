// memberlist's packet messages as hashicorp/go-msgpack (71c2886, vendored by libnetwork
// bump_19.03) encodes them: the byte vectors below were printed by that codec from memberlist
// 3d8438d's net.go structs (codec.MsgpackHandle{}, the message type byte first, as encode() does).
import { describe, expect, it } from 'vitest';
import {
  compound, eachCompoundPart, encodeAck, encodeAlive, encodeIndirectPing, encodePing, encodeSuspect, ML_ACK, ML_ALIVE, ML_COMPOUND, ML_DEAD, ML_INDIRECT_PING, ML_PING, ML_SUSPECT,
  MsgReader, readAliveMsg, readPacketMsg,
} from '../../src/wire/memberlist.js';
import type { CompoundReader, PacketMsg } from '../../src/wire/memberlist.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const NODE = 'ad1gj7oqr1m72vzlpkzteipfi';
const FROM = 'ev5vdgs93tkgudb8pqjnvfsme';
const IP = 0xc0a8cd0a; // 192.168.205.10

function read(b: Uint8Array): PacketMsg {
  const m: PacketMsg = { seq: -1, inc: -1, node: '?', from: '?', addr: -1, port: -1, nodeAt: -1, nodeEnd: -1 };
  readPacketMsg(new MsgReader(b, 1), b[0]!, m);
  return m;
}

describe('memberlist packet messages (msgpack)', () => {
  it('encodes ping, ping-req and ack as go-msgpack does, fields in name order', () => {
    expect(hex(encodePing(7, NODE))).toBe('0082a44e6f6465b9616431676a376f7172316d3732767a6c706b7a746569706669a55365714e6f07');
    expect(hex(encodePing(70000, 'n'))).toBe('0082a44e6f6465a16ea55365714e6fce00011170');
    expect(hex(encodeIndirectPing(9, IP, 7946, NODE, true))).toBe(
      '0185a44e61636bc3a44e6f6465b9616431676a376f7172316d3732767a6c706b7a746569706669a4506f7274cd1f0aa55365714e6f09a6546172676574a4c0a8cd0a');
    expect(hex(encodeAck(300))).toBe('0282a75061796c6f6164c0a55365714e6fcd012c');
  });

  it('encodes suspect, alive and dead as go-msgpack does (an alive about a 25-character name: 81 bytes)', () => {
    expect(hex(encodeSuspect(ML_SUSPECT, 2, NODE, FROM))).toBe(
      '0383a446726f6db9657635766467733933746b677564623870716a6e7666736d65ab496e6361726e6174696f6e02a44e6f6465b9616431676a376f7172316d3732767a6c706b7a746569706669');
    const alive = encodeAlive(1, NODE, IP, 7946);
    expect(hex(alive)).toBe(
      '0486a441646472a4c0a8cd0aab496e6361726e6174696f6e01a44d657461a0a44e6f6465b9616431676a376f7172316d3732767a6c706b7a746569706669a4506f7274cd1f0aa356736ea6010502000000');
    expect(alive.length).toBe(81);
    expect(hex(encodeSuspect(ML_DEAD, 200, NODE, FROM))).toBe(
      '0583a446726f6db9657635766467733933746b677564623870716a6e7666736d65ab496e6361726e6174696f6eccc8a44e6f6465b9616431676a376f7172316d3732767a6c706b7a746569706669');
  });

  it('reads back what it wrote, and refuses a body whose fields are not the message\'s', () => {
    expect(read(encodePing(70000, 'n'))).toMatchObject({ seq: 70000, node: 'n' });
    expect(read(encodeIndirectPing(9, IP, 7946, NODE, true))).toMatchObject({ seq: 9, addr: IP, port: 7946, node: NODE });
    expect(read(encodeAck(300)).seq).toBe(300);
    expect(read(encodeSuspect(ML_DEAD, 200, NODE, FROM))).toMatchObject({ inc: 200, node: NODE, from: FROM });
    expect(read(encodeAlive(65536, NODE, IP, 7946))).toMatchObject({ inc: 65536, node: NODE, addr: IP, port: 7946 });
    const alive = encodeAlive(1, NODE, IP, 7946);
    // An alive read as a ping: its first field is Addr, not Node.
    expect(() => readPacketMsg(new MsgReader(alive, 1), ML_PING, read(encodeAck(1)))).toThrow(RangeError);
    // Truncated: the last field cut short.
    expect(() => readPacketMsg(new MsgReader(alive.subarray(0, alive.length - 3), 1), ML_ALIVE, read(encodeAck(1)))).toThrow(RangeError);
    expect(() => readPacketMsg(new MsgReader(encodeAck(1), 1), ML_INDIRECT_PING, read(encodeAck(1)))).toThrow(RangeError);
    expect(ML_ACK).toBe(2);
  });

  it('reads an alive message all but its name, which it leaves where the bytes are', () => {
    const alive = encodeAlive(70000, NODE, IP, 7946);
    const m = read(encodeAck(1));
    readAliveMsg(new MsgReader(alive, 1), m);
    expect(m).toMatchObject({ inc: 70000, addr: IP, port: 7946, node: '?' });
    expect(Buffer.from(alive.subarray(m.nodeAt, m.nodeEnd)).toString()).toBe(NODE);
    expect(() => readAliveMsg(new MsgReader(alive.subarray(0, alive.length - 3), 1), m)).toThrow(RangeError);
  });

  it('reads a compound message\'s parts in place, and none of a truncated one (util.go decodeCompoundMessage)', () => {
    const parts = [encodePing(1, NODE), encodeAck(2), encodeAlive(3, NODE, IP, 7946)];
    // At an offset in a larger buffer, as a part of a packet.
    const c = compound(ML_COMPOUND, parts);
    const buf = new Uint8Array(c.length + 5);
    buf.set(c, 3);
    const seen: string[] = [];
    const reader: CompoundReader<string> = { compoundPart: (b, s, e, tag) => seen.push(`${tag} ${hex(b.subarray(s, e))}`) };
    eachCompoundPart(buf, 3, 3 + c.length, reader, 'p');
    expect(seen).toEqual(parts.map((p) => `p ${hex(p)}`));
    seen.length = 0;
    for (const cut of [1, 2, 7, c.length - 1]) expect(() => eachCompoundPart(buf, 3, 3 + cut, reader, 'p')).toThrow(RangeError);
    expect(seen).toEqual([]);
  });

  it('reads alive messages of every size of field the same, and refuses every truncation of them', () => {
    const long = 'n'.repeat(40); // str16: past what a fixstr holds, read field by field
    for (const [inc, node, port] of [[0, NODE, 7946], [200, 'a', 80], [70000, NODE, 7], [0xffffffff, long, 65535], [5, 'x'.repeat(31), 300]] as const) {
      const alive = encodeAlive(inc, node, IP, port);
      const m = read(encodeAck(1));
      const r = new MsgReader(alive, 1);
      readAliveMsg(r, m);
      expect(m).toMatchObject({ inc, addr: IP, port });
      expect(Buffer.from(alive.subarray(m.nodeAt, m.nodeEnd)).toString()).toBe(node);
      expect(r.left).toBe(0);
      for (let cut = 1; cut < alive.length; cut++) expect(() => readAliveMsg(new MsgReader(alive.subarray(0, cut), 1), m)).toThrow(RangeError);
    }
    // Forms encodeAlive does not write but go-msgpack reads: a nil Meta, a Node as str8.
    const alive = encodeAlive(9, 'ab', IP, 7946);
    const meta = alive.indexOf(0xa0, 1 + 1 + 5 + 5 + 12 + 1 + 5 - 1);
    const odd = Uint8Array.from([...alive.subarray(0, meta), 0xc0, ...alive.subarray(meta + 1, meta + 6), 0xd9, 2, ...alive.subarray(meta + 7)]);
    const m = read(encodeAck(1));
    readAliveMsg(new MsgReader(odd, 1), m);
    expect(m).toMatchObject({ inc: 9, addr: IP, port: 7946 });
    expect(Buffer.from(odd.subarray(m.nodeAt, m.nodeEnd)).toString()).toBe('ab');
    const bad = alive.slice();
    bad[3] ^= 1; // the Addr key misspelt
    expect(() => readAliveMsg(new MsgReader(bad, 1), m)).toThrow(RangeError);
  });
});
