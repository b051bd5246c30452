// The dispatcher's node store (swarmkit manager/dispatcher/nodes.go, period.go): which nodes have
// a session, when each must be heard from again, and the heartbeat period handed back to them.
// It decides one thing: a node whose heartbeats stopped is Down ("heartbeat failure"). It reads no
// network: heartbeats reach it only when they crossed the wire to a manager (agent/dispatcher.ts).
import { Rng } from '../core/rng.js';
import type { EventQueue, Nanos } from '../sim/clock.js';
import { MS, SEC } from '../sim/clock.js';
import type { SwarmNode } from './model.js';
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
