// Parses a command line as bash does (the POSIX grammar, XCU 2.3 token recognition and 2.10):
// quoting, `\` line continuation, comments, operators (; & && || | ( ) and redirections),
// here-documents read after the line that names them, `$…`, `${…}`, `$(…)` and backticks, and
// the compound commands scenarios type (while/until, for, if, { …; } and ( … )).
// A syntax error is returned, never guessed around: `echo a &&` is refused, not run.
import type { Assign, Command, List, Part, ParamOp, Pipeline, Redir, Word } from './syntax.js';

export interface SyntaxProblem {
  /** The message after the shell's name: `syntax error near unexpected token `&&'`. */
  readonly error: string;
}

export interface Parsed {
  readonly list: List;
  /** Warnings bash prints and then goes on (a here-document cut short by the end of input). */
  readonly warnings: readonly string[];
}

/** Deeper nesting than this is refused (a hostile `((((…` must not exhaust the stack). */
export const MAX_NESTING = 200;

class Fail {
  constructor(readonly error: string) {}
}

const RESERVED_ENDS = new Set(['do', 'done', 'then', 'fi', 'else', 'elif', '}', 'in', 'esac']);
const META = ' \t\n;&|()<>';

type MutableRedir = { fd: number; op: Redir['op']; target: Word; heredoc?: { body: string; quoted: boolean } };

export function parseLine(src: string): Parsed | SyntaxProblem {
  const p = new Parser(src);
  try {
    const list = p.list();
    p.skipBlanks();
    if (p.i < src.length) p.unexpected();
    if (p.pending.length > 0) p.readHeredocs();
    return { list, warnings: p.warnings };
  } catch (e) {
    if (e instanceof Fail) return { error: e.error };
    throw e;
  }
}

class Parser {
  i = 0;
  depth = 0;
  readonly warnings: string[] = [];
  pending: Array<{ delim: string; strip: boolean; line: number; doc: { body: string; quoted: boolean } }> = [];

  constructor(readonly s: string) {}

  // --- lexical helpers ------------------------------------------------------------------------

  skipBlanks(): void {
    const s = this.s;
    for (;;) {
      const c = s[this.i];
      if (c === ' ' || c === '\t') this.i++;
      else if (c === '\\' && s[this.i + 1] === '\n') this.i += 2;
      else if (c === '#') {
        while (this.i < s.length && s[this.i] !== '\n') this.i++;
      } else return;
    }
  }

  /** Skips blanks and newlines (reading any here-documents that the newlines end). */
  skipNewlines(): void {
    for (;;) {
      this.skipBlanks();
      if (this.s[this.i] !== '\n') return;
      this.i++;
      this.readHeredocs();
    }
  }

  readHeredocs(): void {
    const s = this.s;
    for (const h of this.pending) {
      let body = '';
      let closed = false;
      while (this.i < s.length) {
        const nl = s.indexOf('\n', this.i);
        const end = nl < 0 ? s.length : nl;
        let line = s.slice(this.i, end);
        this.i = nl < 0 ? s.length : nl + 1;
        if (h.strip) line = line.replace(/^\t+/, '');
        if (line === h.delim) {
          closed = true;
          break;
        }
        body += line + '\n';
      }
      if (!closed) this.warnings.push(`warning: here-document at line ${h.line} delimited by end-of-file (wanted \`${h.delim}')`);
      h.doc.body = body;
    }
    this.pending = [];
  }

  /** The operator at the cursor, if any (longest match). */
  peekOp(): string | null {
    const s = this.s;
    const c = s[this.i];
    if (c === undefined) return null;
    const two = s.slice(this.i, this.i + 2);
    if (two === '&&' || two === '||' || two === ';;') return two;
    if (c === ';' || c === '&' || c === '|' || c === '(' || c === ')' || c === '\n') return c;
    return null;
  }

  /** A redirection operator at the cursor: `[n]>`, `[n]>>`, `[n]>&`, `[n]<`, `[n]<<`, `[n]<<-`, `&>`, `&>>`. */
  peekRedir(): { fd: number; op: Redir['op']; strip: boolean; len: number } | null {
    const m = /^(\d*)(>>|>&|>\||>|<<-|<<|<&|<>|<)|^(&>>|&>)/.exec(this.s.slice(this.i, this.i + 12));
    if (m === null) return null;
    if (m[3] !== undefined) return { fd: 1, op: m[3] as Redir['op'], strip: false, len: m[0].length };
    const opText = m[2]!;
    if (opText === '<>') throw new Fail('swarmsim: the <> redirection is not modelled');
    const op = (opText === '>|' ? '>' : opText === '<<-' ? '<<' : opText) as Redir['op'];
    const fd = m[1] !== '' ? Number(m[1]) : op.startsWith('<') ? 0 : 1;
    return { fd, op, strip: opText === '<<-', len: m[0].length };
  }

