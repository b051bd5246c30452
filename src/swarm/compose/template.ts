// Variable substitution in compose files, as docker/cli v19.03.13's cli/compose/template does it:
// `$$` → `$`, `$VAR` / `${VAR}`, `${VAR:-default}` (unset or empty), `${VAR-default}` (unset),
// `${VAR:?message}` (error when unset or empty), `${VAR?message}` (error when unset).
//
// Go's quirks are kept on purpose, because files depend on them:
// - the unbraced form takes the operators too and runs to the next `}` or the end of the string
//   (`$A-b c` is `${A-b c}`), since one pattern serves both forms;
// - the functions are tried in Docker's order (`:-`, `-`, `:?`, `?`) on the text, so a
//   `${A:?must-set}` is read as the hard default `-` of a variable named `A:?must`;
// - a `$` followed by anything else fails the whole string with "Invalid template";
// - Go keeps one error variable for the whole ReplaceAllStringFunc, so a later substitution in the
//   same string that succeeds clears an earlier error.

/** template.go: delimiter `\$`, substitution `[_a-z][_a-z0-9]*(?::?[-?][^}]*)?`, case-insensitive. */
const SUBST = '[_a-z][_a-z0-9]*(?::?[-?][^}]*)?';
const PATTERN = new RegExp(`\\$(?:(\\$)|(${SUBST})|\\{(${SUBST})\\}|())`, 'gi');

/** Looks a variable up: undefined when it is not set (not the same as set to ""). */
export type Lookup = (name: string) => string | undefined;

export interface Substituted {
  readonly value: string;
  /** InvalidTemplateError.Template when the substitution failed, else null. */
  readonly invalid: string | null;
}

function partition(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + sep.length)];
}

type Fn = (sub: string, lookup: Lookup) => { value: string; applied: boolean; invalid: string | null };

const softDefault: Fn = (sub, lookup) => {
  if (!sub.includes(':-')) return { value: '', applied: false, invalid: null };
  const [name, dflt] = partition(sub, ':-');
  const v = lookup(name);
  return { value: v === undefined || v === '' ? dflt : v, applied: true, invalid: null };
};
const hardDefault: Fn = (sub, lookup) => {
  if (!sub.includes('-')) return { value: '', applied: false, invalid: null };
  const [name, dflt] = partition(sub, '-');
  return { value: lookup(name) ?? dflt, applied: true, invalid: null };
};
function withRequired(sep: string, valid: (v: string) => boolean): Fn {
  return (sub, lookup) => {
    if (!sub.includes(sep)) return { value: '', applied: false, invalid: null };
    const [name, msg] = partition(sub, sep);
    const v = lookup(name);
    if (v === undefined || !valid(v)) return { value: '', applied: true, invalid: `required variable ${name} is missing a value: ${msg}` };
    return { value: v, applied: true, invalid: null };
  };
}
const FUNCS: Fn[] = [softDefault, hardDefault, withRequired(':?', (v) => v !== ''), withRequired('?', () => true)];

/** template.Substitute. */
export function substitute(template: string, lookup: Lookup): Substituted {
  let invalid: string | null = null;
  const value = template.replace(PATTERN, (_m, escaped: string | undefined, named: string | undefined, braced: string | undefined) => {
    if (escaped !== undefined && escaped !== '') return escaped;
    const sub = named !== undefined && named !== '' ? named : (braced ?? '');
    if (sub === '') {
      invalid = template;
      return '';
    }
    for (const f of FUNCS) {
      const r = f(sub, lookup);
      invalid = r.invalid;
      if (r.invalid !== null) return '';
      if (r.applied) return r.value;
    }
    return lookup(sub) ?? '';
  });
  return { value, invalid };
}
