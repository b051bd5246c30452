// Go's fmt for the values templates handle (decoded JSON: strings, numbers, booleans, lists, maps,
// nil): %v as fmt prints interface values, Sprint/Sprintln spacing, and Sprintf's common verbs
// with their flags, width and precision, and its error forms (%!d(string=x), %!d(MISSING),
// %!(EXTRA …)). Numbers that are integers print as Go ints: the structs docker formats hold ints.
import { goValue } from './typed.js';

/** The Go type fmt names in its error forms. */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (Array.isArray(v)) return v.every((e) => typeof e === 'string') && v.length > 0 ? '[]string' : '[]interface {}';
  return 'map[string]interface {}';
}

/** fmt.Sprint: operands separated by a space when neither side is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += goValue(a);
  }
  return out;
}

export function sprintln(args: readonly unknown[]): string {
  return `${args.map(goValue).join(' ')}\n`;
}

/** strconv.Quote, for the ASCII range (other characters as they are). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function pad(s: string, width: number | null, minus: boolean, zero: boolean): string {
  if (width === null || s.length >= width) return s;
  if (minus) return s + ' '.repeat(width - s.length);
  if (zero) {
    const sign = /^[+-]/.test(s) ? s[0]! : '';
    return sign + '0'.repeat(width - s.length) + s.slice(sign.length);
  }
  return ' '.repeat(width - s.length) + s;
}

function bad(verb: string, v: unknown): string {
  return v === null || v === undefined ? `%!${verb}(<nil>)` : `%!${verb}(${goTypeName(v)}=${goValue(v)})`;
}

/** %g of a float64 as Go prints it (shortest representation; exponent form from 1e21 up). */
export function goFloat(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const s = String(n);
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

function formatOne(verb: string, v: unknown, flags: string, width: number | null, prec: number | null): string {
  const minus = flags.includes('-');
  const zero = flags.includes('0') && !minus;
  const plus = flags.includes('+');
  const space = flags.includes(' ');
  const sign = (n: number, s: string): string => (n >= 0 ? (plus ? '+' : space ? ' ' : '') : '') + s;
  let s: string;
  switch (verb) {
    case 'v':
      s = typeof v === 'number' && !Number.isInteger(v) ? goFloat(v) : goValue(v);
      if (plus && typeof v === 'number') s = sign(v, s);
      break;
    case 's':
      if (typeof v === 'string') s = prec === null ? v : v.slice(0, prec);
      else if (Array.isArray(v) && v.every((e) => typeof e === 'string')) s = goValue(v);
      else return bad(verb, v);
      break;
    case 'q':
      if (typeof v !== 'string') return bad(verb, v);
      s = goQuote(v);
      break;
    case 'd':
      if (typeof v !== 'number' || !Number.isInteger(v)) return bad(verb, v);
      s = sign(v, String(v));
      break;
    case 'x': case 'X': {
      let h: string;
      if (typeof v === 'string') h = Buffer.from(v).toString('hex');
      else if (typeof v === 'number' && Number.isInteger(v)) h = (v < 0 ? '-' : '') + Math.abs(v).toString(16);
      else return bad(verb, v);
      if (flags.includes('#')) h = `0x${h}`;
      s = verb === 'X' ? h.toUpperCase() : h;
      break;
    }
    case 'o':
      if (typeof v !== 'number' || !Number.isInteger(v)) return bad(verb, v);
      s = v.toString(8);
      break;
    case 'b':
      if (typeof v !== 'number' || !Number.isInteger(v)) return bad(verb, v);
      s = v.toString(2);
      break;
    case 'c':
      if (typeof v !== 'number' || !Number.isInteger(v)) return bad(verb, v);
      s = String.fromCodePoint(v);
      break;
    case 't':
      if (typeof v !== 'boolean') return bad(verb, v);
      s = String(v);
      break;
    case 'f': case 'F': case 'e': case 'g':
      // An int operand of a float verb is an error in Go.
      if (typeof v !== 'number' || Number.isInteger(v)) return bad(verb, v);
      s = verb === 'e' ? v.toExponential(prec ?? 6).replace(/e([+-])(\d)$/, 'e$10$2') : verb === 'g' ? goFloat(v) : v.toFixed(prec ?? 6);
      s = sign(v, s);
      break;
    default:
      return `%!${verb}(${goTypeName(v)}=${goValue(v)})`;
  }
  return pad(s, width, minus, zero);
}

/** fmt.Sprintf. */
export function sprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let argi = 0;
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    let j = i + 1;
    let flags = '';
    while (j < format.length && '-+# 0'.includes(format[j]!)) flags += format[j++];
    let width: number | null = null;
    if (format[j] === '*') {
      const w = args[argi++];
      width = typeof w === 'number' ? w : null;
      j++;
    } else {
      const m = /^\d+/.exec(format.slice(j));
      if (m !== null) {
        width = Number(m[0]);
        j += m[0].length;
      }
    }
    let prec: number | null = null;
    if (format[j] === '.') {
      j++;
      const m = /^\d+/.exec(format.slice(j));
      prec = m === null ? 0 : Number(m[0]);
      j += m === null ? 0 : m[0].length;
    }
    const verb = format[j];
    i = j;
    if (verb === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatOne(verb, args[argi++], flags, width, prec);
  }
  if (argi < args.length) out += `%!(EXTRA ${args.slice(argi).map((a) => (a === null || a === undefined ? '<nil>' : `${goTypeName(a)}=${goValue(a)}`)).join(', ')})`;
  return out;
}
