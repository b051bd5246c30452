// Runs a parsed command line as bash runs it: lists (; & && ||), pipelines, redirections and
// here-documents, variable assignments, word expansion with field splitting, command
// substitution, and the loops and conditionals. Commands finish on the simulated clock, so every
// step takes a continuation; continuations that come back at once loop instead of recursing
// (`iterate`), so a 20,000-command list or a busy loop does not grow the stack.
import { textMemo } from '../core/memo.js';
import type { ShellSim } from './sim.js';
import { ArithError, evalArith } from './arith.js';
import { BRACE_WORDS_MAX, braceExpand } from './braces.js';
import { globPaths, hasGlob, matchesPattern } from './glob.js';
import type { Chunk } from './glob.js';
import { parseHeredoc, parseLine } from './parse.js';
import { Job, ShellVars } from './program.js';
import type { Ctx, Env, Files, Session, Terminal } from './program.js';
import { SPECIAL } from './special.js';
import { lookupProgram } from './registry.js';
import type { AndOr, Assign, Command, List, Pipeline, Redir, Word } from './syntax.js';

/** Raised for a command the simulator does not model: the scenario is invalid, not failing. */
export class UnknownCommand extends Error {
  constructor(readonly command: string) {
    super(`unknown command "${command}": swarmsim does not model it`);
  }
}

/** A loop that runs this many times at one simulated instant is stopped (it would never end). */
export const LOOP_LIMIT = 10000;

/** Everything a running piece of the command line sees. */
export interface Proc {
  readonly sim: ShellSim;
  readonly session: Session;
  readonly env: Env;
  readonly sh: ShellVars;
  readonly out: Terminal;
  readonly err: Terminal;
  readonly tty: boolean;
  /** Standard input, shared by the commands that read from the same place (`read` takes a line
   *  of it at a time; other programs are given what is left). */
  readonly stdin: Input;
  readonly job: Job;
  /** The status of the last command substitution in the command being expanded (an
   *  assignment-only command takes it as its own: `X=$(false)` gives $? = 1). */
  readonly subs?: { status: number | null };
  /** Running where `set -e` does not apply: an if/while condition, a pipeline before && or ||,
   *  a `!` pipeline (bash's CMD_IGNORE_RETURN). */
  readonly cond?: boolean;
  /** How deep in command substitutions (`set -x` prints one more `+` per level). */
  readonly subDepth?: number;
}

type K = (code: number) => void;

/** Text on a standard input, and how much of it `read` has taken. */
export interface Input {
  readonly text: string;
  pos: number;
}

export function inputOf(text: string): Input {
  return { text, pos: 0 };
}

/** What is left to read. */
export function unread(i: Input): string {
  return i.pos === 0 ? i.text : i.text.slice(i.pos);
}

/** Calls `body(next)` again each time it calls `next`; a synchronous `next` loops here. */
function iterate(body: (next: () => void) => void): void {
  let inside = false;
  let again = false;
  const next = (): void => {
    if (inside) again = true;
    else run();
  };
  const run = (): void => {
    do {
      again = false;
      inside = true;
      body(next);
      inside = false;
    } while (again);
  };
  run();
}

/** Why the rest of the line must not run: ^C killed a command (130), or `exit N` ended the shell. */
function stopped(p: Proc): number | null {
  return p.job.abortStatus ?? p.sh.exited ?? (p.sh.jump !== null ? p.sh.status : null);
}

/** At the end of a loop's body: the `break`/`continue` aimed at this loop ('leave' when it is
 *  aimed at an enclosing one, which this loop must leave for). */
function takeJump(p: Proc): 'break' | 'continue' | 'leave' | null {
  const j = p.sh.jump;
  if (j === null) return null;
  // `return` leaves every loop on its way out of the function.
  if (j.kind === 'return') return 'leave';
  if (j.n > 1) {
    j.n--;
    return 'leave';
  }
  p.sh.jump = null;
  return j.kind;
}

function shellName(p: Proc): string {
  return p.env.flavor === 'busybox' ? 'sh' : '-bash';
}

