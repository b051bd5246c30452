// A docker command that writes the swarm's state waits for the write to commit in the managers'
// Raft log (agent/swarm-world.ts propose): moby's daemon/cluster calls the control API, whose
// store.Update returns once the leader's proposal is committed, or with the error it failed with.
import type { Daemon } from '../../docker/daemon.js';
import type { Ctx } from '../program.js';

/** `then(null)` once committed, else `then` gets the error as the CLI prints it. */
export function whenCommitted(ctx: Ctx, d: Daemon, what: string, bytes: number, then: (err: string | null) => void): void {
  ctx.sim.swarm.propose(d, what, bytes, (err: string | null) => then(err === null ? null : `Error response from daemon: ${err}`));
}
