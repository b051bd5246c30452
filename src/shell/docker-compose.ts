// docker-compose 1.27 on one host: up [-d] [--scale S=N], ps, stop, start, down, scale, from the
// compose file in the working directory (or -f), as seed 004 uses it. The file is read by the
// stack loader (swarm/compose.ts; a version 2 file is read as 3, the keys the seeds use being the
// same) and run through the Docker API: networks <project>_<name> (<project>_default when a service
// names none), containers <project>_<service>_<n> with the compose labels, the service name as
// their alias. `deploy:` is ignored, as docker-compose ignores it.
import { parse as parseYaml } from 'yaml';
import { DaemonError, DockerError, UsageError } from '../docker/errors.js';
import type { Daemon } from '../docker/daemon.js';
import type { Container } from '../docker/model.js';
import { formatIp4 } from '../core/addr.js';
import { InputError } from '../core/errors.js';
import { loadStack } from '../swarm/compose.js';
import type { Stack, StackService } from '../swarm/compose.js';
import { daemonOf, daemonSaid, reportError } from './docker/common.js';
import type { Ctx, Program } from './program.js';
import { println, resolvePath } from './program.js';

interface Project {
  readonly name: string;
  readonly stack: Stack;
  /** Services in start order (depends_on and links first). */
  readonly order: StackService[];
  /** Network drivers as the file gives them (compose's default is bridge, a stack's overlay). */
  readonly drivers: ReadonlyMap<string, string>;
}

