// Routing-mesh figures (issue 7, item 2): UDP packets per second through the hand-built mesh of
// test/ipvs/mesh.test.ts (bench/mesh-topology.ts): client → node1 eth0 → nat PREROUTING DNAT
// (DOCKER-INGRESS) → docker_gwbridge → ingress_sbox (mangle MARK, IPVS fwmark rr, -m ipvs SNAT) →
// br0 → task1|task2, and the reply all the way back. A request and its reply count as two packets.
//
// FLOWS client source ports are established first (one NEW connection each, alternated between the
// backends by rr: checked, and the first two traced and their hops checked); the timed batches then
// send one request per flow, so every measured packet belongs to an established connection (nat
// is not walked again: checked by the DNAT rule's counter). Every request must be answered inside
// its udpSend call, by the backend rr gave its flow.
//
//   mesh.traceoff  no trace
//   mesh.traceon   each request carries a new Trace; the backend traces its reply as the reply leg
//                  (both legs must end delivered, with the same number of hops every time)
//   mesh.naive-routing  the baseline, measured interleaved with the two (interleave.ts): per
//                  packet, the 9 route lookups a packet of the round trip makes (18 per round trip),
//                  done as a string-based simulator does them — ipaddr.js parse + match over the
//                  node's real routes; mesh.*/naive are the ratios, comparable across noisy runs.
import { Trace } from '../src/trace/recorder.js';
import { type BenchOptions, type Figure, type MeasureSpec, progress } from './harness.js';
import { figureOf, measureInterleaved, ratioFigure } from './interleave.js';
import { IpaddrScan } from './lpm.bench.js';
import {
  Client, RR_FIRST, buildMesh, probedRule, resolveNeighbours, verifyNewConnectionTrace,
} from './mesh-topology.js';

/** Client source ports (established flows), each sending one request per batch. */
const FLOWS = 64;
const FIRST_PORT = 40000;

export function meshBench(options: BenchOptions): Figure[] {
  const m = buildMesh(1);
  resolveNeighbours(m);
  const client = new Client(m.world, m.client, m.backends, FIRST_PORT, FLOWS);
  const payload = new Uint8Array(32);
  const rule = probedRule(m);
  const nat0 = rule.pkts;

  // Establish the flows: rr alternates the backends, starting with task2 (RR_FIRST).
  const backendOf = new Int8Array(FLOWS);
  for (let i = 0; i < FLOWS; i++) {
    const t = i < 2 ? new Trace() : null;
    const b = client.request(i, payload, t === null ? null : t.start());
    const want = (i + RR_FIRST) % 2;
    if (b !== want) throw new Error(`mesh: flow ${i} went to task${b + 1}, rr should have chosen task${want + 1}`);
    if (t !== null) verifyNewConnectionTrace(t, 1, b);
    backendOf[i] = b;
  }
  if (rule.pkts - nat0 !== FLOWS) throw new Error(`mesh: DOCKER-INGRESS DNAT counted ${rule.pkts - nat0} new connections, expected ${FLOWS}`);
  if (m.sboxNf.ipvs.conns.all.size !== FLOWS) throw new Error(`mesh: ${m.sboxNf.ipvs.conns.all.size} IPVS connections, expected ${FLOWS}`);
  progress(`  mesh: ${FLOWS} flows established, rr alternated task2/task1, traced hops checked`);

  /** Checksum of one batch: the sum of (backend + 1) over the flows. */
  let expect = 0;
  for (let i = 0; i < FLOWS; i++) expect += backendOf[i]! + 1;
  const answered0 = m.backends.map((b) => b.answered);

  const off: MeasureSpec = {
    name: 'mesh.traceoff',
    unit: 'packets/s',
    target: 1e6,
    opsPerCall: 2 * FLOWS,
    expect,
    batch: () => {
      let s = 0;
      for (let i = 0; i < FLOWS; i++) {
        const b = client.request(i, payload, null);
        if (b !== backendOf[i]) throw new Error(`mesh: flow ${i} answered by task${b + 1}, its connection is to task${backendOf[i]! + 1}`);
        s += b + 1;
      }
      return s;
    },
  };

  let hops = -1;
  const on: MeasureSpec = {
    name: 'mesh.traceon',
    unit: 'packets/s',
    target: 1e5,
    opsPerCall: 2 * FLOWS,
    expect,
    batch: () => {
      let s = 0;
      for (let i = 0; i < FLOWS; i++) {
        const t = new Trace();
        const b = client.request(i, payload, t.start());
        if (b !== backendOf[i]) throw new Error(`mesh: flow ${i} answered by task${b + 1}, its connection is to task${backendOf[i]! + 1}`);
        const legs = t.legs;
        if (legs.length !== 2 || legs[0]!.verdict !== 'delivered' || legs[1]!.verdict !== 'delivered' || legs[1]!.direction !== 'reply') {
          throw new Error(`mesh: traced request ${i}: ${legs.length} legs, verdicts ${legs.map((l) => l.verdict).join(', ')}`);
        }
        const n = legs[0]!.hopCount + legs[1]!.hopCount;
        if (hops < 0) hops = n;
        else if (n !== hops) throw new Error(`mesh: traced request ${i} took ${n} hops, earlier ones ${hops}`);
        s += b + 1;
      }
      return s;
    },
  };

  const naive = naiveRouting(m);
  const [offS, onS, naiveS] = measureInterleaved([off, on, naive], options);
  const figures: Figure[] = [
    figureOf(offS!), figureOf(onS!), figureOf(naiveS!),
    ratioFigure('mesh.traceoff/naive', offS!, naiveS!, null),
    ratioFigure('mesh.traceon/naive', onS!, naiveS!, null),
  ];

  // Only the establishing packets walked nat; each backend answered its own flows.
  if (rule.pkts - nat0 !== FLOWS) throw new Error(`mesh: DOCKER-INGRESS DNAT counted ${rule.pkts - nat0} new connections during the run, expected ${FLOWS}`);
  const per = m.backends.map((b, k) => b.answered - answered0[k]!);
  if (per[0] !== per[1] || per[0]! === 0) throw new Error(`mesh: backends answered ${per.join(' and ')} requests, expected equal shares`);
  progress(`  mesh: ${client.got} requests answered (task1 ${m.backends[0]!.answered}, task2 ${m.backends[1]!.answered}); traced round trip ${hops} hops`);
  return figures;
}

