// The part of Go's text/template the docker CLI's --format and -f use: `{{.A.B}}` and
// `{{json .A.B}}` (other actions pass through unchanged), with Go 1.12's errors and fmt's %v for
// composite values. Docker prints an error as `Template parsing error: …` (cli/command/formatter).

/** A template that does not parse or execute; the message is Go's (`template: :1: …`). */
export class TemplateError extends Error {}

/** Functions docker's templates know (text/template builtins and cli/templates' additions). */
const FUNCS = new Set([
  'and', 'call', 'html', 'index', 'slice', 'js', 'len', 'not', 'or', 'print', 'printf', 'println', 'urlquery',
  'eq', 'ge', 'gt', 'le', 'lt', 'ne', 'json', 'split', 'join', 'title', 'lower', 'upper', 'pad', 'truncate',
  'if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'true', 'false', 'nil',
]);

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

interface Action {
  readonly start: number;
  readonly end: number;
  readonly body: string;
  /** Line (1-based) and byte offset in that line of the action's first word. */
  readonly line: number;
  readonly col: number;
}

function actions(tpl: string): Action[] {
  const out: Action[] = [];
  let i = 0;
  for (;;) {
    const open = tpl.indexOf('{{', i);
    if (open < 0) return out;
    const line = 1 + (tpl.slice(0, open).match(/\n/g)?.length ?? 0);
    const close = tpl.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError(`template: :${line}: unclosed action`);
    const raw = tpl.slice(open + 2, close);
    const body = raw.replace(/^-\s/, '').replace(/\s-$/, '');
    const lead = raw.length - raw.replace(/^-?\s*/, '').length;
    const col = open + 2 + lead - (tpl.lastIndexOf('\n', open) + 1);
    out.push({ start: open, end: close + 2, body: body.trim(), line, col });
    i = close + 2;
  }
}

/**
 * Runs `tpl` over `value`. `structType` names the Go type the CLI formats with (for `docker ps`,
 * `*formatter.ContainerContext`): a field it lacks is an execution error there, as on a struct;
 * without it the value is a decoded JSON map, where a missing key prints `<no value>`.
 */
export function goTemplate(tpl: string, value: unknown, structType?: string): string {
  let out = '';
  let at = 0;
  for (const a of actions(tpl)) {
    out += tpl.slice(at, a.start);
    at = a.end;
    if (a.body === '' || a.body.startsWith('/*')) {
      if (a.body === '') throw new TemplateError(`template: :${a.line}: missing value for command`);
      continue;
    }
    const m = /^(json\s+)?\.([A-Za-z0-9_.]*)$/.exec(a.body);
    if (m === null) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(a.body)?.[0];
      if (word !== undefined && !FUNCS.has(word)) throw new TemplateError(`template: :${a.line}: function "${word}" not defined`);
      out += tpl.slice(a.start, a.end);
      continue;
    }
    const path = m[2]!.split('.').filter((x) => x !== '');
    let v: unknown = value;
    for (let i = 0; i < path.length; i++) {
      const k = path[i]!;
      const isObject = v !== null && typeof v === 'object' && !Array.isArray(v);
      if (structType !== undefined && i === 0 && !(isObject && k in (v as object))) {
        throw new TemplateError(`template: :${a.line}:${a.col + (m[1]?.length ?? 0)}: executing "" at <.${path.join('.')}>: can't evaluate field ${k} in type ${structType}`);
      }
      v = isObject ? (v as Record<string, unknown>)[k] : undefined;
    }
    if (m[1] !== undefined) out += JSON.stringify(v ?? null);
    else out += v === undefined ? '<no value>' : goValue(v);
  }
  return out + tpl.slice(at);
}
