// The swarm side of a simulated world: at most one cluster, one agent per member node, and the
// glue between them and the hosts (which host can reach which, for Raft and heartbeats).
import { formatIp4, networkOf, parseCidr, parseIp4 } from '../core/addr.js';
import type { Ip4 } from '../core/addr.js';
import { Rng } from '../core/rng.js';
import type { Daemon } from '../docker/daemon.js';
import type { World } from '../kernel/world.js';
import { SEC } from '../sim/clock.js';
import type { Nanos } from '../sim/clock.js';
import { SwarmCluster, SwarmError } from '../swarm/cluster.js';
import { resetTo } from '../swarm/replica-reset.js';
import { Replica } from '../swarm/replica.js';
import { hashSeed } from '../swarm/ids.js';
import type { SwarmNode } from '../swarm/model.js';
import { Agent } from './agent.js';
import type { Uplink } from './agent.js';
import { AssignmentStream } from './assignments.js';
import { LocalUplink } from './local-uplink.js';
import { StatusQueue } from './status-queue.js';
import type { StoreEvent } from '../swarm/store/memory.js';
import { Dispatcher, SWARM_PORT } from './dispatcher.js';
import type { DispatcherOps } from './dispatcher.js';
import { ControlClient } from './control-proxy.js';
import type { ControlCall } from './control-proxy.js';
import type { CpMessage } from './rpc.js';
import { NodeSession } from './session.js';
import { RaftPeer } from './raft-peer.js';

/** moby daemon/cluster/errors.go errSwarmJoinTimeoutReached. */
export const JOIN_TIMEOUT_MESSAGE = 'Timeout was reached before node joined. The attempt to join the swarm will continue in the background. Use the "docker info" command to see the current swarm status of your node.';
const NO_LEADER = 'rpc error: code = Unknown desc = The swarm does not have a leader. It\'s possible that too few managers are online. Make sure more than half of the managers are online.';
/** moby daemon/cluster/cluster.go swarmRequestTimeout: the daemon's deadline on a control API call. */
const REQUEST_TIMEOUT: Nanos = 20 * SEC;
/** What the CLI shows when that deadline passes first (the gRPC status of a cancelled context). */
const DEADLINE_EXCEEDED = 'rpc error: code = DeadlineExceeded desc = context deadline exceeded';

/** How a join ended, as the daemon's Join call returns it. */
export type JoinResult = { readonly node: SwarmNode } | { readonly error: string };


/** What `docker swarm init` may set for the whole cluster, and the first node's data path address. */
export interface InitOptions {
  readonly pools?: readonly string[];
  readonly maskLength?: number;
  readonly dataPathPort?: number;
  readonly dataPathAddr?: Ip4;
}

export class SwarmWorld {
  cluster: SwarmCluster | null = null;
  readonly agents = new Map<string, Agent>();
  /** Each node's link to the managers over 2377 (a worker's dispatcher session; a join under way). */
  readonly sessions = new Map<string, NodeSession>();
  /** The listener on 2377 of each manager host. */
  readonly dispatchers = new Map<string, Dispatcher>();
  /** Each manager's Raft node, by node ID. */
  readonly raftPeers = new Map<string, RaftPeer>();
  /** Each manager host's connection for control API calls to the leader (while it follows). */
  readonly controlClients = new Map<string, ControlClient>();
  // ---- dispatch: assignments and task status ----
  /** Each worker's Assignments stream at the manager it has its session with, by node ID. */
  private readonly streams = new Map<string, AssignmentStream>();
  private readonly streamOfConn = new Map<object, AssignmentStream>();
  /** Each manager's own agent's link to its local dispatcher, by node ID. */
  private readonly locals = new Map<string, LocalUplink>();
  /** Each manager's queue of task status updates for the store, by host. */
  private readonly statusQueues = new Map<string, StatusQueue>();
  // ---- end dispatch ----

