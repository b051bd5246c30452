// Typed values for templates the CLI runs on a Go struct (`docker secret|config|service inspect`
// execute on the swarm object and fall back to the decoded JSON map only when that fails: cli/command/
// inspect TemplateInspector.tryRawInspectFallback): the struct's fields, promoted through embedded
// structs, and fmt's %v of each Go type.

/** fmt's %v of a JSON-shaped value: maps with sorted keys `map[k:v]`, lists `[a b]`, nil `<nil>`. */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (typeof v === 'object') {
    const keys = Object.keys(v as object).sort();
    return `map[${keys.map((k) => `${k}:${goValue((v as Record<string, unknown>)[k])}`).join(' ')}]`;
  }
  return String(v);
}

/**
 * A Go type, for values the CLI formats as typed structs (`docker secret inspect` executes the
 * template on a swarm.Secret, and only on the decoded JSON map when that fails: cli/command/
 * inspect TemplateInspector.tryRawInspectFallback). Scalars name how fmt prints them.
 */
export type GoType =
  | 'string' | 'number' | 'bool' | 'time' | 'duration' | 'filemode' | 'bytes' | 'map' | 'strings'
  | { readonly struct: string; readonly fields: readonly GoField[] }
  | { readonly ptr: GoType }
  | { readonly slice: GoType };

export interface GoField {
  readonly name: string;
  readonly type: GoType;
  /** An embedded struct: its fields are the parent's in JSON and promoted in templates. */
  readonly embedded?: boolean;
}

/** A value of a Go type: the type and the JSON it was decoded from (an embedded struct's JSON
 *  is its parent's). */
export interface Typed {
  readonly t: GoType;
  readonly v: unknown;
}

/** A field the struct lacks (or a nil pointer on the way): the CLI then runs the template on the map. */
export class TypedMiss extends Error {}

function structOf(t: GoType): { struct: string; fields: readonly GoField[] } | null {
  return typeof t === 'object' && 'struct' in t ? t : null;
}

/** A field of a struct value, promoted through embedded structs; null when there is none. */
export function typedField(x: Typed, name: string): Typed | null {
  let cur = x;
  if (typeof cur.t === 'object' && 'ptr' in cur.t) {
    if (cur.v === null || cur.v === undefined) throw new TypedMiss(); // nil pointer evaluating
    cur = { t: cur.t.ptr, v: cur.v };
  }
  const st = structOf(cur.t);
  if (st === null) return null;
  const obj = (cur.v ?? {}) as Record<string, unknown>;
  // An embedded struct is also a field named after its type (`.Spec.Annotations`).
  for (const f of st.fields) if (f.name === name) return { t: f.type, v: f.embedded ? obj : obj[f.name] };
  for (const f of st.fields) {
    if (!f.embedded) continue;
    const inner = typedField({ t: f.type, v: obj }, name);
    if (inner !== null) return inner;
  }
  return null;
}

/** time.Time.String(): `2006-01-02 15:04:05.999999999 -0700 MST` (UTC here). */
function goTime(v: unknown): string {
  const m = typeof v === 'string' ? /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(\.\d+)?Z$/.exec(v) : null;
  if (m === null) return '0001-01-01 00:00:00 +0000 UTC';
  return `${m[1]} ${m[2]}${(m[3] ?? '').replace(/0+$/, '').replace(/^\.$/, '')} +0000 UTC`;
}

/** time.Duration.String() of nanoseconds. */
function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0 ? '-' : '';
  let n = Math.abs(ns);
  if (n < 1e3) return `${neg}${n}ns`;
  if (n < 1e6) return `${neg}${n / 1e3}µs`;
  if (n < 1e9) return `${neg}${n / 1e6}ms`;
  const h = Math.floor(n / 3600e9);
  n -= h * 3600e9;
  const m = Math.floor(n / 60e9);
  n -= m * 60e9;
  const sec = `${Number((n / 1e9).toFixed(9))}s`;
  return neg + (h > 0 ? `${h}h${m}m${sec}` : m > 0 ? `${m}m${sec}` : sec);
}

/** os.FileMode.String() of a permission-only mode (`-r--r--r--`). */
function goFileMode(mode: number): string {
  const rwx = 'rwxrwxrwx';
  let out = '-';
  for (let i = 0; i < 9; i++) out += (mode & (1 << (8 - i))) !== 0 ? rwx[i] : '-';
  return out;
}

/** fmt's %v of a typed value. Pointers print their address below the top level, as fmt does;
 *  the addresses are made up, in order of printing (a heap address is not reproducible). */
export function printTyped(x: Typed, depth: number, addr: { next: number }): string {
  const { t, v } = x;
  if (typeof t === 'string') {
    switch (t) {
      case 'time': return goTime(v);
      case 'duration': return goDuration(typeof v === 'number' ? v : 0);
      case 'filemode': return goFileMode(typeof v === 'number' ? v : 0);
      case 'bytes': return `[${(typeof v === 'string' ? [...Buffer.from(v, 'base64')] : []).join(' ')}]`;
      case 'map': return goValue(v ?? {});
      case 'strings': return goValue(v ?? []);
      case 'bool': return v === true ? 'true' : 'false';
      case 'number': return String(typeof v === 'number' ? v : 0);
      default: return typeof v === 'string' ? v : '';
    }
  }
  if ('ptr' in t) {
    if (v === null || v === undefined) return '<nil>';
    // A pointer to a Stringer (time.Time, time.Duration) prints by its String method at any depth.
    const stringer = t.ptr === 'time' || t.ptr === 'duration' || t.ptr === 'filemode';
    if (depth > 0 && !stringer) return `0x${(addr.next += 0x30).toString(16)}`;
    return printTyped({ t: t.ptr, v }, depth, addr);
  }
  if ('slice' in t) return `[${(Array.isArray(v) ? v : []).map((e) => printTyped({ t: t.slice, v: e }, depth + 1, addr)).join(' ')}]`;
  const obj = (v ?? {}) as Record<string, unknown>;
  return `{${t.fields.map((f) => printTyped({ t: f.type, v: f.embedded ? obj : obj[f.name] }, depth + 1, addr)).join(' ')}}`;
}

