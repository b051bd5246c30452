// Connection tracking for one namespace (nf_conntrack): every entry has an original and a reply
// tuple, both hashed by numbers (no strings on the packet path). A packet is tied to its entry
// through `pkt.ct`, which points at the tuple it matched (so the direction travels with it), at a
// RELATED marker for ICMP errors, or at UNTRACKED. NAT is stored the kernel's way: the reply tuple
// is what the other side's packets look like, so undoing NAT for replies is reading it back.
import { SEC } from '../../sim/clock.js';
import {
  ICMP_DEST_UNREACH, ICMP_ECHO, ICMP_ECHOREPLY, ICMP_TIME_EXCEEDED, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP,
  TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN,
} from '../../wire/packet.js';
import type { Packet } from '../../wire/packet.js';
import { ExpiryHeap, NOT_FILED } from '../expiry.js';
import type { Netns } from '../netns.js';
import { CT_ESTABLISHED, CT_INVALID, CT_NEW, CT_RELATED, CT_UNTRACKED } from './rule.js';

export const DIR_ORIGINAL = 0;
export const DIR_REPLY = 1;

export const IPS_SEEN_REPLY = 1 << 1;
export const IPS_ASSURED = 1 << 2;
export const IPS_CONFIRMED = 1 << 3;
export const IPS_SRC_NAT = 1 << 4;
export const IPS_DST_NAT = 1 << 5;
export const IPS_SRC_NAT_DONE = 1 << 7;
export const IPS_DST_NAT_DONE = 1 << 8;

export const TCP_CONNTRACK_NONE = 0;
export const TCP_SYN_SENT = 1;
export const TCP_SYN_RECV = 2;
export const TCP_ESTABLISHED = 3;
export const TCP_FIN_WAIT = 4;
export const TCP_CLOSE_WAIT = 5;
export const TCP_LAST_ACK = 6;
export const TCP_TIME_WAIT = 7;
export const TCP_CLOSE = 8;
export const TCP_SYN_SENT2 = 9;
export const TCP_STATE_NAMES = ['NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2'];
const TCP_TIMEOUTS = [0, 120, 60, 432000, 120, 60, 30, 120, 10, 120].map((s) => s * SEC);
/** TCP_CONNTRACK_UNACK: an entry that has seen no reply yet keeps ESTABLISHED this long at most. */
const TCP_UNACK_TIMEOUT = 300 * SEC;

// nf_conntrack_proto_tcp.c tcp_conntracks[dir][flag][state]: the next state by direction, by the
// segment's flag (RST, else SYN-ACK, SYN, FIN, ACK, none: get_conntrack_index) and the current
// state. IV: the segment is INVALID (the entry is left as it was); IG: ignored (accepted, the
// entry and its timeout untouched).
const sNO = 0, sSS = 1, sSR = 2, sES = 3, sFW = 4, sCW = 5, sLA = 6, sTW = 7, sCL = 8, sS2 = 9, sIV = 10, sIG = 11;
const IDX_SYN = 0, IDX_SYNACK = 1, IDX_FIN = 2, IDX_ACK = 3, IDX_RST = 4, IDX_NONE = 5;
// Columns: the current state      sNO  sSS  sSR  sES  sFW  sCW  sLA  sTW  sCL  sS2
const TCP_CONNTRACKS: number[][][] = [
  [ // ORIGINAL
    /* syn    */ [sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2],
    /* synack */ [sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR],
    /* fin    */ [sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV],
    /* ack    */ [sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV],
    /* rst    */ [sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL],
    /* none   */ [sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV],
  ],
  [ // REPLY
    /* syn    */ [sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2],
    /* synack */ [sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR],
    /* fin    */ [sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV],
    /* ack    */ [sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG],
    /* rst    */ [sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sIV],
    /* none   */ [sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV],
  ],
];

