// The messages of hashicorp/memberlist (net.go) and of libnetwork's NetworkDB on top of it
// (networkdb/networkdb.proto), as they travel on port 7946: the first byte is memberlist's
// messageType, which is what a trace or a capture tells them apart by. Memberlist encodes its
// bodies with msgpack (hashicorp/go-msgpack); its packet messages here are those bytes (ping,
// ping-req, ack, suspect, alive, dead: see the msgpack section below), so that a gossip packet
// holds as many of them as memberlist's does. Push-pull state and NetworkDB's protobuf messages
// are a small fixed binary layout of about the same size (a table event the size of its key and
// value plus ~60), which is what the LAN, the MTU and the timing see.

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

/** A string's UTF-8 bytes (short ones kept). */
export function encodedStr(s: string): Uint8Array {
  return encoded(s);
}

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

  /** Bytes as they are (no length). */
  raw(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
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

  /** The bytes read, the offset of the next field and where the message ends: for a reader of a
   *  fixed layout that checks the bytes itself (readAliveMsg), then moves on with seek. */
  get data(): Uint8Array {
    return this.buf;
  }

  get pos(): number {
    return this.off;
  }

  get limit(): number {
    return this.end;
  }

  seek(off: number): void {
    this.off = off;
  }

  /** Where the last string skipped by strSpan or mpStrSpan lies: [spanStart, spanEnd). */
  spanStart = 0;
  spanEnd = 0;

  /** Skips a string (length first, as str reads it), leaving its bounds in the span: a caller
   *  that can tell by the bytes whether it is news decodes nothing otherwise. */
  strSpan(): void {
    this.span(this.u32());
  }

  private span(n: number): void {
    this.need(n);
    this.spanStart = this.off;
    this.off += n;
    this.spanEnd = this.off;
  }

  /** The string of the bytes `[start, end)` of the message read (a span). */
  strAt(start: number, end: number): string {
    return decodeStr(this.buf, start, end - start);
  }

  // msgpack (see the msgpack section): what memberlist's packet messages are read with.

  /** A fixmap of `n` entries. */
  mapOf(n: number): void {
    if (this.u8() !== (0x80 | n)) throw new RangeError('unexpected msgpack map');
  }

  /** The next key, which must be `k` (a fixstr as mpKey encodes it). */
  key(k: Uint8Array): this {
    const n = k.length;
    this.need(n);
    const b = this.buf;
    const o = this.off;
    for (let i = 0; i < n; i++) if (b[o + i] !== k[i]) throw new RangeError('unexpected msgpack field');
    this.off += n;
    return this;
  }

  mpUint(): number {
    const t = this.u8();
    if (t <= 0x7f) return t;
    if (t === 0xcc) return this.u8();
    if (t === 0xcd) return this.u16();
    if (t === 0xce) return this.u32();
    throw new RangeError('unexpected msgpack integer');
  }

  /** A raw string's length (fixstr, str8, str16, str32). */
  private rawLen(): number {
    const t = this.u8();
    if ((t & 0xe0) === 0xa0) return t & 0x1f;
    if (t === 0xd9) return this.u8();
    if (t === 0xda) return this.u16();
    if (t === 0xdb) return this.u32();
    throw new RangeError('unexpected msgpack string');
  }

  mpStr(): string {
    const n = this.rawLen();
    this.need(n);
    const s = decodeStr(this.buf, this.off, n);
    this.off += n;
    return s;
  }

  /** Skips a raw string, leaving its bounds in the span (as strSpan). */
  mpStrSpan(): void {
    this.span(this.rawLen());
  }

  /** A 4-byte address ([]byte of net.IP.To4()). */
  mpIp4(): number {
    if (this.rawLen() !== 4) throw new RangeError('not an IPv4 address');
    return this.u32();
  }

  /** Skips a nil, a bool, an unsigned integer or a raw string. */
  mpSkip(): void {
    const t = this.buf[this.off];
    if (t === MP_NIL || t === MP_FALSE || t === MP_TRUE) {
      this.u8();
      return;
    }
    if (t !== undefined && (t <= 0x7f || (t >= 0xcc && t <= 0xce))) {
      this.mpUint();
      return;
    }
    const n = this.rawLen();
    this.need(n);
    this.off += n;
  }
}

// ---------- msgpack (hashicorp/go-msgpack 71c2886, as memberlist 3d8438d encodes) ----------
// memberlist's encode() is the message type byte, then the body through codec.MsgpackHandle{}: a
// struct is a map keyed by its field names in sorted order (kStruct, sfi sorted by encName),
// strings and []byte alike are old-spec raw strings (fixstr below 32 bytes, then str16: WriteExt
// is off, so no str8 and no bin), unsigned integers take the smallest form (fixint, uint8, 16,
// 32), a nil []byte is nil and a bool is true/false.

