// Raft leadership alone (swarm/raft.ts, ticks and messages by hand), then over TCP 2377 between
// managers, where a firewall in the way costs a manager its leadership.
import { describe, expect, it } from 'vitest';
import { ELECTION_TICK, RaftNode } from '../../src/swarm/raft.js';
import type { RaftMessage } from '../../src/swarm/raft.js';
import { swarm } from './helpers.js';

/** Three nodes on a bus that delivers, once per tick, what may pass (`cut` holds the isolated ids). */
function cluster(): { nodes: Map<string, RaftNode>; cut: Set<string>; tick: (n?: number) => void } {
  const ids = ['a', 'b', 'c'];
  const queue: Array<[string, RaftMessage]> = [];
  const cut = new Set<string>();
  const nodes = new Map<string, RaftNode>();
  ids.forEach((id, i) => nodes.set(id, new RaftNode(id, () => ids.filter((x) => x !== id), (to, m) => queue.push([to, m]), 100 + i)));
  const tick = (n = 1): void => {
    for (let k = 0; k < n; k++) {
      for (const node of nodes.values()) node.tick();
      // Deliver until quiet (answers to answers), dropping what crosses the cut.
      while (queue.length > 0) {
        const [to, m] = queue.shift()!;
        if (cut.has(to) !== cut.has(m.from)) continue;
        nodes.get(to)!.step(m);
      }
    }
  };
  return { nodes, cut, tick };
}

const leaders = (nodes: Map<string, RaftNode>): string[] => [...nodes.values()].filter((n) => n.role === 'leader').map((n) => n.id);

// m1 (the first manager, the leader) cut from the other managers on 2377, both ways: two steps.
const CUT_M1_2377 = '  - run: iptables -I INPUT -p tcp --dport 2377 -j DROP\n    on: m1\n' + '  - run: iptables -I OUTPUT -p tcp --dport 2377 -j DROP\n    on: m1\n';

describe('raft leadership', () => {
  it('elects one leader within two election timeouts, and keeps it while heartbeats flow', () => {
    const { nodes, tick } = cluster();
    tick(2 * ELECTION_TICK);
    expect(leaders(nodes)).toHaveLength(1);
    const first = leaders(nodes)[0]!;
    tick(50);
    expect(leaders(nodes)).toEqual([first]);
    for (const n of nodes.values()) expect(n.lead).toBe(first);
  });

  it('a leader cut from the others steps down after an election timeout; the majority elects another', () => {
    const { nodes, cut, tick } = cluster();
    tick(2 * ELECTION_TICK);
    const old = leaders(nodes)[0]!;
    cut.add(old);
    tick(ELECTION_TICK - 1);
    expect(nodes.get(old)!.role).toBe('leader');
    tick(2);
    expect(nodes.get(old)!.role).not.toBe('leader');
    tick(2 * ELECTION_TICK);
    const now = leaders(nodes);
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(old);
    // Healed: the isolated node's higher term makes the leader step down (no PreVote), then one
    // leader is elected again.
    cut.clear();
    tick(1);
    tick(3 * ELECTION_TICK);
    expect(leaders(nodes)).toHaveLength(1);
  });
});

describe('raft over TCP 2377', () => {
  it('a manager whose 2377 is dropped loses the leadership; docker node ls there fails as Docker does', () => {
    const r = swarm(
      '  - run: docker node ls\n    on: m1\n'
      + CUT_M1_2377
      + '  - sleep: 40\n'
      + '  - run: docker node ls\n    on: m1\n'
      + '  - run: docker node ls\n    on: m2\n'
      + '  - run: docker info\n    on: m1\n',
      { managers: 3, workers: 1 },
    );
    expect(r.out[0]).toMatch(/m1 +Ready +Active +Leader/);
    expect(r.exit[4]).toBe(1);
    expect(r.out[4]).toBe("Error response from daemon: rpc error: code = Unknown desc = The swarm does not have a leader. It's possible that too few managers are online. Make sure more than half of the managers are online.\n");
    expect(r.exit[5]).toBe(0);
    expect(r.out[5]).toMatch(/m[23] +Ready +Active +Leader/);
    expect(r.out[5]).toMatch(/m1 +(Ready|Down) +Active +Unreachable/);
    // docker info there: the error in place of the cluster's details (moby Cluster.Info).
    expect(r.out[6]).toContain("  Error: rpc error: code = Unknown desc = The swarm does not have a leader. It's possible that too few managers are online. Make sure more than half of the managers are online.\n  Is Manager: true\n  Node Address: 10.1.0.10\n");
    expect(r.out[6]).not.toContain('ClusterID');
  });
});

