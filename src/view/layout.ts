// The topology laid out for drawing: elkjs (the Eclipse Layout Kernel) places the compound graph —
// hosts around their namespaces around their devices — with its layered algorithm, every
// coordinate relative to the drawing's origin. The layout is computed when the page is built, so
// the page needs no script to draw it, and the same graph gives the same picture.
// Each host is laid out with the wires inside it (veth pairs, bridge ports); between hosts, the
// drawing has the LAN and one hub per VXLAN VNI, each VTEP wired to its VNI's hub: n wires for n
// nodes where the pairwise tunnels (kept in the graph, DOT and JSON) would be n², which no layout
// of 100 nodes survives.
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import type { TopoEdgeKind, TopoNode, Topology } from '../topology/graph.js';

export interface Box {
  readonly key: string;
  readonly node: TopoNode;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface Wire {
  readonly kind: TopoEdgeKind;
  readonly label: string;
  readonly source: string;
  readonly target: string;
  /** The polyline, start to end. */
  readonly points: Array<{ x: number; y: number }>;
}

export interface Layout {
  readonly width: number;
  readonly height: number;
  /** Outer boxes first: hosts, then namespaces, then devices (the order to draw them in). */
  readonly boxes: Box[];
  readonly wires: Wire[];
}

const CHAR = 6.6;
const LINE = 12;

function deviceSize(n: TopoNode): { width: number; height: number } {
  const lines = [n.label, ...(n.addrs ?? [])];
  return { width: Math.max(56, Math.ceil(Math.max(...lines.map((l) => l.length)) * CHAR) + 12), height: 8 + LINE * lines.length };
}

/** Above this many hosts each host is laid out alone and the hosts are set on a grid: the layered
 *  algorithm on the whole compound graph grows much faster than the hosts do (100 swarm nodes:
 *  5.3 s of CPU as one graph). Below it, one layout places the hosts around the LAN and tunnels. */
export const PER_HOST_FROM = 16;
const GRID_GAP = 40;

/** Moves a laid-out node, its descendants and the wires inside it (coordinates are the root's). */
function shift(n: ElkNode, dx: number, dy: number): void {
  n.x = (n.x ?? 0) + dx;
  n.y = (n.y ?? 0) + dy;
  for (const e of n.edges ?? []) {
    for (const sec of e.sections ?? []) {
      for (const p of [sec.startPoint, sec.endPoint, ...(sec.bendPoints ?? [])]) {
        p.x += dx;
        p.y += dy;
      }
    }
  }
  for (const c of n.children ?? []) shift(c, dx, dy);
}

/** A host's subtree with its ids replaced by their order: equal for hosts of the same shape. */
function shapeOf(h: ElkNode): { key: string; ids: string[] } {
  const ids: string[] = [];
  const index = new Map<string, number>();
  const visit = (n: ElkNode): void => {
    index.set(n.id, ids.length);
    ids.push(n.id);
    for (const c of n.children ?? []) visit(c);
  };
  visit(h);
  const edgeIds: string[] = [];
  const shape = (n: ElkNode): unknown => [
    n.width ?? null,
    n.height ?? null,
    (n.children ?? []).map(shape),
    (n.edges ?? []).map((e) => {
      edgeIds.push(e.id);
      return [index.get(e.sources[0]!), index.get(e.targets[0]!)];
    }),
  ];
  const key = JSON.stringify(shape(h));
  return { key, ids: [...ids, ...edgeIds] };
}

/** A copy of a laid-out host under another host's ids (nodes, then edges, in shapeOf's order). */
function renamed(done: ElkNode, to: string[], from: string[]): ElkNode {
  const map = new Map(from.map((id, i) => [id, to[i]!]));
  const copy = structuredClone(done);
  const visit = (n: ElkNode): void => {
    n.id = map.get(n.id)!;
    for (const e of n.edges ?? []) {
      e.id = map.get(e.id)!;
      e.sources = e.sources.map((x) => map.get(x)!);
      e.targets = e.targets.map((x) => map.get(x)!);
    }
    for (const c of n.children ?? []) visit(c);
  };
  visit(copy);
  return copy;
}

/** Each host laid out on its own, the hosts on a grid (in the graph's order), the LAN and the
 *  VXLAN hubs in a column to the right. */
async function layoutPerHost(elk: { layout(n: ElkNode): Promise<ElkNode> }, root: ElkNode, hosts: ElkNode[]): Promise<ElkNode> {
  const laid: ElkNode[] = [];
  // Hosts of one shape (the same namespaces, device sizes and wires, in the same order: the
  // workers of a swarm, mostly) share one layout, copied under their own ids.
  const cache = new Map<string, ElkNode>();
  for (const h of hosts) {
    const { key, ids } = shapeOf(h);
    let done = cache.get(key);
    if (done === undefined) {
      const r = await elk.layout({ id: 'root', layoutOptions: root.layoutOptions, children: [h], edges: [] });
      done = r.children![0]!;
      shift(done, -(done.x ?? 0), -(done.y ?? 0));
      cache.set(key, done);
      laid.push(done);
      continue;
    }
    laid.push(renamed(done, ids, shapeOf(done).ids));
  }
  const cols = Math.ceil(Math.sqrt(laid.length));
  const colW: number[] = new Array<number>(cols).fill(0);
  laid.forEach((b, i) => (colW[i % cols] = Math.max(colW[i % cols]!, b.width ?? 0)));
  const colX = colW.map((_, c) => colW.slice(0, c).reduce((a, w) => a + w + GRID_GAP, 0));
  let y = 0;
  for (let row = 0; row * cols < laid.length; row++) {
    const inRow = laid.slice(row * cols, row * cols + cols);
    inRow.forEach((b, c) => shift(b, colX[c]!, y));
    y += Math.max(...inRow.map((b) => b.height ?? 0)) + GRID_GAP;
  }
  const right = colX[cols - 1]! + colW[cols - 1]! + GRID_GAP * 3;
  const others = root.children!.filter((c) => !hosts.includes(c));
  let hy = 0;
  let hubW = 0;
  for (const o of others) {
    o.x = right;
    o.y = hy;
    hy += (o.height ?? 22) + GRID_GAP;
    hubW = Math.max(hubW, o.width ?? 0);
  }
  return { id: 'root', x: 0, y: 0, width: right + hubW, height: Math.max(y - GRID_GAP, hy - GRID_GAP), children: [...laid, ...others], edges: [] };
}

export async function layoutTopology(g: Topology): Promise<Layout> {
  const elkNodes = new Map<string, ElkNode>();
  const root: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.hierarchyHandling': 'SEPARATE_CHILDREN',
      'elk.json.shapeCoords': 'ROOT',
      'elk.json.edgeCoords': 'ROOT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '28',
      'elk.spacing.nodeNode': '14',
      'elk.edgeRouting': 'POLYLINE',
    },
    children: [],
    edges: [],
  };
  g.forEachNode((key, a) => {
    const n: ElkNode = a.kind === 'device' || a.kind === 'lan' ? { id: key, ...deviceSize(a) } : { id: key, children: [], layoutOptions: { 'elk.padding': '[top=22,left=8,bottom=8,right=8]' } };
    elkNodes.set(key, n);
  });
  g.forEachNode((key, a) => {
    const parent = a.parent === null ? root : elkNodes.get(a.parent)!;
    parent.children!.push(elkNodes.get(key)!);
    if (a.kind === 'host') elkNodes.get(key)!.layoutOptions!['elk.hierarchyHandling'] = 'INCLUDE_CHILDREN';
  });
  const hostOf = (key: string): string => {
    let k = key;
    for (let a = g.getNodeAttributes(k); a.parent !== null; a = g.getNodeAttributes(k)) k = a.parent;
    return k;
  };
  // The hubs between hosts: the LAN is a node of the graph already; one per VNI is added here.
  const hubs = new Map<string, { label: string; members: Set<string> }>();
  const long: Array<{ kind: TopoEdgeKind; label: string; device: string; hub: string }> = [];
  // An empty namespace or host still needs a size to be drawn.
  for (const n of elkNodes.values()) if (n.children !== undefined && n.children.length === 0) Object.assign(n, { width: 80, height: 30 });
  const rootEdges: ElkExtendedEdge[] = [];
  g.forEachEdge((e, a, s, t) => {
    const hs = hostOf(s);
    const ht = hostOf(t);
    if (a.kind !== 'vxlan' && a.kind !== 'lan' && hs === ht) {
      (elkNodes.get(hs)!.edges ??= []).push({ id: e, sources: [s], targets: [t] });
      return;
    }
    const hub = a.kind === 'lan' ? 'lan' : `vni:${a.label}`;
    if (a.kind === 'vxlan' && !hubs.has(hub)) hubs.set(hub, { label: `VXLAN ${a.label}`, members: new Set() });
    for (const dev of a.kind === 'lan' ? [s === 'lan' ? t : s] : [s, t]) {
      const h = hubs.get(hub);
      if (h !== undefined) {
        if (h.members.has(dev)) continue;
        h.members.add(dev);
      }
      long.push({ kind: a.kind, label: a.label, device: dev, hub });
    }
  });
  for (const [id, h] of hubs) {
    root.children!.push({ id, width: Math.ceil(h.label.length * CHAR) + 16, height: 22 });
  }
  // Host-to-hub edges guide the placement of hosts around the hubs; they are not drawn.
  const seen = new Set<string>();
  for (const w of long) {
    const id = `${hostOf(w.device)}~${w.hub}`;
    if (seen.has(id)) continue;
    seen.add(id);
    rootEdges.push({ id, sources: [hostOf(w.device)], targets: [w.hub] });
  }
  root.edges = rootEdges;
  // elkjs is CommonJS: its default import is module.exports, whose `default` is the constructor.
  const elk = new ELK.default();
  const hosts = root.children!.filter((c) => g.hasNode(c.id) && g.getNodeAttributes(c.id).kind === 'host');
  const out = hosts.length > PER_HOST_FROM ? await layoutPerHost(elk, root, hosts) : await elk.layout(root);
  const boxes: Box[] = [];
  const walk = (n: ElkNode): void => {
    for (const c of n.children ?? []) {
      const node: TopoNode = hubs.has(c.id) ? { kind: 'lan', label: hubs.get(c.id)!.label, parent: null, role: 'vxlan' } : g.getNodeAttributes(c.id);
      boxes.push({ key: c.id, node, x: c.x ?? 0, y: c.y ?? 0, w: c.width ?? 0, h: c.height ?? 0 });
    }
    for (const c of n.children ?? []) walk(c);
  };
  walk(out);
  const depth = (b: Box): number => (b.node.kind === 'host' || b.node.kind === 'lan' ? 0 : b.node.kind === 'netns' ? 1 : 2);
  boxes.sort((a, b) => depth(a) - depth(b));
  const wires: Wire[] = [];
  const collect = (n: ElkNode): void => {
    for (const e of n.edges ?? []) {
      if (n === out) continue;
      const attrs = g.getEdgeAttributes(e.id);
      const points: Array<{ x: number; y: number }> = [];
      for (const s of e.sections ?? []) points.push(s.startPoint, ...(s.bendPoints ?? []), s.endPoint);
      wires.push({ kind: attrs.kind, label: attrs.label, source: e.sources[0]!, target: e.targets[0]!, points });
    }
    for (const c of n.children ?? []) collect(c);
  };
  collect(out);
  // Device to hub: from the device's side facing the hub, straight to the hub's nearest edge.
  const at = new Map(boxes.map((b) => [b.key, b]));
  for (const w of long) {
    const d = at.get(w.device);
    const hub = at.get(w.hub);
    if (d === undefined || hub === undefined) continue;
    const right = hub.x + hub.w / 2 > d.x + d.w / 2;
    const start = { x: right ? d.x + d.w : d.x, y: d.y + d.h / 2 };
    const end = { x: Math.min(Math.max(start.x, hub.x), hub.x + hub.w), y: start.y < hub.y ? hub.y : start.y > hub.y + hub.h ? hub.y + hub.h : start.y };
    wires.push({ kind: w.kind, label: w.label, source: w.device, target: w.hub, points: [start, end] });
  }
  return { width: Math.ceil(out.width ?? 0), height: Math.ceil(out.height ?? 0), boxes, wires };
}
