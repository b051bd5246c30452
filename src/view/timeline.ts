// The cluster over time, drawn at build time as SVG: one row per service slot (a global service's
// row is its node), each task a bar split by state — starting, running (coloured by the version it
// was made from, with image and node written on it), stopping (still running, desired shutdown:
// the window a rolling update drains), ended — and under it, on the same time axis, each traffic
// loop's answers and failures per second. Every bar and bin has a <title> and text besides its
// colour. Also the nodes with the tasks they run when the scenario ends.
import type { ClusterTimeline, TaskLine, TaskSpan } from '../scenario/timeline.js';
import type { TaskState } from '../swarm/model.js';
import { esc } from './svg.js';

export interface NodeSummary {
  readonly hostname: string;
  readonly role: string;
  readonly status: string;
  readonly availability: string;
  /** Running tasks on the node, `web.1 (nginx:latest)`. */
  readonly tasks: string[];
}

/** A row of the timeline: its label and its tasks, each in a lane so that overlaps show. */
export interface TimelineRow {
  readonly label: string;
  readonly tasks: Array<{ readonly lane: number; readonly task: TaskLine }>;
  readonly lanes: number;
}

/** What a stretch of a task's life is called on the drawing. */
export function spanPhase(s: TaskSpan): 'starting' | 'running' | 'stopping' | 'ended' {
  if (s.state === 'running') return s.desired === 'running' ? 'running' : 'stopping';
  return TERMINAL.has(s.state) ? 'ended' : 'starting';
}

const TERMINAL = new Set<TaskState>(['complete', 'shutdown', 'failed', 'rejected', 'remove', 'orphaned']);

/** The image's name without its digest. */
function shortImage(image: string): string {
  return image.replace(/@sha256:[0-9a-f]+$/, '');
}

/** Rows by service then slot (global tasks: by node); tasks that overlap in time take another lane. */
export function timelineRows(tl: ClusterTimeline): TimelineRow[] {
  const rows = new Map<string, TaskLine[]>();
  for (const t of tl.tasks.values()) {
    const key = t.slot > 0 ? `${t.service}.${t.slot}` : `${t.service}@${t.spans.find((s) => s.node !== null)?.node ?? '?'}`;
    rows.set(key, [...(rows.get(key) ?? []), t]);
  }
  const order = [...rows.keys()].sort((a, b) => {
    const [sa, na] = split(a);
    const [sb, nb] = split(b);
    return sa.localeCompare(sb) || na - nb || a.localeCompare(b);
  });
  return order.map((label) => {
    const ends: number[] = [];
    const tasks = rows.get(label)!.map((task) => {
      const start = task.spans[0]!.from;
      let lane = ends.findIndex((e) => e <= start);
      if (lane < 0) lane = ends.push(0) - 1;
      ends[lane] = endOf(task);
      return { lane, task };
    });
    return { label, tasks, lanes: Math.max(1, ends.length) };
  });
}

function split(label: string): [string, number] {
  const m = /^(.*)\.(\d+)$/.exec(label);
  return m === null ? [label, 0] : [m[1]!, Number(m[2])];
}

/** When a task's bar ends: its terminal state's start, else never (Infinity). */
function endOf(t: TaskLine): number {
  const last = t.spans[t.spans.length - 1]!;
  return spanPhase(last) === 'ended' ? last.from : Infinity;
}

const LABEL_W = 150;
const PLOT_W = 900;
const LANE_H = 16;
const ROW_GAP = 4;
const BIN_H = 40;

const secs = (ns: number): string => `${(ns / 1e9).toFixed(2)} s`;
const r1 = (n: number): string => String(Math.round(n * 10) / 10);

export const TIMELINE_STYLE = `
svg.timeline { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 10px; }
svg.timeline .axis line { stroke: #ccd; }
svg.timeline .span.starting { fill: #d5dbe6; }
svg.timeline .span.stopping { fill: #f5b041; }
svg.timeline .span.v1 { fill: #5dade2; }
svg.timeline .span.v2 { fill: #58d68d; }
svg.timeline .span.v3 { fill: #af7ac5; }
svg.timeline .span.v4 { fill: #f1948a; }
svg.timeline .end.failed, svg.timeline .end.rejected { fill: #c0392b; }
svg.timeline .end { fill: #5b6b85; }
svg.timeline .bin.ok { fill: #1e8449; }
svg.timeline .bin.failed { fill: #c0392b; }
`;

