// Executes a parsed template (text/template exec.go, funcs.go as of Go 1.13, which docker 19.03.15
// is built with): fields of maps and of the CLI's formatter contexts, variables, pipelines,
// if/range/with, the builtins (and/or evaluate every argument before Go 1.18), and docker/cli's
// functions (cli/templates/templates.go: json, split, join, title, lower, upper, pad, truncate).
// A missing map key is Go's invalid value (`<no value>`); a field of a JSON null is Go's
// "nil pointer evaluating interface {}.X".
import { sprint, sprintf, sprintln } from './fmt.js';
import type { Arg, Cmd, Control, Node, Pipe } from './parse.js';
import { TemplateError } from './parse.js';
import { goValue, printTyped, TypedMiss, typedField } from './typed.js';
import type { GoType, Typed } from './typed.js';

/** A value being evaluated: JSON data, typed when the template runs on a Go struct; `invalid` is
 *  Go's zero reflect.Value (a missing map key). */
interface Val {
  readonly v: unknown;
  readonly t?: GoType;
  readonly invalid?: true;
}

const INVALID: Val = { v: undefined, invalid: true };

export interface ExecOptions {
  /** The formatter context's Go type (`*formatter.ContainerContext`): a field the root lacks is
   *  an error there, as on a struct, instead of `<no value>`. */
  readonly structType?: string;
  /** The context's methods that take arguments (ContainerContext.Label(name)). */
  readonly methods?: Readonly<Record<string, (self: unknown, args: readonly unknown[]) => unknown>>;
  /** Run on the typed value: a field the type lacks raises TypedMiss. */
  readonly goType?: GoType;
}

class Exec {
  out = '';
  private readonly vars: Array<{ name: string; val: Val }> = [];
  private readonly addr = { next: 0xc000010000 };
  private node = '';
  private nodePos = 0;

  constructor(
    private readonly src: string,
    private readonly root: Val,
    private readonly o: ExecOptions,
  ) {
    this.vars.push({ name: '$', val: root });
  }

  fail(msg: string): never {
    const before = this.src.slice(0, this.nodePos);
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    const col = this.nodePos - (before.lastIndexOf('\n') + 1);
    throw new TemplateError(`template: :${line}:${col}: executing "" at <${this.node}>: ${msg}`);
  }

  private at(pos: number, text: string): void {
    this.nodePos = pos;
    this.node = text;
  }

  list(nodes: readonly Node[], dot: Val): void {
    for (const n of nodes) {
      switch (n.kind) {
        case 'text':
          this.out += n.text;
          break;
        case 'action': {
          const v = this.pipe(n.pipe, dot);
          if (n.pipe.decl.length === 0) this.out += this.print(v);
          break;
        }
        case 'if': case 'with': {
          const mark = this.vars.length;
          const v = this.pipe(n.pipe, dot);
          if (truth(v)) this.list(n.list, n.kind === 'with' ? v : dot);
          else if (n.elseList !== null) this.list(n.elseList, dot);
          this.vars.length = mark;
          break;
        }
        case 'range':
          this.range(n, dot);
          break;
      }
    }
  }

  private range(n: Control, dot: Val): void {
    const mark = this.vars.length;
    // The declarations are made by the pipe, then set per element.
    const v = this.pipe({ ...n.pipe, decl: [] }, dot);
    const items: Array<[Val, Val]> = [];
    const x = v.v;
    if (v.t !== undefined && typeof v.t === 'object' && 'slice' in v.t) {
      const el = v.t.slice;
      (Array.isArray(x) ? x : []).forEach((e, i) => items.push([{ v: i }, { v: e, t: el }]));
    } else if (v.invalid === true || x === null || x === undefined) {
      // Go: ranging over an invalid or nil value runs no iteration.
    } else if (Array.isArray(x)) x.forEach((e, i) => items.push([{ v: i }, { v: e }]));
    else if (typeof x === 'object') {
      for (const k of Object.keys(x as object).sort()) items.push([{ v: k }, { v: (x as Record<string, unknown>)[k] }]);
    } else this.fail(`range can't iterate over ${goValue(x)}`);
    for (const [k, e] of items) {
      const m = this.vars.length;
      if (n.pipe.decl.length === 1) this.vars.push({ name: n.pipe.decl[0]!, val: e });
      else if (n.pipe.decl.length === 2) this.vars.push({ name: n.pipe.decl[0]!, val: k }, { name: n.pipe.decl[1]!, val: e });
      this.list(n.list, e);
      this.vars.length = m;
    }
    if (items.length === 0 && n.elseList !== null) this.list(n.elseList, dot);
    this.vars.length = mark;
  }