  constructor(readonly world: World) {}

  private reach(a: string, b: string): boolean {
    const lan = this.world.lan;
    const na = lan.nicOf(a);
    const nb = lan.nicOf(b);
    if (na === undefined || nb === undefined) return false;
    return this.up(a) && this.up(b) && na.running() && nb.running() && lan.reachable(na, nb) && lan.reachable(nb, na);
  }

  private up(host: string): boolean {
    const h = this.world.hosts.get(host);
    return h !== undefined && !h.down;
  }

  /** docker swarm init on `d`'s host. */
  init(d: Daemon, addr: Ip4, o: InitOptions = {}): SwarmNode {
    if ((this.cluster !== null && this.cluster.nodeFor(d.host.name) !== null) || this.sessions.has(d.host.name)) {
      throw new SwarmError('This node is already part of a swarm. Use "docker swarm leave" to leave this swarm and join another one.');
    }
    if (this.cluster !== null) throw new SwarmError('This simulation holds one swarm; this node would start a second one.');
    // moby 19.03 daemon/cluster/swarm.go Init: validateDefaultAddrPool, then getDataPathPort.
    const mask = o.maskLength ?? 24;
    if (mask > 29) throw new SwarmError(`subnet size is out of range: ${mask}`);
    const pools: Array<{ addr: number; len: number }> = [];
    for (const text of o.pools ?? []) {
      const t = text.trim();
      const c = t.includes('/') ? parseCidr(t) : null;
      if (c === null) throw new SwarmError(`invalid base pool ${t}: invalid CIDR address: ${t}`);
      if (mask < c.len) throw new SwarmError(`invalid CIDR: "${t}". Subnet size is too small for pool: ${mask}`);
      pools.push({ addr: networkOf(c.addr, c.len), len: c.len });
    }
    const port = o.dataPathPort ?? 0;
    if (port !== 0 && (port < 1024 || port > 49151)) throw new SwarmError(`Datapath port number is not in valid range (1024-49151) : ${port}`);
    const cluster = new SwarmCluster(
      d.rng.hex(25), d.host.rng, this.world.eq,
      { reach: (a, b) => this.reach(a, b), up: (h) => this.up(h) },
      () => ({}),
      pools.length === 0 ? [{ addr: 0x0a000000, len: 8 }] : pools,
      mask,
      port === 0 ? 4789 : port,
    );
    this.cluster = cluster;
    cluster.store.watch((e) => this.routeTaskEvent(e));
    // The ingress network is created with the cluster (19.03.5+: first /24 of the pool, VNI 4096).
    cluster.createNetwork('ingress', { subnet: null, gateway: null, ingress: true, attachable: false, encrypted: false, internal: false, labels: {}, options: {} });
    const node = cluster.addNode(d.host.name, 'manager', addr, 2e9, 2 * 1024 ** 3);
    if (o.dataPathAddr !== undefined) node.dataAddr = o.dataPathAddr;
    this.startAgent(d, node);
    this.startDispatcher(d);
    cluster.commit();
    return node;
  }

