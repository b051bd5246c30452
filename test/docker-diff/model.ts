// The docker-diff harness's cases (issue 23): a sequence of docker command lines and probes,
// replayed on a real dockerd and in swarmsim; after each step both sides are observed the same
// way and the observations are normalised to what is not random (IDs, random MACs, veth names).
//
// Both sides run the same host: docker-node1, 192.168.205.10/24 on eth0 with a default route
// via 192.168.205.1, a LAN peer at 192.168.205.1 (where `wget lan` runs), and two images:
// `busybox` (CMD sh) and `web` (busybox httpd on port 80, EXPOSE 80, serving "hello\n").

export const HOST_NAME = 'docker-node1';
export const HOST_IP = '192.168.205.10';
export const LAN_IP = '192.168.205.1';
/** What the harness puts in the docker host's /etc/hosts on both sides. */
export const HOST_HOSTS = '127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4\n::1         localhost localhost.localdomain localhost6 localhost6.localdomain6\n';
/** The docker host's /etc/resolv.conf: a local resolver only, so that dockerd gives containers
 *  on the default bridge Google's servers (libnetwork resolvconf's defaults). Not 127.0.0.53:
 *  alone, that means systemd-resolved, and then 19.03 reads /run/systemd/resolve/resolv.conf
 *  for every container where 20.10 reads it only for the default bridge (host mode and user
 *  networks read /etc/resolv.conf: daemon/container_operations_unix.go
 *  setupPathsAndSandboxOptions, v19.03.15 vs v20.10.24) — a difference not worth normalising
 *  when another local address shows the same filtering on both. */
export const HOST_RESOLV = 'nameserver 127.0.0.1\n';
/** The web image's page. */
export const WEB_BODY = 'hello\n';

export type Step =
  /** A docker CLI line, as a user types it (no shell operators). */
  | { kind: 'docker'; line: string }
  /** systemctl restart docker (the real side stops and starts its dockerd). */
  | { kind: 'restart' }
  /** ping from a container to an address or name. */
  | { kind: 'ping'; from: string; dst: string }
  /** wget from a container, or from the LAN peer (`lan`). */
  | { kind: 'wget'; from: string; url: string };

/** The wget both sides run: quiet, to stdout, one try of at most 2 s (long options: busybox's
 *  wget 1.35 is killed at once by `-q -T`). */
export function wgetLine(url: string): string {
  return `wget -q -O - --timeout=2 --tries=1 ${url}`;
}

export interface Case {
  id: string;
  family: string;
  steps: Step[];
}

/** Each step's outcome and the observation after it, as lines. */
export type Outcome = string[];

export function describeStep(s: Step): string {
  switch (s.kind) {
    case 'docker':
      return s.line;
    case 'restart':
      return 'systemctl restart docker';
    case 'ping':
      return `docker exec ${s.from} ping -c 1 -W 1 ${s.dst}`;
    case 'wget':
      return s.from === 'lan' ? `(lan) ${wgetLine(s.url)}` : `docker exec ${s.from} ${wgetLine(s.url)}`;
  }
}

/** What each side knows of its objects, to turn IDs into names. */
export interface Names {
  containers: Array<{ id: string; name: string }>;
  networks: Array<{ id: string; name: string }>;
}

/**
 * Replaces what is random with what it stands for: container and network IDs (full or 12-char)
 * with <c:name>/<n:name>; br-<id> bridges with br-<n:name>; veth names with vethX; remaining
 * 64- and 12-hex IDs (endpoints, sandboxes) with <id>; MACs with <mac> unless derived from an
 * IPv4 address (02:42 + the address, libnetwork's netutils.GenerateMACFromIP) that the text holds.
 */
