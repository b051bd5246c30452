// docker stack deploy makes one control call per network, secret, config and service, in that
// order, each answered once the leader's log committed it, its `Creating …` line printed before it
// (docker/cli 19.03 stack/swarm/deploy_composefile.go); docker stack rm removes the services, then
// the secrets and configs, then the networks (remove.go). On a follower cut from the leader on 2377
// each call fails after 20 s with DeadlineExceeded; the lines printed before stay.
import { describe, expect, it } from 'vitest';
import { DEADLINE, managers } from './writes-helpers.js';
import type { Managers } from './writes-helpers.js';

const COMPOSE = `version: "3.8"
services:
  web:
    image: nginx
    secrets: [pw]
secrets:
  pw:
    file: /root/pw
`;

/** The managers, the stack's files on m1 and m2. */
function stackHosts(): Managers {
  const s = managers();
  for (const h of ['m1', 'm2']) {
    s.write(h, '/root/st.yml', COMPOSE);
    s.write(h, '/root/pw', 'hunter2\n');
  }
  return s;
}

/** What the leader holds of the stack: its networks, secrets and services by name. */
function onLeader(s: Managers): string {
  // The names in a listing's second column (`network ls`, `service ls`) or its first (--format).
  const names = (line: string, col: number): string => s.run('m1', line).out.trim().split('\n').map((row) => row.split(/\s+/)[col]!).filter((n) => n.startsWith('st_')).join(' ');
  return `networks: ${names('docker network ls', 1)}; secrets: ${names('docker secret ls --format {{.Name}}', 0)}; services: ${names('docker service ls', 1)}`;
}

describe('docker stack deploy|rm on a follower manager', () => {
  it('deploy: the first call, CreateNetwork, fails after 20 s and nothing is created; healed, all of it is', () => {
    const s = stackHosts();
    s.cut();
    const r = s.run('m2', 'docker stack deploy -c /root/st.yml st');
    expect(r).toEqual({ out: `Creating network st_default\nfailed to create network st_default: ${DEADLINE}`, code: 1, took: expect.closeTo(20, 1) as number });
    expect(onLeader(s)).toBe('networks: ; secrets: ; services: ');
    s.cut(true);
    const ok = s.run('m2', 'docker stack deploy -c /root/st.yml st');
    expect(ok).toMatchObject({ out: 'Creating network st_default\nCreating secret st_pw\nCreating service st_web\n', code: 0 });
    expect(ok.took).toBeLessThan(1);
    expect(onLeader(s)).toBe('networks: st_default; secrets: st_pw; services: st_web');
  });

  it('deploy: a path cut half way stops it at the call that follows; what was created and printed before stays', () => {
    const s = stackHosts();
    // Cut as soon as the network is written (its answer reached m2): the secret's call, sent at that
    // moment, is already past m2's NIC; the service's, sent once the secret is answered, is lost.
    s.when(() => s.cluster.findNetwork('st_default') !== null, () => s.cut());
    const r = s.run('m2', 'docker stack deploy -c /root/st.yml st');
    expect(r.out).toBe(`Creating network st_default\nCreating secret st_pw\nCreating service st_web\nfailed to create service st_web: ${DEADLINE}`);
    expect(r.code).toBe(1);
    expect(r.took).toBeCloseTo(20, 1);
    expect(onLeader(s)).toBe('networks: st_default; secrets: st_pw; services: ');
  });

  it('deploy on the leader commits each call at once', () => {
    const s = stackHosts();
    const r = s.run('m1', 'docker stack deploy -c /root/st.yml st');
    expect(r).toMatchObject({ out: 'Creating network st_default\nCreating secret st_pw\nCreating service st_web\n', code: 0 });
    expect(r.took).toBeLessThan(0.05);
  });

  it('rm: a path cut half way fails the next call, its failure printed without a newline as remove.go does, then the summary', () => {
    const s = stackHosts();
    expect(s.run('m1', 'docker stack deploy -c /root/st.yml st').code).toBe(0);
    const id = (line: string): string => s.run('m1', line).out.trim();
    const net = id('docker network inspect --format {{.Id}} st_default');
    // The stack's lists are read while the path is open (swarmkit answers reads from the leader
    // too, see README). Cut once the service is removed (its answer reached m2): the secret's
    // call, sent at that moment, is already past m2's NIC; the network's is lost.
    s.when(() => s.cluster.findService('st_web') === null, () => s.cut());
    const r = s.run('m2', 'docker stack rm st');
    expect(r.out).toBe(`Removing service st_web\nRemoving secret st_pw\nRemoving network st_default\nFailed to remove network ${net}: ${DEADLINE.trimEnd()}`
      + 'Failed to remove some resources from stack: st\n');
    expect(r.code).toBe(1);
    expect(r.took).toBeCloseTo(20, 0);
    expect(onLeader(s)).toBe('networks: st_default; secrets: ; services: ');
    s.cut(true);
    expect(s.run('m2', 'docker stack rm st')).toMatchObject({ out: 'Removing network st_default\n', code: 0 });
    // The engine where the task ran keeps the network until the task's container is gone.
    expect(s.run('m1', 'sleep 15').code).toBe(0);
    expect(onLeader(s)).toBe('networks: ; secrets: ; services: ');
  });
});
