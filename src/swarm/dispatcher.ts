// The dispatcher's node store (swarmkit manager/dispatcher/nodes.go, period.go): which nodes have
// a session, when each must be heard from again, and the heartbeat period handed back to them.
// It decides one thing: a node whose heartbeats stopped is Down ("heartbeat failure"). It reads no
// network: heartbeats reach it only when they crossed the wire to a manager (agent/dispatcher.ts).
import { Rng } from '../core/rng.js';
import type { EventQueue, Nanos } from '../sim/clock.js';
import { MS, SEC } from '../sim/clock.js';
import { isTerminal, stateIndex } from './model.js';
import type { FileObject, SwarmNode, Task, TaskState } from './model.js';
import type { MemoryStore } from './store/memory.js';

/** dispatcher.go DefaultHeartBeatPeriod, defaultHeartBeatEpsilon, defaultGracePeriodMultiplier. */
export const HEARTBEAT_PERIOD: Nanos = 5 * SEC;
export const HEARTBEAT_EPSILON: Nanos = 500 * MS;
export const GRACE_MULTIPLIER = 3;

interface Registration {
  readonly sessionId: string;
  /** Choose() × the grace multiplier, fixed at registration (nodes.go Add: heartbeat.New). */
  readonly grace: Nanos;
  expireAt: Nanos;
}

export class NodeStore {
  private readonly nodes = new Map<string, Registration>();
  private readonly rng: Rng;
  private seq = 0;

  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  /** periodChooser.Choose: the period ± epsilon, uniformly. */
  choose(): Nanos {
    return HEARTBEAT_PERIOD + this.rng.below(2 * (HEARTBEAT_EPSILON / MS)) * MS - HEARTBEAT_EPSILON;
  }

  /** A session opens (Dispatcher.Session → nodes.Add); a new session replaces the old one. */
  register(nodeId: string, now: Nanos): string {
    const sessionId = `s${(++this.seq).toString(36)}`;
    const grace = this.choose() * GRACE_MULTIPLIER;
    this.nodes.set(nodeId, { sessionId, grace, expireAt: now + grace });
    return sessionId;
  }

  /** Dispatcher.Heartbeat: the node's timer restarts; the answer is the next period. Null when the
   *  node has no session here (ErrNodeNotRegistered: the agent then opens a new one). */
  heartbeat(nodeId: string, now: Nanos): Nanos | null {
    const r = this.nodes.get(nodeId);
    if (r === undefined) return null;
    r.expireAt = now + r.grace;
    return this.choose();
  }

  /** Whether the node's heartbeat timer ran out (its session is then forgotten). */
  expired(nodeId: string, now: Nanos): boolean {
    const r = this.nodes.get(nodeId);
    if (r === undefined || now < r.expireAt) return false;
    this.nodes.delete(nodeId);
    return true;
  }

  /** The node's session ID here, or null (GetWithSession: a call from another session is refused). */
  sessionOf(nodeId: string): string | null {
    return this.nodes.get(nodeId)?.sessionId ?? null;
  }

  registered(nodeId: string): boolean {
    return this.nodes.has(nodeId);
  }

  forget(nodeId: string): void {
    this.nodes.delete(nodeId);
  }
}

/** A node is Down once its heartbeats have been missing this long (period × 3, swarmkit's grace). */
export const NODE_DOWN_AFTER: Nanos = GRACE_MULTIPLIER * HEARTBEAT_PERIOD;

/** What the node-down decision reads besides the store. */
export interface HeartbeatView {
  /** The leader with quorum, or null (nobody decides anything without one). */
  leader(): SwarmNode | null;
  /** Whether the node is still the member its hostname names (not left, not replaced by a rejoin). */
  member(n: SwarmNode): boolean;
  /** Whether the leader hears manager `n` now (through Raft). */
  hearsManager(leader: SwarmNode, n: SwarmNode): boolean;
}

/**
 * Once a second on the leader: a worker is Down once the dispatcher's timer for it ran out
 * (dispatcher.go markNodeNotReady, "heartbeat failure"); a manager is heard, through Raft, while
 * the leader reaches it, and Down after the grace period without. True when a status changed.
 */
export function checkHeartbeats(store: MemoryStore, sessions: NodeStore, view: HeartbeatView, now: Nanos): boolean {
  const leader = view.leader();
  let changed = false;
  for (const n of store.nodes.values()) {
    // A node that left (or was replaced by a rejoin under a new ID) sends nothing any more.
    const member = view.member(n);
    if (n.role === 'worker') {
      const silent = sessions.registered(n.id) ? sessions.expired(n.id, now) : now - n.lastSeen > NODE_DOWN_AFTER;
      if (leader !== null && n.status === 'ready' && (!member || silent)) {
        store.updateNode(n, { status: 'down' });
        changed = true;
      }
      continue;
    }
    const heard = member && leader !== null && view.hearsManager(leader, n);
    if (heard) {
      n.lastSeen = now;
      if (n.status !== 'ready') {
        store.updateNode(n, { status: 'ready' });
        changed = true;
      }
    } else if (leader !== null && n.status === 'ready' && now - n.lastSeen > NODE_DOWN_AFTER) {
      store.updateNode(n, { status: 'down' });
      changed = true;
    }
  }
  return changed;
}

/** The leader's check, once a second from now on; `changed` runs when a node's status changed. */
export function startHeartbeatChecks(eq: EventQueue, store: MemoryStore, sessions: NodeStore, view: HeartbeatView, changed: () => void): void {
  const tick = (): void => {
    if (checkHeartbeats(store, sessions, view, eq.now)) changed();
    eq.after(SEC, tick);
  };
  eq.after(SEC, tick);
}

/** Tasks below ASSIGNED may not fit the node: the dispatcher does not send them. */
const ASSIGNED = stateIndex('assigned');

