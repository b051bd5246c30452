// memberlist's TransmitLimitedQueue (queue.go): messages waiting to be gossiped, each sent at most
// retransmitLimit times (RetransmitMult × ceil(log10(n + 1))), the least sent first, and a newer
// message about the same thing (the same node, the same table key) replacing the queued one
// (Broadcast.Invalidates). Kept in buckets by transmit count, so that taking a packet's worth
// looks at the least sent messages only.
interface Queued<K> {
  readonly about: K;
  readonly msg: Uint8Array;
  transmits: number;
  live: boolean;
}

/** A bucket: messages in queue order, taken from the head. */
interface Bucket<K> {
  items: Array<Queued<K>>;
  head: number;
}

/** What a queue finds the queued message about a thing by: a Map, or an array by number. */
interface AboutIndex<K, V> {
  readonly size: number;
  get(k: K): V | undefined;
  set(k: K, v: V): unknown;
  delete(k: K): boolean;
}

/**
 * An index by small numbers (memberlist's node name numbers): an array kept dense, not a Map —
 * each of a thousand nodes queues an alive message about each of a thousand.
 */
export class DenseIndex<V> implements AboutIndex<number, V> {
  private readonly a: Array<V | undefined> = [];
  size = 0;

  get(k: number): V | undefined {
    return this.a[k];
  }

  set(k: number, v: V): void {
    const a = this.a;
    while (a.length < k) a.push(undefined);
    if (a[k] === undefined) this.size++;
    a[k] = v;
  }

  delete(k: number): boolean {
    if (this.a[k] === undefined) return false;
    this.a[k] = undefined;
    this.size--;
    return true;
  }
}

export class BroadcastQueue<K = string> {
  /** buckets[t]: the messages sent t times (invalidated ones are skipped when reached). */
  private readonly buckets: Array<Bucket<K>> = [];
  /** take()'s messages sent once more, moved up a bucket once it is done (kept between calls). */
  private readonly moved: Array<Queued<K>> = [];

  constructor(private readonly byAbout: AboutIndex<K, Queued<K>> = new Map<K, Queued<K>>()) {}

  get size(): number {
    return this.byAbout.size;
  }

  queue(about: K, msg: Uint8Array): void {
    const old = this.byAbout.get(about);
    if (old !== undefined) old.live = false;
    const q: Queued<K> = { about, msg, transmits: 0, live: true };
    this.byAbout.set(about, q);
    this.bucket(0).items.push(q);
  }

  private bucket(t: number): Bucket<K> {
    return (this.buckets[t] ??= { items: [], head: 0 });
  }

  /**
   * The messages that fit in `limit` bytes (each costing `overhead` more), the least sent first,
   * counted as sent once more. Within a send count they go in queue order: the first that does not
   * fit ends the packet (memberlist skips it for smaller ones; the difference is a message or two).
   */
  take(overhead: number, limit: number, maxTransmits: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.byAbout.size === 0) return out;
    let used = 0;
    const moved = this.moved;
    let full = false;
    for (let t = 0; t < this.buckets.length && !full; t++) {
      const b = this.buckets[t];
      if (b === undefined) continue;
      while (b.head < b.items.length) {
        const q = b.items[b.head]!;
        if (!q.live) {
          b.head++;
          continue;
        }
        const cost = q.msg.length + overhead;
        if (used + cost > limit) {
          full = true;
          break;
        }
        b.head++;
        used += cost;
        out.push(q.msg);
        q.transmits++;
        if (q.transmits >= maxTransmits) {
          q.live = false;
          this.byAbout.delete(q.about);
        } else moved.push(q);
      }
      if (b.head > 64 && b.head * 2 > b.items.length) {
        b.items = b.items.slice(b.head);
        b.head = 0;
      }
    }
    for (const q of moved) this.bucket(q.transmits).items.push(q);
    moved.length = 0;
    return out;
  }
}
