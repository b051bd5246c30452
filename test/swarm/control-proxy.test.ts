// A control API call made on a follower manager travels to the leader over TCP 2377 (swarmkit's
// raftproxy) and is answered once the leader's log committed it; a 2377 path blocked from that
// follower to the leader only makes the call fail after moby's 20 s, and leaves nothing behind.
import { describe, expect, it } from 'vitest';
import { parseIp4 } from '../../src/core/addr.js';
import type { Host } from '../../src/kernel/host.js';
import type { TcpConn } from '../../src/kernel/tcp.js';
import { SEC } from '../../src/sim/clock.js';
import { Trace } from '../../src/trace/recorder.js';
import { renderTraceText } from '../../src/trace/render.js';
import { SWARM_PORT } from '../../src/wire/swarmrpc.js';
import { sh } from '../helpers.js';
import { swarm } from './helpers.js';

const DEADLINE = 'Error response from daemon: rpc error: code = DeadlineExceeded desc = context deadline exceeded\n';

/** Three managers (m1 leads: it bootstrapped the cluster) and a worker, joined. */
function managers(): { run: (host: string, line: string) => { out: string; code: number; took: number }; hosts: (name: string) => Host; leader: () => string } {
  const { res } = swarm('', { managers: 3, workers: 1 });
  const w = res.world;
  const cluster = res.sim.swarm.cluster!;
  return {
    run: (host, line) => {
      const t0 = w.eq.now;
      const r = sh(w, w.hosts.get(host)!, line);
      return { ...r, took: (w.eq.now - t0) / SEC };
    },
    hosts: (name) => w.hosts.get(name)!,
    leader: () => cluster.currentLeader()!.hostname,
  };
}

/** `from`'s established TCP connections with `to` whose port `port` is 2377 (`rport`: the peer's). */
function connsTo(from: Host, to: string, port: 'rport' | 'lport' = 'rport'): TcpConn[] {
  const addr = parseIp4(to)!;
  const out: TcpConn[] = [];
  for (const m of from.root.sockets.tcpConns.values()) for (const c of m.values()) if (c[port] === SWARM_PORT && c.raddr === addr && c.state === 'ESTABLISHED') out.push(c);
  return out;
}

/** Traces the next segment each connection sends; the text traces of all, once sent. */
function traceEach(conns: TcpConn[]): () => string {
  const traces = conns.map((c) => {
    const t = new Trace();
    c.trace = t.start();
    return t;
  });
  return () => traces.map((t) => renderTraceText('segment', t)).join('');
}

describe('a follower manager\'s control call', () => {
  it('goes to the leader over 2377 as a Control frame, and its answer comes back the same way', () => {
    const s = managers();
    expect(s.leader()).toBe('m1');
    const m1 = s.hosts('m1');
    const m2 = s.hosts('m2');
    // The first call dials the leader; the next ones reuse that connection (gRPC keeps one).
    expect(s.run('m2', 'docker service create -d --name first nginx').code).toBe(0);
    const before = connsTo(m2, '10.1.0.10').length;
    // Traced: the next segment each of m2's connections to m1:2377 sends, and each one m1 accepted
    // from m2 sends back.
    const t = traceEach(connsTo(m2, '10.1.0.10'));
    const back = traceEach(connsTo(m1, '10.1.0.11', 'lport'));
    const r = s.run('m2', 'docker service create -d --name web nginx');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^[a-z0-9]{25}\n$/);
    expect(connsTo(m2, '10.1.0.10').length).toBe(before);
    // The request: the call's 230 bytes (agent/rpc.ts WIRE_SIZE) and the spec it carries, as
    // large as its log entry (120 + half the spec's JSON: 508); the answer: 120 and the Service.
    expect(t()).toMatch(/send: 10\.1\.0\.11\.\d+ > 10\.1\.0\.10\.2377: TCP \[P\.\] seq \d+ ack \d+ len 738 ttl 64 \(2377 Control\.CreateService\)\n/);
    expect(back()).toMatch(/send: 10\.1\.0\.10\.2377 > 10\.1\.0\.11\.\d+: TCP \[P\.\] seq \d+ ack \d+ len 628 ttl 64 \(2377 Control\.CreateService response\)\n/);
    // Committed through the leader's log: every manager sees it.
    expect(s.run('m3', 'docker service ls').out).toMatch(/ web +replicated /);
  });

  it('on the leader itself stays local: nothing of it on the wire', () => {
    const s = managers();
    const m1 = s.hosts('m1');
    const all: TcpConn[] = [];
    for (const m of m1.root.sockets.tcpConns.values()) all.push(...m.values());
    const t = traceEach(all);
    expect(s.run('m1', 'docker service create -d --name web nginx').code).toBe(0);
    expect(t()).toContain('Raft.StreamRaftMessage MsgApp');
    expect(t()).not.toContain('Control.');
  });

  it('with 2377 blocked from the follower to the leader only, fails after 20 s with DeadlineExceeded; unblocked, it works', () => {
    const s = managers();
    expect(s.run('m2', 'iptables -A OUTPUT -p tcp --dport 2377 -d 10.1.0.10 -j DROP').code).toBe(0);
    const r = s.run('m2', 'docker service create -d --name web nginx');
    expect(r.code).toBe(1);
    expect(r.out).toBe(DEADLINE);
    expect(r.took).toBeCloseTo(20, 0);
    // The leader never heard of it; m2 still follows m1 (it hears m1's heartbeats).
    expect(s.run('m3', 'docker service ls').out).not.toContain('web');
    expect(s.leader()).toBe('m1');
    expect(s.run('m2', 'iptables -D OUTPUT -p tcp --dport 2377 -d 10.1.0.10 -j DROP').code).toBe(0);
    const ok = s.run('m2', 'docker service create -d --name web nginx');
    expect(ok.code).toBe(0);
    expect(ok.took).toBeLessThan(1);
    expect(s.run('m3', 'docker service ls').out).toMatch(/ web +replicated /);
  });
});
