// A map keyed by MAC address for the tables the packet path reads per frame (a bridge's FDB, the
// LAN's NICs). A MAC is a 48-bit number, so a plain Map boxes a heap number for every lookup and
// hashes its bits; here the key is the MAC's low 32 bits as a signed integer (`mac | 0`), a small
// integer (Smi) on 64-bit V8, and the rare MACs that share those bits are chained and told apart by
// the whole address. Iteration is in insertion order, as a Map's: setting a MAC that is present
// replaces its value in place.
import type { Mac } from '../core/addr.js';

class MacSlot<V> {
  /** The next slot whose MAC has the same low 32 bits. */
  next: MacSlot<V> | undefined = undefined;
  constructor(
    readonly mac: Mac,
    public value: V,
  ) {}
}

export class MacMap<V> implements Iterable<[Mac, V]> {
  private readonly byLow = new Map<number, MacSlot<V>>();
  /** Every slot, oldest first. */
  private readonly order = new Set<MacSlot<V>>();

  get size(): number {
    return this.order.size;
  }

  get(mac: Mac): V | undefined {
    for (let s = this.byLow.get(mac | 0); s !== undefined; s = s.next) if (s.mac === mac) return s.value;
    return undefined;
  }

  has(mac: Mac): boolean {
    for (let s = this.byLow.get(mac | 0); s !== undefined; s = s.next) if (s.mac === mac) return true;
    return false;
  }

  set(mac: Mac, value: V): this {
    const first = this.byLow.get(mac | 0);
    let last: MacSlot<V> | undefined;
    for (let s = first; s !== undefined; s = s.next) {
      if (s.mac === mac) {
        s.value = value;
        return this;
      }
      last = s;
    }
    const slot = new MacSlot(mac, value);
    if (last === undefined) this.byLow.set(mac | 0, slot);
    else last.next = slot;
    this.order.add(slot);
    return this;
  }

  delete(mac: Mac): boolean {
    const key = mac | 0;
    let prev: MacSlot<V> | undefined;
    for (let s = this.byLow.get(key); s !== undefined; prev = s, s = s.next) {
      if (s.mac !== mac) continue;
      if (prev !== undefined) prev.next = s.next;
      else if (s.next !== undefined) this.byLow.set(key, s.next);
      else this.byLow.delete(key);
      this.order.delete(s);
      return true;
    }
    return false;
  }

  clear(): void {
    this.byLow.clear();
    this.order.clear();
  }

  *[Symbol.iterator](): IterableIterator<[Mac, V]> {
    for (const s of this.order) yield [s.mac, s.value];
  }

  *values(): IterableIterator<V> {
    for (const s of this.order) yield s.value;
  }
}
