// The commands that act on the shell itself or run another command: export, unset, env, sudo,
// timeout, sh/bash -c. They need the interpreter (its variables, its job), so they are run by it
// before any program is looked up.
import { SEC } from '../sim/clock.js';
import type { Proc } from './interp.js';
import { cwdOf, runString, spawn, unread } from './interp.js';
import { Job, ShellVars } from './program.js';
import { fgCmd, jobsCmd, killCmd, waitCmd } from './jobs.js';

type Special = (p: Proc, argv: string[], k: (code: number) => void) => void;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function say(p: Proc, text: string): void {
  p.out.write(text + '\n');
}

function complain(p: Proc, text: string): void {
  p.err.write(`${p.env.flavor === 'busybox' ? 'sh' : '-bash'}: ${text}\n`);
}

/** bash's `declare -x` quoting: the value in double quotes, with ", \, $ and ` escaped. */
function declareQuote(v: string): string {
  return `"${v.replace(/(["\\$`])/g, '\\$1')}"`;
}

const exportCmd: Special = (p, argv, k) => {
  let unexport = false;
  const args = argv.slice(1);
  while (args[0] === '-n' || args[0] === '-p') if (args.shift() === '-n') unexport = true;
  if (args.length === 0) {
    const names = [...p.sh.exported].filter((n) => p.sh.vars.has(n) || !unexport).sort();
    for (const n of names) {
      const v = p.sh.vars.get(n);
      say(p, p.env.flavor === 'busybox' ? `export ${n}='${(v ?? '').replace(/'/g, "'\\''")}'` : v === undefined ? `declare -x ${n}` : `declare -x ${n}=${declareQuote(v)}`);
    }
    return k(0);
  }
  let rc = 0;
  for (const a of args) {
    const eq = a.indexOf('=');
    const name = eq < 0 ? a : a.slice(0, eq);
    if (!NAME.test(name)) {
      complain(p, `export: \`${a}': not a valid identifier`);
      rc = 1;
      continue;
    }
    if (eq >= 0) p.sh.vars.set(name, a.slice(eq + 1));
    if (unexport) p.sh.exported.delete(name);
    else p.sh.exported.add(name);
  }
  k(rc);
};

const unsetCmd: Special = (p, argv, k) => {
  let rc = 0;
  for (const a of argv.slice(1)) {
    if (a === '-v' || a === '-f') continue;
    // Not a variable name: bash tries a function of that name, and there is none to remove.
    if (!NAME.test(a)) {
      if (argv.includes('-v')) {
        complain(p, `unset: \`${a}': not a valid identifier`);
        rc = 1;
      }
      continue;
    }
    p.sh.vars.delete(a);
    p.sh.exported.delete(a);
  }
  k(rc);
};

/** env [-i] [-u NAME] [NAME=VALUE]... [COMMAND [ARG]...] (coreutils). */
const envCmd: Special = (p, argv, k) => {
  let vars = new Map(p.env.vars ?? p.sh.environ());
  let i = 1;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-i' || a === '-' || a === '--ignore-environment') vars = new Map();
    else if (a === '-u') vars.delete(argv[++i] ?? '');
    else if (a.startsWith('-') && a.length > 1) {
      p.err.write(`env: invalid option -- '${a.slice(1, 2)}'\nTry 'env --help' for more information.\n`);
      return k(125);
    } else if (a.includes('=') && !a.startsWith('=')) vars.set(a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1));
    else break;
  }
  if (i >= argv.length) {
    for (const [n, v] of vars) say(p, `${n}=${v}`);
    return k(0);
  }
  spawn({ ...p, env: { ...p.env, vars }, sh: new ShellVars(vars) }, argv.slice(i), k);
};

/** sudo runs the command as root: the scenarios' user already is root. */
const sudoCmd: Special = (p, argv, k) => {
  let i = 1;
  while (i < argv.length && /^-[EHsn]$/.test(argv[i]!)) i++;
  if (argv[i] === '-u') i += 2;
  if (i >= argv.length) {
    p.err.write('usage: sudo -h | -K | -k | -V\nusage: sudo -v [-AknS] [-g group] [-h host] [-p prompt] [-u user]\nusage: sudo -l [-AknS] [-g group] [-h host] [-p prompt] [-U user] [-u user] [command]\nusage: sudo [-AbEHknPS] [-r role] [-t type] [-C num] [-g group] [-h host] [-p prompt] [-u user] [VAR=value] [-i|-s] [<command>]\nusage: sudo -e [-AknS] [-r role] [-t type] [-C num] [-g group] [-h host] [-p prompt] [-u user] file ...\n');
    return k(1);
  }
  spawn(p, argv.slice(i), k);
};

