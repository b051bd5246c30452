// The topology laid out for drawing: elkjs (the Eclipse Layout Kernel) places the compound graph —
// hosts around their namespaces around their devices — with its layered algorithm, every
// coordinate relative to the drawing's origin. The layout is computed when the page is built, so
// the page needs no script to draw it, and the same graph gives the same picture.
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

export async function layoutTopology(g: Topology): Promise<Layout> {
  const elkNodes = new Map<string, ElkNode>();
  const root: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
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
  });
  // An empty namespace or host still needs a size to be drawn.
  for (const n of elkNodes.values()) if (n.children !== undefined && n.children.length === 0) Object.assign(n, { width: 80, height: 30 });
  const edges: ElkExtendedEdge[] = [];
  g.forEachEdge((e, _a, s, t) => edges.push({ id: e, sources: [s], targets: [t] }));
  root.edges = edges;
  // elkjs is CommonJS: its default import is module.exports, whose `default` is the constructor.
  const out = await new ELK.default().layout(root);
  const boxes: Box[] = [];
  const walk = (n: ElkNode): void => {
    for (const c of n.children ?? []) {
      boxes.push({ key: c.id, node: g.getNodeAttributes(c.id), x: c.x ?? 0, y: c.y ?? 0, w: c.width ?? 0, h: c.height ?? 0 });
    }
    for (const c of n.children ?? []) walk(c);
  };
  walk(out);
  const depth = (b: Box): number => (b.node.kind === 'host' || b.node.kind === 'lan' ? 0 : b.node.kind === 'netns' ? 1 : 2);
  boxes.sort((a, b) => depth(a) - depth(b));
  const wires: Wire[] = [];
  const collect = (n: ElkNode): void => {
    for (const e of n.edges ?? []) {
      const attrs = g.getEdgeAttributes(e.id);
      const points: Array<{ x: number; y: number }> = [];
      for (const s of e.sections ?? []) points.push(s.startPoint, ...(s.bendPoints ?? []), s.endPoint);
      wires.push({ kind: attrs.kind, label: attrs.label, source: e.sources[0]!, target: e.targets[0]!, points });
    }
    for (const c of n.children ?? []) collect(c);
  };
  collect(out);
  return { width: Math.ceil(out.width ?? 0), height: Math.ceil(out.height ?? 0), boxes, wires };
}
