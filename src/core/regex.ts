// Regular expressions a user writes (a scenario's `/re/` expectations, `grep` patterns, Docker's
// name filters) run on `re2js`, a linear-time engine (RE2's automata: no backtracking), so that a
// catastrophic pattern such as /(a+)+$/ against 40 a's and a `!` answers at once instead of hanging.
// Its syntax is Go's regexp (what Docker's filters use) and close to JavaScript's; what it cannot do
// in linear time (back-references, lookaround) is refused when the pattern is compiled.
import { RE2JS } from 're2js';

/** A compiled user pattern. `test` is unanchored, like RegExp.prototype.test. */
export interface Matcher {
  test(text: string): boolean;
  /** The pattern as the user wrote it (`/re/flags` for an expectation). */
  readonly source: string;
  toString(): string;
}

/** A pattern that does not compile: `error` is worded for the user. */
export interface PatternError {
  readonly error: string;
}

export interface MatchFlags {
  readonly ignoreCase?: boolean;
  /** `^` and `$` at every line (the `m` flag). */
  readonly multiline?: boolean;
  /** `.` matches a newline too (the `s` flag). */
  readonly dotAll?: boolean;
}

function re2Flags(f: MatchFlags): number {
  return (f.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0) | (f.multiline ? RE2JS.MULTILINE : 0) | (f.dotAll ? RE2JS.DOTALL : 0);
}

function wrap(re: RE2JS, source: string): Matcher {
  return { test: (text) => re.test(text), source, toString: () => source };
}

