// What an emulated command sees: the host and namespace it runs in (as `ip netns exec` or `docker
// exec` put it there), a terminal to print to, and a way to finish. A command may finish at once or
// later on the simulated clock (ping waits for replies); the runner advances time until `exit`.
import type { Host } from '../kernel/host.js';
import type { Netns } from '../kernel/netns.js';
import type { World } from '../kernel/world.js';
import type { ShellSim } from './sim.js';
import { JobTable } from './jobs.js';
import type { Command } from './syntax.js';

export interface Terminal {
  /** Text the command prints (stdout, or stderr for ctx.err). */
  write(text: string): void;
}

/** The variables of one shell: all of them, the exported ones (a command's environment), and `$?`. */
export class ShellVars {
  readonly vars: Map<string, string>;
  readonly exported: Set<string>;
  status = 0;
  /** Set by `exit N`: the shell stops running commands and ends with N. */
  exited: number | null = null;
  /** How many loops are running in this shell, and a `break N`/`continue N` on its way out of them. */
  loops = 0;
  /** For `return`, n is the status it gives. */
  jump: { kind: 'break' | 'continue' | 'return'; n: number } | null = null;
  /** Shell functions (`f() { …; }`), by name. */
  functions = new Map<string, Command>();
  /** $1, $2, …: a function's or a script's arguments. */
  positional: string[] = [];
  /** $0 when `sh -c CMD NAME` gave it. */
  arg0: string | null = null;
  /** `set -e`, `set -x`, `set -u`. */
  readonly options = { errexit: false, xtrace: false, nounset: false, pipefail: false };
  /** How many function calls are running (`return` outside one is refused). */
  funcDepth = 0;
  /** Per running function, the variables `local` shadowed and their values before (undefined: unset). */
  locals: Array<Map<string, string | undefined>> = [];

  constructor(environ: ReadonlyMap<string, string> = new Map(), exported?: Iterable<string>) {
    this.vars = new Map(environ);
    this.exported = new Set(exported ?? environ.keys());
  }

  /** What a child process inherits: the exported variables, in the order they were set. */
  environ(): Map<string, string> {
    const env = new Map<string, string>();
    for (const [k, v] of this.vars) if (this.exported.has(k)) env.set(k, v);
    return env;
  }

  /** A subshell's copy (`( … )`, `$( … )`, a pipeline's stage): changes stay inside it. */
  clone(): ShellVars {
    const c = new ShellVars(this.vars, this.exported);
    c.status = this.status;
    c.functions = new Map(this.functions);
    c.positional = this.positional;
    c.funcDepth = this.funcDepth;
    c.arg0 = this.arg0;
    Object.assign(c.options, this.options);
    return c;
  }
}

/** SIGINT (^C, `timeout -s INT`) or SIGTERM (`timeout`'s default): a program may handle INT. */
export type Signal = 'INT' | 'TERM';

/** The foreground job of a terminal: what ^C (a step's `interrupt:`) reaches. */
export class Job {
  private readonly handlers = new Set<(sig: Signal) => void>();
  /** Set when bash abandons the rest of the command line, with the status it leaves: 130 when a
   *  process died of ^C, 1 after an expansion error (`$((1/0))`). */
  abortStatus: number | null = null;

  /** Registers a running process's signal handler; returns its removal. */
  listen(handler: (sig: Signal) => void): () => void {
    const h = (sig: Signal): void => handler(sig);
    this.handlers.add(h);
    return () => this.handlers.delete(h);
  }

  /** Delivers a signal to every process of the job. */
  interrupt(sig: Signal = 'INT'): void {
    for (const h of [...this.handlers]) h(sig);
  }
}

/** Which userland the command comes from: the host's (CentOS: iproute2, iputils, GNU tools) or a
 *  busybox image's, whose tools print differently. */
export type Flavor = 'gnu' | 'busybox';

/** The files a command can read, by absolute path (the host's, or a container's own). */
export type Files = Map<string, string>;

export interface Ctx {
  /** The kernel world (sim.world). */
  readonly world: World;
  /** The simulation the command runs in: Docker, the swarm, etcd, each host's files and packages. */
  readonly sim: ShellSim;
  readonly host: Host;
  readonly ns: Netns;
  /** Standard output. */
  readonly term: Terminal;
  /** Standard error (the terminal too, unless redirected: `2>/dev/null`, `2>&1`). */
  readonly err: Terminal;
  /** Replaces the default action of ^C (the process dies, exit 130) with the program's own:
   *  ping prints its statistics. */
  onInterrupt(handler: () => void): void;
  /** Replaces the default action of SIGTERM (the process dies silently, exit 143): tcpdump
   *  prints its counts and exits 0. */
  onTerminate?(handler: () => void): void;
  /** The foreground job the command belongs to (a nested shell's commands share it). */
  readonly job: Job;
  /** Whether the output goes to the terminal (false inside a pipeline), as isatty(1) tells. */
  readonly tty: boolean;
  readonly flavor: Flavor;
  readonly files: Files;
  /** The working directory relative paths start from. */
  readonly cwd: string;
  /** The hostname `hostname` prints and prompts show. */
  readonly hostname: string;
  readonly vars: ReadonlyMap<string, string>;
  /** Text given to the command on standard input (a scenario step's `stdin:`). */
  readonly stdin: string;
  /** Runs another command line in a (possibly different) namespace: `ip netns exec`, `nsenter`. */
  spawn(ns: Netns, argv: string[], exit: (code: number) => void): void;
  /** Runs a command line in another environment (a container: its namespace, files, userland),
   *  printing to `term` when given (a container's attached main process, also logged). */
  spawnIn(env: Env, argv: string[], exit: (code: number) => void, term?: Terminal): void;
  /** The interactive shell this command was typed into (nsenter and `docker exec -it … sh` open
   *  a nested one; `exit` leaves it). */
  readonly session: Session;
}

