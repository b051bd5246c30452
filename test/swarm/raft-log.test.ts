// The replicated log (swarm/raft.ts) on the simulated clock: ticks and messages by hand, as etcd's
// raft_test.go drives its network (a bus that delivers what may pass, until it is quiet).
import { describe, expect, it } from 'vitest';
import { ELECTION_TICK, ERR_LOST_LEADERSHIP, LOG_ENTRIES_FOR_SLOW_FOLLOWERS, RaftNode, SNAPSHOT_INTERVAL } from '../../src/swarm/raft.js';
import type { RaftKind, RaftMessage, RaftOptions } from '../../src/swarm/raft.js';
import type { StoreAction } from '../../src/swarm/raft-entry.js';
import { Replica } from '../../src/swarm/replica.js';

interface Net {
  nodes: Map<string, RaftNode>;
  /** Each node's side of a partition (nodes on different sides hear nothing from each other). */
  side: Map<string, number>;
  /** Message kinds dropped towards a node (a lossy link: etcd's network.drop). */
  dropTo: Map<string, Set<RaftKind>>;
  sent: Array<[string, RaftMessage]>;
  /** Delivers what is queued until the bus is quiet (answers to answers). */
  deliver: () => void;
  tick: (n?: number) => void;
  leader: () => RaftNode;
}

function net(n: number, opts: (id: string) => RaftOptions = () => ({})): Net {
  const ids = Array.from({ length: n }, (_, i) => `m${i + 1}`);
  const queue: Array<[string, RaftMessage]> = [];
  const sent: Array<[string, RaftMessage]> = [];
  const side = new Map<string, number>();
  const dropTo = new Map<string, Set<RaftKind>>();
  const nodes = new Map<string, RaftNode>();
  ids.forEach((id, i) => nodes.set(id, new RaftNode(id, () => ids.filter((x) => x !== id), (to, m) => queue.push([to, m]), 7 + i, opts(id))));
  const deliver = (): void => {
    while (queue.length > 0) {
      const [to, m] = queue.shift()!;
      sent.push([to, m]);
      if ((side.get(to) ?? 0) !== (side.get(m.from) ?? 0) || dropTo.get(to)?.has(m.kind)) continue;
      nodes.get(to)!.step(m);
    }
  };
  const tick = (k = 1): void => {
    for (let i = 0; i < k; i++) {
      for (const node of nodes.values()) node.tick();
      deliver();
    }
  };
  const leader = (): RaftNode => {
    const ls = [...nodes.values()].filter((x) => x.role === 'leader').sort((a, b) => b.term - a.term);
    expect(ls.length).toBeGreaterThan(0);
    return ls[0]!;
  };
  return { nodes, side, dropTo, sent, deliver, tick, leader };
}

/** Proposes on the leader, delivers what it sent, and returns what `done` was told (undefined: not yet). */
function propose(w: Net, node: RaftNode, what: string, bytes: number, actions?: readonly StoreAction[]): { err: string | null | undefined } {
  const r: { err: string | null | undefined } = { err: undefined };
  node.propose(what, bytes, (err) => (r.err = err), actions);
  w.deliver();
  return r;
}

const whats = (n: RaftNode): string[] => {
  const out: string[] = [];
  for (let i = n.log.firstIndex; i <= n.log.lastIndex; i++) out.push(n.log.entry(i)!.what);
  return out;
};

