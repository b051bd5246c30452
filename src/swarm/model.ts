// The objects of swarmkit's store: nodes, services, tasks, networks and secrets. Desired state
// (what the managers want) and observed state (what agents report) are separate fields, tasks are
// one-shot (a replacement is a new task), and replicas are slots.
import type { Ip4 } from '../core/addr.js';
import type { Nanos } from '../sim/clock.js';
import type { AddressPool, Subnet } from '../docker/ipam.js';
import type { PortConfig, ServiceSpec } from './spec.js';

export type NodeRole = 'manager' | 'worker';
export type Availability = 'active' | 'pause' | 'drain';
export type NodeStatus = 'ready' | 'down' | 'unknown';

export class SwarmNode {
  availability: Availability = 'active';
  status: NodeStatus = 'ready';
  readonly labels: Record<string, string> = {};
  /** When the leader last heard this node's heartbeat. */
  lastSeen: Nanos;
  /** The node's own address on each overlay it uses (its load-balancer endpoint). */
  readonly lbAddrs = new Map<string, Ip4>();

  constructor(
    readonly id: string,
    readonly hostname: string,
    public role: NodeRole,
    readonly addr: Ip4,
    readonly joinedAt: Nanos,
    /** NanoCPUs and bytes the node offers to the scheduler. */
    readonly cpus: number,
    readonly memory: number,
  ) {
    this.lastSeen = joinedAt;
  }
}

/** Task states in swarmkit's order: a task only moves forward. */
export const TASK_STATES = ['new', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting', 'running', 'complete', 'shutdown', 'failed', 'rejected', 'remove', 'orphaned'] as const;
export type TaskState = (typeof TASK_STATES)[number];

export function stateIndex(s: TaskState): number {
  return TASK_STATES.indexOf(s);
}

/** Terminal states: the task will not run again. */
export function isTerminal(s: TaskState): boolean {
  return stateIndex(s) > stateIndex('running');
}

export class Task {
  nodeId: string | null = null;
  desiredState: TaskState = 'running';
  state: TaskState = 'new';
  message = 'created';
  err = '';
  stateSince: Nanos;
  /** Addresses on the task's networks (ingress first, then the spec's), by network ID. */
  readonly addresses = new Map<string, Ip4>();
  containerId: string | null = null;
  /** Exit code of the container, once it ended. */
  exitCode: number | null = null;

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
}

export class Secret {
  constructor(
    readonly id: string,
    readonly name: string,
    readonly data: string,
    readonly labels: Record<string, string>,
    readonly createdAt: Nanos,
    /** The store's index when it was written. */
    readonly version: number,
  ) {}
}

/** What the updater replaces one at a time: a replica's slot, or a global service's node. */
export function slotKey(svc: Service, t: Task): string {
  return svc.spec.mode.kind === 'replicated' ? String(t.slot) : t.nodeId ?? '';
}
