// The worker side of one node (swarmkit's agent + Docker's executor): it takes the tasks the
// managers assigned to its node, runs them as containers on the local Docker engine, reports
// their progress, shuts them down when asked, and keeps libnetwork's swarm data plane in step
// with the cluster (networks, peers, load balancers, DNS records) — the gossip it would receive.
import type { Ip4 } from '../core/addr.js';
import { macFromIp } from '../core/addr.js';
import type { Daemon } from '../docker/daemon.js';
import { DockerError } from '../docker/daemon.js';
import { parseImageRef } from '../docker/images.js';
import type { Container } from '../docker/model.js';
import type { RemotePeer } from '../docker/overlay.js';
import { SwarmDataplane } from '../docker/swarm-dp.js';
import type { DesiredLb, DesiredNetwork } from '../docker/swarm-dp.js';
import { MS, SEC } from '../sim/clock.js';
import type { SwarmCluster } from '../swarm/cluster.js';
import { isTerminal } from '../swarm/model.js';
import type { Service, SwarmNetwork, SwarmNode, Task } from '../swarm/model.js';

/** Docker's executor waits this long after disabling a task's service binding before stopping it
 *  (defaultGossipConvergeDelay), so every node has set the backend's weight to 0. */
export const GOSSIP_CONVERGE = 2 * SEC;
/** Time to pull an image the node does not have yet, and to start a container. */
export const PULL_TIME = 1500 * MS;
export const START_TIME = 300 * MS;

/** Desired shutdown or removal (a held-back `ready` task is only waiting, not stopped). */
function stopped(t: Task): boolean {
  return t.desiredState === 'shutdown' || t.desiredState === 'remove';
}

export class Agent {
  readonly dataplane: SwarmDataplane;
  /** Task ID → container, for the tasks this node runs. */
  private readonly containers = new Map<string, Container>();
  /** Tasks whose start or stop is under way (so a sync does not start it twice). */
  private readonly busy = new Set<string>();
  private syncing = false;
  active = true;

  constructor(
    readonly cluster: SwarmCluster,
    readonly d: Daemon,
    readonly nodeId: string,
  ) {
    this.dataplane = new SwarmDataplane(d);
    d.swarmPeers = (net) => this.peers(this.cluster.networks.get(net.id));
    d.exitListeners.push((c, code) => this.containerExited(c, code));
    d.swarmLookup = (ref) => {
      const net = this.cluster.findNetwork(ref);
      if (net === null || net.ingress || this.node === undefined) return null;
      const dn = this.describe(net, this.node, false);
      return d.addSwarmNetwork(dn.id, dn.name, dn.subnet, dn.gateway, dn.vni, dn.created, { internal: dn.internal, attachable: dn.attachable, ingress: false, ipamOptions: null, labels: dn.labels }, dn.options);
    };
    d.swarmAttach = (dnet, c) => {
      const net = this.cluster.networks.get(dnet.id)!;
      const ip = net.pool.allocate()!;
      this.cluster.attachments.set(c.id, { networkId: net.id, nodeId: this.nodeId, ip, name: c.name });
      this.applyDataplane();
      // Other nodes learn the new endpoint (peers, DNS) once it is committed.
      this.cluster.eq.after(0, () => this.cluster.commit());
      return ip;
    };
    d.swarmDetach = (c) => {
      const a = this.cluster.attachments.get(c.id);
      if (a === undefined) return;
      this.cluster.networks.get(a.networkId)?.pool.release(a.ip);
      this.cluster.attachments.delete(c.id);
      this.cluster.commit();
    };
    cluster.onChange(() => this.sync());
  }

  get node(): SwarmNode | undefined {
    return this.cluster.nodes.get(this.nodeId);
  }

  private get now(): number {
    return this.cluster.now;
  }

  /** Whether this node can talk to the managers (to get work and report). */
  private connected(): boolean {
    const leader = this.cluster.currentLeader();
    const host = this.d.host.name;
    return leader !== null && this.cluster.net.up(host) && (leader.hostname === host || this.cluster.net.reach(host, leader.hostname));
  }

