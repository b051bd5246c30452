// One swarm's manager, composed as swarmkit's manager.go becomeLeader composes it: the store
// (store/memory.ts) and the reconcilers that meet only there, through its typed operations and
// its watch queue — allocator, constraint enforcer, orchestrators with their restart and update
// supervisors, task reaper, scheduler, and the dispatcher's node-down decision. `commit()` is the
// one place a change is applied: the store publishes EventCommit, the reconcilers run in a fixed
// order until stable, then the agents are told. Besides: membership, leadership (leadership.ts)
// and the control API the CLI calls (controlapi.ts). Nothing here touches a kernel: agents
// (agent/) turn the state into containers and load balancers on each node.
import type { Ip4 } from '../core/addr.js';
import type { Rng } from '../core/rng.js';
import type { Subnet } from '../core/ipam.js';
import type { EventQueue, Nanos } from '../sim/clock.js';
import { Agents } from './agents.js';
import type { NodeAgent } from './agents.js';
import { ingressOf } from './allocator.js';
import type { Allocator, NetworkOptions } from './allocator.js';
import { ControlApi } from './controlapi.js';
import { HEARTBEAT_PERIOD, NodeStore, startHeartbeatChecks } from './dispatcher.js';
import { SwarmError } from './errors.js';
import { hashSeed, swarmId } from './ids.js';
import { Leadership } from './leadership.js';
import type { Connectivity, RaftView } from './leadership.js';
import { Reconcilers } from './manager.js';
import { CountedMap, SwarmNode, isTerminal } from './model.js';
import type { Config, FileObjectKind, NodeRole, NodeTasks, Secret, Service, SwarmNetwork, Task, TaskState } from './model.js';
import type { Scheduler } from './scheduler.js';
import type { ServiceSpec } from './spec.js';
import { MemoryStore } from './store/memory.js';
import { entryOf, storeAction } from './raft-entry.js';
import type { StoreActionKind, StoreObject } from './raft-entry.js';

export { SwarmError } from './errors.js';
export { INGRESS_VNI } from './allocator.js';
export { TASK_HISTORY } from './orchestrator/taskreaper.js';
export { NODE_DOWN_AFTER } from './dispatcher.js';
export type { NodeAgent } from './agents.js';
export type { Connectivity, RaftView } from './leadership.js';
export const HEARTBEAT: Nanos = HEARTBEAT_PERIOD;

// Each reconciler keeps what changed since it last looked (fed by the watch queue) and the store
// keeps indexes: a commit looks only at what changed, in the order full scans would.
export class SwarmCluster {
  readonly store = new MemoryStore();
  readonly nodes: ReadonlyMap<string, SwarmNode> = this.store.nodes;
  readonly services: ReadonlyMap<string, Service> = this.store.services;
  readonly tasks: ReadonlyMap<string, Task> = this.store.tasks;
  readonly networks: ReadonlyMap<string, SwarmNetwork> & { readonly writes: number } = this.store.networks;
  readonly secrets: Map<string, Secret> = this.store.secrets;
  readonly configs: Map<string, Config> = this.store.configs;
  readonly nodeOfHost = new Map<string, string>();
  /** Standalone containers attached to attachable overlays (`docker run --network`), by container ID. */
  readonly attachments = new CountedMap<string, { readonly networkId: string; readonly nodeId: string; readonly ip: Ip4; readonly name: string }>();
  readonly workerToken: string;
  readonly managerToken: string;
  /** The dispatcher's sessions and heartbeat timers (workers; managers are heard through Raft). */
  readonly nodeStore: NodeStore;
  readonly allocator: Allocator;
  readonly scheduler: Scheduler;
  private readonly agents: Agents;
  private readonly leadership: Leadership;
  private readonly reconcilers: Reconcilers;
  private readonly control: ControlApi;

