// Reads a scenario file: YAML parsed by `yaml` with positions kept, then checked key by key so
// that a mistake is reported as `file:line:col: what is wrong` before anything runs.
import { PACKAGES } from '../shell/packages.js';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Node, YAMLMap } from 'yaml';
import { formatCidr, parseCidr, parseIp4 } from '../core/addr.js';
import type { Ip4 } from '../core/addr.js';
import { InputError } from '../core/errors.js';
import { compileExpectation, isPatternError } from '../core/regex.js';
import type { BlockRule } from '../kernel/path-faults.js';
import { MS, SEC } from '../sim/clock.js';
import { filterError } from '../capture/filter.js';
import type { CaptureStep, FaultSpec, FaultStep, FileSpec, HostSpec, ImageDecl, LanSpec, ReachExpect, ReachStep, TrafficReportStep, TrafficStep, RunStep, Scenario, ServeStep, SleepStep, Step, TextMatcher, TraceStep, Where } from './model.js';

class Reader {
  constructor(private readonly lc: LineCounter) {}

  where(node: Node | null | undefined): Where {
    const off = node?.range?.[0] ?? 0;
    const p = this.lc.linePos(off);
    return { line: p.line, col: p.col };
  }

  fail(node: Node | null | undefined, msg: string): never {
    const w = this.where(node);
    throw new InputError(msg, w.line, w.col);
  }

  map(node: unknown, what: string): YAMLMap {
    if (!isMap(node)) this.fail(node as Node, `${what} must be a mapping`);
    return node as YAMLMap;
  }

  keys(m: YAMLMap, allowed: readonly string[], what: string): void {
    for (const pair of m.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : '?';
      if (!allowed.includes(k)) this.fail(pair.key as Node, `unknown key "${k}" in ${what} (expected one of: ${allowed.join(', ')})`);
    }
  }

  node(m: YAMLMap, key: string): Node | undefined {
    return m.get(key, true) as Node | undefined;
  }

  str(m: YAMLMap, key: string, what: string, required: boolean): string | null {
    const n = this.node(m, key);
    if (n === undefined || (isScalar(n) && n.value === null)) {
      if (required) this.fail(m, `${what} needs "${key}"`);
      return null;
    }
    if (!isScalar(n) || typeof n.value === 'object') this.fail(n, `"${key}" in ${what} must be a string`);
    return String(n.value);
  }

  int(m: YAMLMap, key: string, what: string): number | null {
    const n = this.node(m, key);
    if (n === undefined) return null;
    if (!isScalar(n) || typeof n.value !== 'number' || !Number.isInteger(n.value)) this.fail(n, `"${key}" in ${what} must be an integer`);
    return n.value;
  }

  matchers(m: YAMLMap, key: string, what: string): TextMatcher[] {
    const n = this.node(m, key);
    if (n === undefined) return [];
    const items = isSeq(n) ? (n.items as Node[]) : [n];
    return items.map((item) => {
      if (!isScalar(item) || item.value === null || typeof item.value === 'object') this.fail(item, `"${key}" in ${what} must be a string, a /regex/ or a list of them`);
      const text = String(item.value);
      const re = /^\/(.*)\/([imsu]*)$/s.exec(text);
      if (re !== null) {
        // Linear-time matching (core/regex.ts): an expectation can never hang the run.
        const m = compileExpectation(re[1]!, re[2]!);
        if (isPatternError(m)) this.fail(item, `bad regular expression ${text}: ${m.error}`);
        return { re: m };
      }
      return { text };
    });
  }
}

/** An underlay MTU: 68 (IPv4's minimum) to 65535. */
function lanMtu(r: Reader, n: Node | undefined, what: string): number {
  if (n === undefined || !isScalar(n) || typeof n.value !== 'number' || !Number.isInteger(n.value) || n.value < 68 || n.value > 65535) {
    r.fail(n ?? ({} as Node), `${what} must be an MTU from 68 to 65535`);
  }
  return (n as { value: number }).value;
}

/** A list of IPv4 addresses (or one): the nameservers of `dns:`. */
function readAddrList(r: Reader, node: Node, what: string): Ip4[] {
  const items = isSeq(node) ? (node.items as Node[]) : [node];
  return items.map((n) => {
    const t = isScalar(n) ? String(n.value) : '';
    const ip = parseIp4(t);
    if (ip === null) r.fail(n, `${what} must be a list of IPv4 addresses ("${t}" is not one)`);
    return ip;
  });
}