  /**
   * docker swarm join: the node connects to `remote` over TCP and asks for its certificate; `done`
   * is told once a manager answered (the node joined, or was refused). Until then the node is
   * pending and keeps trying in the background (the shell gives up waiting after 20 s).
   */
  join(d: Daemon, addr: Ip4, advertised: boolean, token: string, remote: string, done: (r: JoinResult) => void, dataPathAddr?: Ip4): void {
    const cluster = this.cluster;
    if ((cluster !== null && cluster.nodeFor(d.host.name) !== null) || this.sessions.has(d.host.name)) {
      throw new SwarmError('This node is already part of a swarm. Use "docker swarm leave" to leave this swarm and join another one.');
    }
    const [ipText, portText] = remote.split(':');
    const ip = parseIp4(ipText ?? '');
    const port = portText === undefined ? SWARM_PORT : Number(portText);
    if (ip === null || !Number.isInteger(port) || port < 1 || port > 65535) throw new SwarmError(`invalid remote address ${remote}`);
    const host = d.host.name;
    const session = new NodeSession(d, { ip, port }, { token, addr, advertised, dataAddr: dataPathAddr ?? null }, {
      joined: (nodeId) => {
        const node = this.cluster?.nodes.get(nodeId);
        if (node === undefined) return;
        this.startAgent(d, node);
        if (node.role === 'manager') {
          // A manager's agent talks to its own manager locally, not over 2377.
          session.stop();
          this.dropSession(host);
          this.startDispatcher(d);
        }
        this.cluster!.commit();
        done({ node });
      },
      refused: (message) => {
        this.dropSession(host);
        done({ error: message });
      },
      connected: () => this.sessionUp(host),
      assignments: (m) => this.agents.get(host)?.assign(m),
    }, new Rng(hashSeed(host)), () => this.remotes());
    this.sessions.set(host, session);
  }

  /** The node's session is gone: its agent's uplink is another now (Uplink.steady). */
  private dropSession(host: string): void {
    this.sessions.delete(host);
    this.agents.get(host)?.uplinkMoved();
  }

  /** The managers' 2377 addresses, as the dispatcher's session messages list them. */
  private remotes(): Array<{ ip: Ip4; port: number }> {
    return (this.cluster?.managers() ?? []).map((m) => ({ ip: m.addr, port: SWARM_PORT }));
  }

  /** A worker's session (re)opened: its agent looks at its tasks again. */
  private sessionUp(host: string): void {
    const cluster = this.cluster;
    const node = cluster?.nodeFor(host);
    if (cluster === null || node === null || node === undefined) return;
    cluster.wake(cluster.nodeTasks(node.id));
    cluster.commit();
  }

  /** Whether the manager on `host` can reach a leader (itself, or one it hears). */
  private leaderFrom(host: string): SwarmNode | null {
    const cluster = this.cluster;
    if (cluster === null) return null;
    const leader = cluster.currentLeader();
    const self = cluster.nodeFor(host);
    if (leader === null || self === null || this.raftPeers.get(self.id)?.node.lead !== leader.id) return null;
    return leader;
  }

  private startDispatcher(d: Daemon): void {
    const host = d.host.name;
    if (this.dispatchers.has(host)) return;
    const ops: DispatcherOps = {
      join: (m) => this.answerJoin(host, m),
      register: (nodeId) => {
        const cluster = this.cluster;
        const n = cluster?.nodes.get(nodeId);
        if (cluster === null || n === undefined || cluster.nodeOfHost.get(n.hostname) !== n.id) return { error: 'node not registered' };
        if (this.leaderFrom(host) === null) return null;
        const id = cluster.nodeStore.register(nodeId, cluster.now);
        cluster.heard(n);
        return id;
      },
      raft: (m) => {
        const id = this.cluster?.nodeFor(host)?.id;
        if (id !== undefined) this.raftPeers.get(id)?.receive(m);
      },
      heartbeat: (nodeId) => {
        const cluster = this.cluster;
        const n = cluster?.nodes.get(nodeId);
        if (cluster === null || n === undefined) return { error: 'node not registered' };
        if (this.leaderFrom(host) === null) return null;
        const period: Nanos | null = cluster.nodeStore.heartbeat(nodeId, cluster.now);
        if (period === null) return { error: 'node not registered' };
        cluster.heard(n);
        return period;
      },
      // A follower's control call (swarmkit raftproxy): proposed here; a manager that has stopped
      // leading fails it with ErrLostLeadership (RaftNode.propose), as the store's update would.
      control: (m, answer) => {
        const id = this.cluster?.nodeFor(host)?.id;
        const peer = id === undefined ? undefined : this.raftPeers.get(id);
        if (peer === undefined) return;
        // The answer is written as its own event: the commit is noticed inside Raft's handling.
        peer.node.propose(m.what, m.bytes, (err) => this.world.eq.after(0, () => answer(err)));
      },
      assignments: (nodeId, sessionId, conn, send) => this.openStream(host, nodeId, sessionId, conn, send),
      taskStatus: (m) => this.taskStatus(host, m),
      closed: (conn) => this.closeStream(conn),
    };
    this.statusQueues.set(host, new StatusQueue(this.world.eq, () => {
      const cluster = this.cluster;
      // Queued on a manager that lost the leader since: lost, as the leader's own queue is when its
      // dispatcher stops (dispatcher.go Stop); the agent's next report puts it right.
      return cluster === null || this.leaderFrom(host) === null ? null : cluster;
    }));
    this.dispatchers.set(host, new Dispatcher(d.host.root, ops));
    this.startRaft(d);
  }

