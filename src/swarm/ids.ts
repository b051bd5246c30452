// swarmkit's identifiers: 25 characters of base 36 (identity.NewID), from the seeded RNG.
import type { Rng } from '../core/rng.js';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

export function swarmId(rng: Rng): string {
  let s = '';
  for (let i = 0; i < 25; i++) s += ALPHABET[rng.below(36)];
  return s;
}
