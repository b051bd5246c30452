// Entries that run out on the simulated clock: the IPVS connection table (a timer_list per
// connection, ip_vs_conn_expire) and conntrack (nf_ct_gc_expired / the gc worker) remove an entry
// when its time is up, whether or not a packet or a listing looks at it; so `ipvsadm -ln`'s
// ActiveConn and `conntrack -C` fall at that moment.
//
// One event per table, not one per entry: the entries wait in a binary heap by deadline, and the
// table's single event is armed for the earliest. A packet that refreshes an entry only moves its
// deadline later, which touches nothing here (the entry stays filed under its old deadline and is
// filed again, at its new one, when that old deadline comes). Only a deadline moved earlier (a
// state with a shorter timeout) files the entry again at once; its old place is then stale.
import type { EventQueue, Nanos } from '../sim/clock.js';

export interface Expiring {
  /** The deadline the entry is filed under in its table's heap; NOT_FILED (Infinity) when it is not. */
  filedAt: Nanos;
}

/** An entry filed nowhere: later than any deadline, so that watch() has one comparison to make. */
export const NOT_FILED = Infinity;

export class ExpiryHeap<T extends Expiring> {
  private keys: Nanos[] = [];
  private items: T[] = [];
  private handle = -1;
  private armedAt = Infinity;

  /**
   * `deadline(e)` is when e runs out now; `expire(e)` removes it from its table. Without an event
   * queue nothing is armed, and entries leave only where their table checks deadlines itself.
   */
  constructor(
    private readonly eq: EventQueue | null,
    private readonly deadline: (e: T) => Nanos,
    private readonly expire: (e: T) => void,
  ) {}

  /** e's deadline is now `at`: file it, unless it is filed already at or before `at`. */
  watch(e: T, at: Nanos): void {
    // Small enough (under 28 bytes of bytecode) for V8 to inline it everywhere, whatever its
    // budget: a packet refreshing its entry ends here.
    if (e.filedAt > at) this.file(e, at);
  }

  private file(e: T, at: Nanos): void {
    e.filedAt = at;
    this.push(at, e);
    if (at < this.armedAt) this.arm(at);
  }

  /** e left its table some other way (deleted, flushed): its place in the heap goes stale. */
  forget(e: T): void {
    e.filedAt = NOT_FILED;
  }

  /** Every entry left at once (a flush): nothing stays filed and no event stays armed. */
  clear(): void {
    for (const e of this.items) e.filedAt = NOT_FILED;
    this.keys = [];
    this.items = [];
    if (this.handle >= 0 && this.eq !== null) this.eq.cancel(this.handle);
    this.handle = -1;
    this.armedAt = Infinity;
  }

  private arm(at: Nanos): void {
    if (this.eq === null) return;
    if (this.handle >= 0) this.eq.cancel(this.handle);
    this.armedAt = at;
    this.handle = this.eq.at(at, this.run);
  }

  private readonly run = (): void => {
    this.handle = -1;
    this.armedAt = Infinity;
    const now = this.eq!.now;
    while (this.items.length > 0 && this.keys[0]! <= now) {
      const key = this.keys[0]!;
      const e = this.pop();
      if (e.filedAt !== key) continue; // filed again elsewhere, or gone
      const d = this.deadline(e);
      if (d > now) {
        e.filedAt = d;
        this.push(d, e);
        continue;
      }
      e.filedAt = NOT_FILED;
      this.expire(e);
    }
    if (this.items.length > 0) this.arm(this.keys[0]!);
  };

  private push(key: Nanos, e: T): void {
    const keys = this.keys;
    const items = this.items;
    let i = keys.length;
    keys.push(key);
    items.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (keys[p]! <= key) break;
      keys[i] = keys[p]!;
      items[i] = items[p]!;
      i = p;
    }
    keys[i] = key;
    items[i] = e;
  }

  private pop(): T {
    const keys = this.keys;
    const items = this.items;
    const top = items[0]!;
    const lastKey = keys.pop()!;
    const last = items.pop()!;
    const n = keys.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && keys[r]! < keys[l]! ? r : l;
      if (keys[c]! >= lastKey) break;
      keys[i] = keys[c]!;
      items[i] = items[c]!;
      i = c;
    }
    keys[i] = lastKey;
    items[i] = last;
    return top;
  }
}
