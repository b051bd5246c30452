// One manager's Raft, as etcd/raft runs it inside swarmkit (swarmkit bump_v19.03 vendors
// github.com/coreos/etcd v3.3.9; manager/state/raft/raft.go DefaultNodeConfig: HeartbeatTick 1,
// ElectionTick 10, CheckQuorum true, no PreVote, MaxSizePerMsg math.MaxUint16; DefaultRaftConfig:
// SnapshotInterval 10000, LogEntriesForSlowFollowers 500; TickInterval 1 s).
//
// Modelled from etcd raft/raft.go, raft/log.go and raft/progress.go: terms, votes, the randomized
// election timeout (ElectionTick + rand(ElectionTick) ticks), CheckQuorum; the replicated log of
// entries {index, term, bytes}; MsgApp (prevIndex/prevTerm, entries, commit) and MsgAppResp
// (reject, rejectHint) with the leader backing `next` off per follower (Progress in probe or
// replicate state); the empty entry a new leader appends; commit only on a quorum match of an
// entry of the leader's term; followers learning commit from MsgApp and MsgHeartbeat; the vote's
// "up to date" check on (lastTerm, lastIndex); conflicting uncommitted entries truncated. Entries
// carry the store's actions of their transaction (swarm/raft-entry.ts) and their estimated size;
// committed entries are applied in index order (`apply`, swarmkit processCommitted), a MsgSnap
// installs the leader's replica (`install`), and the log is compacted from the applied index
// (swarmkit raft.go Run: a snapshot once appliedIndex - snapshotMeta.Index >= SnapshotInterval).
// A leader signals its leadership once it has applied every entry in its log (raft.go Run:
// signalledLeadership once caughtUp(), appliedIndex >= LastIndex), so that it starts its
// reconcilers on a store holding all that its predecessors committed. Not modelled: inflight
// windows (MaxInflightMsgs), PreVote, leadership transfer, configuration changes (membership is
// the store's manager list).
//
// It reads no network and no clock: messages go out through `send`, come in through `step`, and
// time passes through `tick` (agent/raft-peer.ts carries the messages over TCP 2377).
import { Rng } from '../core/rng.js';
import type { StoreAction } from './raft-entry.js';
import type { ReplicaData } from './replica.js';

export const ELECTION_TICK = 10;
export const HEARTBEAT_TICK = 1;
/** swarmkit DefaultNodeConfig MaxSizePerMsg: the entries' bytes one MsgApp may carry. */
export const MAX_SIZE_PER_MSG = 65535;
/** swarmkit DefaultRaftConfig: a snapshot every SnapshotInterval applied entries, keeping
 *  LogEntriesForSlowFollowers entries before it in the log. */
export const SNAPSHOT_INTERVAL = 10000;
export const LOG_ENTRIES_FOR_SLOW_FOLLOWERS = 500;

/**
 * swarmkit manager/state/raft/raft.go ErrLostLeadership: "returned when an operation was submitted
 * but the node lost leader status before it became committed".
 */
export const ERR_LOST_LEADERSHIP = 'raft: failed to process the request: node lost leader status';

export type RaftRole = 'follower' | 'candidate' | 'leader';

/** raftpb.Entry: Data is a marshalled InternalRaftRequest; here its actions, size and label. */
export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly bytes: number;
  /** What the entry changes (for tests and traces), empty for a leader's first entry. */
  readonly what: string;
  /** The InternalRaftRequest's StoreActions (none on a leader's first entry or a control call's). */
  readonly actions?: readonly StoreAction[];
}