// ---------- assignments and task status (dispatcher.go Assignments, UpdateTaskStatus) ----------

/** dispatcher.go batchingWaitTime: the Assignments stream sends once no change came for this long… */
export const BATCHING_WAIT: Nanos = 100 * MS;
/** …or once this many changes are waiting (modificationBatchLimit). */
export const MODIFICATION_BATCH_LIMIT = 100;
/** dispatcher.go maxBatchInterval: queued task status updates are written to the store this often
 *  (Run's batchTimer; processUpdates), or at once past maxBatchItems. */
export const MAX_BATCH_INTERVAL: Nanos = 100 * MS;
export const MAX_BATCH_ITEMS = 10000;

/** One AssignmentChange, by what it names: the payload is read from the store when it is sent. */
export interface PendingChange {
  readonly kind: 'task' | 'secret' | 'config';
  readonly id: string;
  readonly action: 'update' | 'remove';
}

/** A task as the assignment set last saw it: what TasksEqualStable compares (not its status). */
interface SeenTask {
  desired: TaskState;
  node: string | null;
  spec: object;
  addresses: number;
  state: TaskState;
  /** The secrets' and configs' IDs it uses (resolved by name when it was added). */
  deps: string[];
}

/**
 * The assignments of one node's session (manager/dispatcher/assignments.go assignmentSet): the tasks
 * sent to it and the secrets and configs they use, and the changes not yet sent. A task counts once
 * it is ASSIGNED; a change the agent does not act on (its own status reports past ASSIGNED) sends
 * nothing; a secret or config goes out with the first task using it and is removed after the last.
 */
export class AssignmentSet {
  private readonly tasks = new Map<string, SeenTask>();
  /** Dependency key (`secret:<id>`) → the tasks using it. */
  private readonly using = new Map<string, Set<string>>();
  private readonly changes = new Map<string, PendingChange>();

  constructor(private readonly store: MemoryStore) {}

  get pending(): number {
    return this.changes.size;
  }

  /** addOrUpdateTask: true when the agent has something new to hear. */
  addOrUpdate(t: Task): boolean {
    if (stateIndex(t.state) < ASSIGNED) return false;
    const old = this.tasks.get(t.id);
    if (old !== undefined) {
      const stable = old.desired === t.desiredState && old.node === t.nodeId && old.spec === t.spec && old.addresses === t.addresses.size;
      if (stable && stateIndex(t.state) > ASSIGNED) {
        old.state = t.state;
        return isTerminal(t.state) ? this.release(t.id, old.deps) : false;
      }
      old.desired = t.desiredState;
      old.node = t.nodeId;
      old.state = t.state;
    } else {
      const deps = isTerminal(t.state) ? [] : this.addDependencies(t);
      this.tasks.set(t.id, { desired: t.desiredState, node: t.nodeId, spec: t.spec, addresses: t.addresses.size, state: t.state, deps });
    }
    this.changes.set(`task:${t.id}`, { kind: 'task', id: t.id, action: 'update' });
    return true;
  }

  /** removeTask: the task was deleted or given to another node. */
  remove(taskId: string): boolean {
    const old = this.tasks.get(taskId);
    if (old === undefined) return false;
    this.tasks.delete(taskId);
    this.changes.set(`task:${taskId}`, { kind: 'task', id: taskId, action: 'remove' });
    this.release(taskId, old.deps);
    return true;
  }

  /** The changes since the last message, and none left (assignmentSet.message). */
  take(): PendingChange[] {
    const out = [...this.changes.values()];
    this.changes.clear();
    return out;
  }

  private addDependencies(t: Task): string[] {
    const deps: string[] = [];
    for (const [refs, kind, table] of [[t.spec.secrets, 'secret', this.store.secrets], [t.spec.configs, 'config', this.store.configs]] as const) {
      for (const ref of refs) {
        let obj: FileObject | undefined;
        for (const o of table.values()) if (o.name === ref.source) obj = o;
        if (obj === undefined) continue;
        const key = `${kind}:${obj.id}`;
        let users = this.using.get(key);
        if (users === undefined) this.using.set(key, (users = new Set()));
        if (users.size === 0) this.changes.set(key, { kind, id: obj.id, action: 'update' });
        users.add(t.id);
        deps.push(key);
      }
    }
    return deps;
  }

  /** releaseTaskDependencies: true when a secret or config is no longer used by any task. */
  private release(taskId: string, deps: string[]): boolean {
    let modified = false;
    for (const key of deps) {
      const users = this.using.get(key);
      if (users === undefined || !users.delete(taskId) || users.size > 0) continue;
      this.using.delete(key);
      const [kind, id] = key.split(':') as ['secret' | 'config', string];
      this.changes.set(key, { kind, id, action: 'remove' });
      modified = true;
    }
    deps.length = 0;
    return modified;
  }
}

/** A task's status as the agent reports it (api.TaskStatus: its timestamp is the agent's). */
export interface TaskStatusReport {
  readonly state: TaskState;
  readonly message: string;
  readonly err: string;
  readonly since: Nanos;
}

/**
 * processUpdates: the queued status updates written to the store in one batch. An update for a
 * task gone, identical to its status, or going back (an invalid transition) is dropped. True when
 * something was written.
 */
export function applyStatusUpdates(store: MemoryStore, updates: ReadonlyMap<string, TaskStatusReport>): boolean {
  let changed = false;
  for (const [taskId, s] of updates) {
    const t = store.getTask(taskId);
    if (t === null) continue;
    if (t.state === s.state && t.message === s.message && t.err === s.err && t.stateSince === s.since) continue;
    if (stateIndex(t.state) > stateIndex(s.state)) continue;
    store.updateTask(t, { status: s });
    changed = true;
  }
  return changed;
}
