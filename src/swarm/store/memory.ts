// One manager's store of desired and observed state (swarmkit manager/state/store/memory.go
// MemoryStore): a table per object kind, typed create/update/delete that do the version
// bookkeeping and refuse a stale update (ErrSequenceConflict, "update out of sequence"), the
// indexes the reconcilers query (by.go: ByServiceID, BySlot, ByNodeID, by network), and a watch
// queue of EventCreate/EventUpdate/EventDelete and EventCommit that each reconciler subscribes to.
//
// Differences from swarmkit, on purpose:
// - Objects are kept by reference and changed in place (10,000 tasks are copied on every change
//   otherwise). A Task's or SwarmNode's setters report each change here, so a write the agent
//   makes through them (agent/, which the store does not own) is still an update of the store.
// - Delivery is synchronous, on the simulated clock: a watcher hears an event before the write
//   that made it returns, in subscription order. EventCommit is published by `commit()`, the one
//   place a change is applied and the reconcilers run; the cluster then proposes the
//   transaction's writes as one Raft entry (cluster.ts reconcile, raft-entry.ts).
// - This is the leader's live store, shared by every manager's views; each manager's own copy,
//   fed by its Raft log, is a replica of plain data (replica.ts) that this store is put back to
//   when a new leader takes over (replica-reset.ts).
import { CountedMap, NodeTasks, Service, isTerminal } from '../model.js';
import type { Config, FileObject, FileObjectKind, NodeObserver, Secret, SwarmNetwork, SwarmNode, Task, TaskObserver, TaskState } from '../model.js';
import type { Ip4 } from '../../core/addr.js';

/** store.ErrSequenceConflict: an update made from an object older than the store's. */
export class SequenceConflict extends Error {
  constructor() {
    super('update out of sequence');
  }
}

export type StoreEvent =
  | { readonly action: 'create' | 'delete'; readonly kind: 'task'; readonly task: Task }
  | { readonly action: 'update'; readonly kind: 'task'; readonly task: Task; readonly prevNode: string | null; readonly prevDesired: TaskState; readonly prevState: TaskState }
  /** `labels`: only the node's labels changed (no role, availability or status). */
  | { readonly action: 'create' | 'update' | 'delete'; readonly kind: 'node'; readonly node: SwarmNode; readonly labels: boolean }
  /** `spec`: the service's spec changed (create, update, scale, rollback), not only its status. */
  | { readonly action: 'create' | 'update' | 'delete'; readonly kind: 'service'; readonly service: Service; readonly spec: boolean }
  | { readonly action: 'create' | 'delete'; readonly kind: 'network'; readonly network: SwarmNetwork }
  | { readonly action: 'create' | 'update' | 'delete'; readonly kind: FileObjectKind; readonly object: FileObject }
  | { readonly action: 'commit'; readonly kind: 'commit' };

export type Watcher = (e: StoreEvent) => void;

/** The fields of a task its writers change (the rest is fixed when it is made). */
export interface TaskPatch {
  readonly nodeId?: string | null;
  readonly desiredState?: TaskState;
  /** Observed state, with its message, error and time (TaskStatus). */
  readonly status?: { readonly state: TaskState; readonly message: string; readonly err: string; readonly since: number };
}

/** Wanted running (or ready to replace one) and not ended: the task occupies its slot and node. */
export function liveState(desired: TaskState, state: TaskState): boolean {
  return (desired === 'running' || desired === 'ready') && !isTerminal(state);
}

/** The key a task's history is kept under: its replica slot, or a global task's node (set when made). */
export function groupKey(t: Task): number | string {
  return t.slot > 0 ? t.slot : t.nodeId ?? '';
}

/** One service's tasks in creation order: all of them, and by slot (replicated) or node (global). */
export class ServiceTasks {
  readonly all = new Set<Task>();
  readonly groups = new Map<number | string, Task[]>();
}

const EMPTY: ReadonlySet<Task> = new Set();

