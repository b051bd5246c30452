// Each manager's replica of the state (swarm/replica.ts), fed by its own Raft log's committed
// entries over TCP 2377, and the live store put back to the new leader's replica when a leader
// that lost its quorum is replaced (swarmkit: a write is applied only once committed).
import { describe, expect, it } from 'vitest';
import type { World } from '../../src/kernel/world.js';
import type { RaftPeer } from '../../src/agent/raft-peer.js';
import { snapshotService, snapshotTask } from '../../src/swarm/raft-entry.js';
import { SEC } from '../../src/sim/clock.js';
import { sh } from '../helpers.js';
import { swarm } from './helpers.js';

const CUT_2377 = ['iptables -I INPUT -p tcp --dport 2377 -j DROP', 'iptables -I OUTPUT -p tcp --dport 2377 -j DROP'];
const HEAL_2377 = ['iptables -D INPUT -p tcp --dport 2377 -j DROP', 'iptables -D OUTPUT -p tcp --dport 2377 -j DROP'];

/** Three managers and one worker, joined, settled; commands run one at a time after. */
function threeManagers(workers = 1) {
  const r = swarm('  - sleep: 5\n', { managers: 3, workers });
  const w: World = r.res.world;
  const sw = r.res.sim.swarm;
  const cluster = sw.cluster!;
  const run = (host: string, line: string): { out: string; code: number } => sh(w, w.hosts.get(host)!, line);
  const sleep = (s: number): void => w.eq.runUntil(w.eq.now + s * SEC);
  const peerOf = (host: string): RaftPeer => sw.raftPeers.get(cluster.nodeFor(host)!.id)!;
  const leaderHost = (): string => cluster.nodes.get(cluster.currentLeader()!.id)!.hostname;
  return { w, sw, cluster, run, sleep, peerOf, leaderHost };
}

/** The JSON a replica's snapshot has after crossing 2377 (undefined fields dropped). */
const plain = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe('each manager\'s replica', () => {
  it('after docker service create, every manager\'s replica holds the service and its tasks as the leader wrote them', () => {
    const s = threeManagers();
    expect(s.leaderHost()).toBe('m1');
    expect(s.run('m2', 'docker service create -d --name web --replicas 2 nginx').code).toBe(0);
    s.sleep(5);
    const svc = s.cluster.findService('web')!;
    const tasks = s.cluster.tasksOf(svc);
    expect(tasks).toHaveLength(2);
    expect(tasks.every((t) => t.state === 'running')).toBe(true);
    const leader = s.peerOf('m1');
    for (const host of ['m1', 'm2', 'm3']) {
      const p = s.peerOf(host);
      expect(p.replica).not.toBeNull();
      // Applied up to the leader's commit, as the leader's own replica is.
      expect(p.replica!.applied).toBe(leader.node.committed);
      expect(p.node.applied).toBe(leader.node.committed);
      expect(plain(p.replica!.services.get(svc.id))).toEqual(plain(snapshotService(svc)));
      expect([...p.replica!.tasks.keys()].sort()).toEqual(tasks.map((t) => t.id).sort());
      for (const t of tasks) expect(plain(p.replica!.tasks.get(t.id))).toEqual(plain(snapshotTask(t, s.cluster.store.version(t))));
      expect(p.replica!.tasks.get(tasks[0]!.id)!.state).toBe('running');
      // Nodes and networks too: the ingress network and the four members.
      expect(p.replica!.nodes.size).toBe(4);
      expect([...p.replica!.networks.values()].map((n) => n.name)).toContain('ingress');
    }
    // A follower's replica is its own data (parsed from the MsgApp it received), not the leader's.
    expect(s.peerOf('m2').replica!.services.get(svc.id)).not.toBe(leader.replica!.services.get(svc.id));
  });

  it('a follower cut from 2377 stops applying, and catches up once healed', () => {
    const s = threeManagers();
    for (const c of CUT_2377) expect(s.run('m3', c).code).toBe(0);
    const before = s.peerOf('m3').replica!.applied;
    expect(s.run('m1', 'docker service create -d --name web --replicas 2 nginx').code).toBe(0);
    s.sleep(5);
    const svc = s.cluster.findService('web')!;
    // The two others commit without it; its applied index has not moved.
    expect(s.peerOf('m2').replica!.services.has(svc.id)).toBe(true);
    expect(s.peerOf('m1').node.committed).toBeGreaterThan(before + 2);
    expect(s.peerOf('m3').replica!.applied).toBe(before);
    expect(s.peerOf('m3').replica!.services.has(svc.id)).toBe(false);
    for (const c of HEAL_2377) expect(s.run('m3', c).code).toBe(0);
    s.sleep(30);
    const lead = s.peerOf(s.leaderHost());
    const m3 = s.peerOf('m3');
    expect(m3.replica!.applied).toBe(lead.node.committed);
    expect(plain(m3.replica!.services.get(svc.id))).toEqual(plain(snapshotService(svc)));
    for (const t of s.cluster.tasksOf(svc)) expect(plain(m3.replica!.tasks.get(t.id))).toEqual(plain(snapshotTask(t, s.cluster.store.version(t))));
  });
});

