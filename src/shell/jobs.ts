// Job control as bash 5 does it in an interactive shell (jobs.c; checked against bash 5.2 on a
// terminal): `cmd &` prints `[N] PID` and runs on in its own process group (^C does not reach
// it); a job that ended is reported before the next prompt — here, when the typed line that was
// running ends, or when `wait` returns — as `[N]+  Done                    cmd`, the status padded
// to 24 columns (`Exit 1`, `Terminated`, `Killed`, `Interrupt`); `jobs`, `fg`, `kill %N`, `wait`.
import type { Proc } from './interp.js';
import type { Job, Signal } from './program.js';

type K = (code: number) => void;

export interface BgJob {
  readonly n: number;
  readonly pid: number;
  /** The command as typed, without the `&`. */
  readonly text: string;
  readonly job: Job;
  /** null while running; then the exit status. */
  status: number | null;
  /** The signal `kill` ended it with, when it did. */
  killedBy: 'TERM' | 'KILL' | 'INT' | null;
  readonly waiters: K[];
}

/** The first PID the simulated shells hand out (a booted CentOS 7 is in the low thousands). */
const FIRST_PID = 2301;

export class JobTable {
  private readonly jobs: BgJob[] = [];
  private nextPid = FIRST_PID;
  /** `$!`: the PID of the last background job (empty before any). */
  lastPid = '';

  /** Starts a background job whose processes listen to `job` (its own process group); `run`
   *  calls back with the status. */
  start(text: string, job: Job, run: (done: K) => void, announce: (j: BgJob) => void = () => undefined): BgJob {
    const n = (this.jobs.length === 0 ? 0 : this.jobs[this.jobs.length - 1]!.n) + 1;
    const j: BgJob = { n, pid: this.nextPid++, text, job, status: null, killedBy: null, waiters: [] };
    this.jobs.push(j);
    this.lastPid = String(j.pid);
    // bash prints `[N] PID` when it forks, before the job's first output (tcpdump's banner).
    announce(j);
    run((code) => {
      if (j.status !== null) return;
      // A process that handled the signal and exited on its own (tcpdump on SIGTERM exits 0)
      // ended as its status says, not as the signal would have ended it.
      if (j.killedBy !== null && code !== { TERM: 143, KILL: 137, INT: 130 }[j.killedBy]) j.killedBy = null;
      j.status = code;
      for (const w of j.waiters.splice(0)) w(code);
    });
    return j;
  }

  /** `%N`, `%%`, `%+`, `%-`, or a PID; null when there is no such job. */
  find(spec: string): BgJob | null {
    if (spec === '%%' || spec === '%+' || spec === '%') return this.jobs[this.jobs.length - 1] ?? null;
    if (spec === '%-') return this.jobs[this.jobs.length - 2] ?? null;
    if (/^%\d+$/.test(spec)) return this.jobs.find((j) => j.n === Number(spec.slice(1))) ?? null;
    if (/^\d+$/.test(spec)) return this.jobs.find((j) => j.pid === Number(spec)) ?? null;
    return null;
  }

  get all(): readonly BgJob[] {
    return this.jobs;
  }

  /** `+` for the current job (the newest), `-` for the one before, else a space. */
  mark(j: BgJob): string {
    const i = this.jobs.indexOf(j);
    return i === this.jobs.length - 1 ? '+' : i === this.jobs.length - 2 ? '-' : ' ';
  }

  /** The line `jobs` prints (`pid` for `jobs -l`). */
  line(j: BgJob, pid = false): string {
    const state = j.status === null ? 'Running' : statusWord(j);
    return `[${j.n}]${this.mark(j)}${pid ? ` ${j.pid} ` : '  '}${state.padEnd(24)}${j.text}${j.status === null ? ' &' : ''}`;
  }

  /** Drops a job from the table (reported, or taken to the foreground). */
  remove(j: BgJob): void {
    const i = this.jobs.indexOf(j);
    if (i >= 0) this.jobs.splice(i, 1);
  }

  /** The reports of the jobs that ended, which are then forgotten (bash's notify_of_job_status). */
  notices(): string {
    let out = '';
    for (const j of [...this.jobs]) {
      if (j.status === null) continue;
      out += this.line(j) + '\n';
      this.remove(j);
    }
    return out;
  }

  /** Sends a signal to a job's processes. */
  signal(j: BgJob, sig: 'TERM' | 'KILL' | 'INT'): void {
    if (j.status !== null) return;
    j.killedBy = sig;
    const s: Signal = sig === 'INT' ? 'INT' : 'TERM';
    j.job.interrupt(s);
  }
}

function statusWord(j: BgJob): string {
  if (j.killedBy !== null) return { TERM: 'Terminated', KILL: 'Killed', INT: 'Interrupt' }[j.killedBy];
  return j.status === 0 ? 'Done' : `Exit ${j.status}`;
}