  unexpected(): never {
    const op = this.peekOp();
    if (op === null && this.i >= this.s.length) throw new Fail('syntax error: unexpected end of file');
    if (op === '\n') throw new Fail("syntax error near unexpected token `newline'");
    if (op !== null) throw new Fail(`syntax error near unexpected token \`${op}'`);
    const r = this.peekRedir();
    if (r !== null) throw new Fail(`syntax error near unexpected token \`${this.s.slice(this.i, this.i + r.len)}'`);
    const save = this.i;
    const w = this.word();
    this.i = save;
    throw new Fail(`syntax error near unexpected token \`${w?.text ?? this.s[this.i]}'`);
  }

  /** The next word if it is a plain unquoted literal, without consuming it. */
  peekReserved(): string | null {
    const save = this.i;
    this.skipBlanks();
    const c = this.s[this.i];
    let text: string | null = null;
    if (c !== undefined && /[a-z{}!]/.test(c)) {
      let j = this.i;
      while (j < this.s.length && !META.includes(this.s[j]!)) j++;
      const w = this.s.slice(this.i, j);
      if (/^[a-z]+$|^[{}!]$/.test(w)) text = w;
    }
    this.i = save;
    return text;
  }

  expectReserved(word: string): void {
    if (this.peekReserved() !== word) {
      this.skipBlanks();
      this.unexpected();
    }
    this.skipBlanks();
    this.i += word.length;
  }

  // --- grammar ------------------------------------------------------------------------------

  list(): List {
    if (++this.depth > MAX_NESTING) throw new Fail(`swarmsim: commands nested more than ${MAX_NESTING} deep are refused`);
    const items: Array<{ andOr: ReturnType<Parser['andOr']>; background: boolean; text?: string }> = [];
    this.skipNewlines();
    for (;;) {
      this.skipBlanks();
      if (this.atListEnd()) break;
      const from = this.i;
      const andOr = this.andOr();
      const text = this.s.slice(from, this.i).trim();
      this.skipBlanks();
      const op = this.peekOp();
      let background = false;
      if (op === ';' || op === '&') {
        this.i++;
        background = op === '&';
      } else if (op === '\n') {
        // the newline is consumed by skipNewlines below
      } else {
        items.push({ andOr, background });
        break;
      }
      // A background job keeps the text it was typed as: `jobs` and its notices print it.
      items.push(background ? { andOr, background, text } : { andOr, background });
      this.skipNewlines();
    }
    this.depth--;
    return { items };
  }

  atListEnd(): boolean {
    if (this.i >= this.s.length) return true;
    const op = this.peekOp();
    if (op === ')' || op === ';;') return true;
    const r = this.peekReserved();
    return r !== null && RESERVED_ENDS.has(r) && r !== 'in';
  }

  andOr(): { first: Pipeline; rest: Array<{ op: '&&' | '||'; pipeline: Pipeline }> } {
    const first = this.pipeline();
    const rest: Array<{ op: '&&' | '||'; pipeline: Pipeline }> = [];
    for (;;) {
      this.skipBlanks();
      const op = this.peekOp();
      if (op !== '&&' && op !== '||') return { first, rest };
      this.i += 2;
      this.skipNewlines();
      rest.push({ op, pipeline: this.pipeline() });
    }
  }

  pipeline(): Pipeline {
    let bang = false;
    if (this.peekReserved() === '!') {
      this.skipBlanks();
      this.i++;
      bang = true;
    }
    const cmds: Command[] = [this.command()];
    for (;;) {
      this.skipBlanks();
      if (this.peekOp() !== '|') return { bang, cmds };
      this.i++;
      this.skipNewlines();
      cmds.push(this.command());
    }
  }

