// docker run | ps | rm | stop | kill | start | restart | attach | exec | logs | inspect (and `docker container <verb>`)
import { compileRegex, isPatternError } from '../../core/regex.js';
import { Command } from 'commander';
import type { Ctx } from '../program.js';
import { eprintln, println } from '../program.js';
import { stopExitCode } from '../../docker/daemon.js';
import { DaemonError, DockerError, UsageError } from '../../docker/errors.js';
import type { Daemon } from '../../docker/daemon.js';
import { goJson, goTemplate } from '../table.js';
import { collect, daemonSaid, guard, labelsOf, parseFlags, reportError, subcommand, usageError } from './common.js';
import { containerJson, networkJson, psTable } from './format.js';
import { parseImageRef } from '../../docker/images.js';
import { imageKey, pullFromRegistry, registryOf } from '../../docker/image-ops.js';
import { parseMountFlag, parseVolumeFlag } from './mountflags.js';
import { checkContainerName, checkImageRef, checkPortSpec, checkRestartPolicy, dnsFlagError } from './validate.js';
import type { Container } from '../../docker/model.js';
import { formatIp4 } from '../../core/addr.js';
import { longRunning } from '../../docker/process.js';
import { lookupProgram } from '../registry.js';
import { findImage, imageJson } from './imagecmd.js';

type Exit = (code: number) => void;

/** `docker run`, and `docker create` (the same flags but -d; the container is left Created and its
 *  ID printed: cli/command/container/create.go runCreate). */
