// The POSIX regular expressions of the emulated tools (basic, as grep reads them, and extended, as
// grep -E and awk read them, with GNU's extensions \| \+ \? \< \> \b \w \s). One translator,
// core/regex.ts's, turns them into RE2's syntax and words grep's refusals; here they are compiled
// once on re2js, a linear-time engine, so a catastrophic pattern cannot hang grep or awk.

import { RE2JS } from 're2js';
import { translateGrep, tooBig } from '../core/regex.js';

export interface PosixRegex {
  readonly linear: RE2JS;
}

export interface PosixOptions {
  readonly extended: boolean;
  readonly ignoreCase?: boolean;
  /** grep -F: every pattern is a literal string. */
  readonly fixed?: boolean;
  /** grep -w / -x. */
  readonly whole?: 'word' | 'line';
}

/** Compiles one pattern, or several that match where any does (grep -e A -e B, a pattern file):
 *  the first refused pattern gives grep's message (without `grep: `). */
export function compilePosix(patterns: string | readonly string[], opts: PosixOptions): PosixRegex | { error: string } {
  const list = typeof patterns === 'string' ? [patterns] : patterns;
  const parts: string[] = [];
  for (const p of list) {
    const t = translateGrep(p, { extended: opts.extended, fixed: opts.fixed, ignoreCase: opts.ignoreCase, wholeLine: opts.whole === 'line', wholeWord: opts.whole === 'word' });
    if (typeof t !== 'string') return t;
    parts.push(parts.length === 0 && list.length === 1 ? t : `(?:${t})`);
  }
  try {
    return { linear: RE2JS.compile(parts.join('|'), opts.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0) };
  } catch (e) {
    return tooBig({ error: (e as Error).message });
  }
}

/** Every match of `re` in `line` (for grep -o): non-empty matches, left to right. */
export function matchesIn(re: PosixRegex, line: string): string[] {
  const out: string[] = [];
  const m = re.linear.matcher(line);
  while (m.find()) {
    const hit = m.group();
    if (hit !== null && hit !== '') out.push(hit);
  }
  return out;
}

/** Whether `re` matches somewhere in `line`. */
export function matches(re: PosixRegex, line: string): boolean {
  return re.linear.test(line);
}

/** `line` cut at every non-empty match of `re` (awk's field splitting by a regular FS): the pieces
 *  between, empty ones included, as gawk keeps them. */
export function splitOn(re: PosixRegex, line: string): string[] {
  const out: string[] = [];
  const m = re.linear.matcher(line);
  let from = 0;
  while (m.find()) {
    if (m.end() === m.start()) continue;
    out.push(line.slice(from, m.start()));
    from = m.end();
  }
  out.push(line.slice(from));
  return out;
}
