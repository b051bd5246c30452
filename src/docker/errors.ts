// The daemon's refusals. Its own file because the drivers, the agent and the shell all raise or
// catch them and the daemon imports the drivers.
import type { Container } from './model.js';

/** A refusal, printed as the docker CLI prints it, with its exit status. */
export class DockerError extends Error {
  constructor(
    message: string,
    readonly code = 1,
    /** A container that was created before the refusal (a start that failed leaves it). */
    readonly created: Container | null = null,
  ) {
    super(message);
  }
}
