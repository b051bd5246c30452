// The worker side of one node (swarmkit's agent + Docker's executor): it takes the tasks the
// managers assigned to its node, runs them as containers on the local Docker engine, reports
// their progress, shuts them down when asked, and keeps libnetwork's swarm data plane in step:
// the networks from the cluster, the peers, load balancers and DNS records from the node's own
// NetworkDB (gossip over 7946, networkdb/), where the node also publishes its own endpoints.
import type { Daemon } from '../docker/daemon.js';
import { DaemonError, DockerError } from '../docker/errors.js';
import { noSuchImage, parseImageRef } from '../docker/images.js';
import { pullFromRegistry } from '../docker/image-ops.js';
import type { Container } from '../docker/model.js';
import { SwarmDataplane } from '../docker/swarm-dp.js';
import type { DesiredNetwork, PeerFeed } from '../docker/swarm-dp.js';
import { MS, SEC } from '../sim/clock.js';
import type { SwarmCluster } from '../swarm/cluster.js';
import { isTerminal } from '../swarm/model.js';
import type { NodeTasks, Service, SwarmNetwork, SwarmNode, Task } from '../swarm/model.js';
import { formatIp4 } from '../core/addr.js';
import { NetworkDB } from './networkdb/networkdb.js';
import type { EndpointRecord } from './views.js';
import { ENDPOINT_TABLE, NodeViews, OVERLAY_PEER_TABLE, peerValue, tableKey } from './views.js';

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

const NO_PEERS: PeerFeed = { version: 0, list: () => [], delta: () => null };

export class Agent {
  readonly dataplane: SwarmDataplane;
  /** Task ID → container, for the tasks this node runs. */
  private readonly containers = new Map<string, Container>();
  /** Tasks whose start or stop is under way (so a sync does not start it twice). */
  private readonly busy = new Set<string>();
  private syncing = false;
  active = true;
  // Most commits concern a few nodes. A sync does nothing when none of its inputs moved: its node's
  // tasks (the index's epoch), its own containers and busy set, the cluster's data-plane version —
  // and no task of its is held back for want of a manager (that one is looked at on every commit).
  private readonly own: NodeTasks;
  /** This node's NetworkDB, and the peers, bindings and records its data plane takes from it. */
  readonly networkDb: NetworkDB;
  private readonly views: NodeViews;
  private applyQueued = false;
  private tasksSeen = -1;
  private dataSeen = -1;
  private localChanged = true;
  private blocked = false;

