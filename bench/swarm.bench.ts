// Swarm figures (issue 7, item 4).
//
// swarm.mesh.traceoff (packets/s, a request and its reply count as two): the routing mesh the swarm
//   model builds itself. A 3-node swarm (node1 `docker swarm init`, node2 and node3 join, as in
//   scenarios/swarm-routing-mesh.yaml) runs `docker service create --name echo -p
//   published=9000,target=9000,protocol=udp --constraint node.hostname==node3 …`; once the task runs,
//   a kernel UDP responder is bound in the task container's namespace on port 9000. A laptop (no
//   Docker) sends to node1, which has no task: node1 eth0 → nat DOCKER-INGRESS DNAT → docker_gwbridge
//   → ingress_sbox (mangle MARK, IPVS fwmark rr, -m ipvs SNAT) → VXLAN (vni 4096) → node3 → the
//   task's nat PREROUTING REDIRECT → responder, and the reply back the same way. FLOWS source ports
//   are established first (the first traced: its hops must show the DNAT, the MARK, IPVS, the SNAT,
//   VXLAN encapsulation and decapsulation, the REDIRECT and delivery); every measured request must
//   be answered inside its send, the responder checks it came from node1's ingress-sbox address to
//   the task's ingress address, and the laptop that the reply comes from node1:9000 with the
//   responder's payload.
//
// swarm.converge.1000x10000 (seconds): 1,000 Docker hosts join one swarm and 100 services of 100
//   replicas are created on the manager, all with the real commands (bench/swarm-converge.ts), and
//   the simulated clock runs until every task is Running; wall time from building the hosts to the
//   last task running, measured in a fresh Node process per run (so that neither the other groups'
//   garbage nor their JIT state weighs on it), then checked task by task against the engines.
// swarm.converge.cpu (seconds): the CPU time (user + system, GC threads included) those processes
//   spent until converged: steadier than the wall time on a machine shared with other work.
// swarm.converge.rss (bytes): that process's resident set once converged, after a full GC, with
//   the world still held: what a simulation of this size costs the machine.
import { formatIp4 } from '../src/core/addr.js';
import type { Host } from '../src/kernel/host.js';
import type { Netns } from '../src/kernel/netns.js';
import type { UdpSocket } from '../src/kernel/socket.js';
import { traceEnd } from '../src/kernel/tracepoint.js';
import { udpSend } from '../src/kernel/udp.js';
import { SEC } from '../src/sim/clock.js';
import { Trace } from '../src/trace/recorder.js';
import { hopText } from '../src/trace/render.js';
import type { Packet } from '../src/wire/packet.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cliNodeFlags } from './cli-node.js';
import { type BenchOptions, type Figure, measure, progress } from './harness.js';
import type { ConvergeReport } from './swarm-converge.js';
import { buildSwarm, nodeIp, sh } from './swarm-world.js';

const PORT = 9000;
const FLOWS = 64;
const FIRST_PORT = 40000;

/** The responder in the task: answers every datagram inside the packet walk, after checking its addresses. */
class Responder implements UdpSocket {
  readonly port = PORT;
  readonly addr = 0;
  readonly kernel = true;
  answered = 0;
  readonly payload = new TextEncoder().encode('reply from the echo task');

  constructor(
    readonly ns: Netns,
    /** node1's ingress-sbox address (the -m ipvs SNAT) and the task's ingress address. */
    readonly sboxIp: number,
    readonly taskIp: number,
  ) {}

  onDatagram(pkt: Packet): void {
    if (pkt.ipSrc !== this.sboxIp || pkt.ipDst !== this.taskIp || pkt.dport !== PORT) {
      throw new Error(`swarm.mesh: the task got ${formatIp4(pkt.ipSrc)}:${pkt.sport} > ${formatIp4(pkt.ipDst)}:${pkt.dport}, expected ${formatIp4(this.sboxIp)} > ${formatIp4(this.taskIp)}:${PORT}`);
    }
    this.answered++;
    let reply = null;
    if (pkt.trace !== null) {
      traceEnd(pkt, this.ns, this.ns.device('eth0') ?? null, { kind: 'deliver', reason: 'udp socket', what: 'udp', addr: formatIp4(pkt.ipDst), port: pkt.dport });
      reply = pkt.trace.reply();
    }
    const err = udpSend(this.ns, pkt.ipDst, pkt.dport, pkt.ipSrc, pkt.sport, this.payload, reply, pkt.tstamp);
    if (err !== 0) throw new Error(`swarm.mesh: the task's udpSend failed with errno ${err}`);
  }
}

/** The laptop: one kernel UDP socket per flow; each reply is checked. */
class Laptop {
  got = 0;
  private readonly outstanding = new Uint8Array(FLOWS);