  /** The manager's Raft node: the first one bootstraps the cluster, a later one follows the leader. */
  private startRaft(d: Daemon): void {
    const cluster = this.cluster!;
    const self = cluster.nodeFor(d.host.name)!;
    if (this.raftPeers.has(self.id)) return;
    const peer: RaftPeer = new RaftPeer(d, self.id, () => cluster.managers().filter((m) => m.id !== self.id && this.raftPeers.has(m.id)), hashSeed(self.id), {
      // Each manager's replica is fed by its own log only, as entries commit there.
      apply: (e) => peer.replica?.apply(e.index, e.actions),
      install: (index, data) => peer.replica?.install(index, data),
      snapshot: () => {
        const r = peer.replica ?? Replica.fromStore(cluster.store, peer.node.applied);
        return { bytes: r.bytes(), data: r.data() };
      },
      // A new leader that applied its whole log: the live store is put back to what it holds.
      caughtUp: () => {
        if (peer.replica !== null && this.raftPeers.get(self.id) === peer) resetTo(cluster, peer.replica);
      },
    });
    const leader = this.raftLeader();
    // The first manager bootstraps; the cluster's first objects (its node, the ingress network)
    // are written by `swarm init`'s commit, after this: the first entries a joiner replays.
    if (leader === null) peer.node.bootstrap();
    else {
      // A second manager: the first one's store, all of it committed, becomes its replica.
      leader.replica ??= Replica.fromStore(cluster.store, leader.node.applied);
      peer.replica = new Replica();
      peer.node.follow(leader.node.term, leader.nodeId);
      leader.node.joined(self.id);
    }
    this.raftPeers.set(self.id, peer);
    cluster.raft ??= {
      leader: () => this.raftLeader()?.nodeId ?? null,
      leadOf: (id) => this.raftPeers.get(id)?.node.lead ?? null,
      hears: (leaderId, id) => this.raftPeers.get(leaderId)?.node.hears(id) ?? false,
      // The reconcilers write on the leader (swarmkit runs them there only).
      record: (what, bytes, actions) => this.raftLeader()?.node.propose(what, bytes, undefined, actions),
    };
  }