export function normalise(text: string, names: Names): string {
  let t = text;
  for (const { id, name } of names.containers) t = t.split(id).join(`<c:${name}>`).split(id.slice(0, 12)).join(`<c:${name}>`);
  for (const { id, name } of names.networks) t = t.split(`br-${id.slice(0, 12)}`).join(`br-<n:${name}>`).split(id).join(`<n:${name}>`).split(id.slice(0, 12)).join(`<n:${name}>`);
  t = t.replace(/\bveth[0-9a-f]{7}\b/g, 'vethX');
  t = t.replace(/\b[0-9a-f]{64}\b/g, '<id>').replace(/\b[0-9a-f]{12}\b/g, '<id>');
  const ips = new Set(text.match(/\b\d+\.\d+\.\d+\.\d+\b/g) ?? []);
  t = t.replace(/\b([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2})\b/g, (m, a: string, b: string, ...rest: string[]) => {
    if (m === '00:00:00:00:00:00' || m === 'ff:ff:ff:ff:ff:ff' || /^(33:33|01:00:5e|01:80:c2)/.test(m)) return m;
    const ip = rest.slice(0, 4).map((x) => parseInt(x, 16)).join('.');
    return a === '02' && b === '42' && ips.has(ip) ? m : '<mac>';
  });
  // The bridge ID brctl prints is the bridge's MAC without colons.
  t = t.replace(/\b8000\.[0-9a-f]{12}\b/g, '8000.<mac>');
  return t;
}

/**
 * `ip -d link` keeps, per link: its index line (index ranked, peer index and netnsid dropped),
 * the link/ether line without the kernel's per-device counters, and the kind line's first word
 * (veth, bridge, bridge_slave, vxlan) with the attributes libnetwork sets. The real kernel
 * prints dozens of attributes (gso_max_size, mcast_*) that swarmsim does not model.
 */
export function normaliseIpLink(text: string, host = false): string[] {
  const out: string[] = [];
  let rank = 0;
  let lanLink = false;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const head = /^(\d+): (\S+?)(@\S+)?: (.*)$/.exec(line);
    if (head) {
      rank++;
      lanLink = host && head[2] === LAN_LINK;
      const peer = head[3] === undefined || lanLink ? '' : head[3].startsWith('@if') ? '@if' : head[3];
      out.push(`${rank}: ${head[2]}${peer}: ${lanHead(lanLink, head[4]!.replace(/ qlen \d+/, '').trim())}`);
      continue;
    }
    const l = line.trim();
    if (lanLink) {
      if (l.startsWith('link/')) out.push('    link/ether <mac> brd ff:ff:ff:ff:ff:ff');
      continue;
    }
    if (l.startsWith('link/')) {
      out.push('    ' + l.replace(/ promiscuity .*$/, '').replace(/ link-netns(id)? \S+/, ' link-netns').trim());
      continue;
    }
    const kind = /^(veth|bridge_slave|bridge|vxlan|macvlan|ipvlan)\b(.*)$/.exec(l);
    if (kind === null) continue;
    if (kind[1] === 'bridge_slave') out.push(`    bridge_slave ${/state \S+/.exec(kind[2]!)?.[0] ?? ''}`.trimEnd());
    else if (kind[1] === 'vxlan') out.push(`    vxlan ${/id \d+/.exec(kind[2]!)?.[0] ?? ''} ${/dstport \d+/.exec(kind[2]!)?.[0] ?? ''}`.trimEnd());
    else out.push(`    ${kind[1]}`);
  }
  return out;
}

/** `ip addr`: the index ranked, `valid_lft` lines and IPv6 link-local addresses (derived from
 *  random MACs and timing of DAD) dropped, qlen dropped. */
export function normaliseIpAddr(text: string, host = false): string[] {
  const out: string[] = [];
  let rank = 0;
  let lanLink = false;
  for (const line of text.split('\n')) {
    if (line.trim() === '' || /^\s+valid_lft/.test(line)) continue;
    const head = /^(\d+): (\S+?)(@\S+)?: (.*)$/.exec(line);
    if (head) {
      rank++;
      lanLink = host && head[2] === LAN_LINK;
      out.push(`${rank}: ${head[2]}${head[3] === undefined || lanLink ? '' : '@if'}: ${lanHead(lanLink, head[4]!.replace(/ qlen \d+/, '').trim())}`);
      continue;
    }
    const l = line.trim();
    if (/^inet6 fe80:/.test(l)) continue;
    if (lanLink && l.startsWith('link/')) {
      out.push('    link/ether <mac> brd ff:ff:ff:ff:ff:ff');
      continue;
    }
    out.push('    ' + l.replace(/ link-netns(id)? \S+/, ' link-netns'));
  }
  return out;
}

