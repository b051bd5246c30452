// The control plane on the wire (TCP 2377): the join, the dispatcher session's heartbeats, and what
// a firewall in the way does to them, as Docker 19.03 shows it.
import { describe, expect, it } from 'vitest';
import { swarm } from './helpers.js';
import { NodeStore, GRACE_MULTIPLIER, HEARTBEAT_EPSILON, HEARTBEAT_PERIOD } from '../../src/swarm/dispatcher.js';
import { SEC } from '../../src/sim/clock.js';

const NODE_LS_W1 = (status: string): RegExp => new RegExp(`w1 +${status} +Active`);

describe('dispatcher over TCP 2377', () => {
  it('a worker whose heartbeats are dropped is Down within the grace period, and Ready once they pass', () => {
    const r = swarm(
      '  - run: iptables -I INPUT -s 10.1.0.11 -p tcp --dport 2377 -j DROP\n    on: m1\n'
      + '  - sleep: 9\n  - run: docker node ls\n    on: m1\n'
      + '  - sleep: 9\n  - run: docker node ls\n    on: m1\n'
      + '  - run: iptables -D INPUT -s 10.1.0.11 -p tcp --dport 2377 -j DROP\n    on: m1\n'
      + '  - sleep: 12\n  - run: docker node ls\n    on: m1\n'
      + '  - run: iptables -L INPUT -nv\n    on: m1\n',
      { workers: 2 },
    );
    // 9 s: the last heartbeat was answered at most one period ago; the timer (3 × 5 s ± 0.5 s) runs.
    expect(r.out[2]).toMatch(NODE_LS_W1('Ready'));
    // 18 s: more than 3 × 5.5 s since the last heartbeat that arrived.
    expect(r.out[4]).toMatch(NODE_LS_W1('Down'));
    expect(r.out[4]).toMatch(/w2 +Ready +Active/);
    // The session is reopened within the backoff (at most 8 s) and registers: Ready again.
    expect(r.out[7]).toMatch(NODE_LS_W1('Ready'));
  });

  it('a join that gets no answer fails after 20 s and keeps trying; an invalid token is refused at once', () => {
    const r = swarm(
      '  - run: docker swarm leave\n    on: w2\n'
      + '  - run: docker swarm leave\n    on: w3\n'
      + '  - run: iptables -I INPUT -p tcp --dport 2377 -j DROP\n    on: m1\n'
      + '  - run: docker swarm join --token SWMTKN-1-bad 10.1.0.10:2377\n    on: w2\n'
      + '  - run: docker swarm join --token ${WTOKEN} 10.1.0.10:2377\n    on: w2\n'
      + '  - run: iptables -D INPUT -p tcp --dport 2377 -j DROP\n    on: m1\n'
      + '  - run: docker swarm join --token SWMTKN-1-bad 10.1.0.10:2377\n    on: w3\n'
      + '  - sleep: 40\n  - run: docker info\n    on: w2\n',
      { workers: 3 },
    );
    expect(r.out[0]).toContain('Node left the swarm.');
    // Blocked: no answer at all, even for a bad token (the certificate request never arrives).
    expect(r.exit[3]).toBe(1);
    expect(r.out[3]).toContain('Timeout was reached before node joined.');
    // A node already trying to join refuses a second join.
    expect(r.out[4]).toContain('This node is already part of a swarm.');
    expect(r.exit[6]).toBe(1);
    expect(r.out[6]).toContain('rpc error: code = InvalidArgument desc = A valid join token is necessary to join this cluster');
    // w2's background attempt was made with the bad token: refused once the port opened.
    expect(r.out[8]).toContain(' Swarm: inactive');
  });

  it('chooses heartbeat periods within 5 s ± 500 ms, and expires a node after its grace', () => {
    const s = new NodeStore(1);
    for (let i = 0; i < 200; i++) {
      const p = s.choose();
      expect(p).toBeGreaterThanOrEqual(HEARTBEAT_PERIOD - HEARTBEAT_EPSILON);
      expect(p).toBeLessThan(HEARTBEAT_PERIOD + HEARTBEAT_EPSILON);
    }
    s.register('n1', 0);
    expect(s.heartbeat('n1', 4 * SEC)).not.toBeNull();
    expect(s.expired('n1', 4 * SEC + (HEARTBEAT_PERIOD - HEARTBEAT_EPSILON) * GRACE_MULTIPLIER - 1)).toBe(false);
    expect(s.expired('n1', 4 * SEC + (HEARTBEAT_PERIOD + HEARTBEAT_EPSILON) * GRACE_MULTIPLIER)).toBe(true);
    expect(s.heartbeat('n1', 30 * SEC)).toBeNull();
  });
});
