// A container's /etc/resolv.conf and the external servers its embedded DNS forwards to, as
// libnetwork 19.03 makes them (sandbox_dns_unix.go setupDNS/rebuildDNS, resolvconf/resolvconf.go):
// - --network host without DNS options: the host's file, copied;
// - --dns/--dns-search/--dns-option (or the daemon's `dns`, `dns-search`, `dns-opts`): a file built
//   from them, the host's values standing in for the ones not given; the servers are those;
// - otherwise the host's file without its localhost nameservers (Google's 8.8.8.8/8.8.4.4 and their
//   IPv6 pair appended when none is left); the servers are the host's own, a 127.x one reached
//   from the host's namespace (HostLoopback);
// - on a user-defined network the embedded DNS takes over (rebuildDNS): `nameserver 127.0.0.11`,
//   the IPv6 nameservers, the search list, and the options plus `ndots:0` unless ndots was set.
import { parseIp4 } from '../core/addr.js';
import type { Ip4 } from '../core/addr.js';

/** An upstream server of the embedded DNS (resolver.go extDNSEntry). */
export interface ExtDns {
  readonly ip: Ip4;
  /** A localhost server of the host: dialled from the host's namespace, not the container's. */
  readonly hostLoopback: boolean;
}

/** DNS options a container was given (or the daemon's defaults). */
export interface DnsOptions {
  readonly dns: readonly string[];
  readonly search: readonly string[];
  readonly options: readonly string[];
}

export interface SandboxDns {
  readonly resolvConf: string;
  /** Shared by the containers made from the same file: never written. */
  readonly ext: readonly ExtDns[];
}

/**
 * A pure function of a file's text, answered from the texts seen last: every container of a host
 * filters the same resolv.conf (each of a swarm's task containers did the regular expressions
 * again, some 10 µs a container). Holds a few texts at a time.
 */
function memo<T>(f: (content: string) => T): (content: string) => T {
  const seen = new Map<string, T>();
  return (content) => {
    let v = seen.get(content);
    if (v === undefined) {
      if (seen.size >= 16) seen.clear();
      seen.set(content, (v = f(content)));
    }
    return v;
  };
}

const IPV4 = /^(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)(\.(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)){3}$/;
const IPV6 = /^([0-9A-Fa-f]{0,4}:){2,7}([0-9A-Fa-f]{0,4})(%\w+)?$/;
const DEFAULT_IPV4 = ['nameserver 8.8.8.8', 'nameserver 8.8.4.4'];
const DEFAULT_IPV6 = ['nameserver 2001:4860:4860::8888', 'nameserver 2001:4860:4860::8844'];

/** resolvconf getLines: each line without its comment, trimmed, empty ones left out. */
function lines(content: string): string[] {
  return content.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter((l) => l !== '');
}

/** GetNameservers: the addresses of the `nameserver` lines of one family ('any' for both). */
export function getNameservers(content: string, family: 'v4' | 'v6' | 'any'): string[] {
  const out: string[] = [];
  for (const l of lines(content)) {
    const m = /^nameserver\s*(\S+)$/.exec(l);
    if (m === null) continue;
    const v4 = IPV4.test(m[1]!);
    const v6 = !v4 && IPV6.test(m[1]!);
    if ((family === 'v4' && v4) || (family === 'v6' && v6) || (family === 'any' && (v4 || v6))) out.push(m[1]!);
  }
  return out;
}

/** GetSearchDomains / GetOptions: the words of the last `search` / `options` line. */
function lastList(content: string, key: string): string[] {
  let out: string[] = [];
  for (const l of lines(content)) if (l === key || l.startsWith(`${key} `) || l.startsWith(`${key}\t`)) out = l.slice(key.length).trim().split(/\s+/).filter((w) => w !== '');
  return out;
}

/** FilterResolvDNS: localhost nameservers removed (dns.IPLocalhost: 127.x.x.x and ::1), IPv6
 *  ones too unless IPv6 is enabled, Google's appended when no nameserver is left. setupDNS calls
 *  it with IPv6 enabled ("we have no info about ipv6"), each endpoint join (updateDNS) with the
 *  network's setting. */
export function filterResolvDns(content: string, ipv6Enabled: boolean): string {
  return ipv6Enabled ? filterKeepingIpv6(content) : filterDroppingIpv6(content);
}

const filterKeepingIpv6 = memo((content) => filterResolvDnsOf(content, true));
const filterDroppingIpv6 = memo((content) => filterResolvDnsOf(content, false));

