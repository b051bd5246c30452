// Rng.hex makes every Docker ID (container, sandbox key, endpoint, veth names): built from a byte
// table, it must give the very digits the draws' own hex text gives, so a seed's IDs stay as
// they were, for any length and from any point of the sequence.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../fc-seed.js';
import { Rng } from '../../src/core/rng.js';

/** The draws written as Number#toString(16), eight digits each, cut to length. */
function reference(rng: Rng, chars: number): string {
  let out = '';
  while (out.length < chars) out += rng.nextU32().toString(16).padStart(8, '0');
  return out.slice(0, chars);
}

describe('Rng.hex', () => {
  it('gives a seed its known IDs', () => {
    const r = new Rng(7);
    expect(r.hex(64)).toBe('02ff152c0fdc7f12fa169e5eb2f38b96857d6fe767d044f4775b05953d6bbcab');
    expect(r.hex(7)).toBe('8da6bf2');
    expect(r.hex(0)).toBe('');
  });

  it('is the draws in hex, whatever the length and the draws before', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.nat(20), fc.array(fc.nat(70), { maxLength: 8 }), (seed, skip, lengths) => {
      const a = new Rng(seed);
      const b = new Rng(seed);
      for (let i = 0; i < skip; i++) {
        a.nextU32();
        b.nextU32();
      }
      for (const n of lengths) expect(a.hex(n)).toBe(reference(b, n));
      // Both consumed the same draws.
      expect(a.nextU32()).toBe(b.nextU32());
    }));
  });
});
