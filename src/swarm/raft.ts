// One manager's Raft state, as etcd/raft runs it inside swarmkit (manager/state/raft/raft.go
// DefaultNodeConfig: HeartbeatTick 1, ElectionTick 10, CheckQuorum true, no PreVote; TickInterval
// 1 s). Only leadership is modelled: terms, votes, heartbeats, the randomized election timeout
// (ElectionTick + rand(ElectionTick) ticks) and the leader stepping down when it has not heard from
// a quorum within an election timeout. The replicated log is not: every manager's log is as long
// as the leader's, so any candidate's log is up to date. It reads no network: messages go out
// through `send` and come in through `step` (agent/raft-peer.ts carries them over TCP 2377).
import { Rng } from '../core/rng.js';

export const ELECTION_TICK = 10;
export const HEARTBEAT_TICK = 1;

export type RaftRole = 'follower' | 'candidate' | 'leader';

export type RaftMessage =
  | { readonly kind: 'raft-heartbeat'; readonly term: number; readonly from: string }
  | { readonly kind: 'raft-heartbeat-resp'; readonly term: number; readonly from: string }
  | { readonly kind: 'raft-vote'; readonly term: number; readonly from: string }
  | { readonly kind: 'raft-vote-resp'; readonly term: number; readonly from: string; readonly granted: boolean };

export class RaftNode {
  term = 0;
  role: RaftRole = 'follower';
  /** The leader this node follows (itself when leading), null while it knows none. */
  lead: string | null = null;
  private votedFor: string | null = null;
  private votes = new Set<string>();
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedTimeout: number;
  /** Leader: the peers heard from since the last quorum check (etcd's Progress.RecentActive). */
  private recentActive = new Set<string>();
  /** Leader: the tick each peer was last heard at, for `docker node ls` (Reachable). */
  private readonly lastHeard = new Map<string, number>();
  private ticks = 0;
  private readonly rng: Rng;

  constructor(
    readonly id: string,
    /** The other managers' node IDs (the committed membership). */
    private readonly peers: () => readonly string[],
    private readonly send: (to: string, m: RaftMessage) => void,
    seed: number,
  ) {
    this.rng = new Rng(seed);
    this.randomizedTimeout = this.resetTimeout();
  }

  private resetTimeout(): number {
    return ELECTION_TICK + this.rng.below(ELECTION_TICK);
  }

  private quorum(): number {
    return Math.floor((this.peers().length + 1) / 2) + 1;
  }

  /** Leader with a quorum heard from recently: the one that may commit. */
  get leading(): boolean {
    return this.role === 'leader';
  }

  /** Whether the leader heard from `peer` within the last election timeout. */
  hears(peer: string): boolean {
    const at = this.lastHeard.get(peer);
    return peer === this.id || (this.role === 'leader' && at !== undefined && this.ticks - at <= ELECTION_TICK);
  }

  /** A manager joined through this leader (its Join call arrived here). */
  joined(peer: string): void {
    this.lastHeard.set(peer, this.ticks);
  }

  /** Bootstrapping a new cluster (docker swarm init): the only member campaigns and wins. */
  bootstrap(): void {
    this.campaign();
  }

  /** A manager joining follows the leader it joined through. */
  follow(term: number, lead: string): void {
    this.becomeFollower(term, lead);
  }

  /** The manager's process started again (its term and vote are on disk, nothing else). */
  restart(): void {
    const voted = this.votedFor;
    this.becomeFollower(this.term, null);
    this.votedFor = voted;
  }

  private becomeFollower(term: number, lead: string | null): void {
    if (term !== this.term) this.votedFor = null;
    this.term = term;
    this.role = 'follower';
    this.lead = lead;
    this.electionElapsed = 0;
    this.randomizedTimeout = this.resetTimeout();
  }

  private campaign(): void {
    this.term++;
    this.role = 'candidate';
    this.lead = null;
    this.votedFor = this.id;
    this.votes = new Set([this.id]);
    this.electionElapsed = 0;
    this.randomizedTimeout = this.resetTimeout();
    if (this.votes.size >= this.quorum()) return this.becomeLeader();
    for (const p of this.peers()) this.send(p, { kind: 'raft-vote', term: this.term, from: this.id });
  }

  private becomeLeader(): void {
    this.role = 'leader';
    this.lead = this.id;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.recentActive = new Set();
    this.broadcastHeartbeat();
  }

  private broadcastHeartbeat(): void {
    for (const p of this.peers()) this.send(p, { kind: 'raft-heartbeat', term: this.term, from: this.id });
  }

  /** One TickInterval passed. */
  tick(): void {
    this.ticks++;
    if (this.role === 'leader') {
      if (++this.heartbeatElapsed >= HEARTBEAT_TICK) {
        this.heartbeatElapsed = 0;
        this.broadcastHeartbeat();
      }
      if (++this.electionElapsed >= ELECTION_TICK) {
        this.electionElapsed = 0;
        // CheckQuorum: step down without a quorum of recently active members.
        const heard = this.recentActive.size;
        this.recentActive = new Set();
        if (heard + 1 < this.quorum()) this.becomeFollower(this.term, null);
      }
      return;
    }
    if (++this.electionElapsed >= this.randomizedTimeout) this.campaign();
  }

  step(m: RaftMessage): void {
    if (m.term > this.term) {
      // A vote request while this node still hears a leader is ignored (CheckQuorum's lease).
      if (m.kind === 'raft-vote' && this.lead !== null && this.electionElapsed < ELECTION_TICK) return;
      this.becomeFollower(m.term, m.kind === 'raft-heartbeat' ? m.from : null);
    } else if (m.term < this.term) {
      // A stale leader hears the newer term (etcd answers it so that it steps down).
      if (m.kind === 'raft-heartbeat') this.send(m.from, { kind: 'raft-heartbeat-resp', term: this.term, from: this.id });
      return;
    }
    switch (m.kind) {
      case 'raft-heartbeat':
        if (this.role === 'candidate') this.becomeFollower(m.term, m.from);
        this.lead = m.from;
        this.electionElapsed = 0;
        this.send(m.from, { kind: 'raft-heartbeat-resp', term: this.term, from: this.id });
        return;
      case 'raft-heartbeat-resp':
        if (this.role === 'leader') {
          this.recentActive.add(m.from);
          this.lastHeard.set(m.from, this.ticks);
        }
        return;
      case 'raft-vote': {
        const granted = (this.votedFor === null || this.votedFor === m.from) && this.role !== 'leader';
        if (granted) {
          this.votedFor = m.from;
          this.electionElapsed = 0;
        }
        this.send(m.from, { kind: 'raft-vote-resp', term: this.term, from: this.id, granted });
        return;
      }
      case 'raft-vote-resp':
        if (this.role !== 'candidate' || !m.granted) return;
        this.votes.add(m.from);
        if (this.votes.size >= this.quorum()) this.becomeLeader();
        return;
    }
  }
}
