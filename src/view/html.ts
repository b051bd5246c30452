// `swarmsim view`: one self-contained HTML page (its styles and script inlined, nothing fetched)
// with the topology drawn, the scenario's transcript beside it, and every traced packet stepped
// hop by hop on the picture: the path lit (request red, reply green, each also named in words),
// a marker on the current hop, the hop's place and what happened there, the drop and its reason.
import type { ClusterTimeline } from '../scenario/timeline.js';
import type { FlowResult } from '../trace/reach.js';
import type { Hop } from '../trace/recorder.js';
import { hopPanel } from './hop-panel.js';
import type { Layout } from './layout.js';
import { MATRIX_STYLE, buildMatrix, renderMatrix } from './matrix.js';
import { STYLE, esc, renderSvg } from './svg.js';
import { TIMELINE_STYLE, renderNodes, renderTimeline } from './timeline.js';
import type { NodeSummary } from './timeline.js';

/** A hop as the page gets it: the typed event (core/trace.ts) with its words. */
export type ViewHop = Hop;

export interface ViewLeg {
  readonly verdict: string;
  readonly reason: string;
  readonly hops: readonly ViewHop[];
}

export interface ViewTrace {
  readonly title: string;
  readonly request: ViewLeg | null;
  readonly reply: ViewLeg | null;
}

/** A reach step's matrix, for the page. */
export interface ViewReach {
  readonly title: string;
  readonly results: readonly FlowResult[];
}

export interface ViewInput {
  readonly name: string;
  readonly transcript: string;
  readonly traces: readonly ViewTrace[];
  readonly layout: Layout;
  readonly reach?: readonly ViewReach[];
  readonly timeline?: ClusterTimeline | null;
  readonly nodes?: readonly NodeSummary[];
}

/** The most specific place on the drawing a hop names: its device, else its namespace, else its host. */
export function placeOf(keys: ReadonlySet<string>, h: { readonly host: string; readonly ns: string; readonly dev: string }): string | null {
  for (const k of [`${h.host}/${h.ns}/${h.dev}`, `${h.host}/${h.ns}`, h.host]) if (keys.has(k)) return k;
  return null;
}

const PAGE_STYLE = `
body { margin: 0; font-family: system-ui, sans-serif; color: #1c2333; }
header { padding: 8px 14px; background: #1c2333; color: #fff; }
header h1 { font-size: 16px; margin: 0; }
main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(320px, 2fr); gap: 10px; padding: 10px; }
#picture { overflow: auto; border: 1px solid #ccd; max-height: 78vh; }
#side { display: flex; flex-direction: column; gap: 8px; min-width: 0; }
#traces button { margin: 2px; }
#traces button[aria-pressed="true"] { font-weight: bold; outline: 2px solid #3d5a99; }
#controls button { min-width: 4.5em; }
#hop { font-family: ui-monospace, monospace; font-size: 12px; white-space: pre-wrap; border: 1px solid #ccd; padding: 6px; min-height: 5em; }
#hop.drop { background: #fadbd8; }
#hops { font-family: ui-monospace, monospace; font-size: 11px; max-height: 26vh; overflow: auto; border: 1px solid #ccd; margin: 0; padding: 4px 4px 4px 2.6em; }
#hops li.current { background: #ffe9a8; }
#hops li.reply { color: #1e8449; }
#hops li.request { color: #922b21; }
#transcript { font-size: 11px; max-height: 30vh; overflow: auto; background: #f7f7f9; border: 1px solid #ccd; padding: 6px; margin: 0; }
.legend span { display: inline-block; margin-right: 12px; }
#panel { font-family: ui-monospace, monospace; font-size: 11px; border-collapse: collapse; width: 100%; }
#panel th, #panel td { border: 1px solid #dde; padding: 1px 4px; text-align: left; vertical-align: top; }
#panel tr.changed td { background: #fff3c4; font-weight: bold; }
#panel tr.decision th { background: #eef2fb; }
#panel caption { text-align: left; font-weight: bold; }
#selected { font-size: 12px; font-weight: bold; }
section.wide { padding: 0 10px 10px; }
section.wide h2 { font-size: 14px; margin: 10px 0 4px; }
#nodes { border-collapse: collapse; font-size: 12px; margin-top: 6px; }
#nodes th, #nodes td { border: 1px solid #ccd; padding: 2px 6px; text-align: left; }
#timeline-box { overflow-x: auto; border: 1px solid #ccd; }
`;

