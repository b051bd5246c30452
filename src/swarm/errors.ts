// The control plane's refusals.

/** A refusal as the daemon words it (the CLI prefixes "Error response from daemon: "). */
export class SwarmError extends Error {}