  constructor(
    readonly cluster: SwarmCluster,
    readonly d: Daemon,
    readonly nodeId: string,
    /** Whether the node's session with the managers is up (agent/session.ts). */
    private readonly linked: () => boolean = () => true,
  ) {
    this.own = cluster.nodeTasks(nodeId);
    this.dataplane = new SwarmDataplane(d);
    // NetworkDB listens on the node's advertise address and joins through the managers it knows
    // (libnetwork agent.go: the swarm's remote addresses), over 7946.
    const node = cluster.nodes.get(nodeId)!;
    this.networkDb = new NetworkDB(d.host, nodeId, node.addr);
    this.views = new NodeViews(this.networkDb, nodeId);
    this.views.onChange = () => this.gossipChanged();
    this.networkDb.start(cluster.managers().filter((m) => m.id !== nodeId).map((m) => m.addr));
    d.swarmPeers = (net) => this.views.peers(net.id);
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
      this.cluster.touchNetwork(net.id);
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
      this.cluster.touchNetwork(a.networkId);
      this.cluster.commit();
    };
    cluster.watch(nodeId, this);
  }

  get node(): SwarmNode | undefined {
    return this.cluster.nodes.get(this.nodeId);
  }

  /** Whether this node can talk to the managers (to get work and report): its dispatcher session
   *  is up, and the leader is within reach now (assignments and reports still read the store). */
  private connected(): boolean {
    const leader = this.cluster.currentLeader();
    const host = this.d.host.name;
    return leader !== null && this.linked() && this.cluster.net.up(host) && (leader.hostname === host || this.cluster.net.reach(host, leader.hostname));
  }

  listening(): boolean {
    return this.active && !this.syncing && !this.d.host.down && this.d.running;
  }

  /** Acts on the cluster state; false when it could not, or holds tasks back until a manager is reachable. */
  sync(): boolean {
    if (!this.active) return true;
    if (!this.listening()) return false;
    this.cluster.touchLeader();
    const tasksDue = this.own.epoch !== this.tasksSeen || this.localChanged || this.blocked;
    if (!tasksDue && this.cluster.dataVersion === this.dataSeen) return true;
    this.syncing = true;
    try {
      if (tasksDue) this.syncTasks();
      this.applyDataplane();
    } finally {
      this.syncing = false;
    }
    return !this.blocked;
  }

  /** Its containers or busy set changed: the next sync looks at its tasks again. */
  private touched(): void {
    this.localChanged = true;
    this.cluster.wake(this.own);
  }

  /**
   * Starts, stops and reports this node's tasks. Visits, in the store's order, the tasks that are
   * this node's or may become so while reports made here reconcile (the pending ones).
   */
  private syncTasks(): void {
    this.tasksSeen = this.own.epoch;
    this.localChanged = false;
    const list = [...this.own.tasks];
    for (const t of this.cluster.pendingTasks()) if (t.nodeId === null) list.push(t);
    list.sort((a, b) => a.seq - b.seq);
    let connected: boolean | undefined;
    let blocked = false;
    for (const t of list) {
      if (t.nodeId !== this.nodeId) continue;
      const busy = this.busy.has(t.id);
      if (t.desiredState === 'running' && t.state === 'assigned' && !busy) {
        if ((connected ??= this.connected())) this.start(t);
        else blocked = true;
      } else if (t.desiredState !== 'running' && this.containers.has(t.id) && !busy) this.shutdown(t, (connected ??= this.connected()));
      else if (stopped(t) && !isTerminal(t.state) && !this.containers.has(t.id) && !busy) {
        if ((connected ??= this.connected())) this.report(t, 'shutdown', 'shutdown');
        else blocked = true;
      }
    }
    this.blocked = blocked;
  }

  private report(t: Task, state: Task['state'], message: string, err = ''): void {
    // After `swarm leave` the node no longer talks to the managers: its tasks keep their last state.
    if (!this.active || !this.connected()) return;
    this.cluster.report(t, state, message, err);
  }

  /** assigned → accepted → preparing (pull) → starting → running, on the simulated clock. */
  private start(t: Task): void {
    const d = this.d;
    const ref = parseImageRef(t.spec.image);
    const spec = d.registry.find(ref);
    this.busy.add(t.id);
    this.touched();
    this.report(t, 'accepted', 'accepted');
    if (spec === null) {
      this.busy.delete(t.id);
      this.touched();
      // dockerd: the image cannot be pulled, the task is rejected.
      this.report(t, 'rejected', 'preparing', noSuchImage(ref));
      return;
    }
    this.report(t, 'preparing', 'preparing');
    const key = `${ref.repo}:${ref.tag}`;
    const pull = d.images.has(key) ? 0 : PULL_TIME;
    // An image a LAN registry serves comes over the network (image-ops.ts); a node that cannot
    // get it rejects the task as the executor does when the image is then missing.
    const fetched = (go: () => void): void => {
      if (d.images.has(key) || !d.registry.served.has(key)) return void this.cluster.eq.after(pull, go);
      pullFromRegistry(d, t.spec.image, () => undefined, (code) => {
        if (code === 0) return go();
        this.busy.delete(t.id);
        this.touched();
        this.report(t, 'rejected', 'preparing', noSuchImage(ref));
      });
    };
    fetched(() => {
      if (t.desiredState !== 'running' || !this.cluster.tasks.has(t.id)) {
        // Told to stop while pulling: nothing was created, the task just ends.
        this.busy.delete(t.id);
        this.touched();
        if (stopped(t)) this.report(t, 'shutdown', 'shutdown');
        return;
      }
      if (!d.images.has(key)) d.pull(key, spec.layers);
      this.report(t, 'starting', 'starting');
      this.cluster.eq.after(START_TIME, () => {
        this.busy.delete(t.id);
        this.touched();
        if (t.desiredState !== 'running' || !this.cluster.tasks.has(t.id)) {
          if (stopped(t)) this.report(t, 'shutdown', 'shutdown');
          return;
        }
        // A task's container is the heaviest thing the model builds: it counts as 500 events
        // against a step's budget (scenario/run.ts), which stops a crash loop within seconds.
        this.cluster.eq.charge(500);
        try {
          const c = this.createContainer(t);
          this.containers.set(t.id, c);
          this.touched();
          if (c.state === 'running') this.report(t, 'running', 'started');
        } catch (e) {
          // The executor wraps what the daemon said (executor/container/controller.go Start).
          if (e instanceof DaemonError) this.report(t, 'failed', 'starting', `starting container failed: ${e.message}`);
          else if (e instanceof DockerError) this.report(t, 'failed', 'starting', `starting container failed: ${e.message.replace(/^.*Error response from daemon: /s, '')}`);
          else throw e;
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
      // The executor's endpoint settings carry no aliases (container.go getEndpointConfig): a
      // service's network aliases are service records, answered with the VIP, not the task IP.
      networks: nets.map((n) => ({ net: n, ip: t.addresses.get(n.id)!, aliases: [] })),
      files: this.secretFiles(t),
      // The executor creates the task's volumes on this node on first use (volumes are per node).
      mounts: t.spec.mounts.map((m) => ({
        type: m.type, source: m.source, target: m.target, readOnly: m.readOnly === true, mode: '',
        labels: m.volumeOptions?.labels ?? null, driver: m.volumeOptions?.driver ?? undefined, driverOptions: m.volumeOptions?.driverOptions ?? null,
      })),
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

  /** The task's secrets and configs as files. The executor puts a secret with a relative target
   *  under /run/secrets and a config with a relative target under / (daemon/cluster/executor
   *  container.go: secrets' and configs' mount points; a config's default target is /<name>). */
  private secretFiles(t: Task): Map<string, string> {
    const files = new Map<string, string>();
    for (const [refs, store, dir] of [[t.spec.secrets, this.cluster.secrets, '/run/secrets/'], [t.spec.configs, this.cluster.configs, '/']] as const) {
      for (const ref of refs) {
        const s = [...store.values()].find((x) => x.name === ref.source);
        if (s !== undefined) files.set(ref.target.startsWith('/') ? ref.target : `${dir}${ref.target}`, s.data);
      }
    }
    return files;
  }

  /** Desired shutdown: weight 0 everywhere (via the state), wait for gossip, stop, report. */
  private shutdown(t: Task, connected: boolean): void {
    const c = this.containers.get(t.id)!;
    this.busy.add(t.id);
    this.touched();
    const finish = (): void => {
      this.busy.delete(t.id);
      this.containers.delete(t.id);
      this.touched();
      if (c.state === 'running') this.d.stopContainer(c, 0);
      // The executor removes task containers with RemoveVolumes: their anonymous volumes go too.
      if (this.d.containers.has(c.id)) {
        this.d.removeContainer(c, true);
        this.d.removeAnonymousVolumes(c);
      }
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
      this.touched();
      if (t === undefined || t.desiredState !== 'running') return;
      if (code === 0) this.report(t, 'complete', 'finished');
      else this.report(t, 'failed', 'started', `task: non-zero exit (${code})`);
      return;
    }
  }

  // ---------- data plane ----------

  private participates(net: SwarmNetwork, extra?: Task): boolean {
    if (net.ingress) return true;
    for (const a of this.cluster.attachments.values()) if (a.nodeId === this.nodeId && a.networkId === net.id) return true;
    for (const t of this.own.tasks) {
      if (t.addresses.has(net.id) && (this.containers.has(t.id) || t === extra)) return true;
    }
    return false;
  }

  /** NetworkDB learnt something: the data plane takes it up once the current event is done. */
  private gossipChanged(): void {
    if (this.applyQueued) return;
    this.applyQueued = true;
    this.cluster.eq.after(0, () => {
      this.applyQueued = false;
      if (this.listening()) this.applyDataplane(undefined, true);
    });
  }

  /**
   * This node's entries on `net`: the endpoints of its running tasks, its attached containers and
   * its load balancer in overlay_peer_table (joinleave.go Join), and the service records of its
   * tasks and the names of its containers in endpoint_table (agent.go addServiceInfoToCluster;
   * ServiceDisabled once the task is told to stop, disableServiceInNetworkDB).
   */
  private ownEntries(net: SwarmNetwork, node: SwarmNode): Map<string, string> {
    const want = new Map<string, string>();
    const len = net.subnet.len;
    const vtep = node.dataAddr;
    for (const t of this.own.tasks) {
      const ip = t.addresses.get(net.id);
      if (ip === undefined || t.state !== 'running' || t.nodeId !== this.nodeId) continue;
      want.set(tableKey(OVERLAY_PEER_TABLE, t.id), peerValue(ip, len, vtep));
      const svc = this.cluster.services.get(t.serviceId);
      if (svc === undefined) continue;
      const vip = svc.spec.endpointMode === 'vip' ? svc.vips.get(net.id) : undefined;
      const aliases = svc.spec.networks.filter((a) => this.cluster.findNetwork(a.target) === net).flatMap((a) => a.aliases);
      const rec: EndpointRecord = {
        Name: `${svc.spec.name}.${t.slot === 0 ? t.nodeId : t.slot}.${t.id}`, ServiceName: svc.spec.name, ServiceID: svc.id,
        VirtualIP: vip === undefined ? '' : formatIp4(vip), EndpointIP: formatIp4(ip),
        IngressPorts: net.ingress ? svc.ports.filter((p) => p.mode === 'ingress' && p.published !== null).map((p) => ({ published: p.published!, target: p.target, protocol: p.protocol })) : [],
        Aliases: aliases, TaskAliases: aliases, ServiceDisabled: t.desiredState !== 'running',
      };
      want.set(tableKey(ENDPOINT_TABLE, t.id), JSON.stringify(rec));
    }
    for (const [cid, a] of this.cluster.attachments) {
      if (a.nodeId !== this.nodeId || a.networkId !== net.id) continue;
      want.set(tableKey(OVERLAY_PEER_TABLE, cid), peerValue(a.ip, len, vtep));
      const rec: EndpointRecord = { Name: a.name, ServiceName: '', ServiceID: '', VirtualIP: '', EndpointIP: formatIp4(a.ip), IngressPorts: [], Aliases: [], TaskAliases: [], ServiceDisabled: false };
      want.set(tableKey(ENDPOINT_TABLE, cid), JSON.stringify(rec));
    }
    const lb = node.lbAddrs.get(net.id);
    if (lb !== undefined) want.set(tableKey(OVERLAY_PEER_TABLE, `lb-${this.nodeId}`), peerValue(lb, len, vtep));
    return want;
  }

  /** `gossip`: only NetworkDB changed, not the cluster: what this node publishes is the same. */
  private applyDataplane(extra?: Task, gossip = false): void {
    const node = this.node;
    if (node === undefined) return;
    // Noted first: what describing changes (this node's first address on a network) is news to the
    // other nodes; this one looks once more, finding nothing to do.
    if (!gossip) this.dataSeen = this.cluster.dataVersion;
    const desired: DesiredNetwork[] = [];
    const listed: DesiredNetwork[] = [];
    const using = new Set<string>();
    for (const net of this.cluster.networks.values()) {
      if (!this.participates(net, extra)) {
        if (node.role === 'manager' && !net.ingress) listed.push(this.describe(net, node, false));
        continue;
      }
      using.add(net.id);
      // Its LB address first (describe allocates it), then what it publishes.
      const dn = this.describe(net, node, true);
      if (!gossip || !this.views.has(net.id)) this.views.publish(net.id, this.ownEntries(net, node));
      desired.push({ ...dn, version: this.views.version(net.id, net.version), peers: this.views.peerFeed(net.id), lbs: this.views.lbs(net.id, net.ingress), dns: this.views.dns(net.id, net.ingress) });
    }
    if (!gossip) for (const nid of [...this.views.networks()]) if (!using.has(nid)) this.views.withdraw(nid);
    this.dataplane.apply(desired, listed);
  }

  private describe(net: SwarmNetwork, node: SwarmNode, full: boolean): DesiredNetwork {
    return {
      id: net.id, name: net.name, subnet: net.subnet, gateway: net.gateway, vni: net.vni, ingress: net.ingress, attachable: net.attachable,
      internal: net.internal, encrypted: net.encrypted, labels: net.labels, options: net.options, created: net.createdAt,
      nodeIp: full ? this.cluster.tryNodeLbAddr(node, net) ?? 0 : 0, version: net.version, peers: NO_PEERS, lbs: [], dns: new Map(),
    };
  }

  /** Leaving the swarm: every task container goes, and so does the swarm data plane. */
  leave(): void {
    this.active = false;
    for (const c of this.containers.values()) if (this.d.containers.has(c.id)) this.d.removeContainer(c, true);
    this.containers.clear();
    this.touched();
    for (const nid of [...this.views.networks()]) this.views.withdraw(nid);
    this.networkDb.stop();
    this.dataplane.apply([]);
  }
}

export type { Service };
