// Where swarm puts tasks: spread over nodes, constraints, placement preferences, drained nodes,
// global services on nodes that join later.
import { describe, expect, it } from 'vitest';
import { perNode, swarm } from './helpers.js';

const RUNNING = "docker service ps -f desired-state=running --format '{{.Node}}'";

describe('swarm scheduler', () => {
  it('spreads replicas evenly over the ready nodes', () => {
    const r = swarm(`  - run: docker service create -d --name web --replicas 6 nginx\n    on: m1\n  - sleep: 10\n  - run: ${RUNNING} web\n    on: m1\n`
      + "  - run: docker service ps -f name=web.3 --format '{{.Name}}' web\n    on: m1\n");
    expect(perNode(r.out[2]!)).toEqual({ m1: 2, w1: 2, w2: 2 });
    expect(r.out[3]).toBe('web.3\n');
  });

  it('keeps tasks to nodes whose labels satisfy the constraint, and leaves them pending when none does', () => {
    const r = swarm(
      '  - run: docker node update --label-add zone=a w1\n    on: m1\n'
      + '  - run: docker service create -d --name web --replicas 3 --constraint node.labels.zone==a nginx\n    on: m1\n'
      + '  - run: docker service create -d --name nowhere --constraint node.labels.zone==z nginx\n    on: m1\n'
      + `  - sleep: 10\n  - run: ${RUNNING} web\n    on: m1\n`
      + '  - run: docker service ps --no-trunc nowhere\n    on: m1\n',
    );
    expect(perNode(r.out[4]!)).toEqual({ w1: 3 });
    expect(r.out[5]).toMatch(/nowhere\.1\s+nginx:latest\s+Running\s+Pending \d+ seconds ago\s+"no suitable node \(scheduling constraints not satisfied on 3 nodes\)"/);
  });

  it('rejects the tasks of a node whose labels no longer meet the constraint, and places them on one that does (constraint enforcer)', () => {
    const r = swarm(
      '  - run: docker node update --label-add zone=a w1\n    on: m1\n'
      + '  - run: docker node update --label-add zone=a w2\n    on: m1\n'
      + '  - run: docker service create -d --name web --replicas 2 --constraint node.labels.zone==a nginx\n    on: m1\n'
      + `  - sleep: 10\n  - run: ${RUNNING} web\n    on: m1\n`
      + '  - run: docker node update --label-rm zone w1\n    on: m1\n'
      + `  - sleep: 10\n  - run: ${RUNNING} web\n    on: m1\n`
      + "  - run: docker service ps --no-trunc --format '{{.Node}} {{.DesiredState}} {{.CurrentState}} {{.Error}}' web\n    on: m1\n",
    );
    expect(perNode(r.out[4]!)).toEqual({ w1: 1, w2: 1 });
    expect(perNode(r.out[7]!)).toEqual({ w2: 2 });
    // The rejected task stays in the slot's history with the enforcer's error.
    expect(r.out[8]).toMatch(/^w1 Shutdown Rejected \d+ seconds ago "assigned node no longer meets constraints"$/m);
  });

  it('spreads over the values of a label first, then over the nodes within each', () => {
    const r = swarm(
      '  - run: docker node update --label-add dc=east m1\n    on: m1\n'
      + '  - run: docker node update --label-add dc=east w1\n    on: m1\n'
      + '  - run: docker node update --label-add dc=west w2\n    on: m1\n'
      + '  - run: docker service create -d --name web --replicas 4 --placement-pref spread=node.labels.dc nginx\n    on: m1\n'
      + `  - sleep: 10\n  - run: ${RUNNING} web\n    on: m1\n`,
    );
    // Two per datacenter: west has one node, so it takes both of west's.
    expect(perNode(r.out[5]!)).toEqual({ m1: 1, w1: 1, w2: 2 });
  });

  it('moves tasks off a drained node and places nothing new there', () => {
    const r = swarm(
      '  - run: docker service create -d --name web --replicas 3 nginx\n    on: m1\n  - sleep: 10\n'
      + '  - run: docker node update --availability drain w1\n    on: m1\n  - sleep: 10\n'
      + `  - run: ${RUNNING} web\n    on: m1\n`
      + "  - run: docker node ls --format '{{.Hostname}} {{.Availability}}'\n    on: m1\n",
    );
    expect(perNode(r.out[4]!)).toEqual({ m1: 2, w2: 1 });
    expect(r.out[5]).toContain('w1 Drain');
  });

  it('runs a global service once on every node, including one that joins later', () => {
    const r = swarm(
      '  - run: docker service create -d --name agent --mode global busybox sh -c "while true; do sleep 3600; done"\n    on: m1\n  - sleep: 10\n'
      + `  - run: ${RUNNING} agent\n    on: m1\n`
      + '  - run: docker swarm leave\n    on: w2\n  - sleep: 30\n'
      + `  - run: ${RUNNING} agent\n    on: m1\n`
      + '  - run: docker swarm join --token ${WTOKEN} 10.1.0.10:2377\n    on: w2\n  - sleep: 10\n'
      + `  - run: ${RUNNING} agent\n    on: m1\n`,
    );
    expect(perNode(r.out[2]!)).toEqual({ m1: 1, w1: 1, w2: 1 });
    expect(perNode(r.out[5]!)).toEqual({ m1: 1, w1: 1 });
    expect(perNode(r.out[8]!)).toEqual({ m1: 1, w1: 1, w2: 1 });
  });

  it('does not place a second host-mode task on a node whose port is taken', () => {
    const r = swarm(
      '  - run: docker service create -d --name web --replicas 4 --publish published=8080,target=80,mode=host nginx\n    on: m1\n  - sleep: 10\n'
      + "  - run: docker service ps --no-trunc --format '{{.Node}} {{.CurrentState}} {{.Error}}' web\n    on: m1\n",
    );
    const lines = r.out[2]!.trim().split('\n');
    expect(lines.filter((l) => l.includes('Running'))).toHaveLength(3);
    expect(lines.filter((l) => l.includes('Pending'))).toHaveLength(1);
    expect(r.out[2]).toContain('host-mode port already in use on 3 nodes');
  });
});