  command(): Command {
    this.skipBlanks();
    const def = this.functionDef();
    if (def !== null) return def;
    const r = this.peekReserved();
    if (this.peekOp() === '(') {
      this.i++;
      const body = this.list();
      this.skipBlanks();
      if (this.peekOp() !== ')') this.unexpected();
      this.i++;
      return { k: 'group', body, subshell: true, redirs: this.redirs() };
    }
    if (r === '{') {
      this.expectReserved('{');
      const body = this.list();
      this.expectReserved('}');
      return { k: 'group', body, subshell: false, redirs: this.redirs() };
    }
    if (r === 'while' || r === 'until') {
      this.expectReserved(r);
      const cond = this.list();
      this.expectReserved('do');
      const body = this.list();
      this.expectReserved('done');
      return { k: 'while', until: r === 'until', cond, body, redirs: this.redirs() };
    }
    if (r === 'for') {
      this.expectReserved('for');
      this.skipBlanks();
      const nameWord = this.word();
      if (nameWord === null || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(nameWord.text) || !nameWord.plain) {
        throw new Fail(`\`${nameWord?.text ?? ''}': not a valid identifier`);
      }
      let items: Word[] | null = null;
      this.skipBlanks();
      if (this.peekReserved() === 'in') {
        this.expectReserved('in');
        items = [];
        for (;;) {
          this.skipBlanks();
          const op = this.peekOp();
          if (op === ';' || op === '\n') {
            this.i++;
            break;
          }
          if (op !== null || this.i >= this.s.length) this.unexpected();
          // A redirection is no word: bash refuses it there (`for x in >`: unexpected token `>').
          const item = this.word();
          if (item === null) this.unexpected();
          items.push(item.parts);
        }
      } else if (this.peekOp() === ';') this.i++;
      this.skipNewlines();
      this.expectReserved('do');
      const body = this.list();
      this.expectReserved('done');
      return { k: 'for', name: nameWord.text, items, body, redirs: this.redirs() };
    }
    if (r === 'case') {
      this.expectReserved('case');
      this.skipBlanks();
      const subject = this.word();
      if (subject === null) this.unexpected();
      this.skipNewlines();
      this.expectReserved('in');
      const arms: Array<{ patterns: Word[]; body: List }> = [];
      for (;;) {
        this.skipNewlines();
        if (this.peekReserved() === 'esac') break;
        if (this.peekOp() === '(') this.i++;
        const patterns: Word[] = [];
        for (;;) {
          this.skipBlanks();
          const w = this.word();
          if (w === null) this.unexpected();
          patterns.push(w.parts);
          this.skipBlanks();
          if (this.peekOp() === '|') {
            this.i++;
            continue;
          }
          if (this.peekOp() !== ')') this.unexpected();
          this.i++;
          break;
        }
        const body = this.list();
        arms.push({ patterns, body });
        this.skipBlanks();
        if (this.peekOp() === ';;') this.i += 2;
        else if (this.peekReserved() !== 'esac') this.unexpected();
      }
      this.expectReserved('esac');
      return { k: 'case', subject: subject.parts, arms, redirs: this.redirs() };
    }
    if (r === 'if') {
      this.expectReserved('if');
      const clauses: Array<{ cond: List; body: List }> = [];
      let otherwise: List | null = null;
      for (;;) {
        const cond = this.list();
        this.expectReserved('then');
        const body = this.list();
        clauses.push({ cond, body });
        const next = this.peekReserved();
        if (next === 'elif') {
          this.expectReserved('elif');
          continue;
        }
        if (next === 'else') {
          this.expectReserved('else');
          otherwise = this.list();
        }
        this.expectReserved('fi');
        break;
      }
      return { k: 'if', clauses, otherwise, redirs: this.redirs() };
    }
    if (r !== null && RESERVED_ENDS.has(r) && r !== 'in') this.unexpected();
    return this.simple();
  }

  redirs(): Redir[] {
    const out: Redir[] = [];
    for (;;) {
      this.skipBlanks();
      const r = this.redirect();
      if (r === null) return out;
      out.push(r);
    }
  }

  redirect(): Redir | null {
    const r = this.peekRedir();
    if (r === null) return null;
    this.i += r.len;
    this.skipBlanks();
    const start = this.i;
    const w = this.word();
    if (w === null) this.unexpected();
    const red: MutableRedir = { fd: r.fd, op: r.op, target: w.parts };
    if (r.op === '<<') {
      const doc = { body: '', quoted: !w.plain };
      red.heredoc = doc;
      const line = this.s.slice(0, start).split('\n').length;
      this.pending.push({ delim: w.unquoted, strip: r.strip, line, doc });
    }
    return red;
  }

