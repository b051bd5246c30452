// docker node update|promote|demote|rm write the Node object through the leader's log
// (controlapi UpdateNode / RemoveNode): on a follower cut from the leader on 2377 they fail after
// 20 s with DeadlineExceeded and change nothing; healed, or on the leader, they work.
import { describe, expect, it } from 'vitest';
import { DEADLINE, managers, traceTo } from './writes-helpers.js';

/** The Spec of the one node `docker node inspect` printed. */
const spec = (json: string): unknown => (JSON.parse(json) as Array<{ Spec: unknown }>)[0]!.Spec;

const FAILED = { out: DEADLINE, code: 1, took: expect.closeTo(20, 1) as number };

describe('docker node on a follower manager', () => {
  it('node update: DeadlineExceeded after 20 s with 2377 to the leader blocked, the labels unchanged; healed, updated', () => {
    const s = managers();
    s.cut();
    expect(s.run('m2', 'docker node update --label-add zone=a --availability drain w1')).toEqual(FAILED);
    expect(spec(s.run('m1', 'docker node inspect w1').out)).toEqual({ Labels: {}, Role: 'worker', Availability: 'active' });
    s.cut(true);
    expect(s.run('m2', 'docker node update --label-add zone=a --availability drain w1')).toMatchObject({ out: 'w1\n', code: 0 });
    expect(spec(s.run('m1', 'docker node inspect w1').out)).toEqual({ Labels: { zone: 'a' }, Role: 'worker', Availability: 'drain' });
  });

  it('node promote and demote: the role changes only once committed', () => {
    const s = managers();
    // A first call opens m2's control connection to m1; the next one rides it and is dropped.
    expect(s.run('m2', 'docker node update --label-add zone=a w1').code).toBe(0);
    s.cut();
    const t = traceTo(s.host('m2'), '10.1.0.10');
    expect(s.run('m2', 'docker node promote w1')).toEqual(FAILED);
    // The call (230 bytes) and the Node it carries (swarm/raft-entry.ts: 1500) are 1730 bytes: the
    // first segment is a full MSS (1448 with timestamps), dropped on the blocked path.
    expect(t()).toMatch(/send: 10\.1\.0\.11\.\d+ > 10\.1\.0\.10\.2377: TCP \[\.\] seq \d+ ack \d+ len 1448 ttl 64 \(2377 Control\.UpdateNode\)\n(.*\n){3}.*drop: tcp\/2377 blocked m2 → m1\n/);
    expect(s.run('m1', "docker node ls --filter role=manager --format '{{.Hostname}}'").out).toBe('m1\nm2\nm3\n');
    s.cut(true);
    expect(s.run('m2', 'docker node promote w1')).toMatchObject({ out: 'Node w1 promoted to a manager in the swarm.\n', code: 0 });
    expect(s.run('m1', "docker node ls --filter role=manager --format '{{.Hostname}}'").out).toBe('m1\nm2\nm3\nw1\n');
    expect(s.run('m1', 'docker node demote w1')).toMatchObject({ out: 'Node w1 demoted to a worker in the swarm.\n', code: 0 });
    expect(s.run('m1', "docker node ls --filter role=worker --format '{{.Hostname}}'").out).toBe('w1\n');
  });

  it('node rm: the refusals come at once, the removal after its commit; cut, nothing is removed', () => {
    const s = managers();
    // node/remove.go: the IDs removed are printed, every error after them.
    const up = s.run('m2', 'docker node rm w1 nope');
    expect(up.code).toBe(1);
    expect(up.took).toBe(0);
    expect(up.out).toMatch(/^Error response from daemon: rpc error: code = FailedPrecondition desc = node [a-z0-9]{25} is not down and can't be removed\nError: No such node: nope\n$/);
    s.cut();
    expect(s.run('m2', 'docker node rm --force w1')).toEqual(FAILED);
    expect(s.run('m1', "docker node ls --format '{{.Hostname}}'").out).toBe('m1\nm2\nm3\nw1\n');
    s.cut(true);
    expect(s.run('m2', 'docker node rm --force w1')).toMatchObject({ out: 'w1\n', code: 0 });
    expect(s.run('m1', "docker node ls --format '{{.Hostname}}'").out).toBe('m1\nm2\nm3\n');
  });
});
