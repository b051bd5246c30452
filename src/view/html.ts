// `swarmsim view`: one self-contained HTML page (its styles and script inlined, nothing fetched)
// with the topology drawn, the scenario's transcript beside it, and every traced packet stepped
// hop by hop on the picture: the path lit (request red, reply green, each also named in words),
// a marker on the current hop, the hop's place and what happened there, the drop and its reason.
import type { Layout } from './layout.js';
import { STYLE, esc, renderSvg } from './svg.js';

export interface ViewHop {
  readonly kind: string;
  readonly host: string;
  readonly ns: string;
  readonly dev: string;
  readonly text: string;
}

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

export interface ViewInput {
  readonly name: string;
  readonly transcript: string;
  readonly traces: readonly ViewTrace[];
  readonly layout: Layout;
}

/** The most specific place on the drawing a hop names: its device, else its namespace, else its host. */
export function placeOf(keys: ReadonlySet<string>, h: ViewHop): string | null {
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
`;

const SCRIPT = `
(function () {
  var traces = JSON.parse(document.getElementById('trace-data').textContent);
  var svg = document.querySelector('svg.topo');
  var marker = document.getElementById('marker');
  var hopBox = document.getElementById('hop');
  var list = document.getElementById('hops');
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
    var tr = traces[t];
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
    list.querySelectorAll('li').forEach(function (li, j) { li.classList.toggle('current', j === cur.i); });
    var li = list.children[cur.i];
    if (li && li.scrollIntoView) li.scrollIntoView({ block: 'nearest' });
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
  if (traces.length > 0) select(0);
})();
`;

export function renderHtml(v: ViewInput): string {
  const keys = new Set(v.layout.boxes.map((b) => b.key));
  const legs = (l: ViewLeg | null): object | null => (l === null ? null : { verdict: l.verdict, reason: l.reason, hops: l.hops.map((h) => ({ ...h, place: placeOf(keys, h) })) });
  const data = v.traces.map((t) => ({ title: t.title, request: legs(t.request), reply: legs(t.reply) }));
  // `</` cannot appear inside a script element: the JSON escapes it.
  const json = JSON.stringify(data).replace(/<\//g, '<\\/');
  const buttons = v.traces.map((t, i) => `<button type="button" aria-pressed="false" data-trace="${i}">${esc(t.title)}</button>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(v.name)} — swarmsim</title>
<style>${PAGE_STYLE}${STYLE}</style>
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
<div id="hop" aria-live="polite"></div>
<ol id="hops"></ol>
<h2 style="font-size:13px;margin:4px 0">Transcript</h2>
<pre id="transcript">${esc(v.transcript)}</pre>
</section>
</main>
<script type="application/json" id="trace-data">${json}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