  /**
   * A control API call that writes the store (swarmkit controlapi: store.Update → Node.ProposeValue),
   * made on the manager on `d`'s host, and `done(null)` once the entry is committed. On the leader
   * it is proposed there; on a follower it goes to the leader over 2377 (agent/control-proxy.ts,
   * swarmkit's raftproxy), which proposes it and answers once committed. Else `done` gets the
   * daemon's error: swarmkit's ErrLostLeadership (the leader stepped down first, CheckQuorum) as
   * gRPC code Unknown, the lost-quorum text when this manager knows no leader, or, past the
   * daemon's 20 s (moby daemon/cluster getRequestContext), DeadlineExceeded. A single manager
   * commits at once, and `done` runs before this returns.
   */
  propose(d: Daemon, call: ControlCall, done: (err: string | null) => void): void {
    const self = this.cluster?.nodeFor(d.host.name) ?? null;
    const lead = self === null ? null : this.raftPeers.get(self.id)?.node.lead ?? null;
    const leaderNode = lead === null ? undefined : this.cluster?.nodes.get(lead);
    if (self === null || lead === null || leaderNode === undefined) return done(NO_LEADER);
    let sync = true;
    let finished = false;
    const finish = (err: string | null): void => {
      if (finished) return;
      finished = true;
      // An answer from inside Raft's or TCP's handling runs as its own event (it writes the store).
      if (sync) done(err);
      else this.world.eq.after(0, () => done(err));
    };
    const answered = (err: string | null): void => finish(err === null ? null : `rpc error: code = Unknown desc = ${err}`);
    let forget = (): void => undefined;
    if (lead === self.id) {
      const leader = this.raftPeers.get(lead);
      if (leader === undefined) return done(NO_LEADER);
      leader.node.propose(call.what, call.bytes, answered);
    } else {
      let client = this.controlClients.get(d.host.name);
      if (client === undefined) this.controlClients.set(d.host.name, (client = new ControlClient(d)));
      const c = client;
      const n = c.call(lead, leaderNode.addr, call, answered);
      forget = () => c.forget(n);
    }
    sync = false;
    if (!finished) {
      this.world.eq.after(REQUEST_TIMEOUT, () => {
        forget();
        finish(DEADLINE_EXCEEDED);
      });
    }
  }

  /** The Raft leader with the highest term. */
  private raftLeader(): RaftPeer | null {
    let best: RaftPeer | null = null;
    for (const p of this.raftPeers.values()) if (p.node.role === 'leader' && (best === null || p.node.term > best.node.term)) best = p;
    return best;
  }

  private stopRaft(nodeId: string): void {
    this.raftPeers.get(nodeId)?.stop();
    this.raftPeers.delete(nodeId);
  }

  private stopDispatcher(host: string): void {
    this.dispatchers.get(host)?.stop();
    this.dispatchers.delete(host);
    this.controlClients.get(host)?.stop();
    this.controlClients.delete(host);
    this.statusQueues.get(host)?.stop();
    this.statusQueues.delete(host);
    const id = this.cluster?.nodeFor(host)?.id;
    if (id !== undefined) this.stopRaft(id);
  }

  /** The CA's answer to a join request that reached the manager on `host`. */
  private answerJoin(host: string, m: Extract<CpMessage, { kind: 'join' }>): { nodeId: string; role: 'manager' | 'worker' } | { error: string } | null {
    const cluster = this.cluster;
    if (cluster === null || cluster.nodeFor(host)?.role !== 'manager') return null;
    if (m.token !== cluster.workerToken && m.token !== cluster.managerToken) {
      return { error: 'rpc error: code = InvalidArgument desc = A valid join token is necessary to join this cluster' };
    }
    if (this.leaderFrom(host) === null) return { error: NO_LEADER };
    // Every certificate request makes a node (swarmkit's CA: a new ID per CSR): a retry whose first
    // answer was lost leaves a node that never reports, and is Down after the grace period.
    const node = cluster.addNode(m.hostname, m.token === cluster.managerToken ? 'manager' : 'worker', m.addr, 2e9, 2 * 1024 ** 3);
    if (m.dataAddr !== null) node.dataAddr = m.dataAddr;
    return { nodeId: node.id, role: node.role };
  }