/** get_conntrack_index: the row a segment's flags select. */
function tcpIndex(f: number): number {
  if (f & TCP_RST) return IDX_RST;
  if (f & TCP_SYN) return f & TCP_ACK ? IDX_SYNACK : IDX_SYN;
  if (f & TCP_FIN) return IDX_FIN;
  return f & TCP_ACK ? IDX_ACK : IDX_NONE;
}
const UDP_TIMEOUT = 30 * SEC;
const UDP_STREAM_TIMEOUT = 180 * SEC;
const ICMP_TIMEOUT = 30 * SEC;
const GENERIC_TIMEOUT = 600 * SEC;
/** Hash buckets a table starts with (a power of two; doubled as entries come). */
const INITIAL_BUCKETS = 64;

/** What `pkt.ct` points at. */
export interface CtRef {
  readonly entry: CtEntry | null;
  readonly dir: number;
  readonly related: boolean;
}

export const UNTRACKED: CtRef = { entry: null, dir: DIR_ORIGINAL, related: false };

/** The RELATED reference for a packet travelling opposite to `ref`'s (nf_conntrack_attach). */
export function relatedRef(ref: CtRef): CtRef | null {
  const e = ref.entry;
  if (e === null) return null;
  if (ref.dir === DIR_ORIGINAL) return e.relReply ?? (e.relReply = { entry: e, dir: DIR_REPLY, related: true });
  return e.relOrig ?? (e.relOrig = { entry: e, dir: DIR_ORIGINAL, related: true });
}

export class TupleNode implements CtRef {
  next: TupleNode | null = null;
  hash = 0;
  readonly related = false;
  /**
   * The addresses as int32 (`a | 0`): small integers (Smis) in the node, where uint32 addresses
   * from 128.0.0.0 up (172.x, 192.168.x) would be heap numbers, one more load from memory for
   * every node a lookup compares. `src` and `dst` give and take them as uint32.
   */
  s32: number;
  d32: number;
  constructor(
    readonly entry: CtEntry,
    readonly dir: number,
    src: number,
    dst: number,
    public p1: number,
    public p2: number,
    readonly proto: number,
  ) {
    this.s32 = src | 0;
    this.d32 = dst | 0;
  }

  get src(): number {
    return this.s32 >>> 0;
  }

  set src(a: number) {
    this.s32 = a | 0;
  }

  get dst(): number {
    return this.d32 >>> 0;
  }

  set dst(a: number) {
    this.d32 = a | 0;
  }
}

export class CtEntry {
  readonly orig: TupleNode;
  readonly reply: TupleNode;
  status = 0;
  tcpState = TCP_CONNTRACK_NONE;
  expires = 0;
  /** Filed in the table's expiry heap at this time (NOT_FILED: not filed). */
  filedAt = NOT_FILED;
  mark = 0;
  /** Markers for ICMP errors related to this entry, made on first need. */
  relOrig: CtRef | null = null;
  relReply: CtRef | null = null;
  /** In the table (confirmed, not yet removed), between these neighbours of its list. */
  inTable = false;
  older: CtEntry | null = null;
  newer: CtEntry | null = null;

  constructor(
    readonly table: Conntrack,
    readonly id: number,
    src: number, dst: number, p1: number, p2: number, rp1: number, rp2: number, proto: number,
  ) {
    this.orig = new TupleNode(this, DIR_ORIGINAL, src, dst, p1, p2, proto);
    this.reply = new TupleNode(this, DIR_REPLY, dst, src, rp1, rp2, proto);
  }

  get proto(): number {
    return this.orig.proto;
  }
}

function tupleHash(src: number, dst: number, p1: number, p2: number, proto: number): number {
  let h = Math.imul(src ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ dst, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ ((p1 << 16) | p2), 0x27d4eb2f);
  // 30 bits: a small integer (Smi) key, which the Map hashes without boxing a heap number.
  return (h ^ (h >>> 15) ^ proto) & 0x3fffffff;
}

/** The state tcp_new gives a connection's first segment; NONE when it is invalid. */
function newTcpState(f: number): number {
  const s = TCP_CONNTRACKS[0]![tcpIndex(f)]![sNO]!;
  return s === sIV ? TCP_CONNTRACK_NONE : s;
}

