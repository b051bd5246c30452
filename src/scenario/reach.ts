// "Who reaches what": after a scenario, every published port (ingress and host mode, and plain
// `docker run -p`) is probed on every node address from every client, and every task probes the
// services it shares a network with, by name through its embedded DNS (the VIP, and tasks.NAME).
// Each probe is a real packet (scenario/probe.ts) and its outcome is read off its trace: who
// answered and the source address the server saw, or where and why it died.
import { formatIp4 } from '../core/addr.js';
import type { Ip4 } from '../core/addr.js';
import type { Container } from '../docker/model.js';
import { resolveInContainer } from '../docker/dns.js';
import type { Netns } from '../kernel/netns.js';
import type { Simulation } from './simulation.js';
import type { Hop, Trace } from '../trace/recorder.js';
import type { Flow, FlowResult, Probe, ProbePath, ReachProto } from '../trace/reach.js';
import { summarize } from '../trace/render.js';
import { sendProbe } from './probe.js';

export interface ReachOptions {
  /** Client hosts; null: hosts without Docker, plus each node probing itself. */
  readonly from: readonly string[] | null;
  /** Probes per flow (more show the balancing). */
  readonly count: number;
}


interface Target {
  readonly addr: Ip4;
  readonly port: number;
  readonly proto: ReachProto;
}

/** Every published port on every address it answers on, by host. */
function publishedTargets(sim: Simulation): Map<string, Target[]> {
  const out = new Map<string, Target[]>();
  const add = (host: string, t: Target): void => {
    const list = out.get(host) ?? [];
    if (!list.some((x) => x.addr === t.addr && x.port === t.port && x.proto === t.proto)) list.push(t);
    out.set(host, list);
  };
  const cluster = sim.swarm.cluster;
  const docker = sim.docker;
  for (const h of sim.world.hosts.values()) {
    const d = docker.daemon(h);
    if (d === undefined) continue;
    // The routing mesh: every ingress port on every member node.
    if (cluster !== null && cluster.nodeFor(h.name) !== null) {
      for (const svc of cluster.services.values()) for (const p of svc.ports) if (p.mode === 'ingress' && p.published !== null) for (const a of h.nicAddrs()) add(h.name, { addr: a, port: p.published, proto: p.protocol });
    }
    // `docker run -p` and host-mode task ports: the node they run on.
    for (const c of d.containers.values()) {
      if (c.state !== 'running') continue;
      for (const b of c.publish) for (const a of b.hostIp === 0 ? h.nicAddrs() : [b.hostIp]) add(h.name, { addr: a, port: b.hostPort, proto: b.proto });
    }
  }
  for (const list of out.values()) list.sort((a, b) => a.addr - b.addr || a.port - b.port || a.proto.localeCompare(b.proto));
  return out;
}

/** The flows `reach` probes, in a fixed order. */
export function reachFlows(sim: Simulation, o: ReachOptions): Flow[] {
  const docker = sim.docker;
  const targets = publishedTargets(sim);
  const flows: Flow[] = [];
  const clients = o.from ?? [...sim.world.hosts.values()].filter((h) => docker.daemon(h) === undefined).map((h) => h.name);
  const published = (from: string, t: Target): Flow => ({ from, container: null, to: formatIp4(t.addr), port: t.port, proto: t.proto, via: 'published' });
  for (const from of clients) for (const list of targets.values()) for (const t of list) flows.push(published(from, t));
  // Each node tries its own ports, on its addresses and on 127.0.0.1 (user-problem 15's case).
  for (const [host, list] of targets) {
    if (o.from !== null && !o.from.includes(host)) continue;
    const seen = new Set<string>();
    for (const t of list) {
      if (!clients.includes(host)) flows.push(published(host, t));
      const key = `${t.port}/${t.proto}`;
      if (!seen.has(key)) {
        seen.add(key);
        flows.push({ ...published(host, t), to: '127.0.0.1' });
      }
    }
  }
  if (o.from === null) flows.push(...eastWest(sim));
  return flows;
}

