// A command repeated in the background while the scenario goes on — the seeds' `while true; do
// curl …; sleep 1; done` — and the summary of what it got: how many requests, how many failed,
// each distinct answer with its count and when it was first and last seen.
import type { ShellSim } from '../shell/sim.js';
import type { Nanos } from '../sim/clock.js';
import { SEC } from '../sim/clock.js';
import { startIn } from '../shell/exec.js';
import type { Env, Session, ShellVars } from '../shell/program.js';

interface Answer {
  count: number;
  first: Nanos;
  last: Nanos;
}

export class TrafficLoop {
  private readonly answers = new Map<string, Answer>();
  private requests = 0;
  failed = 0;
  private stopped = false;
  private timer = -1;
  private readonly start: Nanos;
  private readonly sh: ShellVars;

  constructor(
    private readonly sim: ShellSim,
    private readonly session: Session,
    private readonly env: Env,
    readonly command: string,
    private readonly every: Nanos,
    /** Told of each run's start time and whether it succeeded (the view's per-second counts). */
    private readonly onResult: ((t0: Nanos, ok: boolean) => void) | null = null,
  ) {
    this.start = sim.world.eq.now;
    // `while …; done &` runs in a subshell (bash(1): a command ended by `&` runs "asynchronously
    // in a subshell"): what the loop sets stays in the loop, from one run to the next.
    this.sh = session.shell.clone();
    this.runOnce();
  }

  private runOnce(): void {
    if (this.stopped) return;
    // A command line the loop runs is interpreted anew each time (its parse is kept, interp.ts
    // runString): it counts as 50 events against the step's budget (scenario/run.ts), so
    // `every: 1ms` for hours stops within seconds of CPU instead of tens.
    this.sim.world.eq.charge(50);
    const t0 = this.sim.world.eq.now;
    let out = '';
    startIn(this.sim, this.session, this.env, this.command, { write: (s) => (out += s) }, '', (code) => {
      if (this.stopped) return;
      this.requests++;
      const key = code === 0 ? out.trim() : `(failed, exit ${code})${out.trim() === '' ? '' : ` ${out.trim()}`}`;
      if (code !== 0) this.failed++;
      this.onResult?.(t0, code === 0);
      const a = this.answers.get(key);
      if (a === undefined) this.answers.set(key, { count: 1, first: t0, last: t0 });
      else {
        a.count++;
        a.last = t0;
      }
      // `sleep EVERY` after each run, as the seeds' loop does.
      this.timer = this.sim.world.eq.after(this.every, () => this.runOnce());
    }, this.sh);
  }

  stop(): void {
    this.stopped = true;
    this.sim.world.eq.cancel(this.timer);
  }

  report(name: string): string {
    const secs = (t: Nanos): string => `${((t - this.start) / SEC).toFixed(3)}s`;
    const lines = [`traffic ${name}: ${this.command} (every ${this.every / SEC}s)`, `requests: ${this.requests}, failed: ${this.failed}`];
    for (const [answer, a] of this.answers) lines.push(`  ${String(a.count).padStart(4)}  ${answer}   (first ${secs(a.first)}, last ${secs(a.last)})`);
    return lines.join('\n') + '\n';
  }
}