describe('docker info', () => {
  it('shows the Raft settings the managers run with, as docker/cli 19.03 prints them', () => {
    const r = swarm('  - run: docker info\n    on: m2\n', { managers: 3, workers: 0 });
    expect(r.out[0]).toContain('  Managers: 3\n');
    expect(r.out[0]).toContain('  Raft:\n   Snapshot Interval: 10000\n   Number of Old Snapshots to Retain: 0\n   Heartbeat Tick: 1\n   Election Tick: 10\n  Dispatcher:\n   Heartbeat Period: 5 seconds\n');
    expect(r.out[0]).toContain('  Manager Addresses:\n   10.1.0.10:2377\n   10.1.0.11:2377\n   10.1.0.12:2377\n');
  });
});

describe('the store\'s writes through the Raft log', () => {
  it('a service created on a follower is committed through the leader\'s log and seen on every manager', () => {
    const r = swarm(
      '  - run: docker service create -d --name web nginx\n    on: m2\n'
      + '  - run: docker service ls\n    on: m3\n',
      { managers: 3, workers: 1 },
    );
    expect(r.exit[0]).toBe(0);
    expect(r.out[0]).toMatch(/^[a-z0-9]{25}\n$/);
    expect(r.out[1]).toMatch(/\n[a-z0-9]{12} +web +replicated +[01]\/1 +nginx:latest/);
  });

  it('a leader cut from the other managers cannot commit: service scale, then create, fail there and change nothing', () => {
    const r = swarm(
      '  - run: docker service create -d --name web nginx\n    on: m1\n'
      + CUT_M1_2377
      + '  - run: docker service scale -d web=3\n    on: m1\n'
      + '  - run: docker service create -d --name later nginx\n    on: m1\n'
      + '  - sleep: 30\n'
      + '  - run: docker service ls\n    on: m2\n'
      + '  - run: docker service ps web --format "{{.Name}} {{.DesiredState}}"\n    on: m2\n',
      { managers: 3, workers: 1 },
    );
    expect(r.exit[0]).toBe(0);
    // The leader still believes it leads (CheckQuorum has not run yet): the proposal waits, and
    // fails when it steps down (swarmkit ErrLostLeadership, as docker/cli scale.go reports it).
    expect(r.exit[3]).toBe(1);
    expect(r.out[3]).toBe('web: Error response from daemon: rpc error: code = Unknown desc = raft: failed to process the request: node lost leader status\n');
    // Stepped down, it knows no leader any more.
    expect(r.exit[4]).toBe(1);
    expect(r.out[4]).toBe("Error response from daemon: rpc error: code = Unknown desc = The swarm does not have a leader. It's possible that too few managers are online. Make sure more than half of the managers are online.\n");
    // The other two elected a leader; the service is as it was.
    expect(r.out[6]).toMatch(/ web +replicated +1\/1 /);
    expect(r.out[6]).not.toContain('later');
    // The new leader's store is its replica's: slot 1 only (its task on m1, Down since, may have
    // been replaced), nothing of a scale to 3.
    expect(r.out[7]).toMatch(/^web\.1 Running\n/);
    expect(r.out[7]).not.toMatch(/web\.[23]/);
  });

  it('service update and rm on that leader fail the same way, and the service stays as it was', () => {
    for (const cmd of ['docker service update -d --image busybox web', 'docker service rm web']) {
      const r = swarm(
        '  - run: docker service create -d --name web nginx\n    on: m1\n'
        + CUT_M1_2377
        + `  - run: ${cmd}\n    on: m1\n`
        + '  - sleep: 30\n'
        + '  - run: docker service ls\n    on: m2\n',
        { managers: 3, workers: 1 },
      );
      expect(r.exit[3]).toBe(1);
      expect(r.out[3]).toBe('Error response from daemon: rpc error: code = Unknown desc = raft: failed to process the request: node lost leader status\n');
      expect(r.out[5]).toMatch(/ web +replicated +1\/1 +nginx:latest/);
    }
  });

  it('a rollback on that leader fails the same way, and the service keeps its current spec', () => {
    const r = swarm(
      '  - run: docker service create -d --name web nginx\n    on: m1\n'
      + '  - run: docker service update -d --image busybox web\n    on: m1\n'
      // The update's writes are in the entry after its control call's (cluster.ts reconcile):
      // a second for it to commit before the cut.
      + '  - sleep: 1\n'
      + CUT_M1_2377
      + '  - run: docker service rollback -d web\n    on: m1\n'
      + '  - sleep: 30\n'
      + '  - run: docker service ls\n    on: m2\n',
      { managers: 3, workers: 1 },
    );
    expect(r.exit[5]).toBe(1);
    expect(r.out[5]).toBe('Error response from daemon: rpc error: code = Unknown desc = raft: failed to process the request: node lost leader status\n');
    expect(r.out[7]).toMatch(/ web +replicated +\d\/1 +busybox:latest/);
  });
});