/** raftpb.Message, by type, with the fields etcd fills for it. */
export type RaftMessage =
  /** Index/LogTerm: the entry before `entries` (prevIndex/prevTerm); Commit: the leader's. */
  | { readonly kind: 'MsgApp'; readonly term: number; readonly from: string; readonly index: number; readonly logTerm: number; readonly entries: readonly Entry[]; readonly commit: number }
  /** Index: the follower's last matching index, or (rejecting) the MsgApp's Index; RejectHint its last index. */
  | { readonly kind: 'MsgAppResp'; readonly term: number; readonly from: string; readonly index: number; readonly reject: boolean; readonly rejectHint: number }
  | { readonly kind: 'MsgHeartbeat'; readonly term: number; readonly from: string; readonly commit: number }
  | { readonly kind: 'MsgHeartbeatResp'; readonly term: number; readonly from: string }
  /** Index/LogTerm: the candidate's last entry. */
  | { readonly kind: 'MsgVote'; readonly term: number; readonly from: string; readonly index: number; readonly logTerm: number }
  | { readonly kind: 'MsgVoteResp'; readonly term: number; readonly from: string; readonly reject: boolean }
  /** The store as of (index, term), for a follower behind the leader's compacted log. */
  | { readonly kind: 'MsgSnap'; readonly term: number; readonly from: string; readonly index: number; readonly logTerm: number; readonly bytes: number; readonly data: ReplicaData | null };

export type RaftKind = RaftMessage['kind'];

/** etcd raft/log.go raftLog over MemoryStorage: the entries after the last snapshot. */
export class RaftLog {
  /** entries[0] is the snapshot's (index, term), a dummy entry as in MemoryStorage. */
  private entries: Entry[] = [{ index: 0, term: 0, bytes: 0, what: '' }];
  committed = 0;

  get firstIndex(): number {
    return this.entries[0]!.index + 1;
  }

  get lastIndex(): number {
    return this.entries[this.entries.length - 1]!.index;
  }

  get lastTerm(): number {
    return this.entries[this.entries.length - 1]!.term;
  }

  /** The term of entry `i`; undefined when compacted away or beyond the last one. */
  term(i: number): number | undefined {
    const off = this.entries[0]!.index;
    if (i < off || i > this.lastIndex) return undefined;
    return this.entries[i - off]!.term;
  }

  entry(i: number): Entry | undefined {
    const off = this.entries[0]!.index;
    return i <= off || i > this.lastIndex ? undefined : this.entries[i - off];
  }

  matchTerm(i: number, t: number): boolean {
    return this.term(i) === t;
  }