export function runList(p: Proc, list: List, k: K): void {
  const only = list.items.length === 1 ? list.items[0]! : null;
  if (only !== null && !only.background) {
    // One foreground item (a typed command, a loop's line): what the loop below does for it,
    // without its machinery.
    const stop = stopped(p);
    if (stop !== null) return k(stop);
    return runAndOr(p, only.andOr, (code) => k(stopped(p) ?? code));
  }
  let i = 0;
  let status = p.sh.status;
  iterate((next) => {
    const stop = stopped(p);
    if (stop !== null) return k(stop);
    const item = list.items[i++];
    if (item === undefined) return k(status);
    if (item.background) {
      // A background job runs on, in a copy of the shell and a process group of its own (^C
      // does not reach it); the line goes on at once. The interactive shell numbers it and
      // prints `[N] PID` (jobs.ts).
      const job = new Job();
      const bg: Proc = { ...p, sh: p.sh.clone(), job };
      if (interactive(p)) {
        p.session.jobs.start((item.text ?? '').replace(/\s+/g, ' '), job, (done) => runAndOr(bg, item.andOr, done), (j) => p.err.write(`[${j.n}] ${j.pid}\n`));
      } else runAndOr(bg, item.andOr, () => undefined);
      p.sh.status = status = 0;
      return next();
    }
    runAndOr(p, item.andOr, (code) => {
      status = code;
      next();
    });
  });
}

/** The working directory: a `cd` earlier in the line moved the terminal's shell (the session's
 *  frame), which the commands after it see (`cd aa && docker build .`). */
export function cwdOf(p: Proc): string {
  if (p.sh === p.session.shell && p.env.ns === p.session.env.ns && p.env.files === p.session.env.files) return p.session.env.cwd ?? p.env.cwd ?? '/';
  return p.env.cwd ?? '/';
}

/** The shell the user types at (job control is on there, as in an interactive bash). */
export function interactive(p: Proc): boolean {
  return p.tty && p.sh === p.session.shell && p.env.flavor === 'gnu';
}

function runAndOr(p: Proc, ao: AndOr, k: K): void {
  if (ao.rest.length === 0) {
    // A lone pipeline: what the loop below does for it.
    const stop = stopped(p);
    if (stop !== null) return k(stop);
    const pl = ao.first;
    return runPipeline(p, pl, (code) => {
      p.sh.status = code;
      if (code !== 0 && !pl.bang) errexit(p, code);
      k(code);
    });
  }
  let i = -1;
  iterate((next) => {
    const stop = stopped(p);
    if (stop !== null) return k(stop);
    let pl: Pipeline;
    if (i < 0) pl = ao.first;
    else {
      // Skip the pipelines that && / || rule out (a || b && c: the status carries over).
      while (i < ao.rest.length && (ao.rest[i]!.op === '&&') !== (p.sh.status === 0)) i++;
      if (i >= ao.rest.length) return k(p.sh.status);
      pl = ao.rest[i]!.pipeline;
    }
    i++;
    const last = i >= ao.rest.length;
    runPipeline(last || p.cond === true ? p : { ...p, cond: true }, pl, (code) => {
      p.sh.status = code;
      if (!last) return next();
      if (code !== 0 && !pl.bang) errexit(p, code);
      k(code);
    });
  });
}

/** `set -e`: a command that failed outside a condition ends the shell (`sh -c`, a script); the
 *  terminal's shell abandons the line instead (a real interactive bash would exit and close the
 *  terminal, which a scenario keeps), and a nested one (docker exec -it … sh) is left. */
function errexit(p: Proc, code: number): void {
  if (!p.sh.options.errexit || p.cond === true || p.sh.exited !== null) return;
  if (p.sh !== p.session.shell) {
    p.sh.exited = code;
    return;
  }
  if (p.session.leave()) p.session.shell.status = code;
  else p.job.abortStatus ??= code;
}

