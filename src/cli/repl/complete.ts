// Tab completion for the interactive shell, as bash-completion does it for the real tools: the
// command, then its subcommands and flags from a table (docker's own completion script is a table
// too), then the names the simulated cluster holds right now — hosts, containers, services,
// networks, secrets, nodes, namespaces, devices, files.
import type { Host } from '../../kernel/host.js';
import type { Simulation } from '../../scenario/simulation.js';
import { programs } from '../../shell/registry.js';

/** What the argument at a place names. */
type Kind = 'host' | 'container' | 'service' | 'network' | 'secret' | 'config' | 'volume' | 'node' | 'netns' | 'dev' | 'file' | 'image';

interface Spec {
  readonly sub?: Readonly<Record<string, Spec>>;
  readonly flags?: readonly string[];
  /** What the positional arguments name. */
  readonly args?: Kind;
}

const leaf = (args?: Kind, flags: readonly string[] = []): Spec => (args === undefined ? { flags } : { args, flags });

const SERVICE_FLAGS = [
  '--name', '--replicas', '--mode', '--publish', '-p', '--network', '--env', '-e', '--constraint', '--placement-pref',
  '--secret', '--mount', '--update-parallelism', '--update-delay', '--update-failure-action', '--update-order',
  '--update-monitor', '--rollback-parallelism', '--restart-condition', '--restart-delay', '--restart-max-attempts',
  '--endpoint-mode', '--hostname', '--label', '--detach', '-d', '--reserve-cpu', '--reserve-memory', '--limit-cpu',
  '--limit-memory',
];
const UPDATE_FLAGS = [
  ...SERVICE_FLAGS.filter((f) => !['--name', '--mode', '--publish', '-p', '--network', '--secret', '--constraint'].includes(f)),
  '--image', '--publish-add', '--publish-rm', '--network-add', '--network-rm', '--secret-add', '--secret-rm',
  '--constraint-add', '--constraint-rm', '--env-add', '--env-rm', '--force', '--rollback',
];
const CONTAINER = leaf('container');
const CREATE_FLAGS = ['-i', '-t', '-it', '--rm', '--name', '--network', '--net', '-p', '--publish', '-e', '--env', '--link', '--hostname', '-h', '--label', '--network-alias', '-v', '--volume', '--mount', '--restart', '--dns'];