const MP_NIL = 0xc0;
const MP_FALSE = 0xc2;
const MP_TRUE = 0xc3;

/** The field names, encoded once (a fixstr each). */
function mpKey(name: string): Uint8Array {
  const b = new Uint8Array(1 + name.length);
  b[0] = 0xa0 | name.length;
  for (let i = 0; i < name.length; i++) b[1 + i] = name.charCodeAt(i);
  return b;
}

const K_ADDR = mpKey('Addr');
const K_FROM = mpKey('From');
const K_INCARNATION = mpKey('Incarnation');
const K_META = mpKey('Meta');
const K_NACK = mpKey('Nack');
const K_NODE = mpKey('Node');
const K_PAYLOAD = mpKey('Payload');
const K_PORT = mpKey('Port');
const K_SEQNO = mpKey('SeqNo');
const K_TARGET = mpKey('Target');
const K_VSN = mpKey('Vsn');

/**
 * An alive message's Vsn: ProtocolVersionMin 1, ProtocolVersionMax 5, the ProtocolVersion spoken
 * (libnetwork's cluster.go sets ProtocolVersion2Compatible, 2), then the delegate's min, max and
 * version (0: NetworkDB sets none).
 */
const ALIVE_VSN = Uint8Array.of(1, 5, 2, 0, 0, 0);
/** NetworkDB's delegate NodeMeta: an empty []byte (delegate.go). */
const NO_META = new Uint8Array(0);

/** A msgpack body under way: appended to a MsgWriter after its type byte. */
function mpMap(w: MsgWriter, n: number): MsgWriter {
  return w.u8(0x80 | n);
}

function mpUint(w: MsgWriter, v: number): MsgWriter {
  if (v <= 0x7f) return w.u8(v);
  if (v <= 0xff) return w.u8(0xcc).u8(v);
  if (v <= 0xffff) return w.u8(0xcd).u16(v);
  return w.u8(0xce).u32(v);
}

function mpRaw(w: MsgWriter, b: Uint8Array): MsgWriter {
  if (b.length < 32) w.u8(0xa0 | b.length);
  else if (b.length < 65536) w.u8(0xda).u16(b.length);
  else w.u8(0xdb).u32(b.length);
  return w.raw(b);
}

function mpStr(w: MsgWriter, s: string): MsgWriter {
  return mpRaw(w, encodedStr(s));
}

function mpIp4(w: MsgWriter, ip: number): MsgWriter {
  return w.u8(0xa4).u32(ip);
}

/** ping{SeqNo, Node} (net.go): Node is the target, so that a restarted node with another name does not answer. */
export function encodePing(seq: number, node: string): Uint8Array {
  const w = mpMap(new MsgWriter().u8(ML_PING), 2).raw(K_NODE);
  return mpUint(mpStr(w, node).raw(K_SEQNO), seq).done();
}

/** indirectPingReq{SeqNo, Target, Port, Node, Nack}: Nack is asked of peers speaking protocol 4 or later (state.go probeNode). */
export function encodeIndirectPing(seq: number, target: number, port: number, node: string, nack: boolean): Uint8Array {
  const w = mpMap(new MsgWriter().u8(ML_INDIRECT_PING), 5).raw(K_NACK).u8(nack ? MP_TRUE : MP_FALSE).raw(K_NODE);
  mpUint(mpStr(w, node).raw(K_PORT), port).raw(K_SEQNO);
  return mpIp4(mpUint(w, seq).raw(K_TARGET), target).done();
}

/** ackResp{SeqNo, Payload}: no ping delegate, so the payload is nil. */
export function encodeAck(seq: number): Uint8Array {
  return mpUint(mpMap(new MsgWriter().u8(ML_ACK), 2).raw(K_PAYLOAD).u8(MP_NIL).raw(K_SEQNO), seq).done();
}

/** suspect{Incarnation, Node, From} or dead{…} (the same fields). */
export function encodeSuspect(type: typeof ML_SUSPECT | typeof ML_DEAD, inc: number, node: string, from: string): Uint8Array {
  const w = mpStr(mpMap(new MsgWriter().u8(type), 3).raw(K_FROM), from).raw(K_INCARNATION);
  return mpStr(mpUint(w, inc).raw(K_NODE), node).done();
}