  constructor(
    readonly host: Host,
    readonly target: number,
    readonly responder: Responder,
  ) {
    for (let i = 0; i < FLOWS; i++) {
      const slot = i;
      const sock: UdpSocket = { port: FIRST_PORT + i, addr: 0, kernel: true, onDatagram: (pkt) => this.onReply(slot, pkt) };
      if (!host.root.sockets.bindUdp(sock)) throw new Error(`swarm.mesh: laptop port ${FIRST_PORT + i} in use`);
    }
  }

  private onReply(slot: number, pkt: Packet): void {
    if (this.outstanding[slot] === 0) throw new Error(`swarm.mesh: a reply nobody asked for on port ${FIRST_PORT + slot}`);
    if (pkt.ipSrc !== this.target || pkt.sport !== PORT || pkt.payload !== this.responder.payload) {
      throw new Error(`swarm.mesh: reply ${formatIp4(pkt.ipSrc)}:${pkt.sport} > ${formatIp4(pkt.ipDst)}:${pkt.dport}, expected it from ${formatIp4(this.target)}:${PORT} with the task's payload`);
    }
    if (pkt.trace !== null) traceEnd(pkt, this.host.root, this.host.root.device('eth0') ?? null, { kind: 'deliver', reason: 'udp socket', what: 'udp', addr: formatIp4(pkt.ipDst), port: pkt.dport });
    this.outstanding[slot] = 0;
    this.got++;
  }

  /** One request from flow `slot`; true when it was answered inside the send. */
  request(slot: number, payload: Uint8Array, trace: Trace | null, now: number): boolean {
    this.outstanding[slot] = 1;
    const before = this.got;
    const err = udpSend(this.host.root, this.host.root.device('eth0')!.primaryAddr()!, FIRST_PORT + slot, this.target, PORT, payload, trace === null ? null : trace.start(), now);
    if (err !== 0) throw new Error(`swarm.mesh: the laptop's udpSend failed with errno ${err}`);
    return this.got === before + 1;
  }
}

function meshFigure(options: BenchOptions): Figure {
  const started = performance.now();
  const { world, sim, nodes, others } = buildSwarm(3, ['laptop'], 14);
  const [node1, , node3] = nodes as [Host, Host, Host];
  const laptop = others[0]!;
  sh(sim, node1, `docker service create -d --name echo -p published=${PORT},target=${PORT},protocol=udp --constraint node.hostname==node3 busybox sh -c "while true; do sleep 3600; done"`);
  const cluster = sim.swarm.cluster!;
  const svc = cluster.findService('echo')!;
  const running = () => cluster.tasksOf(svc).filter((t) => t.state === 'running' && t.desiredState === 'running');
  world.eq.runWhile(() => running().length !== 1, world.eq.now + 60 * SEC);
  // The other nodes learn the task's endpoint by gossip (NetworkDB, 200 ms rounds): let it spread.
  world.eq.runUntil(world.eq.now + 2 * SEC);
  const task = running()[0];
  if (task === undefined) throw new Error('swarm.mesh: the echo task did not start within 60 s');
  const ingress = cluster.ingress()!;
  const n3 = cluster.nodeFor('node3')!;
  if (task.nodeId !== n3.id) throw new Error('swarm.mesh: the echo task is not on node3');
  const c = [...sim.docker.daemon(node3)!.containers.values()].find((x) => x.labels['com.docker.swarm.task.id'] === task.id)!;
  const taskIp = task.addresses.get(ingress.id)!;
  const sboxIp = cluster.nodeFor('node1')!.lbAddrs.get(ingress.id)!;
  const responder = new Responder(c.sandbox, sboxIp, taskIp);
  if (!c.sandbox.sockets.bindUdp(responder)) throw new Error(`swarm.mesh: port ${PORT} in use in the task`);
  const target = nodeIp(1);
  const client = new Laptop(laptop, target, responder);
  const payload = new Uint8Array(32);

  // The first packets wait for ARP on the LAN, the bridges and the overlay: run the clock until answered.
  for (let i = 0; i < FLOWS; i++) {
    const trace = i === 0 ? new Trace() : null;
    if (!client.request(i, payload, trace, world.eq.now)) {
      world.eq.runUntil(world.eq.now + 5 * SEC);
      if (client.got !== i + 1) throw new Error(`swarm.mesh: flow ${i} not answered (drops: node1 ${node1.drops}, node3 ${node3.drops})`);
    }
    if (trace !== null) verifyTrace(trace);
  }
  // Every flow established: from now on each request is answered inside its send.
  for (let i = 0; i < FLOWS; i++) if (!client.request(i, payload, null, world.eq.now)) throw new Error(`swarm.mesh: flow ${i} not answered at once once established`);
  progress(`  swarm.mesh: 3-node swarm, echo task on node3, ${FLOWS} flows via node1 established and checked in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const answered0 = responder.answered;
  const fig = measure(
    {
      name: 'swarm.mesh.traceoff',
      unit: 'packets/s',
      target: null,
      opsPerCall: 2 * FLOWS,
      expect: FLOWS,
      batch: () => {
        let s = 0;
        const now = world.eq.now;
        for (let i = 0; i < FLOWS; i++) {
          if (!client.request(i, payload, null, now)) throw new Error(`swarm.mesh: flow ${i} not answered`);
          s++;
        }
        return s;
      },
    },
    options,
  );
  const answered = responder.answered - answered0;
  if (answered === 0 || answered % FLOWS !== 0) throw new Error(`swarm.mesh: the task answered ${answered} requests during the runs`);
  progress(`  swarm.mesh: ${answered} requests answered by the task on node3 through node1`);
  return fig;
}

/** The traced first request: node1's DNAT, the sandbox's MARK, IPVS and SNAT, VXLAN both ways, node3's REDIRECT. */
function verifyTrace(t: Trace): void {
  const lines = (dir: 'request' | 'reply'): string[] => t.legs.filter((l) => l.direction === dir).flatMap((l) => l.hops).map(hopText);
  const req = lines('request');
  const rep = lines('reply');
  const want: Array<[string[], string]> = [
    [req, `node1 / root / eth0  nf: nat DOCKER-INGRESS #1 DNAT to:172.18.0.2:${PORT}`],
    [req, 'ingress_sbox / eth1  nf: mangle PREROUTING #1 MARK set 0x100'],
    [req, 'ipvs: IPVS FWM 256 rr'],
    [req, 'nf: nat POSTROUTING #2 SNAT to:'],
    [req, 'vxlan: encapsulate vni 4096'],
    [req, 'node3 / '],
    [req, 'vxlan: decapsulate vni 4096'],
    [req, 'REDIRECT'],
    [rep, 'vxlan: encapsulate vni 4096'],
    [rep, 'vxlan: decapsulate vni 4096'],
  ];
  let k = 0;
  for (const [hops, text] of want) {
    if (hops === req) {
      // In order along the request path.
      while (k < req.length && !req[k]!.includes(text)) k++;
      if (k === req.length) throw new Error(`swarm.mesh: the traced request lacks "${text}" (in order):\n${req.join('\n')}`);
    } else if (!hops.some((h) => h.includes(text))) throw new Error(`swarm.mesh: the traced reply lacks "${text}":\n${rep.join('\n')}`);
  }
  if (t.outcome('request')?.verdict !== 'delivered' || t.outcome('reply')?.verdict !== 'delivered') {
    throw new Error(`swarm.mesh: traced request ${t.outcome('request')?.verdict}, reply ${t.outcome('reply')?.verdict}`);
  }
}

