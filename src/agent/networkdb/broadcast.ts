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

export class BroadcastQueue {
  /** buckets[t]: the live or invalidated messages sent t times, oldest first. */
  private readonly buckets: Queued[][] = [];
  private readonly byAbout = new Map<string, Queued>();

  get size(): number {
    return this.byAbout.size;
  }

  queue(about: string, msg: Uint8Array): void {
    const old = this.byAbout.get(about);
    if (old !== undefined) old.live = false;
    const q: Queued = { about, msg, transmits: 0, live: true };
    this.byAbout.set(about, q);
    (this.buckets[0] ??= []).push(q);
  }

  /** The messages that fit in `limit` bytes (each costing `overhead` more), counted as sent once more. */
  take(overhead: number, limit: number, maxTransmits: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.byAbout.size === 0) return out;
    let used = 0;
    const moved: Queued[] = [];
    for (let t = 0; t < this.buckets.length && limit - used > overhead; t++) {
      const b = this.buckets[t];
      if (b === undefined || b.length === 0) continue;
      const keep: Queued[] = [];
      for (let i = 0; i < b.length; i++) {
        const q = b[i]!;
        if (!q.live) continue;
        if (limit - used < overhead + 8) {
          // Full: the rest wait as they are.
          for (; i < b.length; i++) if (b[i]!.live) keep.push(b[i]!);
          break;
        }
        const cost = q.msg.length + overhead;
        if (used + cost > limit) {
          keep.push(q);
          continue;
        }
        used += cost;
        out.push(q.msg);
        q.transmits++;
        if (q.transmits >= maxTransmits) {
          q.live = false;
          this.byAbout.delete(q.about);
        } else moved.push(q);
      }
      this.buckets[t] = keep;
    }
    for (const q of moved) (this.buckets[q.transmits] ??= []).push(q);
    return out;
  }
}