/** alive{Incarnation, Node, Addr, Port, Meta, Vsn}, as setAlive and aliveNode broadcast it. */
export function encodeAlive(inc: number, node: string, addr: number, port: number): Uint8Array {
  const w = mpIp4(mpMap(new MsgWriter().u8(ML_ALIVE), 6).raw(K_ADDR), addr).raw(K_INCARNATION);
  mpUint(w, inc).raw(K_META);
  mpRaw(w, NO_META).raw(K_NODE);
  mpUint(mpStr(w, node).raw(K_PORT), port).raw(K_VSN);
  return mpRaw(w, ALIVE_VSN).done();
}

/** What memberlist reads of its packet messages, filled in place (one per memberlist, reused). */
export interface PacketMsg {
  seq: number;
  inc: number;
  node: string;
  from: string;
  addr: number;
  port: number;
  /** Where an alive message's Node lies in the bytes read (readAliveMsg). */
  nodeAt: number;
  nodeEnd: number;
}

/**
 * Reads an alive message's body (after its type byte) into `m`, all but the node's name, whose
 * bounds it leaves in nodeAt and nodeEnd: most alive messages a node hears are about a member and
 * an incarnation it knows, which the bytes of the name tell without a string.
 */
export function readAliveMsg(r: MsgReader, m: PacketMsg): void {
  const end = readAliveLaidOut(r.data, r.pos, r.limit, m);
  if (end >= 0) r.seek(end);
  else readAliveFields(r, m);
}

/** What every alive message encodeAlive writes holds: the map and its first key, up to the
 *  address's length byte; then from the Meta key (an empty Meta) to the Node key. */
const ALIVE_HEAD = Uint8Array.of(0x86, ...K_ADDR, 0xa4);
const ALIVE_META_NODE = Uint8Array.of(...K_META, 0xa0, ...K_NODE);

function bytesAt(b: Uint8Array, at: number, t: Uint8Array): boolean {
  for (let i = 0; i < t.length; i++) if (b[at + i] !== t[i]) return false;
  return true;
}

/** An msgpack unsigned integer at `b[at]` in the forms go-msgpack writes (fixint, uint8, 16, 32):
 *  its value, its length in `uintLen`. */
let uintLen = 0;

function uintAt(b: Uint8Array, at: number): number {
  const t = b[at]!;
  if (t <= 0x7f) {
    uintLen = 1;
    return t;
  }
  if (t === 0xcc) {
    uintLen = 2;
    return b[at + 1]!;
  }
  if (t === 0xcd) {
    uintLen = 3;
    return (b[at + 1]! << 8) | b[at + 2]!;
  }
  uintLen = t === 0xce ? 5 : 0;
  return ((b[at + 1]! << 24) | (b[at + 2]! << 16) | (b[at + 3]! << 8) | b[at + 4]!) >>> 0;
}

/**
 * An alive message's body at `b[off, end)` as encodeAlive lays it out (the Meta empty, the Node, the
 * Port and the Vsn in their usual forms), read with plain indexing into `m`: where it ends, or -1
 * when anything differs from that layout or runs past `end` (readAliveFields then reads it field
 * by field, and accepts or refuses it as it would have). A thousand nodes read some twenty of these
 * at every gossip round; the field-by-field reader cost most of the time they took.
 */
function readAliveLaidOut(b: Uint8Array, off: number, end: number, m: PacketMsg): number {
  // The fixed bytes up to the incarnation's first byte, and that byte, are 24 bytes.
  if (off + 24 > end || !bytesAt(b, off, ALIVE_HEAD)) return -1;
  const addr = ((b[off + 7]! << 24) | (b[off + 8]! << 16) | (b[off + 9]! << 8) | b[off + 10]!) >>> 0;
  if (!bytesAt(b, off + 11, K_INCARNATION)) return -1;
  let at = off + 23;
  if (at + 5 > end) return -1;
  const inc = uintAt(b, at);
  if (uintLen === 0) return -1;
  at += uintLen;
  // Meta, the Node key, and the name's fixstr byte.
  if (at + ALIVE_META_NODE.length + 1 > end || !bytesAt(b, at, ALIVE_META_NODE)) return -1;
  at += ALIVE_META_NODE.length;
  const t = b[at]!;
  if ((t & 0xe0) !== 0xa0) return -1;
  const nodeAt = at + 1;
  const nodeEnd = nodeAt + (t & 0x1f);
  at = nodeEnd;
  // The Port key and a port of up to 5 bytes, the Vsn key and its raw string's fixstr byte.
  if (at + K_PORT.length + 5 + K_VSN.length + 1 > end || !bytesAt(b, at, K_PORT)) return -1;
  at += K_PORT.length;
  const port = uintAt(b, at);
  if (uintLen === 0) return -1;
  at += uintLen;
  if (!bytesAt(b, at, K_VSN)) return -1;
  at += K_VSN.length;
  const v = b[at]!;
  if ((v & 0xe0) !== 0xa0 || at + 1 + (v & 0x1f) > end) return -1;
  m.addr = addr;
  m.inc = inc;
  m.nodeAt = nodeAt;
  m.nodeEnd = nodeEnd;
  m.port = port;
  return at + 1 + (v & 0x1f);
}

