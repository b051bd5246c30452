// Route lookup (longest-prefix match) figures: our Lpm against ipaddr.js baselines, on a 20-route
// Docker-host-like table and on 10,000 random /16–/30 prefixes plus a default route. Every
// implementation is first checked, address by address, against a naive reference scan of the
// lookup set; during timing every batch must return the reference checksum (the sum of the ids).
import ipaddr from 'ipaddr.js';
import { formatIp4, parseCidr, prefixMask } from '../src/core/addr.js';
import { Rng } from '../src/core/rng.js';
import { Lpm } from '../src/kernel/route/lpm.js';
import { type BenchOptions, type Figure, measure, progress } from './harness.js';

export interface Route {
  prefix: number;
  len: number;
  id: number;
}

/** A Docker Swarm host: default route, loopback, docker0, docker_gwbridge, overlays, eth1, locals. */
const HOST20 = [
  '0.0.0.0/0',
  '127.0.0.0/8',
  '127.0.0.1/32',
  '10.0.0.0/8',
  '10.0.0.0/24',
  '10.0.0.2/32',
  '10.0.0.255/32',
  '10.0.1.0/24',
  '10.0.2.0/24',
  '172.16.0.0/12',
  '172.17.0.0/16',
  '172.17.0.1/32',
  '172.17.255.255/32',
  '172.18.0.0/16',
  '172.18.0.1/32',
  '169.254.0.0/16',
  '192.168.205.0/24',
  '192.168.205.10/32',
  '192.168.205.255/32',
  '224.0.0.0/4',
];

const HOST_LOOKUPS = 4096;
/** 64 Ki addresses: enough that the DIR chunks they touch do not all stay in cache (8 Ki gave ~2x more). */
const BIG_LOOKUPS = 65536;
/** The pre-parsed ipaddr.js scan over 10k prefixes does ~20 k lookups/s: a small batch. */
const BIG_IPADDR_LOOKUPS = 256;

function hostRoutes(): Route[] {
  return HOST20.map((text, id) => {
    const c = parseCidr(text);
    if (c === null) throw new Error(`bad route ${text}`);
    return { prefix: (c.addr & prefixMask(c.len)) >>> 0, len: c.len, id };
  });
}

/** 10,000 distinct random /16–/30 prefixes, then the default route. */
function bigRoutes(rng: Rng): Route[] {
  const seen = new Set<number>();
  const routes: Route[] = [];
  while (routes.length < 10_000) {
    const len = 16 + rng.below(15);
    const prefix = (rng.nextU32() & prefixMask(len)) >>> 0;
    const key = len * 0x100000000 + prefix;
    if (seen.has(key)) continue;
    seen.add(key);
    routes.push({ prefix, len, id: routes.length });
  }
  routes.push({ prefix: 0, len: 0, id: routes.length });
  return routes;
}

/**
 * A fixed pseudo-random lookup mix: `inside` of the addresses fall in a route picked uniformly
 * (random host bits; it may still match a longer route inside it), the rest are uniform.
 */
function lookupSet(rng: Rng, routes: Route[], count: number, inside: number): Uint32Array {
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    if (rng.nextU32() / 0x100000000 < inside) {
      const r = routes[rng.below(routes.length)]!;
      out[i] = (r.prefix | (rng.nextU32() & ~prefixMask(r.len))) >>> 0;
    } else {
      out[i] = rng.nextU32();
    }
  }
  return out;
}

/** The reference: scan every route, keep the longest match. */
function reference(routes: Route[], addrs: Uint32Array): Int32Array {
  const out = new Int32Array(addrs.length);
  for (let k = 0; k < addrs.length; k++) {
    const a = addrs[k]!;
    let best = -1;
    let bestLen = -1;
    for (const r of routes) {
      if ((a & prefixMask(r.len)) >>> 0 === r.prefix && r.len > bestLen) {
        best = r.id;
        bestLen = r.len;
      }
    }
    out[k] = best;
  }
  return out;
}

function sum(ids: Int32Array, count = ids.length): number {
  let s = 0;
  for (let i = 0; i < count; i++) s += ids[i]!;
  return s;
}

/** Throws unless `lookup(i)` gives the reference id for every address of the set. */
function checkAgrees(what: string, addrs: Uint32Array, want: Int32Array, count: number, lookup: (i: number) => number): void {
  for (let i = 0; i < count; i++) {
    const got = lookup(i);
    if (got !== want[i]) {
      throw new Error(`${what} disagrees with the reference scan: ${formatIp4(addrs[i]!)} gave route ${got}, the reference ${want[i]}`);
    }
  }
  progress(`  ${what}: agrees with the reference on ${count} lookups`);
}

// --- Implementations --------------------------------------------------------------------------

function buildLpm(routes: Route[]): Lpm {
  const lpm = new Lpm();
  for (const r of routes) lpm.set(r.prefix, r.len, r.id);
  if (lpm.size !== routes.length) throw new Error(`Lpm holds ${lpm.size} prefixes, expected ${routes.length}`);
  return lpm;
}

