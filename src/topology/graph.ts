// The simulated world as a graph (graphology): hosts contain namespaces, namespaces contain their
// devices; edges are veth pairs, bridge membership, VXLAN tunnels between VTEPs (one per VNI and
// pair) and the LAN. Node keys are the places traces name: `host`, `host/netns`, `host/netns/dev`.
// Built on demand from the world as it stands; the view, DOT and JSON are made from it.
import { MultiUndirectedGraph } from 'graphology';
import { formatCidr, formatIp4 } from '../core/addr.js';
import { Bridge } from '../kernel/bridge.js';
import type { NetDevice } from '../kernel/device.js';
import type { Host } from '../kernel/host.js';
import type { Netns } from '../kernel/netns.js';
import { Nic } from '../kernel/nic.js';
import { Veth } from '../kernel/veth.js';
import { Vxlan } from '../kernel/vxlan.js';
import type { Simulation } from '../scenario/simulation.js';

export type TopoNodeKind = 'lan' | 'host' | 'netns' | 'device';
export type TopoEdgeKind = 'veth' | 'bridge-port' | 'vxlan' | 'lan';

export interface TopoNode {
  readonly kind: TopoNodeKind;
  readonly label: string;
  /** The key of the node that contains this one (a device's namespace, a namespace's host). */
  readonly parent: string | null;
  /** For namespaces: what Docker runs there (`container web.1.x`, `ingress_sbox`); devices: the device kind. */
  readonly role?: string;
  readonly addrs?: string[];
  readonly mtu?: number;
  readonly up?: boolean;
  readonly down?: boolean;
}

export interface TopoEdge {
  readonly kind: TopoEdgeKind;
  readonly label: string;
}

export type Topology = MultiUndirectedGraph<TopoNode, TopoEdge>;

export function nsKey(ns: Netns): string {
  return `${ns.host.name}/${ns.label}`;
}

export function devKey(d: NetDevice): string {
  return `${nsKey(d.ns)}/${d.name}`;
}

/** What a namespace is, in Docker's words. */
function roleOf(sim: Simulation, host: Host, ns: Netns): string | undefined {
  if (ns === host.root) return 'host';
  for (const c of sim.docker.daemon(host)?.containers.values() ?? []) if (c.sandbox === ns) return `container ${c.name}`;
  if (ns.label === 'ingress_sbox') return 'ingress sandbox';
  if (ns.label.startsWith('lb_')) return 'load-balancer sandbox';
  if (/^\d+-/.test(ns.label)) return 'overlay namespace';
  return ns.name !== null ? 'ip netns' : undefined;
}

