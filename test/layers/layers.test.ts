// The layers the compiler holds: every folder of src/ is a composite project (src/<layer>/tsconfig.json)
// that references only the layers below it, so `tsc -b src` (npm test's first step) refuses an import
// that points up. These tests keep that from silently regressing: the references stay inside the
// graph the README's Layout section draws, no folder escapes the graph, and tsc -b really refuses an
// upward import (a two-project fixture).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const SRC = join(ROOT, 'src');

/** What each layer may import: the graph agreed for the code base (README, "Layout"). */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  sim: ['core'],
  wire: ['core', 'sim'],
  kernel: ['core', 'sim', 'wire'],
  apps: ['core', 'sim', 'wire', 'kernel'],
  tools: ['core', 'sim', 'wire', 'kernel', 'apps'],
  docker: ['core', 'sim', 'wire', 'kernel', 'apps', 'tools'],
  // The manager's logic never reaches the data plane: only the agent drives docker/.
  swarm: ['core', 'sim'],
  agent: ['core', 'sim', 'wire', 'kernel', 'apps', 'tools', 'docker', 'swarm'],
  shell: ['core', 'sim', 'wire', 'kernel', 'apps', 'tools', 'docker', 'swarm', 'agent'],
  // Sinks only: the trace renders typed events and knows nothing of who fired them.
  trace: ['core', 'wire'],
  scenario: ['core', 'sim', 'wire', 'kernel', 'apps', 'tools', 'docker', 'swarm', 'agent', 'shell', 'trace'],
  topology: ['core', 'sim', 'wire', 'kernel', 'apps', 'tools', 'docker', 'swarm', 'agent', 'shell', 'scenario', 'trace'],
  view: ['core', 'sim', 'wire', 'kernel', 'apps', 'tools', 'docker', 'swarm', 'agent', 'shell', 'scenario', 'trace', 'topology'],
  cli: ['core', 'sim', 'wire', 'kernel', 'apps', 'tools', 'docker', 'swarm', 'agent', 'shell', 'scenario', 'trace', 'topology', 'view'],
};

const layers = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory()).sort();

function references(layer: string): string[] {
  const cfg = JSON.parse(readFileSync(join(SRC, layer, 'tsconfig.json'), 'utf8')) as { references?: Array<{ path: string }> };
  return (cfg.references ?? []).map((r) => normalize(r.path).replace(/^\.\.\//, ''));
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (n.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** tsc -b on a fixture; its diagnostics (empty when it built). */
function build(project: string): string {
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', project], { cwd: ROOT, encoding: 'utf8' });
    return '';
  } catch (e) {
    return String((e as { stdout?: string }).stdout ?? e);
  }
}

describe('layers', () => {
  it('every folder of src/ is a layer of the graph, and the solution builds them all', () => {
    expect(layers).toEqual(Object.keys(ALLOWED).sort());
    const solution = JSON.parse(readFileSync(join(SRC, 'tsconfig.json'), 'utf8')) as { references: Array<{ path: string }> };
    expect(solution.references.map((r) => normalize(r.path)).sort()).toEqual(layers);
  });

  it("each layer's project references only layers below it", () => {
    for (const layer of layers) {
      const up = references(layer).filter((r) => !ALLOWED[layer]!.includes(r));
      expect(up, `src/${layer}/tsconfig.json references ${up.join(', ')}`).toEqual([]);
    }
  });

  it('no import in src/ leaves its layer except into a referenced one', () => {
    const bad: string[] = [];
    for (const layer of layers) {
      const refs = new Set(references(layer));
      for (const f of tsFiles(join(SRC, layer))) {
        for (const m of readFileSync(f, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
          const target = relative(SRC, normalize(join(dirname(f), m[1]!))).split('/')[0]!;
          if (target !== layer && !refs.has(target)) bad.push(`${relative(ROOT, f)} imports ${m[1]}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('tsc -b builds an import that points down and refuses one that points up', () => {
    expect(build('test/layers/fixture/ok')).toBe('');
    const up = build('test/layers/fixture/up');
    expect(up).toMatch(/fixture\/up\/low\/up\.ts\(\d+,\d+\): error TS6307: File '[^']*fixture\/up\/high\/value\.ts' is not listed within the file list of project/);
  });
});
