import { describe, expect, it } from 'vitest';
import { Lpm } from '../../src/kernel/route/lpm.js';
import { parseIp4, prefixMask } from '../../src/core/addr.js';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

interface Route {
  prefix: number;
  len: number;
  id: number;
}

/** The reference: scan every prefix, keep the longest match. */
function naive(routes: Iterable<Route>, addr: number): number {
  let best = -1;
  let bestLen = -1;
  for (const r of routes) {
    if ((addr & prefixMask(r.len)) >>> 0 === r.prefix && r.len > bestLen) {
      best = r.id;
      bestLen = r.len;
    }
  }
  return best;
}

function ip(text: string): number {
  const v = parseIp4(text);
  if (v === null) throw new Error(`bad address ${text}`);
  return v;
}

/** A table kept both in an Lpm and in a plain map for the reference. */
class Both {
  readonly lpm: Lpm;
  readonly routes = new Map<string, Route>();
  constructor(smallMax?: number) {
    this.lpm = new Lpm(smallMax === undefined ? {} : { smallMax });
  }
  set(prefix: number, len: number, id: number): void {
    const p = (prefix & prefixMask(len)) >>> 0;
    this.routes.set(`${p}/${len}`, { prefix: p, len, id });
    this.lpm.set(prefix, len, id);
  }
  delete(prefix: number, len: number): boolean {
    const p = (prefix & prefixMask(len)) >>> 0;
    const had = this.routes.delete(`${p}/${len}`);
    expect(this.lpm.delete(prefix, len)).toBe(had);
    return had;
  }
  check(addrs: Iterable<number>): void {
    let mismatches = 0;
    let first = '';
    for (const a of addrs) {
      const want = naive(this.routes.values(), a);
      const got = this.lpm.lookup(a);
      if (got !== want) {
        if (mismatches++ === 0) first = `addr 0x${a.toString(16)}: got ${got}, want ${want}`;
      }
    }
    expect(first).toBe('');
    expect(mismatches).toBe(0);
    expect(this.lpm.size).toBe(this.routes.size);
  }
}

/** Each prefix's network and broadcast address, and the addresses just outside both ends. */
function boundaries(routes: Iterable<Route>): number[] {
  const out: number[] = [0, 0xffffffff, 0x7fffffff, 0x80000000];
  for (const r of routes) {
    const net = r.prefix;
    const bcast = (r.prefix | ~prefixMask(r.len)) >>> 0;
    out.push(net, bcast, (net - 1) >>> 0, (bcast + 1) >>> 0, (net + 1) >>> 0, (bcast - 1) >>> 0);
  }
  return out;
}

const representations = [
  { name: 'scan', smallMax: 1000 },
  { name: 'dir', smallMax: 0 },
] as const;

