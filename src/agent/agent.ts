// The worker side of one node (swarmkit's agent + Docker's executor): it takes the tasks the
// managers assigned to its node — only what its dispatcher sent it (agent/assignments.ts; swarmkit
// agent/worker.go reconcileTaskState) — runs them as containers on the local Docker engine,
// reports their progress through its uplink (agent/reporter.ts), shuts them down when told, and
// keeps libnetwork's swarm data plane in step: the networks from the cluster (still read from the
// store), the peers, load balancers and DNS records from the node's own NetworkDB (gossip over
// 7946, networkdb/), where the node also publishes its own endpoints.
import type { Daemon } from '../docker/daemon.js';
import { DaemonError, DockerError } from '../docker/errors.js';
import { noSuchImage, parseImageRef } from '../docker/images.js';
import { pullFromRegistry } from '../docker/image-ops.js';
import type { Container } from '../docker/model.js';
import { SwarmDataplane } from '../docker/swarm-dp.js';
import type { DesiredNetwork, PeerFeed } from '../docker/swarm-dp.js';
import { MS, SEC } from '../sim/clock.js';
import type { DataDue } from '../swarm/agents.js';
import type { SwarmCluster } from '../swarm/cluster.js';
import type { TaskStatusReport } from '../swarm/dispatcher.js';
import { isTerminal, stateIndex } from '../swarm/model.js';
import type { NodeTasks, Service, SwarmNetwork, SwarmNode, TaskState } from '../swarm/model.js';
import type { AssignedFile, AssignedTask, AssignmentsMessage } from './assignments.js';
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
function stopped(desired: TaskState): boolean {
  return desired === 'shutdown' || desired === 'remove';
}

/** How the agent talks to the managers: a worker's over its session on 2377, a manager's locally. */
export interface Uplink {
  /** Whether the managers hear this node now. */
  connected(): boolean;
  /** A task's status for the managers: sent now, or kept (the latest per task) until they hear it. */
  report(taskId: string, status: TaskStatusReport): void;
  /** A manager's own agent: what its dispatcher has for it now; null when nothing (or a worker:
   *  its assignments come as frames, `Agent.assign`). */
  poll(): AssignmentsMessage | null;
  /** Whether assignments or reports wait for the managers (the agent looks again after a commit). */
  waiting(): boolean;
  /** Whether `waiting()` stays false until the swarm world tells the agent its uplink changed
   *  (a worker's session: `Agent.uplinkMoved`); a manager's depends on reaching the leader. */
  steady(): boolean;
}

/** A task the agent was sent, with the state it has reached here. */
interface Assigned {
  /** The latest assignment of it. */
  task: AssignedTask;
  addresses: Map<string, number>;
  vips: Map<string, number>;
  /** Its state as this agent knows it (its own reports, or the manager's if further). */
  status: TaskState;
  /** REMOVEd (deleted, or given to another node): stopped and forgotten. */
  removed: boolean;
}

const NO_PEERS: PeerFeed = { version: 0, list: () => [], delta: () => null };

export class Agent {
  readonly dataplane: SwarmDataplane;
  /** Task ID → container, for the tasks this node runs. */
  private readonly containers = new Map<string, Container>();
  /** Tasks whose start or stop is under way (so a sync does not start it twice). */
  private readonly busy = new Set<string>();
  /** What the dispatcher sent: the tasks (worker.go's task DB) and the secrets and configs. */
  private readonly assigned = new Map<string, Assigned>();
  private readonly files = new Map<string, AssignedFile & { readonly kind: 'secret' | 'config' }>();
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
  /** This node's load-balancer entry on each network, as last formatted (the same on every sync). */
  private readonly lbValues = new Map<string, { lb: number; len: number; vtep: number; value: string }>();

