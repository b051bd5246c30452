// The coreutils text filters scenarios pipe into: head, tail, sort, uniq, cut, tr, as GNU prints
// them (sorting in byte order, as in the C locale of the images).
import type { Ctx, Program } from '../program.js';
import { eachInput, getopt, linesOf, printLines, readInputs } from './input.js';

/** `-5` is `-n 5` for head and tail (the historical form). */
function countArg(argv: string[]): string[] {
  return argv.map((a, i) => (i > 0 && /^-\d+$/.test(a) ? `-n${a.slice(1)}` : a));
}

function tryHelp(ctx: Ctx, tool: string, msg: string): void {
  ctx.err.write(`${tool}: ${msg}\nTry '${tool} --help' for more information.\n`);
}

function headTail(tool: 'head' | 'tail'): Program {
  return (ctx, argv, exit) => {
    const { opts, args, bad } = getopt(countArg(argv), 'nc');
    if (bad !== null) {
      tryHelp(ctx, tool, bad);
      return exit(1);
    }
    let n = 10;
    let fromStart = false;
    let follow = false;
    for (const [o, v] of opts) {
      if (o === 'n') {
        fromStart = tool === 'tail' && v.startsWith('+');
        const num = Number(v.replace(/^[+-]/, ''));
        if (!/^[+-]?\d+$/.test(v)) {
          ctx.err.write(`${tool}: invalid number of lines: ‘${v}’\n`);
          return exit(1);
        }
        n = num;
      } else if (o === 'f' && tool === 'tail') follow = true;
      else if (o !== 'q' && o !== 'v') {
        tryHelp(ctx, tool, `invalid option -- '${o}'`);
        return exit(1);
      }
    }
    const failed = eachInput(ctx, args, (name) => `${tool}: cannot open '${name}' for reading: No such file or directory`, (inp, i) => {
      if (args.length > 1) ctx.term.write(`${i > 0 ? '\n' : ''}==> ${inp.name === '-' ? 'standard input' : inp.name} <==\n`);
      const lines = linesOf(inp.text);
      const partial = inp.text !== '' && !inp.text.endsWith('\n');
      const pick = tool === 'head' ? lines.slice(0, n) : fromStart ? lines.slice(Math.max(0, n - 1)) : n === 0 ? [] : lines.slice(-n);
      const text = pick.join('\n') + (pick.length === 0 ? '' : partial && pick[pick.length - 1] === lines[lines.length - 1] && (tool === 'tail' || pick.length === lines.length) ? '' : '\n');
      ctx.term.write(text);
    });
    // tail -f waits for more lines until it is interrupted.
    if (follow && !failed) return;
    exit(failed ? 1 : 0);
  };
}

export const head = headTail('head');
export const tail = headTail('tail');

export const sort: Program = (ctx, argv, exit) => {
  const { opts, args, bad } = getopt(argv, 'ktTo');
  if (bad !== null) {
    tryHelp(ctx, 'sort', bad);
    return exit(2);
  }
  const f = new Set(opts.map(([o]) => o));
  const key = opts.find(([o]) => o === 'k')?.[1];
  const sep = opts.find(([o]) => o === 't')?.[1];
  const { inputs, failed } = readInputs(ctx, args, (n) => `sort: cannot read: ${n}: No such file or directory`);
  if (failed) return exit(2);
  const lines = inputs.flatMap((i) => linesOf(i.text));
  const field = (l: string): string => {
    if (key === undefined) return l;
    const k = Number(/^\d+/.exec(key)?.[0] ?? 1);
    if (sep !== undefined) return l.split(sep).slice(k - 1).join(sep);
    // Without -t, a field is its leading blanks and the word after them.
    const parts = l.match(/\s*\S+/g) ?? [];
    return parts.slice(k - 1).join('');
  };
  const num = (s: string): number => {
    const m = /^\s*(-?\d+(?:\.\d+)?)/.exec(s);
    return m === null ? 0 : Number(m[1]);
  };
  const byte = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const cmp = (a: string, b: string): number => {
    const fa = field(a);
    const fb = field(b);
    const c = f.has('n') ? num(fa) - num(fb) || byte(a, b) : byte(fa, fb) || byte(a, b);
    return f.has('r') ? -c : c;
  };
  let out = [...lines].sort(cmp);
  if (f.has('u')) out = out.filter((l, i) => i === 0 || cmp(out[i - 1]!, l) !== 0);
  printLines(ctx, out);
  exit(0);
};

export const uniq: Program = (ctx, argv, exit) => {
  const { opts, args, bad } = getopt(argv, 'fsw');
  if (bad !== null) {
    tryHelp(ctx, 'uniq', bad);
    return exit(1);
  }
  const f = new Set(opts.map(([o]) => o));
  const { inputs, failed } = readInputs(ctx, args.slice(0, 1), (n) => `uniq: ${n}: No such file or directory`);
  if (failed) return exit(1);
  const lines = linesOf(inputs[0]!.text);
  const same = (a: string, b: string): boolean => (f.has('i') ? a.toLowerCase() === b.toLowerCase() : a === b);
  const out: string[] = [];
  for (let i = 0; i < lines.length; ) {
    let j = i + 1;
    while (j < lines.length && same(lines[j]!, lines[i]!)) j++;
    const n = j - i;
    if (!(f.has('d') && n === 1) && !(f.has('u') && n > 1)) out.push(f.has('c') ? `${String(n).padStart(7)} ${lines[i]}` : lines[i]!);
    i = j;
  }
  printLines(ctx, out);
  exit(0);
};