  /** The store's secrets or configs (the CLI writes them in place: they are immutable objects). */
  fileObjects(kind: FileObjectKind): Map<string, Secret | Config> {
    return kind === 'secret' ? this.secrets : this.configs;
  }
  /** The Raft log index objects are versioned with (`Version.Index`); here one write per object
   *  created, which is what the store's index counts apart from updates. */
  storeIndex = 10;
  private reconciling = false;
  /** The objects written since the last commit, with what was done to each: its Raft log entry. */
  private readonly journal = new Map<StoreObject, StoreActionKind>();
  /** Networks removed, by ID: a rollback to a replica that still has one puts the object back. */
  private readonly removedNetworks = new Map<string, SwarmNetwork>();
  private ticking = false;
  private notifyDepth = 0;
  private leaderFresh = false;

  constructor(
    readonly id: string,
    readonly rng: Rng,
    readonly eq: EventQueue,
    readonly net: Connectivity,
    readonly engineLabels: (n: SwarmNode) => Record<string, string>,
    /** `--default-addr-pool` (one or more; 10.0.0.0/8 by default), split into /`addrPoolMask`. */
    readonly addrPools: readonly Subnet[],
    readonly addrPoolMask: number,
    /** `--data-path-port`: the UDP port of every overlay's VXLAN (4789 by default). */
    readonly dataPathPort: number = 4789,
  ) {
    // SWMTKN-1-<hash of the root CA>-<secret>: one hash, two secrets (worker, manager).
    this.nodeStore = new NodeStore(hashSeed(id));
    const hash = this.b36(50);
    this.workerToken = `SWMTKN-1-${hash}-${this.b36(25)}`;
    this.managerToken = `SWMTKN-1-${hash}-${this.b36(25)}`;
    const store = this.store;
    const ids = (): string => this.newId();
    // The order of subscription is the order each event is heard in: the agents' marks first.
    this.agents = new Agents(store, this.attachments);
    this.leadership = new Leadership(store, net);
    this.reconcilers = new Reconcilers({ store, eq, view: this, dataPlane: this.agents, newId: ids, commit: () => this.commit(), addrPools, addrPoolMask });
    this.allocator = this.reconcilers.allocator;
    this.scheduler = this.reconcilers.scheduler;
    this.control = new ControlApi(store, this.allocator, this.reconcilers.updates, ids, () => eq.now);
    store.watch((e) => {
      if (e.action === 'commit') return this.reconcile();
      // What this transaction wrote: its Raft log entry (swarm/raft-entry.ts), one StoreAction per
      // object (swarmkit store/memory.go: every write of a transaction is in its proposal).
      const o = e.kind === 'task' ? e.task : e.kind === 'node' ? e.node : e.kind === 'service' ? e.service : e.kind === 'network' ? e.network : e.object;
      this.noteWrite(o, e.action);
      if (e.kind === 'network') {
        if (e.action === 'delete') this.removedNetworks.set(e.network.id, e.network);
        else this.removedNetworks.delete(e.network.id);
      }
    });
  }

  /** A create stays a create through later updates; a delete is the last word. */
  private noteWrite(o: StoreObject, action: StoreActionKind): void {
    const was = this.journal.get(o);
    this.journal.set(o, action === 'update' && was !== undefined ? was : action);
  }

  private b36(n: number): string {
    const a = '0123456789abcdefghijklmnopqrstuvwxyz';
    let s = '';
    for (let i = 0; i < n; i++) s += a[this.rng.below(36)];
    return s;
  }

  get now(): Nanos {
    return this.eq.now;
  }

  newId(): string {
    this.storeIndex++;
    return swarmId(this.rng);
  }

  /** Registers the agent of `nodeId`. */
  watch(nodeId: string, agent: NodeAgent): void {
    this.agents.add(this.nodeTasks(nodeId), agent);
  }

  /** The node's agent has something to look at after the next commit. */
  wake(e: NodeTasks): void {
    this.agents.wake(e);
  }

  /** Something the node's agent's data-plane answer reads may have moved (Agents.inputsMoved). */
  inputsMoved(e: NodeTasks): void {
    this.agents.inputsMoved(e);
  }

  /** Bumped by every change an agent's data plane may depend on (networks, peers, services, roles). */
  get dataVersion(): number {
    return this.agents.dataVersion;
  }

  // ---------- membership and Raft ----------

