// The objects of swarmkit's store: nodes, services, tasks, networks and secrets. Desired state
// (what the managers want) and observed state (what agents report) are separate fields, tasks are
// one-shot (a replacement is a new task), and replicas are slots.
import type { Ip4 } from '../core/addr.js';
import type { Nanos } from '../sim/clock.js';
import type { AddressPool, Subnet } from '../core/ipam.js';
import type { PortConfig, ServiceSpec } from './spec.js';

export type NodeRole = 'manager' | 'worker';
export type Availability = 'active' | 'pause' | 'drain';
export type NodeStatus = 'ready' | 'down' | 'unknown';

/** The tasks given to one node, with the live ones counted for the scheduler (the cluster keeps it). */
export class NodeTasks {
  readonly tasks = new Set<Task>();
  live = 0;
  readonly liveBySvc = new Map<string, number>();
  /** Bumped on every change to one of these tasks: an agent with nothing new skips its task pass. */
  epoch = 0;
  /** The node's agent (an index into the cluster's agents), -1 before it has one. */
  agent = -1;
}

/**
 * A Map that counts the writes made to it: a reader that finds `writes` as it last saw it knows
 * the contents are as it last read them, without reading them (the agents' data-plane stamp,
 * agent/agent.ts: 1,000 agents look after every node's join). Every writer counts, whoever it is.
 */
export class CountedMap<K, V> extends Map<K, V> {
  writes = 0;

  override set(k: K, v: V): this {
    this.writes++;
    return super.set(k, v);
  }

  override delete(k: K): boolean {
    this.writes++;
    return super.delete(k);
  }

  override clear(): void {
    this.writes++;
    super.clear();
  }
}

/** Told when a node changes in a way the cluster's reconcilers and agents depend on. */
export interface NodeObserver {
  nodeChanged(n: SwarmNode): void;
}

export class SwarmNode {
  private availability_: Availability = 'active';
  private status_: NodeStatus = 'ready';
  private role_: NodeRole;
  readonly labels: Record<string, string> = {};
  /** When the leader last heard this node's heartbeat. */
  lastSeen: Nanos;
  /** The node's own address on each overlay it uses (its load-balancer endpoint). */
  readonly lbAddrs = new CountedMap<string, Ip4>();
  observer: NodeObserver | null = null;
  /** Where its VXLAN traffic comes from and goes to (`--data-path-addr`, else its address). */
  dataAddr: Ip4;

  constructor(
    readonly id: string,
    readonly hostname: string,
    role: NodeRole,
    readonly addr: Ip4,
    readonly joinedAt: Nanos,
    /** NanoCPUs and bytes the node offers to the scheduler. */
    readonly cpus: number,
    readonly memory: number,
    /** Its tasks, as the cluster indexes them. */
    readonly tasks: NodeTasks,
  ) {
    this.role_ = role;
    this.lastSeen = joinedAt;
    this.dataAddr = addr;
  }

  // Role, status and availability are written from the CLI as well as by the cluster: setters let
  // the cluster hear of every change without scanning its nodes on each commit.
  get role(): NodeRole {
    return this.role_;
  }

  set role(v: NodeRole) {
    if (v === this.role_) return;
    this.role_ = v;
    this.observer?.nodeChanged(this);
  }

  get status(): NodeStatus {
    return this.status_;
  }

  set status(v: NodeStatus) {
    if (v === this.status_) return;
    this.status_ = v;
    this.observer?.nodeChanged(this);
  }

  get availability(): Availability {
    return this.availability_;
  }

  set availability(v: Availability) {
    if (v === this.availability_) return;
    this.availability_ = v;
    this.observer?.nodeChanged(this);
  }
}

