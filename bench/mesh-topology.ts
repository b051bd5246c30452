// The hand-built routing mesh of test/ipvs/mesh.test.ts, for the mesh and chain benchmarks, over
// UDP so that a backend can answer inside the packet walk:
//
//   client (192.168.1.20) ──LAN── node1 eth0 (192.168.1.10)
//     root:   nat PREROUTING -m addrtype --dst-type LOCAL -j DOCKER-INGRESS
//             DOCKER-INGRESS: -p udp --dport P -j DNAT --to-destination 172.18.0.2:P (one per
//             published port, each inserted with -I as Docker does), then -j RETURN
//     docker_gwbridge 172.18.0.1/16 ── ingress_sbox eth0 172.18.0.2/16
//     ingress_sbox: mangle PREROUTING -p udp --dport 8080 -j MARK --set-mark 256
//                   IPVS FWM 256 rr → 10.0.0.5, 10.0.0.6 (Masq)
//                   nat POSTROUTING -m ipvs --ipvs -d 10.0.0.0/24 -j SNAT --to-source 10.0.0.2
//     ingress_sbox eth1 10.0.0.2/24 ── br0 (netns ovl) ── task1 10.0.0.5, task2 10.0.0.6
//
// Devices and addresses are made with the kernel API (as the test does); the rules are iptables
// and ipvsadm command lines run through the shell (src/shell/exec.ts). The test's TCP rules are
// UDP here: the same rules with `-p udp`.
import { formatIp4, parseIp4 } from '../src/core/addr.js';
import type { TraceLeg } from '../src/core/trace.js';
import type { Bridge } from '../src/kernel/bridge.js';
import type { NetDevice } from '../src/kernel/device.js';
import type { Host } from '../src/kernel/host.js';
import { Netfilter, nfOf } from '../src/kernel/netfilter/netfilter.js';
import type { Netns } from '../src/kernel/netns.js';
import { Route, TABLE_MAIN } from '../src/kernel/route/table.js';
import { addAddress, addRoute, createBridge, createVeth, defaultBroadcast, setMaster, setUp } from '../src/kernel/rtnl.js';
import type { UdpSocket } from '../src/kernel/socket.js';
import { traceEnd } from '../src/kernel/tracepoint.js';
import { udpSend } from '../src/kernel/udp.js';
import { World } from '../src/kernel/world.js';
import { startCommand } from '../src/shell/exec.js';
import { Simulation } from '../src/scenario/simulation.js';
import { SEC } from '../src/sim/clock.js';
import type { Trace } from '../src/trace/recorder.js';
import type { Packet } from '../src/wire/packet.js';

export const ip = (s: string): number => {
  const a = parseIp4(s);
  if (a === null) throw new Error(`bad address ${s}`);
  return a;
};

export const NODE_IP = ip('192.168.1.10');
export const CLIENT_IP = ip('192.168.1.20');
export const SBOX_GW_IP = ip('172.18.0.2');
export const SBOX_INGRESS_IP = ip('10.0.0.2');
export const TASK_IPS = [ip('10.0.0.5'), ip('10.0.0.6')];
/** The published port every benchmark packet is sent to. */
export const SERVICE_PORT = 8080;
export const FWMARK = 256;
/**
 * The backend rr gives the first new connection: task2, the destination added last (the kernel
 * keeps the destination list newest first, list_add_rcu in ip_vs_ctl.c, and rr starts at its head).
 */
export const RR_FIRST = 1;

/** Runs command lines in `ns` of `host` through the shell; throws on the first that fails. */
export function shAll(sim: Simulation, host: Host, ns: Netns, lines: string | string[]): void {
  const world = sim.world;
  const list = typeof lines === 'string' ? lines.split('\n') : lines;
  for (const raw of list) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    let out = '';
    const r = startCommand(sim, host, ns, line, { write: (t: string) => (out += t) });
    if (!r.done) world.eq.runWhile(() => !r.done, world.eq.now + 10 * SEC);
    if (!r.done || r.code !== 0) throw new Error(`${ns.label}: ${line}: ${r.done ? `exit ${r.code}` : 'did not finish'}: ${out}`);
  }
}

function addr(dev: NetDevice, cidr: string): void {
  const [a, l] = cidr.split('/');
  const len = Number(l);
  addAddress(dev, { addr: ip(a!), len, broadcast: defaultBroadcast(ip(a!), len), scope: 'global' });
}

function bridge(ns: Netns, name: string, cidr: string | null): Bridge {
  const br = createBridge(ns, name);
  if (cidr !== null) addr(br, cidr);
  setUp(br);
  return br;
}

