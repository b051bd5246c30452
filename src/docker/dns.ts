// Docker's embedded DNS server (libnetwork resolver.go), one per container sandbox that has a
// user-defined network: it listens on 127.0.0.11 at a random port, reached through the
// DOCKER_OUTPUT/DOCKER_POSTROUTING NAT that maps port 53 to it. It answers from the networks the
// asking container is attached to only — container names, aliases, short IDs and service records
// — with TTL 600 and the addresses shuffled; every other name is forwarded to the sandbox's
// external servers (resolver.go ServeDNS), from inside the container's namespace.
import type { Ip4 } from '../core/addr.js';
import { dnsServe, replyStatus } from '../apps/dns.js';
import { udpExchange } from '../apps/resolver.js';
import { SEC } from '../sim/clock.js';
import type { ExtDns } from './resolvconf.js';
import { setupDns } from './resolvconf.js';
import type { Daemon } from './daemon.js';
import { ensureChain, programRule } from './firewall.js';
import type { Container } from './model.js';
import type { Netns } from '../kernel/netns.js';

export const RESOLVER_IP: Ip4 = 0x7f00000b; // 127.0.0.11
export const RESP_TTL = 600;
/** resolver.go: at most 3 external servers, each given 4 s (extIOTimeout). */
const MAX_EXT_DNS = 3;
const EXT_IO_TIMEOUT = 4 * SEC;

/** The answer to a name asked from inside `c`, or null. */
export function resolveInContainer(d: Daemon, c: Container, query: string): Ip4[] | null {
  const name = query.toLowerCase().replace(/\.$/, '');
  for (const ep of c.endpoints) {
    const net = ep.network;
    if (net.isDefaultBridge || net.flags.ingress) continue;
    const found: Ip4[] = [];
    for (const other of net.endpoints.values()) {
      const oc = d.containers.get(other.key);
      const names = [other.name, ...other.aliases, ...(oc !== undefined ? [oc.shortId, oc.hostname] : [])].map((n) => n.toLowerCase());
      if (names.includes(name)) found.push(other.ip);
    }
    for (const r of net.remote.values()) if (r.name.toLowerCase() === name) found.push(r.ip);
    const rec = net.dnsRecords.get(name);
    if (rec !== undefined) found.push(...rec);
    if (found.length > 0) return d.rng.shuffle([...new Set(found)]);
  }
  return null;
}

/** A PTR query: `<container name>.<network name>` for an endpoint on the asker's networks
 *  (libnetwork's ResolveIP, e.g. web-test.1.<task id>.ol_net, seed 003:146). */
export function reverseInContainer(c: Container, ip: Ip4): string | null {
  for (const ep of c.endpoints) {
    const net = ep.network;
    if (net.isDefaultBridge || net.flags.ingress) continue;
    for (const other of net.endpoints.values()) if (other.ip === ip) return `${other.name}.${net.name}`;
    for (const r of net.remote.values()) if (r.ip === ip) return `${r.name}.${net.name}`;
    // Swarm tasks elsewhere are known by their container names, <service>.<slot>.<task id>.
    for (const [name, ips] of net.dnsRecords) if (/^[^.]+\.[^.]+\.[0-9a-z]{25}$/.test(name) && ips.includes(ip)) return `${name}.${net.name}`;
  }
  return null;
}

export function startEmbeddedDns(d: Daemon, c: Container): void {
  if (c.dnsStarted) return;
  c.dnsStarted = true;
  startResolver(d, c.sandbox, (name) => resolveInContainer(d, c, name), (ip) => reverseInContainer(c, ip), () => c.extDns);
}

/**
 * ServeDNS for a name the networks do not know: the query as it came, to each external server in
 * turn, dialled in the container's namespace (backend.ExecFunc) — so it leaves by the container's
 * own routes and the host's NAT — or in the host's for a host loopback server. SERVFAIL, REFUSED,
 * other errors and a non-authoritative NXDOMAIN try the next server; no answer at all from any
 * leaves the client without a reply.
 */
function forwardExtDns(d: Daemon, ns: Netns, ext: readonly ExtDns[], query: Uint8Array, reply: (bytes: Uint8Array | null) => void): void {
  let i = 0;
  let resp: Uint8Array | null = null;
  const next = (): void => {
    const e = ext[i++];
    if (e === undefined || i > MAX_EXT_DNS) return reply(resp);
    udpExchange(e.hostLoopback ? d.host.root : ns, e.ip, 53, query, EXT_IO_TIMEOUT, (bytes) => {
      const st = bytes === null ? null : replyStatus(bytes);
      resp = st === null ? null : bytes;
      if (st === null) return next();
      if (st.rcode === 'NOERROR' || (st.rcode === 'NXDOMAIN' && st.authoritative)) return reply(resp);
      next();
    });
  };
  next();
}

/**
 * sandbox.startResolver: the resolver's two sockets on 127.0.0.11 at random ports and the NAT
 * that maps port 53 to them (resolver.SetupFunc). Every sandbox whose endpoints do not disable
 * resolution gets one — containers on user networks, and also the ingress sandbox, whose
 * endpoints the daemon creates without CreateOptionDisableResolution.
 */
export function startResolver(d: Daemon, ns: Netns, answer: (name: string) => Ip4[] | null, reverse: (ip: Ip4) => string | null, ext?: () => readonly ExtDns[]): void {
  // A sandbox that is no container's (the ingress sandbox) has the host's servers.
  const hostExt = ext === undefined ? setupDns(d.hostResolvConf(), d.dnsDefaults, false).ext : [];
  const extOf = ext ?? ((): readonly ExtDns[] => hostExt);
  const draw = (n: number): number => d.rng.below(n);
  const udpPort = ns.sockets.ephemeralPort(draw);
  dnsServe(ns, RESOLVER_IP, udpPort, (name) => {
    const addrs = answer(name);
    return addrs === null ? null : { addrs, ttl: RESP_TTL };
  }, { reverse, forward: (query, reply) => forwardExtDns(d, ns, extOf(), query, reply) });
  let tcpPort = ns.sockets.ephemeralPort(draw);
  if (tcpPort === udpPort) tcpPort = udpPort === 60999 ? 32768 : udpPort + 1;
  ensureChain(ns, 'nat', 'DOCKER_OUTPUT');
  ensureChain(ns, 'nat', 'DOCKER_POSTROUTING');
  // resolver_unix.go: the jumps inserted at the top of OUTPUT and POSTROUTING.
  programRule(ns, 'nat', '-I', 'OUTPUT', '-d 127.0.0.11/32 -j DOCKER_OUTPUT');
  programRule(ns, 'nat', '-I', 'POSTROUTING', '-d 127.0.0.11/32 -j DOCKER_POSTROUTING');
  programRule(ns, 'nat', '-A', 'DOCKER_OUTPUT', `-d 127.0.0.11/32 -p tcp -m tcp --dport 53 -j DNAT --to-destination 127.0.0.11:${tcpPort}`);
  programRule(ns, 'nat', '-A', 'DOCKER_OUTPUT', `-d 127.0.0.11/32 -p udp -m udp --dport 53 -j DNAT --to-destination 127.0.0.11:${udpPort}`);
  programRule(ns, 'nat', '-A', 'DOCKER_POSTROUTING', `-s 127.0.0.11/32 -p tcp -m tcp --sport ${tcpPort} -j SNAT --to-source :53`);
  programRule(ns, 'nat', '-A', 'DOCKER_POSTROUTING', `-s 127.0.0.11/32 -p udp -m udp --sport ${udpPort} -j SNAT --to-source :53`);
}
