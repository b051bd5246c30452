// What the view page holds, built from replayed scenarios: the hop panel from the typed events,
// the cluster's timeline (rows, spans, traffic per second), the reach matrix's cells, and the
// same bytes for the same scenario.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cmdView } from '../../src/cli/view.js';
import { loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/run.js';
import type { Hop } from '../../src/trace/recorder.js';
import { hopPanel } from '../../src/view/hop-panel.js';
import { buildMatrix, matrixCell } from '../../src/view/matrix.js';
import { renderTimeline, spanPhase, timelineRows } from '../../src/view/timeline.js';

const replay = (file: string) => runScenario(loadScenario(file, readFileSync(file, 'utf8')), { record: true });

async function page(file: string): Promise<string> {
  let html = '';
  await cmdView(file, readFileSync(file, 'utf8'), { output: '-' }, (s) => (html += s));
  return html;
}

describe('the hop panel', () => {
  const res = replay('scenarios/swarm-routing-mesh.yaml');
  const trace = res.steps.find((s) => s.kind === 'trace')!.trace as { request: { hops: Hop[] } };
  const hops = trace.request.hops;
  const at = (pred: (h: Hop) => boolean): [Hop | null, Hop] => {
    const i = hops.findIndex(pred);
    expect(i).toBeGreaterThan(0);
    return [hops[i - 1]!, hops[i]!];
  };
  const row = (p: ReturnType<typeof hopPanel>, field: string) => p.headers.find((r) => r.field === field);

  it('shows the ingress DNAT rule as iptables -S prints it, and the rewrite it made', () => {
    const rule = hopPanel(...at((h) => h.kind === 'nf' && h.chain === 'DOCKER-INGRESS' && h.target.startsWith('DNAT')));
    expect(rule.decision).toContainEqual(['iptables -t nat -S', '-A DOCKER-INGRESS -p tcp -m tcp --dport 8000 -j DNAT --to-destination 172.18.0.2:8000']);
    const nat = hopPanel(...at((h) => h.kind === 'nat' && h.manip === 'DNAT' && h.by === 'conntrack'));
    expect(nat.decision).toEqual([['NAT', 'DNAT destination 192.168.205.11:8000 → 172.18.0.2:8000 (by conntrack)']]);
    expect(row(nat, 'ip dst')).toEqual({ field: 'ip dst', before: '192.168.205.11', after: '172.18.0.2', changed: true });
    expect(row(nat, 'ip src')).toMatchObject({ changed: false });
  });

  it('shows the IPVS choice, the fwmark it was keyed on, and the encapsulation with inner and outer headers', () => {
    const [, ipvsHop] = at((h) => h.kind === 'ipvs');
    const backend = ipvsHop.kind === 'ipvs' && ipvsHop.op === 'schedule' ? ipvsHop.dest.addr : '';
    expect(backend).toMatch(/^10\.0\.0\.\d+$/);
    const ipvs = hopPanel(...at((h) => h.kind === 'ipvs'));
    expect(ipvs.decision).toEqual([['IPVS', `service FWM 256, scheduler rr: chose ${backend}:8000 (Masq)`]]);
    expect(row(ipvs, 'mark')).toMatchObject({ after: '0x100' });
    const [, encapHop] = at((h) => h.kind === 'vxlan' && h.op === 'encap');
    const remote = encapHop.kind === 'vxlan' && encapHop.op === 'encap' ? encapHop.remote : '';
    const encap = hopPanel(...at((h) => h.kind === 'vxlan' && h.op === 'encap'));
    expect(encap.decision[0]).toEqual(['encapsulation', `VXLAN VNI 4096, VTEP the route's source address → ${remote}:4789`]);
    expect(row(encap, 'outer dport')).toEqual({ field: 'outer dport', before: '—', after: '4789', changed: true });
    expect(row(encap, 'outer vxlan vni')).toMatchObject({ after: '4096', changed: true });
    // The packet that was is the inner one now: unchanged.
    expect(row(encap, 'inner ip dst')).toEqual({ field: 'inner ip dst', before: backend, after: backend, changed: false });
    const decap = hopPanel(...at((h) => h.kind === 'vxlan' && h.op === 'decap'));
    // The laptop entered at swarm-worker1 (192.168.205.11): its VTEP sent the frame.
    expect(decap.decision).toEqual([['decapsulation', 'VXLAN VNI 4096 from VTEP 192.168.205.11']]);
    expect(row(decap, 'ip dst')).toMatchObject({ before: backend, after: backend, changed: false });
    expect(row(decap, 'outer ip dst')).toMatchObject({ before: remote, after: '—', changed: true });
  });

  it('says why a packet was dropped', () => {
    const router = replay('scenarios/netns-router.yaml');
    const t = router.steps.filter((s) => s.kind === 'trace')[2]!.trace as { request: { hops: Hop[] } };
    const last = t.request.hops[t.request.hops.length - 1]!;
    const p = hopPanel(t.request.hops[t.request.hops.length - 2]!, last);
    expect(p.decision[0]![0]).toBe('dropped');
    expect(p.decision.map((d) => d.join(': ')).join('\n')).toMatch(/blackhole/);
  });
});

describe('the cluster over time', () => {
  const res = replay('scenarios/swarm-update-traffic.yaml');
  const tl = res.record!.timeline;

  it('has a row per slot, old and new tasks in lanes, and the stopping window of each old task', () => {
    const rows = timelineRows(tl);
    expect(rows.map((r) => r.label)).toEqual(['web.1', 'web.2']);
    const web1 = rows[0]!;
    // 1.0, 2.0, then 2.0 again after the port change: three tasks, overlapping two at a time.
    expect(web1.tasks.map((t) => [t.task.image.replace(/@.*/, ''), t.task.version, t.lane])).toEqual([
      ['xiaopeng163/python-flask-demo:1.0', 1, 0],
      ['xiaopeng163/python-flask-demo:2.0', 2, 1],
      ['xiaopeng163/python-flask-demo:2.0', 3, 0],
    ]);
    const old = web1.tasks[0]!.task;
    const phases = old.spans.map((s) => [spanPhase(s), s.node]);
    expect(phases).toEqual([['starting', 'swarm-manager'], ['starting', 'swarm-manager'], ['running', 'swarm-manager'], ['stopping', 'swarm-manager'], ['ended', 'swarm-manager']]);
    // The old task stops (desired shutdown) when its replacement is made, and ends 2 s later (the stop grace).
    const stopping = old.spans[3]!;
    expect(stopping.from).toBe(web1.tasks[1]!.task.created);
    expect((stopping.to! - stopping.from) / 1e9).toBeCloseTo(2, 3);
  });

  it('counts the traffic loop per second, every answer ok during the update', () => {
    const loop = tl.traffic[0]!;
    expect(loop.name).toBe('loop');
    const bins = [...loop.seconds.values()];
    expect(bins.length).toBeGreaterThanOrEqual(15);
    expect(bins.every((b) => b.ok === 1 && b.failed === 0)).toBe(true);
    const svg = renderTimeline(tl)!;
    expect(svg).toContain('<g class="row" data-row="web.1">');
    expect(svg).toMatch(/<rect class="span stopping stopping" data-phase="stopping"[^>]*><title>web\.1 \w+ xiaopeng163\/python-flask-demo:1\.0 \(version 1\): running, desired shutdown on swarm-manager/);
    expect((svg.match(/class="bin ok"/g) ?? []).length).toBe(bins.length);
    expect(svg).not.toContain('class="bin failed"');
  });
});

describe('the cluster over time when a node dies', () => {
  it('shows the traffic failing from the second the node went down, against the task that was there', () => {
    const res = replay('test/view/node-dies.yaml');
    const tl = res.record!.timeline;
    const bins = [...tl.traffic[0]!.seconds].sort((a, b) => a[0] - b[0]);
    // Three answers, then every run fails (curl -m 1, then sleep 1: one run every 2 s).
    const firstFail = bins.findIndex(([, b]) => b.failed > 0);
    expect(bins.slice(0, firstFail).every(([, b]) => b.ok === 1)).toBe(true);
    expect(bins.slice(firstFail).every(([, b]) => b.ok === 0 && b.failed === 1)).toBe(true);
    const rows = timelineRows(tl);
    expect(rows.map((r) => r.label)).toEqual(['web.1']);
    // The task on w1 ran until the fault and is wanted shut down once the manager marks w1 down; a
    // replacement waits (pending: no other worker).
    const [old, replacement] = rows[0]!.tasks.map((t) => t.task);
    // (Each state before running is a span of its own — assigned, accepted, preparing … — shown alike.)
    const phases = old!.spans.map((s) => spanPhase(s));
    expect(phases.filter((p, i) => i === 0 || p !== phases[i - 1])).toEqual(['starting', 'running', 'stopping']);
    expect(new Set(replacement!.spans.map((s) => s.state))).toEqual(new Set(['pending']));
    const svg = renderTimeline(tl)!;
    expect(svg).toMatch(/<g class="bin-group" data-second="\d+" data-ok="0" data-failed="1"><title>loop second \d+: 0 answered, 1 failed<\/title>/);
    expect(svg).toContain('>✗1</text>');
  });
});

describe('the reach matrix', () => {
  it('has a cell per client and target, in colour and words, each opening a probe that ends where it says', () => {
    const res = replay('scenarios/reach-blocked-vxlan.yaml');
    const [before, after] = res.record!.reach;
    const m0 = buildMatrix(before!.title, before!.results);
    expect(m0.rows).toEqual(['laptop']);
    expect(m0.cols).toEqual(['192.168.205.10:8080/tcp', '192.168.205.11:8080/tcp', '192.168.205.12:8080/tcp']);
    expect(m0.cols.map((c) => matrixCell(m0, 'laptop', c)!.cls)).toEqual(['ok', 'ok', 'ok']);
    const m1 = buildMatrix(after!.title, after!.results);
    const cell = matrixCell(m1, 'laptop', '192.168.205.10:8080/tcp')!;
    expect(cell).toMatchObject({ cls: 'none', short: '✗ dropped at w2/root' });
    expect(cell.text).toMatch(/^dropped at w2\/root eth0: filter INPUT #1 DROP \(netfilter\) ×2$/);
    const last = cell.probe!.request!.hops[cell.probe!.request!.hops.length - 1]!;
    expect([last.host, last.kind]).toEqual(['w2', 'drop']);
    expect(matrixCell(m1, 'laptop', '192.168.205.12:8080/tcp')).toMatchObject({ cls: 'ok', short: '✓ web.1@w2' });
  });

  it('is in the page, a button per cell naming its outcome, and the page is the same bytes each time', async () => {
    const html = await page('scenarios/reach-blocked-vxlan.yaml');
    expect(html).toContain('<h2>Who reaches what</h2>');
    expect(html).toMatch(/<td class="none" title="dropped at w2\/root eth0: filter INPUT #1 DROP \(netfilter\) ×2"><button type="button" data-trace="\d+" aria-label="laptop to 192\.168\.205\.10:8080\/tcp: dropped at w2\/root eth0/);
    expect(html).toContain('<h2>The cluster over time</h2>');
    expect(await page('scenarios/reach-blocked-vxlan.yaml')).toBe(html);
  });
});