export function dockerRun(ctx: Ctx, d: Daemon, args: string[], exit: Exit, verb: 'run' | 'create' = 'run'): void {
  const cmd: Command = subcommand(verb, true);
  // --dns-option and its hidden alias --dns-opt fill one list, in the order given (opts.go binds
  // both to copts.dnsOptions): each returns that list, so either key holds all of them.
  const dnsOptions: string[] = [];
  const addDnsOption = (v: string): string[] => {
    dnsOptions.push(v);
    return dnsOptions;
  };
  if (verb === 'run') cmd.option('-d, --detach');
  cmd
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
    .option('--mount <spec>', '', collect, [])
    .option('--restart <policy>')
    .option('--dns <ip>', '', collect, [])
    .option('--dns-search <domain>', '', collect, [])
    .option('--dns-option <option>', '', addDnsOption, [])
    .option('--dns-opt <option>', '', addDnsOption, [])
    .argument('[image]')
    .argument('[cmd...]');
  if (!parseFlags(ctx, cmd, args, verb, exit)) return;
  const o = cmd.opts<{ detach?: boolean; interactive?: boolean; tty?: boolean; rm?: boolean; restart?: string; name?: string; network?: string; net?: string; networkAlias: string[]; link: string[]; publish: string[]; env: string[]; label: string[]; hostname?: string; volume: string[]; mount: string[]; dns: string[]; dnsSearch: string[]; dnsOption: string[]; dnsOpt: string[] }>();
  const [image, ...rest] = cmd.args;
  // What the CLI refuses before asking the daemon, then what the daemon refuses on create.
  const restart = o.restart === undefined ? null : checkRestartPolicy(o.restart);
  // (runconfig parse: ports, then the restart policy; the image reference when creating.)
  const cliError = dnsFlagError(o.dns, o.dnsSearch) ?? o.publish.map(checkPortSpec).find((e) => e !== null) ?? (restart !== null && 'cli' in restart ? restart.cli : null) ?? (image === undefined ? null : checkImageRef(image));
  const daemonError = (o.name === undefined ? null : checkContainerName(o.name)) ?? (restart !== null && 'daemon' in restart ? restart.daemon : null);
  if (image !== undefined && (cliError !== null || daemonError !== null)) {
    // A name the daemon refuses comes back from its create call: run reports it (exit 125),
    // create returns it as the error (exit 1).
    if (cliError === null && verb === 'create') {
      eprintln(ctx, `Error response from daemon: ${daemonError}`);
      return exit(1);
    }
    eprintln(ctx, cliError !== null ? `docker: ${cliError}.` : `docker: Error response from daemon: ${daemonError}.`);
    eprintln(ctx, `See 'docker ${verb} --help'.`);
    return exit(125);
  }
  if (image === undefined) {
    eprintln(ctx, `"docker ${verb}" requires at least 1 argument.`);
    eprintln(ctx, `See 'docker ${verb} --help'.`);
    println(ctx, '');
    println(ctx, `Usage:  docker ${verb} [OPTIONS] IMAGE [COMMAND] [ARG...]`);
    println(ctx, '');
    println(ctx, verb === 'run' ? 'Run a command in a new container' : 'Create a new container');
    return exit(125);
  }
  // createContainer warns first, before any pull or daemon call (create.go warnOnLocalhostDNS).
  const localDns = o.dns.find((ip) => /((127\.([0-9]{1,3}\.){2}[0-9]{1,3})|(::1)$)/.test(ip));
  if (localDns !== undefined) eprintln(ctx, `WARNING: Localhost DNS setting (--dns=${localDns}) may fail in containers.`);
  if (verb === 'create') return dockerCreate(ctx, d, o, image, rest, exit);
  const detach = !!o.detach;
  // A foreground command the CLI can run in the container (`docker run alpine echo hi`): the
  // container's life is that command's. Loops and servers keep their modelled behaviour.
  const shellCmd = (argv: string[]): boolean => argv.length === 1 && SHELLS.test(argv[0]!);
  const start = (): void => guard(ctx, exit, () => {
    // A local image (one docker build made) before the catalogue's.
    const spec = d.localImage(imageKey(image))?.spec ?? d.registry.find(parseImageRef(image));
    const argv = rest.length > 0 ? rest : spec?.cmd ?? [];
    const interactiveShell = !detach && !!o.tty && !!o.interactive && shellCmd(argv);
    const foregroundCmd = !detach && !interactiveShell && spec !== null && !spec.daemon && argv.length > 0 && !shellCmd(argv) && !longRunning(argv) && lookupProgram(argv[0]!.replace(/^\/(usr\/)?(s?bin)\//, ''), spec.shell) !== undefined;
    let ran: ReturnType<Daemon['run']>;
    try {
      ran = d.run({
        image, name: o.name ?? null, network: o.network ?? o.net ?? null, links: o.link, publish: o.publish, env: o.env,
        hostname: o.hostname ?? null, cmd: rest, tty: !!o.tty, labels: labelsOf(o.label), aliases: o.networkAlias,
        rm: !!o.rm, attached: interactiveShell || foregroundCmd, restart: o.restart ?? 'no', dns: o.dns, dnsSearch: o.dnsSearch, dnsOptions: o.dnsOption.length > 0 ? o.dnsOption : o.dnsOpt,
        mounts: [...o.volume.map(parseVolumeFlag), ...o.mount.map(parseMountFlag)],
      });
    } catch (e) {
      if (e instanceof UsageError) return runRefused(ctx, 'run', e.flag ? e.message : reportError(e.message), true, exit);
      if (!(e instanceof DaemonError)) throw e;
      for (const l of e.pulled) println(ctx, l);
      // Detached, the CLI prints the ID as soon as the container is created (run.go), before
      // the start that failed; a failed start has no usage hint.
      if (e.created !== null && detach) println(ctx, e.created.id);
      return runRefused(ctx, 'run', reportError(daemonSaid(e)), e.phase === 'create', exit);
    }
    const { container, pulled } = ran;
    for (const l of pulled) println(ctx, l);
    if (detach) {
      println(ctx, container.id);
      return exit(0);
    }
    if (interactiveShell) return enterShell(ctx, d, container, argv[0]!, exit);
    if (foregroundCmd) return runMain(ctx, d, container, argv, !!o.tty, exit);
    // A server in the foreground would hold the terminal; one that fails at once (mysql without a
    // password) shows its error and status, as the attached streams do.
    ctx.world.eq.after(2, () => {
      if (container.state === 'running') return exit(0);
      for (const l of container.logs) println(ctx, l);
      exit(container.exitCode);
    });
  });
  // An image a registry of the world serves (pushed there, or named HOST:PORT/…) and not here is
  // pulled over the network first, as the CLI does (create.go pullImage: its lines on stderr, no
  // reference line at the end); a failed pull is the run's error (exit 125).
  const ref = parseImageRef(image);
  const key = `${ref.repo}:${ref.tag}`;
  if (d.running && !d.images.has(key) && (d.registry.served.has(key) || (registryOf(ref.repo) !== null && d.registry.find(ref) === null))) {
    eprintln(ctx, `Unable to find image '${key}' locally`);
    let error: string | null = null;
    return pullFromRegistry(d, image, (l) => {
      if (l.startsWith('Error response from daemon: ')) error = l;
      else if (l !== key) eprintln(ctx, l);
    }, (code) => {
      if (code === 0) return start();
      eprintln(ctx, `docker: ${error ?? 'Error response from daemon: pull failed'}.`);
      eprintln(ctx, "See 'docker run --help'.");
      exit(125);
    });
  }
  start();
}

type RunFlags = { interactive?: boolean; tty?: boolean; rm?: boolean; restart?: string; name?: string; network?: string; net?: string; networkAlias: string[]; link: string[]; publish: string[]; env: string[]; label: string[]; hostname?: string; volume: string[]; mount: string[]; dns: string[]; dnsSearch: string[]; dnsOption: string[]; dnsOpt: string[] };

function dockerCreate(ctx: Ctx, d: Daemon, o: RunFlags, image: string, cmd: string[], exit: Exit): void {
  try {
    const { container, pulled } = d.run({
      image, name: o.name ?? null, network: o.network ?? o.net ?? null, links: o.link, publish: o.publish, env: o.env,
      hostname: o.hostname ?? null, cmd, tty: !!o.tty, labels: labelsOf(o.label), aliases: o.networkAlias,
      rm: !!o.rm, restart: o.restart ?? 'no', dns: o.dns, dnsSearch: o.dnsSearch, dnsOptions: o.dnsOption.length > 0 ? o.dnsOption : o.dnsOpt, mounts: [...o.volume.map(parseVolumeFlag), ...o.mount.map(parseMountFlag)],
      createOnly: true,
    });
    for (const l of pulled) ctx.err.write(`${l}\n`);
    println(ctx, container.id);
    exit(0);
  } catch (e) {
    // create.go: its own parse errors through reportError (exit 125); the daemon's error returned
    // as it is, printed by main, exit 1.
    if (e instanceof UsageError) return runRefused(ctx, 'create', e.flag ? e.message : reportError(e.message), true, exit);
    if (!(e instanceof DaemonError)) throw e;
    for (const l of e.pulled) ctx.err.write(`${l}\n`);
    println(ctx, daemonSaid(e));
    exit(1);
  }
}

/** run.go reportError's lines and exit status 125 (`docker run` and create's own checks). */
function runRefused(ctx: Ctx, verb: 'run' | 'create', text: string, withHelp: boolean, exit: Exit): void {
  println(ctx, text);
  if (withHelp) println(ctx, `See 'docker ${verb} --help'.`);
  exit(125);
}

/** The running container `ref` names; otherwise prints why not (exit 1) and returns null. */
function runningContainer(ctx: Ctx, d: Daemon, ref: string, exit: Exit, stopped: (c: Container) => string): Container | null {
  const c = d.findContainer(ref);
  if (c === null) {
    eprintln(ctx, `Error: No such container: ${ref}`);
    exit(1);
    return null;
  }
  if (c.state !== 'running') {
    println(ctx, stopped(c));
    exit(1);
    return null;
  }
  return c;
}

const SHELLS = /^(\/bin\/)?(sh|bash|ash)$/;

/** The prompt of a container's interactive shell: busybox ash, dash's bare `# `, bash as CentOS
 *  and as Debian-based images set PS1. */
function shellPrompt(c: Container, shell: string, busybox: boolean): string {
  return busybox ? '{cwd} # '
    : !/bash$/.test(shell) ? '# '
    : c.image.repo === 'centos' ? `[root@${c.hostname} {base}]# ` : `root@${c.hostname}:{cwd}# `;
}

/** The container's main process is the shell typed into next: `exit` ends it, and the container. */
function enterShell(ctx: Ctx, d: Daemon, c: Container, shell: string, exit: Exit): void {
  const env = d.execEnv(c);
  ctx.session.enter(env, shellPrompt(c, shell, env.flavor === 'busybox'), undefined, () => d.stopContainer(c, 0));
  exit(0);
}

/** Runs the container's command as its main process, attached: what it prints shows and is logged. */
function runMain(ctx: Ctx, d: Daemon, c: Container, argv: string[], tty: boolean, exit: Exit): void {
  let pending = '';
  const term = {
    write: (t: string): void => {
      ctx.term.write(t);
      pending += t;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      c.logs.push(...lines);
    },
  };
  const env = d.execEnv(c);
  ctx.spawnIn({ ...env, tty }, argv, (code) => {
    if (pending !== '') c.logs.push(pending);
    d.stopContainer(c, code);
    exit(code);
  }, term);
}

function containersOf(ctx: Ctx, d: Daemon, refs: string[], exit: Exit, each: (c: NonNullable<ReturnType<Daemon['findContainer']>>) => void, trailer: () => string[] = () => []): void {
  let rc = 0;
  for (const ref of refs) {
    const c = d.findContainer(ref);
    if (c === null) {
      eprintln(ctx, `Error: No such container: ${ref}`);
      rc = 1;
      continue;
    }
    try {
      each(c);
      println(ctx, ref);
    } catch (e) {
      if (e instanceof DaemonError) println(ctx, daemonSaid(e));
      else if (e instanceof DockerError) println(ctx, e.message);
      else throw e;
      rc = 1;
    }
  }
  for (const l of trailer()) println(ctx, l);
  exit(rc);
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
          eprintln(ctx, `Error response from daemon: Invalid filter '${k}'`);
          exit(1);
          return true;
        }
      }
      const keep = (c: import('../../docker/model.js').Container): boolean => filters.every(([k, v]) => {
        // Docker's filters.Args.Match: a Go regexp; one that does not compile matches nothing.
        if (k === 'name') {
          const re = compileRegex(v);
          return !isPatternError(re) && re.test(c.name);
        }
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
      const { force, volumes } = cmd.opts<{ force?: boolean; volumes?: boolean }>();
      containersOf(ctx, d, cmd.args, exit, (c) => {
        d.removeContainer(c, !!force);
        if (volumes) d.removeAnonymousVolumes(c);
      });
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
      containersOf(ctx, d, cmd.args, exit, (c) => {
        // A container the user stopped stays stopped under unless-stopped (restartmanager).
        // A container waiting to restart counts as running: the stop calls the restart off.
        if ((sub === 'stop' || sub === 'kill') && (c.state === 'running' || c.restartTimer !== null)) c.manuallyStopped = true;
        if (sub !== 'start') {
          d.cancelRestart(c);
          d.stopContainer(c, sub === 'kill' ? 137 : stopExitCode(c));
        }
        if (sub !== 'start' && sub !== 'restart') return;
        try {
          d.startContainer(c);
        } catch (e) {
          if (!(e instanceof DaemonError)) throw e;
          // start.go prints each daemon error, then names the ones that failed; restart.go
          // joins the daemon's "Cannot restart container" errors.
          if (sub === 'start') failed.push(c.name);
          // (daemon/restart.go words its own error: "Cannot restart container %s: %v".)
          throw new DockerError(sub === 'start' ? daemonSaid(e) : `Error response from daemon: Cannot restart container ${c.name}: ${e.message}`);
        }
      }, () => (failed.length > 0 ? [`Error: failed to start containers: ${failed.join(', ')}`] : []));
      return true;
    }
    case 'port': {
      const cmd = subcommand('port').argument('[container]').argument('[port]');
      if (!parseFlags(ctx, cmd, args, 'port', exit)) return true;
      const [ref, want] = cmd.args;
      if (ref === undefined) {
        eprintln(ctx, '"docker port" requires at least 1 argument.');
        eprintln(ctx, "See 'docker port --help'.");
        println(ctx, '');
        println(ctx, 'Usage:  docker port CONTAINER [PRIVATE_PORT[/PROTO]]');
        println(ctx, '');
        println(ctx, 'List port mappings or a specific mapping for the container');
        exit(1);
        return true;
      }
      const c = d.findContainer(ref);
      if (c === null) {
        eprintln(ctx, `Error: No such container: ${ref}`);
        exit(1);
        return true;
      }
      const lines = portLines(c, want);
      if (lines === null) {
        eprintln(ctx, `Error: No public port '${want!.includes('/') ? want : `${want}/tcp`}' published for ${ref}`);
        exit(1);
        return true;
      }
      for (const l of lines) println(ctx, l);
      exit(0);
      return true;
    }
    case 'attach': {
      const cmd = subcommand('attach').option('--no-stdin').option('--sig-proxy').option('--detach-keys <keys>').argument('[container]');
      if (!parseFlags(ctx, cmd, args, 'attach', exit)) return true;
      const ref = cmd.args[0];
      if (ref === undefined) {
        usageError(ctx, 'attach', 'exactly 1 argument', 'docker attach [OPTIONS] CONTAINER', 'Attach local standard input, output, and error streams to a running container', exit);
        return true;
      }
      const c = runningContainer(ctx, d, ref, exit, () => 'You cannot attach to a stopped container, start it first');
      if (c === null) return true;
      // The terminal joins the main process: a shell started with -it takes the next lines, and
      // `exit` in it ends the container (the shell was its process).
      const shell = c.cmd.length === 1 && SHELLS.test(c.cmd[0]!) ? c.cmd[0]! : null;
      if (c.tty && shell !== null) {
        enterShell(ctx, d, c, shell, exit);
        return true;
      }
      // A server or a loop: attached to its output, which says nothing new; the step ends there.
      exit(0);
      return true;
    }
    case 'logs': {
      const c = d.findContainer(args[args.length - 1] ?? '');
      if (c === null) {
        eprintln(ctx, `Error: No such container: ${args[args.length - 1] ?? ''}`);
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
        eprintln(ctx, '"docker exec" requires at least 2 arguments.');
        eprintln(ctx, "See 'docker exec --help'.");
        exit(1);
        return true;
      }
      const c = runningContainer(ctx, d, ref, exit, (x) => `Error response from daemon: Container ${x.id} is not running`);
      if (c === null) return true;
      // exec.go ContainerExecCreate sets up the linked containers' environment first: a link
      // whose target is not running refuses the exec.
      const dead = c.links.find((l) => {
        const t = d.findContainer(l.name);
        return t !== null && t.state !== 'running';
      });
      if (dead !== undefined) {
        eprintln(ctx, `Error response from daemon: Cannot link to a non running container: /${dead.name} AS /${c.name}/${dead.alias}`);
        exit(1);
        return true;
      }
      const env = d.execEnv(c);
      const o = cmd.opts<{ interactive?: boolean; tty?: boolean }>();
      // An interactive shell becomes the terminal's current shell until `exit`.
      if (o.interactive && rest.length === 1 && SHELLS.test(rest[0]!)) {
        ctx.session.enter(env, shellPrompt(c, rest[0]!, env.flavor === 'busybox'));
        exit(0);
        return true;
      }
      if (env.missing.names.has(rest[0]!.replace(/^\/(usr\/)?(s?bin)\//, ''))) {
        // runc finds no such executable: the exec fails before anything runs (exit 126).
        println(ctx, `OCI runtime exec failed: exec failed: container_linux.go:349: starting container process caused "exec: \\"${rest[0]}\\": executable file not found in $PATH": unknown`);
        exit(126);
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
        const img = c === null ? findImage(d, ref) : null;
        const n = c === null && img === null ? d.findNetwork(ref) : null;
        const json = c !== null ? containerJson(d, c) : img !== null ? imageJson(d, img) : n !== null ? networkJson(d, n) : null;
        if (json === null) {
          eprintln(ctx, `Error: No such object: ${ref}`);
          rc = 1;
        } else if (format !== undefined) println(ctx, goTemplate(format, json));
        else out.push(json);
      }
      if (format === undefined && (out.length > 0 || rc === 0)) println(ctx, goJson(out));
      exit(rc);
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