const SCRIPT = `
(function () {
  var traces = JSON.parse(document.getElementById('trace-data').textContent);
  var svg = document.querySelector('svg.topo');
  var marker = document.getElementById('marker');
  var hopBox = document.getElementById('hop');
  var list = document.getElementById('hops');
  var panel = document.getElementById('panel');
  var selected = document.getElementById('selected');
  var cur = { t: -1, i: 0, steps: [] };
  var timer = null;
  function el(key) { return key === null ? null : svg.querySelector('[data-key="' + CSS.escape(key) + '"]'); }
  function clear() {
    svg.querySelectorAll('.on-request, .on-reply, .dropped, .current').forEach(function (e) { e.classList.remove('on-request', 'on-reply', 'dropped', 'current'); });
  }
  function select(t) {
    stop();
    cur = { t: t, i: 0, steps: [] };
    document.querySelectorAll('#traces button').forEach(function (b, j) { b.setAttribute('aria-pressed', String(j === t)); });
    document.querySelectorAll('table.reach td.current').forEach(function (td) { td.classList.remove('current'); });
    var tr = traces[t];
    selected.textContent = tr.title;
    ['request', 'reply'].forEach(function (leg) {
      var l = tr[leg];
      if (!l) return;
      l.hops.forEach(function (h, j) { cur.steps.push({ leg: leg, h: h, last: j === l.hops.length - 1, verdict: l.verdict, reason: l.reason }); });
    });
    clear();
    list.innerHTML = '';
    cur.steps.forEach(function (s, j) {
      var e = el(s.h.place);
      if (e) e.classList.add(s.leg === 'request' ? 'on-request' : 'on-reply');
      if (s.last && s.verdict === 'dropped' && e) e.classList.add('dropped');
      var li = document.createElement('li');
      li.className = s.leg;
      li.textContent = s.leg + ': ' + [s.h.host, s.h.ns, s.h.dev].filter(Boolean).join(' / ') + '  ' + s.h.kind + ': ' + s.h.text;
      li.addEventListener('click', function () { show(j); });
      list.appendChild(li);
    });
    show(0);
  }
  function show(i) {
    if (cur.steps.length === 0) return;
    cur.i = Math.max(0, Math.min(cur.steps.length - 1, i));
    var s = cur.steps[cur.i];
    svg.querySelectorAll('.current').forEach(function (e) { e.classList.remove('current'); });
    var e = el(s.h.place);
    if (e) {
      e.classList.add('current');
      marker.setAttribute('cx', String(+e.dataset.x + 6));
      marker.setAttribute('cy', String(+e.dataset.y + 6));
      marker.setAttribute('visibility', 'visible');
      marker.setAttribute('class', s.leg);
      if (e.scrollIntoView) e.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    }
    var end = s.last ? '\\n=> ' + s.verdict + (s.reason ? ': ' + s.reason : '') : '';
    hopBox.textContent = 'hop ' + (cur.i + 1) + ' of ' + cur.steps.length + ' (' + s.leg + ')\\n' + [s.h.host, s.h.ns, s.h.dev].filter(Boolean).join(' / ') + '\\n' + s.h.kind + ': ' + s.h.text + end;
    hopBox.className = s.last && s.verdict === 'dropped' ? 'drop' : '';
    fillPanel(s.h.panel);
    list.querySelectorAll('li').forEach(function (li, j) { li.classList.toggle('current', j === cur.i); });
    var li = list.children[cur.i];
    if (li && li.scrollIntoView) li.scrollIntoView({ block: 'nearest' });
  }
  function cell(text, tag) { var c = document.createElement(tag || 'td'); c.textContent = text; return c; }
  function fillPanel(p) {
    while (panel.rows.length > 0) panel.deleteRow(0);
    var body = panel.tBodies[0] || panel.appendChild(document.createElement('tbody'));
    p.decision.forEach(function (d) {
      var tr = document.createElement('tr');
      tr.className = 'decision';
      var th = cell(d[0], 'th');
      tr.appendChild(th);
      var td = cell(d[1]);
      td.colSpan = 3;
      tr.appendChild(td);
      body.appendChild(tr);
    });
    var h = document.createElement('tr');
    ['header', 'before', 'after', ''].forEach(function (w) { h.appendChild(cell(w, 'th')); });
    body.appendChild(h);
    p.headers.forEach(function (r) {
      var tr = document.createElement('tr');
      var changed = r.length === 4 && r[3] === 1;
      if (changed) tr.className = 'changed';
      tr.appendChild(cell(r[0], 'th'));
      tr.appendChild(cell(r[1]));
      tr.appendChild(cell(r.length === 2 ? r[1] : r[2]));
      tr.appendChild(cell(changed ? 'changed' : ''));
      body.appendChild(tr);
    });
  }
  function stop() { if (timer !== null) { clearInterval(timer); timer = null; document.getElementById('play').textContent = 'play'; } }
  document.getElementById('prev').addEventListener('click', function () { stop(); show(cur.i - 1); });
  document.getElementById('next').addEventListener('click', function () { stop(); show(cur.i + 1); });
  document.getElementById('play').addEventListener('click', function () {
    if (timer !== null) return stop();
    this.textContent = 'pause';
    timer = setInterval(function () { if (cur.i >= cur.steps.length - 1) stop(); else show(cur.i + 1); }, 700);
  });
  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'ArrowRight') { stop(); show(cur.i + 1); }
    if (ev.key === 'ArrowLeft') { stop(); show(cur.i - 1); }
  });
  document.querySelectorAll('#traces button').forEach(function (b, j) { b.addEventListener('click', function () { select(j); }); });
  document.querySelectorAll('table.reach td button').forEach(function (b) {
    b.addEventListener('click', function () {
      select(+b.dataset.trace);
      b.parentNode.classList.add('current');
      document.getElementById('picture').scrollIntoView({ block: 'nearest' });
    });
  });
  if (traces.length > 0) select(0);
})();
`;