function load(ctx: Ctx, file: string | null, projectName: string | null): Project | string {
  const candidates = file !== null ? [resolvePath(ctx, file)] : ['docker-compose.yml', 'docker-compose.yaml'].map((f) => resolvePath(ctx, f));
  const path = candidates.find((p) => ctx.files.has(p));
  if (path === undefined) {
    return file !== null
      ? `.IOError: [Errno 2] No such file or directory: '${file}'`
      : `ERROR: \n        Can't find a suitable configuration file in this directory or any\n        parent directory.\n\n        Supported filenames: docker-compose.yml, docker-compose.yaml, compose.yml, compose.yaml\n        `;
  }
  const dir = path.slice(0, path.lastIndexOf('/'));
  // The project is the directory's name, lower-cased, keeping [a-z0-9] (compose's normalize_name).
  const name = (projectName ?? (dir.slice(dir.lastIndexOf('/') + 1) || 'root')).toLowerCase().replace(/[^a-z0-9]/g, '');
  let text = ctx.files.get(path)!;
  // Version 2 files: the keys the seeds' files use mean the same in version 3.
  text = text.replace(/^(version:\s*)(['"]?)2(\.\d+)?\2\s*$/m, "$1'3.8'");
  let stack: Stack;
  try {
    stack = loadStack(name, [{ path, text }]);
  } catch (e) {
    if (e instanceof InputError) return `ERROR: ${e.message}`;
    throw e;
  }
  const raw = parseYaml(text) as { services?: Record<string, { depends_on?: unknown; links?: unknown }>; networks?: Record<string, { driver?: unknown } | null> } | null;
  const drivers = new Map<string, string>();
  for (const n of stack.networks) {
    const dr = raw?.networks?.[n.key]?.driver;
    drivers.set(n.key, typeof dr === 'string' ? dr : 'bridge');
  }
  const deps = (key: string): string[] => {
    const s = raw?.services?.[key];
    const list = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => String(x).split(':')[0]!) : v !== null && typeof v === 'object' ? Object.keys(v) : []);
    return [...list(s?.depends_on), ...list(s?.links)];
  };
  const order: StackService[] = [];
  const visit = (s: StackService, seen: Set<string>): void => {
    if (order.includes(s) || seen.has(s.key)) return;
    seen.add(s.key);
    for (const d of deps(s.key)) {
      const t = stack.services.find((x) => x.key === d);
      if (t !== undefined) visit(t, seen);
    }
    order.push(s);
  };
  for (const s of stack.services) visit(s, new Set());
  return { name, stack, order, drivers };
}

function containersOf(d: Daemon, p: Project, service?: string): Container[] {
  return [...d.containers.values()]
    .filter((c) => c.labels['com.docker.compose.project'] === p.name && (service === undefined || c.labels['com.docker.compose.service'] === service))
    .sort((a, b) => Number(a.labels['com.docker.compose.container-number']) - Number(b.labels['com.docker.compose.container-number']));
}

/** `Creating x ... done` lines, the names padded to the longest, as compose's parallel output. */
function progress(ctx: Ctx, verb: string, names: string[]): void {
  const w = Math.max(0, ...names.map((n) => n.length));
  for (const n of names) println(ctx, `${verb} ${n.padEnd(w)} ... done`);
}

function networksOf(s: StackService): string[] {
  return s.spec.networks.map((n) => n.target);
}

/** A container compose could not create: the batch so far, its line, then the error. */
function composeFailed(ctx: Ctx, created: string[], name: string, error: string): number {
  progress(ctx, 'Creating', created);
  println(ctx, `Creating ${name} ... error`);
  println(ctx, '');
  println(ctx, `ERROR: for ${name}  ${error}`);
  return 1;
}

function up(ctx: Ctx, d: Daemon, p: Project, scale: Map<string, number>): number {
  for (const n of p.stack.networks) {
    if (n.external || d.findNetworkByName(n.name) !== null) continue;
    const driver = p.drivers.get(n.key) ?? 'bridge';
    println(ctx, n.key === 'default' ? `Creating network "${n.name}" with the default driver` : `Creating network "${n.name}" with driver "${driver}"`);
    try {
      d.createNetwork(n.name, { driver, subnet: n.subnet, gateway: null, internal: false, attachable: n.attachable, options: n.driverOpts, labels: { 'com.docker.compose.network': n.key, 'com.docker.compose.project': p.name, 'com.docker.compose.version': '1.27.4' } });
    } catch (e) {
      if (!(e instanceof DaemonError) && !(e instanceof DockerError)) throw e;
      println(ctx, `ERROR: ${e.message}`);
      return 1;
    }
  }
  const made = ctx.sim.userland(d.host).composeVolumes;
  for (const v of p.stack.volumes) {
    if (v.external || made.has(v.name)) continue;
    made.add(v.name);
    println(ctx, `Creating volume "${v.name}" with ${v.driver === 'local' ? 'default' : v.driver} driver`);
  }
  // The containers are created in one parallel batch: their lines come together, padded alike.
  const created: string[] = [];
  for (const s of p.order) {
    const want = scale.get(s.key) ?? Math.max(1, containersOf(d, p, s.key).length);
    const have = containersOf(d, p, s.key);
    for (const c of have.slice(0, want)) {
      if (c.state !== 'running') {
        d.startContainer(c);
        progress(ctx, 'Starting', [c.name]);
      } else println(ctx, `${c.name} is up-to-date`);
    }
    for (const c of have.slice(want).reverse()) {
      d.stopContainer(c, 0);
      d.removeContainer(c, true);
      progress(ctx, 'Stopping and removing', [c.name]);
    }
    for (let i = have.length + 1; i <= want; i++) {
      const name = `${p.name}_${s.key}_${i}`;
      const nets = networksOf(s);
      const ports = s.spec.ports.map((x) => `${x.published ?? ''}${x.published === null ? '' : ':'}${x.target}/${x.protocol}`);
      let container: Container;
      try {
        ({ container } = d.run({
          image: s.spec.image, name, network: nets[0] ?? null, links: [], publish: ports, env: s.spec.env, hostname: s.spec.hostname,
          cmd: s.spec.args, tty: false, aliases: [s.key], restart: 'no',
          labels: { ...s.spec.containerLabels, 'com.docker.compose.project': p.name, 'com.docker.compose.service': s.key, 'com.docker.compose.container-number': String(i), 'com.docker.compose.oneoff': 'False', 'com.docker.compose.version': '1.27.4' },
        }));
      } catch (e) {
        if (e instanceof UsageError) return composeFailed(ctx, created, name, reportError(e.message).replace(/^docker: /, ''));
        if (!(e instanceof DaemonError)) throw e;
        return composeFailed(ctx, created, name, `${daemonSaid(e).replace(/\.$/, '')}.`);
      }
      try {
        for (const n of nets.slice(1)) {
          const net = d.findNetworkByName(n);
          if (net !== null) d.connect(container, net, [s.key], null);
        }
      } catch (e) {
        if (!(e instanceof DaemonError)) throw e;
        return composeFailed(ctx, created, name, daemonSaid(e));
      }
      created.push(name);
    }
  }
  progress(ctx, 'Creating', created);
  return 0;
}

/** compose's texttable: headers centred, cells left-aligned, three spaces between columns. */
function texttable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[], header: boolean): string => r.map((cell, i) => {
    const fill = widths[i]! - cell.length;
    return header ? ' '.repeat(Math.floor(fill / 2)) + cell + ' '.repeat(fill - Math.floor(fill / 2)) : cell + ' '.repeat(fill);
  }).join('   ');
  return [line(rows[0]!, true), '-'.repeat(widths.reduce((a, b) => a + b, 0) + 3 * (widths.length - 1)), ...rows.slice(1).map((r) => line(r, false))].join('\n') + '\n';
}