  pipe(p: Pipe, dot: Val): Val {
    let v: Val | null = null;
    for (const c of p.cmds) v = this.cmd(c, dot, v);
    const result = v!;
    if (p.decl.length > 0) {
      if (p.assign) {
        for (let i = this.vars.length - 1; i >= 0; i--) {
          if (this.vars[i]!.name === p.decl[0]) {
            this.vars[i]!.val = result;
            break;
          }
        }
      } else for (const d of p.decl) this.vars.push({ name: d, val: result });
    }
    return result;
  }

  private cmd(c: Cmd, dot: Val, final: Val | null): Val {
    const [first, ...rest] = c.args;
    const f = first!;
    switch (f.kind) {
      case 'ident':
        return this.call(f.name, rest, dot, final, c);
      case 'field':
        return this.fieldChain(dot, f.chain, rest, dot, final, f);
      case 'var': {
        const base = this.variable(f.name);
        if (f.chain.length === 0) {
          this.noArgs(rest, final, f.name);
          return base;
        }
        return this.fieldChain(base, f.chain, rest, dot, final, f);
      }
      case 'pipe': {
        const base = this.pipe(f.pipe, dot);
        if (f.chain.length === 0) {
          this.noArgs(rest, final, '(pipeline)');
          return base;
        }
        return this.fieldChain(base, f.chain, rest, dot, final, f);
      }
      case 'dot':
        this.noArgs(rest, final, '.');
        return dot;
      default:
        this.noArgs(rest, final, literalText(f));
        return this.literal(f);
    }
  }

  private noArgs(rest: readonly Arg[], final: Val | null, what: string): void {
    if (rest.length > 0 || final !== null) throw new TemplateError(`template: :1: can't give argument to non-function ${what}`);
  }

  private literal(a: Arg): Val {
    switch (a.kind) {
      case 'string': return { v: a.value };
      case 'number': return { v: a.value };
      case 'bool': return { v: a.value };
      case 'nil': return { v: null };
      case 'dot': return INVALID;
      default: return INVALID;
    }
  }

  private variable(name: string): Val {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.val;
    return this.fail(`undefined variable: ${name}`);
  }

  /** The value of one argument (exec.go evalArg). */
  private arg(a: Arg, dot: Val): Val {
    switch (a.kind) {
      case 'dot': return dot;
      case 'field': return this.fieldChain(dot, a.chain, [], dot, null, a);
      case 'var': {
        const base = this.variable(a.name);
        return a.chain.length === 0 ? base : this.fieldChain(base, a.chain, [], dot, null, a);
      }
      case 'pipe': {
        const base = this.pipe(a.pipe, dot);
        return a.chain.length === 0 ? base : this.fieldChain(base, a.chain, [], dot, null, a);
      }
      case 'ident': return this.call(a.name, [], dot, null, { pos: a.pos, src: a.src });
      default: return this.literal(a);
    }
  }

