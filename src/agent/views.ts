// What every agent derives from the cluster state in the same way — each overlay's endpoints
// (peers), its load balancers and its DNS records — computed once per change of the network and
// shared, instead of once per agent and commit. An agent takes out only its own node's endpoints.
// The peer list also keeps what its last change added and removed, so that an agent that saw the
// version before programs only the difference (a node joining is one new peer on every node, not
// a fresh walk of a thousand).
import type { Ip4 } from '../core/addr.js';
import { macFromIp } from '../core/addr.js';
import type { DesiredLb } from '../docker/swarm-dp.js';
import type { SwarmCluster } from '../swarm/cluster.js';
import type { SwarmNetwork, Task } from '../swarm/model.js';

/** A remote endpoint of an overlay: where its MAC lives (the VTEP), and on which node. */
export interface PeerEntry {
  readonly ip: Ip4;
  readonly mac: number;
  readonly vtep: Ip4;
  readonly nodeId: string;
}

/** The endpoints of one network on every node, in the order agents program them. */
class PeerList {
  /** The network version this list was computed at. */
  at = -1;
  /** Bumped when the entries change. */
  version = 0;
  entries: PeerEntry[] = [];
  /** What the last bump added (in list order) and removed; null when a delta cannot be trusted. */
  added: PeerEntry[] | null = null;
  removed: PeerEntry[] | null = null;

  update(next: PeerEntry[]): void {
    const before = this.entries;
    const prev = new Map<Ip4, PeerEntry>();
    for (const e of before) prev.set(e.ip, e);
    const seen = new Map<Ip4, PeerEntry>();
    const added: PeerEntry[] = [];
    for (const e of next) {
      seen.set(e.ip, e);
      const p = prev.get(e.ip);
      if (p === undefined || p.vtep !== e.vtep || p.nodeId !== e.nodeId) added.push(e);
    }
    const removed: PeerEntry[] = [];
    for (const e of before) {
      const n = seen.get(e.ip);
      if (n === undefined || n.vtep !== e.vtep || n.nodeId !== e.nodeId) removed.push(e);
    }
    // An address listed twice would make a difference keyed by address ambiguous: agents then
    // compare whole lists, as they do when they missed a version.
    const exact = seen.size === next.length && prev.size === before.length;
    // The order is kept even when the set is the same: a node that comes later programs it whole.
    this.entries = next;
    if (exact && added.length === 0 && removed.length === 0) return;
    this.version++;
    this.added = exact ? added : null;
    this.removed = exact ? removed : null;
  }
}

function sameLbs(a: DesiredLb[], b: DesiredLb[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.key !== y.key || x.name !== y.name || x.vip !== y.vip || x.backends.length !== y.backends.length || x.ports.length !== y.ports.length) return false;
    for (let j = 0; j < x.backends.length; j++) if (x.backends[j]!.ip !== y.backends[j]!.ip || x.backends[j]!.weight !== y.backends[j]!.weight) return false;
    for (let j = 0; j < x.ports.length; j++) {
      const p = x.ports[j]!;
      const q = y.ports[j]!;
      if (p.published !== q.published || p.target !== q.target || p.protocol !== q.protocol) return false;
    }
  }
  return true;
}

function sameDns(a: Map<string, Ip4[]>, b: Map<string, Ip4[]>): boolean {
  if (a.size !== b.size) return false;
  const ai = a.entries();
  for (const [k, v] of b) {
    const [ka, va] = ai.next().value!;
    if (k !== ka || v.length !== va.length || v.some((ip, i) => ip !== va[i])) return false;
  }
  return true;
}

function backendWeight(t: Task): number | null {
  if (t.state === 'running' && t.desiredState === 'running') return 1;
  if (t.state === 'running') return 0;
  return null;
}

export class ClusterViews {
  private readonly peerLists = new Map<string, PeerList>();
  private readonly lbCache = new Map<string, { at: number; lbs: DesiredLb[] }>();
  private readonly dnsCache = new Map<string, { at: number; dns: Map<string, Ip4[]> }>();

  constructor(readonly cluster: SwarmCluster) {}

  /** Every endpoint of `net`: running tasks, attached containers, the LB endpoints of nodes using it. */
  peers(net: SwarmNetwork): PeerList {
    let pl = this.peerLists.get(net.id);
    if (pl === undefined) this.peerLists.set(net.id, (pl = new PeerList()));
    if (pl.at !== net.version) {
      pl.at = net.version;
      pl.update(this.computePeers(net));
    }
    return pl;
  }

  private computePeers(net: SwarmNetwork): PeerEntry[] {
    const cluster = this.cluster;
    const out: PeerEntry[] = [];
    const vtepOf = (nodeId: string | null): Ip4 | null => (nodeId === null ? null : cluster.nodes.get(nodeId)?.dataAddr ?? null);
    for (const t of cluster.networkTasks(net.id)) {
      if (t.state !== 'running') continue;
      const ip = t.addresses.get(net.id);
      const vtep = vtepOf(t.nodeId);
      if (ip !== undefined && vtep !== null) out.push({ ip, mac: macFromIp(ip), vtep, nodeId: t.nodeId! });
    }
    for (const a of cluster.attachments.values()) {
      if (a.networkId !== net.id) continue;
      const vtep = vtepOf(a.nodeId);
      if (vtep !== null) out.push({ ip: a.ip, mac: macFromIp(a.ip), vtep, nodeId: a.nodeId });
    }
    // Only the LB endpoints of nodes that use the network (every node, on ingress) are peers.
    let users: Set<string> | null = null;
    for (const n of cluster.nodes.values()) {
      const ip = n.lbAddrs.get(net.id);
      if (ip === undefined) continue;
      if (!net.ingress) users ??= this.nodesUsing(net);
      if (net.ingress || users!.has(n.id)) out.push({ ip, mac: macFromIp(ip), vtep: n.dataAddr, nodeId: n.id });
    }
    return out;
  }