  /** `NAME ( ) compound` or `function NAME [( )] compound` (bash's function definitions); null
   *  (nothing consumed) when the words ahead are not one. */
  functionDef(): Command | null {
    const start = this.i;
    const first = this.word();
    let keyword = false;
    let name = first;
    if (first !== null && first.plain && first.text === 'function') {
      keyword = true;
      this.skipBlanks();
      name = this.word();
    }
    if (name === null || !name.plain || !/^[A-Za-z_][A-Za-z0-9_.:-]*$/.test(name.text)) {
      this.i = start;
      return null;
    }
    this.skipBlanks();
    let parens = false;
    if (this.peekOp() === '(') {
      let j = this.i + 1;
      while (this.s[j] === ' ' || this.s[j] === '\t') j++;
      if (this.s[j] === ')') {
        this.i = j + 1;
        parens = true;
      }
    }
    if (!parens && !keyword) {
      this.i = start;
      return null;
    }
    this.skipNewlines();
    this.skipBlanks();
    const body = this.command();
    if (body.k === 'simple' || body.k === 'function') this.unexpected();
    return { k: 'function', name: name.text, body, redirs: [] };
  }

  simple(): Command {
    const assigns: Assign[] = [];
    const words: Word[] = [];
    const redirs: Redir[] = [];
    for (;;) {
      this.skipBlanks();
      const red = this.redirect();
      if (red !== null) {
        redirs.push(red);
        continue;
      }
      const w = this.word();
      if (w === null) break;
      const first = w.parts[0];
      const m = words.length === 0 && first !== undefined && first.k === 'lit' && !first.quoted ? /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(first.s) : null;
      if (m !== null) {
        const restFirst = (first as { s: string }).s.slice(m[0].length);
        const value: Part[] = restFirst === '' ? [] : [{ k: 'lit', s: restFirst, quoted: false }];
        assigns.push({ name: m[1]!, value: [...value, ...w.parts.slice(1)] });
      } else words.push(w.parts);
    }
    if (assigns.length === 0 && words.length === 0 && redirs.length === 0) this.unexpected();
    return { k: 'simple', assigns, words, redirs };
  }

  // --- words -------------------------------------------------------------------------------

  /** Reads one word; null at an operator or the end. `plain`: no quoting or expansion in it. */
  word(): { parts: Part[]; text: string; unquoted: string; plain: boolean } | null {
    const s = this.s;
    const start = this.i;
    const parts: Part[] = [];
    let plain = true;
    let unquoted = '';
    const lit = (t: string, quoted: boolean): void => {
      unquoted += t;
      const last = parts[parts.length - 1];
      if (last !== undefined && last.k === 'lit' && last.quoted === quoted) parts[parts.length - 1] = { k: 'lit', s: last.s + t, quoted };
      else parts.push({ k: 'lit', s: t, quoted });
    };
    while (this.i < s.length) {
      const c = s[this.i]!;
      if (META.includes(c)) break;
      if (c === "'") {
        const end = s.indexOf("'", this.i + 1);
        if (end < 0) throw new Fail("unexpected EOF while looking for matching `''");
        lit(s.slice(this.i + 1, end), true);
        plain = false;
        this.i = end + 1;
      } else if (c === '"') {
        this.i++;
        plain = false;
        const inside = this.quotedText('"');
        if (inside.length === 0) lit('', true);
        for (const p of inside) {
          if (p.k === 'lit') lit(p.s, true);
          else parts.push(p);
        }
      } else if (c === '\\') {
        plain = false;
        if (s[this.i + 1] === '\n') this.i += 2;
        else if (this.i + 1 >= s.length) this.i++;
        else {
          lit(s[this.i + 1]!, true);
          this.i += 2;
        }
      } else if (c === '$' || c === '`') {
        const p = this.expansion(false);
        if (p === null) {
          lit('$', false);
          this.i++;
        } else {
          plain = false;
          parts.push(p);
        }
      } else if (c === '~' && this.i === start && (this.i + 1 >= s.length || s[this.i + 1] === '/' || META.includes(s[this.i + 1]!))) {
        parts.push({ k: 'tilde' });
        unquoted += '~';
        this.i++;
      } else {
        lit(c, false);
        this.i++;
      }
    }
    if (this.i === start) return null;
    return { parts, text: s.slice(start, this.i), unquoted, plain };
  }