export class MemoryStore implements TaskObserver, NodeObserver {
  readonly nodes = new Map<string, SwarmNode>();
  readonly services = new Map<string, Service>();
  readonly tasks = new Map<string, Task>();
  /** Counted: every agent checks after each data-plane change whether the networks are as it last applied them. */
  readonly networks = new CountedMap<string, SwarmNetwork>();
  readonly secrets = new Map<string, Secret>();
  readonly configs = new Map<string, Config>();
  /** Meta.Version of every object but services (whose version is `Service.version`, shown by
   *  `service inspect`): bumped by every update. */
  private readonly meta = new WeakMap<object, number>();
  private readonly watchers: Watcher[] = [];
  private taskSeq = 0;
  private readonly byService = new Map<string, ServiceTasks>();
  private readonly byNode = new Map<string, NodeTasks>();
  private readonly byNetwork = new Map<string, Set<Task>>();
  /** Bumped whenever a node loses a live task (the scheduler's heaps hold only while counts grow). */
  liveDrops = 0;
  /** The task an `updateTask` is writing: its setters' reports are that one update. */
  private writing: Task | null = null;

  /** Subscribes to every event from now on (state.Watch); returns the cancel function. */
  watch(w: Watcher): () => void {
    this.watchers.push(w);
    return () => {
      const i = this.watchers.indexOf(w);
      if (i >= 0) this.watchers.splice(i, 1);
    };
  }

  private publish(e: StoreEvent): void {
    for (const w of this.watchers) w(e);
  }

  /** The changes made so far are one transaction: watchers hear EventCommit (the reconcilers run). */
  commit(): void {
    this.publish({ action: 'commit', kind: 'commit' });
  }

  /** Meta.Version: 1 when created, one more per update. */
  version(o: Task | SwarmNode | SwarmNetwork | FileObject | Service): number {
    if (o instanceof Service) return o.version;
    return this.meta.get(o) ?? 0;
  }

  /** A rollback puts an object's Meta.Version back to the committed one (replica-reset.ts). */
  restoreVersion(o: Task | SwarmNode | SwarmNetwork, version: number): void {
    this.meta.set(o, version);
  }

  private touchMeta(o: object): void {
    this.meta.set(o, (this.meta.get(o) ?? 0) + 1);
  }

  private checkVersion(o: Task | SwarmNode, seen: number | undefined): void {
    if (seen !== undefined && seen !== this.version(o)) throw new SequenceConflict();
  }

  // ---------- nodes ----------

  createNode(n: SwarmNode): void {
    this.nodes.set(n.id, n);
    this.touchMeta(n);
    n.observer = this;
    this.publish({ action: 'create', kind: 'node', node: n, labels: false });
  }

  /** Writes a node's role, availability or status (each a setter that reports here). */
  updateNode(n: SwarmNode, patch: { role?: SwarmNode['role']; availability?: SwarmNode['availability']; status?: SwarmNode['status'] }, seen?: number): void {
    this.checkVersion(n, seen);
    if (patch.role !== undefined) n.role = patch.role;
    if (patch.availability !== undefined) n.availability = patch.availability;
    if (patch.status !== undefined) n.status = patch.status;
  }

  /** A node's labels changed (`node update --label-add`, `--label-rm`): they are written in place. */
  updateNodeLabels(n: SwarmNode, write: (labels: Record<string, string>) => void, seen?: number): void {
    this.checkVersion(n, seen);
    write(n.labels);
    this.touchMeta(n);
    this.publish({ action: 'update', kind: 'node', node: n, labels: true });
  }

  nodeChanged(n: SwarmNode): void {
    this.touchMeta(n);
    this.publish({ action: 'update', kind: 'node', node: n, labels: false });
  }

  deleteNode(n: SwarmNode): void {
    // The node object keeps reporting to the store: a write to a removed node is still heard.
    this.nodes.delete(n.id);
    this.publish({ action: 'delete', kind: 'node', node: n, labels: false });
  }

  // ---------- services ----------

  getService(id: string): Service | null {
    return this.services.get(id) ?? null;
  }

  /** By name or full ID, else by a unique ID prefix (the daemon's lookup order). */
  findService(ref: string): Service | null {
    for (const s of this.services.values()) if (s.spec.name === ref || s.id === ref) return s;
    const byId = [...this.services.values()].filter((s) => s.id.startsWith(ref));
    return byId.length === 1 ? byId[0]! : null;
  }

  createService(svc: Service): void {
    this.services.set(svc.id, svc);
    this.publish({ action: 'create', kind: 'service', service: svc, spec: true });
  }

