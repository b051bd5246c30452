// The part of Go's text/template the docker CLI's --format and -f use (gotemplate/: parse.ts the
// tree, exec.ts the execution with the builtins and docker/cli's functions, fmt.ts Go's fmt,
// typed.ts values of a Go struct), with Go's errors. Docker prints an error as
// `Template parsing error: …` (cli/command/formatter, cli/command/inspect).
import { execute } from './gotemplate/exec.js';
import type { ExecOptions } from './gotemplate/exec.js';
import { parseTemplate } from './gotemplate/parse.js';
import { TypedMiss } from './gotemplate/typed.js';
import type { GoType } from './gotemplate/typed.js';

export { TemplateError } from './gotemplate/parse.js';
export { goValue } from './gotemplate/typed.js';
export type { GoField, GoType } from './gotemplate/typed.js';

/**
 * Runs `tpl` over `value`. `structType` names the Go type the CLI formats with (for `docker ps`,
 * `*formatter.ContainerContext`): a field it lacks is an execution error there, as on a struct;
 * without it the value is a decoded JSON map, where a missing key prints `<no value>`. With
 * `goType` the template runs on the typed value first and on the map when that fails, as
 * TemplateInspector does.
 */
export function goTemplate(tpl: string, value: unknown, structType?: string, goType?: GoType, methods?: ExecOptions['methods']): string {
  const nodes = parseTemplate(tpl);
  if (goType !== undefined) {
    try {
      return execute(tpl, nodes, value, { goType });
    } catch (e) {
      if (!(e instanceof TypedMiss)) throw e;
    }
  }
  return execute(tpl, nodes, value, { ...(structType !== undefined ? { structType } : {}), ...(methods !== undefined ? { methods } : {}) });
}