/** A leg's hops as the page's script gets them: place, words and the hop panel. */
function legData(keys: ReadonlySet<string>, l: ViewLeg | null): object | null {
  if (l === null) return null;
  const hops = l.hops.map((h, i) => {
    const p = hopPanel(i === 0 ? null : l.hops[i - 1]!, h);
    // Compact: [field, value] when the hop left it as it was, [field, before, after, changed].
    const rows = p.headers.map((r) => (r.before === r.after ? [r.field, r.after] : [r.field, r.before, r.after, r.changed ? 1 : 0]));
    return { kind: h.kind, host: h.host, ns: h.ns, dev: h.dev, text: h.text, place: placeOf(keys, h), panel: { headers: rows, decision: p.decision } };
  });
  return { verdict: l.verdict, reason: l.reason, hops };
}

export function renderHtml(v: ViewInput): string {
  const keys = new Set(v.layout.boxes.map((b) => b.key));
  const all: ViewTrace[] = [...v.traces];
  // Each matrix cell's probe joins the page's traces (after the trace steps, which have buttons).
  const matrices = (v.reach ?? []).map((r, i) =>
    renderMatrix(buildMatrix(r.title, r.results), i, (c) => {
      if (c.probe === undefined) return null;
      all.push({ title: `${r.title}: ${c.from} → ${c.to}`, request: c.probe.request, reply: c.probe.reply });
      return all.length - 1;
    }),
  );
  const data = all.map((t) => ({ title: t.title, request: legData(keys, t.request), reply: legData(keys, t.reply) }));
  // `</` cannot appear inside a script element: the JSON escapes it.
  const json = JSON.stringify(data).replace(/<\//g, '<\\/');
  const buttons = v.traces.map((t, i) => `<button type="button" aria-pressed="false" data-trace="${i}">${esc(t.title)}</button>`).join('\n');
  const timeline = v.timeline === undefined || v.timeline === null ? null : renderTimeline(v.timeline);
  const nodes = renderNodes(v.nodes ?? []);
  const reachSection = matrices.length === 0 ? '' : `<section class="wide" id="reach" aria-label="reach matrices">\n<h2>Who reaches what</h2>\n${matrices.join('')}</section>\n`;
  const clusterSection =
    timeline === null && nodes === ''
      ? ''
      : `<section class="wide" id="cluster" aria-label="the cluster over time">\n<h2>The cluster over time</h2>\n<div class="legend"><span><b style="color:#5dade2">■</b> running, first version</span><span><b style="color:#58d68d">■</b> running, second version</span><span><b style="color:#af7ac5">■</b> third</span><span><b style="color:#d5dbe6">■</b> starting (assigned … starting)</span><span><b style="color:#f5b041">■</b> stopping (running, desired shutdown)</span><span>| ended (✗ failed)</span><span><b style="color:#1e8449">■</b> traffic answered</span><span><b style="color:#c0392b">■</b> traffic failed (✗N)</span></div>\n${timeline === null ? '' : `<div id="timeline-box">\n${timeline}</div>\n`}${nodes}</section>\n`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(v.name)} — swarmsim</title>
<style>${PAGE_STYLE}${STYLE}${MATRIX_STYLE}${TIMELINE_STYLE}</style>
</head>
<body>
<header><h1>${esc(v.name)}</h1></header>
<main>
<section id="picture" aria-label="topology">
${renderSvg(v.layout)}</section>
<section id="side">
<div class="legend"><span style="color:#c0392b">■ request path (red)</span><span style="color:#1e8449">■ reply path (green)</span><span style="color:#922b21">■ dropped here (pink fill)</span><span style="color:#7a3db8">- - VXLAN tunnel</span></div>
<div id="traces" aria-label="traced packets">${v.traces.length === 0 ? 'No trace steps in this scenario: add a <code>trace:</code> step, or use <code>swarmsim trace … --html</code>.' : buttons}</div>
<div id="controls"><button type="button" id="prev">◀ prev</button> <button type="button" id="play">play</button> <button type="button" id="next">next ▶</button></div>
<div id="selected"></div>
<div id="hop" aria-live="polite"></div>
<table id="panel" aria-label="the selected hop: what it decided, the headers before and after"></table>
<ol id="hops"></ol>
<h2 style="font-size:13px;margin:4px 0">Transcript</h2>
<pre id="transcript">${esc(v.transcript)}</pre>
</section>
</main>
${reachSection}${clusterSection}<script type="application/json" id="trace-data">${json}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
