// docker run | ps | rm | stop | start | restart | exec | logs | inspect | pull | images
import { Command } from 'commander';
import type { Ctx } from '../program.js';
import { println } from '../program.js';
import { DockerError, stopExitCode } from '../../docker/daemon.js';
import type { Daemon } from '../../docker/daemon.js';
import { goJson, goTemplate } from '../table.js';
import { collect, guard, labelsOf, parseFlags, subcommand } from './common.js';
import { containerJson, networkJson, psTable } from './format.js';
import { parseImageRef } from '../../docker/images.js';
import type { Container } from '../../docker/model.js';
import { formatIp4 } from '../../core/addr.js';

type Exit = (code: number) => void;

export function dockerRun(ctx: Ctx, d: Daemon, args: string[], exit: Exit): void {
  const cmd: Command = subcommand('run', true)
    .option('-d, --detach')
    .option('-i, --interactive')
    .option('-t, --tty')
    .option('--rm')
    .option('--name <name>')
    .option('--network <net>')
    .option('--net <net>')
    .option('--network-alias <alias>', '', collect, [])
    .option('--link <link>', '', collect, [])
    .option('-p, --publish <spec>', '', collect, [])
    .option('-e, --env <kv>', '', collect, [])
    .option('-l, --label <kv>', '', collect, [])
    .option('-h, --hostname <name>')
    .option('-v, --volume <spec>', '', collect, [])
    .option('--restart <policy>')
    .option('--dns <ip>', '', collect, [])
    .argument('[image]')
    .argument('[cmd...]');
  if (!parseFlags(ctx, cmd, args, 'run', exit)) return;
  const o = cmd.opts<{ detach?: boolean; tty?: boolean; name?: string; network?: string; net?: string; networkAlias: string[]; link: string[]; publish: string[]; env: string[]; label: string[]; hostname?: string; dns: string[]; restart?: string }>();
  const [image, ...rest] = cmd.args;
  if (image === undefined) {
    println(ctx, '"docker run" requires at least 1 argument.');
    println(ctx, "See 'docker run --help'.");
    println(ctx, '');
    println(ctx, 'Usage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]');
    println(ctx, '');
    println(ctx, 'Run a command in a new container');
    return exit(125);
  }
  guard(ctx, exit, () => {
    let ran: ReturnType<Daemon['run']>;
    try {
      ran = d.run({
      image, name: o.name ?? null, network: o.network ?? o.net ?? null, links: o.link, publish: o.publish, env: o.env,
      hostname: o.hostname ?? null, cmd: rest, tty: !!o.tty, labels: labelsOf(o.label), aliases: o.networkAlias,
      dns: o.dns, restart: o.restart ?? 'no',
      });
    } catch (e) {
      // Detached, the CLI prints the ID as soon as the container is created (run.go), before
      // the start that failed.
      if (e instanceof DockerError && e.created !== null && o.detach) {
        const [pull, rest2] = splitPulled(e.message);
        for (const l of pull) println(ctx, l);
        println(ctx, e.created.id);
        throw new DockerError(rest2, e.code);
      }
      throw e;
    }
    const { container, pulled } = ran;
    for (const l of pulled) println(ctx, l);
    if (o.detach) println(ctx, container.id);
    exit(0);
  });
}

function containersOf(ctx: Ctx, d: Daemon, refs: string[], exit: Exit, verb: string, each: (c: NonNullable<ReturnType<Daemon['findContainer']>>) => void, trailer: () => string[] = () => []): void {
  let rc = 0;
  for (const ref of refs) {
    const c = d.findContainer(ref);
    if (c === null) {
      println(ctx, `Error: No such container: ${ref}`);
      rc = 1;
      continue;
    }
    try {
      each(c);
      println(ctx, ref);
    } catch (e) {
      if (!(e instanceof DockerError)) throw e;
      println(ctx, e.message);
      rc = 1;
    }
  }
  void verb;
  for (const l of trailer()) println(ctx, l);
  exit(rc);
}

/** The pull lines a run error starts with, and the rest. */
function splitPulled(message: string): [string[], string] {
  const lines = message.split('\n');
  const i = lines.findIndex((l) => l.startsWith('docker: '));
  return i <= 0 ? [[], message] : [lines.slice(0, i), lines.slice(i).join('\n')];
}

