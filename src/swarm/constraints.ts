// Placement constraints (`node.hostname==w1`, `node.labels.mem!=max`, `node.role==manager`,
// `engine.labels.x==y`, `node.id==…`), parsed once and checked against a node, as swarmkit's
// scheduler/constraint.go does.
import type { SwarmNode } from './model.js';

export interface Constraint {
  readonly key: string;
  readonly equal: boolean;
  readonly value: string;
  readonly text: string;
}

/** Parses `key==value` / `key!=value`; returns an error text for anything else. */
export function parseConstraint(text: string): Constraint | string {
  const m = /^\s*([A-Za-z0-9_.\-]+)\s*(==|!=)\s*(.+?)\s*$/.exec(text);
  if (m === null) return `invalid constraint: ${text}`;
  const key = m[1]!.toLowerCase();
  if (!/^(node\.(id|hostname|role|platform\.os|platform\.arch|labels\..+)|engine\.labels\..+)$/.test(key)) return `invalid constraint: ${text}`;
  return { key, equal: m[2] === '==', value: m[3]!, text };
}

export function matchConstraint(c: Constraint, n: SwarmNode, engineLabels: Record<string, string>): boolean {
  let actual: string | undefined;
  if (c.key === 'node.id') actual = n.id;
  else if (c.key === 'node.hostname') actual = n.hostname;
  else if (c.key === 'node.role') actual = n.role;
  else if (c.key === 'node.platform.os') actual = 'linux';
  else if (c.key === 'node.platform.arch') actual = 'x86_64';
  else if (c.key.startsWith('node.labels.')) actual = n.labels[c.key.slice('node.labels.'.length)];
  else actual = engineLabels[c.key.slice('engine.labels.'.length)];
  // Hostnames and roles compare case-insensitively; labels exactly (swarmkit constraint.go).
  const same = actual !== undefined && (c.key.startsWith('node.labels.') || c.key.startsWith('engine.labels.') ? actual === c.value : actual.toLowerCase() === c.value.toLowerCase());
  return c.equal ? same : !same;
}
