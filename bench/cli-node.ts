// How the benchmarks start the CLI: as its `#!` line does (`#!/usr/bin/env -S node FLAGS`), so a
// figure measures the V8 settings a user's `swarmsim` runs with; the converge, a script of its own,
// takes the same flags.
import { readFileSync } from 'node:fs';

export const BIN = 'dist/cli/bin.js';

/** The node flags of the bundle's `#!` line (none when it has none). */
export function cliNodeFlags(): string[] {
  const first = readFileSync(BIN, 'utf8').split('\n', 1)[0]!;
  const m = /^#!\/usr\/bin\/env -S node((?: --[\w-]+(?:=\S+)?)*)\s*$/.exec(first);
  if (m === null) {
    if (/^#!\/usr\/bin\/env node\s*$/.test(first)) return [];
    throw new Error(`bench: ${BIN} starts with an unexpected line: ${first}`);
  }
  return m[1]!.trim().split(/\s+/).filter((f) => f !== '');
}

/** The argv to spawn `process.execPath` with for `swarmsim ARGS…`. */
export function cliArgv(...args: string[]): string[] {
  return [...cliNodeFlags(), BIN, ...args];
}