  /** exec.go evalFieldChain: each name in turn; arguments go to the last one (a method). */
  private fieldChain(recv: Val, chain: readonly string[], args: readonly Arg[], dot: Val, final: Val | null, node: { readonly pos: number; readonly src: string }): Val {
    let cur = recv;
    for (let i = 0; i < chain.length; i++) {
      const name = chain[i]!;
      const last = i === chain.length - 1;
      this.at(node.pos, node.src);
      if (cur.invalid === true) return INVALID;
      if (cur.t !== undefined) {
        const f = typedField(cur as Typed, name);
        if (f === null) throw new TypedMiss();
        cur = f;
        continue;
      }
      const x = cur.v;
      if (this.o.structType !== undefined && cur === this.root) {
        const method = this.o.methods?.[name];
        if (last && method !== undefined && (args.length > 0 || final !== null)) {
          const vals = args.map((a) => this.arg(a, dot).v);
          if (final !== null) vals.push(final.v);
          return { v: method(x, vals) };
        }
        if (!(x !== null && typeof x === 'object' && name in (x as object))) this.fail(`can't evaluate field ${name} in type ${this.o.structType}`);
        if (last && (args.length > 0 || final !== null)) this.fail(`wrong number of args for ${name}: want 0 got ${args.length + (final === null ? 0 : 1)}`);
        cur = { v: (x as Record<string, unknown>)[name] };
        continue;
      }
      if (x === null || x === undefined) this.fail(`nil pointer evaluating interface {}.${name}`);
      if (typeof x !== 'object' || Array.isArray(x)) this.fail(`can't evaluate field ${name} in type ${goKind(x)}`);
      if (last && (args.length > 0 || final !== null)) this.fail(`${name} is not a method but has arguments`);
      cur = name in (x as object) ? { v: (x as Record<string, unknown>)[name] } : INVALID;
    }
    return cur;
  }

  print(v: Val): string {
    if (v.invalid === true) return '<no value>';
    if (v.t !== undefined) return printTyped(v as Typed, 0, this.addr);
    return goValue(v.v);
  }