  addNode(hostname: string, role: NodeRole, addr: Ip4, cpus: number, memory: number): SwarmNode {
    const id = this.newId();
    const n = new SwarmNode(id, hostname, role, addr, this.now, cpus, memory, this.nodeTasks(id));
    this.store.createNode(n);
    this.nodeOfHost.set(hostname, n.id);
    if (this.leaderId === null && role === 'manager') this.leaderId = n.id;
    // Until its agent opens a session, the node is timed as if it had one.
    if (role === 'worker') this.nodeStore.register(n.id, this.now);
    const ingress = this.ingress();
    if (ingress !== null) this.allocator.nodeLbAddr(n, ingress);
    // Every network's peers may include the new node's endpoints.
    this.touchNetworks();
    this.startTicking();
    return n;
  }

  managers(): SwarmNode[] {
    return [...this.leadership.managers()];
  }

  get leaderId(): string | null {
    return this.leadership.leaderId;
  }

  set leaderId(id: string | null) {
    this.leadership.leaderId = id;
  }

  get raft(): RaftView | null {
    return this.leadership.raft;
  }

  /** Raft over the wire, once the swarm world runs it; without it leadership is computed from reach. */
  set raft(r: RaftView | null) {
    this.leadership.raft = r;
  }

  /** Raft: the leader, re-elected among a connected majority of managers; null without quorum. */
  currentLeader(): SwarmNode | null {
    return this.leadership.current();
  }

  /**
   * What every agent's sync used to do first (through its connectivity check): ask for the leader,
   * which elects one when the last is gone. Within one round of change notifications nothing the
   * answer depends on (members, roles, links) changes, so the first agent's call stands for all.
   */
  touchLeader(): void {
    if (this.notifyDepth > 0 && this.leaderFresh) return;
    this.currentLeader();
    this.leaderFresh = true;
  }

  /** Refuses when the node asking is not a manager or cannot reach a leader with quorum. */
  checkManager(host: string): SwarmNode {
    const n = this.nodeFor(host);
    if (n === null || n.role !== 'manager') {
      throw new SwarmError("This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager.");
    }
    if (!this.leadership.follows(n, this.currentLeader())) {
      throw new SwarmError('rpc error: code = Unknown desc = The swarm does not have a leader. It\'s possible that too few managers are online. Make sure more than half of the managers are online.');
    }
    return n;
  }

  nodeFor(host: string): SwarmNode | null {
    const id = this.nodeOfHost.get(host);
    return id === undefined ? null : this.nodes.get(id) ?? null;
  }

  /** Manager status as `docker node ls` shows it. */
  managerStatus(n: SwarmNode): string {
    return this.leadership.status(n);
  }

  removeNode(n: SwarmNode): void {
    for (const t of [...this.nodeTasks(n.id).tasks]) if (!isTerminal(t.state)) this.store.updateTask(t, { desiredState: 'shutdown' });
    this.store.deleteNode(n);
    this.touchNetworks();
    if (this.nodeOfHost.get(n.hostname) === n.id) this.nodeOfHost.delete(n.hostname);
    if (this.leaderId === n.id) this.leaderId = null;
    this.commit();
  }

  /** Heartbeats: once a second the leader notes who it hears; silent nodes go Down. */
  private startTicking(): void {
    if (this.ticking) return;
    this.ticking = true;
    startHeartbeatChecks(this.eq, this.store, this.nodeStore, {
      leader: () => this.currentLeader(),
      member: (n) => this.nodeOfHost.get(n.hostname) === n.id,
      hearsManager: (leader, n) => this.leadership.hears(leader, n),
    }, () => this.commit());
  }

  /** A node's session opened or its heartbeat arrived at a manager that reaches the leader. */
  heard(n: SwarmNode): void {
    n.lastSeen = this.now;
    if (n.status !== 'ready' && this.nodeOfHost.get(n.hostname) === n.id) {
      this.store.updateNode(n, { status: 'ready' });
      this.commit();
    }
  }

  // ---------- networks ----------

  ingress(): SwarmNetwork | null {
    return ingressOf(this.store);
  }

  createNetwork(name: string, o: NetworkOptions): SwarmNetwork {
    return this.allocator.createNetwork(name, o);
  }