/**
 * Does this SYN reopen the entry (nf_conntrack_tcp_packet: the new state is SYN_SENT and the old
 * one TIME_WAIT or CLOSE, reached only by a FIN or a RST: IP_CT_TCP_FLAG_CLOSE_INIT or last_index
 * TCP_RST_SET)? In either direction: a reply-direction SYN in TIME_WAIT is sSS too.
 */
function reopens(n: TupleNode, pkt: Packet): boolean {
  const e = n.entry;
  if (e.proto !== IPPROTO_TCP) return false;
  const old = e.tcpState;
  if (old !== TCP_TIME_WAIT && old !== TCP_CLOSE) return false;
  return TCP_CONNTRACKS[n.dir]![tcpIndex(pkt.tcpFlags)]![old] === TCP_SYN_SENT;
}

/** The ports of a packet as conntrack keys them: TCP/UDP ports, ICMP echo id and type. */
function keyPorts(pkt: Packet): boolean {
  return pkt.ipProto === IPPROTO_TCP || pkt.ipProto === IPPROTO_UDP;
}

export class Conntrack {
  // Chained buckets indexed by the tuple hash's low bits: an array index per lookup instead of a
  // Map.get (conntrack is looked up several times per packet). Nodes with equal tuples share a
  // bucket and keep their insertion order across growth, so lookups find what a per-hash chain did.
  private buckets: Array<TupleNode | null> = new Array<TupleNode | null>(INITIAL_BUCKETS).fill(null);
  private mask = INITIAL_BUCKETS - 1;
  private nodes = 0;
  private nextId = 1;
  /**
   * Confirmed entries, oldest first (what conntrack -L lists): a list through the entries
   * themselves. A Set cost an identity hash for every new entry, the costliest line of confirm.
   */
  private oldest: CtEntry | null = null;
  private newest: CtEntry | null = null;
  private count = 0;
  /** The per-CPU statistics `conntrack -S` prints (ip_conntrack_stat, one CPU). */
  readonly stats = { searched: 0, found: 0, new: 0, invalid: 0, ignore: 0, delete: 0, insert: 0 };

  /**
   * Entries leave when their timeout runs out. Linux since 4.7 has no timer per entry: lookups
   * and ctnetlink dumps skip (and evict) an expired entry at once, and the gc worker reaps the
   * rest within its scan interval; here every entry leaves at its deadline, which is what
   * `conntrack -L` and lookups see, and what `conntrack -C` sees once gc has passed.
   */
  private readonly timers: ExpiryHeap<CtEntry>;

  constructor(readonly ns: Netns) {
    this.timers = new ExpiryHeap<CtEntry>(ns.host.eq, (e) => e.expires, (e) => this.remove(e));
  }

  private find(src: number, dst: number, p1: number, p2: number, proto: number, now: number): TupleNode | null {
    const s = src | 0;
    const d = dst | 0;
    const h = tupleHash(s, d, p1, p2, proto);
    for (let n: TupleNode | null = this.buckets[h & this.mask]!; n !== null; n = n.next) {
      if (n.s32 === s && n.d32 === d && n.p1 === p1 && n.p2 === p2 && n.proto === proto) {
        if (n.entry.expires <= now) {
          this.remove(n.entry);
          return null;
        }
        return n;
      }
    }
    return null;
  }

  /** The confirmed entry one of whose tuples this is (nf_conntrack_find_get), or null. */
  get(src: number, dst: number, p1: number, p2: number, proto: number, now: number): CtEntry | null {
    return this.find(src, dst, p1, p2, proto, now)?.entry ?? null;
  }

  /** Is this tuple taken by a confirmed entry (nf_nat_used_tuple)? */
  used(src: number, dst: number, p1: number, p2: number, proto: number, now: number): boolean {
    return this.find(src, dst, p1, p2, proto, now) !== null;
  }

