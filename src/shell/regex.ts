// POSIX regular expressions (basic, as grep reads them, and extended, as grep -E and awk read
// them, with GNU's extensions: \| \+ \? in basic, \< \> \b \w \s) translated to JavaScript's. All
// user-supplied pattern matching of the emulated tools goes through here, so that a limit on
// matching work applies everywhere at once. Errors are GNU grep's messages.

import { RE2JS } from 're2js';

export interface PosixRegex {
  /** JavaScript's form (awk splits fields with it: a separator, not a search). */
  readonly re: RegExp;
  /** The same pattern on re2js (core/regex.ts's engine), for every search: linear time, so a
   *  catastrophic pattern cannot hang grep or awk. */
  readonly linear: RE2JS;
}

const CLASSES: Record<string, string> = {
  alpha: 'A-Za-z', digit: '0-9', alnum: 'A-Za-z0-9', upper: 'A-Z', lower: 'a-z', space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t', punct: '!-\\/:-@\\[-`{-~', print: ' -~', graph: '!-~', cntrl: '\\x00-\\x1f\\x7f', xdigit: '0-9A-Fa-f',
};

/** Translates a POSIX pattern; returns the message grep prints (without `grep: `) when it is invalid. */
export function compilePosix(pattern: string, opts: { extended: boolean; ignoreCase?: boolean; whole?: 'word' | 'line' }): PosixRegex | { error: string } {
  const ere = opts.extended;
  let out = '';
  let depth = 0;
  let i = 0;
  // Where an atom may start: `*` there is a literal in a basic RE (and ignored in an extended one).
  let atStart = true;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\') {
      const d = pattern[i + 1];
      if (d === undefined) return { error: 'Trailing backslash' };
      i += 2;
      if (!ere && d === '(') {
        out += '(';
        depth++;
        atStart = true;
        continue;
      }
      if (!ere && d === ')') {
        if (depth === 0) return { error: 'Unmatched ) or \\)' };
        out += ')';
        depth--;
        atStart = false;
        continue;
      }
      if (!ere && d === '|') {
        out += '|';
        atStart = true;
        continue;
      }
      if (!ere && (d === '+' || d === '?')) {
        out += atStart ? `\\${d}` : d;
        atStart = false;
        continue;
      }
      if (!ere && d === '{') {
        const m = /^(\d*)(,?)(\d*)\\\}/.exec(pattern.slice(i));
        if (m === null) return { error: 'Unmatched \\{' };
        out += `{${m[1] === '' ? '0' : m[1]}${m[2]}${m[3]}}`;
        i += m[0].length;
        continue;
      }
      if (d === '<' || d === '>') out += '\\b';
      else if ('wWsSbB'.includes(d)) out += `\\${d}`;
      else if (/[1-9]/.test(d)) out += `\\${d}`;
      else out += escapeJs(d);
      atStart = false;
      continue;
    }
    if (c === '[') {
      const cls = bracket(pattern, i);
      // grep 3.8: a `[` that ends the pattern is an invalid expression, an unknown [:class:] has its
      // own message, any other unclosed bracket is unmatched.
      if (cls === null) return { error: i === pattern.length - 1 ? 'Invalid regular expression' : 'Unmatched [, [^, [:, [., or [=' };
      if (cls === 'class') return { error: 'Invalid character class name' };
      out += cls.js;
      i = cls.end;
      atStart = false;
      continue;
    }
    i++;
    if (c === '*') {
      out += atStart ? (ere ? '' : '\\*') : '*';
      continue;
    }
    if (c === '^') {
      out += atStart || ere ? '^' : '\\^';
      continue;
    }
    if (c === '$') {
      const end = i === pattern.length || (ere ? pattern[i] === '|' || pattern[i] === ')' : pattern.startsWith('\\)', i) || pattern.startsWith('\\|', i));
      out += end || ere ? '$' : '\\$';
      atStart = false;
      continue;
    }
    if (c === '.') {
      out += '.';
      atStart = false;
      continue;
    }
    if (ere) {
      if (c === '(') {
        out += '(';
        depth++;
        atStart = true;
        continue;
      }
      if (c === ')') {
        if (depth === 0) out += '\\)';
        else {
          out += ')';
          depth--;
        }
        atStart = false;
        continue;
      }
      if (c === '|') {
        out += '|';
        atStart = true;
        continue;
      }
      if (c === '+' || c === '?') {
        out += atStart ? '' : c;
        continue;
      }
      if (c === '{') {
        const m = /^(\d*)(,?)(\d*)\}/.exec(pattern.slice(i));
        // GNU reads a `{` that does not start a valid interval as itself.
        if (m === null || (m[1] === '' && m[3] === '' )) {
          out += '\\{';
          atStart = false;
          continue;
        }
        out += atStart ? escapeJs(`{${m[0]}`) : `{${m[1] === '' ? '0' : m[1]}${m[2]}${m[3]}}`;
        i += m[0].length;
        continue;
      }
    }
    out += escapeJs(c);
    atStart = false;
  }
  if (depth > 0) return { error: 'Unmatched ( or \\(' };
  // grep -w: RE2 has no look-behind, so word edges are \b (the same for words that start and
  // end with word characters, which is what -w is used for).
  if (opts.whole === 'word') out = `\\b(?:${out})\\b`;
  else if (opts.whole === 'line') out = `^(?:${out})$`;
  try {
    return { re: new RegExp(out, opts.ignoreCase ? 'gi' : 'g'), linear: RE2JS.compile(out, opts.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0) };
  } catch {
    return { error: 'Invalid regular expression' };
  }
}

function escapeJs(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

/** A bracket expression `[...]` starting at `start`: its JavaScript form and where it ends. */
function bracket(p: string, start: number): { js: string; end: number } | 'class' | null {
  let i = start + 1;
  let js = '[';
  if (p[i] === '^') {
    js += '^';
    i++;
  }
  let first = true;
  for (;;) {
    if (i >= p.length) return null;
    const c = p[i]!;
    if (c === ']' && !first) return { js: js + ']', end: i + 1 };
    first = false;
    if (c === '[' && p[i + 1] === ':') {
      const close = p.indexOf(':]', i + 2);
      if (close < 0) return null;
      const name = p.slice(i + 2, close);
      const cls = CLASSES[name];
      if (cls === undefined) return 'class';
      js += cls;
      i = close + 2;
      continue;
    }
    js += c === '\\' || c === ']' || c === '[' || c === '^' ? `\\${c}` : c;
    i++;
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