  private call(name: string, argNodes: readonly Arg[], dot: Val, final: Val | null, cmd: { readonly pos: number; readonly src: string }): Val {
    const args = argNodes.map((a) => this.arg(a, dot));
    if (final !== null) args.push(final);
    this.at(cmd.pos, cmd.src);
    const want = (n: number): void => {
      if (args.length !== n) this.fail(`wrong number of args for ${name}: want ${n} got ${args.length}`);
    };
    // exec.go evalArg: a literal of the wrong type is refused at parse of the call ("expected
    // string; found 2"), a field's value at execution ("wrong type for value"), both at the operand.
    const typed = (i: number, goType: string, ok: (v: unknown) => boolean): unknown => {
      const a = args[i]!;
      const node = argNodes[i];
      if (node !== undefined) this.at(node.pos, node.src);
      if (node !== undefined && (node.kind === 'string' || node.kind === 'number' || node.kind === 'bool' || node.kind === 'nil') && !ok(a.v)) this.fail(`expected ${goType}; found ${node.src}`);
      if (a.invalid === true) this.fail(`invalid value; expected ${goType}`);
      if (!ok(a.v)) this.fail(`wrong type for value; expected ${goType}; got ${goKind(a.v)}`);
      this.at(cmd.pos, cmd.src);
      return a.v;
    };
    const str = (i: number): string => typed(i, 'string', (v) => typeof v === 'string') as string;
    const int = (i: number): number => typed(i, 'int', (v) => typeof v === 'number' && Number.isInteger(v)) as number;
    const calling = (msg: string): never => this.fail(`error calling ${name}: ${msg}`);
    switch (name) {
      case 'and': {
        if (args.length < 1) this.fail(`wrong number of args for and: want at least 1 got 0`);
        for (const a of args) if (!truth(a)) return a;
        return args[args.length - 1]!;
      }
      case 'or': {
        if (args.length < 1) this.fail(`wrong number of args for or: want at least 1 got 0`);
        for (const a of args) if (truth(a)) return a;
        return args[args.length - 1]!;
      }
      case 'not':
        want(1);
        return { v: !truth(args[0]!) };
      case 'len': {
        want(1);
        const a = args[0]!;
        // Go 1.13 funcs.go length: a nil interface is "untyped nil".
        if (a.invalid === true || a.v === null || a.v === undefined) return calling('len of untyped nil');
        const x = a.v;
        if (typeof x === 'string') return { v: Buffer.byteLength(x) };
        if (Array.isArray(x)) return { v: x.length };
        if (typeof x === 'object') return { v: Object.keys(x as object).length };
        return calling(`len of type ${goKind(x)}`);
      }
      case 'index': {
        if (args.length < 1) this.fail('wrong number of args for index: want at least 1 got 0');
        let cur = args[0]!;
        for (const k of args.slice(1)) {
          const x = cur.v;
          if (cur.invalid === true || x === null || x === undefined) return calling('index of untyped nil');
          if (Array.isArray(x)) {
            if (typeof k.v !== 'number' || !Number.isInteger(k.v)) return calling(`cannot index slice/array with type ${goKind(k.v)}`);
            if (k.v < 0 || k.v >= x.length) return calling(`index out of range: ${k.v}`);
            cur = { v: x[k.v], ...(cur.t !== undefined && typeof cur.t === 'object' && 'slice' in cur.t ? { t: cur.t.slice } : {}) };
          } else if (typeof x === 'object') {
            if (typeof k.v !== 'string') return calling(`value has type ${goKind(k.v)}; should be string`);
            const has = k.v in (x as object);
            // A typed map[string]string gives "" for a missing key; a decoded map, the zero interface.
            if (cur.t === 'map') cur = { v: has ? (x as Record<string, unknown>)[k.v] : '' };
            else cur = has ? { v: (x as Record<string, unknown>)[k.v] } : INVALID;
          } else return calling(`can't index item of type ${goKind(x)}`);
        }
        return cur;
      }
      case 'slice': {
        if (args.length < 1) this.fail('wrong number of args for slice: want at least 1 got 0');
        const x = args[0]!.v;
        const idx = args.slice(1).map((a) => (typeof a.v === 'number' ? a.v : NaN));
        if (typeof x !== 'string' && !Array.isArray(x)) return calling(`can't slice item of type ${goKind(x)}`);
        if (idx.length > 2 && typeof x === 'string') return calling('cannot 3-index slice a string');
        const lo = idx[0] ?? 0;
        const hi = idx[1] ?? x.length;
        if (!(lo >= 0 && hi >= lo && hi <= x.length)) return calling(`index out of range: ${hi > x.length ? hi : lo}`);
        return { v: x.slice(lo, hi) };
      }
      case 'print':
        return { v: sprint(args.map(plain)) };
      case 'println':
        return { v: sprintln(args.map(plain)) };
      case 'printf': {
        if (args.length < 1) this.fail('wrong number of args for printf: want at least 1 got 0');
        return { v: sprintf(str(0), args.slice(1).map(plain)) };
      }
      case 'eq': case 'ne': case 'lt': case 'le': case 'gt': case 'ge':
        return { v: this.compare(name, args) };
      case 'html':
        return { v: sprint(args.map(plain)).replace(/[&'<>"]/g, (c) => ({ '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '"': '&#34;' })[c]!) };
      case 'js':
        return { v: sprint(args.map(plain)).replace(/[\\'"<>&=]/g, (c) => ({ '\\': '\\\\', "'": "\\'", '"': '\\"', '<': '\\u003C', '>': '\\u003E', '&': '\\u0026', '=': '\\u003D' })[c]!) };
      case 'urlquery':
        return { v: encodeURIComponent(sprint(args.map(plain))).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) };
      case 'call':
        return calling('call of nil');
      case 'json': {
        want(1);
        const a = args[0]!;
        return { v: JSON.stringify(a.invalid === true ? null : a.v ?? null) };
      }
      case 'split': {
        want(2);
        const s = str(0);
        const sep = str(1);
        return { v: sep === '' ? [...s] : s.split(sep) };
      }
      case 'join': {
        want(2);
        const list = typed(0, '[]string', (v) => Array.isArray(v) && v.every((e) => typeof e === 'string')) as string[];
        return { v: list.join(str(1)) };
      }
      case 'title':
        want(1);
        return { v: str(0).replace(/(^|[^A-Za-z0-9_'])([a-z])/g, (_m, p: string, c: string) => p + c.toUpperCase()) };
      case 'lower':
        want(1);
        return { v: str(0).toLowerCase() };
      case 'upper':
        want(1);
        return { v: str(0).toUpperCase() };
      case 'pad': {
        want(3);
        const s = str(0);
        return { v: s === '' ? s : ' '.repeat(int(1)) + s + ' '.repeat(int(2)) };
      }
      case 'truncate': {
        want(2);
        const s = str(0);
        const n = int(1);
        return { v: Buffer.byteLength(s) < n ? s : Buffer.from(s).subarray(0, n).toString() };
      }
      default:
        return this.fail(`function "${name}" not defined`);
    }
  }

  /** funcs.go eq/lt…: basic kinds only; an int and a float do not compare. */
  private compare(name: string, args: Val[]): boolean {
    if (args.length < 2 && name !== 'eq') this.fail(`wrong number of args for ${name}: want 2 got ${args.length}`);
    if (args.length < 2) this.fail(`error calling eq: missing argument for comparison`);
    const kind = (a: Val): string => {
      const x = a.v;
      if (a.invalid !== true && typeof x === 'boolean') return 'bool';
      if (typeof x === 'number') return Number.isInteger(x) ? 'int' : 'float';
      if (typeof x === 'string') return 'string';
      return this.fail(`error calling ${name}: invalid type for comparison`);
    };
    const k1 = kind(args[0]!);
    const cmp = (b: Val): number => {
      if (kind(b) !== k1) this.fail(`error calling ${name}: incompatible types for comparison`);
      const x = args[0]!.v as string | number | boolean;
      const y = b.v as string | number | boolean;
      return x === y ? 0 : x < y ? -1 : 1;
    };
    switch (name) {
      case 'eq': return args.slice(1).some((b) => cmp(b) === 0);
      case 'ne': return cmp(args[1]!) !== 0;
      default:
        if (k1 === 'bool') this.fail(`error calling ${name}: invalid type for comparison`);
        {
          const c = cmp(args[1]!);
          return name === 'lt' ? c < 0 : name === 'le' ? c <= 0 : name === 'gt' ? c > 0 : c >= 0;
        }
    }
  }
}

function plain(v: Val): unknown {
  return v.invalid === true ? undefined : v.v;
}

/** reflect's kind name of a decoded JSON value, as Go's errors print it. */
function goKind(x: unknown): string {
  if (x === null || x === undefined) return 'interface {}';
  if (typeof x === 'string') return 'string';
  if (typeof x === 'boolean') return 'bool';
  if (typeof x === 'number') return Number.isInteger(x) ? 'int' : 'float64';
  if (Array.isArray(x)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** exec.go isTrue: zero values are false (a struct is always true). */
function truth(a: Val): boolean {
  if (a.invalid === true) return false;
  const x = a.v;
  if (a.t !== undefined && typeof a.t === 'object' && 'struct' in a.t) return true;
  if (x === null || x === undefined) return false;
  if (typeof x === 'boolean') return x;
  if (typeof x === 'number') return x !== 0;
  if (typeof x === 'string') return x !== '';
  if (Array.isArray(x)) return x.length > 0;
  return Object.keys(x as object).length > 0;
}

function literalText(a: Arg): string {
  switch (a.kind) {
    case 'string': return JSON.stringify(a.value);
    case 'number': return a.text;
    case 'bool': return String(a.value);
    case 'nil': return 'nil';
    default: return '.';
  }
}

/** Runs the parsed template over `value`. */
export function execute(src: string, nodes: readonly Node[], value: unknown, o: ExecOptions): string {
  const root: Val = o.goType !== undefined ? { v: value, t: o.goType } : { v: value };
  const e = new Exec(src, root, o);
  e.list(nodes, root);
  return e.out;
}
