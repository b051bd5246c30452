import { describe, expect, it } from 'vitest';
import { BroadcastQueue, DenseSlots } from '../../src/agent/networkdb/broadcast.js';

const msg = (tag: number, len = 10): Uint8Array => new Uint8Array(len).fill(tag);
const tags = (ms: Uint8Array[]): number[] => ms.map((m) => m[0]!);

describe('memberlist TransmitLimitedQueue (queue.go)', () => {
  for (const [kind, make, keys] of [
    ['table keys', () => new BroadcastQueue<string>(), ['a', 'b', 'c', 'd']],
    ['node numbers', () => new BroadcastQueue<number>(new DenseSlots()), [0, 1, 2, 3]],
  ] as const) {
    it(`sends the least sent first, each at most the retransmit limit (${kind})`, () => {
      const q = (make as () => BroadcastQueue<string | number>)();
      q.queue(keys[0], msg(1));
      q.queue(keys[1], msg(2));
      expect(tags(q.take(2, 12, 3))).toEqual([1]); // 12 bytes: one message of 10 + 2
      q.queue(keys[2], msg(3));
      // 2 and 3 were never sent: they go before 1, which was.
      expect(tags(q.take(2, 100, 3))).toEqual([2, 3, 1]);
      expect(tags(q.take(2, 100, 3))).toEqual([2, 3, 1]);
      expect(q.size).toBe(2);
      expect(tags(q.take(2, 100, 3))).toEqual([2, 3]);
      expect(q.size).toBe(0);
      expect(q.take(2, 100, 3)).toEqual([]);
    });

    it(`replaces a queued message with a newer one about the same thing (${kind})`, () => {
      const q = (make as () => BroadcastQueue<string | number>)();
      q.queue(keys[0], msg(1));
      q.queue(keys[1], msg(2));
      q.take(0, 100, 5);
      q.queue(keys[0], msg(9)); // Invalidates the sent-once 1; starts at zero sends
      expect(q.size).toBe(2);
      expect(tags(q.take(0, 100, 5))).toEqual([9, 2]);
      // Released slots serve other keys without bringing back what they held.
      for (let i = 0; i < 4; i++) q.take(0, 100, 5);
      expect(q.size).toBe(0);
      q.queue(keys[3], msg(4));
      expect(tags(q.take(0, 100, 5))).toEqual([4]);
    });
  }

  it('keeps queue order through many messages moving up the buckets', () => {
    const q = new BroadcastQueue<number>(new DenseSlots());
    for (let i = 0; i < 1000; i++) q.queue(i, msg(i & 0xff, 81));
    const seen: number[] = [];
    let packets = 0;
    for (; q.size > 0 && packets < 1000; packets++) for (const m of q.take(3, 1400, 4)) seen.push(m[0]!);
    // 16 of 84 bytes per packet; every message 4 times; each round of sends in queue order.
    expect(packets).toBe(250);
    expect(seen.length).toBe(4000);
    expect(seen.slice(0, 1000)).toEqual(Array.from({ length: 1000 }, (_, i) => i & 0xff));
    expect(seen.slice(3000)).toEqual(Array.from({ length: 1000 }, (_, i) => i & 0xff));
    expect(q.size).toBe(0);
  });

  it('appends what it takes to the array given (a packet\'s parts after its first message)', () => {
    const q = new BroadcastQueue<number>(new DenseSlots());
    q.queue(0, msg(1));
    q.queue(1, msg(2));
    const parts = [msg(7, 5)];
    expect(q.take(2, 24, 3, parts)).toBe(parts);
    expect(tags(parts)).toEqual([7, 1, 2]);
    expect(tags(q.take(2, 12, 3, []))).toEqual([1]);
  });
});
