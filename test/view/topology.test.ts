// The topology graph (graphology) built from replayed seeds, and what the view draws from it.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { buildTopology, toDot } from '../../src/topology/graph.js';
import { layoutTopology } from '../../src/view/layout.js';
import { renderSvg } from '../../src/view/svg.js';
import { runText } from '../helpers.js';

const replay = (file: string) => runText(readFileSync(file, 'utf8'), file).res.sim;

describe('the topology graph', () => {
  it('holds the seed 004 namespaces and their veth pair (netns-veth)', () => {
    const g = buildTopology(replay('scenarios/netns-veth.yaml'));
    expect(g.getNodeAttributes('docker-node1/test1')).toMatchObject({ kind: 'netns', parent: 'docker-node1', role: 'ip netns' });
    expect(g.getNodeAttributes('docker-node1/test1/veth-test1')).toMatchObject({ kind: 'device', role: 'veth', parent: 'docker-node1/test1', addrs: ['192.168.1.1/24'], mtu: 1500, up: true });
    const veth = g.edges('docker-node1/test1/veth-test1', 'docker-node1/test2/veth-test2').map((e) => g.getEdgeAttributes(e).kind);
    expect(veth).toEqual(['veth']);
    expect(g.edges('docker-node1/root/eth0', 'lan').map((e) => g.getEdgeAttributes(e).kind)).toEqual(['lan']);
  });

  it('holds the swarm: sandboxes by role, bridge ports, a VXLAN tunnel per VNI and pair of nodes', () => {
    const g = buildTopology(replay('scenarios/swarm-routing-mesh.yaml'));
    expect(g.getNodeAttributes('swarm-worker1/ingress_sbox')).toMatchObject({ kind: 'netns', role: 'ingress sandbox' });
    const tasks = g.filterNodes((_k, a) => a.kind === 'netns' && (a.role ?? '').startsWith('container whoami.'));
    expect(tasks).toHaveLength(3);
    const tunnels = g.filterEdges((_e, a) => a.kind === 'vxlan').map((e) => g.getEdgeAttributes(e).label);
    // Three nodes: three pairs on the ingress (vni 4096) and on the demo overlay (vni 4097).
    expect(tunnels.filter((l) => l === 'vni 4096')).toHaveLength(3);
    expect(tunnels.filter((l) => l === 'vni 4097')).toHaveLength(3);
    const gw = g.filterEdges((_e, a) => a.kind === 'bridge-port').filter((e) => g.target(e).endsWith('/docker_gwbridge') || g.source(e).endsWith('/docker_gwbridge'));
    expect(gw.length).toBeGreaterThanOrEqual(3);
    const dot = toDot(g);
    expect(dot).toContain('label="ingress_sbox (ingress sandbox)";');
    expect(dot).toMatch(/"swarm-manager\/1-\w+\/vxlan0" -- "swarm-worker\d\/1-\w+\/vxlan0" \[label="vni 409\d", style=dashed\];/);
  });

  it('draws every device with its place, the same bytes each time', async () => {
    const world = replay('scenarios/netns-bridge.yaml');
    const g = buildTopology(world);
    const svg = renderSvg(await layoutTopology(g));
    g.forEachNode((k, a) => {
      expect(svg).toContain(`data-key="${k}"`);
      if (a.kind === 'device') expect(svg).toContain(`>${a.label}</text>`);
    });
    expect(renderSvg(await layoutTopology(buildTopology(replay('scenarios/netns-bridge.yaml'))))).toBe(svg);
  });
});

describe('the layout of many hosts', () => {
  it('lays out each host alone on a grid, hosts of one shape once, with every place drawn', async () => {
    const hosts = Array.from({ length: 20 }, (_, i) => `  - { name: h${i + 1}, ip: 10.1.0.${i + 10}/24, docker: false }\n`).join('');
    const steps = Array.from({ length: 20 }, (_, i) => `  - run: ip netns add app && ip link add veth0 type veth peer name veth1 netns app\n    on: h${i + 1}\n`).join('');
    const world = runText(`name: many\nhosts:\n${hosts}steps:\n${steps}`).res.sim;
    const g = buildTopology(world);
    const l = await layoutTopology(g);
    const at = new Map(l.boxes.map((b) => [b.key, b]));
    g.forEachNode((k) => expect(at.has(k)).toBe(true));
    // The same shape: the same picture inside each host, wherever the host is on the grid.
    const rel = (h: string, k: string) => ({ x: at.get(k)!.x - at.get(h)!.x, y: at.get(k)!.y - at.get(h)!.y });
    expect(rel('h7', 'h7/app/veth1')).toEqual(rel('h1', 'h1/app/veth1'));
    // Five columns of four rows, not one column of twenty.
    expect(new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((h) => at.get(h)!.y)).size).toBe(2);
    expect(l.width).toBeLessThan(l.height * 3);
    expect(renderSvg(await layoutTopology(buildTopology(world)))).toBe(renderSvg(l));
  });
});

describe('swarmsim view', () => {
  const cli = (...args: string[]): string => execFileSync('node', ['dist/cli/bin.js', ...args], { encoding: 'utf8' });

  it('lights one trace in the SVG: the request, the reply, and the drop where it happened', () => {
    const mesh = cli('view', 'scenarios/swarm-routing-mesh.yaml', '--svg');
    expect(mesh).toMatch(/<g class="device on-request on-reply" data-key="swarm-worker1\/ingress_sbox\/eth1"/);
    expect(mesh).toMatch(/<g class="device" data-key="swarm-manager\/ingress_sbox\/eth1"/);
    expect(mesh).toMatch(/<g class="device on-request on-reply" data-key="laptop\/root\/eth0"/);
    const router = cli('view', 'scenarios/netns-router.yaml', '--svg', '--trace', '3');
    expect(router).toMatch(/<g class="device on-request( on-reply)? dropped" data-key="docker-node1\/router\/veth-rl"/);
  });

  it('exports the graph as graphology JSON and as DOT, and refuses a trace that is not there', () => {
    const j = JSON.parse(cli('view', 'scenarios/netns-veth.yaml', '--json')) as { nodes: Array<{ key: string }>; edges: unknown[] };
    expect(j.nodes.map((n) => n.key)).toContain('docker-node1/test2/veth-test2');
    expect(cli('view', 'scenarios/netns-veth.yaml', '--dot')).toMatch(/^graph swarmsim \{/);
    let err = '';
    try {
      cli('view', 'scenarios/netns-veth.yaml', '--svg', '--trace', '9');
    } catch (e) {
      err = (e as { stderr: string }).stderr;
    }
    expect(err).toBe('scenarios/netns-veth.yaml: --trace: "9" must be a trace step\'s number, 1 to 2\n');
  });
});
