// Three managers and a follower's 2377 path to the leader, for the tests of the commands that
// wait for their store write to commit (writes-*.test.ts).
import { parseIp4 } from '../../src/core/addr.js';
import type { Host } from '../../src/kernel/host.js';
import type { TcpConn } from '../../src/kernel/tcp.js';
import { parseBlockRule } from '../../src/scenario/load.js';
import { SEC } from '../../src/sim/clock.js';
import { Trace } from '../../src/trace/recorder.js';
import { renderTraceText } from '../../src/trace/render.js';
import { SWARM_PORT } from '../../src/wire/swarmrpc.js';
import type { SwarmCluster } from '../../src/swarm/cluster.js';
import { sh } from '../helpers.js';
import { swarm } from './helpers.js';

export const DEADLINE = 'Error response from daemon: rpc error: code = DeadlineExceeded desc = context deadline exceeded\n';

export interface Managers {
  /** Runs a command line on a host to completion: its output, exit code and simulated seconds. */
  run(host: string, line: string, stdin?: string): { out: string; code: number; took: number };
  host(name: string): Host;
  /** Blocks (or, `lift`, unblocks) TCP to port 2377 from m2, a follower, to m1, the leader, as a
   *  scenario's `fault: { block: tcp/2377, between: [m2, m1], oneway: true }` does. */
  cut(lift?: boolean): void;
  leader(): string;
  readonly cluster: SwarmCluster;
  /** Puts a file on a host (as a scenario's `files:` does). */
  write(host: string, path: string, text: string): void;
  /** Runs `then` as soon as `cond` holds, looking every microsecond of simulated time. */
  when(cond: () => boolean, then: () => void): void;
}

/** Three managers (m1 leads: it bootstrapped the cluster) and a worker, joined. */
export function managers(): Managers {
  const { res } = swarm('', { managers: 3, workers: 1 });
  const w = res.world;
  const rule = parseBlockRule('tcp/2377')!;
  return {
    run: (host, line) => {
      const t0 = w.eq.now;
      const r = sh(w, w.hosts.get(host)!, line);
      return { ...r, took: (w.eq.now - t0) / SEC };
    },
    host: (name) => w.hosts.get(name)!,
    cut: (lift = false) => {
      const pf = w.lan.pathFaults(w.seed);
      if (lift) pf.unblock('m2', 'm1', rule);
      else pf.block('m2', 'm1', rule);
    },
    leader: () => res.sim.swarm.cluster!.currentLeader()!.hostname,
    cluster: res.sim.swarm.cluster!,
    write: (host, path, text) => {
      res.sim.userland(w.hosts.get(host)!).files.set(path, text);
    },
    when: (cond, then) => {
      const look = (): void => {
        if (cond()) then();
        else w.eq.after(1_000, look);
      };
      look();
    },
  };
}

/** Traces the next segment each of `from`'s established connections to `to`:2377 sends; the
 *  text traces of all, once sent. */
export function traceTo(from: Host, to: string): () => string {
  const addr = parseIp4(to)!;
  const traces: Trace[] = [];
  for (const m of from.root.sockets.tcpConns.values()) {
    for (const c of m.values() as Iterable<TcpConn>) {
      if (c.rport !== SWARM_PORT || c.raddr !== addr || c.state !== 'ESTABLISHED') continue;
      const t = new Trace();
      c.trace = t.start();
      traces.push(t);
    }
  }
  return () => traces.map((t) => renderTraceText('segment', t)).join('');
}
