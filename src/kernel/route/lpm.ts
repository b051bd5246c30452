// Longest-prefix match from IPv4 prefixes to small integer ids (the route table keeps the routes).
//
// Why this design (figures from shared/design/performance.md, 2 vCPU, lookups/s): a typed-array
// DIR-16-8-8 does 148 M on a 20-route host table and 41 M on 10,000 random /16–/30 prefixes; a
// sorted typed linear scan does 83 M on 20 routes but collapses to 0.24 M at 10k; a typed binary
// trie does 28 M / 9 M; ipaddr.js .match() in a scan 11.8 M / 23 k. DIR-24-8 (64 MiB per table) is
// not viable per namespace. So: while the table is small (≤ SMALL_MAX), a sorted typed linear scan
// of (addr & mask), longest first — a few KiB instead of DIR's 0.3 MiB in every container
// namespace — and DIR-16-8-8 beyond. The scan is split into 256 buckets by first octet (a bucket
// holds only the prefixes that can contain its addresses; the default route is kept aside), so a
// Docker host's lookup compares a handful of prefixes, not all 20: on the lpm.host20 mix of
// bench/lpm.bench.ts, the unbucketed scan measured ~50 M/s here (below its 60 M target), the
// bucketed one ~150 M/s.
// Changes are rare and lookups hot, so a change only marks the structure dirty and the first
// lookup after it rebuilds.
//
// DIR-16-8-8 entry encoding (Int32Array): e ≥ 0 is an id, -1 is "no route", e ≤ -2 points to the
// 256-entry chunk number (-2 - e) of the next level. Longer prefixes are expanded over the entries
// they cover, after the shorter ones (the build goes by ascending length).
import { prefixMask } from '../../core/addr.js';

/** Tables with at most this many prefixes use the linear scan (unless the constructor says otherwise). */
export const SMALL_MAX = 32;

const TWO32 = 0x100000000;
const EMPTY = new Int32Array(0);

export interface LpmOptions {
  /** The largest table kept as a linear scan; beyond it, DIR-16-8-8. Default SMALL_MAX. */
  smallMax?: number;
}

export class Lpm {
  /** The source of truth: key len * 2^32 + prefix → id. */
  private readonly entries = new Map<number, number>();
  private readonly smallMax: number;
  private dirty = true; // the first lookup builds the (empty) structure
  private small = true;

  // Linear scan, longest prefix first, in 256 buckets by the first octet: bucket b is
  // [sStart[b], sStart[b + 1]) and holds the prefixes /1–/32 that can contain b.x.y.z.
  private sStart: Int32Array = EMPTY;
  private sPrefix: Int32Array = EMPTY;
  private sMask: Int32Array = EMPTY;
  private sId: Int32Array = EMPTY;
  /** The id of 0.0.0.0/0, or -1: what the scan returns when nothing in the bucket matches. */
  private sDefault = -1;

  // DIR-16-8-8.
  private t16: Int32Array = EMPTY;
  private t8: Int32Array = EMPTY;
  private t0: Int32Array = EMPTY;

