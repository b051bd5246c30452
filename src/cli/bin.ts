#!/usr/bin/env -S node --max-semi-space-size=64
// Entry point of the `swarmsim` executable. The `#!` line gives V8 a young generation of 64 MB
// semi-spaces (Node 20's default: 16): a big world allocates its long-lived state fast, and with
// the default each scavenge copies it again; the 1,000-node converge took 5% fewer CPU seconds
// (10.64 / 10.35 / 10.55 against 11.35 / 11.12 / 10.99, alternating) for 140 MB more resident
// memory, and a small scenario runs as before. Worker threads get the same (workers.ts).
import { main } from './main.js';

function fault(e: unknown): void {
  // A fault in the simulator itself, not in the scenario: say so in one line (what ran before has
  // already been printed) rather than dumping a stack trace. SWARMSIM_DEBUG=1 shows the stack.
  const err = e instanceof Error ? e : new Error(String(e));
  if (process.env['SWARMSIM_DEBUG'] === '1') console.error(err.stack);
  else console.error(`swarmsim: internal error: ${err.message} (a bug in swarmsim's model; SWARMSIM_DEBUG=1 shows where)`);
  process.exitCode = 70;
}

// Output piped into a reader that stops early (`| head`): stop as a Unix tool does, quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  fault(e);
});

main(process.argv.slice(2)).then((c) => (process.exitCode = c), fault);
