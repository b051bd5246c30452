// The parse tree of Go's text/template (text/template/parse: lex.go, parse.go, node.go) for the
// part docker's --format and -f templates use: text, actions with pipelines (commands joined by
// `|`, variable declarations and assignments), parenthesized pipelines with a field chain after
// them, if/else if/else, range (with $i, $e :=), with, comments, and the `{{-`/`-}}` trim markers.
// Not modelled: define/template/block (docker never names a second template), break/continue.
// Errors carry Go's words (`template: :LINE: …`).

/** A template that does not parse or execute; the message is Go's (`template: :1: …`). */
export class TemplateError extends Error {}

type Term =
  | { readonly kind: 'dot' }
  | { readonly kind: 'field'; readonly chain: readonly string[] }
  | { readonly kind: 'var'; readonly name: string; readonly chain: readonly string[] }
  | { readonly kind: 'ident'; readonly name: string }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number; readonly text: string }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'nil' }
  | { readonly kind: 'pipe'; readonly pipe: Pipe; readonly chain: readonly string[] };

/** One operand, with its source text and the offset Go's errors name it at (parse.go: a field
 *  chain `.A.B.C` is positioned at its second element, a chain after a term at its first field). */
export type Arg = Term & { readonly pos: number; readonly src: string };

export interface Cmd {
  readonly args: readonly Arg[];
  readonly pos: number;
  /** Go's CommandNode.String(): the operands joined by a space. */
  readonly src: string;
}

export interface Pipe {
  /** `$x := …` declares, `$x = …` assigns (Go 1.11). */
  readonly decl: readonly string[];
  readonly assign: boolean;
  readonly cmds: readonly Cmd[];
  readonly pos: number;
}

export type Node =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'action'; readonly pipe: Pipe; readonly pos: number }
  | Control;

export interface Control {
  readonly kind: 'if' | 'range' | 'with';
  readonly pipe: Pipe;
  readonly list: Node[];
  readonly elseList: Node[] | null;
  readonly pos: number;
}

/** The functions a template may call (text/template builtins and docker/cli's templates.go). */
export const FUNCS = new Set([
  'and', 'call', 'html', 'index', 'slice', 'js', 'len', 'not', 'or', 'print', 'printf', 'println', 'urlquery',
  'eq', 'ge', 'gt', 'le', 'lt', 'ne', 'json', 'split', 'join', 'title', 'lower', 'upper', 'pad', 'truncate',
]);

type Tok =
  | { t: 'field'; v: string; pos: number }
  | { t: 'var'; v: string; pos: number }
  | { t: 'ident'; v: string; pos: number }
  | { t: 'string'; v: string; pos: number }
  | { t: 'number'; v: number; text: string; pos: number }
  | { t: 'char'; v: number; pos: number }
  | { t: '(' | ')' | '|' | ':=' | '=' | ',' | 'dot' | 'space'; pos: number };

const SPACE = /[ \t\r\n]/;

/** Parses `src` into its node list (the template's root). */
export function parseTemplate(src: string): Node[] {
  return new Parser(src).parse();
}

class Parser {
  private i = 0;
  /** The variables in scope ($ always), for "undefined variable". */
  private vars: string[] = ['$'];

  constructor(private readonly src: string) {}

  private line(pos: number): number {
    let n = 1;
    for (let k = 0; k < pos && k < this.src.length; k++) if (this.src.charCodeAt(k) === 10) n++;
    return n;
  }

  private fail(pos: number, msg: string): never {
    throw new TemplateError(`template: :${this.line(pos)}: ${msg}`);
  }

  parse(): Node[] {
    const { list, end } = this.list();
    if (end !== null) this.fail(end.pos, `unexpected {{${end.word}}}`);
    return list;
  }

