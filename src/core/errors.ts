// Errors that a user can act on. Configuration and command misuse are values of these classes;
// packet drops are not errors (see kernel/drop.ts).

/** A problem in the user's input: the CLI prints it as `file:line:col: message` and exits 2. */
export class InputError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = 'InputError';
  }
}
