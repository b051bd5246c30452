// Name resolution as the C library does it inside a namespace: the literal address, /etc/hosts,
// then a real DNS query (dns-packet on the wire) over UDP to the first `nameserver` of
// /etc/resolv.conf, waiting up to 5 s. A machine with no resolv.conf resolves nothing else.
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

/** The first nameserver of /etc/resolv.conf, or null. */
export function nameserver(env: ResolverEnv): Ip4 | null {
  const conf = env.files.get('/etc/resolv.conf');
  if (conf === undefined) return null;
  for (const line of conf.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m !== null) return parseIp4(m[1]!);
  }
  return null;
}

/** Sends one DNS query for `name` to `server`:53 and reports the reply (null: no answer in time). */
export function dnsLookup(env: ResolverEnv, server: Ip4, name: string, done: (r: DnsReply | null) => void, type: 'A' | 'PTR' = 'A'): void {
  const ns = env.ns;
  const eq = ns.host.eq;
  const rng = ns.host.rng;
  const sport = ns.sockets.ephemeralPort((n) => rng.below(n));
  const id = rng.below(65536);
  let finished = false;
  const finish = (r: DnsReply | null): void => {
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
      if (pkt.payload !== null) finish(decodeDnsReply(pkt.payload));
    },
    onError: () => finish(null),
  });
  const timer = eq.after(RESOLV_TIMEOUT, () => finish(null));
  if (udpSend(ns, 0, sport, server, 53, dnsQuery(name, id, type), null, eq.now) !== 0) finish(null);
}

/** getaddrinfo(): the address `name` stands for, or null. */
export function resolveHost(env: ResolverEnv, name: string, done: (ip: Ip4 | null) => void): void {
  const literal = parseIp4(name);
  if (literal !== null) return done(literal);
  if (name === 'localhost') return done(0x7f000001);
  const fromHosts = hostsLookup(env.files.get('/etc/hosts'), name);
  if (fromHosts !== null) return done(fromHosts);
  const server = nameserver(env);
  if (server === null) return done(null);
  dnsLookup(env, server, name, (r) => {
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
  const server = nameserver(env);
  if (server === null) return done(null);
  dnsLookup(env, server, ptrName(ip), (r) => done(r !== null && r.rcode === 'NOERROR' ? r.names?.[0]?.replace(/\.$/, '') ?? null : null), 'PTR');
}
