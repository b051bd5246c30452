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
  /** The hostname `hostname` prints and prompts show. */
  readonly hostname: string;
  readonly vars: ReadonlyMap<string, string>;
  /** Text given to the command on standard input (a scenario step's `stdin:`). */
  readonly stdin: string;
  /** Runs another command line in a (possibly different) namespace: `ip netns exec`, `nsenter`. */
  spawn(ns: Netns, argv: string[], exit: (code: number) => void): void;
  /** Runs a command line in another environment (a container: its namespace, files, userland). */
  spawnIn(env: Env, argv: string[], exit: (code: number) => void): void;
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
  /** The process environment (a container's -e/--env). */
  readonly vars?: ReadonlyMap<string, string>;
}

/** A terminal session on one host: a stack of shells, the innermost receiving the commands. */
export class Session {
  private readonly stack: Array<{ env: Env; prompt: string }>;

  constructor(env: Env, prompt: string) {
    this.stack = [{ env, prompt }];
  }

  get env(): Env {
    return this.stack[this.stack.length - 1]!.env;
  }

  get prompt(): string {
    return this.stack[this.stack.length - 1]!.prompt;
  }

  get depth(): number {
    return this.stack.length;
  }

  enter(env: Env, prompt: string): void {
    this.stack.push({ env, prompt });
  }

  /** Leaves the innermost shell; false at the login shell. */
  leave(): boolean {
    if (this.stack.length === 1) return false;
    this.stack.pop();
    return true;
  }
}

/** An emulated program: prints through ctx.term and calls `exit` exactly once. */
export type Program = (ctx: Ctx, argv: string[], exit: (code: number) => void) => void;

/** Writes a line (adds the newline). */
export function println(ctx: Ctx, line = ''): void {
  ctx.term.write(line + '\n');
}
