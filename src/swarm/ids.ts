// swarmkit's identifiers: 25 characters of base 36 (identity.NewID), from the seeded RNG.
import type { Rng } from '../core/rng.js';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

export function swarmId(rng: Rng): string {
  let s = '';
  for (let i = 0; i < 25; i++) s += ALPHABET[rng.below(36)];
  return s;
}

/** A string's 32-bit hash (Java's String.hashCode): seeds for per-node and per-cluster choices
 *  that must not draw from the shared RNG (which would shift every ID after them). */
export function hashSeed(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) >>> 0;
  return h;
}
