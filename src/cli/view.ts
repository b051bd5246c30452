// `swarmsim view FILE`: the scenario replayed, then its topology and every traced packet as one
// self-contained HTML page (or the topology as SVG with one trace lit, as DOT, or as graphology's
// JSON).
import { writeFileSync } from 'node:fs';
import { InputError } from '../core/errors.js';
import type { Simulation } from '../scenario/simulation.js';
import { loadScenario } from '../scenario/load.js';
import { runScenario } from '../scenario/run.js';
import { buildTopology, toDot } from '../topology/graph.js';
import { placeOf, renderHtml } from '../view/html.js';
import type { ViewReach, ViewTrace } from '../view/html.js';
import type { RunRecord } from '../scenario/run.js';
import { shortImage } from '../view/timeline.js';
import type { NodeSummary } from '../view/timeline.js';
import { layoutTopology } from '../view/layout.js';
import { renderSvg } from '../view/svg.js';

export interface ViewOptions {
  readonly output?: string;
  readonly svg?: boolean;
  readonly dot?: boolean;
  readonly json?: boolean;
  /** Which trace step (1-based) the SVG and DOT light up; default the first. */
  readonly trace?: string;
}

/** The nodes of the world's swarm and the tasks running on each, for the page. */
export function nodesOf(sim: Simulation): NodeSummary[] {
  const cluster = sim.swarm.cluster;
  if (cluster === null) return [];
  return [...cluster.nodes.values()].map((n) => {
    const tasks: string[] = [];
    for (const t of cluster.tasks.values()) {
      if (t.nodeId !== n.id || t.state !== 'running') continue;
      const svc = cluster.services.get(t.serviceId)?.spec.name ?? t.spec.name;
      tasks.push(`${svc}.${t.slot > 0 ? t.slot : n.hostname} (${shortImage(t.spec.image)})`);
    }
    return { hostname: n.hostname, role: n.role, status: n.status, availability: n.availability, tasks: tasks.sort() };
  });
}

/** The page for a replayed world, the traces to show on it, and what the replay recorded. */
export async function pageOf(name: string, transcript: string, sim: Simulation, traces: ViewTrace[], record: RunRecord | null = null, reach: ViewReach[] = []): Promise<string> {
  return renderHtml({
    name,
    transcript,
    traces,
    layout: await layoutTopology(buildTopology(sim)),
    reach: [...(record?.reach ?? []).map((r) => ({ title: `${r.title} (line ${r.line})`, results: r.results })), ...reach],
    timeline: record?.timeline ?? null,
    nodes: nodesOf(sim),
  });
}

export async function cmdView(file: string, text: string, o: ViewOptions, out: (s: string) => void): Promise<number> {
  if ([o.svg, o.dot, o.json].filter((x) => x === true).length > 1) throw new InputError('--svg, --dot and --json are one output each: give one');
  const sc = loadScenario(file, text);
  let transcript = '';
  const res = runScenario(sc, { print: (t) => (transcript += t), record: true });
  const traces = res.steps.filter((s) => s.kind === 'trace' && s.trace !== undefined).map((s) => s.trace as ViewTrace);
  const g = buildTopology(res.sim);
  const n = o.trace === undefined ? 1 : Number(o.trace);
  if (!Number.isInteger(n) || n < 1 || (o.trace !== undefined && n > traces.length)) throw new InputError(`--trace: "${o.trace}" must be a trace step's number, 1 to ${traces.length}`);
  const chosen = traces[n - 1];
  const keys = new Set(g.nodes());
  const lit = (leg: 'request' | 'reply'): Set<string> => new Set((chosen?.[leg]?.hops ?? []).map((h) => placeOf(keys, h)).filter((k): k is string => k !== null));
  const req = chosen?.request;
  const last = req !== null && req !== undefined && req.verdict === 'dropped' ? req.hops[req.hops.length - 1] : undefined;
  let body: string;
  if (o.json) body = JSON.stringify(g.export(), null, 2) + '\n';
  else if (o.dot) body = toDot(g, new Set([...lit('request'), ...lit('reply')]));
  else if (o.svg) body = renderSvg(await layoutTopology(g), { request: lit('request'), reply: lit('reply'), drop: last === undefined ? null : placeOf(keys, last) }, true);
  else body = await pageOf(sc.name, transcript, res.sim, traces, res.record);
  const target = o.output ?? (o.svg || o.dot || o.json ? null : 'report.html');
  if (target === null || target === '-') out(body);
  else {
    writeFileSync(target, body);
    out(`wrote ${target}: ${g.order} places, ${g.size} links, ${traces.length} trace${traces.length === 1 ? '' : 's'}\n`);
  }
  return res.passed ? 0 : 1;
}