  /** Nodes up to an `end`/`else` action (returned) or the end of the text (null). */
  private list(): { list: Node[]; end: { word: 'end' | 'else'; pos: number; rest: Tok[] } | null } {
    const out: Node[] = [];
    for (;;) {
      const open = this.src.indexOf('{{', this.i);
      let text = this.src.slice(this.i, open < 0 ? undefined : open);
      const trimLeft = open >= 0 && /^\{\{-[ \t\r\n]/.test(this.src.slice(open, open + 4));
      if (this.trimNext) text = text.replace(/^[ \t\r\n]+/, '');
      this.trimNext = false;
      if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
      if (text !== '') out.push({ kind: 'text', text });
      if (open < 0) {
        this.i = this.src.length;
        return { list: out, end: null };
      }
      const bodyStart = open + (trimLeft ? 3 : 2);
      const close = this.findClose(bodyStart, open);
      const trimRight = close > bodyStart && this.src[close - 1] === '-' && SPACE.test(this.src[close - 2] ?? '');
      const bodyEnd = trimRight ? close - 1 : close;
      this.i = close + 2;
      // A `-}}` trims the text after it, whichever list reads that text.
      this.trimNext = trimRight;
      const body = this.src.slice(bodyStart, bodyEnd);
      if (/^\s*\/\*/.test(body)) {
        if (!/\*\/\s*$/.test(body)) this.fail(open, 'unclosed comment');
        continue;
      }
      const toks = this.lex(bodyStart, bodyEnd);
      const words = toks.filter((t) => t.t !== 'space');
      const first = words[0];
      if (first === undefined) this.fail(open, 'missing value for command');
      if (first.t === 'ident' && (first.v === 'end' || first.v === 'else')) {
        return { list: out, end: { word: first.v, pos: open, rest: words.slice(1) } };
      }
      if (first.t === 'ident' && (first.v === 'if' || first.v === 'range' || first.v === 'with')) {
        out.push(this.control(first.v, words.slice(1), first.pos, open));
        continue;
      }
      if (first.t === 'ident' && (first.v === 'define' || first.v === 'template' || first.v === 'block' || first.v === 'break' || first.v === 'continue')) {
        this.fail(open, `swarmsim: {{${first.v}}} is not supported in docker format templates here`);
      }
      out.push({ kind: 'action', pipe: this.pipeline(words, open, 'command'), pos: first.pos });
    }
  }

  private trimNext = false;

  private findClose(from: number, open: number): number {
    // Quoted strings inside an action may hold "}}".
    let k = from;
    while (k < this.src.length) {
      const c = this.src[k]!;
      if (c === '"' || c === '`' || c === "'") {
        const q = c;
        k++;
        while (k < this.src.length && this.src[k] !== q) {
          if (this.src[k] === '\n' && q !== '`') this.fail(open, 'unterminated quoted string');
          k += this.src[k] === '\\' && q !== '`' ? 2 : 1;
        }
        if (k >= this.src.length) this.fail(open, q === '`' ? 'unterminated raw quoted string' : 'unterminated quoted string');
        k++;
        continue;
      }
      if (c === '}' && this.src[k + 1] === '}') return k;
      if (c === '/' && this.src[k + 1] === '*') {
        const e = this.src.indexOf('*/', k + 2);
        if (e < 0) this.fail(open, 'unclosed comment');
        k = e + 2;
        continue;
      }
      k++;
    }
    return this.fail(open, 'unclosed action');
  }

  private control(word: 'if' | 'range' | 'with', words: Tok[], pos: number, open: number): Node {
    const saved = this.vars.length;
    const pipe = this.pipeline(words, open, word);
    const { list, end } = this.list();
    if (end === null) this.fail(this.src.length, 'unexpected EOF');
    let elseList: Node[] | null = null;
    if (end.word === 'else') {
      const rest = end.rest;
      if (rest.length > 0 && rest[0]!.t === 'ident' && rest[0]!.v === 'if' && word === 'if') {
        // {{else if …}}: a nested if that shares this one's {{end}}.
        elseList = [this.control('if', rest.slice(1), rest[0]!.pos, end.pos)];
      } else {
        if (rest.length > 0) this.fail(end.pos, `unexpected ${describe(rest[0]!)} in else`);
        const r = this.list();
        if (r.end === null) this.fail(this.src.length, 'unexpected EOF');
        if (r.end.word !== 'end') this.fail(r.end.pos, 'expected end; found {{else}}');
        elseList = r.list;
      }
    } else if (end.rest.length > 0) this.fail(end.pos, `unexpected ${describe(end.rest[0]!)} in end`);
    this.vars.length = saved;
    return { kind: word, pipe, list, elseList, pos };
  }

  /** parse.go pipeline: declarations, then commands separated by `|`. */
  private pipeline(words: Tok[], open: number, context: string): Pipe {
    let k = 0;
    const decl: string[] = [];
    let assign = false;
    const pos = words[0]?.pos ?? open;
    // $x := / $x = / $i, $e :=
    const v0 = words[0];
    if (v0?.t === 'var') {
      const n1 = words[1];
      if (n1 !== undefined && (n1.t === ':=' || n1.t === '=')) {
        decl.push(v0.v);
        assign = n1.t === '=';
        k = 2;
      } else if (n1?.t === ',' && context === 'range' && words[2]?.t === 'var' && words[3]?.t === ':=') {
        decl.push(v0.v, (words[2] as { v: string }).v);
        k = 4;
      }
    }
    if (assign) {
      if (!this.vars.includes(decl[0]!)) this.fail(open, `undefined variable "${decl[0]}"`);
    } else for (const d of decl) this.vars.push(d);
    const cmds: Cmd[] = [];
    let args: Arg[] = [];
    let cmdPos = words[k]?.pos ?? open;
    const rest = words.slice(k);
    let j = 0;
    const flush = (): void => {
      if (args.length === 0) this.fail(open, 'missing value for command');
      cmds.push({ args, pos: cmdPos, src: args.map((x) => x.src).join(' ') });
      args = [];
    };
    while (j < rest.length) {
      const t = rest[j]!;
      if (t.t === '|') {
        flush();
        j++;
        cmdPos = rest[j]?.pos ?? open;
        continue;
      }
      const r = this.operand(rest, j, open);
      args.push(r.arg);
      j = r.next;
    }
    if (args.length === 0) this.fail(open, cmds.length === 0 && context !== 'command' ? `missing value for ${context}` : 'missing value for command');
    flush();
    // parse.go checkPipeline: only the first command may be a non-function operand.
    for (let c = 1; c < cmds.length; c++) {
      const a = cmds[c]!.args[0]!;
      if (a.kind !== 'ident' && a.kind !== 'field' && !(a.kind === 'var' && a.chain.length > 0)) {
        this.fail(open, `non executable command in pipeline stage ${c + 1}`);
      }
    }
    return { decl, assign, cmds, pos };
  }

  private operand(ts: Tok[], j: number, open: number): { arg: Arg; next: number } {
    const t = ts[j]!;
    let term: Term;
    let next = j + 1;
    let at = t.pos;
    switch (t.t) {
      case 'dot': term = { kind: 'dot' }; break;
      case 'field': {
        const chain = t.v.split('.').slice(1);
        term = { kind: 'field', chain };
        if (chain.length > 1) at = t.pos + 1 + chain[0]!.length;
        break;
      }
      case 'var': {
        if (!this.vars.includes(t.v)) this.fail(open, `undefined variable "${t.v}"`);
        term = { kind: 'var', name: t.v, chain: [] };
        break;
      }
      case 'ident': {
        if (t.v === 'true' || t.v === 'false') term = { kind: 'bool', value: t.v === 'true' };
        else if (t.v === 'nil') term = { kind: 'nil' };
        else {
          if (!FUNCS.has(t.v)) this.fail(open, `function "${t.v}" not defined`);
          term = { kind: 'ident', name: t.v };
        }
        break;
      }
      case 'string': term = { kind: 'string', value: t.v }; break;
      case 'number': term = { kind: 'number', value: t.v, text: t.text }; break;
      case 'char': term = { kind: 'number', value: t.v, text: String(t.v) }; break;
      case '(': {
        let depth = 1;
        let e = j + 1;
        for (; e < ts.length; e++) {
          if (ts[e]!.t === '(') depth++;
          else if (ts[e]!.t === ')' && --depth === 0) break;
        }
        if (e >= ts.length) this.fail(open, 'unclosed left paren');
        const inner = ts.slice(j + 1, e);
        if (inner.length === 0) this.fail(open, 'missing value for parenthesized pipeline');
        term = { kind: 'pipe', pipe: this.pipeline(inner, open, 'parenthesized pipeline'), chain: [] };
        next = e + 1;
        break;
      }
      default:
        return this.fail(open, `unexpected ${describe(t)} in operand`);
    }
    // A field chain right after the operand (no space): $x.A.B, (pipeline).A.
    const f = ts[next];
    if (f?.t === 'field' && f.pos === endOf(ts[next - 1]!, this.src)) {
      const chain = f.v.split('.').slice(1);
      if (term.kind === 'var' || term.kind === 'pipe') term = { ...term, chain };
      else this.fail(open, `unexpected . after term ${JSON.stringify(this.src.slice(t.pos, f.pos))}`);
      at = f.pos;
      next++;
    }
    const arg: Arg = { ...term, pos: at, src: this.src.slice(t.pos, endOf(ts[next - 1]!, this.src)) };
    return { arg, next };
  }

  /** lex.go, inside one action. */
  private lex(from: number, to: number): Tok[] {
    const s = this.src;
    const out: Tok[] = [];
    let k = from;
    while (k < to) {
      const c = s[k]!;
      if (SPACE.test(c)) {
        out.push({ t: 'space', pos: k });
        while (k < to && SPACE.test(s[k]!)) k++;
        continue;
      }
      const pos = k;
      if (c === '(' || c === ')' || c === '|' || c === ',' || c === '=') {
        out.push({ t: c as '(' | ')' | '|' | ',' | '=', pos });
        k++;
        continue;
      }
      if (c === ':' && s[k + 1] === '=') {
        out.push({ t: ':=', pos });
        k += 2;
        continue;
      }
      if (c === '"' || c === '`') {
        let e = k + 1;
        let v = '';
        while (s[e] !== c) {
          if (c === '"' && s[e] === '\\') {
            const n = s[e + 1]!;
            const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", a: '\x07', b: '\b', f: '\f', v: '\v' };
            if (n in map) v += map[n];
            else if (n === 'x') { v += String.fromCharCode(parseInt(s.slice(e + 2, e + 4), 16)); e += 2; }
            else if (n === 'u') { v += String.fromCharCode(parseInt(s.slice(e + 2, e + 6), 16)); e += 4; }
            else this.fail(pos, `invalid syntax`);
            e += 2;
            continue;
          }
          v += s[e];
          e++;
        }
        out.push({ t: 'string', v, pos });
        k = e + 1;
        continue;
      }
      if (c === "'") {
        const e = s.indexOf("'", k + 1);
        out.push({ t: 'char', v: s.codePointAt(k + 1) ?? 0, pos });
        k = e + 1;
        continue;
      }
      if (c === '$') {
        let e = k + 1;
        while (e < to && /[A-Za-z0-9_]/.test(s[e]!)) e++;
        out.push({ t: 'var', v: s.slice(k, e), pos });
        k = e;
        continue;
      }
      if (c === '.') {
        if (!/[A-Za-z_]/.test(s[k + 1] ?? '')) {
          if (/[0-9]/.test(s[k + 1] ?? '')) {
            const m = /^\.[0-9]+(?:[eE][+-]?[0-9]+)?/.exec(s.slice(k, to))!;
            out.push({ t: 'number', v: Number(m[0]), text: m[0], pos });
            k += m[0].length;
            continue;
          }
          out.push({ t: 'dot', pos });
          k++;
          continue;
        }
        let e = k;
        while (e < to && s[e] === '.' && /[A-Za-z_]/.test(s[e + 1] ?? '')) {
          e++;
          while (e < to && /[A-Za-z0-9_]/.test(s[e]!)) e++;
        }
        out.push({ t: 'field', v: s.slice(k, e), pos });
        k = e;
        continue;
      }
      if (/[0-9+-]/.test(c)) {
        const m = /^[+-]?(?:0[xX][0-9a-fA-F_]+|[0-9][0-9_]*(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)/.exec(s.slice(k, to));
        if (m === null || m[0] === '+' || m[0] === '-') this.fail(pos, `unexpected "${c}" in command`);
        const text = m[0];
        out.push({ t: 'number', v: Number(text.replace(/_/g, '')), text, pos });
        k += text.length;
        continue;
      }
      if (/[A-Za-z_]/.test(c)) {
        let e = k;
        while (e < to && /[A-Za-z0-9_]/.test(s[e]!)) e++;
        out.push({ t: 'ident', v: s.slice(k, e), pos });
        k = e;
        continue;
      }
      this.fail(pos, `unexpected "${c}" in command`);
    }
    return out;
  }
}

function endOf(t: Tok, src: string): number {
  switch (t.t) {
    case 'field': case 'var': case 'ident': return t.pos + t.v.length;
    case 'number': return t.pos + t.text.length;
    case 'string': {
      // The closing quote follows the raw text.
      const q = src[t.pos]!;
      let e = t.pos + 1;
      while (src[e] !== q) e += src[e] === '\\' && q === '"' ? 2 : 1;
      return e + 1;
    }
    default: return t.pos + (t.t === ':=' ? 2 : 1);
  }
}

function describe(t: Tok): string {
  switch (t.t) {
    case 'field': return `<${t.v}>`;
    case 'var': return `<${t.v}>`;
    case 'ident': return `<${t.v}>`;
    case 'string': return `"${t.v}"`;
    case 'number': return `<${t.text}>`;
    case 'dot': return '<.>';
    default: return `"${t.t}"`;
  }
}