/** Destinations the packets of a round trip look up, as text (a naive simulator's addresses). */
const NAIVE_DESTS = ['192.168.1.10', '172.18.0.2', '10.0.0.5', '10.0.0.6', '10.0.0.2', '172.18.0.1', '192.168.1.20', '10.0.0.255', '127.0.0.1'];
const NAIVE_PER_PACKET = 9;
const NAIVE_PACKETS = 256;

/**
 * The baseline: per packet, 9 lookups by ipaddr.js parse + match over the routes (local and main
 * tables) of the namespaces the round trip crosses, one list.
 */
function naiveRouting(m: ReturnType<typeof buildMesh>): MeasureSpec {
  const seen = new Set<number>();
  const routes: Array<{ prefix: number; len: number; id: number }> = [];
  for (const ns of [m.client.root, m.root, m.sbox, ...m.tasks]) {
    for (const r of [...ns.localTable.list(), ...ns.mainTable.list()]) {
      const key = r.len * 0x100000000 + r.dst;
      if (!seen.has(key)) routes.push({ prefix: r.dst, len: r.len, id: routes.length });
      seen.add(key);
    }
  }
  const scan = new IpaddrScan(routes);
  const texts = Array.from({ length: NAIVE_PACKETS * NAIVE_PER_PACKET }, (_, i) => NAIVE_DESTS[i % NAIVE_DESTS.length]!);
  // Every destination must be covered by a route (the default route at least): a miss would be -1.
  for (const t of NAIVE_DESTS) if (scan.lookupText(t) < 0) throw new Error(`mesh.naive-routing: no route for ${t}`);
  return {
    name: 'mesh.naive-routing',
    unit: 'packets/s',
    target: null,
    opsPerCall: NAIVE_PACKETS,
    batch: () => {
      let s = 0;
      for (let i = 0; i < texts.length; i++) s += scan.lookupText(texts[i]!);
      return s;
    },
  };
}
