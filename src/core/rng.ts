// The one source of randomness in a simulation: seeded, so the same scenario gives the same IDs,
// MACs and choices, byte for byte. Algorithm: mulberry32 (small, fast, good enough for IDs).
import type { Mac } from './addr.js';

/** Two hex digits per byte value, so that an ID is made without number-to-text conversions. */
const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.nextU32() / 0x100000000) * n);
  }

  /** `chars` lowercase hex digits: each 32-bit draw gives eight, most significant first (the
   *  last draw's low digits are dropped). Docker's IDs take three of 64 for every container. */
  hex(chars: number): string {
    let out = '';
    for (let n = 0; n < chars; n += 8) {
      const u = this.nextU32();
      out += BYTE_HEX[u >>> 24]! + BYTE_HEX[(u >>> 16) & 0xff]! + BYTE_HEX[(u >>> 8) & 0xff]! + BYTE_HEX[u & 0xff]!;
    }
    return out.length === chars ? out : out.slice(0, chars);
  }

  /** A random locally administered unicast MAC, as the kernel's eth_random_addr makes. */
  mac(): Mac {
    const hi = ((this.nextU32() & 0xfeff) | 0x0200) & 0xffff;
    return hi * 0x100000000 + this.nextU32();
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }
}