  private insertNode(n: TupleNode): void {
    const h = tupleHash(n.s32, n.d32, n.p1, n.p2, n.proto);
    n.hash = h;
    const i = h & this.mask;
    n.next = this.buckets[i]!;
    this.buckets[i] = n;
    // At most one node per bucket on average: each node a lookup passes is a load from memory.
    if (++this.nodes > this.buckets.length) this.grow();
  }

  private removeNode(n: TupleNode): void {
    const i = n.hash & this.mask;
    let p: TupleNode | null = this.buckets[i]!;
    if (p === n) {
      this.buckets[i] = n.next;
      this.nodes--;
      return;
    }
    while (p !== null && p.next !== n) p = p.next;
    if (p !== null) {
      p.next = n.next;
      this.nodes--;
    }
  }

  /** Doubles the buckets; each chain is split in order (appended at the tails). */
  private grow(): void {
    const size = this.buckets.length * 2;
    const next = new Array<TupleNode | null>(size).fill(null);
    const tails = new Array<TupleNode | null>(size).fill(null);
    const mask = size - 1;
    for (const head of this.buckets) {
      for (let n = head; n !== null; ) {
        const after = n.next;
        const i = n.hash & mask;
        n.next = null;
        const t = tails[i]!;
        if (t === null) next[i] = n;
        else t.next = n;
        tails[i] = n;
        n = after;
      }
    }
    this.buckets = next;
    this.mask = mask;
  }

  /** How many entries the table holds (conntrack -C). */
  get size(): number {
    return this.count;
  }

  remove(e: CtEntry): void {
    if (!e.inTable) return;
    e.inTable = false;
    if (e.older === null) this.oldest = e.newer;
    else e.older.newer = e.newer;
    if (e.newer === null) this.newest = e.older;
    else e.newer.older = e.older;
    e.older = null;
    e.newer = null;
    this.count--;
    this.timers.forget(e);
    this.stats.delete++;
    this.removeNode(e.orig);
    this.removeNode(e.reply);
  }

  flush(): number {
    const n = this.count;
    for (const e of this.list()) this.remove(e);
    this.timers.clear();
    return n;
  }

  /**
   * nf_conntrack_in: finds or creates the entry for `pkt` and points `pkt.ct` at it. A new
   * entry is not in the table until confirm() (so a dropped first packet leaves nothing).
   */
  lookup(pkt: Packet, now: number): void {
    if (keyPorts(pkt)) this.lookupTuple(pkt, pkt.sport, pkt.dport, now);
    else this.lookupOther(pkt, now);
  }

  /** ICMP (echo by id and type, errors by the packet they quote) and portless protocols. */
  private lookupOther(pkt: Packet, now: number): void {
    if (pkt.ipProto !== IPPROTO_ICMP) return this.lookupTuple(pkt, 0, 0, now);
    const t = pkt.icmpType;
    if (t === ICMP_DEST_UNREACH || t === ICMP_TIME_EXCEEDED) {
      pkt.ct = this.related(pkt, now);
      if (pkt.ct === null) this.stats.invalid++;
      return;
    }
    if (t !== ICMP_ECHO && t !== ICMP_ECHOREPLY) {
      this.stats.invalid++;
      pkt.ct = null;
      return;
    }
    this.lookupTuple(pkt, pkt.icmpId, t, now);
  }

  private lookupTuple(pkt: Packet, p1: number, p2: number, now: number): void {
    const n = this.find(pkt.ipSrc, pkt.ipDst, p1, p2, pkt.ipProto, now);
    this.stats.searched++;
    if (n !== null) {
      this.stats.found++;
      if (n.proto !== IPPROTO_TCP || !reopens(n, pkt)) {
        pkt.ct = n;
        if (!this.update(n, pkt, now)) {
          this.stats.invalid++;
          pkt.ct = null;
        }
        return;
      }
      // nf_conntrack_tcp_packet: a SYN on a TIME_WAIT or CLOSE entry is an "attempt to reopen a
      // closed/aborted connection": nf_ct_kill, then -NF_REPEAT sends nf_conntrack_in back to
      // look up again, which finds nothing and makes a fresh, unconfirmed entry. It is walked
      // through the nat table anew (a changed DNAT rule applies), and IPVS may point its reply
      // tuple at the real server it schedules now (ip_vs_update_conntrack leaves a confirmed
      // entry alone) — so the old entry cannot simply start over.
      this.remove(n.entry);
    }
    this.create(pkt, p1, p2, now);
  }

