// One swarm's manager, composed as swarmkit's manager.go becomeLeader composes it: the store
// (store/memory.ts) and the reconcilers that meet only there — allocator, orchestrators with their
// restart and update supervisors, task reaper, scheduler, and the dispatcher's node-down
// decision. `commit()` is the one place changes are applied: the store publishes EventCommit and
// the reconcilers run, then the agents are told. Membership and leadership (Raft, quorum) and the
// control API the CLI calls (controlapi: create/update/scale/rollback/remove) are here too.
// Nothing here touches a kernel: agents (agent/) turn the state into containers and load
// balancers on each node.
import type { Ip4 } from '../core/addr.js';
import type { Rng } from '../core/rng.js';
import type { EventQueue, Nanos } from '../sim/clock.js';
import type { Subnet } from '../core/ipam.js';
import { hashSeed, swarmId } from './ids.js';
import { HEARTBEAT_PERIOD, NodeStore, checkHeartbeats } from './dispatcher.js';
import { SwarmNode, Service, isTerminal } from './model.js';
import type { Config, FileObjectKind, NodeTasks, Secret, SwarmNetwork, Task } from './model.js';
import type { NodeRole, TaskState } from './model.js';
import { Scheduler } from './scheduler.js';
import { MAX_SERVICES } from './spec.js';
import type { ServiceSpec } from './spec.js';
import { SEC } from '../sim/clock.js';
import { MemoryStore, SequenceConflict } from './store/memory.js';
import type { StoreEvent } from './store/memory.js';
import { Allocator, ingressOf, serviceNetworks } from './allocator.js';
import type { NetworkOptions } from './allocator.js';
import { SwarmError } from './errors.js';
import { RestartSupervisor } from './orchestrator/restart.js';
import { ReplicatedOrchestrator } from './orchestrator/replicated.js';
import { GlobalOrchestrator } from './orchestrator/global.js';
import { Orchestrator } from './orchestrator/orchestrator.js';
import { UpdateSupervisor } from './orchestrator/update.js';
import { TaskReaper } from './orchestrator/taskreaper.js';
import { ConstraintEnforcer } from './orchestrator/constraintenforcer.js';
import { newTask } from './orchestrator/task.js';

export { SwarmError } from './errors.js';
export { INGRESS_VNI } from './allocator.js';
export { TASK_HISTORY } from './orchestrator/taskreaper.js';
export { NODE_DOWN_AFTER } from './dispatcher.js';
export const HEARTBEAT: Nanos = HEARTBEAT_PERIOD;

/** Leadership as the managers' Raft nodes see it (agent/raft-peer.ts): what crossed the wire. */
export interface RaftView {
  /** The leader with the highest term, or null while no manager leads. */
  leader(): string | null;
  /** The leader the manager `nodeId` follows (itself when leading), null while it knows none. */
  leadOf(nodeId: string): string | null;
  /** Whether the leader `leaderId` heard from manager `nodeId` within the last election timeout. */
  hears(leaderId: string, nodeId: string): boolean;
}

export interface Connectivity {
  /** Whether host `a` can reach host `b` over the LAN now (both up, cables in, same partition). */
  reach(a: string, b: string): boolean;
  up(host: string): boolean;
}

/** A node's agent as the cluster sees it. */
export interface NodeAgent {
  /** Whether a sync would run now (host up, daemon running, not inside a sync already). */
  listening(): boolean;
  /** Acts on the store; false when it could not, or must look again after the next commit. */
  sync(): boolean;
}