function runPipeline(p0: Proc, pl: Pipeline, k: K): void {
  const p: Proc = pl.bang && p0.cond !== true ? { ...p0, cond: true } : p0;
  let failed = 0;
  const done = (code0: number): void => {
    // set -o pipefail: the last stage that failed gives the status.
    const code = p.sh.options.pipefail && code0 === 0 ? failed : code0;
    const c = pl.bang ? (code === 0 ? 1 : 0) : code;
    p.sh.status = c;
    k(c);
  };
  if (pl.cmds.length === 1) return runCommand(p, pl.cmds[0]!, done);
  // The stages run one after the other, each reading what the one before printed; each runs in
  // a subshell, as bash runs them.
  let i = 0;
  let input: Input = p.stdin;
  iterate((next) => {
    const last = i === pl.cmds.length - 1;
    let captured = '';
    const stage: Proc = { ...p, sh: p.sh.clone(), out: last ? p.out : { write: (t) => (captured += t) }, tty: last ? p.tty : false, stdin: input };
    runCommand(stage, pl.cmds[i]!, (code) => {
      if (code !== 0) failed = code;
      if (last || p.job.abortStatus !== null) return done(p.job.abortStatus ?? code);
      i++;
      input = inputOf(captured);
      next();
    });
  });
}

function runCommand(p: Proc, cmd: Command, k: K): void {
  if (cmd.k === 'simple') return runSimple(p, cmd.assigns, cmd.words, cmd.redirs, k);
  if (cmd.k === 'function') {
    p.sh.functions.set(cmd.name, cmd.body);
    p.sh.status = 0;
    return k(0);
  }
  withRedirs(p, cmd.redirs, k, (q, close) => {
    const k2 = (code: number): void => {
      close();
      p.sh.status = code;
      k(code);
    };
    if (cmd.k === 'group') return runList(cmd.subshell ? { ...q, sh: q.sh.clone() } : q, cmd.body, k2);
    if (cmd.k === 'case') {
      return expandOne(q, cmd.subject, (subject) => {
        let a = 0;
        const tryArm = (): void => {
          const arm = cmd.arms[a++];
          if (arm === undefined) return k2(0);
          let j = 0;
          iterate((next) => {
            const pat = arm.patterns[j++];
            if (pat === undefined) return tryArm();
            expandParts(q, pat, (segs) => {
              if (matchesPattern(segs.map((sg) => ({ text: sg.text, active: sg.glob })), subject)) return runList(q, arm.body, k2);
              next();
            });
          });
        };
        tryArm();
      });
    }
    if (cmd.k === 'if') {
      let c = 0;
      const tryClause = (): void => {
        const clause = cmd.clauses[c++];
        if (clause === undefined) return cmd.otherwise === null ? k2(0) : runList(q, cmd.otherwise, k2);
        runList({ ...q, cond: true }, clause.cond, (code) => (stopped(q) !== null ? k2(stopped(q)!) : code === 0 ? runList(q, clause.body, k2) : tryClause()));
      };
      return tryClause();
    }
    q.sh.loops++;
    const end = (code: number): void => {
      q.sh.loops--;
      k2(code);
    };
    if (cmd.k === 'for') {
      const go = (items: string[]): void => {
        let i = 0;
        let status = 0;
        iterate((next) => {
          const stop = stopped(q);
          if (stop !== null) return end(stop);
          if (i >= items.length) return end(status);
          q.sh.vars.set(cmd.name, items[i++]!);
          runList(q, cmd.body, (code) => {
            status = code;
            const j = takeJump(q);
            if (j === 'break' || j === 'leave') return end(0);
            next();
          });
        });
      };
      return cmd.items === null ? go([]) : expandWords(q, cmd.items, go);
    }
    // while / until
    let status = 0;
    let instant = -1;
    let spins = 0;
    iterate((next) => {
      const now = q.sim.world.eq.now;
      if (now === instant) {
        if (++spins >= LOOP_LIMIT) {
          q.err.write(`swarmsim: the loop ran ${LOOP_LIMIT} times without simulated time passing; stopped (add a sleep)\n`);
          return end(1);
        }
      } else {
        instant = now;
        spins = 0;
      }
      runList({ ...q, cond: true }, cmd.cond, (code) => {
        const jc = takeJump(q);
        if (jc === 'break' || jc === 'leave') return end(0);
        if (jc === 'continue') return next();
        const stop = stopped(q);
        if (stop !== null) return end(stop);
        if ((code === 0) === cmd.until) return end(status);
        runList(q, cmd.body, (b) => {
          status = b;
          const j = takeJump(q);
          if (j === 'break' || j === 'leave') return end(0);
          const stop2 = stopped(q);
          if (stop2 !== null) return end(stop2);
          next();
        });
      });
    });
  });
}

