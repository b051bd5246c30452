// memberlist's TransmitLimitedQueue (queue.go): messages waiting to be gossiped, each sent at most
// retransmitLimit times (RetransmitMult × ceil(log10(n + 1))), the least sent first, and a newer
// message about the same thing (the same node, the same table key) replacing the queued one
// (Broadcast.Invalidates). Kept in buckets by transmit count, so that taking a packet's worth
// looks at the least sent messages only.
//
// No object per queued message: after a join each of a thousand nodes has queued an alive message
// about each of a thousand, and a million small objects living for seconds was a tenth of the
// heap and a good part of what the scavenger copied. Each thing a message is about has a slot
// number; the slot's message, send count and version live in arrays, and a bucket holds (slot,
// version) pairs in queue order. A pair whose version is no longer the slot's was invalidated.

/** What a queue files its messages under: a slot number per thing a message is about. */
interface SlotIndex<K> {
  /** The slot of `k`, made if it has none. */
  slot(k: K): number;
  /** The message in `slot` left the queue: the slot may serve another thing. */
  release(slot: number): void;
}

/** Things that are small numbers already (memberlist's node name numbers): the number is the slot. */
export class DenseSlots implements SlotIndex<number> {
  slot(k: number): number {
    return k;
  }

  release(): void {}
}

/** Any other key (NetworkDB's table keys): slots handed out as keys come, reused once released. */
class MapSlots<K> implements SlotIndex<K> {
  private readonly byKey = new Map<K, number>();
  private readonly keys: K[] = [];
  private readonly free: number[] = [];

  slot(k: K): number {
    let s = this.byKey.get(k);
    if (s === undefined) {
      s = this.free.pop() ?? this.keys.length;
      this.byKey.set(k, s);
      this.keys[s] = k;
    }
    return s;
  }

  release(slot: number): void {
    this.byKey.delete(this.keys[slot]!);
    this.free.push(slot);
  }
}

/** A bucket: (slot, version) pairs in queue order, taken from the head. A plain array of small
 *  integers: it grows in the V8 heap, where a typed array's growth was a new off-heap buffer each
 *  time (a thousand nodes' queues each grow sixteen buckets to a thousand pairs after a join). */
class Bucket {
  readonly pairs: number[] = [];
  head = 0;

  get len(): number {
    return this.pairs.length;
  }

  push(slot: number, ver: number): void {
    this.pairs.push(slot, ver);
  }

  /** Drops what was taken once it is most of the bucket. */
  compact(): void {
    if (this.head <= 128 || this.head * 2 <= this.pairs.length) return;
    this.pairs.splice(0, this.head);
    this.head = 0;
  }
}

export class BroadcastQueue<K = string> {
  /** buckets[t]: the messages sent t times (invalidated ones are skipped when reached). */
  private readonly buckets: Bucket[] = [];
  /** By slot: the queued message (null: none), its send count, and its version. */
  private msgs: Array<Uint8Array | null> = [];
  private transmits = new Int32Array(64);
  private vers = new Int32Array(64);
  /** take()'s messages sent once more, as (slot, version) pairs: moved up a bucket once it is done. */
  private readonly moved: number[] = [];
  private count = 0;
  private readonly index: SlotIndex<K>;

  constructor(index?: SlotIndex<K>) {
    this.index = index ?? new MapSlots<K>();
  }

  get size(): number {
    return this.count;
  }

  queue(about: K, msg: Uint8Array): void {
    const s = this.index.slot(about);
    if (s >= this.vers.length) this.grow(s);
    const msgs = this.msgs;
    while (msgs.length <= s) msgs.push(null);
    if (msgs[s] === null) this.count++;
    msgs[s] = msg;
    this.transmits[s] = 0;
    this.bucket(0).push(s, ++this.vers[s]!);
  }

  private grow(s: number): void {
    const n = Math.max(2 * this.vers.length, s + 1);
    const t = new Int32Array(n);
    t.set(this.transmits);
    this.transmits = t;
    const v = new Int32Array(n);
    v.set(this.vers);
    this.vers = v;
  }

  private bucket(t: number): Bucket {
    return (this.buckets[t] ??= new Bucket());
  }

  /**
   * The messages that fit in `limit` bytes (each costing `overhead` more), the least sent first,
   * counted as sent once more. Within a send count they go in queue order: the first that does not
   * fit ends the packet (memberlist skips it for smaller ones; the difference is a message or two).
   */
  take(overhead: number, limit: number, maxTransmits: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.count === 0) return out;
    let used = 0;
    const moved = this.moved;
    const msgs = this.msgs;
    const vers = this.vers;
    const transmits = this.transmits;
    let full = false;
    for (let t = 0; t < this.buckets.length && !full; t++) {
      const b = this.buckets[t];
      if (b === undefined) continue;
      const p = b.pairs;
      while (b.head < b.len) {
        const s = p[b.head]!;
        const v = p[b.head + 1]!;
        const msg = msgs[s]!;
        if (vers[s] !== v || msg === null) {
          b.head += 2;
          continue;
        }
        const cost = msg.length + overhead;
        if (used + cost > limit) {
          full = true;
          break;
        }
        b.head += 2;
        used += cost;
        out.push(msg);
        if (++transmits[s]! >= maxTransmits) {
          msgs[s] = null;
          vers[s]!++;
          this.count--;
          this.index.release(s);
        } else moved.push(s, v);
      }
      b.compact();
    }
    for (let i = 0; i < moved.length; i += 2) {
      const s = moved[i]!;
      this.bucket(transmits[s]!).push(s, moved[i + 1]!);
    }
    moved.length = 0;
    return out;
  }
}