  sync(): void {
    if (!this.active || this.syncing || this.d.host.down || !this.d.running) return;
    this.syncing = true;
    try {
      const connected = this.connected();
      for (const t of [...this.cluster.tasks.values()]) {
        if (t.nodeId !== this.nodeId) continue;
        if (connected && t.desiredState === 'running' && t.state === 'assigned' && !this.busy.has(t.id)) this.start(t);
        else if (t.desiredState !== 'running' && this.containers.has(t.id) && !this.busy.has(t.id)) this.shutdown(t, connected);
        else if (connected && stopped(t) && !isTerminal(t.state) && !this.containers.has(t.id) && !this.busy.has(t.id)) this.report(t, 'shutdown', 'shutdown');
      }
      this.applyDataplane();
    } finally {
      this.syncing = false;
    }
  }

  private report(t: Task, state: Task['state'], message: string, err = ''): void {
    if (!this.connected()) return;
    this.cluster.report(t, state, message, err);
  }

  /** assigned → accepted → preparing (pull) → starting → running, on the simulated clock. */
  private start(t: Task): void {
    const d = this.d;
    const ref = parseImageRef(t.spec.image);
    const spec = d.registry.find(ref);
    this.busy.add(t.id);
    this.report(t, 'accepted', 'accepted');
    if (spec === null) {
      this.busy.delete(t.id);
      // dockerd: the image cannot be pulled, the task is rejected.
      this.report(t, 'rejected', 'preparing', `No such image: ${ref.repo}:${ref.tag}`);
      return;
    }
    this.report(t, 'preparing', 'preparing');
    const key = `${ref.repo}:${ref.tag}`;
    const pull = d.images.has(key) ? 0 : PULL_TIME;
    this.cluster.eq.after(pull, () => {
      if (t.desiredState !== 'running' || !this.cluster.tasks.has(t.id)) {
        // Told to stop while pulling: nothing was created, the task just ends.
        this.busy.delete(t.id);
        if (stopped(t)) this.report(t, 'shutdown', 'shutdown');
        return;
      }
      if (!d.images.has(key)) d.pull(key, spec.layers);
      this.report(t, 'starting', 'starting');
      this.cluster.eq.after(START_TIME, () => {
        this.busy.delete(t.id);
        if (t.desiredState !== 'running' || !this.cluster.tasks.has(t.id)) {
          if (stopped(t)) this.report(t, 'shutdown', 'shutdown');
          return;
        }
        try {
          const c = this.createContainer(t);
          this.containers.set(t.id, c);
          if (c.state === 'running') this.report(t, 'running', 'started');
        } catch (e) {
          if (!(e instanceof DockerError)) throw e;
          this.report(t, 'failed', 'starting', e.message.replace(/^.*Error response from daemon: /s, ''));
        }
        this.sync();
      });
    });
  }

  private svcName(t: Task): string {
    return this.cluster.services.get(t.serviceId)?.spec.name ?? t.spec.name;
  }

  /** The task's container: named <service>.<slot>.<task id> (global: the node ID for the slot). */
  private createContainer(t: Task): Container {
    const d = this.d;
    const svc = this.cluster.services.get(t.serviceId)!;
    const name = `${this.svcName(t)}.${t.slot === 0 ? this.nodeId : t.slot}.${t.id}`;
    // Networks first appear on this node when a task needs them.
    this.applyDataplane(t);
    const nets = [...t.addresses.keys()].map((id) => d.networks.get(id)!);
    const labels: Record<string, string> = {
      ...t.spec.containerLabels,
      'com.docker.swarm.node.id': this.nodeId,
      'com.docker.swarm.service.id': svc.id,
      'com.docker.swarm.service.name': svc.spec.name,
      'com.docker.swarm.task': '',
      'com.docker.swarm.task.id': t.id,
      'com.docker.swarm.task.name': name.split('.').slice(0, 2).join('.') === name ? name : `${this.svcName(t)}.${t.slot === 0 ? this.nodeId : t.slot}.${t.id}`,
    };
    const c = d.createTaskContainer({
      name, image: t.spec.image, cmd: t.spec.args, env: t.spec.env, hostname: t.spec.hostname, labels,
      networks: nets.map((n) => ({ net: n, ip: t.addresses.get(n.id)!, aliases: t.spec.networks.find((a) => a.target === n.name || a.target === n.id)?.aliases ?? [] })),
      files: this.secretFiles(t),
      // Host-mode ports are published on the node through the docker_gwbridge leg.
      publish: svc.ports.filter((q) => q.mode === 'host').map((q) => ({ hostIp: 0, hostPort: q.published ?? q.target, containerPort: q.target, proto: q.protocol })),
    });
    // Published ingress ports: the task redirects published → target and blocks the rest.
    const ingress = this.cluster.ingress();
    const ingressIp = ingress === null ? undefined : t.addresses.get(ingress.id);
    const ports = svc.ports.filter((p) => p.mode === 'ingress' && p.published !== null).map((p) => ({ published: p.published!, target: p.target, protocol: p.protocol }));
    if (ingressIp !== undefined && ports.length > 0) this.dataplane.taskIngressRules(c.sandbox, ingressIp, ports);
    return c;
  }