/** readAliveMsg field by field, each checked as it comes. */
function readAliveFields(r: MsgReader, m: PacketMsg): void {
  r.mapOf(6);
  m.addr = r.key(K_ADDR).mpIp4();
  m.inc = r.key(K_INCARNATION).mpUint();
  r.key(K_META).mpSkip();
  r.key(K_NODE).mpStrSpan();
  m.nodeAt = r.spanStart;
  m.nodeEnd = r.spanEnd;
  m.port = r.key(K_PORT).mpUint();
  r.key(K_VSN).mpSkip();
}

/**
 * Reads the msgpack body of a ping, ping-req, ack, suspect, alive or dead message at `r` (after
 * its type byte) into `m`, checking each field's name; throws RangeError on anything else (as
 * memberlist's "Failed to decode" drops it).
 */
export function readPacketMsg(r: MsgReader, type: number, m: PacketMsg): void {
  switch (type) {
    case ML_PING:
      r.mapOf(2);
      m.node = r.key(K_NODE).mpStr();
      m.seq = r.key(K_SEQNO).mpUint();
      return;
    case ML_INDIRECT_PING:
      r.mapOf(5);
      r.key(K_NACK).mpSkip();
      m.node = r.key(K_NODE).mpStr();
      m.port = r.key(K_PORT).mpUint();
      m.seq = r.key(K_SEQNO).mpUint();
      m.addr = r.key(K_TARGET).mpIp4();
      return;
    case ML_ACK:
      r.mapOf(2);
      r.key(K_PAYLOAD).mpSkip();
      m.seq = r.key(K_SEQNO).mpUint();
      return;
    case ML_SUSPECT:
    case ML_DEAD:
      r.mapOf(3);
      m.from = r.key(K_FROM).mpStr();
      m.inc = r.key(K_INCARNATION).mpUint();
      m.node = r.key(K_NODE).mpStr();
      return;
    case ML_ALIVE:
      readAliveMsg(r, m);
      m.node = r.strAt(m.nodeAt, m.nodeEnd);
      return;
    default:
      throw new RangeError(`memberlist message type ${type} is not a packet message`);
  }
}

/** A compound message (memberlist util.go makeCompoundMessage): count, lengths, then the parts,
 *  written into the one buffer sent; with `user`, framed as a memberlist user message (the byte
 *  memberlist's SendBestEffort puts before NetworkDB's compound). */
export function compound(type: number, parts: Uint8Array[], user = false): Uint8Array {
  const n = parts.length;
  const at = user ? 1 : 0;
  let off = at + 2 + 2 * n;
  let len = off;
  for (let i = 0; i < n; i++) len += parts[i]!.length;
  const out = new Uint8Array(len);
  if (user) out[0] = ML_USER;
  out[at] = type;
  out[at + 1] = n & 0xff;
  for (let i = 0; i < n; i++) {
    const p = parts[i]!;
    out[at + 2 + 2 * i] = (p.length >>> 8) & 0xff;
    out[at + 3 + 2 * i] = p.length & 0xff;
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** What reads the parts of compound messages in place: an object's method, called with an
 *  argument of the caller's, so that no closure is made per packet. */
export interface CompoundReader<A> {
  compoundPart(buf: Uint8Array, start: number, end: number, arg: A): void;
}

/**
 * The parts of the compound message `buf[start, end)` (type byte at `start`), in place: each part's
 * bounds given to `reader` with `arg`, once all were found whole (a truncated one drops the
 * message, as util.go decodeCompoundMessage does). No array, reader or closure per packet: a
 * thousand nodes read a compound of some twenty parts at every gossip round.
 */
export function eachCompoundPart<A>(buf: Uint8Array, start: number, end: number, reader: CompoundReader<A>, arg: A): void {
  if (start + 2 > end) throw new RangeError('truncated compound message');
  const n = buf[start + 1]!;
  const body = start + 2 + 2 * n;
  if (body > end) throw new RangeError('truncated compound message');
  let off = body;
  for (let i = 0; i < n; i++) off += partLen(buf, start, i);
  if (off > end) throw new RangeError('truncated compound message');
  off = body;
  for (let i = 0; i < n; i++) {
    const l = partLen(buf, start, i);
    reader.compoundPart(buf, off, off + l, arg);
    off += l;
  }
}

function partLen(buf: Uint8Array, start: number, i: number): number {
  return (buf[start + 2 + 2 * i]! << 8) | buf[start + 3 + 2 * i]!;
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