export function dockerContainerCmd(ctx: Ctx, d: Daemon, sub: string, args: string[], exit: Exit): boolean {
  switch (sub) {
    case 'ps': {
      const cmd = subcommand('ps').option('-a, --all').option('-q, --quiet').option('--no-trunc').option('-n, --last <n>').option('-l, --latest').option('-f, --filter <f>', '', collect, []).option('--format <tpl>');
      if (!parseFlags(ctx, cmd, args, 'ps', exit)) return true;
      const o = cmd.opts<{ all?: boolean; quiet?: boolean; last?: string; latest?: boolean; filter: string[]; format?: string }>();
      const last = o.latest ? 1 : o.last === undefined ? -1 : Number(o.last);
      // Filters: name= (a regular expression, as docker matches it), id=, label=, status=.
      const filters = o.filter.map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)] as const);
      for (const [k] of filters) {
        if (!['name', 'id', 'label', 'status'].includes(k)) {
          println(ctx, `Error response from daemon: Invalid filter '${k}'`);
          exit(1);
          return true;
        }
      }
      const keep = (c: import('../../docker/model.js').Container): boolean => filters.every(([k, v]) => {
        if (k === 'name') return new RegExp(v).test(c.name);
        if (k === 'id') return c.id.startsWith(v);
        if (k === 'status') return c.state === v;
        const [lk, lv] = v.split('=');
        return lk! in c.labels && (lv === undefined || c.labels[lk!] === lv);
      });
      ctx.term.write(psTable(d, !!o.all || last >= 0 || filters.some(([k]) => k === 'status'), !!o.quiet, last, keep, o.format));
      exit(0);
      return true;
    }
    case 'rm': {
      const cmd = subcommand('rm').option('-f, --force').option('-v, --volumes').argument('[containers...]');
      if (!parseFlags(ctx, cmd, args, 'rm', exit)) return true;
      const force = !!cmd.opts<{ force?: boolean }>().force;
      containersOf(ctx, d, cmd.args, exit, 'rm', (c) => d.removeContainer(c, force));
      return true;
    }
    case 'stop':
    case 'kill':
    case 'start':
    case 'restart': {
      // -t/--time (stop, restart) and -s/--signal (kill) take a value; -a/-i (start) do not.
      const cmd = subcommand(sub).option('-t, --time <seconds>').option('-s, --signal <sig>').option('-a, --attach').option('-i, --interactive').argument('[containers...]');
      if (!parseFlags(ctx, cmd, args, sub, exit)) return true;
      const failed: string[] = [];
      containersOf(ctx, d, cmd.args, exit, sub, (c) => {
        if (sub !== 'start') d.stopContainer(c, sub === 'kill' ? 137 : stopExitCode(c));
        if (sub !== 'start' && sub !== 'restart') return;
        try {
          d.startContainer(c);
        } catch (e) {
          if (!(e instanceof DockerError)) throw e;
          // start.go prints each daemon error, then names the ones that failed; restart.go
          // joins the daemon's "Cannot restart container" errors.
          if (sub === 'start') failed.push(c.name);
          throw new DockerError(sub === 'start' ? `Error response from daemon: ${e.message}` : `Error response from daemon: Cannot restart container ${c.name}: ${e.message}`);
        }
      }, () => (failed.length > 0 ? [`Error: failed to start containers: ${failed.join(', ')}`] : []));
      return true;
    }
    case 'port': {
      const cmd = subcommand('port').argument('[container]').argument('[port]');
      if (!parseFlags(ctx, cmd, args, 'port', exit)) return true;
      const [ref, want] = cmd.args;
      if (ref === undefined) {
        println(ctx, '"docker port" requires at least 1 argument.');
        println(ctx, "See 'docker port --help'.");
        println(ctx, '');
        println(ctx, 'Usage:  docker port CONTAINER [PRIVATE_PORT[/PROTO]]');
        println(ctx, '');
        println(ctx, 'List port mappings or a specific mapping for the container');
        exit(1);
        return true;
      }
      const c = d.findContainer(ref);
      if (c === null) {
        println(ctx, `Error: No such container: ${ref}`);
        exit(1);
        return true;
      }
      const lines = portLines(c, want);
      if (lines === null) {
        println(ctx, `Error: No public port '${want!.includes('/') ? want : `${want}/tcp`}' published for ${ref}`);
        exit(1);
        return true;
      }
      for (const l of lines) println(ctx, l);
      exit(0);
      return true;
    }
    case 'logs': {
      const c = d.findContainer(args[args.length - 1] ?? '');
      if (c === null) {
        println(ctx, `Error: No such container: ${args[args.length - 1] ?? ''}`);
        exit(1);
        return true;
      }
      for (const l of c.logs) println(ctx, l);
      exit(0);
      return true;
    }
    case 'exec': {
      const cmd = subcommand('exec', true).option('-i, --interactive').option('-t, --tty').option('-d, --detach').option('-e, --env <kv>', '', collect, []).argument('[container]').argument('[cmd...]');
      if (!parseFlags(ctx, cmd, args, 'exec', exit)) return true;
      const [ref, ...rest] = cmd.args;
      if (ref === undefined || rest.length === 0) {
        println(ctx, '"docker exec" requires at least 2 arguments.');
        println(ctx, "See 'docker exec --help'.");
        exit(1);
        return true;
      }
      const c = d.findContainer(ref);
      if (c === null) {
        println(ctx, `Error: No such container: ${ref}`);
        exit(1);
        return true;
      }
      if (c.state !== 'running') {
        println(ctx, `Error response from daemon: Container ${c.id} is not running`);
        exit(1);
        return true;
      }
      const env = d.execEnv(c);
      const o = cmd.opts<{ interactive?: boolean; tty?: boolean }>();
      // An interactive shell becomes the terminal's current shell until `exit`.
      if (o.interactive && rest.length === 1 && /^(\/bin\/)?(sh|bash|ash)$/.test(rest[0]!)) {
        // busybox ash, dash's bare `# `, bash as CentOS and as Debian-based images set PS1.
        const prompt = env.flavor === 'busybox' ? '{cwd} # '
          : !/bash$/.test(rest[0]!) ? '# '
          : c.image.repo === 'centos' ? `[root@${c.hostname} {base}]# ` : `root@${c.hostname}:{cwd}# `;
        ctx.session.enter(env, prompt);
        exit(0);
        return true;
      }
      ctx.spawnIn(o.tty ? env : { ...env, tty: false }, rest, exit);
      return true;
    }
    case 'inspect': {
      const cmd = subcommand('inspect').option('-f, --format <tpl>').option('-s, --size').option('--type <t>');
      if (!parseFlags(ctx, cmd, args, 'inspect', exit)) return true;
      const format = cmd.opts<{ format?: string }>().format;
      const out: object[] = [];
      let rc = 0;
      for (const ref of cmd.args) {
        const c = d.findContainer(ref);
        const n = c === null ? d.findNetwork(ref) : null;
        const json = c !== null ? containerJson(d, c) : n !== null ? networkJson(d, n) : null;
        if (json === null) {
          println(ctx, `Error: No such object: ${ref}`);
          rc = 1;
        } else if (format !== undefined) println(ctx, goTemplate(format, json));
        else out.push(json);
      }
      if (format === undefined && (out.length > 0 || rc === 0)) println(ctx, goJson(out));
      exit(rc);
      return true;
    }
    case 'pull': {
      const image = args.find((a) => !a.startsWith('-'));
      if (image === undefined) return false;
      const ref = parseImageRef(image);
      const spec = d.registry.find(ref);
      const key = `${ref.repo}:${ref.tag}`;
      if (spec === null) {
        println(ctx, `Error response from daemon: pull access denied for ${ref.repo}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`);
        exit(1);
        return true;
      }
      if (d.images.has(key)) {
        println(ctx, `${ref.tag}: Pulling from ${ref.repo.includes('/') ? ref.repo : `library/${ref.repo}`}`);
        println(ctx, `Status: Image is up to date for ${key}`);
      } else for (const l of d.pull(key, spec.layers)) println(ctx, l);
      println(ctx, ref.repo.includes('/') || ref.repo.includes('.') ? key : `docker.io/library/${key}`);
      exit(0);
      return true;
    }
  }
  return false;
}

/**
 * `docker port` (docker/cli cli/command/container/port.go): each published binding as
 * `80/tcp -> 0.0.0.0:8080`, sorted by the binding's text; with PRIVATE_PORT[/PROTO], just that
 * port's host addresses, or null when it has none. Only a running container has bindings.
 */
function portLines(c: Container, want: string | undefined): string[] | null {
  const binds = c.state !== 'running' ? [] : c.publish.map((p) => ({ key: `${p.containerPort}/${p.proto}`, host: `${p.hostIp === 0 ? '0.0.0.0' : formatIp4(p.hostIp)}:${p.hostPort}` }));
  if (want !== undefined) {
    const key = want.includes('/') ? want : `${want}/tcp`;
    const hits = binds.filter((b) => b.key === key).map((b) => b.host);
    return hits.length > 0 ? hits : null;
  }
  return binds.map((b) => `${b.key} -> ${b.host}`).sort();
}