// --- expansion ---------------------------------------------------------------------------------

/** One word's expansion without field splitting (assignments, redirection targets). */
function expandOne(p: Proc, word: Word, k: (text: string) => void): void {
  expandParts(p, word, (segs) => k(segs.map((s) => s.text).join('')));
}

interface Seg {
  text: string;
  /** Split into fields on blanks (an unquoted expansion's result). */
  split: boolean;
  /** Unquoted: `*`, `?` and `[` in it are patterns (pathname expansion). */
  glob: boolean;
}

function expandParts(p: Proc, word: Word, k: (segs: Seg[]) => void): void {
  const segs: Seg[] = [];
  let i = 0;
  iterate((next) => {
    const part = word[i++];
    if (part === undefined) return k(segs);
    if (part.k === 'lit') {
      segs.push({ text: part.s, split: false, glob: !part.quoted });
      return next();
    }
    if (part.k === 'tilde') {
      segs.push({ text: p.sh.vars.get('HOME') ?? '/root', split: false, glob: false });
      return next();
    }
    if (part.k === 'arith') {
      return expandOne(p, part.text, (text) => {
        try {
          segs.push({ text: String(evalArith(text, (n) => p.sh.vars.get(n))), split: false, glob: false });
        } catch (e) {
          if (!(e instanceof ArithError)) throw e;
          p.err.write(`${shellName(p)}: ${e.message}\n`);
          p.job.abortStatus ??= 1;
          segs.push({ text: '', split: false, glob: false });
        }
        next();
      });
    }
    if (part.k === 'sub') {
      let captured = '';
      const sub: Proc = { ...p, sh: p.sh.clone(), out: { write: (t) => (captured += t) }, tty: false, subDepth: (p.subDepth ?? 0) + 1 };
      return runList(sub, part.list, (code) => {
        if (p.subs !== undefined) p.subs.status = code;
        p.sh.status = code;
        segs.push({ text: captured.replace(/\n+$/, ''), split: !part.quoted, glob: !part.quoted });
        next();
      });
    }
    const value = param(p, part.name);
    const op = part.op;
    if (value === undefined && (op === null || op === '#') && p.sh.options.nounset) {
      // set -u: bash names the variable and abandons the command (a non-interactive shell exits 127).
      p.err.write(`${shellName(p)}: ${/^\d+$/.test(part.name) ? '$' : ''}${part.name}: unbound variable\n`);
      if (p.sh === p.session.shell) p.job.abortStatus ??= 1;
      else p.sh.exited ??= 127;
      p.sh.status = p.sh === p.session.shell ? 1 : 127;
      segs.push({ text: '', split: false, glob: false });
      return next();
    }
    if (op === '#') {
      segs.push({ text: String([...(value ?? '')].length), split: false, glob: false });
      return next();
    }
    const useArg = op === null ? false
      : op === ':-' || op === ':=' ? value === undefined || value === ''
      : op === '-' || op === '=' ? value === undefined
      : op === ':+' ? value !== undefined && value !== ''
      : value !== undefined;
    if (!useArg) {
      segs.push({ text: op === ':+' || op === '+' ? '' : value ?? '', split: !part.quoted, glob: !part.quoted });
      return next();
    }
    expandOne(p, part.arg, (arg) => {
      if (op === ':=' || op === '=') p.sh.vars.set(part.name, arg);
      segs.push({ text: arg, split: !part.quoted, glob: !part.quoted });
      next();
    });
  });
}