  constructor(options: LpmOptions = {}) {
    const smallMax = options.smallMax ?? SMALL_MAX;
    if (!Number.isInteger(smallMax) || smallMax < 0) throw new RangeError(`Lpm: bad smallMax ${smallMax}`);
    this.smallMax = smallMax;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Which structure lookups use now ('scan' or 'dir'); builds it if a change is pending. */
  get representation(): 'scan' | 'dir' {
    if (this.dirty) this.rebuild();
    return this.small ? 'scan' : 'dir';
  }

  /** Adds prefix/len → id, or replaces the id of that prefix/len. Host bits of prefix are ignored. */
  set(prefix: number, len: number, id: number): void {
    if (!Number.isInteger(id) || id < 0 || id > 0x7fffffff) throw new RangeError(`Lpm: bad id ${id}`);
    const key = keyOf(prefix, len);
    if (this.entries.get(key) === id) return;
    this.entries.set(key, id);
    this.dirty = true;
  }

  delete(prefix: number, len: number): boolean {
    if (!this.entries.delete(keyOf(prefix, len))) return false;
    this.dirty = true;
    return true;
  }

  /** The id of exactly prefix/len, or -1. */
  get(prefix: number, len: number): number {
    return this.entries.get(keyOf(prefix, len)) ?? -1;
  }

  clear(): void {
    if (this.entries.size === 0) return;
    this.entries.clear();
    this.dirty = true;
  }

  /** The prefixes as [prefix, len, id], longest first (for listing and debugging; not the hot path). */
  list(): Array<[prefix: number, len: number, id: number]> {
    const out: Array<[number, number, number]> = [];
    for (const [key, id] of this.entries) out.push([key % TWO32, Math.floor(key / TWO32), id]);
    return out.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  }

  /** The id of the longest prefix containing addr (a uint32), or -1. */
  lookup(addr: number): number {
    if (this.dirty) this.rebuild();
    if (this.small) {
      const b = addr >>> 24;
      const end = this.sStart[b + 1]!;
      const prefix = this.sPrefix;
      const mask = this.sMask;
      for (let i = this.sStart[b]!; i < end; i++) {
        if ((addr & mask[i]!) === prefix[i]!) return this.sId[i]!;
      }
      return this.sDefault;
    }
    let e = this.t16[addr >>> 16]!;
    if (e >= -1) return e;
    e = this.t8[((-2 - e) << 8) | ((addr >>> 8) & 255)]!;
    if (e >= -1) return e;
    return this.t0[((-2 - e) << 8) | (addr & 255)]!;
  }

  private rebuild(): void {
    this.dirty = false;
    const count = this.entries.size;
    // Sorted by ascending length (the DIR build order); the scan walks it backwards.
    const keys = Array.from(this.entries.keys()).sort((a, b) => a - b);
    if (count <= this.smallMax) {
      this.buildScan(keys);
      return;
    }

    this.small = false;
    this.sStart = this.sPrefix = this.sMask = this.sId = EMPTY;
    // Upper bounds on the chunks: one per prefix longer than /16 (level 2), /24 (level 3).
    let over16 = 0;
    let over24 = 0;
    for (const key of keys) {
      const len = Math.floor(key / TWO32);
      if (len > 16) over16++;
      if (len > 24) over24++;
    }
    const t16 = this.t16.length === 65536 ? this.t16 : new Int32Array(65536);
    const t8 = this.t8.length >= over16 * 256 ? this.t8 : new Int32Array(over16 * 256);
    const t0 = this.t0.length >= over24 * 256 ? this.t0 : new Int32Array(over24 * 256);
    t16.fill(-1);
    let chunks8 = 0;
    let chunks0 = 0;
    for (const key of keys) {
      const len = Math.floor(key / TWO32);
      const prefix = key % TWO32;
      const id = this.entries.get(key)!;
      if (len <= 16) {
        const start = prefix >>> 16;
        t16.fill(id, start, start + (1 << (16 - len)));
        continue;
      }
      const i16 = prefix >>> 16;
      let e = t16[i16]!;
      if (e >= -1) {
        t8.fill(e, chunks8 << 8, (chunks8 + 1) << 8);
        e = t16[i16] = -2 - chunks8++;
      }
      const base8 = (-2 - e) << 8;
      if (len <= 24) {
        const start = base8 | ((prefix >>> 8) & 255);
        t8.fill(id, start, start + (1 << (24 - len)));
        continue;
      }
      const i8 = base8 | ((prefix >>> 8) & 255);
      let f = t8[i8]!;
      if (f >= -1) {
        t0.fill(f, chunks0 << 8, (chunks0 + 1) << 8);
        f = t8[i8] = -2 - chunks0++;
      }
      const start = ((-2 - f) << 8) | (prefix & 255);
      t0.fill(id, start, start + (1 << (32 - len)));
    }
    this.t16 = t16;
    this.t8 = t8;
    this.t0 = t0;
  }

  /** The bucketed scan, from keys sorted by ascending length. */
  private buildScan(keys: number[]): void {
    this.small = true;
    this.t16 = this.t8 = this.t0 = EMPTY;
    this.sDefault = -1;
    // Longest first; each prefix goes to the buckets of the first octets it covers (one unless < /8).
    const count = new Int32Array(257);
    let total = 0;
    for (let k = keys.length - 1; k >= 0; k--) {
      const key = keys[k]!;
      const len = Math.floor(key / TWO32);
      if (len === 0) {
        this.sDefault = this.entries.get(key)!;
        continue;
      }
      const first = (key % TWO32) >>> 24;
      const span = len >= 8 ? 1 : 1 << (8 - len);
      for (let b = first; b < first + span; b++) count[b]!++;
      total += span;
    }
    const start = this.sStart.length === 257 ? this.sStart : new Int32Array(257);
    for (let b = 0, at = 0; b <= 256; b++) {
      start[b] = at;
      at += count[b]!;
    }
    if (this.sPrefix.length < total) {
      const cap = Math.max(total, 8);
      this.sPrefix = new Int32Array(cap);
      this.sMask = new Int32Array(cap);
      this.sId = new Int32Array(cap);
    }
    const cursor = start.slice(0, 256);
    for (let k = keys.length - 1; k >= 0; k--) {
      const key = keys[k]!;
      const len = Math.floor(key / TWO32);
      if (len === 0) continue;
      const prefix = key % TWO32;
      const first = prefix >>> 24;
      const span = len >= 8 ? 1 : 1 << (8 - len);
      for (let b = first; b < first + span; b++) {
        const i = cursor[b]!++;
        this.sPrefix[i] = prefix | 0;
        this.sMask[i] = prefixMask(len) | 0;
        this.sId[i] = this.entries.get(key)!;
      }
    }
    this.sStart = start;
  }
}

function keyOf(prefix: number, len: number): number {
  if (!Number.isInteger(len) || len < 0 || len > 32) throw new RangeError(`Lpm: bad prefix length ${len}`);
  return len * TWO32 + ((prefix & prefixMask(len)) >>> 0);
}