describe('raft log', () => {
  it('3 managers: a new leader appends an empty entry of its term; a proposal commits on every manager', () => {
    const w = net(3);
    w.tick(2 * ELECTION_TICK);
    const l = w.leader();
    expect(l.log.entry(l.log.lastIndex)).toEqual({ index: l.log.lastIndex, term: l.term, bytes: 0, what: '' });
    const r = propose(w, l, 'service create web', 900);
    expect(r.err).toBeNull();
    const idx = l.log.lastIndex;
    expect(l.committed).toBe(idx);
    // Followers learn the commit from the next MsgApp (sent as soon as it advanced).
    for (const n of w.nodes.values()) {
      expect(n.log.entry(idx)).toMatchObject({ what: 'service create web', bytes: 900, term: l.term });
      expect(n.committed).toBe(idx);
    }
    const app = w.sent.find(([, m]) => m.kind === 'MsgApp' && m.entries.some((e) => e.what === 'service create web'));
    expect(app?.[1]).toMatchObject({ kind: 'MsgApp', index: idx - 1, logTerm: l.term, commit: idx - 1 });
  });

  it('5 managers: two followers cut off still let the other three commit; three cut off, nothing commits', () => {
    const w = net(5);
    w.tick(2 * ELECTION_TICK);
    const l = w.leader();
    const others = [...w.nodes.keys()].filter((id) => id !== l.id);
    w.side.set(others[0]!, 1);
    w.side.set(others[1]!, 1);
    const ok = propose(w, l, 'task 1', 1500);
    expect(ok.err).toBeNull();
    expect(w.nodes.get(others[0]!)!.log.entry(l.log.lastIndex)).toBeUndefined();
    w.side.set(others[2]!, 1);
    const before = l.committed;
    const stuck = propose(w, l, 'task 2', 1500);
    expect(stuck.err).toBeUndefined();
    expect(l.committed).toBe(before);
    // CheckQuorum: at the end of the first election timeout in which it heard too few, the leader
    // steps down, and the proposal fails as swarmkit's does (ErrLostLeadership).
    w.tick(2 * ELECTION_TICK);
    expect(l.role).toBe('follower');
    expect(stuck.err).toBe(ERR_LOST_LEADERSHIP);
    expect(ERR_LOST_LEADERSHIP).toBe('raft: failed to process the request: node lost leader status');
    // A follower refuses to propose.
    expect(propose(w, l, 'task 3', 10).err).toBe(ERR_LOST_LEADERSHIP);
  });

  it('a partitioned leader\'s uncommitted entries are overwritten by the new leader\'s once healed', () => {
    const w = net(3);
    w.tick(2 * ELECTION_TICK);
    const old = w.leader();
    w.side.set(old.id, 1);
    const lost = propose(w, old, 'lost update', 700);
    const lostIndex = old.log.lastIndex;
    expect(old.log.entry(lostIndex)!.what).toBe('lost update');
    w.tick(3 * ELECTION_TICK);
    const nu = w.leader();
    expect(nu.id).not.toBe(old.id);
    expect(nu.term).toBeGreaterThan(old.term);
    expect(lost.err).toBe(ERR_LOST_LEADERSHIP);
    expect(propose(w, nu, 'kept update', 800).err).toBeNull();
    w.side.clear();
    w.tick(3 * ELECTION_TICK);
    const l = w.leader();
    // Whoever leads now, every log holds the majority's entries and not the lost one.
    for (const n of w.nodes.values()) {
      expect(whats(n)).toContain('kept update');
      expect(whats(n)).not.toContain('lost update');
      expect(n.log.lastIndex).toBe(l.log.lastIndex);
      expect(n.committed).toBe(l.committed);
    }
  });

  it('a follower that missed entries is caught up by the leader backing next off (MsgAppResp reject)', () => {
    const w = net(3);
    w.tick(2 * ELECTION_TICK);
    const l = w.leader();
    const lag = [...w.nodes.values()].find((n) => n !== l)!;
    // Its MsgApps are lost, its heartbeats are not: it keeps following, and falls behind.
    w.dropTo.set(lag.id, new Set(['MsgApp']));
    for (let i = 0; i < 6; i++) expect(propose(w, l, `change ${i}`, 1000).err).toBeNull();
    expect(lag.log.lastIndex).toBeLessThan(l.log.lastIndex - 5);
    const rejectsBefore = w.sent.filter(([to, m]) => to === l.id && m.kind === 'MsgAppResp' && m.reject).length;
    w.dropTo.clear();
    w.tick(2);
    expect(lag.log.lastIndex).toBe(l.log.lastIndex);
    expect(lag.committed).toBe(l.committed);
    expect(whats(lag)).toEqual(whats(l));
    // The leader's optimistic next was past the follower's log: a reject with the follower's last
    // index as its hint, then the missing entries.
    const rejects = w.sent.filter(([to, m]) => to === l.id && m.from === lag.id && m.kind === 'MsgAppResp' && m.reject);
    expect(rejects.length).toBeGreaterThan(rejectsBefore);
    expect(rejects[rejects.length - 1]![1]).toMatchObject({ rejectHint: 1 });
  });

  it('a candidate with an older log is refused the vote ("up to date": last term, then last index)', () => {
    const w = net(3);
    w.tick(2 * ELECTION_TICK);
    const l = w.leader();
    const [a, b] = [...w.nodes.values()].filter((n) => n !== l) as [RaftNode, RaftNode];
    // b misses the latest entry.
    w.dropTo.set(b.id, new Set(['MsgApp']));
    expect(propose(w, l, 'newer', 500).err).toBeNull();
    expect(a.log.lastIndex).toBe(b.log.lastIndex + 1);
    // Everyone cut from everyone for two election timeouts: no leader, nobody in a leader's lease.
    [...w.nodes.keys()].forEach((id, i) => w.side.set(id, i));
    w.tick(2 * ELECTION_TICK);
    expect([...w.nodes.values()].every((n) => n.lead === null)).toBe(true);
    // b asks a for its vote at a higher term: refused (a's last entry is newer).
    const term = Math.max(a.term, b.term) + 1;
    a.step({ kind: 'MsgVote', term, from: b.id, index: b.log.lastIndex, logTerm: b.log.lastTerm });
    w.side.set(b.id, w.side.get(a.id)!);
    w.deliver();
    expect(w.sent[w.sent.length - 1]).toEqual([b.id, { kind: 'MsgVoteResp', term, from: a.id, reject: true }]);
    // a asks b at the next term: granted.
    b.step({ kind: 'MsgVote', term: term + 1, from: a.id, index: a.log.lastIndex, logTerm: a.log.lastTerm });
    w.deliver();
    expect(w.sent[w.sent.length - 1]).toEqual([a.id, { kind: 'MsgVoteResp', term: term + 1, from: b.id, reject: false }]);
  });
});

