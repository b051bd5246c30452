// The simulated clock and its event list. Time is a number of nanoseconds since the start of the
// scenario; it passes only here. Events at the same instant run in the order they were scheduled,
// which keeps every run byte-for-byte repeatable.
//
// The event list is a binary heap over typed arrays (time, sequence) indexing a slot table of
// callbacks: about twice as fast as a heap of objects (design/performance.md).

export type Nanos = number;

/** The simulated wall clock starts here (2024-01-01 00:00:00 UTC): timestamps commands print
 *  (iptables-save dates, Docker's Created fields) are this plus the simulated time. */
export const WALL_EPOCH_MS = Date.UTC(2024, 0, 1);

/**
 * Go's time.RFC3339Nano ("2006-01-02T15:04:05.999999999Z07:00"), as Docker prints times in
 * inspect (MarshalJSON, and the daemon's `Format(time.RFC3339Nano)` of Created/StartedAt): the
 * 9s drop trailing zeros of the fraction, and the dot with them when it is all zeros
 * ("…T00:00:05Z", "…T00:00:05.3Z", "…T00:00:05.300000006Z").
 */
export function rfc3339Nano(t: Nanos): string {
  const ms = Math.floor(t / 1e6);
  const iso = new Date(WALL_EPOCH_MS + ms).toISOString(); // ...T00:00:05.123Z
  const frac = String(Math.floor(t % 1e9)).padStart(9, '0').replace(/0+$/, '');
  return `${iso.slice(0, 19)}${frac === '' ? '' : `.${frac}`}Z`;
}
export const MS: Nanos = 1_000_000;
export const SEC: Nanos = 1_000_000_000;

/** Thrown when the events run pass `EventQueue.limit`: the scenario asked for more simulation
 *  than swarmsim gives one step (the runner reports it at the step's line). */
export class EventBudgetExceeded extends Error {
  constructor(readonly limit: number) {
    super(`more than ${limit} simulated events`);
  }
}

export class EventQueue {
  now: Nanos = 0;
  /** Events run so far. */
  executed = 0;
  /** No event runs once `executed` reaches this (the runner sets a budget per step). */
  limit = Infinity;
  private times = new Float64Array(64);
  private seqs = new Float64Array(64);
  private slots: number[] = [];
  private heapLen = 0;
  private callbacks: Array<(() => void) | null> = [];
  private slotSeq: number[] = [];
  private freeSlots: number[] = [];
  private nextSeq = 0;
  private cancelledLive = 0;

  /** Schedules `fn` at absolute time `time` (never before now). Returns a handle for cancel(). */
  at(time: Nanos, fn: () => void): number {
    // NaN would break the heap's ordering and Infinity never comes: a command must refuse such a
    // delay before it gets here (nc -w abc), so this is the model's fault, said as such.
    if (!Number.isFinite(time)) throw new RangeError(`the simulated clock refuses a non-finite time (${time})`);
    const t = time < this.now ? this.now : time;
    const slot = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.callbacks.length;
    const seq = this.nextSeq++;
    this.callbacks[slot] = fn;
    this.slotSeq[slot] = seq;
    this.push(t, seq, slot);
    return slot * 0x100000 + (seq % 0x100000);
  }

  /** Counts `units` of work against the budget as if that many events had run: a heavy action
   *  (a container created for a task) costs more than a timer. */
  charge(units: number): void {
    this.executed += units;
  }

  after(delay: Nanos, fn: () => void): number {
    return this.at(this.now + delay, fn);
  }

  cancel(handle: number): void {
    const slot = Math.floor(handle / 0x100000);
    if (this.callbacks[slot] != null && this.slotSeq[slot]! % 0x100000 === handle % 0x100000) {
      this.callbacks[slot] = null;
      this.cancelledLive++;
    }
  }

  get pending(): number {
    return this.heapLen - this.cancelledLive;
  }

  /** Time of the next live event, or Infinity. */
  peekTime(): Nanos {
    while (this.heapLen > 0 && this.callbacks[this.slots[0]!] == null) this.popTop();
    return this.heapLen > 0 ? this.times[0]! : Infinity;
  }

  /** Runs every event due at or before `time`, then sets the clock to `time`. */
  runUntil(time: Nanos): void {
    for (;;) {
      const t = this.peekTime();
      if (t > time) break;
      this.runNext();
    }
    if (time > this.now) this.now = time;
  }

  /** Runs events until `done()` holds or nothing is left before `deadline`. */
  runWhile(cont: () => boolean, deadline: Nanos): void {
    while (cont()) {
      const t = this.peekTime();
      if (t > deadline) {
        if (deadline > this.now) this.now = deadline;
        return;
      }
      this.runNext();
    }
  }

  private runNext(): void {
    if (this.executed >= this.limit) throw new EventBudgetExceeded(this.limit);
    this.executed++;
    const t = this.times[0]!;
    const slot = this.popTop();
    const fn = this.callbacks[slot]!;
    this.callbacks[slot] = null;
    this.freeSlots.push(slot);
    this.now = t;
    fn();
  }

  private push(time: Nanos, seq: number, slot: number): void {
    if (this.heapLen === this.times.length) {
      const times = new Float64Array(this.times.length * 2);
      times.set(this.times);
      this.times = times;
      const seqs = new Float64Array(this.seqs.length * 2);
      seqs.set(this.seqs);
      this.seqs = seqs;
    }
    let i = this.heapLen++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.times[parent]! < time || (this.times[parent] === time && this.seqs[parent]! < seq)) break;
      this.times[i] = this.times[parent]!;
      this.seqs[i] = this.seqs[parent]!;
      this.slots[i] = this.slots[parent]!;
      i = parent;
    }
    this.times[i] = time;
    this.seqs[i] = seq;
    this.slots[i] = slot;
  }

  /** Removes the heap top and returns its slot; a cancelled top also releases its slot. */
  private popTop(): number {
    const top = this.slots[0]!;
    const n = --this.heapLen;
    if (this.callbacks[top] == null) {
      this.cancelledLive--;
      this.freeSlots.push(top);
    }
    if (n > 0) {
      const time = this.times[n]!;
      const seq = this.seqs[n]!;
      const slot = this.slots[n]!;
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= n) break;
        const right = child + 1;
        if (right < n && (this.times[right]! < this.times[child]! || (this.times[right] === this.times[child] && this.seqs[right]! < this.seqs[child]!))) child = right;
        if (time < this.times[child]! || (time === this.times[child] && seq < this.seqs[child]!)) break;
        this.times[i] = this.times[child]!;
        this.seqs[i] = this.seqs[child]!;
        this.slots[i] = this.slots[child]!;
        i = child;
      }
      this.times[i] = time;
      this.seqs[i] = seq;
      this.slots[i] = slot;
    }
    return top;
  }
}
