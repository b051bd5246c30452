import { describe, it, expect } from 'vitest';
import {
  csumBytes,
  csumFold,
  csumPartial,
  csumUpdate16,
  csumUpdate32,
  internetChecksum,
} from '../../src/wire/checksum.js';

function hex(s: string): Uint8Array {
  return Uint8Array.from(s.trim().split(/\s+/), (b) => parseInt(b, 16));
}
function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
/** A deterministic byte generator (xorshift32) so failures reproduce. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

describe('internet checksum (RFC 1071)', () => {
  it('matches the RFC 1071 section 3 example (sum ddf2, checksum 220d)', () => {
    const v = viewOf(hex('00 01 f2 03 f4 f5 f6 f7'));
    expect(csumFold(csumPartial(v, 0, 8)) ^ 0xffff).toBe(0xddf2);
    expect(internetChecksum(v, 0, 8)).toBe(0x220d);
  });

  it('gives b861 for the classic IPv4 header and 0 over the header with its checksum', () => {
    const zeroed = viewOf(hex('45 00 00 73 00 00 40 00 40 11 00 00 c0 a8 00 01 c0 a8 00 c7'));
    expect(internetChecksum(zeroed, 0, 20)).toBe(0xb861);
    const full = viewOf(hex('45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7'));
    expect(internetChecksum(full, 0, 20)).toBe(0);
  });

  it('pads an odd last byte with zero', () => {
    expect(internetChecksum(viewOf(hex('12 34 56')), 0, 3)).toBe(internetChecksum(viewOf(hex('12 34 56 00')), 0, 4));
    expect(internetChecksum(viewOf(hex('ab')), 0, 1)).toBe(~0xab00 & 0xffff);
  });

  it('covers only the given range, from an initial sum', () => {
    const v = viewOf(hex('ff ff 00 01 f2 03 f4 f5 f6 f7 ff'));
    expect(internetChecksum(v, 2, 8)).toBe(0x220d);
    // Splitting the range and chaining the partial sum gives the same result.
    expect(internetChecksum(v, 6, 4, csumPartial(v, 2, 4))).toBe(0x220d);
    expect(internetChecksum(viewOf(new Uint8Array(0)), 0, 0, 0x1234)).toBe(0xedcb);
  });

  it('folds carries beyond 32 bits', () => {
    expect(csumFold(0x1_0000_fffe)).toBe(~0xffff & 0xffff);
    expect(csumFold(0)).toBe(0xffff);
  });

  it('csumBytes equals csumPartial, and counts missing or null bytes as zeros', () => {
    const b = hex('01 02 03 04 05');
    expect(csumBytes(b, 5)).toBe(csumPartial(viewOf(b), 0, 5));
    expect(csumBytes(b, 8)).toBe(csumPartial(viewOf(hex('01 02 03 04 05 00 00 00')), 0, 8));
    expect(csumBytes(b, 3, 7)).toBe(7 + 0x0102 + 0x0300);
    expect(csumBytes(null, 100, 42)).toBe(42);
  });
});

describe('incremental update (RFC 1624)', () => {
  it('csumUpdate16 equals a recomputation for random data and words', () => {
    const next = rng(1624);
    for (let n = 0; n < 2000; n++) {
      const b = new Uint8Array(20);
      for (let i = 0; i < b.length; i++) b[i] = next() & 255;
      b[0] = 0x45; // never all-zero data, as in any real header: there ±0 differ
      const v = viewOf(b);
      const at = (next() % 10) * 2;
      const before = internetChecksum(v, 0, 20);
      const oldWord = v.getUint16(at);
      const newWord = n % 5 === 0 ? 0 : next() & 0xffff;
      v.setUint16(at, newWord);
      expect(csumUpdate16(before, oldWord, newWord)).toBe(internetChecksum(v, 0, 20));
    }
  });

  it('csumUpdate32 equals a recomputation (an IPv4 header after SNAT)', () => {
    const h = hex('45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7');
    const v = viewOf(h);
    const next = rng(791);
    for (let n = 0; n < 1000; n++) {
      const oldSrc = v.getUint32(12);
      const newSrc = next();
      const updated = csumUpdate32(v.getUint16(10), oldSrc, newSrc);
      v.setUint32(12, newSrc);
      v.setUint16(10, 0);
      expect(updated).toBe(internetChecksum(v, 0, 20));
      v.setUint16(10, updated);
      expect(internetChecksum(v, 0, 20)).toBe(0);
    }
  });

  it('is the identity when the value does not change', () => {
    expect(csumUpdate32(0xb861, 0xc0a80001, 0xc0a80001)).toBe(0xb861);
    expect(csumUpdate16(0x1234, 0xabcd, 0xabcd)).toBe(0x1234);
  });
});