/** A namespace `name` on `host` plugged into `br` with eth0 at `cidr` (and a default route via `gw`). */
function attachNs(host: Host, br: Bridge, name: string, cidr: string, gw: string | null): Netns {
  const ns = host.addNamedNetns(name);
  setUp(ns.devices.get(1)!);
  const hostSide = createVeth(br.ns, `v${name}`.slice(0, 15), 'eth0', ns);
  setMaster(hostSide, br);
  setUp(hostSide);
  const eth0 = ns.device('eth0')!;
  addr(eth0, cidr);
  setUp(eth0);
  if (gw !== null) addRoute(ns, new Route('unicast', 0, 0, eth0, ip(gw), 0, 'global', 'boot', 0, TABLE_MAIN));
  return ns;
}

/** A UDP server owned by the kernel (called inside the packet walk) that answers every datagram. */
export class Backend implements UdpSocket {
  readonly port = SERVICE_PORT;
  readonly addr = 0;
  readonly kernel = true;
  /** Datagrams answered. */
  answered = 0;
  /** What it answers: the client tells backends apart by this array's identity. */
  readonly payload: Uint8Array;

  constructor(
    readonly ns: Netns,
    readonly index: number,
  ) {
    this.payload = new TextEncoder().encode(`reply from task${index + 1}`);
  }

  onDatagram(pkt: Packet): void {
    // The request must arrive from the sandbox's ingress address (the -m ipvs SNAT) at ours (IPVS DNAT).
    if (pkt.ipSrc !== SBOX_INGRESS_IP || pkt.ipDst !== TASK_IPS[this.index] || pkt.dport !== SERVICE_PORT) {
      throw new Error(`task${this.index + 1} got ${formatIp4(pkt.ipSrc)}:${pkt.sport} > ${formatIp4(pkt.ipDst)}:${pkt.dport}: not SNATed/DNATed as the mesh should`);
    }
    this.answered++;
    let reply = null;
    if (pkt.trace !== null) {
      traceEnd(pkt, this.ns, this.ns.device('eth0') ?? null, { kind: 'deliver', reason: 'udp socket', what: 'udp', addr: formatIp4(pkt.ipDst), port: pkt.dport });
      reply = pkt.trace.reply();
    }
    const err = udpSend(this.ns, pkt.ipDst, pkt.dport, pkt.ipSrc, pkt.sport, this.payload, reply, pkt.tstamp);
    if (err !== 0) throw new Error(`task${this.index + 1}: udpSend failed with errno ${err}`);
  }
}

/**
 * The client's side: one kernel UDP socket per source port (slot). Every reply is checked (from
 * the address and port the client sent to, to a port that has a request outstanding) and the
 * backend that answered is recorded.
 */
export class Client {
  /** Replies received. */
  got = 0;
  /** Backend index of the last reply. */
  lastBackend = -1;
  /** Replies per backend. */
  readonly perBackend: number[];
  readonly ports: Uint16Array;
  private readonly outstanding: Uint8Array;

  constructor(
    readonly world: World,
    readonly host: Host,
    readonly backends: Backend[],
    firstPort: number,
    count: number,
  ) {
    this.perBackend = backends.map(() => 0);
    this.ports = new Uint16Array(count);
    this.outstanding = new Uint8Array(count);
    const ns = host.root;
    for (let i = 0; i < count; i++) {
      const port = firstPort + i;
      this.ports[i] = port;
      const slot = i;
      const sock: UdpSocket = { port, addr: 0, kernel: true, onDatagram: (pkt) => this.onReply(slot, pkt) };
      if (!ns.sockets.bindUdp(sock)) throw new Error(`client port ${port} already bound`);
    }
  }

  private onReply(slot: number, pkt: Packet): void {
    if (this.outstanding[slot] === 0) throw new Error(`client port ${this.ports[slot]}: a reply nobody asked for`);
    if (pkt.ipSrc !== NODE_IP || pkt.sport !== SERVICE_PORT || pkt.ipDst !== CLIENT_IP) {
      throw new Error(`client port ${this.ports[slot]}: reply ${formatIp4(pkt.ipSrc)}:${pkt.sport} > ${formatIp4(pkt.ipDst)}:${pkt.dport}, expected it from ${formatIp4(NODE_IP)}:${SERVICE_PORT}`);
    }
    let b = -1;
    for (let k = 0; k < this.backends.length; k++) if (pkt.payload === this.backends[k]!.payload) b = k;
    if (b < 0) throw new Error(`client port ${this.ports[slot]}: a reply that no backend sent`);
    if (pkt.trace !== null) traceEnd(pkt, this.host.root, this.host.root.device('eth0') ?? null, { kind: 'deliver', reason: 'udp socket', what: 'udp', addr: formatIp4(pkt.ipDst), port: pkt.dport });
    this.outstanding[slot] = 0;
    this.got++;
    this.perBackend[b]!++;
    this.lastBackend = b;
  }