  /** The inside of double quotes (or of a here-document when `close` is null), up to the closing quote. */
  quotedText(close: '"' | '}' | null): Part[] {
    const s = this.s;
    const parts: Part[] = [];
    let buf = '';
    const flush = (): void => {
      if (buf !== '') parts.push({ k: 'lit', s: buf, quoted: true });
      buf = '';
    };
    let braces = 0;
    for (;;) {
      if (this.i >= s.length) {
        if (close === '"') throw new Fail('unexpected EOF while looking for matching `"\'');
        if (close === '}') throw new Fail('bad substitution');
        break;
      }
      const c = s[this.i]!;
      if (close === '"' && c === '"') {
        this.i++;
        break;
      }
      if (close === '}' && c === '}' && braces === 0) break;
      if (close === '}' && c === '{') braces++;
      if (close === '}' && c === '}') braces--;
      if (close === '}' && c === '"') {
        this.i++;
        flush();
        parts.push(...this.quotedText('"'));
        continue;
      }
      if (close === '}' && c === "'") {
        const end = s.indexOf("'", this.i + 1);
        if (end < 0) throw new Fail("unexpected EOF while looking for matching `''");
        buf += s.slice(this.i + 1, end);
        this.i = end + 1;
        continue;
      }
      if (c === '\\' && this.i + 1 < s.length && (close === null ? '$`\\\n' : '$`"\\\n}').includes(s[this.i + 1]!)) {
        if (s[this.i + 1] !== '\n') buf += s[this.i + 1];
        this.i += 2;
      } else if (c === '$' || c === '`') {
        const p = this.expansion(true);
        if (p === null) {
          buf += '$';
          this.i++;
        } else {
          flush();
          parts.push(p);
        }
      } else {
        buf += c;
        this.i++;
      }
    }
    flush();
    return parts;
  }

  /** `$…`, `${…}`, `$(…)` or a backtick substitution at the cursor; null for a lone `$`. */
  expansion(quoted: boolean): Part | null {
    const s = this.s;
    if (s[this.i] === '`') {
      let j = this.i + 1;
      let inner = '';
      for (;;) {
        if (j >= s.length) throw new Fail('unexpected EOF while looking for matching ``\'');
        const c = s[j]!;
        if (c === '`') break;
        if (c === '\\' && '`$\\'.includes(s[j + 1] ?? '')) {
          inner += s[j + 1];
          j += 2;
        } else {
          inner += c;
          j++;
        }
      }
      this.i = j + 1;
      const sub = parseLine(inner);
      if ('error' in sub) throw new Fail(sub.error);
      return { k: 'sub', list: sub.list, quoted };
    }
    const c = s[this.i + 1];
    if (c === '(') {
      if (s[this.i + 2] === '(') {
        // $(( … )): up to the `))` that closes it (parentheses inside nest).
        let depth = 0;
        let j = this.i + 3;
        for (; j < s.length; j++) {
          if (s[j] === '(') depth++;
          else if (s[j] === ')') {
            if (depth === 0) break;
            depth--;
          }
        }
        if (j >= s.length || s[j + 1] !== ')') throw new Fail("unexpected EOF while looking for matching `)'");
        const inner = new Parser(s.slice(this.i + 3, j));
        const text = inner.quotedText(null);
        this.i = j + 2;
        return { k: 'arith', text };
      }
      this.i += 2;
      const list = this.list();
      this.skipBlanks();
      if (s[this.i] !== ')') {
        if (this.i >= s.length) throw new Fail("unexpected EOF while looking for matching `)'");
        this.unexpected();
      }
      this.i++;
      return { k: 'sub', list, quoted };
    }
    if (c === '{') {
      const m = /^\$\{(#?)([A-Za-z_][A-Za-z0-9_]*|\d+|[?$#!@*-])/.exec(s.slice(this.i, this.i + 256));
      if (m === null) throw new Fail(`${s.slice(this.i, s.indexOf('}', this.i) + 1 || s.length)}: bad substitution`);
      this.i += m[0].length;
      let op: ParamOp | null = m[1] === '#' ? '#' : null;
      let arg: Part[] = [];
      if (op === null) {
        const om = /^(:-|:\+|:=|-|\+|=)/.exec(s.slice(this.i, this.i + 2));
        if (om !== null) {
          op = om[1] as ParamOp;
          this.i += om[1]!.length;
          arg = this.quotedText('}').map((p) => (p.k === 'lit' ? { ...p, quoted } : p));
        }
      }
      if (s[this.i] !== '}') throw new Fail(`${s.slice(this.i - m[0].length, s.indexOf('}', this.i) + 1 || s.length)}: bad substitution`);
      this.i++;
      return { k: 'param', name: m[2]!, op, arg, quoted };
    }
    const m = /^\$([A-Za-z_][A-Za-z0-9_]*|[0-9?$#!@*-])/.exec(s.slice(this.i, this.i + 256));
    if (m === null) return null;
    this.i += m[0].length;
    return { k: 'param', name: m[1]!, op: null, arg: [], quoted };
  }
}

/** A here-document body as bash expands it when its delimiter was not quoted: `$`, backticks and `\`. */
export function parseHeredoc(body: string): Word | SyntaxProblem {
  const p = new Parser(body);
  try {
    return p.quotedText(null);
  } catch (e) {
    if (e instanceof Fail) return { error: e.error };
    throw e;
  }
}
