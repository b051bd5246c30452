// memberlist's TransmitLimitedQueue (queue.go): messages waiting to be gossiped, each sent at most
// retransmitLimit times (RetransmitMult × ceil(log10(n + 1))), the least sent first, and a newer
// message about the same thing (the same node, the same table key) replacing the queued one
// (Broadcast.Invalidates). Kept in buckets by transmit count, so that taking a packet's worth
// looks at the least sent messages only.
interface Queued {
  readonly about: string;
  readonly msg: Uint8Array;
  transmits: number;
  live: boolean;
}

/** A bucket: messages in queue order, taken from the head. */
interface Bucket {
  items: Queued[];
  head: number;
}

export class BroadcastQueue {
  /** buckets[t]: the messages sent t times (invalidated ones are skipped when reached). */
  private readonly buckets: Bucket[] = [];
  private readonly byAbout = new Map<string, Queued>();
  /** take()'s messages sent once more, moved up a bucket once it is done (kept between calls). */
  private readonly moved: Queued[] = [];

  get size(): number {
    return this.byAbout.size;
  }

  queue(about: string, msg: Uint8Array): void {
    const old = this.byAbout.get(about);
    if (old !== undefined) old.live = false;
    const q: Queued = { about, msg, transmits: 0, live: true };
    this.byAbout.set(about, q);
    this.bucket(0).items.push(q);
  }

  private bucket(t: number): Bucket {
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