  /**
   * Sends one request from slot `slot` and returns the backend that answered it. The whole round
   * trip happens inside this call (kernel sockets answer in the walk): no reply is an error.
   */
  request(slot: number, payload: Uint8Array, trace: TraceLeg | null): number {
    this.outstanding[slot] = 1;
    const before = this.got;
    const err = udpSend(this.host.root, CLIENT_IP, this.ports[slot]!, NODE_IP, SERVICE_PORT, payload, trace, this.world.eq.now);
    if (err !== 0) throw new Error(`client: udpSend failed with errno ${err}`);
    if (this.got !== before + 1) throw new Error(`client port ${this.ports[slot]}: request not answered (drops on node1: ${this.world.hosts.get('node1')!.drops})`);
    return this.lastBackend;
  }
}

export interface Mesh {
  world: World;
  sim: Simulation;
  node: Host;
  client: Host;
  root: Netns;
  sbox: Netns;
  tasks: Netns[];
  backends: Backend[];
  rootNf: Netfilter;
  sboxNf: Netfilter;
}

/**
 * Builds the mesh with `published` UDP ports in DOCKER-INGRESS: 8080, 8081, … each inserted at the
 * head with -I (as Docker does), so the first one, 8080 (the one the benchmarks send to), ends up
 * last, just before RETURN: the worst place for a linear walk.
 */
export function buildMesh(published = 1, seed = 3): Mesh {
  const world = new World(seed);
  const sim = new Simulation(world);
  const node = world.addHost('node1', NODE_IP, 24);
  const client = world.addHost('client', CLIENT_IP, 24);
  const root = node.root;
  root.setSysctl('net.ipv4.ip_forward', '1');
  const gw = bridge(root, 'docker_gwbridge', '172.18.0.1/16');
  const sbox = attachNs(node, gw, 'ingress_sbox', '172.18.0.2/16', '172.18.0.1');
  sbox.setSysctl('net.ipv4.ip_forward', '1');
  sbox.setSysctl('net.ipv4.vs.conntrack', '1');
  // The ingress network: a bridge in its own namespace with the sandbox and two tasks on it.
  const ovl = node.addNamedNetns('ovl');
  const br0 = bridge(ovl, 'br0', null);
  const leg = createVeth(ovl, 'vsbox', 'eth1', sbox);
  setMaster(leg, br0);
  setUp(leg);
  addr(sbox.device('eth1')!, '10.0.0.2/24');
  setUp(sbox.device('eth1')!);
  const task1 = attachNs(node, br0, 'task1', '10.0.0.5/24', null);
  const task2 = attachNs(node, br0, 'task2', '10.0.0.6/24', null);
  shAll(sim, node, root, `
    iptables -t nat -N DOCKER-INGRESS
    iptables -t nat -A DOCKER-INGRESS -j RETURN
    iptables -t nat -I PREROUTING -m addrtype --dst-type LOCAL -j DOCKER-INGRESS
  `);
  const rules: string[] = [];
  for (let i = 0; i < published; i++) {
    const p = SERVICE_PORT + i;
    rules.push(`iptables -t nat -I DOCKER-INGRESS -p udp --dport ${p} -j DNAT --to-destination 172.18.0.2:${p}`);
  }
  shAll(sim, node, root, rules);
  shAll(sim, node, sbox, `
    iptables -t mangle -A PREROUTING -p udp --dport ${SERVICE_PORT} -j MARK --set-mark ${FWMARK}
    iptables -t nat -A POSTROUTING -m ipvs --ipvs -d 10.0.0.0/24 -j SNAT --to-source 10.0.0.2
    ipvsadm -A -f ${FWMARK} -s rr
    ipvsadm -a -f ${FWMARK} -r 10.0.0.5 -m -w 1
    ipvsadm -a -f ${FWMARK} -r 10.0.0.6 -m -w 1
  `);
  const tasks = [task1, task2];
  const backends = tasks.map((ns, i) => {
    const b = new Backend(ns, i);
    if (!ns.sockets.bindUdp(b)) throw new Error(`task${i + 1}: port ${SERVICE_PORT} already bound`);
    return b;
  });
  const rootNf = nfOf(root);
  const sboxNf = nfOf(sbox);
  // The probed rule must be the last before RETURN.
  const chain = rootNf.tables.nat.chain('DOCKER-INGRESS');
  if (chain.rules.length !== published + 1) throw new Error(`DOCKER-INGRESS has ${chain.rules.length} rules, expected ${published + 1}`);
  const probed = chain.rules[published - 1]!;
  const m = probed.matches[0];
  if (m === undefined || m.kind !== 'udp' || m.dpMin !== SERVICE_PORT || probed.target.kind !== 'DNAT') throw new Error('the rule for port 8080 is not last in DOCKER-INGRESS');
  return { world, sim, node, client, root, sbox, tasks, backends, rootNf, sboxNf };
}