/** Where a command runs. */
export interface Env {
  readonly host: Host;
  readonly ns: Netns;
  readonly flavor: Flavor;
  readonly files: Files;
  readonly hostname: string;
  /** The working directory: root's home on a host, / in a container. */
  readonly cwd?: string;
  /** false when the command gets no terminal (`docker exec` without -t): isatty(1) is 0. */
  readonly tty?: boolean;
  /** The process environment (a container's -e/--env). */
  readonly vars?: ReadonlyMap<string, string>;
  /** Commands this userland lacks (an image without ip/ping, a host without bridge-utils), with
   *  the shell that says so (`-bash` at a login shell, `bash`, `sh`). */
  readonly missing?: { readonly names: { has(name: string): boolean }; readonly shell: string };
}

/** A program that reads the lines typed into it instead of the shell (the mysql monitor). */
export type Repl = (line: string, term: Terminal, done: (code: number) => void) => void;

/** A terminal session on one host: a stack of shells, the innermost receiving the commands. */
export class Session {
  /** The interactive shell's jobs (`cmd &`, `jobs`, `fg`, `kill %N`, `wait`). */
  readonly jobs = new JobTable();
  private readonly stack: Array<{ env: Env; prompt: string; repl?: Repl; shell: ShellVars; onLeave?: () => void }>;

  constructor(env: Env, prompt: string) {
    this.stack = [{ env, prompt, shell: new ShellVars(env.vars) }];
  }

  /** The innermost shell's variables. */
  get shell(): ShellVars {
    return this.stack[this.stack.length - 1]!.shell;
  }

  get env(): Env {
    return this.stack[this.stack.length - 1]!.env;
  }

  /** The prompt as shown: `{cwd}` is the working directory (~ for root's home), `{base}` its last part. */
  get prompt(): string {
    const top = this.stack[this.stack.length - 1]!;
    const cwd = top.env.cwd ?? '/';
    const home = cwd === '/root' ? '~' : cwd.startsWith('/root/') ? `~${cwd.slice(5)}` : cwd;
    const base = cwd === '/root' ? '~' : cwd === '/' ? '/' : cwd.slice(cwd.lastIndexOf('/') + 1);
    return top.prompt.replace('{cwd}', home).replace('{base}', base);
  }

  /** The prompt before substitution, for a nested shell that keeps the same style. */
  get promptTemplate(): string {
    return this.stack[this.stack.length - 1]!.prompt;
  }

  get depth(): number {
    return this.stack.length;
  }

  /** What reads the next line when it is not the shell. */
  get repl(): Repl | undefined {
    return this.stack[this.stack.length - 1]!.repl;
  }

  /** Opens a nested shell (or a program reading the lines). Its environment is `env.vars` (a
   *  container's) or, for a shell started from this one (nsenter), this shell's exported variables.
   *  `onLeave` runs when this shell is left: a container whose main process was the shell
   *  (`docker run -it`, `docker attach`) stops then. */
  enter(env: Env, prompt: string, repl?: Repl, onLeave?: () => void): void {
    const shell = new ShellVars(env.vars ?? this.shell.environ());
    const frame: { env: Env; prompt: string; repl?: Repl; shell: ShellVars; onLeave?: () => void } = { env, prompt, shell };
    if (repl !== undefined) frame.repl = repl;
    if (onLeave !== undefined) frame.onLeave = onLeave;
    this.stack.push(frame);
  }

  /** `cd`: the innermost shell's working directory (and its PWD). */
  chdir(cwd: string): void {
    const top = this.stack[this.stack.length - 1]!;
    top.env = { ...top.env, cwd };
    if (top.shell.vars.has('PWD')) top.shell.vars.set('PWD', cwd);
  }

  /** Leaves the innermost shell; false at the login shell. */
  leave(): boolean {
    if (this.stack.length === 1) return false;
    this.stack.pop()!.onLeave?.();
    return true;
  }
}

/** An emulated program: prints through ctx.term and calls `exit` exactly once. */
export type Program = (ctx: Ctx, argv: string[], exit: (code: number) => void) => void;

/** An absolute, normalised path for `path` as the command's working directory resolves it. */
export function resolvePath(ctx: Ctx, path: string): string {
  const parts: string[] = [];
  for (const p of (path.startsWith('/') ? path : `${ctx.cwd}/${path}`).split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return '/' + parts.join('/');
}

/** Writes a line (adds the newline). */
export function println(ctx: Ctx, line = ''): void {
  ctx.term.write(line + '\n');
}

/** Writes a line to standard error. */
export function eprintln(ctx: Ctx, line: string): void {
  ctx.err.write(line + '\n');
}
