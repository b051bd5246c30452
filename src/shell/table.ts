// Column output as Go's text/tabwriter prints it with the docker CLI's settings (minwidth 20,
// padding 3, padded with spaces): every cell but the last in a row is padded to its column's width.
export function tabwrite(rows: string[][], minWidth = 20, padding = 3): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => {
    if (i < r.length - 1) widths[i] = Math.max(widths[i] ?? 0, [...cell].length + padding, minWidth);
  });
  return rows.map((r) => r.map((cell, i) => (i < r.length - 1 ? cell + ' '.repeat(widths[i]! - [...cell].length) : cell)).join('').replace(/\s+$/, '')).join('\n') + '\n';
}

/** go-units HumanDuration, as `docker ps` shows ages. */
export function humanDuration(nanos: number): string {
  const seconds = Math.floor(nanos / 1e9);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(seconds / 3600);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(seconds / 3600 / 24 / 365)} years`;
}

/** Go's json.MarshalIndent with four spaces, as `docker inspect` prints (map keys sorted by the caller). */
export function goJson(value: unknown): string {
  return JSON.stringify(value, null, 4);
}

import { goTemplate } from './gotemplate.js';
export { goTemplate, TemplateError } from './gotemplate.js';

/** Label(name) of a row whose Labels cell is `k=v,k2=v2` (the context's Labels()); "" when absent. */
function labelMethod(row: unknown, args: readonly unknown[]): unknown {
  const cell = (row as Record<string, string>)['Labels'] ?? '';
  const want = `${String(args[0])}=`;
  const hit = cell.split(',').find((kv) => kv.startsWith(want));
  return hit === undefined ? '' : hit.slice(want.length);
}

/** The Go type a listing's template runs on, and every field it has (those a row lacks print
 *  empty; any other is `can't evaluate field X in type T`). */
export interface GoStruct {
  readonly type: string;
  readonly fields: readonly string[];
}

// docker/cli 19.03's formatter contexts.
export const CONTAINER_CONTEXT: GoStruct = { type: '*formatter.ContainerContext', fields: ['ID', 'Names', 'Image', 'Command', 'CreatedAt', 'RunningFor', 'Ports', 'Status', 'Size', 'Labels', 'Label', 'Mounts', 'LocalVolumes', 'Networks'] };
export const NETWORK_CONTEXT: GoStruct = { type: '*network.networkContext', fields: ['ID', 'Name', 'Driver', 'Scope', 'IPv6', 'Internal', 'Labels', 'Label', 'CreatedAt'] };
export const NODE_CONTEXT: GoStruct = { type: '*node.nodeContext', fields: ['ID', 'Self', 'Hostname', 'Status', 'Availability', 'ManagerStatus', 'EngineVersion', 'TLSStatus'] };
export const SERVICE_CONTEXT: GoStruct = { type: '*service.serviceContext', fields: ['ID', 'Name', 'Mode', 'Replicas', 'Image', 'Ports'] };
export const TASK_CONTEXT: GoStruct = { type: '*task.taskContext', fields: ['ID', 'Name', 'Image', 'Node', 'DesiredState', 'CurrentState', 'Error', 'Ports'] };

/** A listing as `--format` asks: each row through the template, or with `table …` the chosen
 *  columns under their titles. `fields[i]` names column i of `rows` (rows[0] is the header). */
export function formatRows(rows: string[][], fields: string[], format: string | undefined, struct?: GoStruct): string {
  if (format === undefined) return tabwrite(rows);
  const structType = struct?.type;
  const obj = (r: string[]): Record<string, string> => ({ ...Object.fromEntries((struct?.fields ?? []).map((f) => [f, ''])), ...Object.fromEntries(fields.map((f, i) => [f, r[i] ?? ''])) });
  const data = rows.slice(1);
  // ContainerContext.Label(name) and networkContext.Label(name): one label of the row's.
  const methods = struct?.fields.includes('Label') === true ? { Label: labelMethod } : undefined;
  const run = (tpl: string, row: Record<string, string>): string => goTemplate(tpl, row, structType, undefined, methods);
  // The template is parsed (and so refused) even when there are no rows.
  run(format, obj(rows[0]!));
  // formatter.go preFormat: spaces trimmed, `\t` and `\n` written as escapes become tab and newline.
  if (!format.startsWith('table')) {
    const f = format.replace(/^ +| +$/g, '').replace(/\\t/g, '\t').replace(/\\n/g, '\n');
    return data.map((r) => run(f, obj(r)) + '\n').join('');
  }
  const cells = format.slice(5).trim().split(/\\t|\t/);
  const titles = obj(rows[0]!);
  return tabwrite([cells.map((c) => run(c, titles)), ...data.map((r) => cells.map((c) => run(c, obj(r))))]);
}
