// Runs one command line on a host, in a namespace, the way a root shell would: split into words,
// find the program, let it print and exit on the simulated clock. `ip netns exec` and `nsenter`
// re-enter here with another namespace.
import type { Host } from '../kernel/host.js';
import type { Netns } from '../kernel/netns.js';
import type { World } from '../kernel/world.js';
import { Session } from './program.js';
import type { Ctx, Env, Files, Terminal } from './program.js';
import { lookupProgram, programs } from './registry.js';
import { tokenize } from './tokenize.js';
import { missingCommands } from './packages.js';
import './commands.js';

/** The command names a scenario may use (those not listed are refused as unknown). */
export function knownCommand(name: string): boolean {
  return programs.has(name);
}

export interface Completion {
  done: boolean;
  code: number;
}

/** Raised for a command the simulator does not model: the scenario is invalid, not failing. */
export class UnknownCommand extends Error {
  constructor(readonly command: string) {
    super(`unknown command "${command}": swarmsim does not model it`);
  }
}

/** The host's own files, kept per host (what `cat` reads and a scenario's `files:` writes). */
const hostFiles = new WeakMap<Host, Files>();

export function filesOf(host: Host): Files {
  let f = hostFiles.get(host);
  if (f === undefined) hostFiles.set(host, (f = new Map()));
  return f;
}

export function hostEnv(host: Host, ns: Netns = host.root): Env {
  return { host, ns, flavor: 'gnu', files: filesOf(host), hostname: host.name, cwd: '/root', missing: { names: missingCommands(host), shell: '-bash' } };
}

export function hostPrompt(host: Host): string {
  return `[root@${host.name} {base}]# `;
}

export function startCommand(world: World, host: Host, ns: Netns, line: string, term: Terminal, stdin = ''): Completion {
  const env = hostEnv(host, ns);
  return startIn(world, new Session(env, hostPrompt(host)), env, line, term, stdin);
}

/** Runs `line` in `env`, typed into `session`. */
export function startIn(world: World, session: Session, env: Env, line: string, term: Terminal, stdin = '', onDone?: (code: number) => void): Completion {
  const result: Completion = { done: false, code: 0 };
  const finish = (code: number): void => {
    if (result.done) return;
    result.done = true;
    result.code = code;
    onDone?.(code);
  };
  const repl = session.repl;
  if (repl !== undefined) {
    repl(line, term, finish);
    return result;
  }
  const words = tokenize(line);
  if (!Array.isArray(words)) {
    term.write(`-bash: ${words.error}\n`);
    finish(2);
    return result;
  }
  // A trailing `&` runs the command in the background: here it simply runs (nothing waits on it).
  if (words[words.length - 1] === '&') words.pop();
  if (words.length === 0) {
    finish(0);
    return result;
  }
  // A pipeline runs its commands one after the other, each reading what the previous printed.
  const stages: string[][] = [[]];
  for (const w of words) {
    if (w === '|') stages.push([]);
    else stages[stages.length - 1]!.push(w);
  }
  if (stages.some((s) => s.length === 0)) {
    term.write("-bash: syntax error near unexpected token `|'\n");
    finish(2);
    return result;
  }
  const runStage = (i: number, input: string): void => {
    const last = i === stages.length - 1;
    let captured = '';
    const out: Terminal = last ? term : { write: (t) => (captured += t) };
    spawnIn(world, session, env, out, last, input, stages[i]!, (code) => {
      if (last) finish(code);
      else runStage(i + 1, captured);
    });
  };
  runStage(0, stdin);
  return result;
}

function spawnIn(world: World, session: Session, env: Env, term: Terminal, tty: boolean, stdin: string, argv: string[], exit: (code: number) => void): void {
  // /usr/bin/dockerd is dockerd: programs are found by name in the standard directories.
  const name = argv[0]!.replace(/^\/(usr\/)?(s?bin)\//, '');
  if (env.missing?.names.has(name)) {
    // bash: "NAME: command not found"; busybox sh: "NAME: not found".
    term.write(`${env.missing.shell}: ${argv[0]}: ${env.missing.shell === 'sh' ? 'not found' : 'command not found'}\n`);
    exit(127);
    return;
  }
  const prog = lookupProgram(name, env.flavor);
  if (prog === undefined) throw new UnknownCommand(argv[0]!);
  const ctx: Ctx = {
    world,
    host: env.host,
    ns: env.ns,
    flavor: env.flavor,
    files: env.files,
    cwd: env.cwd ?? '/',
    hostname: env.hostname,
    vars: env.vars ?? new Map(),
    term,
    tty,
    stdin,
    session,
    spawn: (to, av, ex) => spawnIn(world, session, { ...env, ns: to }, term, tty, stdin, av, ex),
    spawnIn: (to, av, ex, out) => spawnIn(world, session, to, out ?? term, tty && to.tty !== false, stdin, av, ex),
  };
  prog(ctx, argv, exit);
}
