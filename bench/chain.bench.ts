// DNAT chain-length figures (issue 7, item 3): NEW-connection UDP packets per second through the
// routing mesh (bench/mesh-topology.ts) when node1's DOCKER-INGRESS holds N published ports, N =
// 10, 100, 1000, 10000: `-p udp --dport P -j DNAT --to-destination 172.18.0.2:P` for P = 8080 …
// 8080+N-1, each inserted at the head with -I as Docker does. The probed port, 8080, was added
// first, so it sits at position N, just before RETURN: the worst place for a linear walk (every
// other rule is tried first).
//
// nat is consulted only on a connection's first packet, so every measured request is a NEW
// connection: each batch sends CONNS requests from CONNS distinct client ports, then flushes
// conntrack (node1's root and the sandbox) and expires every IPVS connection (the flush is timed
// with the batch: it is the per-connection cleanup the kernel would do on expiry). Checked per
// batch: every request answered inside its send, the DNAT rule counted exactly CONNS new
// connections, and the backends strictly alternate (rr on new connections).
//
// The runs of all five setups are interleaved (bench/interleave.ts) and `chain.N.ratio` is chain.N
// over chain.10 run by run, target 0.8 (issue 7: chain.10000 ≥ 0.8 × chain.10).
// `chain.10000.linear` is a baseline: the same 10000-rule chain with the port index off
// (Netfilter.minRun = Infinity), walked rule by rule as iptables does.
import { Trace } from '../src/trace/recorder.js';
import type { BenchOptions, Figure, MeasureSpec } from './harness.js';
import { progress } from './harness.js';
import { figureOf, measureInterleaved, ratioFigure } from './interleave.js';
import {
  Client, type Mesh, RR_FIRST, buildMesh, forgetConnections, probedRule, resolveNeighbours, verifyNewConnectionTrace,
} from './mesh-topology.js';

const SIZES = [10, 100, 1000, 10000];
/** New connections per batch (distinct client source ports). */
const CONNS = 256;
const FIRST_PORT = 20000;

interface Setup {
  name: string;
  published: number;
  m: Mesh;
  client: Client;
}

function setup(name: string, published: number, linear: boolean): Setup {
  const started = performance.now();
  const m = buildMesh(published);
  if (linear) {
    m.rootNf.minRun = Number.POSITIVE_INFINITY;
    m.rootNf.invalidate();
  }
  resolveNeighbours(m);
  const client = new Client(m.world, m.client, m.backends, FIRST_PORT, CONNS);
  // Two traced new connections: the DNAT is rule #published, rr gives task2 then task1 (RR_FIRST).
  const payload = new Uint8Array(32);
  for (let i = 0; i < 2; i++) {
    const b = (i + RR_FIRST) % 2;
    const t = new Trace();
    const got = client.request(i, payload, t.start());
    if (got !== b) throw new Error(`${name}: new connection ${i} went to task${got + 1}, rr should have chosen task${b + 1}`);
    verifyNewConnectionTrace(t, published, b);
  }
  forgetConnections(m);
  progress(`  ${name}: ${published} DNAT rules built and checked in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { name, published, m, client };
}

function spec(s: Setup): MeasureSpec {
  const { m, client } = s;
  const rule = probedRule(m);
  const payload = new Uint8Array(32);
  let next = RR_FIRST; // the backend rr gives the next new connection
  return {
    name: s.name,
    unit: 'packets/s',
    target: null,
    opsPerCall: 2 * CONNS,
    // Sum of (backend + 1): CONNS/2 each.
    expect: (CONNS / 2) * 3,
    batch: () => {
      const before = rule.pkts;
      let sum = 0;
      for (let i = 0; i < CONNS; i++) {
        const b = client.request(i, payload, null);
        if (b !== next) throw new Error(`${s.name}: new connection answered by task${b + 1}, rr should have chosen task${next + 1}`);
        next ^= 1;
        sum += b + 1;
      }
      if (rule.pkts - before !== CONNS) throw new Error(`${s.name}: the DNAT rule counted ${rule.pkts - before} new connections in a batch of ${CONNS}`);
      forgetConnections(m);
      return sum;
    },
  };
}

export function chainBench(options: BenchOptions): Figure[] {
  const setups = SIZES.map((n) => setup(`chain.${n}`, n, false));
  setups.push(setup('chain.10000.linear', 10000, true));
  const series = measureInterleaved(setups.map(spec), options);
  const base = series[0]!;
  const figures = series.map(figureOf);
  for (let i = 1; i < SIZES.length; i++) {
    figures.push(ratioFigure(`chain.${SIZES[i]}.ratio`, series[i]!, base, 0.8));
  }
  for (const s of setups) {
    const per = s.m.backends.map((b) => b.answered);
    if (per[0] !== per[1] || s.client.got !== per[0]! + per[1]!) throw new Error(`${s.name}: backends answered ${per.join(' and ')} of ${s.client.got} requests`);
    progress(`  ${s.name}: ${s.client.got} new connections answered, task1 ${per[0]}, task2 ${per[1]}`);
  }
  return figures;
}
