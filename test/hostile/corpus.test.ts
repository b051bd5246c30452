// The generated hostile corpus (test/hostile/corpus.ts), replayed in a child process so that a
// hang is a failing test, killed by the timeout, rather than a stalled suite. Every case: no
// internal error (exit 70), no stack trace, at most 10 s of CPU, and a refusal wherever the real
// tool refuses (with its words).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('hostile input', () => {
  it('a corpus of over 1,000 generated hostile cases neither hangs nor crashes, and is refused where the real tool refuses', () => {
    const run = spawnSync('node', ['dist/test/hostile/main.js', '--seed', '22'], { encoding: 'utf8', timeout: 240_000, maxBuffer: 64 << 20 });
    const last = run.stderr.trim().split('\n').pop();
    expect(run.signal, `killed while running case ${last}`).toBeNull();
    expect(run.status).toBe(0);
    const results = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; cpuMs: number; problem: string | null; command: string });
    expect(results.length).toBeGreaterThanOrEqual(1000);
    const problems = results.filter((r) => r.problem !== null).map((r) => `${r.id}: ${r.command.slice(0, 120)}\n  ${r.problem}`);
    expect(problems).toEqual([]);
    // A reasonable share of CI: the whole corpus in well under a minute of CPU.
    expect(results.reduce((a, r) => a + r.cpuMs, 0)).toBeLessThan(60_000);
  }, 300_000);
});