function truncate(text: string, n: number): string {
  return text.length > n ? `${text.slice(0, n - 4)} ...` : text;
}

function ps(ctx: Ctx, d: Daemon, p: Project): void {
  const rows = [['Name', 'Command', 'State', 'Ports']];
  for (const s of p.order) {
    for (const c of containersOf(d, p, s.key)) {
      const ports = c.state !== 'running' ? '' : c.publish.length > 0
        ? c.publish.map((b) => `${b.hostIp === 0 ? '0.0.0.0' : formatIp4(b.hostIp)}:${b.hostPort}->${b.containerPort}/${b.proto}`).join(', ')
        : c.spec.exposed.join(', ');
      rows.push([c.name, truncate(c.cmd.join(' '), 30), c.state === 'running' ? 'Up' : `Exit ${c.exitCode}`, ports]);
    }
  }
  // Sorted by name, as `docker-compose ps` lists them.
  const body = rows.slice(1).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
  ctx.term.write(texttable([rows[0]!, ...body]));
}

export const dockerCompose: Program = (ctx, argv, exit) => {
  const args = argv.slice(1);
  let file: string | null = null;
  let project: string | null = null;
  while (args[0] === '-f' || args[0] === '--file' || args[0] === '-p' || args[0] === '--project-name') {
    const flag = args.shift()!;
    const v = args.shift() ?? '';
    if (flag === '-f' || flag === '--file') file = v;
    else project = v;
  }
  const [verb, ...rest] = args;
  if (verb === 'version' || verb === '--version' || verb === '-v') {
    println(ctx, 'docker-compose version 1.27.4, build 40524192');
    return exit(0);
  }
  const d = daemonOf(ctx);
  if (d === null) {
    println(ctx, `ERROR: Couldn't connect to Docker daemon at http+docker://localhost - is it running?\n\nIf it's at a non-standard location, specify the URL with the DOCKER_HOST environment variable.`);
    return exit(1);
  }
  const p = load(ctx, file, project);
  if (typeof p === 'string') {
    println(ctx, p);
    return exit(1);
  }
  const scaleArgs = (list: string[]): Map<string, number> | string => {
    const m = new Map<string, number>();
    for (const a of list) {
      const [k, n] = a.split('=');
      if (!p.stack.services.some((s) => s.key === k)) return `ERROR: No such service: ${k}`;
      m.set(k!, Number(n));
    }
    return m;
  };
  switch (verb) {
    case 'up': {
      const scales: string[] = [];
      for (let i = 0; i < rest.length; i++) if (rest[i] === '--scale') scales.push(rest[++i] ?? '');
      const m = scaleArgs(scales);
      if (typeof m === 'string') {
        println(ctx, m);
        return exit(1);
      }
      return exit(up(ctx, d, p, m));
    }
    case 'scale': {
      println(ctx, 'WARNING: The scale command is deprecated. Use the up command with the --scale flag instead.');
      const m = scaleArgs(rest);
      if (typeof m === 'string') {
        println(ctx, m);
        return exit(1);
      }
      const only: Project = { ...p, order: p.order.filter((s) => m.has(s.key)) };
      return exit(up(ctx, d, { ...only, stack: { ...p.stack, networks: [], volumes: [] } }, m));
    }
    case 'ps':
      ps(ctx, d, p);
      return exit(0);
    case 'stop':
    case 'start': {
      const list = [...p.order].reverse().flatMap((s) => containersOf(d, p, s.key));
      const todo = verb === 'stop' ? list.filter((c) => c.state === 'running') : [...list].reverse().filter((c) => c.state !== 'running');
      for (const c of todo) verb === 'stop' ? d.stopContainer(c, 0) : d.startContainer(c);
      if (verb === 'stop') progress(ctx, 'Stopping', todo.map((c) => c.name));
      else for (const s of p.order) if (containersOf(d, p, s.key).length > 0) println(ctx, `Starting ${s.key} ... done`);
      return exit(0);
    }
    case 'down': {
      const list = [...p.order].reverse().flatMap((s) => containersOf(d, p, s.key).reverse());
      const running = list.filter((c) => c.state === 'running');
      for (const c of running) d.stopContainer(c, 0);
      progress(ctx, 'Stopping', running.map((c) => c.name));
      for (const c of list) d.removeContainer(c, true);
      progress(ctx, 'Removing', list.map((c) => c.name));
      for (const n of p.stack.networks) {
        const net = d.findNetworkByName(n.name);
        if (net === null || n.external) continue;
        println(ctx, `Removing network ${n.name}`);
        d.removeNetwork(net);
      }
      return exit(0);
    }
  }
  println(ctx, `No such command: ${verb ?? ''}`);
  exit(1);
};