function param(p: Proc, name: string): string | undefined {
  switch (name) {
    case '?': return String(p.sh.status);
    case '$': return '1';
    case '#': return String(p.sh.positional.length);
    case '0': return p.sh.arg0 ?? (p.env.flavor === 'busybox' ? 'sh' : '-bash');
    case '-': return 'himBH';
    case '!': return p.session.jobs.lastPid;
    case '@': case '*': return p.sh.positional.join(' ');
    default: return /^\d+$/.test(name) ? p.sh.positional[Number(name) - 1] : p.sh.vars.get(name);
  }
}

/**
 * The fields of a word list that expands to itself (every part a literal, no unquoted pattern
 * character): each word its literals joined, one field each, whatever the shell's state. Null
 * when a word has anything to expand. Kept by word list: a parse is kept (runString) and never
 * modified, so a loop's line is looked at once.
 */
const staticFields = new WeakMap<readonly Word[], readonly string[] | null>();

function fieldsOfLiterals(words: readonly Word[]): readonly string[] | null {
  let fields = staticFields.get(words);
  if (fields === undefined) {
    const out: string[] = [];
    for (const w of words) {
      const text = literalText(w);
      if (text === null) break;
      out.push(text);
    }
    fields = out.length === words.length ? out : null;
    staticFields.set(words, fields);
  }
  return fields;
}

