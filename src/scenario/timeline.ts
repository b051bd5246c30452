// The cluster over time, recorded on the simulated clock while a scenario replays (for `swarmsim
// view`): every change of a task's node, desired state or observed state, with its time, and a
// traffic loop's answers and failures per simulated second. The model is not asked to word
// anything: the recorder keeps numbers and names, view/timeline.ts draws them.
//
// Where it listens: the swarm store's watch queue (swarm/store/memory.ts) publishes every change
// of a task's node, desired state or observed state; the recorder subscribes once the cluster
// exists, so nothing changes for a run that does not record.
import type { Simulation } from './simulation.js';
import type { Nanos } from '../sim/clock.js';
import { SEC } from '../sim/clock.js';
import type { SwarmCluster } from '../swarm/cluster.js';
import type { Task, TaskState } from '../swarm/model.js';

/** One stretch of a task's life in one state, on one node. */
export interface TaskSpan {
  readonly from: Nanos;
  /** null: still so when the scenario ended. */
  readonly to: Nanos | null;
  readonly state: TaskState;
  readonly desired: TaskState;
  readonly node: string | null;
}

export interface TaskLine {
  readonly id: string;
  readonly service: string;
  /** Replica number; 0 for a global service's task (its row is its node). */
  readonly slot: number;
  readonly image: string;
  /** Which of the service's specs the task was made from: 1 for the first, 2 after an update… */
  readonly version: number;
  readonly created: Nanos;
  readonly spans: TaskSpan[];
}

export interface TrafficSeconds {
  readonly name: string;
  readonly command: string;
  /** By simulated second (floor(t / 1 s)): answers and failures of the runs started in it. */
  readonly seconds: Map<number, { ok: number; failed: number }>;
}

export class ClusterTimeline {
  readonly tasks = new Map<string, TaskLine>();
  readonly traffic: TrafficSeconds[] = [];
  private cluster: SwarmCluster | null = null;
  /** Each service's task templates (the spec but its replica count) in the order tasks first had them. */
  private readonly versions = new Map<string, string[]>();
  /** The last simulated time the replay reached. */
  end: Nanos = 0;

  constructor(private readonly sim: Simulation) {}

  /** Starts listening once the swarm exists (the runner calls this after every step). */
  attach(): void {
    this.end = this.sim.world.eq.now;
    const cluster = this.sim.swarm.cluster;
    if (cluster === null || cluster === this.cluster) return;
    this.cluster = cluster;
    // Tasks made before the first look (in the step that made the swarm) start as they stand.
    for (const t of cluster.tasks.values()) this.line(t, t.stateSince, t.nodeId, t.desiredState, t.state);
    cluster.store.watch((e) => {
      if (e.kind === 'task' && e.action === 'update') this.changed(e.task, e.prevNode, e.prevDesired, e.prevState);
    });
  }

  private line(t: Task, since: Nanos, node: string | null, desired: TaskState, state: TaskState): TaskLine {
    let l = this.tasks.get(t.id);
    if (l !== undefined) return l;
    const svc = this.cluster?.services.get(t.serviceId);
    let specs = this.versions.get(t.serviceId);
    if (specs === undefined) this.versions.set(t.serviceId, (specs = []));
    // `docker service scale` makes a new spec with the same template: not a new version.
    const template = JSON.stringify({ ...t.spec, mode: null });
    if (!specs.includes(template)) specs.push(template);
    l = { id: t.id, service: svc?.spec.name ?? t.spec.name, slot: t.slot, image: t.spec.image, version: specs.indexOf(template) + 1, created: t.createdAt, spans: [] };
    l.spans.push({ from: Math.min(since, this.sim.world.eq.now), to: null, state, desired, node: this.hostname(node) });
    this.tasks.set(t.id, l);
    return l;
  }

  private hostname(node: string | null): string | null {
    return node === null ? null : (this.cluster?.nodes.get(node)?.hostname ?? node);
  }

  private changed(t: Task, prevNode: string | null, prevDesired: TaskState, prevState: TaskState): void {
    const now = this.sim.world.eq.now;
    const l = this.line(t, t.createdAt, prevNode, prevDesired, prevState);
    const last = l.spans[l.spans.length - 1]!;
    const node = this.hostname(t.nodeId);
    if (last.state === t.state && last.desired === t.desiredState && last.node === node) return;
    l.spans[l.spans.length - 1] = { ...last, to: now };
    // Several changes at one instant keep the last.
    if (last.from === now) l.spans.pop();
    l.spans.push({ from: now, to: null, state: t.state, desired: t.desiredState, node });
  }

  /** A traffic loop to count per second; returns the callback the loop calls after each run. */
  trafficLoop(name: string, command: string): (t0: Nanos, ok: boolean) => void {
    const rec: TrafficSeconds = { name, command, seconds: new Map() };
    this.traffic.push(rec);
    return (t0, ok) => {
      const s = Math.floor(t0 / SEC);
      let bin = rec.seconds.get(s);
      if (bin === undefined) rec.seconds.set(s, (bin = { ok: 0, failed: 0 }));
      if (ok) bin.ok++;
      else bin.failed++;
    };
  }
}
