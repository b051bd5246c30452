// What every `ip` object shares: its usage error and keyword matching. Its own file because
// main.ts dispatches to the objects and each object needs these.

/** A usage error: iproute2 prints the message and exits with `code` (255 for most). */
export class IpError extends Error {
  constructor(
    message: string,
    readonly code = 255,
  ) {
    super(message);
  }
}

/** iproute2 accepts any prefix of a keyword ("a", "ad", "addr" for "address"). */
export function matches(word: string | undefined, full: string): boolean {
  return word !== undefined && word.length > 0 && full.startsWith(word);
}