/** ipaddr.js as a naive simulator would use it: [IPv4, len] pairs, longest first, first match wins. */
export class IpaddrScan {
  private readonly pairs: Array<[ipaddr.IPv4, number]>;
  private readonly ids: number[];
  constructor(routes: Route[]) {
    const sorted = [...routes].sort((a, b) => b.len - a.len);
    this.pairs = sorted.map((r) => [ipaddr.IPv4.parse(formatIp4(r.prefix)), r.len]);
    this.ids = sorted.map((r) => r.id);
  }
  lookup(addr: ipaddr.IPv4): number {
    const pairs = this.pairs;
    for (let i = 0; i < pairs.length; i++) if (addr.match(pairs[i]!)) return this.ids[i]!;
    return -1;
  }
  lookupText(text: string): number {
    return this.lookup(ipaddr.IPv4.parse(text));
  }
}

// --- Figures ----------------------------------------------------------------------------------

export function lpmBench(options: BenchOptions): Figure[] {
  const rng = new Rng(0x5eed);
  const figures: Figure[] = [];

  // 20-route host table.
  const host = hostRoutes();
  const hostAddrs = lookupSet(rng, host, HOST_LOOKUPS, 0.85);
  const hostWant = reference(host, hostAddrs);
  const hit = new Set(hostWant);
  const missed = host.filter((r) => !hit.has(r.id)).map((r) => `${formatIp4(r.prefix)}/${r.len}`);
  if (missed.length > 0) throw new Error(`the host20 lookup set misses routes: ${missed.join(', ')}`);
  const hostSum = sum(hostWant);
  const hostLpm = buildLpm(host);
  checkAgrees('lpm.host20', hostAddrs, hostWant, HOST_LOOKUPS, (i) => hostLpm.lookup(hostAddrs[i]!));
  const hostScan = new IpaddrScan(host);
  const hostParsed = Array.from(hostAddrs, (a) => ipaddr.IPv4.parse(formatIp4(a)));
  const hostText = Array.from(hostAddrs, formatIp4);
  checkAgrees('lpm.ipaddr.host20', hostAddrs, hostWant, HOST_LOOKUPS, (i) => hostScan.lookup(hostParsed[i]!));
  checkAgrees('lpm.ipaddr-parse.host20', hostAddrs, hostWant, HOST_LOOKUPS, (i) => hostScan.lookupText(hostText[i]!));

  figures.push(
    measure(
      {
        name: 'lpm.host20',
        unit: 'lookups/s',
        target: 60e6,
        opsPerCall: HOST_LOOKUPS,
        expect: hostSum,
        batch: () => {
          let s = 0;
          for (let i = 0; i < HOST_LOOKUPS; i++) s += hostLpm.lookup(hostAddrs[i]!);
          return s;
        },
      },
      options,
    ),
  );
  figures.push(
    measure(
      {
        name: 'lpm.ipaddr.host20',
        unit: 'lookups/s',
        target: null,
        opsPerCall: HOST_LOOKUPS,
        expect: hostSum,
        batch: () => {
          let s = 0;
          for (let i = 0; i < HOST_LOOKUPS; i++) s += hostScan.lookup(hostParsed[i]!);
          return s;
        },
      },
      options,
    ),
  );
  figures.push(
    measure(
      {
        name: 'lpm.ipaddr-parse.host20',
        unit: 'lookups/s',
        target: null,
        opsPerCall: HOST_LOOKUPS,
        expect: hostSum,
        batch: () => {
          let s = 0;
          for (let i = 0; i < HOST_LOOKUPS; i++) s += hostScan.lookupText(hostText[i]!);
          return s;
        },
      },
      options,
    ),
  );

  // 10,000 random /16–/30 prefixes + default.
  const big = bigRoutes(rng);
  const bigAddrs = lookupSet(rng, big, BIG_LOOKUPS, 0.75);
  const bigWant = reference(big, bigAddrs);
  const bigSum = sum(bigWant);
  const bigLpm = buildLpm(big);
  if (bigLpm.representation !== 'dir') throw new Error(`lpm.prefix10k: expected the DIR representation, got ${bigLpm.representation}`);
  checkAgrees('lpm.prefix10k', bigAddrs, bigWant, BIG_LOOKUPS, (i) => bigLpm.lookup(bigAddrs[i]!));
  const bigScan = new IpaddrScan(big);
  const bigParsed = Array.from(bigAddrs.subarray(0, BIG_IPADDR_LOOKUPS), (a) => ipaddr.IPv4.parse(formatIp4(a)));
  checkAgrees('lpm.ipaddr.prefix10k', bigAddrs, bigWant, BIG_IPADDR_LOOKUPS, (i) => bigScan.lookup(bigParsed[i]!));

  figures.push(
    measure(
      {
        name: 'lpm.prefix10k',
        unit: 'lookups/s',
        target: 25e6,
        opsPerCall: BIG_LOOKUPS,
        expect: bigSum,
        batch: () => {
          let s = 0;
          for (let i = 0; i < BIG_LOOKUPS; i++) s += bigLpm.lookup(bigAddrs[i]!);
          return s;
        },
      },
      options,
    ),
  );
  figures.push(
    measure(
      {
        name: 'lpm.ipaddr.prefix10k',
        unit: 'lookups/s',
        target: null,
        opsPerCall: BIG_IPADDR_LOOKUPS,
        expect: sum(bigWant, BIG_IPADDR_LOOKUPS),
        batch: () => {
          let s = 0;
          for (let i = 0; i < BIG_IPADDR_LOOKUPS; i++) s += bigScan.lookup(bigParsed[i]!);
          return s;
        },
      },
      options,
    ),
  );
  return figures;
}
