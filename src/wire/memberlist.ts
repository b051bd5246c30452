// The messages of hashicorp/memberlist (net.go) and of libnetwork's NetworkDB on top of it
// (networkdb/networkdb.proto), as they travel on port 7946: the first byte is memberlist's
// messageType, which is what a trace or a capture tells them apart by. Memberlist encodes its
// bodies with msgpack and NetworkDB with protobuf; ours are a small fixed binary layout of about
// the same size (a ping 60-90 bytes, a table event the size of its key and value plus ~60), which
// is what the LAN, the MTU and the timing see. Not byte-exact: no real peer reads them.

/** memberlist net.go messageType (only append: the values are the protocol). */
export const ML_PING = 0;
export const ML_INDIRECT_PING = 1;
export const ML_ACK = 2;
export const ML_SUSPECT = 3;
export const ML_ALIVE = 4;
export const ML_DEAD = 5;
export const ML_PUSH_PULL = 6;
export const ML_COMPOUND = 7;
export const ML_USER = 8;
export const ML_NACK = 11;

/** NetworkDB's MessageType (networkdb.proto), inside a memberlist user message. */
export const NDB_NETWORK_EVENT = 1;
export const NDB_TABLE_EVENT = 2;
export const NDB_BULK_SYNC = 4;
export const NDB_COMPOUND = 5;
export const NDB_NODE_EVENT = 6;

/** TableEvent.Type and NetworkEvent/NodeEvent.Type. */
export const EV_CREATE = 1;
export const EV_UPDATE = 2;
export const EV_DELETE = 3;
export const EV_JOIN = 1;
export const EV_LEAVE = 2;

/** memberlist's and NetworkDB's port (DefaultLANConfig BindPort), UDP and TCP. */
export const GOSSIP_PORT = 7946;

/** memberlist's PacketBufferSize / NetworkDB's PacketBufferSize (UDPBufferSize: 1400). */
export const UDP_BUFFER = 1400;

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Node names, network IDs and table names recur in every message: encoded once each. */
const strCache = new Map<string, Uint8Array>();

function encoded(s: string): Uint8Array {
  if (s.length > 64) return enc.encode(s);
  let b = strCache.get(s);
  if (b === undefined) {
    if (strCache.size > 65536) strCache.clear();
    strCache.set(s, (b = enc.encode(s)));
  }
  return b;
}

/**
 * Short strings as decoded, by a hash of their bytes: a thousand nodes decode the same node names,
 * network IDs, keys and peer records (~90 bytes) millions of times. One string per distinct value saves decoding and memory,
 * and makes Map lookups by them cheap (the hash is kept in the string, equal strings are the same).
 */
const strTable = new Map<number, string>();

function decodeStr(b: Uint8Array, off: number, n: number): string {
  if (n <= 128) {
    let h = 0x811c9dc5 ^ n;
    let i = 0;
    for (; i < n; i++) {
      const c = b[off + i]!;
      if (c >= 0x80) break;
      h = Math.imul(h ^ c, 0x01000193);
    }
    if (i === n) {
      const s = strTable.get(h);
      if (s !== undefined && s.length === n) {
        let j = 0;
        while (j < n && s.charCodeAt(j) === b[off + j]) j++;
        if (j === n) return s;
      }
      const t = String.fromCharCode.apply(null, b.subarray(off, off + n) as unknown as number[]);
      if (strTable.size >= 1 << 16) strTable.clear();
      strTable.set(h, t);
      return t;
    }
  }
  return dec.decode(b.subarray(off, off + n));
}

/** Writers' scratch buffers, reused: a message is built in one and copied out by done(). */
const scratch: Uint8Array[] = [];
const NO_BYTES = new Uint8Array(0);

/** Builds a message: fields appended in order; done() gives the bytes, and the writer is spent. */
export class MsgWriter {
  private buf = scratch.pop() ?? new Uint8Array(256);
  private len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }

  u8(v: number): this {
    this.room(1);
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.room(2);
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  u32(v: number): this {
    this.room(4);
    for (let s = 24; s >= 0; s -= 8) this.buf[this.len++] = (v >>> s) & 0xff;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.u32(b.length);
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  str(s: string): this {
    const n = s.length;
    if (n <= 64) return this.bytes(encoded(s));
    // Longer strings (records of JSON) straight into the buffer when ASCII, as most are.
    this.room(4 + n);
    const at = this.len + 4;
    const b = this.buf;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return this.bytes(enc.encode(s));
      b[at + i] = c;
    }
    this.u32(n);
    this.len += n;
    return this;
  }

  done(): Uint8Array {
    const out = this.buf.slice(0, this.len);
    if (this.buf.length <= 1 << 16 && scratch.length < 16) scratch.push(this.buf);
    this.buf = NO_BYTES;
    this.len = 0;
    return out;
  }
}

/** Reads a message's fields in the order they were written; throws RangeError past the end. */
export class MsgReader {
  private off = 0;
  /** Where the message ends: the buffer's end, or a compound part's (read in place). */
  private end: number;

  constructor(private buf: Uint8Array, start = 0, end = buf.length) {
    this.off = start;
    this.end = end;
  }

  /** Reads another message `buf[start, end)` (a reader kept for every packet of a hot path). */
  reset(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf;
    this.off = start;
    this.end = end;
    return this;
  }

  get left(): number {
    return this.end - this.off;
  }

  private need(n: number): void {
    if (this.off + n > this.end) throw new RangeError('truncated memberlist message');
  }

