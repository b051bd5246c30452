// The control plane as a user sees it: Raft quorum, restart policies, rolling updates and their
// failure actions, rollback's spec swap, secrets going only where tasks need them.
import { describe, expect, it } from 'vitest';
import { perNode, swarm } from './helpers.js';

const CRASHER = 'images:\n  - { name: "crash:1", port: 80, reply: "x\\n", crash: 3, crash_after: 1s }\n  - { name: "app:1", port: 80, reply: "app 1\\n" }\n  - { name: "app:2", port: 80, reply: "app 2\\n" }\n';

describe('swarm control plane', () => {
  it('keeps tasks running without quorum but refuses every change, and recovers with the managers', () => {
    const r = swarm(
      '  - run: docker service create -d --name web --replicas 2 --constraint node.role==worker nginx\n    on: m1\n  - sleep: 10\n'
      + '  - fault: { host: m2, down: true }\n  - fault: { host: m3, down: true }\n  - sleep: 20\n'
      + '  - run: docker service scale web=3\n    on: m1\n'
      + '  - run: docker service ls\n    on: m1\n'
      + '  - run: docker ps -q\n    on: w1\n'
      + '  - fault: { host: m2, up: true }\n  - sleep: 20\n'
      + '  - run: docker service scale -d web=3\n    on: m1\n',
      { managers: 3, workers: 1 },
    );
    expect(r.exit[5]).toBe(1);
    expect(r.out[5]).toContain("The swarm does not have a leader. It's possible that too few managers are online. Make sure more than half of the managers are online.");
    expect(r.out[6]).toContain('The swarm does not have a leader');
    // The data plane does not need the managers: the tasks on w1 still run.
    expect(r.out[7]).toMatch(/^[0-9a-f]{12}\n[0-9a-f]{12}\n$/);
    expect(r.exit[10]).toBe(0);
    expect(r.out[10]).toContain('web scaled to 3');
  });

  it('restarts a failing task as often as --restart-max-attempts allows, then leaves it failed', () => {
    const r = swarm(
      '  - run: docker service create -d --name c --restart-condition on-failure --restart-delay 1s --restart-max-attempts 2 crash:1\n    on: m1\n'
      + '  - sleep: 60\n'
      + "  - run: docker service ps --format '{{.Name}} {{.DesiredState}} {{.CurrentState}} {{.Error}}' c\n    on: m1\n",
      { images: CRASHER },
    );
    const rows = r.out[2]!.trim().split('\n');
    // The first run and two restarts, all failed with the exit code; nothing runs any more.
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row).toMatch(/Shutdown Failed .* "task: non-zero exit \(3\)"$/);
  });

  it('does not restart a task that failed when the condition is none', () => {
    const r = swarm(
      '  - run: docker service create -d --name c --restart-condition none crash:1\n    on: m1\n  - sleep: 30\n'
      + "  - run: docker service ps --format '{{.Name}} {{.CurrentState}}' c\n    on: m1\n"
      + '  - run: docker service ls\n    on: m1\n',
      { images: CRASHER },
    );
    expect(r.out[2]!.trim().split('\n')).toHaveLength(1);
    expect(r.out[3]).toMatch(/c\s+replicated\s+0\/1\s+crash:1/);
  });

  it('updates parallelism tasks at a time with the delay between batches, on the simulated clock', () => {
    const r = swarm(
      '  - run: docker service create --name app --replicas 4 --update-parallelism 2 --update-delay 20s app:1\n    on: m1\n'
      + '  - run: docker service update -d --image app:2 app\n    on: m1\n'
      + '  - sleep: 10\n'
      + "  - run: docker service ps -f desired-state=running --format '{{.Image}}' app\n    on: m1\n"
      + '  - sleep: 25\n'
      + "  - run: docker service ps -f desired-state=running --format '{{.Image}}' app\n    on: m1\n"
      + "  - run: docker service inspect --format '{{.UpdateStatus.State}}' app\n    on: m1\n"
      + '  - sleep: 60\n'
      + "  - run: docker service inspect --format '{{.UpdateStatus.State}}' app\n    on: m1\n",
      { images: CRASHER },
    );
    // 10 s in: the first batch of two runs 2, the second waits out the 20 s delay. After the last
    // batch the updater sleeps the delay again, then watches delay + 1 s more before completing.
    expect(perNode(r.out[3]!)).toEqual({ 'app:1': 2, 'app:2': 2 });
    expect(perNode(r.out[5]!)).toEqual({ 'app:2': 4 });
    expect(r.out[6]).toBe('updating\n');
    expect(r.out[8]).toBe('completed\n');
  });

  it('rolls back to the previous spec, replicas included, and a second rollback goes forward again', () => {
    const r = swarm(
      '  - run: docker service create -d --name app --replicas 2 app:1\n    on: m1\n  - sleep: 10\n'
      + '  - run: docker service update -d --image app:2 --replicas 3 app\n    on: m1\n  - sleep: 30\n'
      + '  - run: docker service rollback app\n    on: m1\n'
      + '  - run: docker service ls\n    on: m1\n'
      + '  - run: docker service rollback app\n    on: m1\n'
      + '  - run: docker service ls\n    on: m1\n',
      { images: CRASHER },
    );
    expect(r.out[4]).toContain('rollback: manually requested rollback');
    expect(r.out[5]).toMatch(/app\s+replicated\s+2\/2\s+app:1/);
    expect(r.out[7]).toMatch(/app\s+replicated\s+3\/3\s+app:2/);
  });

  it('refuses to roll back a service that was never updated', () => {
    const r = swarm('  - run: docker service create -d --name app app:1\n    on: m1\n  - run: docker service rollback app\n    on: m1\n', { images: CRASHER });
    expect(r.exit[1]).toBe(1);
    expect(r.out[1]).toMatch(/^Error response from daemon: rpc error: code = FailedPrecondition desc = service [0-9a-z]{25} does not have a previous spec\n$/);
  });

  it('pauses an update whose new task fails within the monitor period', () => {
    const r = swarm(
      '  - run: docker service create -d --name app --replicas 2 app:1\n    on: m1\n  - sleep: 10\n'
      + '  - run: docker service update --update-delay 10s --image crash:1 app\n    on: m1\n'
      + "  - run: docker service ps -f desired-state=running --format '{{.Image}}' app\n    on: m1\n",
      { images: CRASHER },
    );
    expect(r.exit[2]).toBe(1);
    expect(r.out[2]).toMatch(/service update paused: update paused due to failure or early termination of task [0-9a-z]{25}/);
    // The task failed within the 10 s delay: the second slot was never touched.
    expect(r.out[3]).toContain('app:1');
  });

  it('gives a secret only to the containers of the services that use it', () => {
    const r = swarm(
      '  - run: docker secret create pw -\n    on: m1\n    stdin: "s3cret\\n"\n'
      + '  - run: docker service create -d --name a --secret pw --constraint node.hostname==w1 busybox sh -c "while true; do sleep 3600; done"\n    on: m1\n'
      + '  - run: docker service create -d --name b --constraint node.hostname==w1 busybox sh -c "while true; do sleep 3600; done"\n    on: m1\n'
      + '  - sleep: 10\n'
      + '  - run: docker ps -q --filter name=a.1\n    on: w1\n    save: A\n'
      + '  - run: docker ps -q --filter name=b.1\n    on: w1\n    save: B\n'
      + '  - run: docker exec ${A} cat /run/secrets/pw\n    on: w1\n'
      + '  - run: docker exec ${B} cat /run/secrets/pw\n    on: w1\n'
      + '  - run: docker secret inspect pw\n    on: m1\n',
    );
    expect(r.out[6]).toBe('s3cret\n');
    expect(r.exit[7]).toBe(1);
    expect(r.out[7]).toContain('No such file or directory');
    expect(r.out[8]).not.toContain('s3cret');
  });

  it('mounts a secret under its target name, and --secret-add gives a running service a new one', () => {
    const r = swarm(
      '  - run: docker secret create pw -\n    on: m1\n    stdin: "one\\n"\n'
      + '  - run: docker secret create pw2 -\n    on: m1\n    stdin: "two\\n"\n'
      + '  - run: docker service create -d --name a --secret source=pw,target=app_pw --constraint node.hostname==w1 busybox sh -c "while true; do sleep 3600; done"\n    on: m1\n'
      + '  - sleep: 10\n'
      + '  - run: docker ps -q --filter name=a.1\n    on: w1\n    save: A\n'
      + '  - run: docker exec ${A} ls /run/secrets\n    on: w1\n'
      + '  - run: docker service update --secret-add pw2 a\n    on: m1\n'
      + '  - run: docker ps -q --filter name=a.1\n    on: w1\n    save: A2\n'
      + '  - run: docker exec ${A2} cat /run/secrets/app_pw /run/secrets/pw2\n    on: w1\n',
    );
    expect(r.out[5]).toBe('app_pw\n');
    expect(r.out[6]).toContain('verify: Service converged');
    expect(r.out[8]).toBe('one\ntwo\n');
  });
  it('replaces one task every --update-delay with parallelism 1, and the attached update returns once converged', () => {
    const r = swarm(
      '  - run: docker service create -d --name app --replicas 3 --update-delay 10s app:1\n    on: m1\n  - sleep: 10\n'
      + '  - run: docker service update --image app:2 app\n    on: m1\n'
      + "  - run: docker service ps -f desired-state=running --format '{{.Name}} {{.Image}} {{.CurrentState}}' app\n    on: m1\n"
      + "  - run: docker service inspect --format '{{.UpdateStatus.State}}' app\n    on: m1\n"
      + '  - sleep: 20\n'
      + "  - run: docker service inspect --format '{{.UpdateStatus.State}} {{.UpdateStatus.Message}}' app\n    on: m1\n",
      { images: CRASHER },
    );
    expect(r.exit[2]).toBe(0);
    expect(r.out[2]).toContain('overall progress: 3 out of 3 tasks \n1/3: running   [');
    expect(r.out[2]).toContain('verify: Service converged \n');
    const rows = r.out[3]!.trim().split('\n').sort();
    // Slots replaced in order, 10 s apart (plus the start-up of each): slot 3 ran last.
    expect(rows.map((x) => x.split(' ').slice(0, 2).join(' '))).toEqual(['app.1 app:2', 'app.2 app:2', 'app.3 app:2']);
    const ages = rows.map((x) => Number(/Running (\d+) seconds ago/.exec(x)?.[1] ?? -1));
    expect(ages[0]! - ages[1]!).toBeGreaterThanOrEqual(10);
    expect(ages[1]! - ages[2]!).toBeGreaterThanOrEqual(10);
    // The CLI stops watching after the monitor period; the updater still waits the delay and its own monitor.
    expect(r.out[4]).toBe('updating\n');
    expect(r.out[6]).toBe('completed update completed\n');
  });
  it('scales down as swarmkit reconciles: the remaining tasks stay balanced and removed slots leave service ps', () => {
    const r = swarm(
      '  - run: docker service create -d --name app --replicas 6 app:1\n    on: m1\n  - sleep: 10\n'
      + "  - run: docker service ps --format '{{.Node}}' app\n    on: m1\n"
      + '  - run: docker service scale app=3\n    on: m1\n'
      + "  - run: docker service ps --format '{{.Name}} {{.Node}} {{.DesiredState}}' app\n    on: m1\n",
      { images: CRASHER },
    );
    expect(perNode(r.out[2]!)).toEqual({ m1: 2, w1: 2, w2: 2 });
    expect(r.out[3]).toContain('app scaled to 3');
    const rows = r.out[4]!.trim().split('\n');
    expect(rows).toHaveLength(3);
    expect(perNode(rows.map((x) => x.split(' ')[1]).join('\n'))).toEqual({ m1: 1, w1: 1, w2: 1 });
    for (const row of rows) expect(row).toMatch(/ Running$/);
  });

  it('on drain, the replacement starts only after the old task has stopped', () => {
    const r = swarm(
      '  - run: docker service create -d --name app --replicas 1 --constraint node.role==worker app:1\n    on: m1\n  - sleep: 10\n'
      + "  - run: docker service ps --format '{{.Node}}' app\n    on: m1\n    save: NODE\n"
      + '  - run: docker node update --availability drain ${NODE}\n    on: m1\n'
      + '  - sleep: 1\n'
      + "  - run: docker service ps --format '{{.Node}} {{.DesiredState}} {{.CurrentState}}' app\n    on: m1\n"
      + '  - sleep: 10\n'
      + "  - run: docker service ps --format '{{.Node}} {{.DesiredState}} {{.CurrentState}}' app\n    on: m1\n",
      { images: CRASHER },
    );
    const node = r.out[2]!.trim();
    const other = node === 'w1' ? 'w2' : 'w1';
    // One second in: the old task is still stopping (the 2 s gossip delay), the new one waits READY.
    const early = r.out[5]!.trim().split('\n');
    expect(early).toContainEqual(expect.stringMatching(new RegExp(`^${node} Shutdown Running `)));
    expect(early).toContainEqual(expect.stringMatching(new RegExp(`^${other} Ready `)));
    expect(early.some((x) => x.startsWith(`${other} Running`))).toBe(false);
    const late = r.out[7]!.trim().split('\n');
    expect(late).toContainEqual(expect.stringMatching(new RegExp(`^${other} Running Running `)));
    expect(late).toContainEqual(expect.stringMatching(new RegExp(`^${node} Shutdown Shutdown `)));
  });
});
