// swarmkit's scheduler, for one task at a time: filters that explain every "no" (ready, resources,
// constraints, host ports, max replicas per node), then the spread preferences, then the node with
// the fewest tasks of the service, then the fewest tasks overall. The Scheduler keeps the queue of
// pending tasks from the store's watch queue and assigns them on each commit (scheduler.go tick).
import { matchConstraint, parseConstraint } from './constraints.js';
import type { Constraint } from './constraints.js';
import { isTerminal } from './model.js';
import type { SwarmNode, Task } from './model.js';
import type { MemoryStore } from './store/memory.js';

/** What the filters read: the nodes, and each node's engine labels (`node.platform`, `engine.labels`). */
export interface SchedulingView {
  readonly nodes: ReadonlyMap<string, SwarmNode>;
  engineLabels(n: SwarmNode): Record<string, string>;
}

interface Filter {
  readonly explain: (n: number) => string;
  readonly ok: (node: SwarmNode) => boolean;
  /** Passes every node for this task (nothing reserved, constrained or published): not run. */
  readonly trivial: boolean;
}

/** A task still occupying its node (wanted running or ready, not ended). */
function isLive(t: Task): boolean {
  return (t.desiredState === 'running' || t.desiredState === 'ready') && !isTerminal(t.state);
}

/** The live tasks on a node other than `self` (a global task is pre-assigned to its node before
 *  it is scheduled, and must not collide with itself); in no particular order. */
function liveOn(node: SwarmNode, self: Task): Task[] {
  const out: Task[] = [];
  for (const t of node.tasks.tasks) if (t !== self && isLive(t)) out.push(t);
  return out;
}

/** Live tasks of `serviceId` on a node, from the cluster's counts (kept as tasks change). */
function liveOf(node: SwarmNode, serviceId: string): number {
  return node.tasks.liveBySvc.get(serviceId) ?? 0;
}

/** Picks a node for `task`, or returns swarmkit's "no suitable node (…)" explanation. */
export function scheduleTask(cluster: SchedulingView, task: Task): { nodeId: string } | { err: string } {
  const spec = task.spec;
  const constraints = spec.constraints.map(parseConstraint).filter((c): c is Constraint => typeof c !== 'string');
  const hostPorts = spec.ports.filter((p) => p.mode === 'host' && p.published !== null);
  const filters: Filter[] = [
    { explain: (n) => `${n} node${n === 1 ? '' : 's'} not available for new tasks`, ok: (node) => node.status === 'ready' && node.availability === 'active', trivial: false },
    {
      explain: (n) => `insufficient resources on ${n} node${n === 1 ? '' : 's'}`,
      ok: (node) => {
        let cpu = spec.resources.reserveCpu;
        let mem = spec.resources.reserveMemory;
        if (cpu === 0 && mem === 0) return true;
        for (const t of liveOn(node, task)) {
          cpu += t.spec.resources.reserveCpu;
          mem += t.spec.resources.reserveMemory;
        }
        return cpu <= node.cpus && mem <= node.memory;
      },
      trivial: spec.resources.reserveCpu === 0 && spec.resources.reserveMemory === 0,
    },
    { explain: (n) => `scheduling constraints not satisfied on ${n} node${n === 1 ? '' : 's'}`, ok: (node) => constraints.every((c) => matchConstraint(c, node, cluster.engineLabels(node))), trivial: constraints.length === 0 },
    {
      explain: (n) => `host-mode port already in use on ${n} node${n === 1 ? '' : 's'}`,
      ok: (node) => hostPorts.every((p) => !liveOn(node, task).some((t) => t.spec.ports.some((q) => q.mode === 'host' && q.published === p.published && q.protocol === p.protocol))),
      trivial: hostPorts.length === 0,
    },
    {
      explain: (n) => `max replicas per node limit exceed on ${n} node${n === 1 ? '' : 's'}`,
      ok: (node) => spec.maxReplicasPerNode === 0 || liveOf(node, task.serviceId) < spec.maxReplicasPerNode,
      trivial: spec.maxReplicasPerNode === 0,
    },
  ];
  let candidates = [...cluster.nodes.values()];
  const preassigned = task.slot === 0 && task.nodeId !== null;
  if (preassigned) candidates = candidates.filter((n) => n.id === task.nodeId);
  const failures: string[] = [];
  for (const f of filters) {
    if (f.trivial) continue;
    const before = candidates.length;
    candidates = candidates.filter(f.ok);
    if (candidates.length < before) failures.push(f.explain(before - candidates.length));
  }
  // A pre-assigned task is only checked against its node: its error is the bare explanation
  // (scheduler.go taskFitNode), not "no suitable node (…)".
  if (candidates.length === 0) return { err: preassigned ? failures.join('; ') : `no suitable node (${failures.join('; ')})` };
  // Spread preferences: the branch (label value) with the fewest tasks of the service wins.
  for (const pref of spec.preferences) {
    const label = pref.replace(/^spread=/, '');
    const valueOf = (n: SwarmNode): string => (label.startsWith('node.labels.') ? n.labels[label.slice(12)] ?? '' : label === 'node.hostname' ? n.hostname : label === 'node.role' ? n.role : '');
    const load = new Map<string, number>();
    for (const n of cluster.nodes.values()) {
      const v = valueOf(n);
      load.set(v, (load.get(v) ?? 0) + liveOf(n, task.serviceId));
    }
    const best = Math.min(...candidates.map((n) => load.get(valueOf(n)) ?? 0));
    candidates = candidates.filter((n) => (load.get(valueOf(n)) ?? 0) === best);
  }
  let pick = candidates[0]!;
  let pickSvc = Infinity;
  let pickAll = Infinity;
  for (const n of candidates) {
    const svc = liveOf(n, task.serviceId);
    if (svc > pickSvc) continue;
    const all = n.tasks.live;
    if (svc < pickSvc || all < pickAll) {
      pick = n;
      pickSvc = svc;
      pickAll = all;
    }
  }
  return { nodeId: pick.id };
}