  /** raftLog.isUpToDate: a candidate's log at least as new as this one (term first, then index). */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    return lastTerm > this.lastTerm || (lastTerm === this.lastTerm && lastIndex >= this.lastIndex);
  }

  /** Entries from `lo` on, at most `maxBytes` of them but always one (raftLog.entries, limitSize). */
  from(lo: number, maxBytes: number): Entry[] {
    const off = this.entries[0]!.index;
    const out: Entry[] = [];
    let size = 0;
    for (let i = lo; i <= this.lastIndex; i++) {
      const e = this.entries[i - off]!;
      size += e.bytes;
      if (out.length > 0 && size > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  append(e: Entry): void {
    this.entries.push(e);
  }

  /**
   * raftLog.maybeAppend: when the entry at `prevIndex` has `prevTerm`, the entries go after it
   * (from the first conflict on: a conflicting uncommitted suffix is truncated), commit advances
   * to min(commit, last new index), and the last new index is returned; null otherwise.
   */
  maybeAppend(prevIndex: number, prevTerm: number, commit: number, ents: readonly Entry[]): number | null {
    if (!this.matchTerm(prevIndex, prevTerm)) return null;
    const lastNew = prevIndex + ents.length;
    // findConflict: the first entry whose index is past our log or whose term differs.
    let k = 0;
    while (k < ents.length && this.matchTerm(ents[k]!.index, ents[k]!.term)) k++;
    if (k < ents.length) {
      const c = ents[k]!.index;
      if (c <= this.committed) throw new Error(`raft: entry ${c} conflicts with committed entry (committed ${this.committed})`);
      // truncateAndAppend
      this.entries.length = c - this.entries[0]!.index;
      for (let j = k; j < ents.length; j++) this.entries.push(ents[j]!);
    }
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  commitTo(i: number): void {
    if (i <= this.committed) return;
    this.committed = Math.min(i, this.lastIndex);
  }

  /** swarmkit: a snapshot every SnapshotInterval applied entries, LogEntriesForSlowFollowers kept. */
  maybeCompact(applied: number): void {
    if (applied - this.firstIndex + 1 >= SNAPSHOT_INTERVAL + LOG_ENTRIES_FOR_SLOW_FOLLOWERS) this.compact(applied - LOG_ENTRIES_FOR_SLOW_FOLLOWERS);
  }

  /** MemoryStorage.Compact: entries up to `i` are dropped (i becomes the dummy entry). */
  compact(i: number): void {
    const off = this.entries[0]!.index;
    if (i <= off || i > this.committed) return;
    const t = this.term(i)!;
    this.entries = [{ index: i, term: t, bytes: 0, what: '' }, ...this.entries.slice(i - off + 1)];
  }

  /** raftLog.restore: the log starts after a snapshot received from the leader. */
  restore(index: number, term: number): void {
    this.entries = [{ index, term, bytes: 0, what: '' }];
    this.committed = index;
  }
}

/** etcd raft/progress.go: what the leader knows of one follower's log. */
interface Progress {
  match: number;
  next: number;
  state: 'probe' | 'replicate' | 'snapshot';
  /** Probe: one MsgApp is out, wait for its answer (or a heartbeat's). */
  paused: boolean;
  /** Snapshot: the index of the snapshot sent, and the tick it was sent at. */
  pendingSnapshot: number;
  snapshotAt: number;
}

export interface RaftOptions {
  /** The store as of the committed index (MsgSnap's data and bytes); else no data, the log's own size. */
  readonly snapshot?: () => { readonly bytes: number; readonly data: ReplicaData };
  /** A committed entry, in index order (swarmkit processCommitted → the manager's store). */
  readonly apply?: (e: Entry) => void;
  /** A MsgSnap from the leader replaced the log: its store as of `index` (swarmkit restoreFromSnapshot). */
  readonly install?: (index: number, data: ReplicaData | null) => void;
  /** This leader applied every entry in its log: it may run the reconcilers (leadershipBroadcast IsLeader). */
  readonly caughtUp?: () => void;
}

export class RaftNode {
  term = 0;
  role: RaftRole = 'follower';
  /** The leader this node follows (itself when leading), null while it knows none. */
  lead: string | null = null;
  readonly log = new RaftLog();
  /** The last entry applied (etcd's applied index; swarmkit appliedIndex). */
  applied = 0;
  /** Leader: it has signalled its leadership in this term (swarmkit signalledLeadership). */
  private signalled = false;
  private votedFor: string | null = null;
  private votes = new Set<string>();
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedTimeout: number;
  /** Leader: each follower's progress, made on first use (a manager that joined since). */
  private readonly prs = new Map<string, Progress>();
  /** Leader: the peers heard from since the last quorum check (etcd's Progress.RecentActive). */
  private recentActive = new Set<string>();
  /** Leader: the tick each peer was last heard at, for `docker node ls` (Reachable). */
  private readonly lastHeard = new Map<string, number>();
  /** Leader: proposals waiting for their entry to commit (swarmkit's wait registry), by index. */
  private readonly waiting = new Map<number, { readonly term: number; readonly done: (err: string | null) => void }>();
  private ticks = 0;
  private readonly rng: Rng;

  constructor(
    readonly id: string,
    /** The other managers' node IDs (the committed membership). */
    private readonly peers: () => readonly string[],
    private readonly send: (to: string, m: RaftMessage) => void,
    seed: number,
    private readonly opts: RaftOptions = {},
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

  get leading(): boolean {
    return this.role === 'leader';
  }

  get committed(): number {
    return this.log.committed;
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
    this.signal();
  }

  /** A manager joining follows the leader it joined through. */
  follow(term: number, lead: string): void {
    this.becomeFollower(term, lead);
  }

  /** The manager's process started again (term, vote and log are on disk, nothing else). */
  restart(): void {
    const voted = this.votedFor;
    this.becomeFollower(this.term, null);
    this.votedFor = voted;
  }

  /**
   * swarmkit Node.ProposeValue on the leader: the entry is appended and replicated; `done(null)`
   * once it is committed, `done(ERR_LOST_LEADERSHIP)` when this node is not (or stops being) the
   * leader before that. A single manager commits at once.
   */
  propose(what: string, bytes: number, done: (err: string | null) => void = () => undefined, actions?: readonly StoreAction[]): void {
    if (this.role !== 'leader') return done(ERR_LOST_LEADERSHIP);
    const index = this.log.lastIndex + 1;
    this.waiting.set(index, { term: this.term, done });
    this.appendEntry(what, bytes, actions);
    this.bcastAppend();
  }

  private appendEntry(what: string, bytes: number, actions?: readonly StoreAction[]): void {
    const index = this.log.lastIndex + 1;
    this.log.append(actions === undefined || actions.length === 0 ? { index, term: this.term, bytes, what } : { index, term: this.term, bytes, what, actions });
    this.maybeCommit();
  }

  /** Committed entries are applied in order; then the log may be compacted. */
  private advance(): void {
    while (this.applied < this.log.committed) {
      const e = this.log.entry(++this.applied);
      if (e !== undefined) this.opts.apply?.(e);
    }
    this.log.maybeCompact(this.applied);
  }

  /** A leader that has applied its whole log signals its leadership, once per term — after the
   *  message or tick that got it there is handled (what it is told may propose again). */
  private signal(): void {
    if (this.role === 'leader' && !this.signalled && this.applied >= this.log.lastIndex) {
      this.signalled = true;
      this.opts.caughtUp?.();
    }
  }

  private becomeFollower(term: number, lead: string | null): void {
    if (term !== this.term) this.votedFor = null;
    const wasLeader = this.role === 'leader';
    this.term = term;
    this.role = 'follower';
    this.lead = lead;
    this.electionElapsed = 0;
    this.randomizedTimeout = this.resetTimeout();
    // swarmkit: on losing leadership every pending proposal is cancelled (wait.cancelAll).
    if (wasLeader) this.cancelWaiting();
  }

  private cancelWaiting(): void {
    const w = [...this.waiting.values()];
    this.waiting.clear();
    for (const x of w) x.done(ERR_LOST_LEADERSHIP);
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
    for (const p of this.peers()) this.send(p, { kind: 'MsgVote', term: this.term, from: this.id, index: this.log.lastIndex, logTerm: this.log.lastTerm });
  }

  private becomeLeader(): void {
    this.role = 'leader';
    this.lead = this.id;
    this.signalled = false;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.recentActive = new Set();
    // etcd reset: every follower's next is past this log's end, before the leader's first entry.
    this.prs.clear();
    for (const p of this.peers()) this.progress(p);
    // etcd becomeLeader: an empty entry of the new term, so that earlier entries commit with it.
    this.appendEntry('', 0);
    this.bcastAppend();
  }

  private progress(peer: string): Progress {
    let pr = this.prs.get(peer);
    if (pr === undefined) this.prs.set(peer, (pr = { match: 0, next: this.log.lastIndex + 1, state: 'probe', paused: false, pendingSnapshot: 0, snapshotAt: 0 }));
    return pr;
  }

  private bcastAppend(): void {
    for (const p of this.peers()) this.sendAppend(p);
  }

  /** etcd raft.sendAppend: the entries from `next`, or a snapshot when they were compacted. */
  private sendAppend(to: string): void {
    const pr = this.progress(to);
    if (pr.state === 'snapshot' || (pr.state === 'probe' && pr.paused)) return;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined) {
      // The entries this follower needs were compacted: send the store instead.
      const index = this.log.committed;
      const snap = this.opts.snapshot?.();
      const bytes = snap?.bytes ?? this.log.from(this.log.firstIndex, Infinity).reduce((s, e) => s + e.bytes, 0);
      this.send(to, { kind: 'MsgSnap', term: this.term, from: this.id, index, logTerm: this.log.term(index) ?? 0, bytes, data: snap?.data ?? null });
      pr.state = 'snapshot';
      pr.pendingSnapshot = index;
      pr.snapshotAt = this.ticks;
      return;
    }
    const entries = this.log.from(pr.next, MAX_SIZE_PER_MSG);
    this.send(to, { kind: 'MsgApp', term: this.term, from: this.id, index: prevIndex, logTerm: prevTerm, entries, commit: this.log.committed });
    if (entries.length === 0) {
      if (pr.state === 'probe') pr.paused = true;
      return;
    }
    // replicate: optimistically past what was sent; probe: one message until it is answered.
    if (pr.state === 'replicate') pr.next = entries[entries.length - 1]!.index + 1;
    else pr.paused = true;
  }

  private bcastHeartbeat(): void {
    for (const p of this.peers()) {
      const pr = this.progress(p);
      // etcd sendHeartbeat: commit = min(pr.Match, committed), never past what the follower has.
      this.send(p, { kind: 'MsgHeartbeat', term: this.term, from: this.id, commit: Math.min(pr.match, this.log.committed) });
    }
  }

  /** etcd raft.maybeCommit: the highest index a quorum has, if it is of this term. */
  private maybeCommit(): void {
    const peers = this.peers();
    let mci = this.log.lastIndex;
    if (peers.length > 0) {
      const matches = [mci, ...peers.map((p) => this.prs.get(p)?.match ?? 0)].sort((x, y) => y - x);
      mci = matches[Math.floor((peers.length + 1) / 2)]!;
    }
    if (mci <= this.log.committed || this.log.term(mci) !== this.term) return;
    this.log.commitTo(mci);
    this.advance();
    this.answer();
  }

  /** Entries up to `committed` are applied: their proposals are answered. */
  private answer(): void {
    const c = this.log.committed;
    const answers: Array<() => void> = [];
    for (const [i, w] of this.waiting) {
      if (i > c) continue;
      this.waiting.delete(i);
      // Overwritten by another leader's entry: not this proposal (it was cancelled then anyway).
      const err = this.log.term(i) === w.term || this.log.term(i) === undefined ? null : ERR_LOST_LEADERSHIP;
      answers.push(() => w.done(err));
    }
    // Answered once the bookkeeping is done: an answer may propose again.
    for (const a of answers) a();
  }

  /** One TickInterval passed. */
  tick(): void {
    this.tickOnce();
    this.signal();
  }

  private tickOnce(): void {
    this.ticks++;
    if (this.role === 'leader') {
      if (++this.heartbeatElapsed >= HEARTBEAT_TICK) {
        this.heartbeatElapsed = 0;
        this.bcastHeartbeat();
      }
      // A snapshot unanswered for an election timeout is taken as failed (swarmkit ReportSnapshot).
      for (const pr of this.prs.values()) {
        if (pr.state === 'snapshot' && this.ticks - pr.snapshotAt >= ELECTION_TICK) {
          pr.state = 'probe';
          pr.next = pr.match + 1;
          pr.paused = false;
        }
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
    this.stepMessage(m);
    this.advance();
    this.signal();
  }

  private stepMessage(m: RaftMessage): void {
    if (m.term > this.term) {
      // A vote request while this node still hears a leader is ignored (CheckQuorum's lease).
      if (m.kind === 'MsgVote' && this.lead !== null && this.electionElapsed < ELECTION_TICK) return;
      const fromLeader = m.kind === 'MsgApp' || m.kind === 'MsgHeartbeat' || m.kind === 'MsgSnap';
      this.becomeFollower(m.term, fromLeader ? m.from : null);
    } else if (m.term < this.term) {
      // A stale leader hears the newer term (etcd with CheckQuorum answers it so that it steps down).
      if (m.kind === 'MsgHeartbeat' || m.kind === 'MsgApp') this.send(m.from, { kind: 'MsgAppResp', term: this.term, from: this.id, index: 0, reject: false, rejectHint: 0 });
      return;
    }
    switch (m.kind) {
      case 'MsgApp':
        this.heardLeader(m.from);
        return this.handleAppend(m);
      case 'MsgHeartbeat':
        this.heardLeader(m.from);
        this.log.commitTo(m.commit);
        this.send(m.from, { kind: 'MsgHeartbeatResp', term: this.term, from: this.id });
        return;
      case 'MsgSnap':
        this.heardLeader(m.from);
        return this.handleSnapshot(m);
      case 'MsgAppResp':
        return this.handleAppendResp(m);
      case 'MsgHeartbeatResp': {
        if (this.role !== 'leader') return;
        this.active(m.from);
        const pr = this.progress(m.from);
        pr.paused = false;
        if (pr.match < this.log.lastIndex) this.sendAppend(m.from);
        return;
      }
      case 'MsgVote': {
        const canVote = (this.votedFor === null || this.votedFor === m.from) && this.role !== 'leader';
        const granted = canVote && this.log.isUpToDate(m.index, m.logTerm);
        if (granted) {
          this.votedFor = m.from;
          this.electionElapsed = 0;
        }
        this.send(m.from, { kind: 'MsgVoteResp', term: this.term, from: this.id, reject: !granted });
        return;
      }
      case 'MsgVoteResp':
        if (this.role !== 'candidate' || m.reject) return;
        this.votes.add(m.from);
        if (this.votes.size >= this.quorum()) this.becomeLeader();
        return;
    }
  }

  private heardLeader(from: string): void {
    if (this.role === 'candidate') this.becomeFollower(this.term, from);
    this.lead = from;
    this.electionElapsed = 0;
  }

  private active(peer: string): void {
    this.recentActive.add(peer);
    this.lastHeard.set(peer, this.ticks);
  }

  /** etcd raft.handleAppendEntries. */
  private handleAppend(m: Extract<RaftMessage, { kind: 'MsgApp' }>): void {
    const resp = (index: number, reject: boolean, rejectHint = 0): void =>
      this.send(m.from, { kind: 'MsgAppResp', term: this.term, from: this.id, index, reject, rejectHint });
    if (m.index < this.log.committed) return resp(this.log.committed, false);
    const last = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (last === null) return resp(m.index, true, this.log.lastIndex);
    resp(last, false);
  }

  /** etcd raft.handleSnapshot: the store replaces the log unless the log already has it. */
  private handleSnapshot(m: Extract<RaftMessage, { kind: 'MsgSnap' }>): void {
    if (m.index > this.log.committed) {
      if (this.log.matchTerm(m.index, m.logTerm)) this.log.commitTo(m.index);
      else {
        this.log.restore(m.index, m.logTerm);
        this.applied = m.index;
        this.opts.install?.(m.index, m.data);
      }
    }
    this.send(m.from, { kind: 'MsgAppResp', term: this.term, from: this.id, index: this.log.lastIndex, reject: false, rejectHint: 0 });
  }

  /** etcd stepLeader on MsgAppResp: back `next` off on a reject, else advance match and commit. */
  private handleAppendResp(m: Extract<RaftMessage, { kind: 'MsgAppResp' }>): void {
    if (this.role !== 'leader') return;
    this.active(m.from);
    const pr = this.progress(m.from);
    if (m.reject) {
      // Progress.maybeDecrTo
      if (pr.state === 'replicate') {
        if (m.index <= pr.match) return;
        pr.state = 'probe';
        pr.next = pr.match + 1;
      } else {
        if (pr.next - 1 !== m.index) return;
        pr.next = Math.max(Math.min(m.index, m.rejectHint + 1), 1);
      }
      pr.paused = false;
      return this.sendAppend(m.from);
    }
    const old = pr.paused;
    if (m.index > pr.match) {
      pr.match = m.index;
      pr.paused = false;
    }
    if (pr.next < m.index + 1) pr.next = m.index + 1;
    if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) {
      pr.state = 'probe';
      pr.paused = false;
    }
    if (pr.state === 'probe' && m.index >= pr.match && pr.match > 0) pr.state = 'replicate';
    const before = this.log.committed;
    this.maybeCommit();
    // A commit that moved is told to every follower at once; else this one gets what it lacks.
    if (this.log.committed > before) this.bcastAppend();
    else if (old || pr.next <= this.log.lastIndex) this.sendAppend(m.from);
  }
}
