// Every command that writes the swarm's store waits for its Raft entry to commit, as the service
// commands do: `docker network create -d overlay`, `network rm`, `secret|config create|rm` on a
// follower manager go to the leader over 2377 as Control.<Method> calls (swarmkit raftproxy) and,
// with 2377 from that follower to the leader blocked, fail after moby's 20 s with DeadlineExceeded
// and leave nothing behind; healed, the same command works. A local bridge network never waits.
import { describe, expect, it } from 'vitest';
import { DEADLINE, managers, traceTo } from './writes-helpers.js';

describe('docker network create|rm on a follower manager', () => {
  it('an overlay network: DeadlineExceeded after 20 s with 2377 to the leader blocked, nothing created; healed, created', () => {
    const s = managers();
    expect(s.leader()).toBe('m1');
    s.cut();
    const r = s.run('m2', 'docker network create -d overlay x');
    expect(r).toEqual({ out: DEADLINE, code: 1, took: expect.closeTo(20, 1) as number });
    // The leader never heard of it; m2 still follows m1 (it hears m1's heartbeats).
    expect(s.run('m1', 'docker network ls --format {{.Name}}').out).not.toMatch(/^x$/m);
    expect(s.leader()).toBe('m1');
    s.cut(true);
    const ok = s.run('m2', 'docker network create -d overlay x');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^[a-z0-9]{25}\n$/);
    expect(ok.took).toBeLessThan(1);
    expect(s.run('m1', 'docker network ls --filter name=x --format "{{.Name}} {{.Driver}} {{.Scope}}"').out).toBe('x overlay swarm\n');
  });

  it('on the leader commits at once; a local bridge network on a cut follower does not wait', () => {
    const s = managers();
    const r = s.run('m1', 'docker network create -d overlay x');
    expect(r.code).toBe(0);
    expect(r.took).toBeLessThan(0.01);
    s.cut();
    const br = s.run('m2', 'docker network create br1');
    expect(br.code).toBe(0);
    expect(br.took).toBe(0);
    expect(s.run('m2', 'docker network ls --filter name=br1 --format "{{.Name}} {{.Scope}}"').out).toBe('br1 local\n');
    expect(s.run('m2', 'docker network rm br1')).toEqual({ out: 'br1\n', code: 0, took: 0 });
  });

  it('the follower\'s call is a (2377 Control.CreateNetwork) frame, dropped on the blocked path', () => {
    const s = managers();
    // A first call opens m2's control connection to m1 (gRPC keeps it); the next one rides it.
    expect(s.run('m2', 'docker network create -d overlay a').code).toBe(0);
    s.cut();
    const t = traceTo(s.host('m2'), '10.1.0.10');
    expect(s.run('m2', 'docker network create -d overlay x').code).toBe(1);
    // The call's 230 bytes (agent/rpc.ts WIRE_SIZE) and the Network it carries (400).
    expect(t()).toMatch(/send: 10\.1\.0\.11\.\d+ > 10\.1\.0\.10\.2377: TCP \[P\.\] seq \d+ ack \d+ len 630 ttl 64 \(2377 Control\.CreateNetwork\)\n(.*\n)*.*drop.*tcp\/2377 blocked m2 → m1/);
  });

  it('network rm of an overlay network from a follower is a (2377 Control.RemoveNetwork) call; the network goes once committed', () => {
    const s = managers();
    expect(s.run('m1', 'docker network create -d overlay x').code).toBe(0);
    expect(s.run('m2', 'docker network create -d overlay a').code).toBe(0);
    const t = traceTo(s.host('m2'), '10.1.0.10');
    expect(s.run('m2', 'docker network rm x')).toMatchObject({ out: 'x\n', code: 0 });
    // The call's 230 bytes and the entry naming the network (60).
    expect(t()).toMatch(/send: 10\.1\.0\.11\.\d+ > 10\.1\.0\.10\.2377: TCP \[P\.\] seq \d+ ack \d+ len 290 ttl 64 \(2377 Control\.RemoveNetwork\)\n/);
    expect(s.run('m1', 'docker network ls --filter name=x --format {{.Name}}').out).toBe('');
  });
});

describe('docker secret|config create|rm on a follower manager', () => {
  it('secret create: DeadlineExceeded after 20 s, no secret on the leader; healed, created', () => {
    const s = managers();
    expect(s.run('m2', 'echo hunter2 > /root/pw').code).toBe(0);
    s.cut();
    const r = s.run('m2', 'docker secret create pw /root/pw');
    expect(r).toEqual({ out: DEADLINE, code: 1, took: expect.closeTo(20, 1) as number });
    expect(s.run('m1', 'docker secret ls -q').out).toBe('');
    s.cut(true);
    const ok = s.run('m2', 'docker secret create pw /root/pw');
    expect(ok.code).toBe(0);
    expect(ok.took).toBeLessThan(1);
    expect(s.run('m1', 'docker secret ls --format {{.Name}}').out).toBe('pw\n');
  });

  it('a refused secret (a name taken) is refused at once, without a call', () => {
    const s = managers();
    expect(s.run('m2', 'echo x > /root/pw').code).toBe(0);
    expect(s.run('m1', 'echo x > /root/pw').code).toBe(0);
    expect(s.run('m1', 'docker secret create pw /root/pw').code).toBe(0);
    s.cut();
    expect(s.run('m2', 'docker secret create pw /root/pw')).toEqual({ out: 'Error response from daemon: rpc error: code = AlreadyExists desc = secret pw already exists\n', code: 1, took: 0 });
  });

  it('config create and rm, secret rm: each waits for its commit; the names removed before a failure stay removed', () => {
    const s = managers();
    expect(s.run('m1', 'echo x > /root/f').code).toBe(0);
    expect(s.run('m2', 'echo x > /root/f').code).toBe(0);
    expect(s.run('m1', 'docker config create c1 /root/f').code).toBe(0);
    expect(s.run('m1', 'docker secret create s1 /root/f').code).toBe(0);
    s.cut();
    expect(s.run('m2', 'docker config create c2 /root/f')).toEqual({ out: DEADLINE, code: 1, took: expect.closeTo(20, 1) as number });
    // secret/remove.go: the names removed are printed, the errors after them.
    const rm = s.run('m2', 'docker secret rm nope s1');
    expect(rm).toEqual({ out: 'Error: No such secret: nope\n' + DEADLINE, code: 1, took: expect.closeTo(20, 1) as number });
    expect(s.run('m2', 'docker config rm c1')).toEqual({ out: DEADLINE, code: 1, took: expect.closeTo(20, 1) as number });
    expect(s.run('m1', 'docker config ls --format {{.Name}}').out).toBe('c1\n');
    expect(s.run('m1', 'docker secret ls --format {{.Name}}').out).toBe('s1\n');
    s.cut(true);
    expect(s.run('m2', 'docker config rm c1')).toMatchObject({ out: 'c1\n', code: 0 });
    expect(s.run('m2', 'docker secret rm s1')).toMatchObject({ out: 's1\n', code: 0 });
    expect(s.run('m1', 'docker config ls -q').out + s.run('m1', 'docker secret ls -q').out).toBe('');
  });
});