/** `dns_zone: { NAME: ADDRESS | [ADDRESS, …] }`: the A records a host's DNS server answers. */
function readZone(r: Reader, node: Node): Array<{ name: string; addrs: Ip4[] }> {
  const m = r.map(node, '"dns_zone"');
  return m.items.map((pair) => {
    const name = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!/^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?\.?$/.test(name)) r.fail((pair.key as Node) ?? node, `"${name}" in "dns_zone" is not a domain name`);
    return { name: name.replace(/\.$/, '').toLowerCase(), addrs: readAddrList(r, pair.value as Node, `the address of "${name}" in "dns_zone"`) };
  });
}

/** `lan: { mtu, hosts: { name: mtu }, pairs: [ { between: [a, b], mtu } ] }`: the underlay's path MTUs. */
function readLan(r: Reader, node: Node | undefined, hostNames: string[]): LanSpec {
  const spec: LanSpec = { mtu: 0, hosts: [], pairs: [], dns: null };
  if (node === undefined) return spec;
  const m = r.map(node, '"lan"');
  r.keys(m, ['mtu', 'hosts', 'pairs', 'dns'], '"lan"');
  if (r.node(m, 'dns') !== undefined) spec.dns = readAddrList(r, r.node(m, 'dns')!, '"dns" in "lan"');
  const known = (n: Node, h: string): void => {
    if (!hostNames.includes(h)) r.fail(n, `no host named "${h}" (hosts: ${hostNames.join(', ')})`);
  };
  if (r.node(m, 'mtu') !== undefined) spec.mtu = lanMtu(r, r.node(m, 'mtu'), '"mtu" in "lan"');
  const hn = r.node(m, 'hosts');
  if (hn !== undefined) {
    const hm = r.map(hn, '"hosts" in "lan"');
    for (const pair of hm.items) {
      const h = isScalar(pair.key) ? String(pair.key.value) : '?';
      known(pair.key as Node, h);
      spec.hosts.push({ host: h, mtu: lanMtu(r, pair.value as Node, `the MTU of ${h} in "lan"`) });
    }
  }
  const pn = r.node(m, 'pairs');
  if (pn !== undefined) {
    if (!isSeq(pn)) r.fail(pn, '"pairs" in "lan" must be a list of { between: [a, b], mtu }');
    for (const item of pn.items as Node[]) {
      const pm = r.map(item, 'a pair in "lan"');
      r.keys(pm, ['between', 'mtu'], 'a pair in "lan"');
      const b = r.node(pm, 'between');
      if (b === undefined || !isSeq(b) || b.items.length !== 2) r.fail(b ?? item, '"between" must name two hosts');
      const names = (b.items as Node[]).map((x) => {
        const h = isScalar(x) ? String(x.value) : '?';
        known(x, h);
        return h;
      });
      spec.pairs.push({ a: names[0]!, b: names[1]!, mtu: lanMtu(r, r.node(pm, 'mtu'), '"mtu" of a pair in "lan"') });
    }
  }
  return spec;
}

/** HTTP bodies are held whole in memory: a reply larger than this is refused (64 MiB). */
const MAX_REPLY_SIZE = 64 * 1024 * 1024;

/** `reply_size`: a byte count from 0 to MAX_REPLY_SIZE, or null when absent. */
function replySize(r: Reader, m: YAMLMap, what: string): number | null {
  const n = r.int(m, 'reply_size', what);
  if (n !== null && (n < 0 || n > MAX_REPLY_SIZE)) r.fail(r.node(m, 'reply_size')!, `"reply_size" in ${what} must be from 0 to ${MAX_REPLY_SIZE} bytes`);
  return n;
}

/** `keepalive`: true or false (default false: the server closes after each response). */
function keepAliveKey(r: Reader, m: YAMLMap, what: string): boolean {
  const n = r.node(m, 'keepalive');
  if (n === undefined) return false;
  if (!isScalar(n) || typeof n.value !== 'boolean') r.fail(n, `"keepalive" in ${what} must be true or false`);
  return (n as { value: boolean }).value;
}
/** The longest duration a scenario may write (720h): the clock counts nanoseconds in a double,
 *  exact to the nanosecond for 104 days; a longer wait is no experiment the simulator can replay. */
export const MAX_DURATION = 30 * 24 * 3600 * SEC;

export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (m === null) return null;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const ns = Math.round(n * (unit === 'ms' ? MS : unit === 's' ? SEC : unit === 'm' ? 60 * SEC : 3600 * SEC));
  return ns > MAX_DURATION ? null : ns;
}

const DURATION_HINT = 'like 5s, 500ms, 2m; at most 720h';

const FAULT_KEYS = ['host', 'link', 'down', 'up', 'partition', 'heal', 'block', 'unblock', 'drop', 'delay', 'between', 'oneway'];
const PROTOS: Record<string, number> = { all: -1, icmp: 1, tcp: 6, udp: 17, esp: 50 };

