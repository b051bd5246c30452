// What a manager's dispatcher sends a node's agent over its session (swarmkit bump_v19.03
// manager/dispatcher/dispatcher.go Assignments, assignments.go): first a COMPLETE set — every task
// given to the node from ASSIGNED on, and the secrets and configs they use — then INCREMENTAL
// changes (AssignmentChange: UPDATE or REMOVE of a Task, Secret or Config) as the store moves. The
// stream waits batchingWaitTime (100 ms) after the last change before it sends, or sends once 100
// changes wait. A frame carries what the agent acts on: the task's desired state and all it needs
// to start it (its spec, addresses, the service's ports, VIPs and aliases), so the agent never
// reads the manager's store for its work.
import type { Ip4 } from '../core/addr.js';
import type { EventQueue, Nanos } from '../sim/clock.js';
import type { SwarmCluster } from '../swarm/cluster.js';
import { AssignmentSet, BATCHING_WAIT, MODIFICATION_BATCH_LIMIT } from '../swarm/dispatcher.js';
import type { PendingChange } from '../swarm/dispatcher.js';
import type { TaskState } from '../swarm/model.js';
import { objectBytes } from '../swarm/raft-entry.js';
import type { PortConfig, ServiceSpec } from '../swarm/spec.js';

/** An api.Task as the agent gets it. */
export interface AssignedTask {
  readonly id: string;
  readonly serviceId: string;
  /** ServiceAnnotations.Name. */
  readonly serviceName: string;
  readonly slot: number;
  readonly nodeId: string;
  readonly desiredState: TaskState;
  /** The task's status in the store when sent (the agent starts a task still ASSIGNED). */
  readonly state: TaskState;
  /** The store's order of tasks (the agent acts on them in that order). */
  readonly seq: number;
  readonly spec: ServiceSpec;
  /** NetworkAttachments: network ID → the task's address. */
  readonly addresses: ReadonlyArray<readonly [string, Ip4]>;
  /** Endpoint: the service's ports and, in VIP mode, its VIP per network. */
  readonly ports: readonly PortConfig[];
  readonly vips: ReadonlyArray<readonly [string, Ip4]>;
  /** The protobuf size of the task (swarm/raft-entry.ts objectBytes). */
  readonly bytes: number;
}

/** A Secret or Config with its data (the agent writes it into the task's container). */
export interface AssignedFile {
  readonly id: string;
  readonly name: string;
  readonly data: string;
}

export type AssignmentChange =
  | { readonly action: 'update'; readonly task: AssignedTask }
  | { readonly action: 'update'; readonly secret: AssignedFile }
  | { readonly action: 'update'; readonly config: AssignedFile }
  | { readonly action: 'remove'; readonly kind: 'task' | 'secret' | 'config'; readonly id: string };

export interface AssignmentsMessage {
  readonly kind: 'assignments';
  readonly type: 'COMPLETE' | 'INCREMENTAL';
  readonly changes: readonly AssignmentChange[];
}

/** A Secret's or Config's protobuf: its spec, data and meta. */
const FILE_OVERHEAD = 160;
/** An AssignmentChange around its item (action, oneof tag and length). */
const CHANGE_OVERHEAD = 8;

/** The changes' bytes on the wire (rpc.ts wireSize adds the message's own). */
export function assignmentsBytes(m: AssignmentsMessage): number {
  let n = 0;
  for (const c of m.changes) {
    if (c.action === 'remove') n += CHANGE_OVERHEAD + 30;
    else if ('task' in c) n += CHANGE_OVERHEAD + c.task.bytes;
    else {
      const f = 'secret' in c ? c.secret : c.config;
      n += CHANGE_OVERHEAD + FILE_OVERHEAD + f.name.length + f.data.length;
    }
  }
  return n;
}

/** The changes as the store holds their objects now (a change waiting names the latest version). */
export function resolveChanges(cluster: SwarmCluster, pending: readonly PendingChange[]): AssignmentChange[] {
  const out: AssignmentChange[] = [];
  for (const p of pending) {
    if (p.action === 'remove') {
      out.push({ action: 'remove', kind: p.kind, id: p.id });
      continue;
    }
    if (p.kind === 'task') {
      const t = cluster.store.getTask(p.id);
      if (t === null || t.nodeId === null) continue;
      const svc = cluster.services.get(t.serviceId);
      const vips = svc === undefined || svc.spec.endpointMode !== 'vip' ? [] : [...svc.vips];
      out.push({
        action: 'update',
        task: {
          id: t.id, serviceId: t.serviceId, serviceName: svc?.spec.name ?? t.spec.name, slot: t.slot, nodeId: t.nodeId,
          desiredState: t.desiredState, state: t.state, seq: t.seq, spec: t.spec, addresses: [...t.addresses],
          ports: svc?.ports ?? [], vips, bytes: objectBytes(t),
        },
      });
      continue;
    }
    const o = (p.kind === 'secret' ? cluster.secrets : cluster.configs).get(p.id);
    if (o === undefined) continue;
    const f: AssignedFile = { id: o.id, name: o.name, data: o.data };
    out.push(p.kind === 'secret' ? { action: 'update', secret: f } : { action: 'update', config: f });
  }
  return out;
}

/**
 * One node's assignments at one manager, from its registration on: the set, fed by the store's
 * task events for the node (SwarmWorld routes them), and the batching timer of the stream.
 * `ready` says whether the manager can send now (it reaches the leader, whose dispatcher it
 * proxies: if not, the changes wait, looked at again every batchingWaitTime); `send` writes a
 * message on the session's connection, false once that is gone.
 */
export class AssignmentStream {
  readonly set: AssignmentSet;
  private due: Nanos = 0;
  private armed = false;
  private timerAt: Nanos = 0;
  private gen = 0;
  private modifications = 0;
  closed = false;

  constructor(
    private readonly cluster: SwarmCluster,
    private readonly eq: EventQueue,
    readonly nodeId: string,
    private readonly ready: () => boolean,
    private readonly send: (m: AssignmentsMessage) => boolean,
  ) {
    this.set = new AssignmentSet(cluster.store);
    for (const t of cluster.nodeTasks(nodeId).tasks) this.set.addOrUpdate(t);
  }

  /** The first message: every assignment (ViewAndWatch's initial view). */
  complete(): AssignmentsMessage {
    return { kind: 'assignments', type: 'COMPLETE', changes: resolveChanges(this.cluster, this.set.take()) };
  }

  /** A change for the agent was noted: send once none came for batchingWaitTime, or at the limit. */
  modified(): void {
    if (this.closed) return;
    this.modifications++;
    this.arm(this.eq.now + (this.modifications >= MODIFICATION_BATCH_LIMIT ? 0 : BATCHING_WAIT));
  }

  /** The stream looks at its changes at `due` (one timer: the latest armed; an earlier due wins). */
  private arm(due: Nanos): void {
    this.due = due;
    if (this.armed && this.timerAt <= due) return;
    this.armed = true;
    this.timerAt = due;
    const gen = ++this.gen;
    this.eq.at(due, () => gen === this.gen && this.fire());
  }

  private fire(): void {
    this.armed = false;
    if (this.closed) return;
    if (this.eq.now < this.due) return this.arm(this.due);
    if (this.set.pending === 0) return;
    if (!this.ready()) return this.arm(this.eq.now + BATCHING_WAIT);
    this.modifications = 0;
    const m: AssignmentsMessage = { kind: 'assignments', type: 'INCREMENTAL', changes: resolveChanges(this.cluster, this.set.take()) };
    if (m.changes.length > 0 && !this.send(m)) this.closed = true;
  }
}
