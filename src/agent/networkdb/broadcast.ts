// memberlist's TransmitLimitedQueue (queue.go): messages waiting to be gossiped, each sent at most
// retransmitLimit times (RetransmitMult × ceil(log10(n + 1))), the least sent first, and a newer
// message about the same thing (the same node, the same table key) replacing the queued one
// (Broadcast.Invalidates).
export interface Queued {
  readonly about: string;
  readonly msg: Uint8Array;
  transmits: number;
}

export class BroadcastQueue {
  private items: Queued[] = [];

  get size(): number {
    return this.items.length;
  }

  queue(about: string, msg: Uint8Array): void {
    for (let i = 0; i < this.items.length; i++) {
      if (this.items[i]!.about === about) {
        this.items.splice(i, 1);
        break;
      }
    }
    this.items.push({ about, msg, transmits: 0 });
  }

  /** The messages that fit in `limit` bytes (each costing `overhead` more), counted as sent once more. */
  take(overhead: number, limit: number, maxTransmits: number): Uint8Array[] {
    if (this.items.length === 0) return [];
    // The least transmitted first; among equals, the oldest (a stable sort keeps queue order).
    this.items.sort((a, b) => a.transmits - b.transmits);
    const out: Uint8Array[] = [];
    let used = 0;
    for (const it of this.items) {
      const cost = it.msg.length + overhead;
      if (used + cost > limit) continue;
      used += cost;
      out.push(it.msg);
      it.transmits++;
    }
    if (out.length > 0) this.items = this.items.filter((it) => it.transmits < maxTransmits);
    return out;
  }
}