  removeNetwork(net: SwarmNetwork): void {
    this.control.removeNetwork(net);
    this.commit();
  }

  findNetwork(ref: string): SwarmNetwork | null {
    return this.store.findNetwork(ref);
  }

  /** The node's own address on a network (its LB endpoint, or its ingress-sbox on ingress); null
   *  when the network has no address left (the node then has no load balancer on it). */
  tryNodeLbAddr(n: SwarmNode, net: SwarmNetwork): Ip4 | null {
    return this.allocator.tryNodeLbAddr(n, net);
  }

  /** Something `net`'s peers, load balancers or DNS records derive from changed. */
  touchNetwork(netId: string): void {
    this.agents.touchNetwork(netId);
  }

  touchNetworks(): void {
    this.agents.touchNetworks();
  }

  // ---------- services (controlapi.ts) ----------

  findService(ref: string): Service | null {
    return this.store.findService(ref);
  }

  addService(spec: ServiceSpec): Service {
    const svc = this.control.createService(spec);
    this.commit();
    return svc;
  }

  /** `version`: the one the CLI read (`service inspect`'s Version.Index); a stale one is refused. */
  updateService(svc: Service, spec: ServiceSpec, version: number = svc.version): void {
    this.control.updateService(svc, spec, version);
    this.commit();
  }

  rollbackService(svc: Service, version: number = svc.version): void {
    this.control.rollbackService(svc, version);
    this.commit();
  }

  scaleService(svc: Service, replicas: number, version: number = svc.version): void {
    this.control.scaleService(svc, replicas, version);
    this.commit();
  }

  removeService(svc: Service): void {
    this.control.removeService(svc);
    this.commit();
  }

  /** The service's tasks, in creation order. */
  tasksOf(svc: Service): Task[] {
    return [...this.store.serviceTasks(svc.id)];
  }

  /** The tasks given to a node (the entry lives on after the node leaves, as its tasks do). */
  nodeTasks(nodeId: string): NodeTasks {
    return this.store.nodeTasks(nodeId);
  }

  /** Tasks waiting for a node, in creation order. */
  pendingTasks(): ReadonlySet<Task> {
    return this.scheduler.queue();
  }

  /** An agent reports a task's progress (dispatcher UpdateTaskStatus). */
  report(t: Task, state: TaskState, message: string, err = ''): void {
    if (this.store.getTask(t.id) === null) return;
    this.store.updateTask(t, { status: { state, message, err, since: this.now } });
    this.commit();
  }

  // ---------- reconciliation ----------

  /** A network removed from the store, kept for a rollback that puts it back. */
  removedNetwork(id: string): SwarmNetwork | undefined {
    return this.removedNetworks.get(id);
  }

  /** The store was put back to a replica (replica-reset.ts): those writes are already committed, so they
   *  make no entry; the reconcilers run on the result, and what they write is proposed. */
  commitReplica(): void {
    this.journal.clear();
    this.commit();
  }

  /** A change is committed: the store publishes EventCommit, the reconcilers run until stable,
   *  the transaction's writes are proposed as one Raft entry, then the agents act. */
  commit(): void {
    if (this.reconciling) return;
    this.store.commit();
  }

  /** The reconcilers (manager.ts), then the agents that have something to look at. */
  private reconcile(): void {
    if (this.reconciling) return;
    this.reconciling = true;
    try {
      this.reconcilers.run();
    } finally {
      this.reconciling = false;
    }
    if (this.journal.size > 0) {
      if (this.raft !== null) {
        const e = entryOf([...this.journal].map(([o, action]) => storeAction(o, action, this.store.version(o))));
        this.raft.record(e.what, e.bytes, e.actions);
      }
      this.journal.clear();
    }
    if (this.notifyDepth === 0) {
      this.leaderFresh = false;
      // Each agent's sync starts by asking for the leader (an election if it is gone): the first
      // agent able to listen would ask before anything else ran, whether it is due or not.
      if (this.agents.anyListening()) this.touchLeader();
    }
    this.notifyDepth++;
    try {
      this.agents.notify();
    } finally {
      this.notifyDepth--;
    }
  }
}

