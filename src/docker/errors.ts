// The daemon's refusals. Its own file because the drivers, the agent and the shell all raise or
// catch them and the daemon imports the drivers.
import type { Container } from './model.js';

/** A refusal already worded as the docker CLI prints it, with its exit status: what the CLI checks
 *  itself (the daemon not running, the client's "Error: No such image"), and the sites not yet
 *  turned into a DaemonError (image-ops' pull and inspect). */
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

/** moby's errdefs classes (errdefs/defs.go) a daemon error belongs to: what the API's status code
 *  says (httputils.GetHTTPErrorStatusCode: 404, 409, 400, 403, 503, 500). */
export type ErrKind = 'notFound' | 'conflict' | 'invalidParameter' | 'forbidden' | 'unavailable' | 'system';

/**
 * A refusal from the daemon: its own message, as the API error body carries it (what moby 19.03's
 * daemon/ and libnetwork word), and its errdefs class. shell/docker words it per verb as docker/cli
 * does (run.go reportError: `docker: MSG.` and the usage hint; other verbs `Error response from
 * daemon: MSG`).
 */
export class DaemonError extends Error {
  constructor(
    readonly kind: ErrKind,
    message: string,
    /** `docker run` is create then start: 'start' when the container was created and its start failed. */
    readonly phase: 'create' | 'start' = 'create',
    /** The container created before a failed start (a detached run has printed its ID). */
    readonly created: Container | null = null,
    /** The pull's lines the CLI printed before the error. */
    readonly pulled: readonly string[] = [],
  ) {
    super(message);
  }
}

/** An argument the docker CLI refuses itself before asking the daemon (cli/command/container/opts.go
 *  parse): run and create print `docker: MSG.` and the usage hint, exit 125. A flag's value that
 *  pflag refuses (`flag`) is printed as it is, then the hint (cli/cobra.go FlagErrorFunc). */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly flag = false,
  ) {
    super(message);
  }
}