/** A task whose only filter is the nodes' availability, with no spread preference and no node
 *  given beforehand: its pick is the least loaded ready node, which `ServiceNodes` finds. */
function plainTask(task: Task): boolean {
  const spec = task.spec;
  return !(task.slot === 0 && task.nodeId !== null) && spec.preferences.length === 0 && spec.constraints.length === 0
    && spec.resources.reserveCpu === 0 && spec.resources.reserveMemory === 0 && spec.maxReplicasPerNode === 0
    && !spec.ports.some((p) => p.mode === 'host' && p.published !== null);
}

/**
 * The ready, active nodes of one pass, as a heap on scheduleTask's order for one service: fewest
 * live tasks of the service, then fewest live tasks, then the nodes' order. A pass only adds live
 * tasks to nodes, so a node's key only grows: the top is checked against its counts now and pushed
 * down when they moved, and the node it ends on is the one the linear scan picks (10,000 tasks over
 * 1,000 nodes: 10 million node visits otherwise).
 */
class ServiceNodes {
  private readonly nodes: SwarmNode[] = [];
  private readonly svc: number[] = [];
  private readonly all: number[] = [];
  private readonly order: number[] = [];

  constructor(view: SchedulingView, private readonly serviceId: string) {
    let i = 0;
    for (const n of view.nodes.values()) {
      const k = i++;
      if (n.status !== 'ready' || n.availability !== 'active') continue;
      this.nodes.push(n);
      this.svc.push(liveOf(n, serviceId));
      this.all.push(n.tasks.live);
      this.order.push(k);
    }
    for (let j = (this.nodes.length >> 1) - 1; j >= 0; j--) this.down(j);
  }

  /** The node scheduleTask would pick now; null when no node is ready. */
  best(): SwarmNode | null {
    if (this.nodes.length === 0) return null;
    for (;;) {
      const n = this.nodes[0]!;
      const svc = liveOf(n, this.serviceId);
      const all = n.tasks.live;
      if (svc === this.svc[0] && all === this.all[0]) return n;
      this.svc[0] = svc;
      this.all[0] = all;
      this.down(0);
    }
  }

  private less(a: number, b: number): boolean {
    if (this.svc[a] !== this.svc[b]) return this.svc[a]! < this.svc[b]!;
    if (this.all[a] !== this.all[b]) return this.all[a]! < this.all[b]!;
    return this.order[a]! < this.order[b]!;
  }

  private down(i: number): void {
    const len = this.nodes.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= len) return;
      const r = l + 1;
      const m = r < len && this.less(r, l) ? r : l;
      if (!this.less(m, i)) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(a: number, b: number): void {
    for (const arr of [this.nodes, this.svc, this.all, this.order] as unknown[][]) {
      const t = arr[a];
      arr[a] = arr[b];
      arr[b] = t;
    }
  }
}

/** The scheduler's loop (scheduler.go): pending tasks in the order they became pending, each
 *  given a node or left pending with the explanation `service ps` shows. */
export class Scheduler {
  /** Tasks in state pending, in the order they entered it (the scheduler's queue). */
  private readonly pending = new Set<Task>();

  constructor(
    private readonly store: MemoryStore,
    private readonly view: SchedulingView,
  ) {
    store.watch((e) => {
      if (e.kind !== 'task') return;
      const t = e.task;
      if (e.action === 'delete') this.pending.delete(t);
      else if (e.action === 'create') {
        if (t.state === 'pending') this.pending.add(t);
      } else if (e.action === 'update' && e.prevState !== t.state) {
        if (e.prevState === 'pending') this.pending.delete(t);
        else if (t.state === 'pending') this.pending.add(t);
      }
    });
  }

  /** Tasks waiting for a node, in the order they became pending. */
  queue(): ReadonlySet<Task> {
    return this.pending;
  }

  /** One pass over the queue (scheduler.go tick → scheduleTaskGroup). */
  tick(now: number): void {
    // The ready nodes by load, per service, built when a plain task of the service is first met
    // (and again should a node lose a live task meanwhile).
    const heaps = new Map<string, ServiceNodes>();
    let drops = this.store.liveDrops;
    for (const t of [...this.pending]) {
      if (t.state !== 'pending' || (t.desiredState !== 'running' && t.desiredState !== 'ready')) continue;
      let r: { nodeId: string } | { err: string } | null = null;
      if (plainTask(t)) {
        if (this.store.liveDrops !== drops) {
          heaps.clear();
          drops = this.store.liveDrops;
        }
        let h = heaps.get(t.serviceId);
        if (h === undefined) heaps.set(t.serviceId, (h = new ServiceNodes(this.view, t.serviceId)));
        const n = h.best();
        if (n !== null) r = { nodeId: n.id };
      }
      r ??= scheduleTask(this.view, t);
      if ('err' in r) {
        this.store.updateTask(t, { status: { state: t.state, message: 'pending task scheduling', err: r.err, since: t.stateSince } });
        continue;
      }
      const preassigned = t.nodeId !== null;
      this.store.updateTask(t, { nodeId: r.nodeId, status: { state: 'assigned', message: preassigned ? 'scheduler confirmed task can run on preassigned node' : 'scheduler assigned task to node', err: '', since: now } });
    }
  }
}
