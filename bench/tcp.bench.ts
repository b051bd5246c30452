// tcp.bulk (issue 11): a 100 MB TCP transfer across the routing mesh of bench/mesh-topology.ts —
// client → node1 eth0 → DNAT (DOCKER-INGRESS) → docker_gwbridge → ingress_sbox (MARK, IPVS
// fwmark rr, -m ipvs SNAT) → br0 → a task — and every ACK back, on the simulated clock. The
// figure is simulated payload bytes delivered per wall-clock second; each call is one whole
// transfer on a new connection (handshake, 100 MB in 1448-byte segments with the windows, ACKs and
// congestion control of src/kernel/tcp, FIN), checked to deliver every byte to a task.
import type { Netns } from '../src/kernel/netns.js';
import { tcpConnect, tcpListen } from '../src/kernel/tcp.js';
import { SEC } from '../src/sim/clock.js';
import { type BenchOptions, type Figure, measure, progress } from './harness.js';
import { FWMARK, NODE_IP, buildMesh, resolveNeighbours, shAll } from './mesh-topology.js';

const BYTES = 100 * 1000 * 1000;
const PORT = 9000;

export function tcpBench(options: BenchOptions): Figure[] {
  const m = buildMesh(1);
  resolveNeighbours(m);
  shAll(m.sim, m.node, m.root, `iptables -t nat -I DOCKER-INGRESS -p tcp --dport ${PORT} -j DNAT --to-destination 172.18.0.2:${PORT}`);
  shAll(m.sim, m.node, m.sbox, `iptables -t mangle -A PREROUTING -p tcp --dport ${PORT} -j MARK --set-mark ${FWMARK}`);
  const received = m.tasks.map(() => 0);
  m.tasks.forEach((ns: Netns, i: number) => {
    tcpListen(ns, PORT, 0, () => ({
      onData: (_c, d) => (received[i]! += d.length),
      onPeerClose: (c) => c.close(),
    }));
  });
  const eq = m.world.eq;
  let simulated = 0;
  const transfer = (): number => {
    const before = received[0]! + received[1]!;
    const t0 = eq.now;
    let closed = false;
    const c = tcpConnect(m.client.root, NODE_IP, PORT, {
      onConnect: (cn) => {
        cn.send(BYTES);
        cn.close();
      },
      onPeerClose: () => (closed = true),
      onError: (_c, e) => {
        throw new Error(`tcp.bulk: the transfer failed with errno ${e}`);
      },
    });
    if (typeof c === 'number') throw new Error(`tcp.bulk: connect failed with errno ${c}`);
    eq.runWhile(() => !closed, eq.now + 3600 * SEC);
    const got = received[0]! + received[1]! - before;
    if (got !== BYTES) throw new Error(`tcp.bulk: ${got} of ${BYTES} bytes arrived`);
    simulated = (eq.now - t0) / SEC;
    return got;
  };
  const fig = measure({ name: 'tcp.bulk', unit: 'simulated bytes/s', target: null, opsPerCall: BYTES, expect: BYTES, maxCalls: 1, batch: transfer }, options);
  progress(`  tcp.bulk: ${BYTES / 1e6} MB in ${simulated.toFixed(3)} s of simulated time (${((BYTES * 8) / simulated / 1e9).toFixed(1)} Gbit/s on the simulated clock; no link bandwidth is modelled)`);
  return [fig];
}
