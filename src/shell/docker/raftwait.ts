// A docker command that writes the swarm's state waits for the write to commit in the managers'
// Raft log (agent/swarm-world.ts propose): moby's daemon/cluster calls the control API, whose
// store.Update returns once the leader's proposal is committed, or with the error it failed with;
// on a follower manager the call travels to the leader over 2377 first (agent/control-proxy.ts).
import type { ControlCall } from '../../agent/control-proxy.js';
import type { Daemon } from '../../docker/daemon.js';
import type { Ctx } from '../program.js';

export type { ControlCall };

/** A call whose answer returns the object written (`replyBytes`, else as large as the entry). */
export function controlCall(method: ControlCall['method'], what: string, bytes: number, replyBytes = bytes): ControlCall {
  return { method, what, bytes, replyBytes };
}

/** A Remove<Object> call: the request and its entry name the object by ID, the answer is empty. */
export function removeCall(method: ControlCall['method'], what: string): ControlCall {
  return controlCall(method, what, 60, 0);
}

/** `then(null)` once committed, else `then` gets the error as the CLI prints it
 *  (docker/cli prints a daemon's error as `Error response from daemon: …`). */
export function whenCommitted(ctx: Ctx, d: Daemon, call: ControlCall, then: (err: string | null) => void): void {
  ctx.sim.swarm.propose(d, call, (err: string | null) => then(err === null ? null : `Error response from daemon: ${err}`));
}

/**
 * `step` on each item in turn, the next once the previous called `next`, then `done`: the CLI's
 * calls one after another (docker/cli loops over its arguments, each call awaited). On a single
 * manager every call commits at once, so this recurses once per item.
 */
export function inTurn<T>(items: readonly T[], step: (item: T, next: () => void) => void, done: () => void): void {
  const go = (i: number): void => (i === items.length ? done() : step(items[i]!, () => go(i + 1)));
  go(0);
}
