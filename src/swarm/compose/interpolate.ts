// What docker/cli v19.03.13 (cli/compose/loader/interpolate.go, cli/compose/interpolation) does
// around template substitution: which dotted paths are cast after substitution, and the words of
// its errors. The walk over the document is the loader's (compose.ts); this file holds the rules.
import { goQuote } from '../../core/goquote.js';

export type Cast = (value: string) => { readonly value: number | boolean } | { readonly error: string };

/** strconv.Atoi on a 64-bit platform. */
const toInt: Cast = (s) => {
  if (!/^[+-]?\d+$/.test(s)) return { error: `strconv.Atoi: parsing ${goQuote(s)}: invalid syntax` };
  const n = BigInt(s);
  if (n > 9223372036854775807n || n < -9223372036854775808n) return { error: `strconv.Atoi: parsing ${goQuote(s)}: value out of range` };
  return { value: Number(n) };
};
/** strconv.ParseFloat(s, 64), decimal forms and inf/nan. */
const toFloat: Cast = (s) => {
  if (/^[+-]?(inf|infinity)$/i.test(s)) return { value: s.startsWith('-') ? -Infinity : Infinity };
  if (/^nan$/i.test(s)) return { value: NaN };
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return { error: `strconv.ParseFloat: parsing ${goQuote(s)}: invalid syntax` };
  const n = Number(s);
  if (!Number.isFinite(n)) return { error: `strconv.ParseFloat: parsing ${goQuote(s)}: value out of range` };
  return { value: n };
};
/** toBoolean: http://yaml.org/type/bool.html, as the loader spells it. */
const toBoolean: Cast = (s) => {
  const l = s.toLowerCase();
  if (['y', 'yes', 'true', 'on'].includes(l)) return { value: true };
  if (['n', 'no', 'false', 'off'].includes(l)) return { value: false };
  return { error: `invalid boolean: ${s}` };
};

const svc = (...parts: string[]): string[] => ['services', '*', ...parts];
/** interpolateTypeCastMapping. */
const CASTS: Array<[string[], Cast]> = [
  [svc('configs', '[]', 'mode'), toInt],
  [svc('secrets', '[]', 'mode'), toInt],
  [svc('healthcheck', 'retries'), toInt],
  [svc('healthcheck', 'disable'), toBoolean],
  [svc('deploy', 'replicas'), toInt],
  [svc('deploy', 'update_config', 'parallelism'), toInt],
  [svc('deploy', 'update_config', 'max_failure_ratio'), toFloat],
  [svc('deploy', 'rollback_config', 'parallelism'), toInt],
  [svc('deploy', 'rollback_config', 'max_failure_ratio'), toFloat],
  [svc('deploy', 'restart_policy', 'max_attempts'), toInt],
  [svc('deploy', 'placement', 'max_replicas_per_node'), toInt],
  [svc('ports', '[]', 'target'), toInt],
  [svc('ports', '[]', 'published'), toInt],
  [svc('ulimits', '*'), toInt],
  [svc('ulimits', '*', 'hard'), toInt],
  [svc('ulimits', '*', 'soft'), toInt],
  [svc('privileged'), toBoolean],
  [svc('read_only'), toBoolean],
  [svc('stdin_open'), toBoolean],
  [svc('tty'), toBoolean],
  [svc('volumes', '[]', 'read_only'), toBoolean],
  [svc('volumes', '[]', 'volume', 'nocopy'), toBoolean],
  [['networks', '*', 'external'], toBoolean],
  [['networks', '*', 'internal'], toBoolean],
  [['networks', '*', 'attachable'], toBoolean],
  [['volumes', '*', 'external'], toBoolean],
  [['secrets', '*', 'external'], toBoolean],
  [['configs', '*', 'external'], toBoolean],
];

/** Path.matches: same length, each part equal or `*`. The path is split on dots, as Go does,
 *  so a key with a dot in it never matches. */
export function casterFor(path: string): Cast | undefined {
  const parts = path.split('.');
  for (const [pattern, cast] of CASTS) {
    if (pattern.length === parts.length && pattern.every((p, i) => p === '*' || p === parts[i])) return cast;
  }
  return undefined;
}

/** newPathError for a template error. */
export function invalidInterpolation(path: string, template: string): string {
  return `invalid interpolation format for ${path}: ${goQuote(template)}. You may need to escape any $ with another $.`;
}

/** newPathError for a cast error (errors.Wrap, then errors.Wrapf). */
export function castError(path: string, error: string): string {
  return `error while interpolating ${path}: failed to cast to expected type: ${error}`;
}
