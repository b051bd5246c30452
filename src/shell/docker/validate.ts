// The argument checks Docker 19.03 makes before anything runs, with its words: image references
// (distribution/reference), port specs (go-connections 0.4.0 nat.ParsePortSpec, what docker/cli
// vendors), container names (daemon/names.go), restart policies (opts.ParseRestartPolicy and the
// daemon's validateRestartPolicy). Each returns the message or null when the argument is good.
import ipaddr from 'ipaddr.js';
import { parseIp4 } from '../../core/addr.js';
import { compileRegex, isPatternError } from '../../core/regex.js';
import type { Matcher } from '../../core/regex.js';

/** A built-in pattern, compiled at its first use: compiling these took 10 ms of every run's
 *  start-up (module evaluation), scenario with docker commands or not. */
function re2(pattern: string): { test(s: string): boolean } {
  let m: Matcher | null = null;
  return {
    test(s: string): boolean {
      if (m === null) {
        const c = compileRegex(pattern);
        if (isPatternError(c)) throw new Error(`bad built-in pattern ${pattern}: ${c.error}`);
        m = c;
      }
      return m.test(s);
    },
  };
}

// distribution/reference's grammar, anchored. Run on re2js: the name component's nested repeats
// would backtrack exponentially on a hostile name in a backtracking engine.
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*';
const DOMAIN = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?';
const REFERENCE = re2(`^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::[\\w][\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,})?$`);
const ANY_UPPER_NAME = re2(`^(?:${DOMAIN}/)?[a-zA-Z0-9._/-]+(?::[\\w][\\w.-]{0,127})?$`);

/** reference.ParseNormalizedNamed: `invalid reference format` (with why, for an upper-case name). */
export function checkImageRef(ref: string): string | null {
  if (ref.length > 255 * 2) return 'invalid reference format';
  if (REFERENCE.test(ref)) {
    const name = ref.replace(/[:@].*$/, '');
    if (name.length > 255) return 'invalid reference format: repository name must not be more than 255 characters';
    return null;
  }
  if (ANY_UPPER_NAME.test(ref) && /[A-Z]/.test(ref.replace(/:[^/]*$/, ''))) return 'invalid reference format: repository name must be lowercase';
  return 'invalid reference format';
}

const CONTAINER_NAME = re2('^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$');

/** daemon/names.go validContainerNamePattern (names of two characters or more). */
export function checkContainerName(name: string): string | null {
  return CONTAINER_NAME.test(name) ? null : `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`;
}

/** nat.ParsePortRange: a port or `a-b`, each a uint16; null when invalid. */
function portRange(text: string): [number, number] | null {
  if (text === '') return null;
  const parts = text.split('-');
  if (parts.length > 2) return null;
  const nums = parts.map((p) => (/^\d+$/.test(p) && Number(p) <= 65535 ? Number(p) : NaN));
  if (nums.some((n) => Number.isNaN(n))) return null;
  const [lo, hi = lo] = nums as [number, number?];
  return hi! < lo ? null : [lo, hi!];
}

/** nat.ParsePortSpec for `docker run -p [ip:][hostPort:]containerPort[/proto]`. */
export function checkPortSpec(raw: string): string | null {
  const parts = raw.split(':');
  const n = parts.length;
  let container = parts[n - 1]!;
  const host = n >= 2 ? parts[n - 2]! : '';
  const ip = n >= 3 ? parts.slice(0, n - 2).join(':') : '';
  let proto = 'tcp';
  const slash = container.split('/');
  if (container !== '' && slash[0] !== '' && slash.length > 1) {
    if (slash[1] !== '') proto = slash[1]!;
    container = slash[0]!;
  } else if (slash[0] === '') container = '';
  if (ip !== '' && parseIp4(ip.replace(/^\[|\]$/g, '')) === null) return `Invalid ip address: ${ip}`;
  if (container === '') return `No port specified: ${raw}<empty>`;
  const c = portRange(container);
  if (c === null) return `Invalid containerPort: ${container}`;
  if (host !== '') {
    const h = portRange(host);
    if (h === null) return `Invalid hostPort: ${host}`;
    if (c[1] - c[0] !== h[1] - h[0] && c[1] !== c[0]) return `Invalid ranges specified for container and host Ports: ${container} and ${host}`;
  }
  if (!['tcp', 'udp', 'sctp'].includes(proto.toLowerCase())) return `Invalid proto: ${proto}`;
  return null;
}

/** opts.PortOpt.Set, the long syntax's numbers: strconv.ParseUint(v, 10, 16). */
export function checkPortNumber(v: string): string | null {
  if (!/^\d+$/.test(v)) return `strconv.ParseUint: parsing ${JSON.stringify(v)}: invalid syntax`;
  return Number(v) > 65535 ? `strconv.ParseUint: parsing ${JSON.stringify(v)}: value out of range` : null;
}

/** `--restart`: the CLI's format checks, then the daemon's (`Error response from daemon: …`). */
export function checkRestartPolicy(policy: string): { cli: string } | { daemon: string } | null {
  const parts = policy.split(':');
  if (parts.length > 2) return { cli: 'invalid restart policy format' };
  const count = parts.length === 2 ? (/^[+-]?\d+$/.test(parts[1]!) ? Number(parts[1]) : NaN) : 0;
  if (Number.isNaN(count)) return { cli: 'maximum retry count must be an integer' };
  const name = parts[0]!;
  if (name === '' || name === 'no' || name === 'always' || name === 'unless-stopped') {
    return count !== 0 ? { daemon: `maximum retry count cannot be used with restart policy '${name}'` } : null;
  }
  if (name === 'on-failure') return count < 0 ? { daemon: 'maximum retry count cannot be negative' } : null;
  return { daemon: `invalid restart policy '${name}'` };
}

/** docker/cli opts.ValidateIPAddress (net.ParseIP) and ValidateDNSSearch (validateDomain), as
 *  pflag reports a bad value. */
export function dnsFlagError(dns: readonly string[], search: readonly string[], dnsFlag = '--dns', searchFlag = '--dns-search'): string | null {
  const ip = dns.find((x) => parseIp4(x.trim()) === null && !ipaddr.IPv6.isValid(x.trim()));
  if (ip !== undefined) return `invalid argument "${ip}" for "${dnsFlag}" flag: ${ip} is not an ip address`;
  const label = '(?:[a-zA-Z0-9]|(?:[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))';
  const domain = new RegExp(`^(:?${label}(:?\\.${label})*)\\.?\\s*$`);
  const dom = search.find((x) => x !== '.' && (!/[a-zA-Z]/.test(x) || (domain.exec(x)?.[1]?.length ?? 255) >= 255));
  if (dom !== undefined) return `invalid argument "${dom}" for "${searchFlag}" flag: ${dom} is not a valid domain`;
  return null;
}