/** From each running task to each other service on a network they share: the VIP and tasks.NAME. */
function eastWest(sim: Simulation): Flow[] {
  const cluster = sim.swarm.cluster;
  if (cluster === null) return [];
  const docker = sim.docker;
  const flows: Flow[] = [];
  const ports = (name: string): Target[] => {
    // What the service listens on: its image's ports (the published targets are among them).
    for (const h of sim.world.hosts.values()) for (const c of docker.daemon(h)?.containers.values() ?? []) if (serviceOf(c) === name) return c.spec.ports.map((p) => ({ addr: 0, port: p.port, proto: p.proto }));
    return [];
  };
  for (const h of sim.world.hosts.values()) {
    const d = docker.daemon(h);
    if (d === undefined) continue;
    for (const c of [...d.containers.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      const own = serviceOf(c);
      if (own === null || c.state !== 'running') continue;
      for (const svc of [...cluster.services.values()].sort((a, b) => a.spec.name.localeCompare(b.spec.name))) {
        const name = svc.spec.name;
        if (name === own) continue;
        for (const q of [name, `tasks.${name}`]) {
          const ips = resolveInContainer(d, c, q);
          if (ips === null) continue;
          for (const ip of [...ips].sort((a, b) => a - b)) for (const t of ports(name)) flows.push({ from: h.name, container: c.name, to: formatIp4(ip), port: t.port, proto: t.proto, via: q === name ? `vip ${name}` : q });
        }
      }
    }
  }
  return flows;
}

/** A task container's service (its name is SERVICE.SLOT.TASKID, or SERVICE.NODEID.TASKID). */
function serviceOf(c: Container): string | null {
  const svc = c.labels['com.docker.swarm.service.name'];
  return svc ?? null;
}

function nsOf(sim: Simulation, host: string, label: string): Netns | undefined {
  return sim.world.hosts.get(host)?.namespaces.find((n) => n.label === label);
}

/** Who owns the socket a probe reached: a task (`web.2@w1`), a container, or the host. */
function whoAt(sim: Simulation, host: string, label: string): { who: string; service: string | null } {
  const ns = nsOf(sim, host, label);
  const d = sim.world.hosts.get(host) === undefined ? undefined : sim.docker.daemon(sim.world.hosts.get(host)!);
  for (const c of d?.containers.values() ?? []) {
    if (c.sandbox !== ns) continue;
    const svc = serviceOf(c);
    if (svc !== null) return { who: `${c.name.split('.').slice(0, 2).join('.')}@${host}`, service: svc };
    return { who: `${c.name}@${host}`, service: null };
  }
  return { who: label === 'root' ? host : `${host}/${label}`, service: null };
}

/** What one probe's trace says. A data probe (`size`) is answered once its segment reached the
 *  server's socket: the ACK for it is delayed (tcp_delack_timer) and is not the traced reply. */
export function outcomeOf(sim: Simulation, trace: Trace, data = false): Probe {
  const req = trace.outcome('request');
  const died = (leg: 'request' | 'reply', hops: readonly Hop[], reason: string): Probe => {
    const last = hops[hops.length - 1];
    return { outcome: 'dropped', leg, host: last?.host ?? '', ns: last?.ns ?? '', dev: last?.dev ?? '', hop: last === undefined ? '' : `${last.kind}: ${last.text}`, reason: reason || 'no verdict' };
  };
  if (req === undefined) return died('request', [], 'never sent');
  const hops = req.path();
  if (req.verdict !== 'delivered') return died('request', hops, req.reason);
  const rep = trace.outcome('reply');
  if (rep === undefined && !data) return died('reply', hops, 'no answer');
  if (rep !== undefined && rep.verdict !== 'delivered') return died('reply', rep.path(), rep.reason);
  // The packet as the socket got it (after any REDIRECT in the task's namespace): the address
  // the server saw it from, and the socket's own.
  const last = hops[hops.length - 1]!;
  const ip = last.pkt.ip;
  const port = last.pkt.tcp?.dport ?? last.pkt.udp?.dport;
  const { who, service } = whoAt(sim, last.host, last.ns);
  return { outcome: 'answered', who, service, addr: ip === undefined || port === undefined ? '' : `${ip.dst}:${port}`, seenFrom: ip?.src ?? '' };
}

function namespaceFor(sim: Simulation, f: Flow): Netns {
  const host = sim.world.hosts.get(f.from)!;
  if (f.container === null) return host.root;
  const c = sim.docker.daemon(host)?.findContainer(f.container);
  return c?.sandbox ?? host.root;
}

/** Probes the flows in order, `count` times each, in the world as it stands. `size` as a trace's
 *  (scenario/probe.ts): 0 a bare connect or datagram; for TCP, bytes sent after the handshake,
 *  whose first full segment is the probe (how an MTU black hole shows). */
export function probeFlows(sim: Simulation, flows: readonly Flow[], count: number, size = 0): FlowResult[] {
  return flows.map((f) => {
    const ns = namespaceFor(sim, f);
    const dst = f.to.split('.').reduce((a, b) => a * 256 + Number(b), 0);
    const probes: Probe[] = [];
    const paths: ProbePath[] = [];
    for (let i = 0; i < count; i++) {
      const trace = sendProbe(sim.world, ns, dst, f.port, f.proto, undefined, size, 'answered');
      paths.push({ request: summarize(trace.outcome('request')), reply: summarize(trace.outcome('reply')) });
      probes.push(outcomeOf(sim, trace, size > 0 && f.proto === 'tcp'));
    }
    return { ...f, probes, paths };
  });
}

/** Whether a flow matches a pattern's TO side: `*`, an address, a host (any of its addresses), a
 *  service name (its VIP) or tasks.NAME; and its FROM side, when given: a host or a task (`web.1`). */
function matches(sim: Simulation, r: FlowResult, pattern: string): boolean {
  const arrow = pattern.indexOf(' -> ');
  const from = arrow < 0 ? null : pattern.slice(0, arrow);
  const to = arrow < 0 ? pattern : pattern.slice(arrow + 4);
  const m = /^(\S+):(\*|\d+)(?:\/(tcp|udp))?$/.exec(to)!;
  const [, addr, port, proto] = m;
  if (port !== '*' && Number(port) !== r.port) return false;
  if (proto !== undefined && proto !== r.proto) return false;
  if (from !== null && from !== r.from && !(r.container !== null && (r.container === from || r.container.startsWith(`${from}.`)))) return false;
  if (addr === '*' || addr === r.to) return true;
  if (r.via === `vip ${addr}` || r.via === addr) return true;
  const h = sim.world.hosts.get(addr!);
  return r.via === 'published' && h !== undefined && h.nicAddrs().map(formatIp4).includes(r.to);
}

/** What a reach step's expectations find wrong, one message each. */
export function checkReach(sim: Simulation, results: readonly FlowResult[], expect: ReadonlyArray<{ pattern: string; want: string }>): string[] {
  const failures: string[] = [];
  for (const e of expect) {
    const hit = results.filter((r) => matches(sim, r, e.pattern));
    if (hit.length === 0) {
      failures.push(`no flow matches "${e.pattern}"`);
      continue;
    }
    for (const r of hit) {
      const bad = r.probes.filter((p) => (e.want === 'dropped' ? p.outcome === 'answered' : e.want === 'answered' ? p.outcome !== 'answered' : p.outcome !== 'answered' || p.service !== e.want));
      if (bad.length === 0) continue;
      const got = bad[0]!;
      const what = got.outcome === 'answered' ? `answered by ${got.who}` : `dropped at ${got.host}/${got.ns}: ${got.reason}`;
      failures.push(`${e.pattern}: ${r.container ?? r.from} -> ${r.to}:${r.port}/${r.proto}: ${bad.length} of ${r.probes.length} probes ${what}, expected ${e.want === 'dropped' || e.want === 'answered' ? e.want : `the tasks of ${e.want}`}`);
    }
  }
  return failures;
}