/** A duration as coreutils' timeout and sleep read it: a number with an optional s, m, h or d. */
export function parseSeconds(text: string): number | null {
  const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(text);
  if (m === null) return null;
  const mult = m[2] === 'm' ? 60 : m[2] === 'h' ? 3600 : m[2] === 'd' ? 86400 : 1;
  return Number(m[1]) * mult;
}

/** timeout [-s SIGNAL] [-k DURATION] DURATION COMMAND: exit 124 when the time ran out. */
const timeoutCmd: Special = (p, argv, k) => {
  let i = 1;
  let sig: 'INT' | 'TERM' = 'TERM';
  let preserve = false;
  for (; i < argv.length && argv[i]!.startsWith('-') && argv[i] !== '-'; i++) {
    const a = argv[i]!;
    if (a === '-s' || a === '--signal') {
      const s = (argv[++i] ?? '').toUpperCase().replace(/^SIG/, '');
      if (s === 'INT' || s === '2') sig = 'INT';
      else if (s === 'TERM' || s === '15' || s === 'KILL' || s === '9') sig = 'TERM';
      else {
        p.err.write(`timeout: ${argv[i]}: invalid signal\nTry 'timeout --help' for more information.\n`);
        return k(125);
      }
    } else if (a === '-k' || a === '--kill-after') i++;
    else if (a === '--preserve-status') preserve = true;
    else if (a === '--foreground') continue;
    else {
      p.err.write(`timeout: invalid option -- '${a.slice(1, 2)}'\nTry 'timeout --help' for more information.\n`);
      return k(125);
    }
  }
  const durText = argv[i];
  const secs = durText === undefined ? null : parseSeconds(durText);
  if (durText === undefined || argv[i + 1] === undefined) {
    p.err.write(`timeout: missing operand\nTry 'timeout --help' for more information.\n`);
    return k(125);
  }
  if (secs === null) {
    p.err.write(`timeout: invalid time interval '${durText}'\nTry 'timeout --help' for more information.\n`);
    return k(125);
  }
  const eq = p.sim.world.eq;
  const child = new Job();
  const forward = p.job.listen((s) => child.interrupt(s));
  let timedOut = false;
  let done = false;
  const timer = secs === 0 ? -1 : eq.after(Math.round(secs * SEC), () => {
    timedOut = true;
    child.interrupt(sig);
  });
  spawn({ ...p, job: child }, argv.slice(i + 1), (code) => {
    if (done) return;
    done = true;
    forward();
    if (timer >= 0) eq.cancel(timer);
    // A child killed by ^C: timeout dies of the same signal, and bash abandons the line.
    if (!timedOut && child.abortStatus === 130) p.job.abortStatus = 130;
    k(timedOut && !preserve ? 124 : code);
  });
};

/** sh -c STRING, sh FILE, or a bare `sh` reading its standard input. */
const shCmd: Special = (p, argv, k) => {
  const vars = p.env.vars ?? p.sh.environ();
  const sh = new ShellVars(vars);
  const q: Proc = { ...p, sh };
  if (argv[1] === '-c') {
    if (argv[2] === undefined) {
      p.err.write(`${argv[0]}: -c: option requires an argument\n`);
      return k(2);
    }
    // sh -c 'CMD' NAME ARG…: $0 is NAME, the rest are $1….
    sh.positional = argv.slice(4);
    if (argv[3] !== undefined) sh.arg0 = argv[3];
    return runString(q, argv[2], k);
  }
  if (argv[1] !== undefined) {
    const path = argv[1].startsWith('/') ? argv[1] : `${cwdOf(p)}/${argv[1]}`.replace(/\/+/g, '/');
    const text = p.env.files.get(path);
    if (text === undefined) {
      p.err.write(`${argv[0]}: ${argv[1]}: No such file or directory\n`);
      return k(127);
    }
    sh.positional = argv.slice(2);
    return runString(q, text, k);
  }
  runString(q, unread(p.stdin), k);
};

