// awk for the one-liners scenarios pipe into: rules `[pattern] { print expr, … }` where a pattern
// is BEGIN, END, /regex/, !/regex/ or a comparison (NR==2, $1=="x"), and an expression is a field
// ($1, $NF, $0), NR, NF, a string or a number, concatenated by juxtaposition; -F sets the field
// separator. Anything else is refused with a message rather than run wrongly.
import type { Program } from '../program.js';
import { compilePosix, matches, splitOn } from '../regex.js';
import { linesOf, readInputs } from './input.js';

type Tok = { t: 'str' | 'num' | 're' | 'id' | 'op'; v: string };
type Expr = Array<{ k: 'field'; of: Tok } | { k: 'val'; tok: Tok }>;
interface Rule {
  when: 'BEGIN' | 'END' | 'line';
  test: ((fields: string[], nr: number, line: string) => boolean) | null;
  /** null: print $0. */
  prints: Array<Expr[] | null>;
}

class Unsupported extends Error {}

function lex(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let prev: Tok | undefined;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    let tok: Tok;
    if (c === '"') {
      let j = i + 1;
      let v = '';
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\\' && j + 1 < src.length) {
          const e = src[++j]!;
          v += e === 'n' ? '\n' : e === 't' ? '\t' : e;
        } else v += src[j];
        j++;
      }
      if (j >= src.length) throw new Unsupported('unterminated string');
      tok = { t: 'str', v };
      i = j + 1;
    } else if (c === '/' && (prev === undefined || prev.t === 'op' && prev.v !== ')')) {
      const j = src.indexOf('/', i + 1);
      if (j < 0) throw new Unsupported('unterminated regexp');
      tok = { t: 're', v: src.slice(i + 1, j) };
      i = j + 1;
    } else if (/\d/.test(c)) {
      const m = /^\d+(\.\d+)?/.exec(src.slice(i))!;
      tok = { t: 'num', v: m[0] };
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      tok = { t: 'id', v: m[0] };
      i += m[0].length;
    } else {
      const m = /^(==|!=|<=|>=|&&|\|\||[{}();,$<>!+-])/.exec(src.slice(i));
      if (m === null) throw new Unsupported(`unexpected character '${c}'`);
      tok = { t: 'op', v: m[0] };
      i += m[0].length;
    }
    toks.push(tok);
    prev = tok;
  }
  return toks;
}

function parseProgram(src: string): Rule[] {
  const toks = lex(src);
  let i = 0;
  const peek = (): Tok | undefined => toks[i];
  const isOp = (v: string): boolean => peek()?.t === 'op' && peek()!.v === v;
  const term = (): Expr[number] | null => {
    const t = peek();
    if (t === undefined) return null;
    if (t.t === 'op' && t.v === '$') {
      i++;
      const of = toks[i++];
      if (of === undefined || (of.t !== 'num' && !(of.t === 'id' && (of.v === 'NF' || of.v === 'NR')))) throw new Unsupported('a field must be $N or $NF');
      return { k: 'field', of };
    }
    if (t.t === 'str' || t.t === 'num' || (t.t === 'id' && (t.v === 'NR' || t.v === 'NF'))) {
      i++;
      return { k: 'val', tok: t };
    }
    return null;
  };
  const expr = (): Expr => {
    const e: Expr = [];
    for (let x = term(); x !== null; x = term()) e.push(x);
    if (e.length === 0) throw new Unsupported('an expression was expected');
    return e;
  };
  const rules: Rule[] = [];
  while (i < toks.length) {
    let when: Rule['when'] = 'line';
    let test: Rule['test'] = null;
    const t = peek()!;
    if (t.t === 'id' && (t.v === 'BEGIN' || t.v === 'END')) {
      when = t.v;
      i++;
    } else if (t.t === 're' || (t.t === 'op' && t.v === '!' && toks[i + 1]?.t === 're')) {
      const neg = t.t === 'op';
      if (neg) i++;
      const c = compilePosix(toks[i++]!.v, { extended: true });
      if ('error' in c) throw new Unsupported(c.error);
      test = (_f, _nr, line) => matches(c, line) !== neg;
    } else if (!(t.t === 'op' && t.v === '{')) {
      const left = expr();
      const op = peek();
      if (op === undefined || op.t !== 'op' || !['==', '!=', '<', '>', '<=', '>='].includes(op.v)) throw new Unsupported('a pattern must be BEGIN, END, /regex/ or a comparison');
      i++;
      const right = expr();
      test = (fields, nr) => compare(evalExpr(left, fields, nr), op.v, evalExpr(right, fields, nr));
    }
    const prints: Rule['prints'] = [];
    if (isOp('{')) {
      i++;
      while (!isOp('}')) {
        const s = toks[i];
        if (s === undefined) throw new Unsupported('missing } near end of file');
        if (s.t === 'op' && s.v === ';') {
          i++;
          continue;
        }
        if (s.t !== 'id' || s.v !== 'print') throw new Unsupported(`only print is modelled, not "${s.v}"`);
        i++;
        if (isOp('}') || isOp(';')) {
          prints.push(null);
          continue;
        }
        const list: Expr[] = [expr()];
        while (isOp(',')) {
          i++;
          list.push(expr());
        }
        prints.push(list);
      }
      i++;
    } else prints.push(null);
    rules.push({ when, test, prints });
  }
  return rules;
}