const CONVERGE = { nodes: 1000, services: 100, replicas: 100 };

/** Runs bench/swarm-converge.js `runs` times, each in a fresh process (so each run is a user's cold
 *  run: no other group's garbage or JIT state, its own JIT warm-up included); the figures are the
 *  median, min and max over the runs. Each report comes back as JSON on stdout. */
function convergeFigures(runs: number): Figure[] {
  const { nodes, services, replicas } = CONVERGE;
  const script = fileURLToPath(new URL('./swarm-converge.js', import.meta.url));
  const tasks = services * replicas;
  const reports: ConvergeReport[] = [];
  for (let i = 0; i < runs; i++) {
    const child = spawnSync(process.execPath, [...cliNodeFlags(), '--expose-gc', script, String(nodes), String(services), String(replicas)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    if (child.status !== 0) throw new Error(`swarm.converge: ${script} exited with ${child.status ?? child.signal}`);
    const r = JSON.parse(child.stdout) as ConvergeReport;
    reports.push(r);
    progress(`  swarm.converge.${nodes}x${tasks} run ${i + 1}/${runs}: ${r.seconds.toFixed(2)} s wall (build ${r.phases.build.toFixed(2)}, join ${r.phases.join.toFixed(2)}, create ${r.phases.create.toFixed(2)}, converge ${r.phases.converge.toFixed(2)}), ${r.simSeconds.toFixed(1)} simulated s, ${r.cpu.toFixed(2)} s of CPU; rss ${(r.rss / 2 ** 20).toFixed(0)} MiB after GC (peak ${(r.maxRss / 2 ** 20).toFixed(0)} MiB)`);
  }
  const stats = (name: string, unit: string, values: number[]): Figure => {
    const v = [...values].sort((a, b) => a - b);
    return { name, unit, median: v[v.length >> 1]!, min: v[0]!, max: v[v.length - 1]!, target: null };
  };
  return [
    stats(`swarm.converge.${nodes}x${tasks}`, 's', reports.map((r) => r.seconds)),
    stats('swarm.converge.cpu', 's', reports.map((r) => r.cpu)),
    stats('swarm.converge.rss', 'bytes', reports.map((r) => r.rss)),
  ];
}

export function swarmBench(options: BenchOptions): Figure[] {
  return [meshFigure(options), ...convergeFigures(options.runs)];
}