/** The timeline as SVG; null when the scenario had no swarm tasks and no traffic loop. */
export function renderTimeline(tl: ClusterTimeline): string | null {
  const rows = timelineRows(tl);
  if (rows.length === 0 && tl.traffic.length === 0) return null;
  let t0 = Infinity;
  for (const t of tl.tasks.values()) t0 = Math.min(t0, t.spans[0]!.from);
  for (const l of tl.traffic) for (const s of l.seconds.keys()) t0 = Math.min(t0, s * 1e9);
  t0 = Math.floor((t0 === Infinity ? 0 : t0) / 1e9) * 1e9;
  const t1 = Math.max(tl.end, t0 + 1e9);
  const x = (t: number): number => LABEL_W + ((Math.min(t, t1) - t0) / (t1 - t0)) * PLOT_W;
  const out: string[] = [];
  let y = 18;
  const body: string[] = [];
  for (const row of rows) {
    const h = row.lanes * LANE_H;
    body.push(`<g class="row" data-row="${esc(row.label)}"><text x="4" y="${y + 12}">${esc(row.label)}</text>`);
    for (const { lane, task } of row.tasks) {
      const ty = y + lane * LANE_H;
      body.push(`<g class="task" data-task="${esc(task.id)}" data-version="${task.version}">`);
      for (const s of task.spans) {
        const phase = spanPhase(s);
        const node = s.node ?? 'no node';
        if (phase === 'ended') {
          // The end: a tick and the state it ended in.
          body.push(`<g class="end ${s.state}"><rect x="${r1(x(s.from))}" y="${ty + 1}" width="2" height="${LANE_H - 2}"/><title>${esc(`${row.label} ${task.id.slice(0, 12)}: ${s.state} at ${secs(s.from)} on ${node}`)}</title></g>`);
          if (s.state === 'failed' || s.state === 'rejected') body.push(`<text x="${r1(x(s.from) + 3)}" y="${ty + 12}">✗ ${s.state}</text>`);
          continue;
        }
        const x0 = x(s.from);
        const x1 = x(s.to ?? t1);
        const cls = phase === 'running' ? `v${((task.version - 1) % 4) + 1}` : phase;
        const tip = `${row.label} ${task.id.slice(0, 12)} ${shortImage(task.image)} (version ${task.version}): ${s.state}${s.desired !== 'running' ? `, desired ${s.desired}` : ''} on ${node}, ${secs(s.from)} to ${s.to === null ? 'the end' : secs(s.to)}`;
        body.push(`<rect class="span ${phase} ${cls}" data-phase="${phase}" data-from="${s.from}" data-to="${s.to ?? ''}" x="${r1(x0)}" y="${ty + 1}" width="${r1(Math.max(1, x1 - x0))}" height="${LANE_H - 2}"><title>${esc(tip)}</title></rect>`);
        const words = phase === 'running' ? `${shortImage(task.image).replace(/^.*\//, '')}@${node}` : phase === 'stopping' ? 'stopping' : '';
        if (words !== '' && (x1 - x0) > words.length * 6.2 + 4) body.push(`<text x="${r1(x0 + 3)}" y="${ty + 11}">${esc(words)}</text>`);
      }
      body.push('</g>');
    }
    body.push('</g>');
    y += h + ROW_GAP;
  }
  for (const loop of tl.traffic) {
    y += 6;
    let max = 1;
    for (const b of loop.seconds.values()) max = Math.max(max, b.ok + b.failed);
    body.push(`<g class="traffic" data-loop="${esc(loop.name)}"><text x="4" y="${y + 12}">traffic ${esc(loop.name)}</text><text x="4" y="${y + 24}" class="sub">per second</text>`);
    const w = Math.max(1, (1e9 / (t1 - t0)) * PLOT_W - 1);
    for (const [s, b] of [...loop.seconds].sort((p, q) => p[0] - q[0])) {
      const bx = x(s * 1e9);
      const hOk = (b.ok / max) * BIN_H;
      const hFail = (b.failed / max) * BIN_H;
      const tip = `${loop.name} second ${s}: ${b.ok} answered, ${b.failed} failed`;
      body.push(`<g class="bin-group" data-second="${s}" data-ok="${b.ok}" data-failed="${b.failed}"><title>${esc(tip)}</title>`);
      if (b.ok > 0) body.push(`<rect class="bin ok" x="${r1(bx)}" y="${r1(y + BIN_H - hOk)}" width="${r1(w)}" height="${r1(hOk)}"/>`);
      if (b.failed > 0) body.push(`<rect class="bin failed" x="${r1(bx)}" y="${r1(y + BIN_H - hOk - hFail)}" width="${r1(w)}" height="${r1(hFail)}"/><text x="${r1(bx)}" y="${r1(y + BIN_H - hOk - hFail - 2)}">✗${b.failed}</text>`);
      body.push('</g>');
    }
    body.push('</g>');
    y += BIN_H + ROW_GAP + 10;
  }
  // The time axis: a tick every round number of seconds, about ten over the width.
  const span = (t1 - t0) / 1e9;
  const step = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600].find((s) => span / s <= 12) ?? 7200;
  const axis: string[] = ['<g class="axis">'];
  for (let s = 0; s <= span; s += step) {
    const ax = x(t0 + s * 1e9);
    axis.push(`<line x1="${r1(ax)}" y1="14" x2="${r1(ax)}" y2="${y}"/><text x="${r1(ax + 2)}" y="10">${(t0 / 1e9 + s).toFixed(0)} s</text>`);
  }
  axis.push('</g>');
  const width = LABEL_W + PLOT_W + 20;
  out.push(`<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${y + 4}" width="${width}" height="${y + 4}" role="img" aria-label="the cluster's tasks and traffic over simulated time">`);
  out.push(...axis, ...body, '</svg>');
  return out.join('\n') + '\n';
}

/** The nodes and what runs on each, as a table. */
export function renderNodes(nodes: readonly NodeSummary[]): string {
  if (nodes.length === 0) return '';
  const rows = nodes.map((n) => `<tr><td>${esc(n.hostname)}</td><td>${esc(n.role)}</td><td>${esc(n.status)}</td><td>${esc(n.availability)}</td><td>${n.tasks.length === 0 ? '—' : esc(n.tasks.join(', '))}</td></tr>`);
  return `<table id="nodes"><caption>Nodes when the scenario ended</caption><thead><tr><th>node</th><th>role</th><th>status</th><th>availability</th><th>running tasks</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>\n`;
}

export { shortImage };