export function buildTopology(sim: Simulation): Topology {
  const world = sim.world;
  const g: Topology = new MultiUndirectedGraph<TopoNode, TopoEdge>({ allowSelfLoops: false });
  g.addNode('lan', { kind: 'lan', label: 'LAN', parent: null });
  const vteps = new Map<number, Vxlan[]>();
  // Hosts, namespaces and devices in a fixed order (names sort), so the same world gives the same graph.
  for (const host of [...world.hosts.values()]) {
    g.addNode(host.name, { kind: 'host', label: host.name, parent: null, down: host.down });
    for (const ns of host.namespaces) {
      const role = roleOf(sim, host, ns);
      g.addNode(nsKey(ns), { kind: 'netns', label: ns.label, parent: host.name, ...(role === undefined ? {} : { role }) });
      for (const d of [...ns.devices.values()].sort((a, b) => a.ifindex - b.ifindex)) {
        if (d.kind === 'loopback') continue;
        g.addNode(devKey(d), { kind: 'device', label: d.name, parent: nsKey(ns), role: d.kind, addrs: d.addrs.map((a) => formatCidr(a.addr, a.len)), mtu: d.mtu, up: d.running() });
        if (d instanceof Vxlan) vteps.set(d.vni, [...(vteps.get(d.vni) ?? []), d]);
      }
    }
  }
  for (const host of world.hosts.values()) {
    for (const ns of host.namespaces) {
      for (const d of ns.devices.values()) {
        if (d instanceof Veth && devKey(d) < devKey(d.peer) && g.hasNode(devKey(d.peer))) g.addEdge(devKey(d), devKey(d.peer), { kind: 'veth', label: 'veth' });
        if (d instanceof Bridge) for (const p of d.ports) g.addEdge(devKey(p), devKey(d), { kind: 'bridge-port', label: `port of ${d.name}` });
        if (d instanceof Nic) g.addEdge(devKey(d), 'lan', { kind: 'lan', label: d.addrs.map((a) => formatIp4(a.addr)).join(' ') });
      }
    }
  }
  // A tunnel per VNI between two VTEPs that know each other (an FDB entry or a remote pointing there).
  const byLocal = (vni: number, addr: number): Vxlan | undefined => vteps.get(vni)?.find((v) => v.local === addr || v.ns.host.nicAddrs().includes(addr));
  for (const [vni, devs] of vteps) {
    for (const d of devs) {
      const remotes = new Set<number>();
      if (d.remote !== 0) remotes.add(d.remote);
      for (const list of d.fdb.values()) for (const e of list) if (e.dst !== 0) remotes.add(e.dst);
      for (const r of remotes) {
        const peer = byLocal(vni, r);
        if (peer === undefined || peer === d || devKey(d) > devKey(peer)) continue;
        if (!g.someEdge(devKey(d), devKey(peer), (_e, a) => a.kind === 'vxlan')) g.addEdge(devKey(d), devKey(peer), { kind: 'vxlan', label: `vni ${vni}` });
      }
    }
  }
  return g;
}


/** The graph in Graphviz's language: clusters for hosts and namespaces, devices as boxes. */
export function toDot(g: Topology, highlight: ReadonlySet<string> = new Set()): string {
  const q = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const lines = ['graph swarmsim {', '  compound=true; rankdir=LR; node [shape=box, fontname="monospace", fontsize=10];'];
  const children = new Map<string | null, string[]>();
  g.forEachNode((k, a) => children.set(a.parent, [...(children.get(a.parent) ?? []), k]));
  let cluster = 0;
  const emit = (key: string, depth: number): void => {
    const a = g.getNodeAttributes(key);
    const pad = '  '.repeat(depth);
    if (a.kind === 'device' || a.kind === 'lan') {
      const label = a.kind === 'lan' ? 'LAN' : `${a.label}${a.addrs && a.addrs.length > 0 ? `\\n${a.addrs.join('\\n')}` : ''}`;
      lines.push(`${pad}${q(key)} [label=${q(label)}${highlight.has(key) ? ', style=bold, color=red' : ''}];`);
      return;
    }
    lines.push(`${pad}subgraph cluster_${cluster++} {`, `${pad}  label=${q(a.role !== undefined && a.kind === 'netns' ? `${a.label} (${a.role})` : a.label)};`);
    for (const c of children.get(key) ?? []) emit(c, depth + 1);
    // An empty namespace still shows: Graphviz drops empty clusters.
    if ((children.get(key) ?? []).length === 0) lines.push(`${pad}  ${q(`${key}/·`)} [label="", shape=point];`);
    lines.push(`${pad}}`);
  };
  for (const k of children.get(null) ?? []) emit(k, 1);
  g.forEachEdge((_e, a, s, t) => {
    const style = a.kind === 'vxlan' ? 'dashed' : a.kind === 'bridge-port' ? 'dotted' : 'solid';
    lines.push(`  ${q(s)} -- ${q(t)} [label=${q(a.kind === 'vxlan' ? a.label : '')}, style=${style}${highlight.has(s) && highlight.has(t) ? ', color=red, penwidth=2' : ''}];`);
  });
  lines.push('}');
  return lines.join('\n') + '\n';
}