/** The DNAT rule the benchmark packets match (position `published`, just before RETURN). */
export function probedRule(m: Mesh): { pkts: number } {
  const rules = m.rootNf.tables.nat.chain('DOCKER-INGRESS').rules;
  return rules[rules.length - 2]!;
}

/**
 * ARP and the bridges' FDBs: the first packets of a fresh world wait for neighbour resolution
 * (events on the clock). Sends one request from a throw-away port and runs the clock until it is
 * answered, so that every measured packet goes through the walk synchronously. The sockets it
 * uses are gone afterwards, and conntrack and IPVS connections are flushed.
 */
export function resolveNeighbours(m: Mesh): void {
  const { world, client } = m;
  const port = 60999;
  let answered = 0;
  const sock: UdpSocket = { port, addr: 0, kernel: true, onDatagram: () => answered++ };
  client.root.sockets.bindUdp(sock);
  // Both backends: rr sends the first to task2 (RR_FIRST) and the second to task1.
  for (let i = 0; i < m.backends.length; i++) {
    forgetConnections(m);
    udpSend(client.root, CLIENT_IP, port, NODE_IP, SERVICE_PORT, new Uint8Array(8), null, world.eq.now);
    world.eq.runUntil(world.eq.now + 5 * SEC);
  }
  client.root.sockets.unbindUdp(port);
  if (answered !== m.backends.length) throw new Error(`warm-up: ${answered} of ${m.backends.length} requests answered (drops on node1: ${m.node.drops})`);
  // Neighbours just used sit in DELAY and re-probe ~5 s later (NUD_PROBE, unicast): let that
  // finish too, so the entries are REACHABLE and nothing is left on the clock.
  world.eq.runUntil(world.eq.now + 10 * SEC);
  forgetConnections(m);
  for (const b of m.backends) b.answered = 0;
  if (world.eq.pending !== 0) throw new Error(`warm-up: ${world.eq.pending} events still pending`);
}

/** Flushes conntrack on node1's root and in the sandbox, and every IPVS connection. */
export function forgetConnections(m: Mesh): void {
  m.rootNf.conntrack.flush();
  m.sboxNf.conntrack.flush();
  m.sboxNf.ipvs.conns.flush();
}

/**
 * Checks the hops of a traced NEW connection through the mesh: the host's DNAT (rule number
 * `published`, the last before RETURN), the sandbox's MARK, the IPVS choice of `backend`, the
 * -m ipvs SNAT; and on the way back the IPVS reply rewrite and the host's un-DNAT.
 */
export function verifyNewConnectionTrace(t: Trace, published: number, backend: number): void {
  const lines = (dir: 'request' | 'reply'): string[] =>
    t.legs.filter((l) => l.direction === dir).flatMap((l) => l.hops).map((h) => `${h.kind} ${h.ns}: ${h.text}`);
  const req = lines('request');
  const rep = lines('reply');
  const task = formatIp4(TASK_IPS[backend]!);
  const want: Array<[string[], string]> = [
    [req, `nf root: nat DOCKER-INGRESS #${published} DNAT to:172.18.0.2:${SERVICE_PORT}`],
    [req, `nf ingress_sbox: mangle PREROUTING #1 MARK set 0x${FWMARK.toString(16)}`],
    [req, `ipvs ingress_sbox: IPVS FWM ${FWMARK} rr → ${task}:${SERVICE_PORT} (Masq)`],
    [req, 'nf ingress_sbox: nat POSTROUTING #1 SNAT to:10.0.0.2'],
    [rep, `ipvs ingress_sbox: IPVS reply: source ${task}:${SERVICE_PORT} → 172.18.0.2:${SERVICE_PORT}`],
  ];
  for (const [hops, line] of want) {
    if (!hops.includes(line)) throw new Error(`trace of a new connection lacks "${line}":\n${req.join('\n')}\n--\n${rep.join('\n')}`);
  }
  const unDnat = `nat root: un-DNAT source 172.18.0.2:${SERVICE_PORT} → 192.168.1.10:${SERVICE_PORT}`;
  if (!rep.some((h) => h.startsWith(unDnat))) throw new Error(`trace of a new connection lacks "${unDnat}"`);
  const outReq = t.outcome('request');
  const outRep = t.outcome('reply');
  if (outReq?.verdict !== 'delivered' || outRep?.verdict !== 'delivered') {
    throw new Error(`traced request ${outReq?.verdict ?? 'unended'}, reply ${outRep?.verdict ?? 'unended'}`);
  }
}
