// Brace expansion, bash's first expansion (bash(1) "Brace Expansion"): `{1..5}`, `{a,b}x`,
// `{01..10..3}`, nested and side by side, on a command's words and a `for` list, before
// parameter expansion and globbing. Only unquoted literal text takes part: quoted text, `$x`,
// `$(…)`, `$((…))` and `~` ride along unchanged (each stands in the pattern as one private-use
// character), so `"{a,b}"` and `${x}` stay as they are and `{$a,b}` gives `$a` and `b`. The
// patterns themselves are expanded by the `braces` package (micromatch's), whose expand() follows
// bash on lists, sequences, steps, zero padding and unmatched braces (`{a}`, `x{}y`, `{1..3`
// stay literal). Words whose expansion is empty vanish, as in bash (`echo a {,} b` prints `a b`).
import braces from 'braces';
import type { Part, Word } from './syntax.js';

/** The most words one word may expand to (bash has no limit; a hostile `{1..9999999}` would
 *  fill the memory), and the longest word expanded (the `braces` package's maxLength). */
export const BRACE_WORDS_MAX = 65536;

const PLACEHOLDER = 0xe000;
/** A `{` and `}` bash leaves as they are but the package would expand: `{1..a}` (bash wants both
 *  ends numbers or both letters); hidden from it as these two characters, then put back. */
const KEEP_OPEN = '\uf000';
const KEEP_CLOSE = '\uf001';
const MIXED_SEQUENCE = /\{((?:-?\d+\.\.[A-Za-z]|[A-Za-z]\.\.-?\d+)(?:\.\.-?\d+)?)\}/g;
/** Parts of a word beyond this many cannot be told apart by a placeholder: left unexpanded. */
const PLACEHOLDERS_MAX = 0x1000;

export interface Braced {
  readonly words: readonly Word[];
  /** The first word left as it was for passing a limit (BRACE_WORDS_MAX), or null. */
  readonly tooMany: string | null;
}

const cache = new WeakMap<readonly Word[], Braced>();

/** The word list after brace expansion; the same array when nothing in it expands. A parse is
 *  kept and never modified (interp.ts runString), so each list is looked at once. */
export function braceExpand(words: readonly Word[]): Braced {
  let b = cache.get(words);
  if (b === undefined) {
    b = expandList(words);
    cache.set(words, b);
  }
  return b;
}

function expandList(words: readonly Word[]): Braced {
  if (!words.some(mayExpand)) return { words, tooMany: null };
  const out: Word[] = [];
  let tooMany: string | null = null;
  for (const w of words) {
    if (!mayExpand(w)) {
      out.push(w);
      continue;
    }
    const r = expandWord(w);
    if (r === null) {
      tooMany ??= w.map((p) => (p.k === 'lit' ? p.s : '…')).join('');
      out.push(w);
    } else out.push(...r);
  }
  return { words: out, tooMany };
}

function mayExpand(w: Word): boolean {
  if (w.length > PLACEHOLDERS_MAX) return false;
  let brace = false;
  for (const p of w) {
    if (p.k !== 'lit' || p.quoted) continue;
    if (p.s.includes('{')) brace = true;
    // Text that holds a placeholder character itself could not be told apart: left alone.
    for (let i = 0; i < p.s.length; i++) {
      const c = p.s.charCodeAt(i);
      if ((c >= PLACEHOLDER && c < PLACEHOLDER + PLACEHOLDERS_MAX) || c === 0xf000 || c === 0xf001) return false;
    }
  }
  return brace;
}

/** One word's expansions, or null past a limit. */
function expandWord(w: Word): Word[] | null {
  let pattern = '';
  for (let i = 0; i < w.length; i++) {
    const p = w[i]!;
    pattern += p.k === 'lit' && !p.quoted ? p.s : String.fromCharCode(PLACEHOLDER + i);
  }
  pattern = pattern.replace(MIXED_SEQUENCE, `${KEEP_OPEN}$1${KEEP_CLOSE}`);
  if (pattern.length > BRACE_WORDS_MAX || upperBound(pattern) > BRACE_WORDS_MAX) return null;
  let texts: string[];
  try {
    texts = braces(pattern, { expand: true, rangeLimit: BRACE_WORDS_MAX, maxLength: BRACE_WORDS_MAX, keepQuotes: true });
  } catch {
    return null; // a range past rangeLimit (RangeError)
  }
  if (texts.length > BRACE_WORDS_MAX) return null;
  if (texts.length === 1 && texts[0] === pattern) return [w];
  const words: Word[] = [];
  for (const t of texts) {
    const parts = decode(t, w);
    if (parts.length > 0) words.push(parts);
  }
  return words;
}

/**
 * At least as many words as the pattern can make: the product over its brace groups of each
 * one's alternatives (commas + 1) or sequence length (`{1..60000}`). The package checks one range
 * against rangeLimit, not the product of several (`{1..60000}{1..60000}`: 3.6 billion words).
 */
function upperBound(pattern: string): number {
  let bound = 1;
  const open: Array<{ at: number; commas: number }> = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '{') open.push({ at: i, commas: 0 });
    else if (c === ',' && open.length > 0) open[open.length - 1]!.commas++;
    else if (c === '}' && open.length > 0) {
      const g = open.pop()!;
      const n = g.commas > 0 ? g.commas + 1 : sequenceLength(pattern.slice(g.at + 1, i));
      bound *= n;
      if (bound > BRACE_WORDS_MAX) return bound;
    }
  }
  return bound;
}

/** How many words `x..y[..step]` makes (numbers or single letters); 1 when it is not one. */
function sequenceLength(body: string): number {
  const m = /^(-?\d+|[A-Za-z])\.\.(-?\d+|[A-Za-z])(?:\.\.(-?\d+))?$/.exec(body);
  if (m === null) return 1;
  const num = (t: string): number => (/^-?\d+$/.test(t) ? Number(t) : t.charCodeAt(0));
  const step = Math.max(1, Math.abs(m[3] === undefined ? 1 : Number(m[3])));
  return Math.floor(Math.abs(num(m[2]!) - num(m[1]!)) / step) + 1;
}

/** An expansion's text back into parts: runs of text as unquoted literals, placeholders as the
 *  parts they stood for. */
function decode(text: string, w: Word): Part[] {
  const parts: Part[] = [];
  let lit = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const idx = c - PLACEHOLDER;
    if (idx >= 0 && idx < w.length) {
      if (lit !== '') parts.push({ k: 'lit', s: lit, quoted: false });
      lit = '';
      parts.push(w[idx]!);
    } else lit += c === 0xf000 ? '{' : c === 0xf001 ? '}' : text[i];
  }
  if (lit !== '') parts.push({ k: 'lit', s: lit, quoted: false });
  return parts;
}
