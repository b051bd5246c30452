// A worker learns of its work only from its dispatcher session on 2377 (swarmkit's Assignments
// stream) and reports over it (UpdateTaskStatus): cut 2377 and a scaled-up task stays Assigned,
// a killed one stays Running in the manager's eyes, until the path heals.
import { describe, expect, it } from 'vitest';
import type { Host } from '../../src/kernel/host.js';
import type { TcpConn } from '../../src/kernel/tcp.js';
import { MS } from '../../src/sim/clock.js';
import { Trace } from '../../src/trace/recorder.js';
import { renderTraceText } from '../../src/trace/render.js';
import { SWARM_PORT } from '../../src/wire/swarmrpc.js';
import { sh } from '../helpers.js';
import { swarm } from '../swarm/helpers.js';

const PS = "docker service ps web --format '{{.Name}} {{.Node}} {{.DesiredState}} {{.CurrentState}}'";

describe('assignments over the dispatcher session', () => {
  it('a worker whose 2377 answers are dropped starts no new task until the rule is gone', () => {
    const r = swarm(
      '  - run: docker service create -d --name web --constraint node.role==worker nginx\n    on: m1\n'
      + '  - sleep: 5\n'
      + '  - run: iptables -I INPUT -p tcp --sport 2377 -j DROP\n    on: w1\n'
      + '  - run: docker service scale -d web=2\n    on: m1\n'
      + '  - sleep: 3\n'
      + `  - run: ${PS}\n    on: m1\n`
      + "  - run: docker ps --format '{{.Names}}'\n    on: w1\n"
      + '  - run: iptables -D INPUT -p tcp --sport 2377 -j DROP\n    on: w1\n'
      + '  - sleep: 12\n'
      + `  - run: ${PS}\n    on: m1\n`
      + "  - run: docker ps --format '{{.Names}}'\n    on: w1\n",
      { workers: 1 },
    );
    // The scheduler gave web.2 to w1, but the Assignments message never reached it.
    expect(r.out[5]).toMatch(/^web\.1 w1 Running Running /m);
    expect(r.out[5]).toMatch(/^web\.2 w1 Running Assigned /m);
    expect(r.out[6]).toMatch(/^web\.1\./m);
    expect(r.out[6]).not.toMatch(/web\.2\./);
    // Healed: the session is reopened, its COMPLETE set names web.2, the agent starts it.
    expect(r.out[9]).toMatch(/^web\.2 w1 Running Running /m);
    expect(r.out[10]).toMatch(/^web\.2\./m);
  });

  it('a status report made while 2377 is cut both ways reaches the manager after heal', () => {
    const r = swarm(
      '  - run: docker service create -d --name web --constraint node.role==worker --restart-condition none nginx\n    on: m1\n'
      + '  - sleep: 5\n'
      + '  - fault: { block: tcp/2377, between: [m1, w1] }\n'
      + "  - run: docker rm -f $(docker ps -q -f name=web.1)\n    on: w1\n"
      + '  - sleep: 2\n'
      + `  - run: ${PS}\n    on: m1\n`
      + '  - fault: { unblock: tcp/2377, between: [m1, w1] }\n'
      + '  - sleep: 12\n'
      + `  - run: ${PS}\n    on: m1\n`,
      { workers: 1 },
    );
    // The container is gone, but the manager still has the task running: the report waits on w1.
    expect(r.out[5]).toMatch(/^web\.1 w1 Running Running /m);
    // After heal the reporter's kept status goes out on the new session; its time is w1's own
    // (TaskStatus.Timestamp), when the container went, 14 s before.
    expect(r.out[8]).toMatch(/^web\.1 w1 Shutdown Failed 14 seconds ago$/m);
  });

  it('shows the stream and the reports in a trace of 2377', () => {
    const { res } = swarm('  - sleep: 2\n', { workers: 1 });
    expect(res.passed).toBe(true);
    const w = res.world;
    const m1 = w.hosts.get('m1')!;
    const w1 = w.hosts.get('w1')!;
    // The manager's end of w1's session, and w1's.
    const session = (h: Host, local: number): TcpConn => {
      for (const m of h.root.sockets.tcpConns.values()) for (const c of m.values()) if ((local === SWARM_PORT ? c.lport : c.rport) === SWARM_PORT && c.state === 'ESTABLISHED') return c;
      throw new Error(`no session on ${h.name}`);
    };
    const down = new Trace();
    session(m1, SWARM_PORT).trace = down.start();
    expect(sh(w, m1, 'docker service create -d --name web --constraint node.role==worker nginx').code).toBe(0);
    // Sent batchingWaitTime (100 ms) after the scheduler's change; w1's answer is its first report.
    const t0 = w.eq.now;
    while (down.legs[0]?.path()[0] === undefined) w.eq.runUntil(w.eq.now + 10_000);
    expect(w.eq.now - t0).toBeGreaterThanOrEqual(100 * MS);
    // w1's first data segment from then on (its ACKs of the message aside).
    let up = new Trace();
    for (let i = 0; i < 300; i++) {
      up = new Trace();
      session(w1, 0).trace = up.start();
      w.eq.runUntil(w.eq.now + 10 * MS);
      if ((up.legs[0]?.path()[0]?.pkt.payloadLen ?? 0) > 0) break;
    }
    expect(renderTraceText('down', down)).toMatch(/send: 10\.1\.0\.10\.2377 > 10\.1\.0\.11\.\d+: TCP \[P\.\] .* \(2377 Dispatcher\.Assignments response\)\n/);
    expect(renderTraceText('up', up)).toMatch(/send: 10\.1\.0\.11\.\d+ > 10\.1\.0\.10\.2377: TCP \[P\.\] .* \(2377 Dispatcher\.UpdateTaskStatus\)\n/);
  });
});