  /** The nodes with an attachment to `net` or a running task on it. */
  private nodesUsing(net: SwarmNetwork): Set<string> {
    const out = new Set<string>();
    for (const a of this.cluster.attachments.values()) if (a.networkId === net.id) out.add(a.nodeId);
    for (const t of this.cluster.networkTasks(net.id)) if (t.nodeId !== null && t.state === 'running') out.add(t.nodeId);
    return out;
  }

  /** A service binding per service on `net` (ingress: per service publishing a port). */
  lbs(net: SwarmNetwork): DesiredLb[] {
    const c = this.lbCache.get(net.id);
    if (c !== undefined && c.at === net.version) return c.lbs;
    const cluster = this.cluster;
    const out: DesiredLb[] = [];
    for (const svc of cluster.services.values()) {
      const onNet = cluster.serviceNetworks(svc).some((n) => n.id === net.id);
      if (!onNet || svc.spec.endpointMode === 'dnsrr') continue;
      const backends: Array<{ ip: Ip4; weight: number }> = [];
      for (const t of cluster.serviceTasks(svc)) {
        const w = backendWeight(t);
        const ip = t.addresses.get(net.id);
        if (w !== null && ip !== undefined) backends.push({ ip, weight: w });
      }
      const ports = net.ingress ? svc.ports.filter((p) => p.mode === 'ingress' && p.published !== null).map((p) => ({ published: p.published!, target: p.target, protocol: p.protocol })) : [];
      if (net.ingress && ports.length === 0) continue;
      out.push({ key: svc.id, name: svc.spec.name, vip: svc.vips.get(net.id) ?? null, backends, ports });
    }
    // Unchanged bindings stay the same object, which tells a node's data plane it has them already.
    const lbs = c !== undefined && sameLbs(c.lbs, out) ? c.lbs : out;
    this.lbCache.set(net.id, { at: net.version, lbs });
    return lbs;
  }

  /** The names the embedded DNS answers on `net`, as seen from `nodeId`. */
  dns(net: SwarmNetwork, nodeId: string): Map<string, Ip4[]> {
    const cluster = this.cluster;
    let c = this.dnsCache.get(net.id);
    if (c === undefined || c.at !== net.version) {
      const fresh = this.serviceDns(net);
      this.dnsCache.set(net.id, (c = { at: net.version, dns: c !== undefined && sameDns(c.dns, fresh) ? c.dns : fresh }));
    }
    let dns = c.dns;
    // Containers attached on other nodes are known by name (locally attached ones are endpoints already).
    for (const a of cluster.attachments.values()) {
      if (a.networkId !== net.id || a.nodeId === nodeId) continue;
      if (dns === c.dns) dns = new Map([...c.dns].map(([k, v]) => [k, [...v]]));
      const key = a.name.toLowerCase();
      (dns.get(key) ?? dns.set(key, []).get(key)!).push(a.ip);
    }
    return dns;
  }

  private serviceDns(net: SwarmNetwork): Map<string, Ip4[]> {
    const cluster = this.cluster;
    const dns = new Map<string, Ip4[]>();
    const add = (k: string, ip: Ip4): void => {
      const key = k.toLowerCase();
      (dns.get(key) ?? dns.set(key, []).get(key)!).push(ip);
    };
    for (const svc of cluster.services.values()) {
      if (!cluster.serviceNetworks(svc).some((n) => n.id === net.id)) continue;
      const vip = svc.vips.get(net.id);
      const running = [...cluster.serviceTasks(svc)].filter((t) => t.state === 'running' && t.desiredState === 'running' && t.addresses.has(net.id));
      const names = [svc.spec.name, ...svc.spec.networks.filter((a) => cluster.findNetwork(a.target) === net).flatMap((a) => a.aliases)];
      for (const n of new Set(names)) {
        if (svc.spec.endpointMode === 'vip' && vip !== undefined) add(n, vip);
        for (const t of running) {
          if (svc.spec.endpointMode === 'dnsrr') add(n, t.addresses.get(net.id)!);
          add(`tasks.${n}`, t.addresses.get(net.id)!);
        }
      }
      for (const t of running) add(`${svc.spec.name}.${t.slot === 0 ? t.nodeId : t.slot}.${t.id}`, t.addresses.get(net.id)!);
    }
    return dns;
  }
}

const views = new WeakMap<SwarmCluster, ClusterViews>();

export function viewsOf(cluster: SwarmCluster): ClusterViews {
  let v = views.get(cluster);
  if (v === undefined) views.set(cluster, (v = new ClusterViews(cluster)));
  return v;
}
