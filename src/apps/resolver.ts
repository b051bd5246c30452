// Name resolution as the C library does it inside a namespace: the literal address, /etc/hosts,
// then real DNS queries (dns-packet on the wire) over UDP to the `nameserver`s of /etc/resolv.conf
// in order, each waited for 5 s, the whole round tried twice (glibc's defaults, resolv.conf(5):
// timeout:5 attempts:2, at most 3 servers). A machine with no resolv.conf resolves nothing else.
import { parseIp4 } from '../core/addr.js';
import type { Ip4 } from '../core/addr.js';
import type { Netns } from '../kernel/netns.js';
import { udpSend } from '../kernel/udp.js';
import { SEC } from '../sim/clock.js';
import { decodeDnsReply, dnsQuery, ptrName } from './dns.js';
import type { DnsReply } from './dns.js';

export const RESOLV_TIMEOUT = 5 * SEC;

/** Where a lookup runs: a namespace and the files (/etc/hosts, /etc/resolv.conf) it sees. */
export interface ResolverEnv {
  readonly ns: Netns;
  readonly files: ReadonlyMap<string, string>;
}

/** Looks `name` up in the /etc/hosts text (first match wins, names are case-insensitive). */
export function hostsLookup(hosts: string | undefined, name: string): Ip4 | null {
  if (hosts === undefined) return null;
  const want = name.toLowerCase();
  for (const line of hosts.split('\n')) {
    const words = line.replace(/#.*/, '').trim().split(/\s+/);
    if (words.length < 2) continue;
    const ip = parseIp4(words[0]!);
    if (ip !== null && words.slice(1).some((w) => w.toLowerCase() === want)) return ip;
  }
  return null;
}

/** glibc reads at most this many nameservers (MAXNS). */
const MAXNS = 3;
/** glibc's default `attempts`. */
const ATTEMPTS = 2;

/** The IPv4 nameservers of a resolv.conf text, in order (glibc keeps the first MAXNS). */
export function nameservers(conf: string | undefined): Ip4[] {
  const out: Ip4[] = [];
  for (const line of (conf ?? '').split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    const ip = m === null ? null : parseIp4(m[1]!);
    if (ip !== null) out.push(ip);
  }
  return out;
}

/** The first nameserver of /etc/resolv.conf, or null. */
export function nameserver(env: ResolverEnv): Ip4 | null {
  return nameservers(env.files.get('/etc/resolv.conf'))[0] ?? null;
}

/**
 * One UDP exchange from `ns`: `bytes` to `server`:`port` from a fresh ephemeral port, the first
 * datagram back handed to `done`, or null after `timeout` (or an ICMP error, or no route).
 */
export function udpExchange(ns: Netns, server: Ip4, port: number, bytes: Uint8Array, timeout: number, done: (reply: Uint8Array | null) => void): void {
  const eq = ns.host.eq;
  const rng = ns.host.rng;
  const sport = ns.sockets.ephemeralPort((n) => rng.below(n));
  let finished = false;
  const finish = (r: Uint8Array | null): void => {
    if (finished) return;
    finished = true;
    eq.cancel(timer);
    ns.sockets.unbindUdp(sport);
    done(r);
  };
  ns.sockets.bindUdp({
    port: sport,
    addr: 0,
    kernel: false,
    onDatagram: (pkt) => {
      if (pkt.payload !== null) finish(pkt.payload);
    },
    onError: () => finish(null),
  });
  const timer = eq.after(timeout, () => finish(null));
  if (udpSend(ns, 0, sport, server, port, bytes, null, eq.now) !== 0) finish(null);
}

/** Sends DNS queries for `name` to `server`:53, `tries` times `timeout` apart, and reports the
 *  first reply (null: none in time). */
export function dnsLookup(env: ResolverEnv, server: Ip4, name: string, done: (r: DnsReply | null) => void, type: 'A' | 'PTR' = 'A', tries = 1, timeout = RESOLV_TIMEOUT): void {
  const id = env.ns.host.rng.below(65536);
  const attempt = (left: number): void => {
    udpExchange(env.ns, server, 53, dnsQuery(name, id, type), timeout, (bytes) => {
      const r = bytes === null ? null : decodeDnsReply(bytes);
      if (r === null && left > 1) return attempt(left - 1);
      done(r);
    });
  };
  attempt(tries);
}

/** res_query: each nameserver of resolv.conf in turn, the round `ATTEMPTS` times, until one replies. */
function resQuery(env: ResolverEnv, name: string, type: 'A' | 'PTR', done: (r: DnsReply | null) => void): void {
  const servers = nameservers(env.files.get('/etc/resolv.conf')).slice(0, MAXNS);
  if (servers.length === 0) return done(null);
  let i = 0;
  const next = (): void => {
    if (i === servers.length * ATTEMPTS) return done(null);
    dnsLookup(env, servers[i++ % servers.length]!, name, (r) => (r === null ? next() : done(r)), type);
  };
  next();
}

/** getaddrinfo(): the address `name` stands for, or null. */
export function resolveHost(env: ResolverEnv, name: string, done: (ip: Ip4 | null) => void): void {
  const literal = parseIp4(name);
  if (literal !== null) return done(literal);
  if (name === 'localhost') return done(0x7f000001);
  const fromHosts = hostsLookup(env.files.get('/etc/hosts'), name);
  if (fromHosts !== null) return done(fromHosts);
  resQuery(env, name, 'A', (r) => {
    const first = r !== null && r.rcode === 'NOERROR' ? r.addrs[0] : undefined;
    done(first === undefined ? null : parseIp4(first));
  });
}

/** getnameinfo(): the name an address has (/etc/hosts, then a PTR query), or null. */
export function reverseLookup(env: ResolverEnv, ip: Ip4, done: (name: string | null) => void): void {
  for (const line of (env.files.get('/etc/hosts') ?? '').split('\n')) {
    const words = line.replace(/#.*/, '').trim().split(/\s+/);
    if (words.length >= 2 && parseIp4(words[0]!) === ip) return done(words[1]!);
  }
  resQuery(env, ptrName(ip), 'PTR', (r) => done(r !== null && r.rcode === 'NOERROR' ? r.names?.[0]?.replace(/\.$/, '') ?? null : null));
}