  /** A promoted node serves 2377 and drops its session; a demoted one opens a session instead. */
  roleChanged(node: SwarmNode): void {
    const d = this.agents.get(node.hostname)?.d;
    if (d === undefined) return;
    if (node.role === 'manager') {
      this.sessions.get(node.hostname)?.stop();
      this.dropSession(node.hostname);
      this.endStream(node.id);
      this.startLocal(d, node);
      this.startDispatcher(d);
    } else if (!this.sessions.has(node.hostname)) {
      this.locals.delete(node.id);
      this.stopDispatcher(node.hostname);
      const leader = this.cluster?.currentLeader() ?? node;
      const host = node.hostname;
      const s = new NodeSession(d, { ip: leader.addr, port: SWARM_PORT }, null, {
        joined: () => undefined, refused: () => undefined, connected: () => this.sessionUp(host),
        assignments: (m) => this.agents.get(host)?.assign(m),
      }, new Rng(hashSeed(host)), () => this.remotes(), node.id);
      this.sessions.set(host, s);
    }
  }

  /** The node's swarm state as `docker info` names it, and the join address while pending. */
  localState(d: Daemon): { state: 'inactive' | 'pending' | 'active'; joinAddr: string | null; addr: string } {
    const s = this.sessions.get(d.host.name);
    if (s !== undefined && s.state === 'pending') {
      const r = s.remotes[0]!;
      return { state: 'pending', joinAddr: `${formatIp4(r.ip)}:${r.port}`, addr: s.advertised ? formatIp4(s.addr) : '' };
    }
    return { state: this.nodeOf(d) === null ? 'inactive' : 'active', joinAddr: null, addr: '' };
  }

  private startAgent(d: Daemon, node: SwarmNode): void {
    // Every node's overlays use the cluster's data path port; its VTEP is its data path address.
    d.vxlanPort = this.cluster!.dataPathPort;
    d.dataPathAddr = node.dataAddr;
    const host = d.host.name;
    if (node.role === 'manager') this.startLocal(d, node);
    // A worker gets work and reports over its dispatcher session; a manager locally.
    const uplink: Uplink = {
      connected: () => this.sessions.get(host)?.connected ?? this.locals.get(node.id)?.connected() ?? false,
      report: (taskId, status) => {
        const s = this.sessions.get(host);
        if (s !== undefined) s.reportStatus(taskId, status);
        else this.locals.get(node.id)?.report(taskId, status);
      },
      poll: () => (this.sessions.has(host) ? null : this.locals.get(node.id)?.poll() ?? null),
      waiting: () => !this.sessions.has(host) && (this.locals.get(node.id)?.waiting() ?? false),
      // A session's reports never hold the agent back; the swarm world tells the agent when the
      // session goes (dropSession).
      steady: () => this.sessions.has(host),
    };
    this.agents.set(d.host.name, new Agent(this.cluster!, d, node.id, uplink));
  }

  // ---------- dispatch: assignments and task status over the session ----------

  /** The manager's own agent: its local dispatcher, reached while the manager follows a leader. */
  private startLocal(d: Daemon, node: SwarmNode): void {
    const cluster = this.cluster!;
    const host = d.host.name;
    this.locals.set(node.id, new LocalUplink(cluster, node.id, () => {
      const leader = cluster.currentLeader();
      return leader !== null && cluster.net.up(host) && (leader.hostname === host || cluster.net.reach(host, leader.hostname));
    }));
  }

  /**
   * The store's task events, to the assignment set of the node each concerns (the dispatcher's
   * ViewAndWatch on EventUpdateTask/EventDeleteTask by node ID): a task moved off a node is
   * REMOVEd from its set.
   */
  private routeTaskEvent(e: StoreEvent): void {
    if (e.kind !== 'task' || (this.streams.size === 0 && this.locals.size === 0)) return;
    const t = e.task;
    if (e.action === 'delete') {
      if (t.nodeId !== null) this.noteRemove(t.nodeId, t.id);
      return;
    }
    if (e.action === 'update' && e.prevNode !== null && e.prevNode !== t.nodeId) this.noteRemove(e.prevNode, t.id);
    if (t.nodeId === null) return;
    const s = this.streams.get(t.nodeId);
    if (s !== undefined && s.set.addOrUpdate(t)) s.modified();
    this.locals.get(t.nodeId)?.set.addOrUpdate(t);
  }