describe('a new leader puts the store back to its replica', () => {
  it('a leader cut from the others whose task failed and was replaced in its last seconds: the new leader shows the last committed state', () => {
    const s = threeManagers();
    expect(s.leaderHost()).toBe('m1');
    expect(s.run('m1', 'docker service create -d --name web --constraint node.hostname==m1 nginx').code).toBe(0);
    s.sleep(5);
    const svc = s.cluster.findService('web')!;
    const [first] = s.cluster.tasksOf(svc);
    expect(first!.state).toBe('running');
    const container = s.run('m1', 'docker ps -q').out.trim();
    for (const c of CUT_2377) expect(s.run('m1', c).code).toBe(0);
    // Its container dies: m1's own agent reports it, m1's orchestrator starts a replacement after
    // the restart delay (5 s) — all written on m1 and proposed in its log, none of it committed.
    expect(s.run('m1', `docker kill ${container}`).code).toBe(0);
    s.sleep(7);
    expect(s.leaderHost()).toBe('m1');
    const onCut = s.run('m1', 'docker service ps web --format "{{.ID}} {{.DesiredState}} {{.CurrentState}}"').out.split('\n').filter((l) => l !== '');
    expect(onCut).toHaveLength(2);
    expect(onCut[1]).toMatch(new RegExp(`^${first!.id.slice(0, 12)} Shutdown Failed `));
    const cutLeader = s.peerOf('m1').node;
    expect(cutLeader.log.lastIndex).toBeGreaterThan(cutLeader.committed);
    // The other two elect a leader, which applies its log and takes the store back to it — once
    // it has committed the first entry of its term (swarmkit signals leadership only when caught
    // up, appliedIndex >= its last index): a heartbeat after the election.
    for (let i = 0; i < 30 && s.leaderHost() === 'm1'; i++) s.sleep(1);
    s.sleep(2);
    const nu = s.leaderHost();
    expect(nu).not.toBe('m1');
    const ps = s.run(nu, 'docker service ps web --format "{{.ID}} {{.Node}} {{.DesiredState}} {{.CurrentState}}"');
    expect(ps.code).toBe(0);
    expect(ps.out).toMatch(new RegExp(`^${first!.id.slice(0, 12)} m1 Running Running \\d+ seconds ago\\n$`));
    expect(s.run(nu, 'docker service ls').out).toMatch(/\n[a-z0-9]{12} +web +replicated +1\/1 +nginx:latest/);
    // Put back in place: the agents' and views' references stay valid.
    expect(s.cluster.store.getTask(first!.id)).toBe(first);
    const replica = s.peerOf(nu).replica!;
    expect([...replica.tasks.keys()]).toEqual([first!.id]);
    expect(plain(replica.tasks.get(first!.id))).toEqual(plain(snapshotTask(first!, s.cluster.store.version(first!))));
  });

  it('a node drained on a leader cut from the others is Active again on the new leader, its task where it was', () => {
    const s = threeManagers();
    expect(s.run('m1', 'docker service create -d --name web --constraint node.role==worker nginx').code).toBe(0);
    s.sleep(5);
    const svc = s.cluster.findService('web')!;
    const [task] = s.cluster.tasksOf(svc);
    expect(s.cluster.nodes.get(task!.nodeId!)!.hostname).toBe('w1');
    for (const c of CUT_2377) expect(s.run('m1', c).code).toBe(0);
    // Written on m1's store at once (swarmcmd.ts), proposed in its log, never committed.
    s.run('m1', 'docker node update --availability drain w1');
    s.sleep(2);
    for (let i = 0; i < 30 && s.leaderHost() === 'm1'; i++) s.sleep(1);
    s.sleep(2); // the new leader's first entry commits: leadership signalled, the store reset
    const nu = s.leaderHost();
    expect(nu).not.toBe('m1');
    expect(s.run(nu, 'docker node ls').out).toMatch(/ w1 +Ready +Active +19\.03\.13\n/);
    expect(s.run(nu, 'docker service ps web --format "{{.ID}} {{.Node}} {{.DesiredState}} {{.CurrentState}}"').out).toMatch(new RegExp(`^${task!.id.slice(0, 12)} w1 Running Running \\d+ seconds ago\\n$`));
    expect(s.cluster.nodes.get(task!.nodeId!)!.availability).toBe('active');
  });
});