describe('Lpm', () => {
  for (const rep of representations) {
    describe(`as ${rep.name}`, () => {
      function hostTable(): Both {
        const t = new Both(rep.smallMax);
        t.set(0, 0, 0); // default
        t.set(ip('10.0.0.0'), 8, 1);
        t.set(ip('10.1.0.0'), 16, 2);
        t.set(ip('10.1.2.0'), 24, 3);
        t.set(ip('10.1.2.3'), 32, 4);
        t.set(ip('192.168.205.0'), 24, 5);
        t.set(ip('255.255.255.255'), 32, 6);
        t.set(ip('172.16.0.0'), 12, 7);
        return t;
      }

      it('uses the representation asked for', () => {
        const t = hostTable();
        expect(t.lpm.representation).toBe(rep.name);
      });

      it('matches the longest prefix at every boundary', () => {
        const t = hostTable();
        const L = (s: string): number => t.lpm.lookup(ip(s));
        expect(L('10.1.2.3')).toBe(4);
        expect(L('10.1.2.2')).toBe(3);
        expect(L('10.1.2.4')).toBe(3);
        expect(L('10.1.2.0')).toBe(3);
        expect(L('10.1.2.255')).toBe(3);
        expect(L('10.1.1.255')).toBe(2);
        expect(L('10.1.3.0')).toBe(2);
        expect(L('10.1.0.0')).toBe(2);
        expect(L('10.1.255.255')).toBe(2);
        expect(L('10.0.255.255')).toBe(1);
        expect(L('10.2.0.0')).toBe(1);
        expect(L('10.0.0.0')).toBe(1);
        expect(L('10.255.255.255')).toBe(1);
        expect(L('9.255.255.255')).toBe(0);
        expect(L('11.0.0.0')).toBe(0);
        expect(L('192.168.205.0')).toBe(5);
        expect(L('192.168.205.255')).toBe(5);
        expect(L('192.168.204.255')).toBe(0);
        expect(L('192.168.206.0')).toBe(0);
        expect(L('172.16.0.0')).toBe(7);
        expect(L('172.31.255.255')).toBe(7);
        expect(L('172.15.255.255')).toBe(0);
        expect(L('172.32.0.0')).toBe(0);
        expect(L('255.255.255.255')).toBe(6);
        expect(L('255.255.255.254')).toBe(0);
        expect(L('0.0.0.0')).toBe(0);
        t.check(boundaries(t.routes.values()));
      });

      it('returns -1 without a default route', () => {
        const t = hostTable();
        expect(t.delete(0, 0)).toBe(true);
        expect(t.lpm.lookup(ip('8.8.8.8'))).toBe(-1);
        expect(t.lpm.lookup(ip('10.9.9.9'))).toBe(1);
        expect(t.lpm.lookup(0xffffffff)).toBe(6);
        expect(t.lpm.lookup(0)).toBe(-1);
        t.check(boundaries(t.routes.values()));
        expect(new Lpm(rep.smallMax === 0 ? { smallMax: 0 } : {}).lookup(ip('1.2.3.4'))).toBe(-1);
      });

      it('restores the covering prefix on delete, and replaces ids', () => {
        const t = hostTable();
        const L = (s: string): number => t.lpm.lookup(ip(s));
        expect(t.delete(ip('10.1.2.3'), 32)).toBe(true);
        expect(L('10.1.2.3')).toBe(3);
        expect(t.delete(ip('10.1.2.0'), 24)).toBe(true);
        expect(L('10.1.2.3')).toBe(2);
        expect(t.delete(ip('10.1.0.0'), 16)).toBe(true);
        expect(L('10.1.2.3')).toBe(1);
        expect(t.delete(ip('10.1.0.0'), 16)).toBe(false);
        expect(t.delete(ip('10.0.0.0'), 24)).toBe(false);
        expect(t.delete(ip('10.0.0.0'), 8)).toBe(true);
        expect(L('10.1.2.3')).toBe(0);
        t.check(boundaries(hostTable().routes.values()));
        t.set(ip('10.1.2.99'), 24, 42); // host bits ignored; re-adds 10.1.2.0/24
        expect(t.lpm.get(ip('10.1.2.0'), 24)).toBe(42);
        expect(L('10.1.2.3')).toBe(42);
        t.set(ip('10.1.2.0'), 24, 43);
        expect(t.lpm.get(ip('10.1.2.0'), 24)).toBe(43);
        expect(L('10.1.2.3')).toBe(43);
        expect(t.lpm.get(ip('10.1.2.0'), 25)).toBe(-1);
        t.check(boundaries(hostTable().routes.values()));
        t.lpm.clear();
        t.routes.clear();
        expect(t.lpm.size).toBe(0);
        expect(L('10.1.2.3')).toBe(-1);
      });

      it('handles addresses at and above 0x80000000', () => {
        const t = new Both(rep.smallMax);
        t.set(0x80000000, 1, 1);
        t.set(0xc0a80000, 16, 2);
        t.set(0xfffffffe, 31, 3);
        t.set(0, 1, 4);
        expect(t.lpm.lookup(0x80000000)).toBe(1);
        expect(t.lpm.lookup(0x7fffffff)).toBe(4);
        expect(t.lpm.lookup(0xc0a81234)).toBe(2);
        expect(t.lpm.lookup(0xffffffff)).toBe(3);
        expect(t.lpm.lookup(0xfffffffe)).toBe(3);
        expect(t.lpm.lookup(0xfffffffd)).toBe(1);
        t.check(boundaries(t.routes.values()));
      });
    });
  }

  it('handles prefixes shorter than /8 spanning several first octets', () => {
    for (const smallMax of [1000, 0]) {
      const t = new Both(smallMax);
      t.set(ip('224.0.0.0'), 4, 1);
      t.set(ip('239.255.255.250'), 32, 2);
      t.set(ip('232.0.0.0'), 5, 3);
      t.set(ip('8.0.0.0'), 7, 4);
      t.set(ip('9.9.0.0'), 16, 5);
      expect(t.lpm.lookup(ip('239.255.255.250'))).toBe(2);
      expect(t.lpm.lookup(ip('239.255.255.251'))).toBe(3);
      expect(t.lpm.lookup(ip('231.255.255.255'))).toBe(1);
      expect(t.lpm.lookup(ip('240.0.0.0'))).toBe(-1);
      expect(t.lpm.lookup(ip('9.9.1.1'))).toBe(5);
      expect(t.lpm.lookup(ip('9.8.1.1'))).toBe(4);
      expect(t.lpm.lookup(ip('10.0.0.0'))).toBe(-1);
      t.check(boundaries(t.routes.values()));
    }
  });

  it('rejects bad lengths and ids', () => {
    const lpm = new Lpm();
    expect(() => lpm.set(0, 33, 1)).toThrow(RangeError);
    expect(() => lpm.set(0, -1, 1)).toThrow(RangeError);
    expect(() => lpm.set(0, 8, -1)).toThrow(RangeError);
    expect(() => lpm.set(0, 8, 1.5)).toThrow(RangeError);
    expect(lpm.size).toBe(0);
  });

  it('switches between scan and DIR as the table grows and shrinks', () => {
    const t = new Both(4);
    for (let i = 0; i < 4; i++) t.set((10 << 24) | (i << 16), 16, i);
    expect(t.lpm.representation).toBe('scan');
    t.check(boundaries(t.routes.values()));
    t.set(0, 0, 99);
    expect(t.lpm.representation).toBe('dir');
    t.check(boundaries(t.routes.values()));
    t.delete((10 << 24) | (3 << 16), 16);
    expect(t.lpm.representation).toBe('scan');
    t.check(boundaries(t.routes.values()));
  });

  const randomCases = [
    { prefixes: 10, seed: 1 },
    { prefixes: 100, seed: 2 },
    { prefixes: 10_000, seed: 3 },
  ];
  for (const { prefixes, seed } of randomCases) {
    for (const rep of [{ name: 'default', smallMax: undefined }, ...representations]) {
      if (prefixes === 10_000 && rep.name === 'scan') continue; // the naive reference is enough of a scan
      it(`agrees with a naive scan: ${prefixes} random /0–/32 prefixes, ${rep.name} representation`, () => {
        const rnd = mulberry32(seed);
        const t = new Both(rep.smallMax);
        const list: Route[] = [];
        for (let i = 0; i < prefixes; i++) {
          // Uniform lengths /0–/32 (so short covering prefixes and /32 hosts both occur), random bits.
          const len = rnd() % 33;
          const prefix = (rnd() & prefixMask(len)) >>> 0;
          t.set(prefix, len, i);
          list.push({ prefix, len, id: i });
        }
        if (rep.name !== 'default') expect(t.lpm.representation).toBe(rep.name);
        else expect(t.lpm.representation).toBe(prefixes <= 32 ? 'scan' : 'dir');

        // Random lookups: half inside a random prefix (random host bits), half uniform.
        const addrs = new Uint32Array(20_000);
        for (let i = 0; i < addrs.length; i++) {
          if (i & 1) addrs[i] = rnd();
          else {
            const r = list[rnd() % list.length]!;
            addrs[i] = (r.prefix | (rnd() & ~prefixMask(r.len))) >>> 0;
          }
        }
        const want = referenceLookups(t.routes.values(), addrs);
        let bad = 0;
        let first = '';
        for (let i = 0; i < addrs.length; i++) {
          const got = t.lpm.lookup(addrs[i]!);
          if (got !== want[i]) {
            if (bad++ === 0) first = `addr 0x${addrs[i]!.toString(16)}: got ${got}, want ${want[i]}`;
          }
        }
        expect(first).toBe('');
        expect(bad).toBe(0);
        t.check(boundaries(list.slice(0, 200)));

        // Delete a third of the prefixes and check again.
        for (let i = 0; i < list.length; i += 3) t.delete(list[i]!.prefix, list[i]!.len);
        const want2 = referenceLookups(t.routes.values(), addrs);
        for (let i = 0; i < addrs.length; i++) {
          const got = t.lpm.lookup(addrs[i]!);
          if (got !== want2[i]) {
            if (bad++ === 0) first = `after deletes, addr 0x${addrs[i]!.toString(16)}: got ${got}, want ${want2[i]}`;
          }
        }
        expect(first).toBe('');
        expect(bad).toBe(0);
        expect(t.lpm.size).toBe(t.routes.size);
      });
    }
  }
});

/** The naive reference over a whole lookup set: scan every prefix for each address, keep the longest. */
function referenceLookups(routes: Iterable<Route>, addrs: Uint32Array): Int32Array {
  const all = Array.from(routes);
  const n = all.length;
  const prefix = new Int32Array(n);
  const mask = new Int32Array(n);
  const len = new Int32Array(n);
  const id = new Int32Array(n);
  all.forEach((r, i) => {
    prefix[i] = r.prefix | 0;
    mask[i] = prefixMask(r.len) | 0;
    len[i] = r.len;
    id[i] = r.id;
  });
  const out = new Int32Array(addrs.length);
  for (let k = 0; k < addrs.length; k++) {
    const a = addrs[k]! | 0;
    let best = -1;
    let bestLen = -1;
    for (let i = 0; i < n; i++) {
      if ((a & mask[i]!) === prefix[i]! && len[i]! > bestLen) {
        best = id[i]!;
        bestLen = len[i]!;
      }
    }
    out[k] = best;
  }
  // The typed version of the scan must say what the plain one says.
  for (let k = 0; k < addrs.length; k += 97) expect(out[k]).toBe(naive(all, addrs[k]!));
  return out;
}