function value(tok: Tok, fields: string[], nr: number): string {
  if (tok.t === 'id') return tok.v === 'NR' ? String(nr) : String(fields.length - 1);
  return tok.v;
}

function evalExpr(e: Expr, fields: string[], nr: number): string {
  return e.map((x) => {
    if (x.k === 'val') return value(x.tok, fields, nr);
    const n = Number(value(x.of, fields, nr));
    return fields[n] ?? '';
  }).join('');
}

function compare(a: string, op: string, b: string): boolean {
  const numeric = /^-?\d+(\.\d+)?$/.test(a) && /^-?\d+(\.\d+)?$/.test(b);
  const x: string | number = numeric ? Number(a) : a;
  const y: string | number = numeric ? Number(b) : b;
  return op === '==' ? x === y : op === '!=' ? x !== y : op === '<' ? x < y : op === '>' ? x > y : op === '<=' ? x <= y : x >= y;
}

export const awk: Program = (ctx, argv, exit) => {
  let fs: string | null = null;
  let i = 1;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-F') fs = argv[++i] ?? '';
    else if (a.startsWith('-F')) fs = a.slice(2);
    else if (a === '--') {
      i++;
      break;
    } else break;
  }
  const src = argv[i];
  if (src === undefined) {
    ctx.err.write('Usage: awk [POSIX or GNU style options] -f progfile [--] file ...\nUsage: awk [POSIX or GNU style options] [--] \'program\' file ...\n');
    return exit(2);
  }
  let rules: Rule[];
  try {
    rules = parseProgram(src);
  } catch (e) {
    if (!(e instanceof Unsupported)) throw e;
    ctx.err.write(`awk: cmd. line:1: ${src}\nawk: cmd. line:1: ${e.message} (swarmsim models print programs: [pattern] { print expr, ... })\n`);
    return exit(2);
  }
  if (fs === '\\t' || fs === 't') fs = '\t';
  let split: (line: string) => string[];
  if (fs === null || fs === ' ') split = (l) => l.split(/[ \t\n]+/).filter((w) => w !== '');
  else if (fs.length === 1) split = (l) => (l === '' ? [] : l.split(fs!));
  else {
    const c = compilePosix(fs, { extended: true });
    if ('error' in c) {
      ctx.err.write(`awk: fatal: ${c.error}\n`);
      return exit(2);
    }
    split = (l) => (l === '' ? [] : splitOn(c, l));
  }
  const { inputs, failed } = readInputs(ctx, argv.slice(i + 1), (n) => `awk: fatal: cannot open file \`${n}' for reading (No such file or directory)`);
  if (failed) return exit(2);
  const run = (rule: Rule, fields: string[], nr: number): void => {
    for (const p of rule.prints) ctx.term.write((p === null ? fields[0]! : p.map((e) => evalExpr(e, fields, nr)).join(' ')) + '\n');
  };
  for (const r of rules) if (r.when === 'BEGIN') run(r, [''], 0);
  let nr = 0;
  let last = [''];
  for (const inp of inputs) {
    for (const line of linesOf(inp.text)) {
      nr++;
      const fields = [line, ...split(line)];
      last = fields;
      for (const r of rules) if (r.when === 'line' && (r.test === null || r.test(fields, nr, line))) run(r, fields, nr);
    }
  }
  for (const r of rules) if (r.when === 'END') run(r, last, nr);
  exit(0);
};
