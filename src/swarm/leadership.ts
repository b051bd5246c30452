// Who leads the managers, and whether a manager follows a leader with quorum: read from Raft over
// the wire (agent/raft-peer.ts) once the swarm world runs it, else computed from reach (the first
// manager by join order that sees a majority wins an election).
import type { SwarmNode } from './model.js';
import type { StoreAction } from './raft-entry.js';
import type { MemoryStore } from './store/memory.js';

/** Leadership as the managers' Raft nodes see it (agent/raft-peer.ts): what crossed the wire. */
export interface RaftView {
  /** The leader with the highest term, or null while no manager leads. */
  leader(): string | null;
  /** The leader the manager `nodeId` follows (itself when leading), null while it knows none. */
  leadOf(nodeId: string): string | null;
  /** Whether the leader `leaderId` heard from manager `nodeId` within the last election timeout. */
  hears(leaderId: string, nodeId: string): boolean;
  /** A commit's writes go into the leader's log, to be replicated (not waited for). */
  record(what: string, bytes: number, actions: readonly StoreAction[]): void;
}

export interface Connectivity {
  /** Whether host `a` can reach host `b` over the LAN now (both up, cables in, same partition). */
  reach(a: string, b: string): boolean;
  up(host: string): boolean;
}

export class Leadership {
  leaderId: string | null = null;
  /** Raft over the wire, once the swarm world runs it; without it leadership is computed from reach. */
  raft: RaftView | null = null;
  private managerList: SwarmNode[] | null = null;

  constructor(
    private readonly store: MemoryStore,
    private readonly net: Connectivity,
  ) {
    store.watch((e) => {
      // A role may have changed; a node came or went.
      if (e.kind === 'node' && !e.labels) this.managerList = null;
    });
  }

  managers(): SwarmNode[] {
    return (this.managerList ??= [...this.store.nodes.values()].filter((n) => n.role === 'manager'));
  }

  /** How many managers `from` can reach (itself included when up). */
  private reachableManagers(from: SwarmNode): number {
    let k = 0;
    for (const m of this.managers()) if (this.net.up(m.hostname) && (m === from || this.net.reach(from.hostname, m.hostname))) k++;
    return k;
  }

  /** Raft: the leader, re-elected among a connected majority of managers; null without quorum. */
  current(): SwarmNode | null {
    const nodes = this.store.nodes;
    if (this.raft !== null) {
      const id = this.raft.leader();
      const n = id === null ? undefined : nodes.get(id);
      this.leaderId = n === undefined ? null : n.id;
      return n !== undefined && n.role === 'manager' ? n : null;
    }
    const managers = this.managers();
    const quorum = Math.floor(managers.length / 2) + 1;
    const cur = this.leaderId === null ? undefined : nodes.get(this.leaderId);
    if (cur !== undefined && cur.role === 'manager' && this.net.up(cur.hostname) && this.reachableManagers(cur) >= quorum) return cur;
    for (const m of managers) {
      if (this.net.up(m.hostname) && this.reachableManagers(m) >= quorum) {
        this.leaderId = m.id;
        return m;
      }
    }
    return null;
  }

  /** Whether manager `n` follows the leader (and so may serve the control API). */
  follows(n: SwarmNode, leader: SwarmNode | null): boolean {
    if (leader === null) return false;
    return this.raft === null ? leader === n || this.net.reach(n.hostname, leader.hostname) : this.raft.leadOf(n.id) === leader.id;
  }

  /** Whether the leader hears manager `n` now. */
  hears(leader: SwarmNode, n: SwarmNode): boolean {
    return this.raft !== null ? this.raft.hears(leader.id, n.id) : this.net.up(n.hostname) && (n === leader || this.net.reach(leader.hostname, n.hostname));
  }

  /** Manager status as `docker node ls` shows it. */
  status(n: SwarmNode): string {
    if (n.role !== 'manager') return '';
    const leader = this.current();
    if (leader === n) return 'Leader';
    if (leader !== null && this.raft !== null) return this.raft.hears(leader.id, n.id) ? 'Reachable' : 'Unreachable';
    if (leader !== null && this.net.up(n.hostname) && this.net.reach(leader.hostname, n.hostname)) return 'Reachable';
    return 'Unreachable';
  }
}