  /**
   * controlapi UpdateService: `seen` is the version the writer read (the CLI sends it back); a
   * service updated since is refused. `write` changes the service; its version then moves on.
   */
  updateService(svc: Service, seen: number, write: (s: Service) => void): void {
    if (this.services.get(svc.id) !== svc) throw new Error(`service ${svc.id} not found`);
    if (seen !== svc.version) throw new SequenceConflict();
    write(svc);
    svc.version++;
    this.publish({ action: 'update', kind: 'service', service: svc, spec: true });
  }

  /** An update of the service's status fields only (UpdateStatus, the allocator's ports and
   *  VIPs): swarmkit bumps Meta.Version for these too, but the simulator's `Version.Index` counts
   *  spec changes, as the scenarios show it. */
  updateServiceStatus(svc: Service, write: (s: Service) => void): void {
    write(svc);
    this.publish({ action: 'update', kind: 'service', service: svc, spec: false });
  }

  /** A rollback puts the service's spec, version and update status back as the replica has them
   *  (cluster.ts resetTo): an update of its spec, whatever the version. */
  restoreService(svc: Service, write: (s: Service) => void): void {
    write(svc);
    this.publish({ action: 'update', kind: 'service', service: svc, spec: true });
  }

  deleteService(svc: Service): void {
    this.services.delete(svc.id);
    this.publish({ action: 'delete', kind: 'service', service: svc, spec: false });
  }

  // ---------- networks ----------

  /** By name, else by a unique ID prefix. */
  findNetwork(ref: string): SwarmNetwork | null {
    for (const n of this.networks.values()) if (n.name === ref) return n;
    const byId = [...this.networks.values()].filter((n) => n.id.startsWith(ref));
    return byId.length === 1 ? byId[0]! : null;
  }

  createNetwork(n: SwarmNetwork): void {
    this.networks.set(n.id, n);
    this.touchMeta(n);
    this.publish({ action: 'create', kind: 'network', network: n });
  }

  deleteNetwork(n: SwarmNetwork): void {
    this.networks.delete(n.id);
    this.publish({ action: 'delete', kind: 'network', network: n });
  }

  // ---------- secrets and configs ----------

  fileObjects(kind: FileObjectKind): ReadonlyMap<string, FileObject> {
    return kind === 'secret' ? this.secrets : this.configs;
  }

  createFileObject(o: FileObject): void {
    (o.kind === 'secret' ? this.secrets : this.configs).set(o.id, o);
    this.touchMeta(o);
    this.publish({ action: 'create', kind: o.kind, object: o });
  }

  /** FileObjects are immutable: an update replaces the object with one of the same ID. */
  updateFileObject(o: FileObject): void {
    const table = o.kind === 'secret' ? this.secrets : this.configs;
    const old = table.get(o.id);
    if (old === undefined) throw new Error(`${o.kind} ${o.id} not found`);
    table.set(o.id, o);
    this.meta.set(o, (this.meta.get(old) ?? 0) + 1);
    this.publish({ action: 'update', kind: o.kind, object: o });
  }

  deleteFileObject(o: FileObject): void {
    (o.kind === 'secret' ? this.secrets : this.configs).delete(o.id);
    this.publish({ action: 'delete', kind: o.kind, object: o });
  }

  // ---------- tasks ----------

  getTask(id: string): Task | null {
    return this.tasks.get(id) ?? null;
  }

  createTask(t: Task): void {
    this.tasks.set(t.id, t);
    this.touchMeta(t);
    t.seq = this.taskSeq++;
    let st = this.byService.get(t.serviceId);
    if (st === undefined) this.byService.set(t.serviceId, (st = new ServiceTasks()));
    st.all.add(t);
    const key = groupKey(t);
    const group = st.groups.get(key);
    if (group === undefined) st.groups.set(key, [t]);
    else group.push(t);
    for (const netId of t.addresses.keys()) this.networkSet(netId).add(t);
    if (t.nodeId !== null) {
      const e = this.nodeTasks(t.nodeId);
      e.tasks.add(t);
      e.epoch++;
      if (liveState(t.desiredState, t.state)) countLive(e, t.serviceId, 1);
    }
    t.observer = this;
    this.publish({ action: 'create', kind: 'task', task: t });
  }

