// The view page in a real browser: Debian's Chromium driven by playwright-core (which downloads no
// browser). `npm run test:browser`; .ci/run installs chromium when it is missing. It builds the
// pages with the real CLI, opens them from disk (no network), steps through a routing-mesh trace
// and a dropped one, checks what is lit and what the hop panel says, and saves a screenshot.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';

const dir = mkdtempSync(join(tmpdir(), 'swarmsim-view-'));
const executablePath = process.env['CHROMIUM'] ?? '/usr/bin/chromium';
const shot = process.env['SWARMSIM_SCREENSHOT'] ?? join(dir, 'view.png');
// The other pictures (the reach matrix with a cell opened, the cluster over time) go beside it.
const shotOf = (name: string): string => join(dirname(shot), name);

function page(scenario: string, name: string): string {
  const out = join(dir, name);
  execFileSync('node', ['dist/cli/bin.js', 'view', scenario, '-o', out], { encoding: 'utf8' });
  return `file://${out}`;
}

let failures = 0;
function check(what: string, ok: boolean, detail = ''): void {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${ok ? '' : `: ${detail}`}`);
  if (!ok) failures++;
}

/** Clicks "next" until the hop panel shows `text`; the hop number, or -1. */
async function stepTo(p: Page, text: string): Promise<number> {
  for (let i = 0; i < 200; i++) {
    if ((await p.textContent('#hop'))!.includes(text)) return i;
    await p.click('#next');
  }
  return -1;
}

const browser = await chromium.launch({
  executablePath,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const p = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const requests: string[] = [];
  p.on('request', (r) => {
    if (!r.url().startsWith('file://')) requests.push(r.url());
  });
  await p.goto(page('scenarios/swarm-routing-mesh.yaml', 'mesh.html'));
  check('the trace is listed and selected', (await p.getAttribute('#traces button', 'aria-pressed')) === 'true' && (await p.textContent('#traces button')) === 'tcp from laptop/root to 192.168.205.11:8000');
  check('the first hop is the laptop sending', (await p.textContent('#hop'))!.startsWith('hop 1 of '), (await p.textContent('#hop'))!);
  const lit = await p.locator('svg.topo g.on-request').count();
  const back = await p.locator('svg.topo g.on-reply').count();
  check('the request and reply paths are lit', lit >= 8 && back >= 6, `${lit} request, ${back} reply places`);
  check('the path crosses the ingress sandbox and the task (two lit devices on the ingress network)', (await p.locator('g.on-request[data-key="swarm-worker1/ingress_sbox/eth1"]').count()) === 1 && (await p.locator('g.on-request.device', { hasText: /10\.0\.0\.\d+\/24/ }).count()) >= 2);
  const n = await stepTo(p, 'ipvs: IPVS FWM 256 rr');
  check('stepping reaches the IPVS choice', n > 0, await p.textContent('#hop') ?? '');
  check('the IPVS hop is at ingress_sbox eth1, marked current', (await p.getAttribute('svg.topo g.current', 'data-key')) === 'swarm-worker1/ingress_sbox/eth1');
  const box = await p.locator('svg.topo g.current').evaluate((e) => [Number((e as SVGGElement).dataset['x']), Number((e as SVGGElement).dataset['y'])]);
  const marker = await p.locator('#marker').evaluate((e) => [Number(e.getAttribute('cx')), Number(e.getAttribute('cy')), e.getAttribute('visibility')]);
  check('the marker sits on the current hop', marker[0] === box[0]! + 6 && marker[1] === box[1]! + 6 && marker[2] === 'visible', JSON.stringify({ box, marker }));
  check('the hop list highlights the same hop', (await p.textContent('#hops li.current'))!.includes('ipvs: IPVS FWM 256 rr'));
  await p.screenshot({ path: shot });
  // The hop panel, from the typed events: the IPVS choice, and the headers before and after.
  const panel = async (): Promise<string> => (await p.textContent('#panel')) ?? '';
  check('the panel names the IPVS choice', (await panel()).includes('IPVS') && (await panel()).includes('scheduler rr: chose 10.0.0.'), await panel());
  await p.click('#next');
  const natRow = p.locator('#panel tr.changed', { hasText: 'ip dst' });
  check('the IPVS DNAT hop shows ip dst changed, before and after', (await natRow.count()) === 1 && /ip dst172\.18\.0\.2(10\.0\.0\.\d+)changed/.test((await natRow.textContent()) ?? ''), (await natRow.allTextContents()).join(' | '));
  check('unchanged headers are not marked', (await p.locator('#panel tr:not(.changed)', { hasText: 'ip src' }).count()) === 1);
  await p.click('#prev');
  await p.click('#prev');
  check('prev goes back one hop', (await p.textContent('#hop'))!.startsWith(`hop ${n} of`), await p.textContent('#hop') ?? '');
  await p.keyboard.press('ArrowRight');
  check('the right arrow goes forward', (await p.textContent('#hop'))!.startsWith(`hop ${n + 1} of`));
  // Back to the start: the ingress DNAT rule as iptables -S prints it.
  await p.click('#traces button');
  await stepTo(p, 'nf: nat DOCKER-INGRESS #1 DNAT');
  check('the rule that matched reads as iptables -S prints it', (await panel()).includes('iptables -t nat -S-A DOCKER-INGRESS -p tcp -m tcp --dport 8000 -j DNAT --to-destination 172.18.0.2:8000'), await panel());
  // The reply leg: its hops listed in green, the marker green on it.
  await stepTo(p, '(reply)');
  const replyColour = await p.locator('#hops li.reply').first().evaluate((e) => getComputedStyle(e).color);
  const requestColour = await p.locator('#hops li.request').first().evaluate((e) => getComputedStyle(e).color);
  check('the reply leg is listed in another colour (green)', replyColour === 'rgb(30, 132, 73)' && requestColour === 'rgb(146, 43, 33)', `${replyColour} / ${requestColour}`);
  const markerFill = await p.locator('#marker').evaluate((e) => getComputedStyle(e).fill);
  check('the marker is green on the reply leg', (await p.getAttribute('#marker', 'class')) === 'reply' && markerFill === 'rgb(30, 132, 73)', markerFill);

  await p.goto(page('scenarios/netns-router.yaml', 'router.html'));
  check('three traces are listed', (await p.locator('#traces button').count()) === 3);
  await stepTo(p, '=> dropped');
  check('the dropped hop says why, in a drop panel', (await p.getAttribute('#hop', 'class')) === 'drop' && (await p.textContent('#hop'))!.includes('ip_forward disabled'), await p.textContent('#hop') ?? '');
  check('the drop is drawn where it happened', (await p.locator('svg.topo g.dropped').getAttribute('data-key')) === 'docker-node1/router/veth-rl');
  await p.click('#traces button:nth-child(3)');
  await stepTo(p, '=> dropped');
  check('the third trace ends at the blackhole route', (await p.textContent('#hop'))!.includes('blackhole'), await p.textContent('#hop') ?? '');

  // The reach matrix: a cell opens its probe on the topology.
  await p.goto(page('scenarios/reach-blocked-vxlan.yaml', 'reach.html'));
  const cells = p.locator('table.reach td button');
  check('two matrices of three cells', (await p.locator('table.reach').count()) === 2 && (await cells.count()) === 6);
  const dead = p.locator('#reach-1 td.none button').first();
  check('a red cell says where its probes died, in words', (await dead.textContent()) === '✗ dropped at w2/root' && ((await dead.getAttribute('aria-label')) ?? '').startsWith('laptop to 192.168.205.10:8080/tcp: dropped at w2/root eth0: filter INPUT #1 DROP'));
  await dead.click();
  check('the cell is marked and its probe selected', (await p.locator('#reach-1 td.current').count()) === 1 && ((await p.textContent('#selected')) ?? '').includes('laptop → 192.168.205.10:8080/tcp'), (await p.textContent('#selected')) ?? '');
  check('the probe is lit on the topology, dropped on w2', (await p.locator('svg.topo g.on-request[data-key="laptop/root/eth0"]').count()) === 1 && (await p.locator('svg.topo g.dropped').getAttribute('data-key')) === 'w2/root/eth0');
  await stepTo(p, '=> dropped');
  check('stepping the probe reaches the drop, the panel saying why', ((await panel()).includes('droppednetfilter')) && (await panel()).includes('skb_drop_reasonNETFILTER_DROP'), await panel());
  await p.screenshot({ path: shotOf('view-reach.png'), fullPage: true });

  // The cluster over time: the rolling update's tasks and the traffic loop on one axis.
  await p.goto(page('scenarios/swarm-update-traffic.yaml', 'update.html'));
  check('a timeline row per slot', (await p.locator('svg.timeline g.row').count()) === 2);
  check('the old tasks have a stopping window', (await p.locator('svg.timeline rect[data-phase="stopping"]').count()) >= 4);
  check('the traffic loop has a bin per second, none failed', (await p.locator('svg.timeline g.bin-group').count()) >= 15 && (await p.locator('svg.timeline rect.bin.failed').count()) === 0);
  check('the nodes table lists the tasks running at the end', ((await p.textContent('#nodes')) ?? '').includes('web.1 (xiaopeng163/python-flask-demo:2.0)'));
  await p.locator('#cluster').screenshot({ path: shotOf('view-timeline.png') });
  check('the pages fetch nothing', requests.length === 0, requests.join(' '));
  console.log(`screenshot: ${shot}`);
} finally {
  await browser.close();
}
console.log(failures === 0 ? 'browser view: every check held' : `browser view: ${failures} checks failed`);
process.exitCode = failures === 0 ? 0 : 1;
