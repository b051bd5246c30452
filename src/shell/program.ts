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

export interface Ctx {
  readonly world: World;
  readonly host: Host;
  readonly ns: Netns;
  readonly term: Terminal;
  /** Text given to the command on standard input (a scenario step's `stdin:`). */
  readonly stdin: string;
  /** Runs another command line in a (possibly different) namespace: `ip netns exec`, `nsenter`. */
  spawn(ns: Netns, argv: string[], exit: (code: number) => void): void;
}

/** An emulated program: prints through ctx.term and calls `exit` exactly once. */
export type Program = (ctx: Ctx, argv: string[], exit: (code: number) => void) => void;

/** Writes a line (adds the newline). */
export function println(ctx: Ctx, line = ''): void {
  ctx.term.write(line + '\n');
}