  /** Writes a task's node, desired state or observed state as one update (one version). */
  updateTask(t: Task, patch: TaskPatch, seen?: number): void {
    this.checkVersion(t, seen);
    const outer = this.writing;
    this.writing = t;
    try {
      if (patch.status !== undefined) {
        t.message = patch.status.message;
        t.err = patch.status.err;
        t.stateSince = patch.status.since;
      }
      if (patch.nodeId !== undefined) t.nodeId = patch.nodeId;
      if (patch.desiredState !== undefined) t.desiredState = patch.desiredState;
      if (patch.status !== undefined) t.state = patch.status.state;
    } finally {
      this.writing = outer;
    }
    this.touchMeta(t);
  }

  /** The allocator gave the task its addresses (NetworkAttachments). */
  attachTask(t: Task, addresses: ReadonlyArray<readonly [string, Ip4]>): void {
    for (const [netId, ip] of addresses) {
      t.addresses.set(netId, ip);
      if (t.observer !== null) this.networkSet(netId).add(t);
    }
    if (t.observer !== null) this.touchMeta(t);
  }

  taskChanged(t: Task, prevNode: string | null, prevDesired: TaskState, prevState: TaskState): void {
    if (this.writing !== t) this.touchMeta(t);
    const node = t.nodeId;
    if (prevNode !== null) {
      const e = this.nodeTasks(prevNode);
      e.epoch++;
      if (prevNode !== node) e.tasks.delete(t);
      if (liveState(prevDesired, prevState)) {
        countLive(e, t.serviceId, -1);
        if (prevNode !== node || !liveState(t.desiredState, t.state)) this.liveDrops++;
      }
    }
    if (node !== null) {
      const e = this.nodeTasks(node);
      if (prevNode !== node) {
        e.tasks.add(t);
        e.epoch++;
      }
      if (liveState(t.desiredState, t.state)) countLive(e, t.serviceId, 1);
    }
    this.publish({ action: 'update', kind: 'task', task: t, prevNode, prevDesired, prevState });
  }

  deleteTask(t: Task): void {
    this.tasks.delete(t.id);
    t.observer = null;
    const st = this.byService.get(t.serviceId);
    if (st !== undefined) {
      st.all.delete(t);
      const key = groupKey(t);
      const group = st.groups.get(key);
      if (group !== undefined) {
        const i = group.indexOf(t);
        if (i >= 0) group.splice(i, 1);
        if (group.length === 0) st.groups.delete(key);
      }
    }
    for (const netId of t.addresses.keys()) this.byNetwork.get(netId)?.delete(t);
    if (t.nodeId !== null) {
      const e = this.nodeTasks(t.nodeId);
      e.tasks.delete(t);
      e.epoch++;
      if (liveState(t.desiredState, t.state)) {
        countLive(e, t.serviceId, -1);
        this.liveDrops++;
      }
    }
    this.publish({ action: 'delete', kind: 'task', task: t });
  }

  // ---------- indexes (by.go) ----------

  /** ByServiceID: the service's tasks in creation order (not to be kept across a change). */
  serviceTasks(serviceId: string): ReadonlySet<Task> {
    return this.byService.get(serviceId)?.all ?? EMPTY;
  }

  /** BySlot: one service's task histories, by replica number or (global) node ID. */
  slotGroups(serviceId: string): ReadonlyMap<number | string, Task[]> | undefined {
    return this.byService.get(serviceId)?.groups;
  }

  /** Forgets the index of a removed service once its last task is gone. */
  dropServiceIndex(serviceId: string): void {
    const st = this.byService.get(serviceId);
    if (st !== undefined && st.all.size === 0) this.byService.delete(serviceId);
  }

  /** ByNodeID: the tasks given to a node (the entry lives on after the node leaves, as its tasks do). */
  nodeTasks(nodeId: string): NodeTasks {
    let e = this.byNode.get(nodeId);
    if (e === undefined) this.byNode.set(nodeId, (e = new NodeTasks()));
    return e;
  }

  /** ByReferencedNetworkID: tasks with an address on the network, in creation order. */
  networkTasks(netId: string): ReadonlySet<Task> {
    return this.byNetwork.get(netId) ?? EMPTY;
  }

  private networkSet(netId: string): Set<Task> {
    let s = this.byNetwork.get(netId);
    if (s === undefined) this.byNetwork.set(netId, (s = new Set()));
    return s;
  }
}

function countLive(e: NodeTasks, serviceId: string, d: number): void {
  e.live += d;
  e.liveBySvc.set(serviceId, (e.liveBySvc.get(serviceId) ?? 0) + d);
}