/** A word's text when it is literals only and none unquoted holds * ? [ (hasGlob), else null. */
function literalText(w: Word): string | null {
  if (w.length === 0) return null;
  let text = '';
  for (const part of w) {
    if (part.k !== 'lit' || (!part.quoted && /[*?[]/.test(part.s))) return null;
    text += part.s;
  }
  return text;
}

/** Expands words into fields: unquoted expansions split on blanks, empty unquoted ones vanish. */
export function expandWords(p: Proc, given: readonly Word[], k: (fields: string[]) => void): void {
  // busybox's ash (and dash) have no brace expansion: `echo {a,b}` prints `{a,b}`.
  const braced = p.env.flavor === 'busybox' ? { words: given, tooMany: null } : braceExpand(given);
  if (braced.tooMany !== null) p.err.write(`${shellName(p)}: ${braced.tooMany}: brace expansion past swarmsim's limit (${BRACE_WORDS_MAX} words or characters): left as it is\n`);
  const words = braced.words;
  const literal = fieldsOfLiterals(words);
  if (literal !== null) return k(literal.slice());
  const fields: string[] = [];
  let i = 0;
  // Each field is built from chunks that remember whether they were quoted, for pathname expansion.
  const push = (chunks: Chunk[]): void => {
    const text = chunks.map((c) => c.text).join('');
    const found = hasGlob(chunks) ? globPaths(chunks, cwdOf(p), p.env.files, p.env.host.nsfs.keys()) : [];
    if (found.length === 0) fields.push(text);
    else fields.push(...found);
  };
  iterate((next) => {
    const w = words[i++];
    if (w === undefined) return k(fields);
    expandParts(p, w, (segs) => {
      let cur: Chunk[] = [];
      let has = false;
      for (const s of segs) {
        if (!s.split) {
          cur.push({ text: s.text, active: s.glob });
          has = true;
          continue;
        }
        const pieces = s.text.split(/[ \t\n]+/);
        for (let j = 0; j < pieces.length; j++) {
          if (j > 0) {
            if (has) push(cur);
            cur = [];
            has = false;
          }
          if (pieces[j] !== '') {
            cur.push({ text: pieces[j]!, active: true });
            has = true;
          }
        }
      }
      if (has) push(cur);
      next();
    });
  });
}

// --- redirections ------------------------------------------------------------------------------

type Sink = { kind: 'tty'; term: Terminal } | { kind: 'file'; path: string } | { kind: 'null' };

function resolve(p: Proc, path: string): string {
  const parts: string[] = [];
  for (const s of (path.startsWith('/') ? path : `${cwdOf(p)}/${path}`).split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') parts.pop();
    else parts.push(s);
  }
  return '/' + parts.join('/');
}

function sinkTerminal(files: Files, s: Sink): Terminal {
  if (s.kind === 'tty') return s.term;
  if (s.kind === 'null') return { write: () => undefined };
  const path = s.path;
  return { write: (t) => files.set(path, (files.get(path) ?? '') + t) };
}

/** Applies redirections, runs `body` with them, and lets it `close` them when done. */
function withRedirs(p: Proc, redirs: readonly Redir[], k: K, body: (q: Proc, close: () => void) => void): void {
  if (redirs.length === 0) return body(p, () => undefined);
  const fds = new Map<number, Sink>([[1, { kind: 'tty', term: p.out }], [2, { kind: 'tty', term: p.err }]]);
  let stdin: Input = p.stdin;
  let i = 0;
  const files = p.env.files;
  iterate((next) => {
    const r = redirs[i++];
    if (r === undefined) {
      const out = fds.get(1)!;
      const q: Proc = {
        ...p, stdin, out: sinkTerminal(files, out), err: sinkTerminal(files, fds.get(2)!),
        tty: out.kind === 'tty' ? p.tty : false,
      };
      return body(q, () => undefined);
    }
    if (r.op === '<<') {
      const doc = r.heredoc!;
      if (doc.quoted) {
        stdin = inputOf(doc.body);
        return next();
      }
      const w = parseHeredoc(doc.body);
      if ('error' in w) {
        p.err.write(`${shellName(p)}: ${w.error}\n`);
        return k(1);
      }
      return expandOne(p, w, (text) => {
        stdin = inputOf(text);
        next();
      });
    }
    expandOne(p, r.target, (target) => {
      if (r.op === '>&' || r.op === '<&') {
        if (target === '-') fds.set(r.fd, { kind: 'null' });
        else if (/^\d+$/.test(target) && fds.has(Number(target))) fds.set(r.fd, fds.get(Number(target))!);
        else if (/^\d+$/.test(target)) {
          p.err.write(`${shellName(p)}: ${target}: Bad file descriptor\n`);
          return k(1);
        } else if (r.op === '>&') {
          // `>&file` is `&>file`.
          const s = openSink(p, target, false);
          fds.set(1, s);
          fds.set(2, s);
        }
        return next();
      }
      if (target === '') {
        p.err.write(`${shellName(p)}: : No such file or directory\n`);
        return k(1);
      }
      if (r.op === '<') {
        const path = resolve(p, target);
        const text = files.get(path);
        if (text === undefined && target !== '/dev/null') {
          p.err.write(`${shellName(p)}: ${target}: No such file or directory\n`);
          return k(1);
        }
        stdin = inputOf(text ?? '');
        return next();
      }
      const s = openSink(p, target, r.op === '>>' || r.op === '&>>');
      if (r.op === '&>' || r.op === '&>>') {
        fds.set(1, s);
        fds.set(2, s);
      } else fds.set(r.fd, s);
      next();
    });
  });
}

function openSink(p: Proc, target: string, append: boolean): Sink {
  if (target === '/dev/null') return { kind: 'null' };
  if (target === '/dev/stdout' || target === '/dev/tty') return { kind: 'tty', term: p.out };
  if (target === '/dev/stderr') return { kind: 'tty', term: p.err };
  const path = resolve(p, target);
  if (!append || !p.env.files.has(path)) p.env.files.set(path, '');
  return { kind: 'file', path };
}

// --- simple commands ---------------------------------------------------------------------------

function runSimple(p: Proc, assigns: readonly Assign[], words: readonly Word[], redirs: readonly Redir[], k: K): void {
  const holder = { status: null as number | null };
  const values: Array<[string, string]> = [];
  let i = 0;
  // Expansions report a command substitution's status through `holder`; a command of literals
  // alone has none, and skips the copy.
  const e: Proc = assigns.length === 0 && fieldsOfLiterals(words) !== null ? p : { ...p, subs: holder };
  const command = (): void => expandWords(e, words, (argv) => {
    const stop = stopped(p);
    if (stop !== null) return k(stop);
    const afterSubs = holder.status;
    if (p.sh.options.xtrace) {
      const plus = '+'.repeat(1 + (p.subDepth ?? 0));
      if (argv.length === 0) for (const [n, v] of values) p.err.write(`${plus} ${n}=${xtraceWord(v)}\n`);
      else p.err.write(`${plus} ${[...values.map(([n, v]) => `${n}=${xtraceWord(v)}`), ...argv.map(xtraceWord)].join(' ')}\n`);
    }
    withRedirs(p, redirs, k, (q, close) => {
      const finish = (code: number): void => {
        close();
        p.sh.status = code;
        k(code);
      };
      if (argv.length === 0) {
        // Assignments alone set shell variables (exported ones stay exported).
        for (const [n, v] of values) p.sh.vars.set(n, v);
        return finish(afterSubs ?? 0);
      }
      // The command's environment: the exported variables, and `NAME=value cmd` for it alone.
      const vars = q.sh.environ();
      for (const [n, v] of values) vars.set(n, v);
      spawn({ ...q, env: { ...q.env, vars } }, argv, finish);
    });
  });
  if (assigns.length === 0) return command();
  iterate((next) => {
    const a = assigns[i++];
    if (a === undefined) return command();
    expandOne(e, a.value, (v) => {
      values.push([a.name, v]);
      next();
    });
  });
}

/** A word as `set -x` shows it: single-quoted unless it is made of safe characters (bash's
 *  sh_contains_shell_metas / sh_single_quote). */
function xtraceWord(w: string): string {
  if (w !== '' && /^[A-Za-z0-9_.\/:=,+@%^-]+$/.test(w)) return w;
  return `'${w.replace(/'/g, "'\\''")}'`;
}

/** Calls a shell function: its arguments are $1…, `return` ends it, its status is the last command's. */
function callFunction(p: Proc, body: Command, argv: string[], k: K): void {
  const saved = p.sh.positional;
  p.sh.positional = argv.slice(1);
  p.sh.funcDepth++;
  const locals = new Map<string, string | undefined>();
  p.sh.locals.push(locals);
  runCommand(p, body, (code) => {
    p.sh.positional = saved;
    p.sh.funcDepth--;
    p.sh.locals.pop();
    for (const [n, v] of locals) {
      if (v === undefined) p.sh.vars.delete(n);
      else p.sh.vars.set(n, v);
    }
    let status = code;
    if (p.sh.jump?.kind === 'return') {
      // The status `return` gave, whatever the loops it left said since.
      status = p.sh.jump.n;
      p.sh.jump = null;
    }
    p.sh.status = status;
    k(status);
  });
}

/** Runs a program by its argv (the interpreter's builtins first); its environment is `p.env.vars`. */
/** How deep programs are nested on the call stack (nsenter … nsenter … CMD, each starting the
 *  next). Past MAX_NESTING the next one starts from the event queue at the same instant, on a
 *  fresh stack: 10,000 nested nsenter must not overflow it. */
let nesting = 0;
const MAX_NESTING = 200;

export function spawn(p: Proc, argv: string[], k: K): void {
  if (nesting >= MAX_NESTING) {
    p.sim.world.eq.after(0, () => spawn(p, argv, k));
    return;
  }
  nesting++;
  try {
    spawnNow(p, argv, k);
  } finally {
    nesting--;
  }
}

function spawnNow(p: Proc, argv: string[], k: K): void {
  const vars = p.env.vars ?? p.sh.environ();
  // /usr/bin/dockerd is dockerd: programs are found by name in the standard directories.
  const arg0 = argv[0]!;
  const name = arg0.charCodeAt(0) === 0x2f ? arg0.replace(/^\/(usr\/)?(local\/)?(s?bin)\//, '') : arg0;
  const missing = p.env.missing;
  if (missing?.names.has(name)) {
    // bash: "NAME: command not found"; busybox sh: "NAME: not found".
    p.err.write(`${missing.shell}: ${argv[0]}: ${/(^|\/)sh$/.test(missing.shell) ? 'not found' : 'command not found'}\n`);
    return k(127);
  }
  const fn = p.sh.functions.get(argv[0]!);
  if (fn !== undefined) return callFunction(p, fn, argv, k);
  const special = SPECIAL.get(argv[0]!);
  if (special !== undefined) return special(p, argv, k);
  const prog = lookupProgram(name, p.env.flavor);
  if (prog === undefined) throw new UnknownCommand(argv[0]!);
  let finished = false;
  let dead = false;
  const guard = (t: Terminal): Terminal => ({ write: (s) => { if (!dead) t.write(s); } });
  const out = guard(p.out);
  const err = guard(p.err);
  let onSig: () => void = () => {
    // The default action of SIGINT: the process dies; the shell abandons the line (exit 130).
    dead = true;
    p.job.abortStatus = 130;
    exit(130);
  };
  let onTerm: (() => void) | null = null;
  let ownSig = false;
  const unlisten = p.job.listen((sig) => {
    if (sig === 'INT') return onSig();
    if (onTerm !== null) return onTerm();
    // SIGTERM kills whatever the program was doing, silently (its INT handler, if it has one, only
    // stops its timers): exit 143.
    dead = true;
    if (ownSig) onSig();
    // The signal reaches the whole job: the shell running the line dies of it too.
    p.job.abortStatus = 143;
    exit(143);
  });
  const exit = (code: number): void => {
    if (finished) return;
    finished = true;
    unlisten();
    k(code);
  };
  const env = p.env;
  const ctx: Ctx = {
    world: p.sim.world,
    sim: p.sim,
    host: env.host,
    ns: env.ns,
    flavor: env.flavor,
    files: env.files,
    cwd: cwdOf(p),
    hostname: env.hostname,
    vars,
    term: out,
    err,
    tty: p.tty,
    stdin: unread(p.stdin),
    session: p.session,
    job: p.job,
    onInterrupt: (h) => {
      ownSig = true;
      onSig = h;
    },
    onTerminate: (h) => (onTerm = h),
    // Running another program in its place (ip netns exec, nsenter, docker exec) is an exec: the
    // child receives the signals from then on.
    spawn: (to, av, ex) => {
      unlisten();
      spawnEnv({ ...p, out, err }, { ...env, ns: to }, av, ex);
    },
    spawnIn: (to, av, ex, term) => {
      unlisten();
      spawnEnv({ ...p, out: term ?? out, err: term ?? err, tty: p.tty && to.tty !== false }, to, av, ex);
    },
  };
  prog(ctx, argv, exit);
}

/** Runs argv in another environment (a namespace, a container) with that environment's variables. */
function spawnEnv(p: Proc, env: Env, argv: string[], k: K): void {
  const vars = env.vars ?? p.sh.environ();
  spawn({ ...p, env: { ...env, vars }, sh: new ShellVars(vars) }, argv, k);
}

/** busybox ash words the same syntax errors its own way (checked against busybox 1.35's sh). */
function ashWording(error: string): string {
  const tok = /^syntax error near unexpected token `(.*)'$/.exec(error);
  if (tok !== null) return `syntax error: unexpected ${tok[1] === 'newline' ? 'newline' : `"${tok[1]}"`}`;
  if (error.startsWith('unexpected EOF while looking for matching')) return 'syntax error: unterminated quoted string';
  return error;
}

/**
 * Parses are kept by line: a `traffic` loop runs the same line every few milliseconds, and its
 * parse cost as much as the rest of the shell's work for it. Parsing is a pure function of the
 * text (expansions happen when the line runs, against the variables of that moment), and what
 * it returns is never modified (syntax.ts: every field readonly), so a kept parse runs exactly
 * as a fresh one. Bounded: a script's thousand distinct lines do not stay, nor a long script.
 */
const parseCached = textMemo(parseLine, 256, 4096);

/** Runs a command string (`sh -c`, a scenario step's line) in the shell `p.sh`. */
export function runString(p: Proc, line: string, k: K): void {
  const parsed = parseCached(line);
  if ('error' in parsed) {
    p.err.write(`${shellName(p)}: ${p.env.flavor === 'busybox' ? ashWording(parsed.error) : parsed.error}\n`);
    p.sh.status = 2;
    return k(2);
  }
  for (const w of parsed.warnings) p.err.write(`${shellName(p)}: ${w}\n`);
  runList(p, parsed.list, k);
}