  constructor(
    readonly cluster: SwarmCluster,
    readonly d: Daemon,
    readonly nodeId: string,
    private readonly uplink: Uplink,
  ) {
    this.own = cluster.nodeTasks(nodeId);
    this.dataplane = new SwarmDataplane(d);
    // NetworkDB listens on the node's advertise address and joins through the managers it knows
    // (libnetwork agent.go: the swarm's remote addresses), over 7946.
    const node = cluster.nodes.get(nodeId)!;
    this.networkDb = new NetworkDB(d.host, nodeId, node.addr);
    this.views = new NodeViews(this.networkDb, nodeId);
    this.views.onChange = () => {
      this.inputsMoved();
      this.gossipChanged();
    };
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

  listening(): boolean {
    return this.active && !this.syncing && !this.d.host.down && this.d.running;
  }

  /** Acts on the cluster state; false when it could not, or holds tasks back until a manager is reachable. */
  sync(): boolean {
    if (!this.active) return true;
    if (!this.listening()) return false;
    this.cluster.touchLeader();
    const waiting = this.uplink.waiting();
    const tasksDue = this.own.epoch !== this.tasksSeen || this.localChanged || waiting;
    if (!tasksDue && this.cluster.dataVersion === this.dataSeen) return true;
    this.syncing = true;
    try {
      if (tasksDue) {
        const m = this.uplink.poll();
        if (m !== null) this.take(m);
        this.syncTasks();
      }
      this.applyDataplane(undefined, false, !tasksDue);
    } finally {
      this.syncing = false;
    }
    return !this.uplink.waiting();
  }

  /**
   * What `sync` would do when only the cluster's data version moved, without doing it: true when it
   * would act (it cannot listen, its tasks are due, or what a full apply reads changed since the
   * last: stampIs); else the version is noted, as that sync's applyDataplane would have noted it.
   */
  dataDue(): DataDue {
    if (!this.active) return 'idle';
    if (!this.listening() || this.own.epoch !== this.tasksSeen || this.localChanged) return 'due';
    if (this.cluster.dataVersion === this.dataSeen) return this.uplink.waiting() ? 'due' : 'idle';
    const node = this.node;
    if (node === undefined || this.applied === null || !this.stampIs(node, this.applied, 0) || this.uplink.waiting()) return 'due';
    this.dataSeen = this.cluster.dataVersion;
    if (!this.uplink.steady()) return 'idle';
    // What this answer read stays as it is until a mark (inputsMoved) says otherwise, but for
    // whether it listens (the host, the daemon) and the engine's networks (docker network create).
    this.steadyNets = this.d.networks.size;
    return 'steady';
  }

  /** `dataDue` after a `steady` answer, nothing marked since: the rest is as that answer found it. */
  steadyDue(): DataDue {
    if (!this.listening() || this.d.networks.size !== this.steadyNets) return this.dataDue();
    this.dataSeen = this.cluster.dataVersion;
    return 'steady';
  }

  /** The engine's network count when dataDue last answered `steady`. */
  private steadyNets = -1;

  /** What `dataDue` reads moved: the next answer is a full one. */
  private inputsMoved(): void {
    this.cluster.inputsMoved(this.own);
  }

  /** The swarm world changed this node's uplink (its session opened or closed). */
  uplinkMoved(): void {
    this.inputsMoved();
  }

  /** An AssignmentsMessage arrived from the dispatcher (session.go watch → worker.Assign/Update). */
  assign(m: AssignmentsMessage): void {
    if (!this.active) return;
    this.take(m);
    this.touched();
    this.sync();
  }

  /**
   * reconcileTaskState: a task sent is added or updated (its state here is the further of ours
   * and the manager's), a REMOVE stops and forgets it; a COMPLETE set also removes every task it
   * does not name, and replaces the secrets and configs.
   */
  private take(m: AssignmentsMessage): void {
    const named = new Set<string>();
    if (m.type === 'COMPLETE') this.files.clear();
    for (const c of m.changes) {
      if (c.action === 'remove') {
        if (c.kind === 'task') this.forget(c.id);
        else this.files.delete(`${c.kind}:${c.id}`);
      } else if ('task' in c) {
        const t = c.task;
        named.add(t.id);
        const a = this.assigned.get(t.id);
        const fields = { task: t, addresses: new Map(t.addresses), vips: new Map(t.vips) };
        if (a === undefined) this.assigned.set(t.id, { ...fields, status: t.state, removed: false });
        else {
          Object.assign(a, fields);
          if (stateIndex(t.state) > stateIndex(a.status)) a.status = t.state;
        }
      } else if ('secret' in c) this.files.set(`secret:${c.secret.id}`, { ...c.secret, kind: 'secret' });
      else this.files.set(`config:${c.config.id}`, { ...c.config, kind: 'config' });
    }
    if (m.type === 'COMPLETE') for (const id of [...this.assigned.keys()]) if (!named.has(id)) this.forget(id);
  }

  /** A task no longer this node's: its container (if any) is stopped, then it is forgotten. */
  private forget(taskId: string): void {
    const a = this.assigned.get(taskId);
    if (a === undefined) return;
    if (this.containers.has(taskId) || this.busy.has(taskId)) a.removed = true;
    else this.assigned.delete(taskId);
  }

  /** Whether the task is still wanted running here (checked again after each step of a start). */
  private wanted(a: Assigned): boolean {
    return !a.removed && a.task.desiredState === 'running' && this.assigned.get(a.task.id) === a;
  }

  /** Its containers or busy set changed: the next sync looks at its tasks again. */
  private touched(): void {
    this.localChanged = true;
    this.cluster.wake(this.own);
  }

  /** Starts, stops and reports the tasks it was sent, in the store's order. */
  private syncTasks(): void {
    this.tasksSeen = this.own.epoch;
    this.localChanged = false;
    const list = [...this.assigned.values()].sort((a, b) => a.task.seq - b.task.seq);
    for (const a of list) {
      const id = a.task.id;
      if (this.busy.has(id)) continue;
      const desired = a.task.desiredState;
      if (a.removed) {
        if (this.containers.has(id)) this.shutdown(a);
        else this.assigned.delete(id);
      } else if (desired === 'running' && a.status === 'assigned') this.start(a);
      else if (desired !== 'running' && this.containers.has(id)) this.shutdown(a);
      else if (stopped(desired) && !isTerminal(a.status) && !this.containers.has(id)) this.report(a, 'shutdown', 'shutdown');
    }
  }

  private report(a: Assigned, state: TaskState, message: string, err = ''): void {
    // After `swarm leave` the node no longer talks to the managers: its tasks keep their last state.
    if (!this.active) return;
    a.status = state;
    // A removed task is no longer the node's: the manager would drop the report.
    if (!a.removed) this.uplink.report(a.task.id, { state, message, err, since: this.cluster.now });
  }

  /** assigned → accepted → preparing (pull) → starting → running, on the simulated clock. */
  private start(a: Assigned): void {
    const t = a.task;
    const d = this.d;
    const ref = parseImageRef(t.spec.image);
    const spec = d.registry.find(ref);
    this.busy.add(t.id);
    this.touched();
    this.report(a, 'accepted', 'accepted');
    if (spec === null) {
      this.busy.delete(t.id);
      this.touched();
      // dockerd: the image cannot be pulled, the task is rejected.
      this.report(a, 'rejected', 'preparing', noSuchImage(ref));
      return;
    }
    this.report(a, 'preparing', 'preparing');
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
        this.report(a, 'rejected', 'preparing', noSuchImage(ref));
      });
    };
    fetched(() => {
      if (!this.wanted(a)) {
        // Told to stop while pulling: nothing was created, the task just ends.
        this.busy.delete(t.id);
        this.touched();
        if (stopped(a.task.desiredState)) this.report(a, 'shutdown', 'shutdown');
        return;
      }
      if (!d.images.has(key)) d.pull(key, spec.layers);
      this.report(a, 'starting', 'starting');
      this.cluster.eq.after(START_TIME, () => {
        this.busy.delete(t.id);
        this.touched();
        if (!this.wanted(a)) {
          if (stopped(a.task.desiredState)) this.report(a, 'shutdown', 'shutdown');
          return;
        }
        // A task's container is the heaviest thing the model builds: it counts as 500 events
        // against a step's budget (scenario/run.ts), which stops a crash loop within seconds.
        this.cluster.eq.charge(500);
        try {
          const c = this.createContainer(a);
          this.containers.set(t.id, c);
          this.touched();
          if (c.state === 'running') this.report(a, 'running', 'started');
        } catch (e) {
          // The executor wraps what the daemon said (executor/container/controller.go Start).
          if (e instanceof DaemonError) this.report(a, 'failed', 'starting', `starting container failed: ${e.message}`);
          else if (e instanceof DockerError) this.report(a, 'failed', 'starting', `starting container failed: ${e.message.replace(/^.*Error response from daemon: /s, '')}`);
          else throw e;
        }
        this.sync();
      });
    });
  }

  /** The task's container: named <service>.<slot>.<task id> (global: the node ID for the slot). */
  private createContainer(a: Assigned): Container {
    const d = this.d;
    const t = a.task;
    const name = `${t.serviceName}.${t.slot === 0 ? this.nodeId : t.slot}.${t.id}`;
    // Networks first appear on this node when a task needs them.
    this.applyDataplane(a);
    const nets = [...a.addresses.keys()].map((id) => d.networks.get(id)!);
    const labels: Record<string, string> = {
      ...t.spec.containerLabels,
      'com.docker.swarm.node.id': this.nodeId,
      'com.docker.swarm.service.id': t.serviceId,
      'com.docker.swarm.service.name': t.serviceName,
      'com.docker.swarm.task': '',
      'com.docker.swarm.task.id': t.id,
      'com.docker.swarm.task.name': name,
    };
    const c = d.createTaskContainer({
      name, image: t.spec.image, cmd: t.spec.args, env: t.spec.env, hostname: t.spec.hostname, labels,
      // executor/container/container.go hostConfig: the spec's DNSConfig becomes the container's
      // --dns, --dns-search and --dns-option.
      dns: t.spec.dns,
      // The executor's endpoint settings carry no aliases (container.go getEndpointConfig): a
      // service's network aliases are service records, answered with the VIP, not the task IP.
      networks: nets.map((n) => ({ net: n, ip: a.addresses.get(n.id)!, aliases: [] })),
      files: this.secretFiles(t),
      // The executor creates the task's volumes on this node on first use (volumes are per node).
      mounts: t.spec.mounts.map((m) => ({
        type: m.type, source: m.source, target: m.target, readOnly: m.readOnly === true, mode: '',
        labels: m.volumeOptions?.labels ?? null, driver: m.volumeOptions?.driver ?? undefined, driverOptions: m.volumeOptions?.driverOptions ?? null,
      })),
      // Host-mode ports are published on the node through the docker_gwbridge leg.
      publish: t.ports.filter((q) => q.mode === 'host').map((q) => ({ hostIp: 0, hostPort: q.published ?? q.target, containerPort: q.target, proto: q.protocol })),
    });
    // Published ingress ports: the task redirects published → target and blocks the rest.
    const ingress = this.cluster.ingress();
    const ingressIp = ingress === null ? undefined : a.addresses.get(ingress.id);
    const ports = t.ports.filter((p) => p.mode === 'ingress' && p.published !== null).map((p) => ({ published: p.published!, target: p.target, protocol: p.protocol }));
    if (ingressIp !== undefined && ports.length > 0) this.dataplane.taskIngressRules(c.sandbox, ingressIp, ports);
    return c;
  }

  /** The task's secrets and configs as files. The executor puts a secret with a relative target
   *  under /run/secrets and a config with a relative target under / (daemon/cluster/executor
   *  container.go: secrets' and configs' mount points; a config's default target is /<name>). */
  private secretFiles(t: AssignedTask): Map<string, string> {
    const files = new Map<string, string>();
    for (const [refs, kind, dir] of [[t.spec.secrets, 'secret', '/run/secrets/'], [t.spec.configs, 'config', '/']] as const) {
      for (const ref of refs) {
        // The secrets and configs the dispatcher sent with the task (assignments.go addTaskDependencies).
        let data: string | undefined;
        for (const f of this.files.values()) if (f.kind === kind && f.name === ref.source) data = f.data;
        if (data !== undefined) files.set(ref.target.startsWith('/') ? ref.target : `${dir}${ref.target}`, data);
      }
    }
    return files;
  }

  /** Desired shutdown: weight 0 everywhere (via the state), wait for gossip, stop, report. */
  private shutdown(a: Assigned): void {
    const t = a.task;
    const connected = this.uplink.connected();
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
      if (!isTerminal(a.status) || a.status === 'running') this.report(a, 'shutdown', 'shutdown');
      if (a.removed && this.assigned.get(t.id) === a) this.assigned.delete(t.id);
      this.sync();
    };
    if (!connected || c.state !== 'running') return finish();
    this.cluster.eq.after(GOSSIP_CONVERGE, finish);
  }

  /** The container of one of our tasks ended on its own (or docker rm -f): the task failed. */
  private containerExited(c: Container, code: number): void {
    for (const [taskId, tc] of this.containers) {
      if (tc !== c || this.busy.has(taskId)) continue;
      const a = this.assigned.get(taskId);
      this.containers.delete(taskId);
      this.touched();
      if (a === undefined || !this.wanted(a)) return;
      if (code === 0) this.report(a, 'complete', 'finished');
      else this.report(a, 'failed', 'started', `task: non-zero exit (${code})`);
      return;
    }
  }

  // ---------- data plane ----------

  private participates(net: SwarmNetwork, extra?: Assigned): boolean {
    if (net.ingress) return true;
    for (const a of this.cluster.attachments.values()) if (a.nodeId === this.nodeId && a.networkId === net.id) return true;
    for (const a of this.assigned.values()) {
      if (a.addresses.has(net.id) && (this.containers.has(a.task.id) || a === extra)) return true;
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
    // Its endpoint is in the tables from the container's start (as the executor joins it) until
    // the task is reported shut down; a REMOVEd task withdraws it at once. In the store's order of
    // tasks, as the node's task list once gave them (only those kept are sorted: this runs for every
    // node after every commit that touches the data plane).
    const tasks: Assigned[] = [];
    for (const a of this.assigned.values()) if (a.status === 'running' && !a.removed && a.addresses.has(net.id)) tasks.push(a);
    tasks.sort((x, y) => x.task.seq - y.task.seq);
    for (const a of tasks) {
      const t = a.task;
      const ip = a.addresses.get(net.id)!;
      want.set(tableKey(OVERLAY_PEER_TABLE, t.id), peerValue(ip, len, vtep));
      const vip = a.vips.get(net.id);
      const aliases = t.spec.networks.filter((n) => this.cluster.findNetwork(n.target) === net).flatMap((n) => n.aliases);
      const rec: EndpointRecord = {
        Name: `${t.serviceName}.${t.slot === 0 ? t.nodeId : t.slot}.${t.id}`, ServiceName: t.serviceName, ServiceID: t.serviceId,
        VirtualIP: vip === undefined ? '' : formatIp4(vip), EndpointIP: formatIp4(ip),
        IngressPorts: net.ingress ? t.ports.filter((p) => p.mode === 'ingress' && p.published !== null).map((p) => ({ published: p.published!, target: p.target, protocol: p.protocol })) : [],
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
    if (lb !== undefined) {
      let v = this.lbValues.get(net.id);
      if (v === undefined || v.lb !== lb || v.len !== len || v.vtep !== vtep) this.lbValues.set(net.id, (v = { lb, len, vtep, value: peerValue(lb, len, vtep) }));
      want.set(tableKey(OVERLAY_PEER_TABLE, `lb-${this.nodeId}`), v.value);
    }
    return want;
  }

  /**
   * What a full apply reads, beyond this agent's tasks: the networks, this node's role, addresses
   * and attached containers, the engine's networks, and what gossip brought (the peers, bindings
   * and records the data plane programs come from NetworkDB, not from the networks' versions).
   * Every node syncs after every commit that touches the data plane — a node joining touches
   * ingress, a service created every network — and most find these as at their last apply.
   */
  private stampOf(node: SwarmNode): unknown[] {
    // What gossip changed first (a gossip apply takes it up without the rest: stampIs).
    const s: unknown[] = [this.views.changes, node, node.role, node.dataAddr, node.lbAddrs.size, this.d.networks.size, this.cluster.networks.size];
    for (const ip of node.lbAddrs.values()) s.push(ip);
    for (const net of this.cluster.networks.values()) s.push(net);
    for (const [cid, a] of this.cluster.attachments) if (a.nodeId === this.nodeId) s.push(cid, a.networkId, a.ip);
    return s;
  }

  /** Whether `stampOf(node)` would be the same as `s` from index `from` on, read in
   *  place: every node checks after every commit that touches the data plane, and most find it so.
   *  The lists (its addresses, the networks, the attachments) are read only when one of them was
   *  written since they were last found as in `s` (their write counts, `stampWrites`). */
  private stampIs(node: SwarmNode, s: readonly unknown[], from: number): boolean {
    if (s.length < 7 || (from === 0 && s[0] !== this.views.changes)) return false;
    if (s[1] !== node || s[2] !== node.role || s[3] !== node.dataAddr || s[4] !== node.lbAddrs.size || s[5] !== this.d.networks.size || s[6] !== this.cluster.networks.size) return false;
    const w = this.stampWrites;
    if (w.of === s && w.lb === node.lbAddrs.writes && w.nets === this.cluster.networks.writes && w.att === this.cluster.attachments.writes) return true;
    if (!this.listsAre(node, s)) return false;
    this.noteWrites(node, s);
    return true;
  }

  /** The lists part of `stampIs`, read in place. */
  private listsAre(node: SwarmNode, s: readonly unknown[]): boolean {
    let i = 7;
    for (const ip of node.lbAddrs.values()) if (s[i++] !== ip) return false;
    for (const net of this.cluster.networks.values()) if (s[i++] !== net) return false;
    if (this.cluster.attachments.size > 0) {
      for (const [cid, a] of this.cluster.attachments) {
        if (a.nodeId !== this.nodeId) continue;
        if (s[i] !== cid || s[i + 1] !== a.networkId || s[i + 2] !== a.ip) return false;
        i += 3;
      }
    }
    return i === s.length;
  }

  /** The stamp of the last full apply that left nothing to retry; null when none stands. */
  private applied: unknown[] | null = null;
  /** The write counts of the lists `of` was read from (or last found equal to). */
  private readonly stampWrites: { of: readonly unknown[] | null; lb: number; nets: number; att: number } = { of: null, lb: 0, nets: 0, att: 0 };

  private noteWrites(node: SwarmNode, s: readonly unknown[]): void {
    const w = this.stampWrites;
    w.of = s;
    w.lb = node.lbAddrs.writes;
    w.nets = this.cluster.networks.writes;
    w.att = this.cluster.attachments.writes;
  }

  /** `stampOf(node)`, its write counts noted. */
  private stamp(node: SwarmNode): unknown[] {
    const s = this.stampOf(node);
    this.noteWrites(node, s);
    return s;
  }

  /**
   * `gossip`: only NetworkDB changed, not the cluster: what this node publishes is the same.
   * `unchangedTasks`: none of this node's tasks or containers changed since the last apply (only
   * the cluster's data version moved): skipped when nothing it reads changed either.
   */
  private applyDataplane(extra?: Assigned, gossip = false, unchangedTasks = false): void {
    try {
      this.applyDataplaneNow(extra, gossip, unchangedTasks);
    } finally {
      // Its stamp, the version it saw, what it published and the engine's networks may have moved.
      this.inputsMoved();
    }
  }

  private applyDataplaneNow(extra: Assigned | undefined, gossip: boolean, unchangedTasks: boolean): void {
    const node = this.node;
    if (node === undefined) return;
    // Noted first: what describing changes (this node's first address on a network) is news to the
    // other nodes; this one looks once more, finding nothing to do.
    if (!gossip) this.dataSeen = this.cluster.dataVersion;
    if (unchangedTasks && this.applied !== null && this.stampIs(node, this.applied, 0)) return;
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
    // A network it could not program or find an address on (or an apply for one task's sake) is
    // looked at again next time. A gossip apply stands for a full one when only gossip changed
    // since the last (what the node publishes is then the same).
    const settled = extra === undefined && desired.every((dn) => dn.nodeIp !== 0) && this.dataplane.settled(desired);
    if (!gossip) this.applied = settled ? this.stamp(node) : null;
    else if (this.applied !== null) this.applied = settled && this.stampIs(node, this.applied, 1) ? this.stamp(node) : null;
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
    this.inputsMoved();
    for (const c of this.containers.values()) if (this.d.containers.has(c.id)) this.d.removeContainer(c, true);
    this.containers.clear();
    this.assigned.clear();
    this.files.clear();
    this.touched();
    for (const nid of [...this.views.networks()]) this.views.withdraw(nid);
    this.networkDb.stop();
    this.dataplane.apply([]);
  }
}

export type { Service };