/** The docker host's eth0 is the harness's LAN link: a veth to the LAN namespace on the real
 *  side, a NIC in swarmsim; its kind, queueing discipline and peer are not Docker's doing. */
const LAN_LINK = 'eth0';

function lanHead(lan: boolean, rest: string): string {
  return lan ? rest.replace(/ qdisc \S+/, ' qdisc <lan>') : rest;
}

/** `iptables-save`: comment lines (versions, dates) and packet counters dropped. */
export function normaliseIptablesSave(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.replace(/ \[\d+:\d+\]$/, ''));
}

/** The chains the bridge driver makes anew when dockerd starts (bridge.go configure:
 *  removeIPChains, then setupIPChains) and refills network by network as it restores them. */
const RESTORED_CHAINS = /^-A (DOCKER(?= -i \S+ -j RETURN$)|DOCKER-ISOLATION-STAGE-1|DOCKER-ISOLATION-STAGE-2) /;

/**
 * After a daemon restart, the per-network rules in the chains it rebuilt, in a canonical order.
 * The bridge driver restores user networks in the order its store lists them (bridge_store.go
 * populateNetworks → datastore.List, which the local store serves from a Go map: cache.go
 * list ranges over `kmap`), so their rules come back in a random order on every dockerd, 19.03
 * and 20.10 alike — neither side's order means anything. Each run of consecutive rules for user
 * bridges (names already replaced, so both sides sort alike) is sorted by bridge, stably; the
 * default bridge's rules, made after the restore, stay where they are and bound the runs.
 */
export function normaliseRestoreOrder(lines: string[]): string[] {
  const out: string[] = [];
  let run: Array<{ key: string; line: string }> = [];
  const flush = (): void => {
    run.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    out.push(...run.map((r) => r.line));
    run = [];
  };
  for (const l of lines) {
    const m = RESTORED_CHAINS.exec(l.trim());
    const dev = m === null ? null : /(?:^| )-[io] (\S+)/.exec(l.trim())?.[1] ?? null;
    if (m !== null && dev !== null && dev !== 'docker0' && dev !== 'docker_gwbridge') run.push({ key: `${m[1]} ${dev}`, line: l });
    else {
      flush();
      out.push(l);
    }
  }
  flush();
  return out;
}

/** `bridge fdb`: the permanent entries of bridges and their ports (the local MACs), without the
 *  `self` multicast groups (the kernel adds them as IPv4/IPv6 addresses and multicast snooping
 *  come and go; swarmsim models neither) and learned entries (they depend on traffic timing). */
export function normaliseFdb(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => / master \S+ permanent/.test(l))
    .map((l) => l.trim());
}

/** `brctl show` with its rows and each bridge's interfaces sorted once names are replaced:
 *  bridge-utils sorts by name, and the names (br-<id>, veth…) are random on each side. */
export function normaliseBrctl(text: string): string[] {
  const rows: Array<{ head: string; ifs: string[] }> = [];
  const lines = text.split('\n').filter((l) => l !== '');
  for (const l of lines.slice(1)) {
    const cols = l.split('\t').filter((c) => c !== '');
    if (!l.startsWith('\t')) rows.push({ head: cols.slice(0, 3).join(' '), ifs: cols.slice(3) });
    else rows.at(-1)?.ifs.push(...cols);
  }
  rows.sort((a, b) => (a.head < b.head ? -1 : a.head > b.head ? 1 : 0));
  return [lines[0] ?? '', ...rows.map((r) => `${r.head} ${r.ifs.sort().join(' ')}`.trimEnd())];
}

/** ping's round-trip times are the machine's, not the model's. */
export function normalisePingTimes(lines: string[]): string[] {
  return lines.map((l) => l.replace(/time=\d+(\.\d+)? ms/, 'time=<t> ms').replace(/^round-trip min\/avg\/max = .*$/, 'round-trip min/avg/max = <t>'));
}

/** `ip route`: trailing blanks dropped. */
export function normaliseRoutes(text: string): string[] {
  return text.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
}