/** Task states in swarmkit's order: a task only moves forward. */
export const TASK_STATES = ['new', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting', 'running', 'complete', 'shutdown', 'failed', 'rejected', 'remove', 'orphaned'] as const;
export type TaskState = (typeof TASK_STATES)[number];

const STATE_INDEX = new Map<TaskState, number>(TASK_STATES.map((s, i) => [s, i]));
const RUNNING_INDEX = STATE_INDEX.get('running')!;

export function stateIndex(s: TaskState): number {
  return STATE_INDEX.get(s)!;
}

/** Terminal states: the task will not run again. */
export function isTerminal(s: TaskState): boolean {
  return STATE_INDEX.get(s)! > RUNNING_INDEX;
}

/** Told after every change of a task's node, desired state or observed state. */
export interface TaskObserver {
  taskChanged(t: Task, prevNode: string | null, prevDesired: TaskState, prevState: TaskState): void;
}

export class Task {
  private nodeId_: string | null = null;
  private desired_: TaskState = 'running';
  private state_: TaskState = 'new';
  message = 'created';
  err = '';
  stateSince: Nanos;
  /** Addresses on the task's networks (ingress first, then the spec's), by network ID. */
  readonly addresses = new Map<string, Ip4>();
  containerId: string | null = null;
  /** Exit code of the container, once it ended. */
  exitCode: number | null = null;
  /** Creation order in the cluster's store (its task map iterates in this order). */
  seq = 0;
  /** The store keeping indexes over this task (null for probes and deleted tasks). */
  observer: TaskObserver | null = null;

  constructor(
    readonly id: string,
    readonly serviceId: string,
    /** Replica number (replicated services); 0 for global ones. */
    readonly slot: number,
    /** The spec the task was made from (an update makes new tasks from the new spec). */
    readonly spec: ServiceSpec,
    readonly createdAt: Nanos,
  ) {
    this.stateSince = createdAt;
  }

  // The orchestrator, the updater, the agents and the CLI all write these fields: the setters keep
  // the store's indexes (by node, by slot, pending, live counts) right whoever writes.
  get nodeId(): string | null {
    return this.nodeId_;
  }

  set nodeId(v: string | null) {
    const prev = this.nodeId_;
    if (v === prev) return;
    this.nodeId_ = v;
    this.observer?.taskChanged(this, prev, this.desired_, this.state_);
  }

  get desiredState(): TaskState {
    return this.desired_;
  }

  set desiredState(v: TaskState) {
    const prev = this.desired_;
    if (v === prev) return;
    this.desired_ = v;
    this.observer?.taskChanged(this, this.nodeId_, prev, this.state_);
  }

  get state(): TaskState {
    return this.state_;
  }

  set state(v: TaskState) {
    const prev = this.state_;
    if (v === prev) return;
    this.state_ = v;
    this.observer?.taskChanged(this, this.nodeId_, this.desired_, prev);
  }
}

export interface UpdateStatus {
  state: 'updating' | 'paused' | 'completed' | 'rollback_started' | 'rollback_paused' | 'rollback_completed';
  message: string;
  startedAt: Nanos;
  completedAt: Nanos | null;
}

export class Service {
  previousSpec: ServiceSpec | null = null;
  version = 1;
  updatedAt: Nanos;
  /** Virtual IPs by network ID (endpoint mode vip). */
  readonly vips = new Map<string, Ip4>();
  /** Ports with their published port resolved (30000+ when left to the swarm). */
  ports: PortConfig[] = [];
  updateStatus: UpdateStatus | null = null;

  constructor(
    readonly id: string,
    public spec: ServiceSpec,
    readonly createdAt: Nanos,
  ) {
    this.updatedAt = createdAt;
  }
}

export class SwarmNetwork {
  constructor(
    readonly id: string,
    readonly name: string,
    readonly subnet: Subnet,
    readonly gateway: Ip4,
    readonly vni: number,
    /** Serial allocation, as swarm's IPAM requests (released addresses are not reused at once). */
    readonly pool: AddressPool,
    readonly ingress: boolean,
    readonly attachable: boolean,
    readonly encrypted: boolean,
    readonly internal: boolean,
    readonly labels: Record<string, string>,
    readonly options: Record<string, string>,
    readonly createdAt: Nanos,
  ) {}

  /** Bumped whenever what an agent derives from this network changes (peers, load balancers, DNS). */
  version = 0;
}

/** The two kinds of named data swarmkit keeps in Raft and hands to the tasks that reference them
 *  as files (api.Secret, api.Config): the same shape, told apart by kind. A config's data can be
 *  read back (`config inspect`); a secret's cannot. */
export type FileObjectKind = 'secret' | 'config';

export class FileObject {
  constructor(
    readonly kind: FileObjectKind,
    readonly id: string,
    readonly name: string,
    readonly data: string,
    readonly labels: Record<string, string>,
    readonly createdAt: Nanos,
    /** The store's index when it was written. */
    readonly version: number,
  ) {}
}

export type Secret = FileObject;
export type Config = FileObject;

/** What the updater replaces one at a time: a replica's slot, or a global service's node. */
export function slotKey(svc: Service, t: Task): string {
  return svc.spec.mode.kind === 'replicated' ? String(t.slot) : t.nodeId ?? '';
}