  u8(): number {
    this.need(1);
    return this.buf[this.off++]!;
  }

  u16(): number {
    this.need(2);
    const v = (this.buf[this.off]! << 8) | this.buf[this.off + 1]!;
    this.off += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const b = this.buf;
    const o = this.off;
    this.off += 4;
    return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  }

  bytes(): Uint8Array {
    const n = this.u32();
    this.need(n);
    const v = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return v;
  }

  str(): string {
    const n = this.u32();
    this.need(n);
    const s = decodeStr(this.buf, this.off, n);
    this.off += n;
    return s;
  }
}

/** A compound message (memberlist util.go makeCompoundMessage): count, lengths, then the parts. */
export function compound(type: number, parts: Uint8Array[]): Uint8Array {
  const w = new MsgWriter().u8(type).u8(parts.length);
  for (const p of parts) w.u16(p.length);
  let len = 0;
  const head = w.done();
  for (const p of parts) len += p.length;
  const out = new Uint8Array(head.length + len);
  out.set(head);
  let off = head.length;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * The parts of the compound message `buf[start, end)` (type byte at `start`), in place: `each` is
 * called with each part's bounds, once all were found whole (a truncated one drops the message).
 */
export function eachCompoundPart(buf: Uint8Array, start: number, end: number, each: (start: number, end: number) => void): void {
  const r = new MsgReader(buf, start + 1, end);
  const n = r.u8();
  let off = start + 2 + 2 * n;
  for (let i = 0; i < n; i++) off += r.u16();
  if (off > end) throw new RangeError('truncated compound message');
  off = start + 2 + 2 * n;
  for (let i = 0; i < n; i++) {
    const l = (buf[start + 2 + 2 * i]! << 8) | buf[start + 3 + 2 * i]!;
    each(off, off + l);
    off += l;
  }
}

/** The parts of a compound message whose type byte is at `start`. */
export function compoundParts(buf: Uint8Array, start = 0): Uint8Array[] {
  const r = new MsgReader(buf, start + 1);
  const n = r.u8();
  const lens: number[] = [];
  for (let i = 0; i < n; i++) lens.push(r.u16());
  let off = start + 2 + 2 * n;
  const out: Uint8Array[] = [];
  for (const l of lens) {
    if (off + l > buf.length) throw new RangeError('truncated compound message');
    out.push(buf.subarray(off, off + l));
    off += l;
  }
  return out;
}

/** What a 7946 payload carries, for traces and captures: memberlist's message kinds, and
 *  NetworkDB's inside user messages. */
export type GossipKind =
  | 'ping' | 'ping-req' | 'ack' | 'nack' | 'suspect' | 'alive' | 'dead' | 'push-pull'
  | 'network-event' | 'table-event' | 'bulk-sync' | 'node-event' | 'user' | 'other';

/** The kinds of message in a UDP payload on port 7946 (a compound lists each part). */
export function gossipKinds(payload: Uint8Array): GossipKind[] {
  const out: GossipKind[] = [];
  try {
    kindsOf(payload, out, 0);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    out.push('other');
  }
  return out;
}

function kindsOf(b: Uint8Array, out: GossipKind[], depth: number): void {
  if (b.length === 0 || depth > 3) {
    out.push('other');
    return;
  }
  switch (b[0]) {
    case ML_PING: out.push('ping');
      return;
    case ML_INDIRECT_PING: out.push('ping-req');
      return;
    case ML_ACK: out.push('ack');
      return;
    case ML_NACK: out.push('nack');
      return;
    case ML_SUSPECT: out.push('suspect');
      return;
    case ML_ALIVE: out.push('alive');
      return;
    case ML_DEAD: out.push('dead');
      return;
    case ML_PUSH_PULL: out.push('push-pull');
      return;
    case ML_COMPOUND:
      for (const p of compoundParts(b)) kindsOf(p, out, depth + 1);
      return;
    case ML_USER:
      return ndbKindsOf(b.subarray(1), out, depth);
    default:
      out.push('other');
      return;
  }
}

function ndbKindsOf(b: Uint8Array, out: GossipKind[], depth: number): void {
  switch (b[0]) {
    case NDB_NETWORK_EVENT: out.push('network-event');
      return;
    case NDB_TABLE_EVENT: out.push('table-event');
      return;
    case NDB_BULK_SYNC: out.push('bulk-sync');
      return;
    case NDB_NODE_EVENT: out.push('node-event');
      return;
    case NDB_COMPOUND:
      for (const p of compoundParts(b)) ndbKindsOf(p, out, depth + 1);
      return;
    default:
      out.push('user');
      return;
  }
}

/**
 * The message a TCP segment on 7946 opens, if it opens one: streams carry one length-prefixed
 * message (a push-pull, or a user message such as a bulk sync), so only the first segment can be
 * told apart — by its length prefix and type byte, as a heuristic dissector would.
 */
export function streamGossipKind(payload: Uint8Array): GossipKind | null {
  if (payload.length < 6) return null;
  const len = ((payload[0]! << 24) | (payload[1]! << 16) | (payload[2]! << 8) | payload[3]!) >>> 0;
  if (len < 2 || len > 64 * 1024 * 1024) return null;
  if (payload[4] === ML_PUSH_PULL) return 'push-pull';
  if (payload[4] === ML_USER && payload[5] === NDB_BULK_SYNC) return 'bulk-sync';
  return null;
}