  /** No entry has the packet's tuple: a new, unconfirmed one, or INVALID. */
  private create(pkt: Packet, p1: number, p2: number, now: number): void {
    const proto = pkt.ipProto;
    if (proto === IPPROTO_ICMP && p2 === ICMP_ECHOREPLY) {
      this.stats.invalid++;
      pkt.ct = null; // a reply to nothing: INVALID
      return;
    }
    // tcp_new: only a SYN opens an entry, or a bare ACK picked up mid-stream (tcp_loose, on by
    // default); a RST, SYN-ACK, FIN or flagless segment of no known connection is INVALID and
    // leaves nothing in the table (tcp_conntracks[0][...][sNO] is sIV).
    if (proto === IPPROTO_TCP && newTcpState(pkt.tcpFlags) === TCP_CONNTRACK_NONE) {
      this.stats.invalid++;
      pkt.ct = null;
      return;
    }
    this.stats.new++;
    const rp2 = proto === IPPROTO_ICMP ? ICMP_ECHOREPLY : p1;
    const e = new CtEntry(this, this.nextId++, pkt.ipSrc, pkt.ipDst, p1, p2, proto === IPPROTO_ICMP ? p1 : p2, rp2, proto);
    if (proto === IPPROTO_TCP) {
      e.tcpState = newTcpState(pkt.tcpFlags);
      // A connection picked up mid-stream has seen no reply: ESTABLISHED, but for UNACK at most.
      e.expires = now + (e.tcpState === TCP_ESTABLISHED ? TCP_UNACK_TIMEOUT : TCP_TIMEOUTS[e.tcpState]!);
    } else {
      e.expires = now + (proto === IPPROTO_UDP ? UDP_TIMEOUT : proto === IPPROTO_ICMP ? ICMP_TIMEOUT : GENERIC_TIMEOUT);
    }
    pkt.ct = e.orig;
  }

  private related(pkt: Packet, now: number): CtRef | null {
    const q = pkt.inner;
    if (q === null) return null;
    // nf_conntrack_inet_error: the quoted packet's tuple, inverted, is the error's own tuple, and
    // the direction it is found in is the error's direction. Inverting matters when the quoted
    // packet was NATed here: a datagram SNATed on its way out is quoted with its new source,
    // which is no tuple of the entry; its inverse is the entry's reply tuple.
    let p1 = 0;
    let p2 = 0;
    if (q.ipProto === IPPROTO_TCP || q.ipProto === IPPROTO_UDP) {
      p1 = q.dport;
      p2 = q.sport;
    } else if (q.ipProto === IPPROTO_ICMP) {
      if (q.icmpType !== ICMP_ECHO && q.icmpType !== ICMP_ECHOREPLY) return null;
      p1 = q.icmpId;
      p2 = q.icmpType === ICMP_ECHO ? ICMP_ECHOREPLY : ICMP_ECHO;
    }
    const n = this.find(q.ipDst, q.ipSrc, p1, p2, q.ipProto, now);
    if (n === null) return null;
    const e = n.entry;
    if (n.dir === DIR_REPLY) return e.relReply ?? (e.relReply = { entry: e, dir: DIR_REPLY, related: true });
    return e.relOrig ?? (e.relOrig = { entry: e, dir: DIR_ORIGINAL, related: true });
  }

