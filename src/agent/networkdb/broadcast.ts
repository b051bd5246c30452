// memberlist's TransmitLimitedQueue (queue.go): messages waiting to be gossiped, each sent at most
// retransmitLimit times (RetransmitMult × ceil(log10(n + 1))), the least sent first, and a newer
// message about the same thing (the same node, the same table key) replacing the queued one
// (Broadcast.Invalidates). Kept in buckets by transmit count, so that taking a packet's worth
// looks at the least sent messages only.
//
// No object per queued message: after a join each of a thousand nodes has queued an alive message
// about each of a thousand, and a million small objects living for seconds was a tenth of the
// heap and a good part of what the scavenger copied. Each thing a message is about has a slot
// number; the slot's message and send count live in arrays, and the buckets are lists linked
// through the slots in queue order.

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

export class BroadcastQueue<K = string> {
  /** By slot: the queued message (null: none) and its send count. */
  private msgs: Array<Uint8Array | null> = [];
  private transmits = new Int32Array(64);
  /** The buckets, one per send count, as lists linked through the slots: each queued slot is in
   *  the bucket of its send count, after next[] and before prev[] (-1: the end). In typed arrays
   *  of a fixed size per slot, not a list per bucket: nothing grows as messages move up, and no
   *  entry is left behind when a newer message replaces one. */
  private next = new Int32Array(64);
  private prev = new Int32Array(64);
  /** Each bucket's first and last slot (-1: empty). */
  private readonly heads: number[] = [];
  private readonly tails: number[] = [];
  /** take()'s messages sent once more, by slot: moved up a bucket once it is done. */
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
    if (s >= this.transmits.length) this.grow(s);
    const msgs = this.msgs;
    while (msgs.length <= s) msgs.push(null);
    if (msgs[s] === null) this.count++;
    else this.unlink(s, this.transmits[s]!);
    msgs[s] = msg;
    this.transmits[s] = 0;
    this.append(0, s);
  }

  private grow(s: number): void {
    const n = Math.max(2 * this.transmits.length, s + 1);
    this.transmits = widened(this.transmits, n);
    this.next = widened(this.next, n);
    this.prev = widened(this.prev, n);
  }

  /** Puts `s` last in bucket `t`. */
  private append(t: number, s: number): void {
    while (this.heads.length <= t) {
      this.heads.push(-1);
      this.tails.push(-1);
    }
    const last = this.tails[t]!;
    this.prev[s] = last;
    this.next[s] = -1;
    if (last === -1) this.heads[t] = s;
    else this.next[last] = s;
    this.tails[t] = s;
  }

  /** Takes `s` out of bucket `t`. */
  private unlink(s: number, t: number): void {
    const p = this.prev[s]!;
    const n = this.next[s]!;
    if (p === -1) this.heads[t] = n;
    else this.next[p] = n;
    if (n === -1) this.tails[t] = p;
    else this.prev[n] = p;
  }

  /**
   * The messages that fit in `limit` bytes (each costing `overhead` more), the least sent first,
   * counted as sent once more. Within a send count they go in queue order: the first that does not
   * fit ends the packet (memberlist skips it for smaller ones; the difference is a message or two).
   * Appended to `out` (a packet's parts, gathered in one array reused).
   */
  take(overhead: number, limit: number, maxTransmits: number, out: Uint8Array[] = []): Uint8Array[] {
    if (this.count === 0) return out;
    let used = 0;
    const moved = this.moved;
    const msgs = this.msgs;
    const transmits = this.transmits;
    const next = this.next;
    const heads = this.heads;
    let full = false;
    for (let t = 0; t < heads.length && !full; t++) {
      let s = heads[t]!;
      while (s !== -1) {
        const msg = msgs[s]!;
        const cost = msg.length + overhead;
        if (used + cost > limit) {
          full = true;
          break;
        }
        used += cost;
        out.push(msg);
        const after = next[s]!;
        if (++transmits[s]! >= maxTransmits) {
          msgs[s] = null;
          this.count--;
          this.index.release(s);
        } else moved.push(s);
        s = after;
      }
      // What was taken was the head of the bucket, in order: the rest starts at `s`.
      heads[t] = s;
      if (s === -1) this.tails[t] = -1;
      else this.prev[s] = -1;
    }
    for (let i = 0; i < moved.length; i++) {
      const s = moved[i]!;
      this.append(transmits[s]!, s);
    }
    moved.length = 0;
    return out;
  }
}

/** `a` in a new array of `n` (n >= a.length). */
function widened(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