function filterResolvDnsOf(content: string, ipv6Enabled: boolean): string {
  let cleaned = content.replace(/^nameserver\s+((127\.([0-9]{1,3}\.){2}[0-9]{1,3})|(::1)$)\s*\n*/gm, '');
  if (!ipv6Enabled) cleaned = cleaned.replace(/^nameserver\s+([0-9A-Fa-f]{0,4}:){2,7}([0-9A-Fa-f]{0,4})(%\w+)?\s*\n*/gm, '');
  if (getNameservers(cleaned, 'any').length > 0) return cleaned;
  return `${cleaned}\n${[...DEFAULT_IPV4, ...(ipv6Enabled ? DEFAULT_IPV6 : [])].join('\n')}`;
}

/** resolvconf.Build: search, nameservers, options, one line each. */
export function buildResolvConf(dns: readonly string[], search: readonly string[], options: readonly string[]): string {
  let out = '';
  if (search.length > 0 && search.join(' ').trim() !== '.') out += `search ${search.join(' ')}\n`;
  for (const d of dns) out += `nameserver ${d}\n`;
  if (options.length > 0 && options.join(' ').trim() !== '') out += `options ${options.join(' ')}\n`;
  return out;
}

function extOf(content: string, checkLoopback: boolean): readonly ExtDns[] {
  return checkLoopback ? extWithLoopback(content) : extWithoutLoopback(content);
}

const extWithLoopback = memo((content) => extOfText(content, true));
const extWithoutLoopback = memo((content) => extOfText(content, false));

function extOfText(content: string, checkLoopback: boolean): readonly ExtDns[] {
  return getNameservers(content, 'v4').map((s) => ({ ip: parseIp4(s)!, hostLoopback: checkLoopback && s.startsWith('127.') }));
}

/** The default resolv.conf path, and the one systemd-resolved keeps its upstream servers in. */
export const DEFAULT_RESOLV_CONF = '/etc/resolv.conf';
export const SYSTEMD_RESOLV_CONF = '/run/systemd/resolve/resolv.conf';

/**
 * resolvconf.Path(), which dockerd runs once as it starts (daemon_linux.go setupResolvConf): a
 * host whose /etc/resolv.conf names 127.0.0.53 and nothing else is taken to run
 * systemd-resolved, whose stub cannot be reached from a container, so the daemon reads
 * /run/systemd/resolve/resolv.conf instead — whether or not that file exists.
 */
export function resolvConfPath(etcResolvConf: string | undefined): string {
  if (etcResolvConf === undefined) return DEFAULT_RESOLV_CONF;
  const ns = getNameservers(etcResolvConf, 'any');
  return ns.length === 1 && ns[0] === '127.0.0.53' ? SYSTEMD_RESOLV_CONF : DEFAULT_RESOLV_CONF;
}

/** Whether any DNS option was given (then the file is the user's: updateDNS leaves it alone). */
export function dnsGiven(o: DnsOptions): boolean {
  return o.dns.length > 0 || o.search.length > 0 || o.options.length > 0;
}

/** setupDNS at sandbox creation. `host` is the host's /etc/resolv.conf (undefined: none). */
export function setupDns(host: string | undefined, o: DnsOptions, hostNetwork: boolean): SandboxDns {
  const given = dnsGiven(o);
  if (hostNetwork && !given) return { resolvConf: host ?? '', ext: [] };
  const curr = host ?? '';
  if (given) {
    const conf = buildResolvConf(
      o.dns.length > 0 ? o.dns : getNameservers(curr, 'any'),
      o.search.length > 0 ? o.search : lastList(curr, 'search'),
      o.options.length > 0 ? o.options : lastList(curr, 'options'),
    );
    // --dns 127.0.0.x means the container's own loopback.
    return { resolvConf: conf, ext: extOf(conf, false) };
  }
  return { resolvConf: filterResolvDns(curr, true), ext: extOf(curr, true) };
}

/** rebuildDNS when the embedded DNS starts: the file the container then has, and the servers it
 *  forwards to (the file's own IPv4 ones when setupDNS found none). */
export function rebuildDns(sb: SandboxDns, resolverIp: string): SandboxDns {
  const ext = sb.ext.length > 0 ? sb.ext : extOf(sb.resolvConf, false);
  const options = lastList(sb.resolvConf, 'options');
  // The user's ndots wins; otherwise ndots:0 makes service names resolve first.
  const ndotsSet = options.some((op) => op.includes('ndots') && /^ndots:\d+$/.test(op));
  const conf = buildResolvConf([resolverIp, ...getNameservers(sb.resolvConf, 'v6')], lastList(sb.resolvConf, 'search'), ndotsSet ? options : [...options, 'ndots:0']);
  return { resolvConf: conf, ext };
}