/** "tcp/2377", "udp/4789", "udp", "esp", "icmp", "all": what a security-group rule matches. */
export function parseBlockRule(text: string): BlockRule | null {
  const m = /^([a-z]+)(?:\/(\d+))?$/.exec(text.trim().toLowerCase());
  if (m === null || PROTOS[m[1]!] === undefined) return null;
  const proto = PROTOS[m[1]!]!;
  const port = m[2] === undefined ? 0 : Number(m[2]);
  if (m[2] !== undefined && ((proto !== 6 && proto !== 17) || port < 1 || port > 65535)) return null;
  return { proto, port, text: text.trim().toLowerCase() };
}

function readFault(r: Reader, f: YAMLMap, hostNames: string[]): FaultSpec {
  r.keys(f, FAULT_KEYS, '"fault"');
  const bool = (key: string): boolean | null => {
    const n = r.node(f, key);
    if (n === undefined) return null;
    if (!isScalar(n) || typeof n.value !== 'boolean') r.fail(n, `"${key}" must be true or false`);
    return n.value as boolean;
  };
  const hostName = (n: Node | undefined): string => {
    const name = isScalar(n) ? String(n.value) : '';
    if (!hostNames.includes(name)) r.fail(n, `no host named "${name}" (hosts: ${hostNames.join(', ')})`);
    return name;
  };
  const pathKeys = ['block', 'unblock', 'drop', 'delay'].filter((k) => f.has(k));
  const between = (): { between: [string, string]; oneway: boolean } => {
    const bn = r.node(f, 'between');
    if (bn === undefined) r.fail(f, `"fault" with ${pathKeys[0] ?? 'heal'} needs "between: [host1, host2]"`);
    if (!isSeq(bn) || bn.items.length !== 2) r.fail(bn, '"between" must be a list of two hosts, like [m1, w1]');
    const [a, b] = (bn.items as Node[]).map(hostName) as [string, string];
    if (a === b) r.fail(bn, `"between" needs two different hosts, not ${a} twice`);
    return { between: [a, b], oneway: bool('oneway') ?? false };
  };
  if (pathKeys.length > 1) r.fail(f, `"fault" takes one of block, unblock, drop or delay, not ${pathKeys.join(' and ')}`);
  if (pathKeys.length === 0 && (f.has('oneway') || (f.has('between') && !f.has('heal')))) r.fail(f, '"between" and "oneway" go with block, unblock, drop, delay or heal');
  const key = pathKeys[0];
  if (key === 'block' || key === 'unblock') {
    const text = r.str(f, key, '"fault"', true)!;
    const rule = parseBlockRule(text);
    if (rule === null) r.fail(r.node(f, key), `"${text}" is not a protocol to block (like tcp/2377, udp/4789, udp/7946, tcp, udp, esp, icmp, all)`);
    return { kind: 'block', rule, lift: key === 'unblock', ...between() };
  }
  if (key === 'drop') {
    const n = r.node(f, 'drop');
    if (!isScalar(n) || typeof n.value !== 'number' || n.value < 0 || n.value > 1) r.fail(n, '"drop" must be a loss probability from 0 to 1, like 0.3');
    return { kind: 'loss', rate: n.value as number, ...between() };
  }
  if (key === 'delay') {
    const text = r.str(f, 'delay', '"fault"', true)!;
    const ns = parseDuration(text);
    if (ns === null || ns > 3600 * SEC) r.fail(r.node(f, 'delay'), `"${text}" is not a path delay (like 50ms, 1s; at most 1h)`);
    return { kind: 'delay', ns, ...between() };
  }
  const down = bool('down');
  const up = bool('up');
  const hostOf = (k: string): string => {
    r.str(f, k, '"fault"', true);
    return hostName(r.node(f, k));
  };
  if (f.has('host') || f.has('link')) {
    if ((down === null) === (up === null)) r.fail(f, '"fault" on a host or link needs exactly one of down: true or up: true');
    const isDown = down !== null ? down : !up;
    return f.has('host') ? { kind: 'host', host: hostOf('host'), down: isDown } : { kind: 'link', host: hostOf('link'), down: isDown };
  }
  if (f.has('partition')) {
    const pn = r.node(f, 'partition');
    if (!isSeq(pn) || pn.items.some((g) => !isSeq(g))) r.fail(pn, '"partition" must be a list of host lists, like [[m1, w1], [w2, w3]]');
    const groups = (pn.items as Node[]).map((g) => ((g as unknown as { items: Node[] }).items).map(hostName));
    return { kind: 'partition', groups };
  }
  if (bool('heal') === true) return f.has('between') ? { kind: 'heal', between: between().between } : { kind: 'heal', between: null };
  return r.fail(f, '"fault" needs host, link, partition, block, unblock, drop, delay or heal');
}