// Every commit used to re-walk the whole task map several times and every agent walked it again:
// O(nodes × tasks) per commit. The store's indexes and each reconciler's dirty sets, fed by the
// watch queue, let each commit look only at what changed; the work and its order are otherwise
// those of the full scans.
export class SwarmCluster {
  readonly store = new MemoryStore();
  readonly nodes: ReadonlyMap<string, SwarmNode> = this.store.nodes;
  readonly services: ReadonlyMap<string, Service> = this.store.services;
  readonly tasks: ReadonlyMap<string, Task> = this.store.tasks;
  readonly networks: ReadonlyMap<string, SwarmNetwork> = this.store.networks;
  readonly secrets: Map<string, Secret> = this.store.secrets;
  readonly configs: Map<string, Config> = this.store.configs;
  readonly nodeOfHost = new Map<string, string>();
  /** Standalone containers attached to attachable overlays (`docker run --network`), by container ID. */
  readonly attachments = new Map<string, { readonly networkId: string; readonly nodeId: string; readonly ip: Ip4; readonly name: string }>();
  readonly workerToken: string;
  readonly managerToken: string;
  leaderId: string | null = null;
  /** Raft over the wire, once the swarm world runs it; without it leadership is computed from reach. */
  raft: RaftView | null = null;
  /** The dispatcher's sessions and heartbeat timers (workers; managers are heard through Raft). */
  readonly nodeStore: NodeStore;
  readonly allocator: Allocator;
  readonly scheduler: Scheduler;
  private readonly restarts: RestartSupervisor;
  private readonly orchestrator: Orchestrator;
  private readonly updates: UpdateSupervisor;
  private readonly reaper: TaskReaper;
  private readonly enforcer: ConstraintEnforcer;