  private noteRemove(nodeId: string, taskId: string): void {
    const s = this.streams.get(nodeId);
    if (s !== undefined && s.set.remove(taskId)) s.modified();
    this.locals.get(nodeId)?.set.remove(taskId);
  }

  /** Dispatcher.Assignments on the manager on `host`: the COMPLETE set now, then the changes. */
  private openStream(host: string, nodeId: string, sessionId: string, conn: object, send: (m: CpMessage) => boolean): { error: string } | null {
    const cluster = this.cluster;
    if (cluster === null || cluster.nodeStore.sessionOf(nodeId) !== sessionId) return { error: 'rpc error: code = NotFound desc = node not registered' };
    if (this.leaderFrom(host) === null) return null;
    this.endStream(nodeId);
    const stream = new AssignmentStream(cluster, this.world.eq, nodeId, () => this.leaderFrom(host) !== null, send);
    this.streams.set(nodeId, stream);
    this.streamOfConn.set(conn, stream);
    send(stream.complete());
    return null;
  }

  private endStream(nodeId: string): void {
    const s = this.streams.get(nodeId);
    if (s === undefined) return;
    s.closed = true;
    this.streams.delete(nodeId);
  }

  private closeStream(conn: object): void {
    const s = this.streamOfConn.get(conn);
    if (s === undefined) return;
    this.streamOfConn.delete(conn);
    if (this.streams.get(s.nodeId) === s) this.endStream(s.nodeId);
  }

  /** Dispatcher.UpdateTaskStatus on the manager on `host`: queued for the next batch. */
  private taskStatus(host: string, m: Extract<CpMessage, { kind: 'task-status' }>): true | { error: string } | null {
    const cluster = this.cluster;
    if (cluster === null || cluster.nodeStore.sessionOf(m.nodeId) !== m.sessionId) return { error: 'rpc error: code = NotFound desc = node not registered' };
    if (this.leaderFrom(host) === null) return null;
    const t = cluster.store.getTask(m.taskId);
    // A task gone, or not this node's (PermissionDenied in swarmkit), is not written.
    if (t !== null && t.nodeId === m.nodeId) this.statusQueues.get(host)?.add(m.taskId, m.status);
    return true;
  }

  leave(d: Daemon, force: boolean): void {
    const cluster = this.cluster;
    const node = cluster?.nodeFor(d.host.name) ?? null;
    const session = this.sessions.get(d.host.name);
    if (session !== undefined && session.state === 'pending') {
      // Leaving while the join is still being tried: the attempt stops.
      session.stop();
      this.dropSession(d.host.name);
      return;
    }
    if (cluster === null || node === null) throw new SwarmError('This node is not part of a swarm');
    if (node.role === 'manager' && !force) {
      const managers = cluster.managers().length;
      throw new SwarmError(`You are attempting to leave the swarm on a node that is participating as a manager. Removing this node leaves ${managers - 1} managers out of ${managers}. Without a Raft quorum your swarm will be inaccessible. The only way to restore a swarm that has lost consensus is to reinitialize it with \`--force-new-cluster\`. Use \`--force\` to suppress this message.`);
    }
    this.agents.get(d.host.name)?.leave();
    this.agents.delete(d.host.name);
    this.locals.delete(node.id);
    this.endStream(node.id);
    session?.stop();
    this.dropSession(d.host.name);
    this.stopDispatcher(d.host.name);
    cluster.nodeStore.forget(node.id);
    // A worker that leaves stays in the node list as Down until removed (docker node rm).
    node.status = 'down';
    cluster.nodeOfHost.delete(d.host.name);
    if (node.role === 'manager') cluster.removeNode(node);
    else cluster.commit();
    if (cluster.managers().length === 0) this.cluster = null;
  }

  nodeOf(d: Daemon): SwarmNode | null {
    return this.cluster?.nodeFor(d.host.name) ?? null;
  }
}