const STEP_KINDS = ['run', 'sleep', 'trace', 'serve', 'fault', 'traffic', 'traffic_report', 'reach', 'capture'] as const;

export function loadScenario(file: string, text: string): Scenario {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const p = lc.linePos(e.pos[0]);
    throw new InputError(e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''), p.line, p.col);
  }
  const r: Reader = new Reader(lc);
  const top = r.map(doc.contents, 'the scenario');
  r.keys(top, ['name', 'seed', 'hosts', 'lan', 'files', 'images', 'steps', 'description', 'conservation'], 'the scenario');
  const name = r.str(top, 'name', 'the scenario', false) ?? file;
  const seed = r.int(top, 'seed', 'the scenario') ?? 1;
  const consNode = r.node(top, 'conservation');
  if (consNode !== undefined && !(isScalar(consNode) && typeof consNode.value === 'boolean')) r.fail(consNode, '"conservation" must be true or false');
  const conservation = consNode !== undefined && (consNode as { value: boolean }).value ? r.where(consNode) : null;

  const hostsNode = r.node(top, 'hosts');
  if (hostsNode === undefined || !isSeq(hostsNode) || hostsNode.items.length === 0) r.fail(hostsNode ?? top, 'the scenario needs "hosts": a list of { name, ip }');
  const hosts: HostSpec[] = [];
  // Names and addresses already declared: a scenario may have thousands of hosts (the documented limit).
  const declaredNames = new Set<string>();
  const declaredAddrs = new Set<number>();
  for (const item of hostsNode.items as Node[]) {
    const m = r.map(item, 'a host');
    r.keys(m, ['name', 'ip', 'gateway', 'docker', 'dockerd', 'packages', 'nics', 'dns', 'dns_zone'], 'a host');
    const hname = r.str(m, 'name', 'a host', true)!;
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(hname)) r.fail(r.node(m, 'name'), `host name "${hname}" is not a valid hostname`);
    if (declaredNames.has(hname)) r.fail(r.node(m, 'name'), `host "${hname}" is declared twice`);
    const nicsNode = r.node(m, 'nics');
    const nics: Array<{ name: string; addr: number; len: number; nat: boolean; gateway: number | null }> = [];
    if (nicsNode !== undefined) {
      if (!isSeq(nicsNode) || nicsNode.items.length === 0) r.fail(nicsNode, '"nics" must be a list of { name, ip, nat }');
      for (const n of nicsNode.items as Node[]) {
        const nm = r.map(n, 'a NIC');
        r.keys(nm, ['name', 'ip', 'nat', 'gateway'], 'a NIC');
        const t = r.str(nm, 'ip', 'a NIC', true)!;
        const c = parseCidr(t);
        if (c === null || !t.includes('/')) r.fail(r.node(nm, 'ip'), `"${t}" is not an address with a prefix length (like 10.0.2.15/24)`);
        const natNode = r.node(nm, 'nat');
        if (natNode !== undefined && !(isScalar(natNode) && typeof natNode.value === 'boolean')) r.fail(natNode, '"nat" must be true or false');
        const g = r.str(nm, 'gateway', 'a NIC', false);
        const gw = g === null ? null : parseIp4(g);
        if (g !== null && gw === null) r.fail(r.node(nm, 'gateway'), `"${g}" is not an IPv4 address`);
        const name = r.str(nm, 'name', 'a NIC', false) ?? `eth${nics.length}`;
        if (nics.some((x) => x.name === name)) r.fail(r.node(nm, 'name'), `NIC "${name}" is declared twice`);
        nics.push({ name, addr: c.addr, len: c.len, nat: natNode !== undefined && (natNode as { value: boolean }).value, gateway: gw });
      }
      if (!nics.some((x) => !x.nat)) r.fail(nicsNode, 'a host needs one NIC on the shared LAN (without nat: true)');
    }
    const shared = nics.find((x) => !x.nat);
    const ipText = shared !== undefined && r.node(m, 'ip') === undefined ? formatCidr(shared.addr, shared.len) : r.str(m, 'ip', 'a host', true)!;
    const cidr = parseCidr(ipText);
    if (cidr === null || !ipText.includes('/')) r.fail(r.node(m, 'ip'), `"${ipText}" is not an address with a prefix length (like 192.168.205.10/24)`);
    if (shared !== undefined && shared.addr !== cidr.addr) r.fail(r.node(m, 'ip'), `"ip" must be the address of the NIC on the shared LAN (${formatCidr(shared.addr, shared.len)})`);
    if (declaredAddrs.has(cidr.addr)) r.fail(r.node(m, 'ip') ?? nicsNode, `address ${ipText} is used by two hosts`);
    const gwText = r.str(m, 'gateway', 'a host', false);
    const gateway = gwText === null ? null : parseIp4(gwText);
    if (gwText !== null && gateway === null) r.fail(r.node(m, 'gateway'), `"${gwText}" is not an IPv4 address`);
    const dockerNode = r.node(m, 'docker');
    if (dockerNode !== undefined && !(isScalar(dockerNode) && typeof dockerNode.value === 'boolean')) r.fail(dockerNode, '"docker" must be true or false');
    const docker = dockerNode === undefined ? true : (dockerNode as { value: boolean }).value;
    const dockerd = r.str(m, 'dockerd', 'a host', false) ?? '';
    const pkgNode = r.node(m, 'packages');
    let packages: string[] | null = null;
    if (pkgNode !== undefined) {
      if (!isSeq(pkgNode) || !pkgNode.items.every((i) => isScalar(i) && typeof i.value === 'string')) r.fail(pkgNode, '"packages" must be a list of package names (like [bridge-utils, ipvsadm])');
      packages = (pkgNode.items as Array<{ value: string }>).map((i) => i.value);
      const unknown = packages.find((p) => PACKAGES[p] === undefined);
      if (unknown !== undefined) r.fail(pkgNode, `unknown package "${unknown}" (known: ${Object.keys(PACKAGES).join(', ')})`);
    }
    if (nics.length === 0) nics.push({ name: 'eth0', addr: cidr.addr, len: cidr.len, nat: false, gateway: null });
    const dns = r.node(m, 'dns') === undefined ? null : readAddrList(r, r.node(m, 'dns')!, '"dns" of a host');
    const dnsZone = r.node(m, 'dns_zone') === undefined ? null : readZone(r, r.node(m, 'dns_zone')!);
    declaredNames.add(hname);
    declaredAddrs.add(cidr.addr);
    hosts.push({ ...r.where(item), name: hname, addr: cidr.addr, len: cidr.len, gateway, docker, dockerd, packages, nics, networkManager: nicsNode !== undefined, dns, dnsZone });
  }
  const hostNames = hosts.map((h) => h.name);
  const checkHost = (m: YAMLMap, key: string, what: string): string => {
    const h = r.str(m, key, what, false) ?? hosts[0]!.name;
    if (!hostNames.includes(h)) r.fail(r.node(m, key), `no host named "${h}" (hosts: ${hostNames.join(', ')})`);
    return h;
  };

  const lan = readLan(r, r.node(top, 'lan'), hostNames);

  const files: FileSpec[] = [];
  const filesNode = r.node(top, 'files');
  if (filesNode !== undefined && !isSeq(filesNode)) r.fail(filesNode, '"files" must be a list of { on, path, content }');
  for (const item of (filesNode?.items ?? []) as Node[]) {
    const m = r.map(item, 'a file');
    r.keys(m, ['on', 'path', 'content'], 'a file');
    const path = r.str(m, 'path', 'a file', true)!;
    if (!path.startsWith('/')) r.fail(r.node(m, 'path'), `"${path}" must be an absolute path`);
    files.push({ ...r.where(item), on: checkHost(m, 'on', 'a file'), path, content: r.str(m, 'content', 'a file', true)! });
  }

  const images: ImageDecl[] = [];
  const imagesNode = r.node(top, 'images');
  if (imagesNode !== undefined && !isSeq(imagesNode)) r.fail(imagesNode, '"images" must be a list of { name, ports, reply }');
  for (const item of (imagesNode?.items ?? []) as Node[]) {
    const m = r.map(item, 'an image');
    r.keys(m, ['name', 'port', 'ports', 'reply', 'reply_size', 'keepalive', 'shell', 'crash', 'crash_after'], 'an image');
    const iname = r.str(m, 'name', 'an image', true)!;
    const portsNode = r.node(m, 'ports');
    let ports: number[] = [];
    if (portsNode !== undefined) {
      if (!isSeq(portsNode)) r.fail(portsNode, '"ports" must be a list of port numbers');
      ports = (portsNode.items as Node[]).map((p) => {
        if (!isScalar(p) || typeof p.value !== 'number' || !Number.isInteger(p.value) || p.value < 1 || p.value > 65535) r.fail(p, 'a port must be a number from 1 to 65535');
        return p.value as number;
      });
    }
    const one = r.int(m, 'port', 'an image');
    if (one !== null && (one < 1 || one > 65535)) r.fail(r.node(m, 'port'), 'a port must be a number from 1 to 65535');
    if (one !== null) ports.push(one);
    const shell = r.str(m, 'shell', 'an image', false) ?? 'busybox';
    if (shell !== 'busybox' && shell !== 'gnu') r.fail(r.node(m, 'shell'), '"shell" must be busybox or gnu');
    const after = r.str(m, 'crash_after', 'an image', false);
    const afterNs = after === null ? 0 : parseDuration(after);
    if (afterNs === null) r.fail(r.node(m, 'crash_after'), `"${after}" is not a duration (${DURATION_HINT})`);
    images.push({
      ...r.where(item), name: iname, ports, reply: r.str(m, 'reply', 'an image', false) ?? 'ok\n', replySize: replySize(r, m, 'an image'),
      keepAlive: keepAliveKey(r, m, 'an image'), shell, crash: r.int(m, 'crash', 'an image'), crashAfter: afterNs,
    });
  }

  const stepsNode = r.node(top, 'steps');
  const steps: Step[] = [];
  if (stepsNode !== undefined && !isSeq(stepsNode)) r.fail(stepsNode, '"steps" must be a list');
  for (const item of (stepsNode?.items ?? []) as Node[]) {
    const m = r.map(item, 'a step');
    const kind = STEP_KINDS.find((k) => m.has(k));
    if (kind === undefined) r.fail(item, `a step needs one of: ${STEP_KINDS.join(', ')}`);
    const at = r.where(r.node(m, kind));
    if (kind === 'run') {
      r.keys(m, ['run', 'on', 'ns', 'expect', 'save', 'stdin', 'interrupt'], 'a run step');
      // A multi-line `run: |` is typed as bash reads it: here-documents and `\` continuations span lines.
      const run = r.str(m, 'run', 'a run step', true)!.replace(/\n$/, '');
      const intText = r.str(m, 'interrupt', 'a run step', false);
      const interrupt = intText === null ? null : parseDuration(intText);
      if (intText !== null && (interrupt === null || interrupt <= 0)) r.fail(r.node(m, 'interrupt'), `"interrupt" must be a positive duration (like 2.5s), not "${intText}"`);
      const expectNode = r.node(m, 'expect');
      let exit = 0;
      let stdout: TextMatcher[] = [];
      let stdoutNot: TextMatcher[] = [];
      if (expectNode !== undefined) {
        const e = r.map(expectNode, '"expect"');
        r.keys(e, ['exit', 'stdout', 'stdout_not'], 'the expectations of a run step');
        exit = r.int(e, 'exit', '"expect"') ?? 0;
        stdout = r.matchers(e, 'stdout', '"expect"');
        stdoutNot = r.matchers(e, 'stdout_not', '"expect"');
      }
      const save = r.str(m, 'save', 'a run step', false);
      if (save !== null && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(save)) r.fail(r.node(m, 'save'), `"${save}" is not a valid variable name`);
      const step: RunStep = {
        ...at, kind: 'run', run, on: checkHost(m, 'on', 'a run step'), ns: r.str(m, 'ns', 'a run step', false), save,
        stdin: r.str(m, 'stdin', 'a run step', false) ?? '', interrupt, expect: { exit, stdout, stdoutNot },
      };
      steps.push(step);
    } else if (kind === 'traffic') {
      r.keys(m, ['traffic'], 'a traffic step');
      const t = r.map(r.node(m, 'traffic'), '"traffic"');
      r.keys(t, ['name', 'on', 'ns', 'run', 'every'], '"traffic"');
      const name = r.str(t, 'name', '"traffic"', true)!;
      if (steps.some((s) => s.kind === 'traffic' && s.name === name)) r.fail(r.node(t, 'name'), `a traffic loop named "${name}" already exists`);
      const everyText = r.str(t, 'every', '"traffic"', false) ?? '1s';
      const every = parseDuration(everyText);
      if (every === null) r.fail(r.node(t, 'every'), `"${everyText}" is not a duration (${DURATION_HINT})`);
      // `sleep 0` in a bash loop repeats the command forever without time passing.
      if (every === 0) r.fail(r.node(t, 'every'), '"every" must be more than 0: the loop would run forever at one instant');
      const step: TrafficStep = { ...at, kind: 'traffic', name, on: checkHost(t, 'on', '"traffic"'), ns: r.str(t, 'ns', '"traffic"', false), run: r.str(t, 'run', '"traffic"', true)!, every };
      steps.push(step);
    } else if (kind === 'traffic_report') {
      r.keys(m, ['traffic_report', 'expect'], 'a traffic_report step');
      const name = r.str(m, 'traffic_report', 'a traffic_report step', true)!;
      if (!steps.some((s) => s.kind === 'traffic' && s.name === name)) r.fail(r.node(m, 'traffic_report'), `no traffic loop named "${name}" was started before this step`);
      let maxFailed: number | null = null;
      let stdout: TextMatcher[] = [];
      let stdoutNot: TextMatcher[] = [];
      const expectNode = r.node(m, 'expect');
      if (expectNode !== undefined) {
        const e = r.map(expectNode, '"expect"');
        r.keys(e, ['failed', 'stdout', 'stdout_not'], 'the expectations of a traffic_report step');
        maxFailed = r.int(e, 'failed', '"expect"');
        stdout = r.matchers(e, 'stdout', '"expect"');
        stdoutNot = r.matchers(e, 'stdout_not', '"expect"');
      }
      const step: TrafficReportStep = { ...at, kind: 'traffic_report', name, maxFailed, stdout, stdoutNot };
      steps.push(step);
    } else if (kind === 'fault') {
      r.keys(m, ['fault'], 'a fault step');
      const step: FaultStep = { ...at, kind: 'fault', fault: readFault(r, r.map(r.node(m, 'fault'), '"fault"'), hostNames) };
      steps.push(step);
    } else if (kind === 'capture') {
      r.keys(m, ['capture'], 'a capture step');
      const c = r.map(r.node(m, 'capture'), '"capture"');
      r.keys(c, ['on', 'ns', 'container', 'dev', 'filter', 'file'], '"capture"');
      const filter = r.str(c, 'filter', '"capture"', false) ?? '';
      const bad = filterError(filter);
      if (bad !== null) r.fail(r.node(c, 'filter'), `bad capture filter "${filter}": ${bad}`);
      const dev = r.str(c, 'dev', '"capture"', false) ?? 'any';
      const ns = r.str(c, 'ns', '"capture"', false);
      const container = r.str(c, 'container', '"capture"', false);
      if (ns !== null && container !== null) r.fail(r.node(c, 'container'), '"capture" takes "ns" or "container", not both');
      const step: CaptureStep = {
        ...at, kind: 'capture', on: checkHost(c, 'on', '"capture"'), ns, container, dev: dev === 'any' ? null : dev, filter,
        file: r.str(c, 'file', '"capture"', true)!,
      };
      steps.push(step);
    } else if (kind === 'serve') {
      r.keys(m, ['serve'], 'a serve step');
      const sv = r.map(r.node(m, 'serve'), '"serve"');
      r.keys(sv, ['on', 'ns', 'port', 'proto', 'reply', 'reply_size', 'keepalive'], '"serve"');
      const port = r.int(sv, 'port', '"serve"');
      if (port === null || port < 1 || port > 65535) r.fail(r.node(sv, 'port') ?? sv, '"serve" needs a "port" from 1 to 65535');
      const proto = r.str(sv, 'proto', '"serve"', false) ?? 'tcp';
      if (proto !== 'tcp' && proto !== 'udp') r.fail(r.node(sv, 'proto'), '"proto" must be tcp or udp');
      const step: ServeStep = {
        ...at, kind: 'serve', on: checkHost(sv, 'on', '"serve"'), ns: r.str(sv, 'ns', '"serve"', false), port, proto,
        reply: r.str(sv, 'reply', '"serve"', false) ?? 'ok\n', replySize: replySize(r, sv, '"serve"'), keepAlive: keepAliveKey(r, sv, '"serve"'),
      };
      steps.push(step);
    } else if (kind === 'reach') {
      r.keys(m, ['reach'], 'a reach step');
      const rn = r.node(m, 'reach');
      const rm = isScalar(rn) && (rn.value === null || rn.value === '') ? null : r.map(rn, '"reach"');
      let from: string[] | null = null;
      let count = 3;
      const expect: ReachExpect[] = [];
      if (rm !== null) {
        r.keys(rm, ['from', 'count', 'expect'], '"reach"');
        const fn = r.node(rm, 'from');
        if (fn !== undefined) {
          if (!isSeq(fn)) r.fail(fn, '"from" must be a list of host names');
          from = (fn.items as Node[]).map((h) => {
            const name = isScalar(h) ? String(h.value) : '';
            if (!hostNames.includes(name)) r.fail(h, `no host named "${name}" (hosts: ${hostNames.join(', ')})`);
            return name;
          });
        }
        const c = r.int(rm, 'count', '"reach"');
        if (c !== null && (c < 1 || c > 100)) r.fail(r.node(rm, 'count'), '"count" must be from 1 to 100');
        count = c ?? 3;
        const en = r.node(rm, 'expect');
        if (en !== undefined) {
          const em = r.map(en, '"expect"');
          for (const pair of em.items) {
            const key = isScalar(pair.key) ? String(pair.key.value) : '';
            const want = isScalar(pair.value) ? String(pair.value.value) : '';
            if (!/^(?:\S+ -> )?\S+:(?:\*|\d{1,5})(?:\/(?:tcp|udp))?$/.test(key)) r.fail(pair.key as Node, `"${key}" is not a flow pattern: TO:PORT[/proto], optionally after "FROM -> " (TO: *, an address, a host, a service name or tasks.NAME)`);
            if (want === '') r.fail((pair.value ?? pair.key) as Node, `"${key}" needs a service name, "answered" or "dropped"`);
            expect.push({ ...r.where(pair.key as Node), pattern: key, want });
          }
        }
      }
      const step: ReachStep = { ...at, kind: 'reach', from, count, expect };
      steps.push(step);
    } else if (kind === 'sleep') {
      r.keys(m, ['sleep'], 'a sleep step');
      const text = r.str(m, 'sleep', 'a sleep step', true)!;
      const nanos = parseDuration(text);
      if (nanos === null) r.fail(r.node(m, 'sleep'), `"${text}" is not a duration (${DURATION_HINT})`);
      const step: SleepStep = { ...at, kind: 'sleep', nanos, text };
      steps.push(step);
    } else {
      r.keys(m, ['trace', 'expect'], 'a trace step');
      const t = r.map(r.node(m, 'trace'), '"trace"');
      r.keys(t, ['on', 'ns', 'container', 'to', 'proto', 'port', 'size'], '"trace"');
      const size = r.int(t, 'size', '"trace"') ?? 0;
      if (size < 0 || size > 100_000_000) r.fail(r.node(t, 'size')!, '"size" must be from 1 to 100000000 bytes');
      const to = r.str(t, 'to', '"trace"', true)!;
      let port = r.int(t, 'port', '"trace"') ?? 0;
      if (t.has('port') && (port < 1 || port > 65535)) r.fail(r.node(t, 'port'), '"port" must be a number from 1 to 65535');
      let dst = to;
      const colon = to.lastIndexOf(':');
      if (colon > 0) {
        dst = to.slice(0, colon);
        port = Number(to.slice(colon + 1));
        if (!Number.isInteger(port) || port < 1 || port > 65535) r.fail(r.node(t, 'to'), `"${to}": the port must be 1-65535`);
      }
      const proto = (r.str(t, 'proto', '"trace"', false) ?? (port !== 0 ? 'tcp' : 'icmp')) as TraceStep['proto'];
      if (!['icmp', 'tcp', 'udp'].includes(proto)) r.fail(r.node(t, 'proto'), `"proto" must be icmp, tcp or udp`);
      if (proto !== 'icmp' && port === 0) r.fail(r.node(t, 'to'), `a ${proto} trace needs a port (to: IP:PORT)`);
      let verdict: TraceStep['expect']['verdict'] = null;
      let reply: TraceStep['expect']['reply'] = null;
      let reason: TextMatcher[] = [];
      let path: TextMatcher[] = [];
      const expectNode = r.node(m, 'expect');
      if (expectNode !== undefined) {
        const e = r.map(expectNode, '"expect"');
        r.keys(e, ['verdict', 'reason', 'path', 'reply'], 'the expectations of a trace step');
        const v = r.str(e, 'verdict', '"expect"', false);
        if (v !== null && v !== 'delivered' && v !== 'dropped') r.fail(r.node(e, 'verdict'), '"verdict" must be delivered or dropped');
        verdict = v as typeof verdict;
        const rp = r.str(e, 'reply', '"expect"', false);
        if (rp !== null && !['delivered', 'dropped', 'none'].includes(rp)) r.fail(r.node(e, 'reply'), '"reply" must be delivered, dropped or none');
        reply = rp as typeof reply;
        reason = r.matchers(e, 'reason', '"expect"');
        path = r.matchers(e, 'path', '"expect"');
      }
      const step: TraceStep = {
        ...at, kind: 'trace', on: checkHost(t, 'on', '"trace"'), ns: r.str(t, 'ns', '"trace"', false), container: r.str(t, 'container', '"trace"', false), to: dst, port, proto, size,
        expect: { verdict, reason, path, reply },
      };
      steps.push(step);
    }
  }
  return { file, name, seed, hosts, lan, files, images, steps, conservation };
}