/** A cut LIST (`1,3-5,7-`) as a test on 1-based positions. */
function cutList(list: string): ((n: number) => boolean) | null {
  const ranges: Array<[number, number]> = [];
  for (const piece of list.split(',')) {
    const m = /^(\d*)(-?)(\d*)$/.exec(piece);
    if (m === null || (m[1] === '' && m[3] === '') || m[1] === '0') return null;
    const lo = m[1] === '' ? 1 : Number(m[1]);
    const hi = m[2] === '' ? lo : m[3] === '' ? Infinity : Number(m[3]);
    ranges.push([lo, hi]);
  }
  return (n) => ranges.some(([lo, hi]) => n >= lo && n <= hi);
}

export const cut: Program = (ctx, argv, exit) => {
  const { opts, args, bad } = getopt(argv, 'dfcb');
  if (bad !== null) {
    tryHelp(ctx, 'cut', bad);
    return exit(1);
  }
  const get = (o: string): string | undefined => opts.find(([k]) => k === o)?.[1];
  const fields = get('f');
  const chars = get('c') ?? get('b');
  const delim = get('d') ?? '\t';
  const onlyDelimited = opts.some(([o]) => o === 's');
  if (fields === undefined && chars === undefined) {
    tryHelp(ctx, 'cut', 'you must specify a list of bytes, characters, or fields');
    return exit(1);
  }
  if (delim.length !== 1) {
    tryHelp(ctx, 'cut', 'the delimiter must be a single character');
    return exit(1);
  }
  const pick = cutList((fields ?? chars)!);
  if (pick === null) {
    tryHelp(ctx, 'cut', fields !== undefined ? 'invalid field range' : 'invalid byte or character range');
    return exit(1);
  }
  const failed = eachInput(ctx, args, (n) => `cut: ${n}: No such file or directory`, (inp) => {
    const out: string[] = [];
    for (const line of linesOf(inp.text)) {
      if (fields === undefined) {
        out.push([...line].filter((_, i) => pick(i + 1)).join(''));
      } else if (!line.includes(delim)) {
        if (!onlyDelimited) out.push(line);
      } else out.push(line.split(delim).filter((_, i) => pick(i + 1)).join(delim));
    }
    printLines(ctx, out);
  });
  exit(failed ? 1 : 0);
};

const TR_CLASSES: Record<string, string> = {
  lower: 'abcdefghijklmnopqrstuvwxyz', upper: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', digit: '0123456789', space: ' \t\n\r\f\v', blank: ' \t',
  alpha: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', alnum: '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
};

/** A tr SET: ranges `a-z`, classes `[:upper:]`, escapes `\n`. */
function trSet(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const cls = /^\[:([a-z]+):\]/.exec(s.slice(i));
    if (cls !== null && TR_CLASSES[cls[1]!] !== undefined) {
      out += TR_CLASSES[cls[1]!];
      i += cls[0].length - 1;
      continue;
    }
    let c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      const e = s[++i]!;
      c = e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
    }
    if (s[i + 1] === '-' && i + 2 < s.length) {
      const end = s[i + 2]!;
      for (let code = c.charCodeAt(0); code <= end.charCodeAt(0); code++) out += String.fromCharCode(code);
      i += 2;
    } else out += c;
  }
  return out;
}

export const tr: Program = (ctx, argv, exit) => {
  const { opts, args } = getopt(argv, '');
  const f = new Set(opts.map(([o]) => o));
  const need = f.has('d') && !f.has('s') ? 1 : f.has('s') && !f.has('d') ? 1 : 2;
  if (args.length < need) {
    tryHelp(ctx, 'tr', args.length === 0 ? 'missing operand' : `missing operand after ‘${args[args.length - 1]}’`);
    return exit(1);
  }
  const set1 = trSet(args[0]!);
  let set2 = args[1] === undefined ? '' : trSet(args[1]);
  if (set2.length > 0 && set2.length < set1.length) set2 = set2.padEnd(set1.length, set2[set2.length - 1]);
  let out = '';
  let last = '';
  for (const c of ctx.stdin) {
    if (f.has('d') && set1.includes(c)) continue;
    let d = c;
    if (!f.has('d') && set2 !== '') {
      const i = set1.indexOf(c);
      if (i >= 0) d = set2[i]!;
    }
    const squeezeSet = f.has('d') || set2 !== '' ? (set2 !== '' ? set2 : set1) : set1;
    if (f.has('s') && d === last && squeezeSet.includes(d)) continue;
    out += d;
    last = d;
  }
  ctx.term.write(out);
  exit(0);
};