const DOCKER: Spec = {
  flags: ['--version', '--help'],
  sub: {
    run: leaf('image', ['-d', ...CREATE_FLAGS]),
    create: leaf('image', CREATE_FLAGS),
    ps: leaf(undefined, ['-a', '-q', '--no-trunc', '--format', '-f', '--filter']),
    exec: leaf('container', ['-i', '-t', '-it', '-e']),
    inspect: leaf('container', ['--format', '-f']),
    logs: CONTAINER, stop: CONTAINER, start: CONTAINER, restart: CONTAINER, kill: CONTAINER, rm: leaf('container', ['-f', '-v']),
    pull: leaf('image'),
    container: { sub: { ls: leaf(undefined, ['-a', '-q']), ps: leaf(undefined, ['-a', '-q']), stop: CONTAINER, start: CONTAINER, rm: CONTAINER, inspect: CONTAINER, logs: CONTAINER, exec: CONTAINER, restart: CONTAINER, kill: CONTAINER } },
    network: {
      sub: {
        create: leaf(undefined, ['-d', '--driver', '--subnet', '--gateway', '--attachable', '--internal', '--opt', '-o', '--label', '--ingress']),
        ls: leaf(undefined, ['-q', '--filter', '-f', '--format', '--no-trunc']),
        inspect: leaf('network', ['--format', '-f']), rm: leaf('network'), connect: leaf('network', ['--alias', '--ip']), disconnect: leaf('network'),
      },
    },
    swarm: {
      sub: {
        init: leaf(undefined, ['--advertise-addr', '--listen-addr', '--force-new-cluster']),
        join: leaf(undefined, ['--token', '--advertise-addr', '--listen-addr']),
        'join-token': leaf(undefined, ['-q', '--quiet', '--rotate']),
        leave: leaf(undefined, ['-f', '--force']),
      },
    },
    node: {
      sub: {
        ls: leaf(undefined, ['-q', '--filter', '-f', '--format']), inspect: leaf('node', ['--pretty', '--format', '-f']),
        update: leaf('node', ['--availability', '--role', '--label-add', '--label-rm']), promote: leaf('node'), demote: leaf('node'), rm: leaf('node', ['-f', '--force']), ps: leaf('node'),
      },
    },
    service: {
      sub: {
        create: leaf('image', SERVICE_FLAGS), update: leaf('service', UPDATE_FLAGS), ls: leaf(undefined, ['-q', '--filter', '-f', '--format']),
        ps: leaf('service', ['-q', '--no-trunc', '--filter', '-f', '--format']), inspect: leaf('service', ['--pretty', '--format', '-f']),
        scale: leaf('service', ['-d', '--detach']), rollback: leaf('service', ['-d', '--detach']), rm: leaf('service'), logs: leaf('service'),
      },
    },
    secret: { sub: { create: leaf('file', ['--label', '-l']), ls: leaf(undefined, ['-q', '--format']), inspect: leaf('secret', ['--pretty', '--format', '-f']), rm: leaf('secret') } },
    config: { sub: { create: leaf('file', ['--label', '-l']), ls: leaf(undefined, ['-q', '--format']), inspect: leaf('config', ['--pretty', '--format', '-f']), rm: leaf('config') } },
    volume: { sub: { create: leaf(undefined, ['--driver', '-d', '--label', '--opt', '-o']), ls: leaf(undefined, ['-q', '--format', '--filter', '-f']), inspect: leaf('volume', ['--format', '-f']), rm: leaf('volume', ['-f', '--force']), prune: leaf(undefined, ['-f', '--force', '--filter']) } },
    stack: { sub: { deploy: leaf(undefined, ['-c', '--compose-file', '--prune']), ls: leaf(), services: leaf(), ps: leaf(undefined, ['--filter', '-f', '--no-trunc']), rm: leaf() } },
  },
};

const IP: Spec = {
  flags: ['-d', '-s', '-4', '-o'],
  sub: {
    link: { sub: { show: leaf('dev'), add: leaf(undefined, ['type', 'peer', 'name', 'id', 'remote', 'local', 'group', 'dev', 'dstport']), set: leaf('dev', ['up', 'down', 'netns', 'master', 'nomaster', 'mtu', 'address', 'name']), delete: leaf('dev') } },
    addr: { sub: { show: leaf('dev'), add: leaf(undefined, ['dev', 'brd']), del: leaf(undefined, ['dev']), flush: leaf(undefined, ['dev']) } },
    route: { sub: { show: leaf(), add: leaf(undefined, ['via', 'dev', 'src', 'metric', 'table']), replace: leaf(undefined, ['via', 'dev', 'src', 'metric']), del: leaf(), get: leaf() } },
    neigh: { sub: { show: leaf(undefined, ['dev']), add: leaf(undefined, ['lladdr', 'dev', 'nud']), replace: leaf(undefined, ['lladdr', 'dev', 'nud']), del: leaf(undefined, ['dev']), flush: leaf(undefined, ['dev']) } },
    netns: { sub: { add: leaf(), delete: leaf('netns'), list: leaf(), exec: leaf('netns') } },
    xfrm: { sub: { state: leaf(), policy: leaf() } },
  },
};

