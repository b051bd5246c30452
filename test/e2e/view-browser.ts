// The view page in a real browser: Debian's Chromium driven by playwright-core (which downloads no
// browser). `npm run test:browser`; .ci/run installs chromium when it is missing. It builds the
// pages with the real CLI, opens them from disk (no network), steps through a routing-mesh trace
// and a dropped one, checks what is lit and what the hop panel says, and saves a screenshot.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';

const dir = mkdtempSync(join(tmpdir(), 'swarmsim-view-'));
const executablePath = process.env['CHROMIUM'] ?? '/usr/bin/chromium';
const shot = process.env['SWARMSIM_SCREENSHOT'] ?? join(dir, 'view.png');

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
  check('the path crosses the ingress sandbox and the task', (await p.locator('g.on-request[data-key="swarm-worker1/ingress_sbox/eth1"]').count()) === 1 && (await p.locator('g.on-request[data-key^="swarm-worker2/"][data-key$="/eth1"]').count()) >= 1);
  const n = await stepTo(p, 'ipvs: IPVS FWM 256 rr');
  check('stepping reaches the IPVS choice', n > 0, await p.textContent('#hop') ?? '');
  check('the IPVS hop is at ingress_sbox eth1, marked current', (await p.getAttribute('svg.topo g.current', 'data-key')) === 'swarm-worker1/ingress_sbox/eth1');
  const box = await p.locator('svg.topo g.current').evaluate((e) => [Number((e as SVGGElement).dataset['x']), Number((e as SVGGElement).dataset['y'])]);
  const marker = await p.locator('#marker').evaluate((e) => [Number(e.getAttribute('cx')), Number(e.getAttribute('cy')), e.getAttribute('visibility')]);
  check('the marker sits on the current hop', marker[0] === box[0]! + 6 && marker[1] === box[1]! + 6 && marker[2] === 'visible', JSON.stringify({ box, marker }));
  check('the hop list highlights the same hop', (await p.textContent('#hops li.current'))!.includes('ipvs: IPVS FWM 256 rr'));
  await p.screenshot({ path: shot });
  await p.click('#prev');
  check('prev goes back one hop', (await p.textContent('#hop'))!.startsWith(`hop ${n} of`), await p.textContent('#hop') ?? '');
  await p.keyboard.press('ArrowRight');
  check('the right arrow goes forward', (await p.textContent('#hop'))!.startsWith(`hop ${n + 1} of`));

  await p.goto(page('scenarios/netns-router.yaml', 'router.html'));
  check('three traces are listed', (await p.locator('#traces button').count()) === 3);
  await stepTo(p, '=> dropped');
  check('the dropped hop says why, in a drop panel', (await p.getAttribute('#hop', 'class')) === 'drop' && (await p.textContent('#hop'))!.includes('ip_forward disabled'), await p.textContent('#hop') ?? '');
  check('the drop is drawn where it happened', (await p.locator('svg.topo g.dropped').getAttribute('data-key')) === 'docker-node1/router/veth-rl');
  await p.click('#traces button:nth-child(3)');
  await stepTo(p, '=> dropped');
  check('the third trace ends at the blackhole route', (await p.textContent('#hop'))!.includes('blackhole'), await p.textContent('#hop') ?? '');
  check('the pages fetch nothing', requests.length === 0, requests.join(' '));
  console.log(`screenshot: ${shot}`);
} finally {
  await browser.close();
}
console.log(failures === 0 ? 'browser view: every check held' : `browser view: ${failures} checks failed`);
process.exitCode = failures === 0 ? 0 : 1;