/** exit [N]: ends a subshell or `sh -c` with N; in a terminal's nested shell (nsenter, docker exec
 *  -it … sh) it returns to the shell below; the login shell stays (a scenario's terminal is kept). */
const exitCmd: Special = (p, argv, k) => {
  const arg = argv[1];
  let code = arg === undefined ? p.sh.status : Number(arg) & 255;
  if (arg !== undefined && !/^-?\d+$/.test(arg)) {
    complain(p, `exit: ${arg}: numeric argument required`);
    code = p.env.flavor === 'busybox' ? 2 : 255;
  }
  if (p.sh === p.session.shell) {
    // An interactive bash says so as it goes (builtins/exit.def exit_or_logout: "exit" on
    // stderr; seed 004:1354); busybox ash and dash (the `# ` prompt) leave silently.
    if (p.session.depth > 1 && p.env.flavor === 'gnu' && p.session.promptTemplate !== '# ') p.err.write('exit\n');
    // The shell below sees the nested shell's status as its `$?` (docker exec returns it); the
    // step that typed `exit` itself succeeded.
    if (p.session.leave()) p.session.shell.status = code;
    return k(0);
  }
  p.sh.exited = code;
  k(code);
};

const SET_LETTERS: Record<string, 'errexit' | 'xtrace' | 'nounset'> = { e: 'errexit', x: 'xtrace', u: 'nounset' };
const SET_NAMES = new Set(['errexit', 'xtrace', 'nounset', 'pipefail']);

/** set [-eux] [+eux] [-o NAME] [+o NAME] [-- ARG…]: the shell's options and positional parameters. */
const setCmd: Special = (p, argv, k) => {
  const o = p.sh.options;
  if (argv.length === 1) {
    // The variables, sorted, as `set` lists them (functions are not listed here).
    for (const n of [...p.sh.vars.keys()].sort()) say(p, `${n}=${p.sh.vars.get(n)!}`);
    return k(0);
  }
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--' || a === '-') {
      p.sh.positional = argv.slice(i + 1);
      return k(0);
    }
    const on = a[0] === '-';
    if ((a === '-o' || a === '+o') && argv[i + 1] === undefined) {
      for (const n of SET_NAMES) say(p, a === '-o' ? `${n.padEnd(15)}	${o[n as keyof typeof o] ? 'on' : 'off'}` : `set ${o[n as keyof typeof o] ? '-' : '+'}o ${n}`);
      return k(0);
    }
    if (a === '-o' || a === '+o') {
      const name = argv[++i]!;
      if (!SET_NAMES.has(name)) {
        complain(p, `set: ${name}: invalid option name`);
        return k(1);
      }
      o[name as keyof typeof o] = a === '-o';
      continue;
    }
    if (!/^[-+][A-Za-z]+$/.test(a)) {
      p.sh.positional = argv.slice(i);
      return k(0);
    }
    for (const c of a.slice(1)) {
      const name = SET_LETTERS[c];
      if (name === undefined) {
        complain(p, `set: ${a[0]}${c}: invalid option`);
        p.err.write('set: usage: set [-abefhkmnptuvxBCEHPT] [-o option-name] [--] [-] [arg ...]\n');
        return k(2);
      }
      o[name] = on;
    }
  }
  k(0);
};

/** return [N]: ends the running function with N (the last status without it). */
const returnCmd: Special = (p, argv, k) => {
  if (p.sh.funcDepth === 0) {
    complain(p, "return: can only `return' from a function or sourced script");
    return k(2);
  }
  const arg = argv[1];
  if (arg !== undefined && !/^-?\d+$/.test(arg)) {
    complain(p, `return: ${arg}: numeric argument required`);
    p.sh.status = 2;
  } else p.sh.status = arg === undefined ? p.sh.status : Number(arg) & 255;
  p.sh.jump = { kind: 'return', n: p.sh.status };
  k(p.sh.status);
};

/** local NAME[=VALUE]…: a variable of the running function, restored when it returns. */
const localCmd: Special = (p, argv, k) => {
  const frame = p.sh.locals[p.sh.locals.length - 1];
  if (frame === undefined) {
    complain(p, 'local: can only be used in a function');
    return k(1);
  }
  let rc = 0;
  for (const a of argv.slice(1)) {
    const eq = a.indexOf('=');
    const name = eq < 0 ? a : a.slice(0, eq);
    if (!NAME.test(name)) {
      complain(p, `local: \`${a}': not a valid identifier`);
      rc = 1;
      continue;
    }
    if (!frame.has(name)) frame.set(name, p.sh.vars.get(name));
    p.sh.vars.set(name, eq < 0 ? '' : a.slice(eq + 1));
  }
  k(rc);
};