  private secretFiles(t: Task): Map<string, string> {
    const files = new Map<string, string>();
    for (const ref of t.spec.secrets) {
      const s = [...this.cluster.secrets.values()].find((x) => x.name === ref.source);
      if (s !== undefined) files.set(ref.target.startsWith('/') ? ref.target : `/run/secrets/${ref.target}`, s.data);
    }
    return files;
  }

  /** Desired shutdown: weight 0 everywhere (via the state), wait for gossip, stop, report. */
  private shutdown(t: Task, connected: boolean): void {
    const c = this.containers.get(t.id)!;
    this.busy.add(t.id);
    const finish = (): void => {
      this.busy.delete(t.id);
      this.containers.delete(t.id);
      if (c.state === 'running') this.d.stopContainer(c, 0);
      if (this.d.containers.has(c.id)) this.d.removeContainer(c, true);
      if (!isTerminal(t.state) || t.state === 'running') this.report(t, 'shutdown', 'shutdown');
      this.sync();
    };
    if (!connected || c.state !== 'running') return finish();
    this.cluster.eq.after(GOSSIP_CONVERGE, finish);
  }

  /** The container of one of our tasks ended on its own (or docker rm -f): the task failed. */
  private containerExited(c: Container, code: number): void {
    for (const [taskId, tc] of this.containers) {
      if (tc !== c || this.busy.has(taskId)) continue;
      const t = this.cluster.tasks.get(taskId);
      this.containers.delete(taskId);
      if (t === undefined || t.desiredState !== 'running') return;
      if (code === 0) this.report(t, 'complete', 'finished');
      else this.report(t, 'failed', 'started', `task: non-zero exit (${code})`);
      return;
    }
  }

  // ---------- data plane ----------

  /** A task counts toward the data plane while it runs (or is being started) on some node. */
  private backendWeight(t: Task): number | null {
    if (t.state === 'running' && t.desiredState === 'running') return 1;
    if (t.state === 'running') return 0;
    return null;
  }

  private participates(net: SwarmNetwork, extra?: Task): boolean {
    if (net.ingress) return true;
    for (const a of this.cluster.attachments.values()) if (a.nodeId === this.nodeId && a.networkId === net.id) return true;
    for (const t of this.cluster.tasks.values()) {
      if (t.nodeId === this.nodeId && t.addresses.has(net.id) && (this.containers.has(t.id) || t === extra)) return true;
    }
    return false;
  }

  /** Every endpoint of `net` on other nodes: their tasks and their LB / ingress-sbox addresses. */
  private peers(net: SwarmNetwork | undefined): RemotePeer[] {
    if (net === undefined) return [];
    const out: RemotePeer[] = [];
    const vtepOf = (nodeId: string | null): Ip4 | null => (nodeId === null ? null : this.cluster.nodes.get(nodeId)?.addr ?? null);
    for (const t of this.cluster.tasks.values()) {
      if (t.nodeId === this.nodeId || t.state !== 'running') continue;
      const ip = t.addresses.get(net.id);
      const vtep = vtepOf(t.nodeId);
      if (ip !== undefined && vtep !== null) out.push({ ip, mac: macFromIp(ip), vtep });
    }
    for (const a of this.cluster.attachments.values()) {
      if (a.nodeId === this.nodeId || a.networkId !== net.id) continue;
      const vtep = vtepOf(a.nodeId);
      if (vtep !== null) out.push({ ip: a.ip, mac: macFromIp(a.ip), vtep });
    }
    // The nodes that use the network (one pass, not one per node): only their LB endpoints are peers.
    let users: Set<string> | null = null;
    for (const n of this.cluster.nodes.values()) {
      if (n.id === this.nodeId) continue;
      const ip = n.lbAddrs.get(net.id);
      if (ip === undefined) continue;
      if (!net.ingress) users ??= this.nodesUsing(net);
      if (net.ingress || users!.has(n.id)) out.push({ ip, mac: macFromIp(ip), vtep: n.addr });
    }
    return out;
  }