  /** The entry's state after `pkt` (nf_conntrack_tcp_packet, udp_packet…); false: INVALID. */
  private update(n: TupleNode, pkt: Packet, now: number): boolean {
    const e = n.entry;
    const seenReply = (e.status & IPS_SEEN_REPLY) !== 0;
    if (n.dir === DIR_REPLY && !seenReply) e.status |= IPS_SEEN_REPLY;
    const proto = e.proto;
    if (proto === IPPROTO_TCP) return this.tcpUpdate(n, pkt, seenReply, now);
    if (proto === IPPROTO_UDP) {
      if (e.status & IPS_SEEN_REPLY) {
        if (n.dir === DIR_ORIGINAL) e.status |= IPS_ASSURED;
        e.expires = now + (e.status & IPS_ASSURED ? UDP_STREAM_TIMEOUT : UDP_TIMEOUT);
      } else e.expires = now + UDP_TIMEOUT;
    } else {
      e.expires = now + (proto === IPPROTO_ICMP ? ICMP_TIMEOUT : GENERIC_TIMEOUT);
    }
    this.timers.watch(e, e.expires);
    return true;
  }

  /** nf_conntrack_tcp_packet: the next state by tcp_conntracks and its timeout. */
  private tcpUpdate(n: TupleNode, pkt: Packet, seenReply: boolean, now: number): boolean {
    const e = n.entry;
    const f = pkt.tcpFlags;
    const old = e.tcpState;
    const idx = tcpIndex(f);
    const s = TCP_CONNTRACKS[n.dir]![idx]![old]!;
    if (s === sIG) return true;
    if (s === sIV) {
      if (n.dir === DIR_REPLY && !seenReply) e.status &= ~IPS_SEEN_REPLY;
      return false;
    }
    e.tcpState = s;
    if (!seenReply) {
      // "If only reply is a RST, we can consider ourselves not to have an established
      // connection: … delete the conntrack immediately" (the segment keeps its entry, so NAT
      // still rewrites it: a closed port's RST reaches the client un-DNATed).
      if (f & TCP_RST) {
        this.remove(e);
        return true;
      }
      e.expires = now + (s === TCP_ESTABLISHED ? TCP_UNACK_TIMEOUT : TCP_TIMEOUTS[s]!);
    } else {
      // ASSURED once a valid ACK keeps it ESTABLISHED after SYN_RECV (or after a pick-up).
      if (!(e.status & IPS_ASSURED) && (old === TCP_SYN_RECV || old === TCP_ESTABLISHED) && s === TCP_ESTABLISHED) e.status |= IPS_ASSURED;
      e.expires = now + (s === TCP_ESTABLISHED ? this.ns.ctEstablishedTimeout : TCP_TIMEOUTS[s]!);
    }
    this.timers.watch(e, e.expires);
    return true;
  }

  /** __nf_conntrack_confirm: a new entry enters the table (both tuples hashed). */
  confirm(ref: CtRef): void {
    const e = ref.entry;
    if (e === null || e.status & IPS_CONFIRMED) return;
    e.status |= IPS_CONFIRMED;
    this.stats.insert++;
    this.insertNode(e.orig);
    this.insertNode(e.reply);
    e.inTable = true;
    e.older = this.newest;
    if (this.newest === null) this.oldest = e;
    else this.newest.newer = e;
    this.newest = e;
    this.count++;
    this.timers.watch(e, e.expires);
  }

  /** The entries, oldest first (each leaves on its own when its timeout runs out). */
  list(): CtEntry[] {
    const out: CtEntry[] = [];
    for (let e = this.oldest; e !== null; e = e.newer) out.push(e);
    return out;
  }
}

/** The state bit the state/conntrack matches test for a packet's `ct`. */
export function ctStateBit(ct: object | null): number {
  if (ct === null) return CT_INVALID;
  const ref = ct as CtRef;
  const e = ref.entry;
  if (e === null) return CT_UNTRACKED;
  if (ref.related) return CT_RELATED;
  if (ref.dir === DIR_REPLY || e.status & IPS_SEEN_REPLY) return CT_ESTABLISHED;
  return CT_NEW;
}

export function ctStateName(bit: number): string {
  switch (bit) {
    case CT_NEW: return 'NEW';
    case CT_ESTABLISHED: return 'ESTABLISHED';
    case CT_RELATED: return 'RELATED';
    case CT_UNTRACKED: return 'UNTRACKED';
    default: return 'INVALID';
  }
}
