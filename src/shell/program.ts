// What an emulated command sees: the host and namespace it runs in (as `ip netns exec` or `docker
// exec` put it there), a terminal to print to, and a way to finish. A command may finish at once or
// later on the simulated clock (ping waits for replies); the runner advances time until `exit`.
import type { Host } from '../kernel/host.js';
import type { Netns } from '../kernel/netns.js';
import type { World } from '../kernel/world.js';

export interface Terminal {
  /** Text the command prints (stdout and stderr together, as a terminal shows them). */
  write(text: string): void;
}

/** Which userland the command comes from: the host's (CentOS: iproute2, iputils, GNU tools) or a
 *  busybox image's, whose tools print differently. */
export type Flavor = 'gnu' | 'busybox';

/** The files a command can read, by absolute path (the host's, or a container's own). */
export type Files = Map<string, string>;

export interface Ctx {
  readonly world: World;
  readonly host: Host;
  readonly ns: Netns;
  readonly term: Terminal;
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
  private readonly stack: Array<{ env: Env; prompt: string; repl?: Repl; onLeave?: () => void }>;

  constructor(env: Env, prompt: string) {
    this.stack = [{ env, prompt }];
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

  /** `onLeave` runs when this shell is left: a container whose main process was the shell
   *  (`docker run -it`, `docker attach`) stops then. */
  enter(env: Env, prompt: string, repl?: Repl, onLeave?: () => void): void {
    const frame: { env: Env; prompt: string; repl?: Repl; onLeave?: () => void } = { env, prompt };
    if (repl !== undefined) frame.repl = repl;
    if (onLeave !== undefined) frame.onLeave = onLeave;
    this.stack.push(frame);
  }

  /** `cd`: the innermost shell's working directory. */
  chdir(cwd: string): void {
    const top = this.stack[this.stack.length - 1]!;
    top.env = { ...top.env, cwd };
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