/** shift [N]: drops the first N positional parameters. */
const shiftCmd: Special = (p, argv, k) => {
  const n = argv[1] === undefined ? 1 : Number(argv[1]);
  if (!Number.isInteger(n) || n < 0) {
    complain(p, `shift: ${argv[1]}: numeric argument required`);
    return k(1);
  }
  if (n > p.sh.positional.length) return k(1);
  p.sh.positional = p.sh.positional.slice(n);
  k(0);
};

/** break [N] / continue [N]: leave (or go on with) the N-th enclosing loop. */
function jump(kind: 'break' | 'continue'): Special {
  return (p, argv, k) => {
    const arg = argv[1];
    const n = arg === undefined ? 1 : Number(arg);
    if (arg !== undefined && !/^\d+$/.test(arg)) {
      complain(p, `${kind}: ${arg}: numeric argument required`);
      return k(128);
    }
    if (n < 1) {
      complain(p, `${kind}: ${arg}: loop count out of range`);
      return k(1);
    }
    if (p.sh.loops === 0) {
      complain(p, `${kind}: only meaningful in a \`for', \`while', or \`until' loop`);
      return k(0);
    }
    p.sh.status = 0;
    p.sh.jump = { kind, n: Math.min(n, p.sh.loops) };
    k(0);
  };
}

/** read [-r] [-p PROMPT] [NAME…]: one line of standard input into variables, split on blanks
 *  (the last name takes the rest); exit 1 at the end of the input. */
const readCmd: Special = (p, argv, k) => {
  let raw = false;
  let i = 1;
  for (; i < argv.length && argv[i]!.startsWith('-'); i++) {
    if (argv[i] === '-r') raw = true;
    else if (argv[i] === '-p') i++;
    else {
      complain(p, `read: ${argv[i]}: invalid option\nread: usage: read [-ers] [-a array] [-d delim] [-i text] [-n nchars] [-N nchars] [-p prompt] [-t timeout] [-u fd] [name ...]`);
      return k(2);
    }
  }
  const names = argv.slice(i);
  for (const n of names) {
    if (!NAME.test(n)) {
      complain(p, `read: \`${n}': not a valid identifier`);
      return k(1);
    }
  }
  const input = p.stdin;
  if (input.pos >= input.text.length) {
    for (const n of names.length === 0 ? ['REPLY'] : names) p.sh.vars.set(n, '');
    return k(1);
  }
  const nl = input.text.indexOf('\n', input.pos);
  let line = input.text.slice(input.pos, nl < 0 ? input.text.length : nl);
  input.pos = nl < 0 ? input.text.length : nl + 1;
  if (!raw) line = line.replace(/\\(.)/g, '$1');
  if (names.length === 0) {
    p.sh.vars.set('REPLY', line);
    return k(nl < 0 ? 1 : 0);
  }
  let rest = line.replace(/^[ \t]+/, '');
  names.forEach((n, j) => {
    if (j === names.length - 1) {
      p.sh.vars.set(n, rest.replace(/[ \t]+$/, ''));
      return;
    }
    const m = /^(\S*)[ \t]*/.exec(rest)!;
    p.sh.vars.set(n, m[1]!);
    rest = rest.slice(m[0].length);
  });
  // A last line without its newline is still read, but read reports the end of the input.
  k(nl < 0 ? 1 : 0);
};

export const SPECIAL = new Map<string, Special>([
  ['read', readCmd],
  ['break', jump('break')],
  ['continue', jump('continue')],
  ['exit', exitCmd],
  ['export', exportCmd],
  ['unset', unsetCmd],
  ['env', envCmd],
  ['sudo', sudoCmd],
  ['timeout', timeoutCmd],
  ['sh', shCmd],
  ['bash', shCmd],
  ['/bin/sh', shCmd],
  ['/bin/bash', shCmd],
  [':', (_p, _argv, k) => k(0)],
  ['jobs', jobsCmd],
  ['fg', fgCmd],
  ['kill', killCmd],
  ['wait', waitCmd],
  ['set', setCmd],
  ['return', returnCmd],
  ['shift', shiftCmd],
  ['local', localCmd],
]);