describe('raft log applied to replicas', () => {
  /** Three nodes, each applying its committed entries to its own replica (swarm/replica.ts). */
  function replicated(): { w: Net; replicas: Map<string, Replica>; installs: Array<[string, number]> } {
    const ids = ['m1', 'm2', 'm3'];
    const replicas = new Map(ids.map((id) => [id, new Replica()]));
    const installs: Array<[string, number]> = [];
    const w = net(3, (id) => ({
      apply: (e) => replicas.get(id)!.apply(e.index, e.actions),
      install: (index, data) => {
        installs.push([id, index]);
        replicas.get(id)!.install(index, data);
      },
      snapshot: () => ({ bytes: replicas.get(id)!.bytes(), data: replicas.get(id)!.data() }),
    }));
    return { w, replicas, installs };
  }

  const secret = (i: number): StoreAction => ({ kind: 'secret', action: 'create', id: `s${i}`, object: { kind: 'secret', id: `s${i}`, name: `secret-${i}`, data: 'x', labels: {}, createdAt: 0, version: i } });

  it('each replica applies its committed entries in order; a follower behind the compacted log installs the leader\'s snapshot', () => {
    const { w, replicas, installs } = replicated();
    w.tick(2 * ELECTION_TICK);
    const l = w.leader();
    const lag = [...w.nodes.values()].find((n) => n !== l)!;
    expect(propose(w, l, '1 object', 110, [secret(0)]).err).toBeNull();
    w.tick(1);
    for (const n of w.nodes.values()) expect([...replicas.get(n.id)!.secrets.keys()]).toEqual(['s0']);
    // Cut off while the leader commits past SnapshotInterval + LogEntriesForSlowFollowers.
    w.side.set(lag.id, 1);
    const applied = replicas.get(lag.id)!.applied;
    for (let i = 1; i <= SNAPSHOT_INTERVAL + LOG_ENTRIES_FOR_SLOW_FOLLOWERS; i++) propose(w, l, '1 object', 110, [i % 2 === 0 ? secret(i) : { ...secret(i - 1), action: 'delete' }]);
    expect(replicas.get(lag.id)!.applied).toBe(applied);
    expect(replicas.get(l.id)!.applied).toBe(l.committed);
    expect(l.log.firstIndex).toBeGreaterThan(applied + 1);
    w.side.clear();
    w.tick(2);
    // The entries it lacks were compacted: a MsgSnap with the leader's replica, installed as is.
    expect(w.sent.some(([to, m]) => to === lag.id && m.kind === 'MsgSnap' && m.data !== null && m.data.secrets.length === 1)).toBe(true);
    expect(installs.filter(([id]) => id === lag.id)).toHaveLength(1);
    w.tick(2);
    const last = `s${SNAPSHOT_INTERVAL + LOG_ENTRIES_FOR_SLOW_FOLLOWERS - ((SNAPSHOT_INTERVAL + LOG_ENTRIES_FOR_SLOW_FOLLOWERS) % 2)}`;
    for (const n of w.nodes.values()) {
      expect(replicas.get(n.id)!.applied).toBe(l.committed);
      expect([...replicas.get(n.id)!.secrets.keys()]).toEqual([last]);
    }
  });
});