  /** The nodes with an attachment to `net` or a running task on it. */
  private nodesUsing(net: SwarmNetwork): Set<string> {
    const out = new Set<string>();
    for (const a of this.cluster.attachments.values()) if (a.networkId === net.id) out.add(a.nodeId);
    for (const t of this.cluster.tasks.values()) if (t.nodeId !== null && t.state === 'running' && t.addresses.has(net.id)) out.add(t.nodeId);
    return out;
  }

  private lbsFor(net: SwarmNetwork): DesiredLb[] {
    const out: DesiredLb[] = [];
    for (const svc of this.cluster.services.values()) {
      const onNet = this.cluster.serviceNetworks(svc).some((n) => n.id === net.id);
      if (!onNet || svc.spec.endpointMode === 'dnsrr') continue;
      const backends: Array<{ ip: Ip4; weight: number }> = [];
      for (const t of this.cluster.tasksOf(svc)) {
        const w = this.backendWeight(t);
        const ip = t.addresses.get(net.id);
        if (w !== null && ip !== undefined) backends.push({ ip, weight: w });
      }
      const ports = net.ingress ? svc.ports.filter((p) => p.mode === 'ingress' && p.published !== null).map((p) => ({ published: p.published!, target: p.target, protocol: p.protocol })) : [];
      if (net.ingress && ports.length === 0) continue;
      out.push({ key: svc.id, name: svc.spec.name, vip: svc.vips.get(net.id) ?? null, backends, ports });
    }
    return out;
  }

  private dnsFor(net: SwarmNetwork): Map<string, Ip4[]> {
    const dns = new Map<string, Ip4[]>();
    const add = (k: string, ip: Ip4): void => {
      const key = k.toLowerCase();
      (dns.get(key) ?? dns.set(key, []).get(key)!).push(ip);
    };
    for (const svc of this.cluster.services.values()) {
      if (!this.cluster.serviceNetworks(svc).some((n) => n.id === net.id)) continue;
      const vip = svc.vips.get(net.id);
      const running = this.cluster.tasksOf(svc).filter((t) => t.state === 'running' && t.desiredState === 'running' && t.addresses.has(net.id));
      const names = [svc.spec.name, ...svc.spec.networks.filter((a) => this.cluster.findNetwork(a.target) === net).flatMap((a) => a.aliases)];
      for (const n of new Set(names)) {
        if (svc.spec.endpointMode === 'vip' && vip !== undefined) add(n, vip);
        for (const t of running) {
          if (svc.spec.endpointMode === 'dnsrr') add(n, t.addresses.get(net.id)!);
          add(`tasks.${n}`, t.addresses.get(net.id)!);
        }
      }
      for (const t of running) add(`${svc.spec.name}.${t.slot === 0 ? t.nodeId : t.slot}.${t.id}`, t.addresses.get(net.id)!);
    }
    // Containers attached on other nodes are known by name (locally attached ones are endpoints already).
    for (const a of this.cluster.attachments.values()) if (a.networkId === net.id && a.nodeId !== this.nodeId) add(a.name, a.ip);
    return dns;
  }

  private applyDataplane(extra?: Task): void {
    const node = this.node;
    if (node === undefined) return;
    const desired: DesiredNetwork[] = [];
    const listed: DesiredNetwork[] = [];
    for (const net of this.cluster.networks.values()) {
      if (!this.participates(net, extra)) {
        if (node.role === 'manager' && !net.ingress) listed.push(this.describe(net, node, false));
        continue;
      }
      desired.push(this.describe(net, node, true));
    }
    this.dataplane.apply(desired, listed);
  }

  private describe(net: SwarmNetwork, node: SwarmNode, full: boolean): DesiredNetwork {
    return {
      id: net.id, name: net.name, subnet: net.subnet, gateway: net.gateway, vni: net.vni, ingress: net.ingress, attachable: net.attachable,
      internal: net.internal, encrypted: net.encrypted, labels: net.labels, options: net.options, created: net.createdAt,
      nodeIp: full ? this.cluster.nodeLbAddr(node, net) : 0, peers: full ? this.peers(net) : [], lbs: full ? this.lbsFor(net) : [], dns: full ? this.dnsFor(net) : new Map(),
    };
  }

  /** Leaving the swarm: every task container goes, and so does the swarm data plane. */
  leave(): void {
    this.active = false;
    for (const c of this.containers.values()) if (this.d.containers.has(c.id)) this.d.removeContainer(c, true);
    this.containers.clear();
    this.dataplane.apply([]);
  }
}

export type { Service };
