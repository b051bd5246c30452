import { describe, expect, it } from 'vitest';
import { MemberNames } from '../../src/agent/networkdb/names.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('member names, numbered as first met and found by their bytes', () => {
  it('numbers names in the order first met, and finds each by the bytes a message carries', () => {
    const t = new MemberNames();
    expect(t.idOf('ad1gj7oqr1m72vzlpkzteipfi')).toBe(0);
    expect(t.idOf('ev5vdgs93tkgudb8pqjnvfsme')).toBe(1);
    expect(t.idOf('ad1gj7oqr1m72vzlpkzteipfi')).toBe(0);
    expect(t.lookup('nobody')).toBe(-1);
    // The name inside a packet, at an offset: found without a string.
    const pkt = new Uint8Array([9, 9, ...utf8('ev5vdgs93tkgudb8pqjnvfsme'), 9]);
    expect(t.find(pkt, 2, 25)).toBe(1);
    expect(t.find(pkt, 2, 24)).toBe(-1); // a prefix is another name
    expect(t.size).toBe(2);
    // Not found: numbered when met.
    const other = utf8('x7node');
    expect(t.idOfBytes(other, 0, other.length)).toBe(2);
    expect(t.name(2)).toBe('x7node');
    expect(t.find(other, 0, other.length)).toBe(2);
    expect([...t.bytes(0)]).toEqual([...utf8('ad1gj7oqr1m72vzlpkzteipfi')]);
  });

  it('keeps every name findable as the table grows, non-ASCII ones included', () => {
    const t = new MemberNames();
    const names = Array.from({ length: 3000 }, (_, i) => (i % 7 === 0 ? `nœud-${i}` : `node${i}`));
    for (const n of names) t.idOf(n);
    for (let i = 0; i < names.length; i++) {
      const b = utf8(names[i]!);
      expect(t.find(b, 0, b.length)).toBe(i);
      expect(t.name(i)).toBe(names[i]);
      expect([...t.bytes(i)]).toEqual([...b]);
    }
  });

  it('takes bytes that are not UTF-8 as the encoder writes it to the name they decode to', () => {
    const t = new MemberNames();
    const bad = new Uint8Array([0x6e, 0xff]); // 'n' and an invalid byte: decodes to 'n\ufffd'
    const id = t.idOfBytes(bad, 0, 2);
    expect(t.name(id)).toBe('n\ufffd');
    expect(t.idOfBytes(bad, 0, 2)).toBe(id);
    expect(t.idOf('n\ufffd')).toBe(id);
  });
});