  /** The store's secrets or configs (the CLI writes them in place: they are immutable objects). */
  fileObjects(kind: FileObjectKind): Map<string, Secret | Config> {
    return kind === 'secret' ? this.secrets : this.configs;
  }
  /** The agents, in the order they started: told after commits, when something concerns them. */
  private readonly agents: NodeAgent[] = [];
  /**
   * Which agents have something to look at: their node's tasks changed, their own state did, or
   * the data plane did (all of them). An agent not marked would find nothing new, so it is not
   * called; the marks are scanned in order, as the agents were once all called in order.
   */
  private due = new Uint8Array(16);
  /** The Raft log index objects are versioned with (`Version.Index`); here one write per object
   *  created, which is what the store's index counts apart from updates. */
  storeIndex = 10;
  private reconciling = false;
  private ticking = false;
  /** Bumped by every change an agent's data plane may depend on (networks, peers, services, roles). */
  dataVersion = 0;
  private managerList: SwarmNode[] | null = null;
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
    const now = (): Nanos => this.eq.now;
    const kick = (): void => this.commit();
    // The order of subscription is the order each event is heard in: the agents' marks first.
    store.watch((e) => this.dataPlaneEvent(e));
    this.allocator = new Allocator(store, this, ids, now, addrPools, addrPoolMask);
    this.scheduler = new Scheduler(store, this);
    this.restarts = new RestartSupervisor(store, eq, kick);
    this.updates = new UpdateSupervisor({
      store, eq, commit: kick,
      newSlotTask: (svc, key, desired) => {
        const t = svc.spec.mode.kind === 'replicated' ? newTask(store, ids(), now(), svc, Number(key), null) : newTask(store, ids(), now(), svc, 0, key);
        store.updateTask(t, { desiredState: desired });
        return t;
      },
      allocateService: (svc) => this.allocator.allocateService(svc),
    });
    const replicated = new ReplicatedOrchestrator(store, this.restarts, ids, now);
    const global = new GlobalOrchestrator(store, this, this.restarts, ids, now);
    this.orchestrator = new Orchestrator(store, this.restarts, replicated, global, this.updates);
    this.reaper = new TaskReaper(store);
    this.enforcer = new ConstraintEnforcer(store, this, now);
    store.watch((e) => {
      if (e.action === 'commit') this.reconcile();
    });
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
    const i = this.agents.length;
    this.agents.push(agent);
    if (i >= this.due.length) {
      const due = new Uint8Array(this.due.length * 2);
      due.set(this.due);
      this.due = due;
    }
    this.due[i] = 1;
    this.nodeTasks(nodeId).agent = i;
  }

  /** The node's agent has something to look at after the next commit. */
  wake(e: NodeTasks): void {
    if (e.agent >= 0) this.due[e.agent] = 1;
  }

  private bumpData(): void {
    this.dataVersion += 1;
    this.due.fill(1, 0, this.agents.length);
  }

  /** What the agents must look at after a change: their node's tasks, or the data plane. */
  private dataPlaneEvent(e: StoreEvent): void {
    if (e.action === 'commit') return;
    if (e.kind === 'task') {
      const t = e.task;
      if (e.action !== 'update') {
        if (t.nodeId !== null) this.wake(this.nodeTasks(t.nodeId));
        if (e.action === 'delete') for (const netId of t.addresses.keys()) this.touchNetwork(netId);
        return;
      }
      const node = t.nodeId;
      if (e.prevNode !== null) this.wake(this.nodeTasks(e.prevNode));
      if (node !== null && e.prevNode !== node) this.wake(this.nodeTasks(node));
      // The data plane sees a task only while it runs (peers, backends; weight 0 once no longer wanted).
      if (t.addresses.size > 0) {
        const wasRunning = e.prevState === 'running';
        const running = t.state === 'running';
        if (wasRunning !== running || (running && ((e.prevDesired === 'running') !== (t.desiredState === 'running') || e.prevNode !== node))) {
          for (const netId of t.addresses.keys()) this.touchNetwork(netId);
        }
      }
    } else if (e.kind === 'node') {
      if (e.action === 'update' && !e.labels) {
        // The role decides which networks a node lists.
        this.managerList = null;
        this.bumpData();
      }
    } else if (e.kind === 'network' || (e.kind === 'service' && (e.action === 'delete' || e.spec))) {
      // Services may name a network before it exists (their aliases and VIPs follow it).
      this.touchNetworks();
    }
  }

  // ---------- membership and Raft ----------

  addNode(hostname: string, role: NodeRole, addr: Ip4, cpus: number, memory: number): SwarmNode {
    const id = this.newId();
    const n = new SwarmNode(id, hostname, role, addr, this.now, cpus, memory, this.nodeTasks(id));
    this.store.createNode(n);
    this.managerList = null;
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

  private managerNodes(): SwarmNode[] {
    return (this.managerList ??= [...this.nodes.values()].filter((n) => n.role === 'manager'));
  }

  managers(): SwarmNode[] {
    return [...this.managerNodes()];
  }

  /** How many managers `from` can reach (itself included when up). */
  private reachableManagers(from: SwarmNode): number {
    let k = 0;
    for (const m of this.managerNodes()) if (this.net.up(m.hostname) && (m === from || this.net.reach(from.hostname, m.hostname))) k++;
    return k;
  }

  /** Raft: the leader, re-elected among a connected majority of managers; null without quorum. */
  currentLeader(): SwarmNode | null {
    if (this.raft !== null) {
      const id = this.raft.leader();
      const n = id === null ? undefined : this.nodes.get(id);
      this.leaderId = n === undefined ? null : n.id;
      return n !== undefined && n.role === 'manager' ? n : null;
    }
    const managers = this.managerNodes();
    const quorum = Math.floor(managers.length / 2) + 1;
    const cur = this.leaderId === null ? undefined : this.nodes.get(this.leaderId);
    if (cur !== undefined && cur.role === 'manager' && this.net.up(cur.hostname) && this.reachableManagers(cur) >= quorum) return cur;
    // An election: the first manager (by join order) that sees a majority wins.
    for (const m of managers) {
      if (this.net.up(m.hostname) && this.reachableManagers(m) >= quorum) {
        this.leaderId = m.id;
        return m;
      }
    }
    return null;
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
    const leader = this.currentLeader();
    const follows = this.raft === null ? leader !== null && (leader === n || this.net.reach(host, leader.hostname)) : leader !== null && this.raft.leadOf(n.id) === leader.id;
    if (!follows) {
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
    if (n.role !== 'manager') return '';
    const leader = this.currentLeader();
    if (leader === n) return 'Leader';
    if (leader !== null && this.raft !== null) return this.raft.hears(leader.id, n.id) ? 'Reachable' : 'Unreachable';
    if (leader !== null && this.net.up(n.hostname) && this.net.reach(leader.hostname, n.hostname)) return 'Reachable';
    return 'Unreachable';
  }

  removeNode(n: SwarmNode): void {
    for (const t of [...this.nodeTasks(n.id).tasks]) if (!isTerminal(t.state)) this.store.updateTask(t, { desiredState: 'shutdown' });
    this.store.deleteNode(n);
    this.managerList = null;
    this.touchNetworks();
    if (this.nodeOfHost.get(n.hostname) === n.id) this.nodeOfHost.delete(n.hostname);
    if (this.leaderId === n.id) this.leaderId = null;
    this.commit();
  }

  /** Heartbeats: once a second the leader notes who it hears; silent nodes go Down. */
  private startTicking(): void {
    if (this.ticking) return;
    this.ticking = true;
    const view = {
      leader: () => this.currentLeader(),
      member: (n: SwarmNode) => this.nodeOfHost.get(n.hostname) === n.id,
      hearsManager: (leader: SwarmNode, n: SwarmNode) => (this.raft !== null ? this.raft.hears(leader.id, n.id) : this.net.up(n.hostname) && (n === leader || this.net.reach(leader.hostname, n.hostname))),
    };
    const tick = (): void => {
      if (checkHeartbeats(this.store, this.nodeStore, view, this.now)) this.commit();
      this.eq.after(SEC, tick);
    };
    this.eq.after(SEC, tick);
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
    const users = [...this.services.values()].filter((s) => serviceNetworks(this.store, s).includes(net));
    if (users.length > 0) throw new SwarmError(`rpc error: code = FailedPrecondition desc = network ${net.id} is in use by service ${users[0]!.id}`);
    this.store.deleteNetwork(net);
    this.commit();
  }

  findNetwork(ref: string): SwarmNetwork | null {
    return this.store.findNetwork(ref);
  }

  /** The node's own address on a network (its LB endpoint, or its ingress-sbox on ingress). */
  nodeLbAddr(n: SwarmNode, net: SwarmNetwork): Ip4 {
    return this.allocator.nodeLbAddr(n, net);
  }

  /** The same, null when the network has no address left (the node then has no load balancer on it). */
  tryNodeLbAddr(n: SwarmNode, net: SwarmNetwork): Ip4 | null {
    return this.allocator.tryNodeLbAddr(n, net);
  }

  /** Something `net`'s peers, load balancers or DNS records derive from changed. */
  touchNetwork(netId: string): void {
    const n = this.networks.get(netId);
    if (n !== undefined) n.version++;
    this.bumpData();
  }

  touchNetworks(): void {
    for (const n of this.networks.values()) n.version++;
    this.bumpData();
  }

  // ---------- services (controlapi) ----------

  findService(ref: string): Service | null {
    return this.store.findService(ref);
  }

  /** The networks a spec attaches to, ingress first when it publishes ingress ports. */
  serviceNetworks(svc: Service): SwarmNetwork[] {
    return serviceNetworks(this.store, svc);
  }

  addService(spec: ServiceSpec): Service {
    if (this.findService(spec.name) !== null && [...this.services.values()].some((s) => s.spec.name === spec.name)) {
      throw new SwarmError(`rpc error: code = AlreadyExists desc = name conflicts with an existing object: service ${spec.name} already exists`);
    }
    // Each commit visits every service: past MAX_SERVICES, creating them one by one grows
    // quadratically into minutes, so the simulator refuses (swarm/spec.ts).
    if (this.services.size >= MAX_SERVICES) throw new SwarmError(`rpc error: code = ResourceExhausted desc = swarmsim: a swarm may have at most ${MAX_SERVICES} services in the simulator`);
    const svc = new Service(this.newId(), spec, this.now);
    this.allocator.allocateService(svc);
    this.store.createService(svc);
    this.commit();
    return svc;
  }

  /** docker service update: the new spec, the old one kept as PreviousSpec (controlapi UpdateService).
   *  `version` is the one the CLI read (`service inspect`'s Version.Index); a stale one is refused. */
  updateService(svc: Service, spec: ServiceSpec, version: number = svc.version): void {
    this.specUpdate(svc, version, (s) => {
      s.previousSpec = s.spec;
      s.spec = spec;
      s.updatedAt = this.now;
      s.updateStatus = null;
    });
    this.updates.cancel(svc.id);
    this.allocator.allocateService(svc);
    this.commit();
  }

  /** docker service rollback: Spec and PreviousSpec swap, so a second rollback goes forward again. */
  rollbackService(svc: Service, version: number = svc.version): void {
    const previous = svc.previousSpec;
    if (previous === null) throw new SwarmError(`rpc error: code = FailedPrecondition desc = service ${svc.id} does not have a previous spec`);
    this.specUpdate(svc, version, (s) => {
      s.previousSpec = s.spec;
      s.spec = previous;
      s.updatedAt = this.now;
      s.updateStatus = { state: 'rollback_started', message: 'manually requested rollback', startedAt: this.now, completedAt: null };
    });
    this.updates.cancel(svc.id);
    this.allocator.allocateService(svc);
    this.commit();
  }

  /** docker service scale: the spec with the new replica count (the CLI's ServiceUpdate). */
  scaleService(svc: Service, replicas: number, version: number = svc.version): void {
    if (svc.spec.mode.kind !== 'replicated') throw new SwarmError(`${svc.spec.name}: scale can only be used with replicated mode`);
    this.specUpdate(svc, version, (s) => {
      s.spec = { ...s.spec, mode: { kind: 'replicated', replicas } };
      s.updatedAt = this.now;
    });
    this.commit();
  }

  /** controlapi UpdateService returns the store's error as is: gRPC words it code Unknown. */
  private specUpdate(svc: Service, version: number, write: (s: Service) => void): void {
    try {
      this.store.updateService(svc, version, write);
    } catch (e) {
      if (e instanceof SequenceConflict) throw new SwarmError(`rpc error: code = Unknown desc = ${e.message}`);
      throw e;
    }
  }

  updating(svc: Service): boolean {
    return this.updates.updating(svc.id);
  }

  removeService(svc: Service): void {
    for (const t of [...this.store.serviceTasks(svc.id)]) this.store.updateTask(t, { desiredState: 'remove' });
    this.allocator.releaseVips(svc, false);
    this.store.deleteService(svc);
    this.commit();
  }

  /** The service's tasks, in creation order. */
  tasksOf(svc: Service): Task[] {
    return [...this.store.serviceTasks(svc.id)];
  }

  /** The same, without a copy: not to be kept across a change to the store. */
  serviceTasks(svc: Service): ReadonlySet<Task> {
    return this.store.serviceTasks(svc.id);
  }

  /** The history of one slot (a replica number, or a global service's node ID), in creation order. */
  slotTasks(svc: Service, slot: string): readonly Task[] {
    const groups = this.store.slotGroups(svc.id);
    if (groups === undefined) return [];
    return groups.get(svc.spec.mode.kind === 'replicated' ? Number(slot) : slot) ?? [];
  }

  /** The tasks given to a node (the entry lives on after the node leaves, as its tasks do). */
  nodeTasks(nodeId: string): NodeTasks {
    return this.store.nodeTasks(nodeId);
  }

  /** Tasks with an address on the network, in creation order. */
  networkTasks(netId: string): ReadonlySet<Task> {
    return this.store.networkTasks(netId);
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

  /** A change is committed: the store publishes EventCommit, the reconcilers run until stable,
   *  then the agents act. The one place where a change is applied (a Raft log hooks in here). */
  commit(): void {
    if (this.reconciling) return;
    this.store.commit();
  }

  /** The reconcilers in manager.go's order of concern, each reading the store and writing the next step. */
  private reconcile(): void {
    if (this.reconciling) return;
    this.reconciling = true;
    try {
      this.enforcer.tick();
      for (let round = 0; round < 10; round++) {
        this.restarts.tick();
        this.orchestrator.tick();
        if (!this.updates.step((id) => this.orchestrator.markDirty(id))) break;
      }
      // The reaper first: the addresses of the tasks it deletes are free for the allocator.
      this.reaper.tick();
      this.allocator.retry();
      this.scheduler.tick(this.now);
    } finally {
      this.reconciling = false;
    }
    if (this.notifyDepth === 0) {
      this.leaderFresh = false;
      // Each agent's sync starts by asking for the leader (an election if it is gone): the first
      // agent able to listen would ask before anything else ran, whether it is due or not.
      if (this.agents.some((a) => a.listening())) this.touchLeader();
    }
    this.notifyDepth++;
    try {
      for (let i = 0; i < this.agents.length; i++) {
        if (this.due[i] === 0) continue;
        // Cleared first: whatever the sync changes for this agent waits for the next commit.
        this.due[i] = 0;
        if (!this.agents[i]!.sync()) this.due[i] = 1;
      }
    } finally {
      this.notifyDepth--;
    }
  }
}