const TABLE: Readonly<Record<string, Spec>> = {
  docker: DOCKER,
  ip: IP,
  iptables: { flags: ['-t', '-A', '-I', '-D', '-R', '-N', '-X', '-F', '-Z', '-P', '-L', '-S', '-n', '-v', '--line-numbers', '-j', '-s', '-d', '-i', '-o', '-p', '--dport', '--sport', '-m'] },
  ipvsadm: { flags: ['-L', '-l', '-n', '--stats', '-A', '-a', '-D', '-d', '-f', '-t', '-u', '-r', '-s', '-m', '-w'] },
  ping: { flags: ['-c', '-i', '-s', '-t', '-W', '-w', '-I', '-b'] },
  curl: { flags: ['-s', '-S', '-i', '-I', '-m', '--max-time', '-o', '-w', '-H', '-v'] },
  nc: { flags: ['-u', '-z', '-v', '-w', '-l'] },
  brctl: { sub: { show: leaf(), addbr: leaf(), delbr: leaf('dev'), addif: leaf('dev'), delif: leaf('dev') } },
  bridge: { sub: { fdb: { sub: { show: leaf(undefined, ['dev', 'br']), add: leaf(undefined, ['dev', 'dst']), append: leaf(undefined, ['dev', 'dst']), del: leaf(undefined, ['dev']) } } } },
  systemctl: { sub: { start: leaf(), stop: leaf(), restart: leaf(), status: leaf() } },
  cat: leaf('file'), ls: leaf('file'), rm: leaf('file'), grep: leaf('file'), head: leaf('file'), wc: leaf('file'), cd: leaf('file'),
};

/** Names the simulated world holds now, by kind, as seen from `host`. */
export function namesOf(sim: Simulation, host: Host, kind: Kind): string[] {
  const d = sim.docker.daemon(host);
  const cluster = sim.swarm.cluster;
  switch (kind) {
    case 'host':
      return [...sim.world.hosts.keys()];
    case 'container': {
      const out: string[] = [];
      for (const c of d?.containers.values() ?? []) out.push(c.name, c.id.slice(0, 12));
      return out;
    }
    case 'image':
      return [...(d?.images.keys() ?? [])];
    case 'network':
      return [...(d?.networks.values() ?? [])].map((n) => n.name);
    case 'service':
      return cluster === null ? [] : [...cluster.services.values()].map((s) => s.spec.name);
    case 'secret':
      return cluster === null ? [] : [...cluster.secrets.values()].map((s) => s.name);
    case 'config':
      return cluster === null ? [] : [...cluster.configs.values()].map((s) => s.name);
    case 'volume':
      return [...(d?.volumes.volumes.keys() ?? [])];
    case 'node':
      return cluster === null ? [] : [...cluster.nodes.values()].map((n) => n.hostname);
    case 'netns':
      return [...host.named.keys()];
    case 'dev':
      return [...host.root.byName.keys()];
    case 'file':
      return [...sim.userland(host).files.keys()];
  }
}

/**
 * Completes the last word of `line` (readline's completer contract: the candidates and the part of
 * the line they replace). `extra` are the interactive shell's own words (`ssh`, `:trace`, …).
 */
export function complete(line: string, sim: Simulation, host: Host, extra: readonly string[]): [string[], string] {
  const words = line.split(/\s+/);
  if (words[0] === '') words.shift();
  const word = words.pop() ?? '';
  const pick = (cands: Iterable<string>): [string[], string] => {
    const hits = [...new Set(cands)].filter((c) => c.startsWith(word)).sort();
    return [hits, word];
  };
  if (words.length === 0) return pick([...programs.keys(), ...extra]);
  // `ip netns exec NS cmd …` and `sudo cmd …` complete the inner command.
  if (words[0] === 'sudo') return complete(line.replace(/^\s*sudo\s+/, ''), sim, host, extra);
  if (words[0] === 'ssh') return pick(namesOf(sim, host, 'host'));
  let spec: Spec | undefined = TABLE[words[0]!];
  let positional = 0;
  for (const w of words.slice(1)) {
    if (spec === undefined) break;
    if (w.startsWith('-')) continue;
    const next: Spec | undefined = spec.sub?.[w];
    if (next !== undefined) {
      spec = next;
      positional = 0;
    } else positional++;
  }
  if (spec === undefined) return pick([]);
  if (word.startsWith('-')) return pick(spec.flags ?? []);
  // A subcommand is still to come; arguments once past it.
  if (spec.sub !== undefined && positional === 0) return pick(Object.keys(spec.sub));
  const kind = spec.args;
  if (kind === undefined) return pick(spec.flags ?? []);
  // File names complete relative to nothing: the host's files are kept by absolute path.
  return pick(namesOf(sim, host, kind));
}