/** The status a job leaves for `wait`/`fg`: its exit code, or 128 + the signal. */
function waitStatus(j: BgJob): number {
  if (j.killedBy !== null) return { TERM: 143, KILL: 137, INT: 130 }[j.killedBy];
  return j.status ?? 0;
}

function complain(p: Proc, text: string): void {
  p.err.write(`${p.env.flavor === 'busybox' ? 'sh' : '-bash'}: ${text}\n`);
}

/** Waits for `j` in the foreground: ^C (the step's `interrupt:`) reaches it, and abandons the line. */
function foreground(p: Proc, j: BgJob, k: K): void {
  if (j.status !== null) return k(waitStatus(j));
  const unlisten = p.job.listen((sig) => {
    if (sig === 'INT') p.job.abortStatus = 130;
    p.session.jobs.signal(j, sig);
  });
  j.waiters.push(() => {
    unlisten();
    k(waitStatus(j));
  });
}

export const jobsCmd = (p: Proc, argv: string[], k: K): void => {
  const t = p.session.jobs;
  const long = argv.includes('-l');
  if (argv.includes('-p')) {
    for (const j of t.all) p.out.write(`${j.pid}\n`);
    return k(0);
  }
  for (const j of [...t.all]) {
    p.out.write(t.line(j, long) + '\n');
    if (j.status !== null) t.remove(j);
  }
  k(0);
};

export const fgCmd = (p: Proc, argv: string[], k: K): void => {
  const t = p.session.jobs;
  const spec = argv[1] ?? '%+';
  const j = t.find(spec.startsWith('%') ? spec : `%${spec}`);
  if (j === null) {
    complain(p, `fg: ${argv[1] ?? 'current'}: no such job`);
    return k(1);
  }
  p.out.write(`${j.text}\n`);
  t.remove(j);
  foreground(p, j, k);
};

const SIGNALS: Record<string, 'TERM' | 'KILL' | 'INT'> = { TERM: 'TERM', '15': 'TERM', KILL: 'KILL', '9': 'KILL', INT: 'INT', '2': 'INT' };

export const killCmd = (p: Proc, argv: string[], k: K): void => {
  const t = p.session.jobs;
  let sig: 'TERM' | 'KILL' | 'INT' = 'TERM';
  let i = 1;
  const a = argv[1];
  if (a === '-s' || a === '-n') {
    const s = SIGNALS[(argv[2] ?? '').toUpperCase().replace(/^SIG/, '')];
    if (s === undefined) {
      complain(p, `kill: ${argv[2] ?? ''}: invalid signal specification`);
      return k(1);
    }
    sig = s;
    i = 3;
  } else if (a !== undefined && /^-\w+$/.test(a)) {
    const s = SIGNALS[a.slice(1).toUpperCase().replace(/^SIG/, '')];
    if (s === undefined) {
      complain(p, `kill: ${a.slice(1)}: invalid signal specification`);
      return k(1);
    }
    sig = s;
    i = 2;
  }
  const targets = argv.slice(i);
  if (targets.length === 0) {
    p.err.write('kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]\n');
    return k(2);
  }
  let rc = 0;
  for (const spec of targets) {
    const j = t.find(spec);
    if (j === null || j.status !== null) {
      complain(p, spec.startsWith('%') ? `kill: ${spec}: no such job` : /^\d+$/.test(spec) ? `kill: (${spec}) - No such process` : `kill: ${spec}: arguments must be process or job IDs`);
      rc = 1;
      continue;
    }
    t.signal(j, sig);
  }
  k(rc);
};

export const waitCmd = (p: Proc, argv: string[], k: K): void => {
  const t = p.session.jobs;
  const specs = argv.slice(1);
  const wanted: BgJob[] = [];
  for (const spec of specs) {
    const j = t.find(spec);
    if (j === null) {
      complain(p, spec.startsWith('%') ? `wait: ${spec}: no such job` : `wait: pid ${spec} is not a child of this shell`);
      return k(127);
    }
    wanted.push(j);
  }
  const list = specs.length === 0 ? [...t.all] : wanted;
  let i = 0;
  let last = 0;
  const next = (): void => {
    const j = list[i++];
    if (j === undefined) {
      // The jobs reaped are reported as wait returns.
      p.out.write(t.notices());
      return k(specs.length === 0 ? 0 : last);
    }
    if (j.status !== null) {
      last = waitStatus(j);
      return next();
    }
    // ^C interrupts wait itself (the jobs run on).
    const unlisten = p.job.listen((sig) => {
      if (sig !== 'INT') return;
      unlisten();
      p.job.abortStatus = 130;
      k(130);
    });
    j.waiters.push(() => {
      unlisten();
      if (p.job.abortStatus !== null) return;
      last = waitStatus(j);
      next();
    });
  };
  next();
};