/** Compiles RE2/Go syntax (JavaScript's common subset too). */
export function compileRegex(pattern: string, flags: MatchFlags = {}, shown = pattern): Matcher | PatternError {
  try {
    return wrap(RE2JS.compile(pattern, re2Flags(flags)), shown);
  } catch (e) {
    const msg = (e as Error).message;
    const why = /invalid or unsupported Perl syntax: `\(\?[=!<]/.test(msg) ? ' (lookaround cannot run in linear time)' : '';
    return { error: `${msg}${why}` };
  }
}

/** A scenario expectation's `/source/flags` (flags among i, m, s, u; u changes nothing here). */
export function compileExpectation(source: string, flags: string): Matcher | PatternError {
  const bad = [...flags].find((f) => !'imsu'.includes(f));
  if (bad !== undefined) return { error: `unknown flag "${bad}" (use i, m, s or u)` };
  if (/\\[1-9]/.test(source.replace(/\\\\/g, ''))) return { error: 'back-references cannot run in linear time' };
  return compileRegex(source, { ignoreCase: flags.includes('i'), multiline: flags.includes('m'), dotAll: flags.includes('s') }, `/${source}/${flags}`);
}

export function isPatternError(m: Matcher | PatternError): m is PatternError {
  return 'error' in m;
}

export interface GrepOptions {
  /** -E: extended (ERE) syntax; otherwise basic (BRE). */
  readonly extended?: boolean;
  /** -F: the pattern is a literal string. */
  readonly fixed?: boolean;
  /** -i */
  readonly ignoreCase?: boolean;
  /** -x: the whole line must match. */
  readonly wholeLine?: boolean;
  /** -w: the match must stand between non-word characters (GNU's test, approximated by \b). */
  readonly wholeWord?: boolean;
}

const CLASS_NAMES = new Set(['alnum', 'alpha', 'blank', 'cntrl', 'digit', 'graph', 'lower', 'print', 'punct', 'space', 'upper', 'xdigit']);

/**
 * A grep pattern (one line of it), compiled for matching one input line at a time. Errors are GNU
 * grep 2.20's words (the message after `grep: `, exit 2): `Unmatched ( or \(`, `Unmatched [, [^,
 * [:, [., or [=`, `Trailing backslash`, `Invalid content of \{\}`, `Invalid range end`, … — the
 * POSIX syntax is translated to RE2's, keeping POSIX's literals (a leading `*`, `{` that opens no
 * interval, an unmatched `)` in ERE, `\` inside brackets).
 */
export function compileGrep(pattern: string, opts: GrepOptions = {}): Matcher | PatternError {
  const t = translateGrep(pattern, opts);
  if (typeof t !== 'string') return t;
  const m = compileRegex(t, { ignoreCase: opts.ignoreCase === true }, pattern);
  return isPatternError(m) ? tooBig(m) : m;
}

/** What RE2 refuses beyond the POSIX checks (nesting too deep, a repeat too large) is grep's
 *  "Regular expression too big" in spirit: the pattern cannot be matched. */
export function tooBig(e: PatternError): PatternError {
  return { error: /repeat|size|nest/i.test(e.error) ? 'Regular expression too big' : 'Invalid regular expression' };
}

/** One grep pattern in RE2's syntax (with -F, -x and -w applied), or grep's refusal. */
export function translateGrep(pattern: string, opts: GrepOptions = {}): string | PatternError {
  const t = opts.fixed ? RE2JS.quote(pattern) : translatePosix(pattern, opts.extended === true);
  if (typeof t !== 'string') return t;
  return opts.wholeLine ? `^(?:${t})$` : opts.wholeWord ? `\\b(?:${t})\\b` : t;
}

/** POSIX BRE/ERE → RE2 syntax, or grep's error. */
function translatePosix(p: string, ere: boolean): string | PatternError {
  let out = '';
  let depth = 0;
  // Whether a quantifier here has something to repeat (POSIX makes it literal otherwise).
  let atomBefore = false;
  // Where the last atom starts in `out` (a group: its parenthesis), and whether it is already
  // repeated: POSIX allows `a**`, RE2 wants `(?:a*)*`.
  let atomStart = 0;
  let repeated = false;
  const opens: number[] = [];
  let i = 0;
  const atom = (re: string): void => {
    atomStart = out.length;
    out += re;
    atomBefore = true;
    repeated = false;
  };
  const lit = (c: string): void => atom(RE2JS.quote(c));
  const open = (): void => {
    opens.push(out.length);
    out += '(';
    depth++;
    atomBefore = false;
  };
  const close = (): void => {
    atomStart = opens.pop()!;
    out += ')';
    depth--;
    atomBefore = true;
    repeated = false;
  };
  const alt = (): void => {
    out += '|';
    atomBefore = false;
  };
  // A repeat of the atom before; with none, ERE ignores it (GNU) and BRE reads it as a literal.
  const quant = (q: string, literal: string): void => {
    if (!atomBefore) {
      if (!ere) lit(literal);
      return;
    }
    if (repeated) out = `${out.slice(0, atomStart)}(?:${out.slice(atomStart)})`;
    out += q;
    repeated = true;
  };
  while (i < p.length) {
    const c = p[i]!;
    if (c === '[') {
      const b = bracket(p, i);
      if ('error' in b) return b;
      atom(b.re);
      i = b.end;
      continue;
    }
    if (c === '\\') {
      if (i + 1 === p.length) return { error: 'Trailing backslash' };
      const d = p[i + 1]!;
      i += 2;
      if (/[1-9]/.test(d)) return { error: 'Invalid back reference' };
      if (!ere && d === '(') open();
      else if (!ere && d === ')') {
        if (depth === 0) return { error: 'Unmatched ) or \\)' };
        close();
      } else if (!ere && d === '|') alt();
      else if (!ere && (d === '+' || d === '?')) quant(d, d);
      else if (!ere && d === '{' && atomBefore) {
        const iv = interval(p, i, '\\}');
        if ('error' in iv) return iv;
        if (iv.re === null) return { error: 'Unmatched \\{' };
        quant(iv.re, '{');
        i = iv.end;
      } else if ('wWsS'.includes(d)) atom(`\\${d}`);
      else if ('bB<>`\''.includes(d)) {
        // GNU's word edges \b \B \< \> (RE2 has \b and \B) and buffer edges \` \'.
        out += d === '<' || d === '>' ? '\\b' : d === '`' ? '\\A' : d === "'" ? '\\z' : `\\${d}`;
        atomBefore = false;
      } else lit(d);
      continue;
    }
    i++;
    if (c === '*') quant('*', '*');
    else if (ere && (c === '+' || c === '?')) quant(c, c);
    else if (ere && c === '{') {
      const iv = interval(p, i, '}');
      if ('error' in iv) return iv;
      if (iv.re === null || !atomBefore) lit(c);
      else {
        quant(iv.re, c);
        i = iv.end;
      }
    } else if (ere && c === '(') open();
    else if (ere && c === ')') {
      if (depth === 0) lit(c);
      else close();
    } else if (ere && c === '|') alt();
    else if (c === '.') atom('.');
    else if (c === '^') {
      // An anchor at the start (of the pattern or a group, or after |); a literal elsewhere in BRE.
      if (ere || !atomBefore) {
        out += '^';
        atomBefore = false;
      } else lit(c);
    } else if (c === '$') {
      const end = i === p.length || (ere ? p[i] === ')' || p[i] === '|' : p.startsWith('\\)', i) || p.startsWith('\\|', i));
      if (ere || end) out += '$';
      else lit(c);
    } else lit(c);
  }
  if (depth > 0) return { error: 'Unmatched ( or \\(' };
  return out;
}

/** `{m}`, `{m,}`, `{,n}`, `{m,n}` (or `\\{…\\}` in BRE) starting after the brace: its RE2 text, or
 *  `re: null` when what follows is no interval (ERE then reads `{` as a literal; BRE says so). */
function interval(p: string, i: number, close: string): { re: string | null; end: number } | PatternError {
  const m = /^(\d*)(,(\d*))?/.exec(p.slice(i))!;
  const after = i + m[0].length;
  const shaped = p.startsWith(close, after) && !(m[1] === '' && (m[2] === undefined || m[3] === ''));
  if (!shaped) {
    if (close === '}') return { re: null, end: i };
    return p.indexOf(close, i) < 0 ? { re: null, end: i } : { error: 'Invalid content of \\{\\}' };
  }
  const lo = m[1] === '' ? 0 : Number(m[1]);
  const hi = m[2] === undefined ? lo : m[3] === '' ? Infinity : Number(m[3]);
  if (hi < lo) return { error: 'Invalid content of \\{\\}' };
  // RE_DUP_MAX is 32767; RE2 refuses more than 1000 (a pattern that large is "too big" either way).
  if (lo > 1000 || (hi !== Infinity && hi > 1000)) return { error: 'Regular expression too big' };
  return { re: `{${lo}${m[2] === undefined ? '' : `,${hi === Infinity ? '' : hi}`}}`, end: after + close.length };
}

/** A POSIX bracket expression at p[i] === '[': `]` first is a member, `\` is a member, classes
 *  `[:name:]`, ranges checked in order. */
function bracket(p: string, i: number): { re: string; end: number } | PatternError {
  // grep 3.8 on Debian: a `[` that ends the pattern is "Invalid regular expression" (regcomp's
  // word), one with anything after it dfa.c's "Unmatched [ …".
  const unmatched = { error: i === p.length - 1 ? 'Invalid regular expression' : 'Unmatched [, [^, [:, [., or [=' };
  let j = i + 1;
  let re = '[';
  if (p[j] === '^') {
    re += '^';
    j++;
  }
  let first = true;
  let prev: number | null = null; // code of the last single member, for a range
  while (j < p.length && (first || p[j] !== ']')) {
    first = false;
    if (p[j] === '[' && (p[j + 1] === ':' || p[j + 1] === '.' || p[j + 1] === '=')) {
      const kind = p[j + 1]!;
      const close = p.indexOf(`${kind}]`, j + 2);
      if (close < 0) return unmatched;
      const name = p.slice(j + 2, close);
      if (kind === ':') {
        if (!CLASS_NAMES.has(name)) return { error: 'Invalid character class name' };
        re += `[:${name}:]`;
        prev = null;
      } else {
        if ([...name].length !== 1) return { error: 'Invalid collation character' };
        re += RE2JS.quote(name).replace(/^\\?/, '\\');
        prev = name.codePointAt(0)!;
      }
      j = close + 2;
      continue;
    }
    if (p[j] === '-' && prev !== null && j + 1 < p.length && p[j + 1] !== ']') {
      const hi = p.codePointAt(j + 1)!;
      if (hi < prev) return { error: 'Invalid range end' };
      re += `-${escapeClassChar(String.fromCodePoint(hi))}`;
      j += String.fromCodePoint(hi).length + 1;
      prev = null;
      continue;
    }
    const ch = String.fromCodePoint(p.codePointAt(j)!);
    re += escapeClassChar(ch);
    prev = ch.codePointAt(0)!;
    j += ch.length;
  }
  if (j >= p.length) return unmatched;
  return { re: re + ']', end: j + 1 };
}

function escapeClassChar(ch: string): string {
  return /[\\\]\[^-]/.test(ch) ? `\\${ch}` : ch;
}
