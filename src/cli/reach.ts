// `swarmsim reach FILE` and `swarmsim diff A B`: the reach matrix after a scenario, and what
// changes between two scenarios (or one and a what-if step appended to it). Flows are probed in
// chunks of CHUNK, each on a fresh replay of the scenario, spread over worker threads when there
// are several: the matrix is then the same bytes for any number of threads.
import { availableParallelism } from 'node:os';
import { parseDocument, isSeq } from 'yaml';
import { InputError } from '../core/errors.js';
import { loadScenario } from '../scenario/load.js';
import { probeFlows, reachFlows } from '../scenario/reach.js';
import { runScenario } from '../scenario/run.js';
import type { RunResult } from '../scenario/run.js';
import type { ViewTrace } from '../view/html.js';
import { writeFileSync } from 'node:fs';
import { diffReach, flowKey, reachJson, renderDiff, renderReach } from '../trace/reach.js';
import type { FlowResult } from '../trace/reach.js';
import type { ReachTask } from './reach-worker.js';
import { probeChunk } from './reach-worker.js';
import { spread, workerFile } from './workers.js';

/** Flows per replay. */
export const CHUNK = 48;
/** More probes per flow than this is not a balance anyone reads. */
const MAX_COUNT = 100;
/** A probe's stream: a megabyte shows any MTU problem. */
const MAX_SIZE = 1 << 20;

export interface ReachCliOptions {
  readonly from?: string;
  readonly count?: string;
  readonly jobs?: string;
  readonly json?: boolean;
  readonly size?: string;
  /** Also write the matrix drawn in the view page (`reach --html FILE`). */
  readonly html?: string;
}

function whole(flag: string, text: string | undefined, dflt: number, min: number, max: number): number {
  if (text === undefined) return dflt;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new InputError(`${flag}: "${text}" must be a whole number from ${min} to ${max}`);
  return n;
}

/** The matrix after the scenario in `text`. */
export interface ReachRun {
  readonly results: FlowResult[];
  readonly count: number;
  readonly size: number;
  readonly passed: boolean;
  /** The replay (its world as the scenario left it, before the probes), its transcript and record. */
  readonly run: RunResult;
  readonly transcript: string;
}

export async function reachOf(file: string, text: string, o: ReachCliOptions): Promise<ReachRun> {
  const count = whole('--count', o.count, 3, 1, MAX_COUNT);
  const size = whole('--size', o.size, 0, 0, MAX_SIZE);
  const sc = loadScenario(file, text);
  let transcript = '';
  const res = runScenario(sc, { print: (t) => (transcript += t), record: o.html !== undefined });
  const from = o.from === undefined ? null : o.from.split(',').filter((x) => x !== '');
  for (const h of from ?? []) if (!res.world.hosts.has(h)) throw new InputError(`--from: no host named "${h}" (hosts: ${[...res.world.hosts.keys()].join(', ')})`);
  const flows = reachFlows(res.sim, { from, count });
  const chunks: ReachTask[] = [];
  for (let i = 0; i < flows.length; i += CHUNK) chunks.push({ file, text, flows: flows.slice(i, i + CHUNK), count, size });
  if (chunks.length === 0) return { results: [], count, size, passed: res.passed, run: res, transcript };
  const worker = workerFile('reach-worker');
  const jobs = worker === null ? 1 : Math.min(chunks.length, whole('--jobs', o.jobs, availableParallelism(), 1, 256));
  // The first chunk (this thread's) uses the replay already made; the others get their own.
  const done = await spread(chunks, jobs, worker, (t) => (t === chunks[0] ? probeFlows(res.sim, t.flows, count, size) : probeChunk(t)));
  return { results: done.flat(), count, size, passed: res.passed, run: res, transcript };
}

export async function cmdReach(file: string, text: string, o: ReachCliOptions, out: (s: string) => void): Promise<number> {
  const r = await reachOf(file, text, o);
  out(o.json ? JSON.stringify({ file, count: r.count, flows: reachJson(r.results) }, null, 2) + '\n' : renderReach(r.results, r.count));
  if (o.html !== undefined) {
    // The page loads the layout engine: only when asked for.
    const { pageOf } = await import('./view.js');
    const traces = r.run.steps.filter((s) => s.kind === 'trace' && s.trace !== undefined).map((s) => s.trace as ViewTrace);
    const page = await pageOf(r.run.name, r.transcript, r.run.sim, traces, r.run.record, [{ title: `swarmsim reach${o.from === undefined ? '' : ` --from ${o.from}`}`, results: r.results }]);
    writeFileSync(o.html, page);
  }
  return 0;
}

/** A scenario text with one more step at the end (`--what-if`), the step given as YAML. */
export function withStep(file: string, text: string, step: string): string {
  const doc = parseDocument(text);
  const extra = parseDocument(step);
  if (extra.errors.length > 0 || extra.contents === null) throw new InputError(`--what-if: "${step}" is not a YAML step (e.g. "{ run: 'iptables -I INPUT -p udp --dport 4789 -j DROP', on: w1 }")`);
  let steps = doc.get('steps');
  if (!isSeq(steps)) {
    doc.set('steps', doc.createNode([]));
    steps = doc.get('steps');
  }
  if (!isSeq(steps)) throw new InputError(`${file}: "steps" must be a list`);
  steps.flow = false;
  steps.add(extra.contents);
  return doc.toString();
}

export async function cmdDiff(a: { file: string; text: string }, b: { file: string; text: string }, o: ReachCliOptions, out: (s: string) => void): Promise<number> {
  const ra = await reachOf(a.file, a.text, o);
  const rb = await reachOf(b.file, b.text, o);
  // Both sides answer the same questions: a flow only one side would try (a port published on
  // one node in host mode, where the other published it everywhere) is probed on the other too.
  const results = (mine: FlowResult[], theirs: FlowResult[], s: { file: string; text: string }): FlowResult[] => {
    const have = new Set(mine.map(flowKey));
    const missing = theirs.filter((r) => !have.has(flowKey(r))).map(({ probes: _p, paths: _t, ...f }) => f);
    return missing.length === 0 ? mine : [...mine, ...probeChunk({ file: s.file, text: s.text, flows: missing, count: ra.count, size: ra.size })];
  };
  const changes = diffReach(results(ra.results, rb.results, a), results(rb.results, ra.results, b));
  const flows = new Set([...ra.results, ...rb.results].map((r) => `${r.from} ${r.container} ${r.to} ${r.port} ${r.proto} ${r.via}`)).size;
  if (o.json) out(JSON.stringify({ a: a.file, b: b.file, flows, changes: changes.map((c) => ({ flow: c.key, a: c.a?.probes ?? null, b: c.b?.probes ?? null, firstDifferentHop: c.hop })) }, null, 2) + '\n');
  else out(renderDiff(changes, a.file, b.file, flows));
  // As diff(1): 0 when nothing changed, 1 when something did.
  return changes.length === 0 ? 0 : 1;
}
