// One swarm: the state its managers replicate through Raft, and the reconcilers that act on it
// (allocator, orchestrator, scheduler). Changes go through `commit()`, which is refused without a
// quorum of managers, then reconciles and tells the agents. Nothing here touches a kernel: agents
// (agent/) turn the state into containers and load balancers on each node.
import type { Ip4 } from '../core/addr.js';
import { formatCidr } from '../core/addr.js';
import type { Rng } from '../core/rng.js';
import type { EventQueue, Nanos } from '../sim/clock.js';
import { SEC } from '../sim/clock.js';
import { AddressPool, globalPoolCandidates, overlaps } from '../core/ipam.js';
import type { Subnet } from '../core/ipam.js';
import { hashSeed, swarmId } from './ids.js';
import { NodeStore } from './dispatcher.js';
import { NodeTasks, Service, SwarmNetwork, SwarmNode, Task, isTerminal, slotKey, stateIndex as stateIndexOf } from './model.js';
import type { Config, FileObjectKind, Secret } from './model.js';
import type { NodeObserver, NodeRole, TaskObserver, TaskState } from './model.js';
import { entryBytes } from './raft-entry.js';
import { scheduleTask } from './scheduler.js';
import { Updater, specKey } from './updater.js';
import { MAX_SERVICES } from './spec.js';
import type { ServiceSpec } from './spec.js';

/** A refusal as the daemon words it (the CLI prefixes "Error response from daemon: "). */
export class SwarmError extends Error {}

export const HEARTBEAT: Nanos = 5 * SEC;
/** A node is Down once its heartbeats have been missing this long (period × 3, swarmkit's grace). */
export const NODE_DOWN_AFTER: Nanos = 3 * HEARTBEAT;
/** Tasks kept per slot in `service ps` history (task-history-limit 5). */
export const TASK_HISTORY = 5;
export const INGRESS_VNI = 4096;

/** Leadership as the managers' Raft nodes see it (agent/raft-peer.ts): what crossed the wire. */
export interface RaftView {
  /** The leader with the highest term, or null while no manager leads. */
  leader(): string | null;
  /** The leader the manager `nodeId` follows (itself when leading), null while it knows none. */
  leadOf(nodeId: string): string | null;
  /** Whether the leader `leaderId` heard from manager `nodeId` within the last election timeout. */
  hears(leaderId: string, nodeId: string): boolean;
  /** A commit's writes go into the leader's log, to be replicated (not waited for). */
  record(what: string, bytes: number): void;
}

export interface Connectivity {
  /** Whether host `a` can reach host `b` over the LAN now (both up, cables in, same partition). */
  reach(a: string, b: string): boolean;
  up(host: string): boolean;
}

/** Wanted running (or ready to replace one) and not ended: the task occupies its slot and node. */
function liveState(desired: TaskState, state: TaskState): boolean {
  return (desired === 'running' || desired === 'ready') && !isTerminal(state);
}

/** The key a task's history is kept under: its replica slot, or a global task's node (set when made). */
function groupKey(t: Task): number | string {
  return t.slot > 0 ? t.slot : t.nodeId ?? '';
}

/** One service's tasks in creation order: all of them, and by slot (replicated) or node (global). */
class ServiceTasks {
  readonly all = new Set<Task>();
  readonly groups = new Map<number | string, Task[]>();
}

/** A node's agent as the cluster sees it. */
export interface NodeAgent {
  /** Whether a sync would run now (host up, daemon running, not inside a sync already). */
  listening(): boolean;
  /** Acts on the store; false when it could not, or must look again after the next commit. */
  sync(): boolean;
}

// Every commit used to re-walk the whole task map several times (orchestrator, updater start,
// scheduler, history pruning) and every agent walked it again: O(nodes × tasks) per commit, with a
// commit per task state report. The indexes below, kept by the Task and SwarmNode setters, let each
// commit look only at what changed; the work and its order are otherwise those of the full scans.
export class SwarmCluster implements TaskObserver, NodeObserver {
  readonly nodes = new Map<string, SwarmNode>();
  readonly services = new Map<string, Service>();
  readonly tasks = new Map<string, Task>();
  readonly networks = new Map<string, SwarmNetwork>();
  readonly secrets = new Map<string, Secret>();
  readonly configs = new Map<string, Config>();
  readonly nodeOfHost = new Map<string, string>();
  /** Standalone containers attached to attachable overlays (`docker run --network`), by container ID. */
  readonly attachments = new Map<string, { readonly networkId: string; readonly nodeId: string; readonly ip: Ip4; readonly name: string }>();
  readonly workerToken: string;
  readonly managerToken: string;
  leaderId: string | null = null;
  /** Raft over the wire, once the swarm world runs it; without it leadership is computed from reach. */
  raft: RaftView | null = null;
  /** The dispatcher's sessions and heartbeat timers (workers; managers are heard through Raft). */
  readonly nodeStore: NodeStore;

  /** The store's secrets or configs. */
  fileObjects(kind: FileObjectKind): Map<string, Secret | Config> {
    return kind === 'secret' ? this.secrets : this.configs;
  }
  private nextVni = INGRESS_VNI;
  private nextPort = 30000;
  /** The agents, in the order they started: told after commits, when something concerns them. */
  private readonly agents: NodeAgent[] = [];
  /**
   * Which agents have something to look at: their node's tasks changed, their own state did, or
   * the data plane did (all of them). An agent not marked would find nothing new, so it is not
   * called; the marks are scanned in order, as the agents were once all called in order.
   */
  private due = new Uint8Array(16);
  /** Rolling updates in progress, by service ID. */
  private readonly updaters = new Map<string, Updater>();
  /** The Raft log index objects are versioned with (`Version.Index`); here one write per object
   *  created, which is what the store's index counts apart from updates. */
  storeIndex = 10;
  private reconciling = false;
  /** The objects written since the last commit: its Raft log entry (swarm/raft-entry.ts). */
  private readonly journal = new Set<object>();
  private ticking = false;
  /** Bumped by every change an agent's data plane may depend on (networks, peers, services, roles). */
  dataVersion = 0;

  private taskSeq = 0;
  private readonly byService = new Map<string, ServiceTasks>();
  private readonly byNode = new Map<string, NodeTasks>();
  private readonly byNetwork = new Map<string, Set<Task>>();
  /** Tasks in state pending, in creation order (the scheduler's queue). */
  private readonly pending = new Set<Task>();
  /** Services whose tasks, spec or nodes changed since the orchestrator last looked at them. */
  private readonly orchDirty = new Set<string>();
  /**
   * Replacements created with desired state READY by the restart supervisor, raised to RUNNING
   * once the restart delay is over and the old task has stopped (restart.go DelayStart/waitStop).
   */
  private readonly delayed: DelayedStart[] = [];
  /** Tasks shut down because their node went down or was drained: how their replacement starts. */
  private readonly invalidated = new WeakMap<Task, { delay: Nanos; waitStop: boolean }>();
  /** Services left with a slot the restart policy keeps empty for now: looked at on every commit. */
  private readonly unfilled = new Set<string>();
  /** The service being orchestrated: its own changes do not make it dirty again. */
  private orchestrating: string | null = null;
  /** Tasks the allocator could not give addresses yet (state NEW), in creation order. */
  private readonly unallocated = new Set<Task>();
  /** Tasks whose desired state is REMOVE and changed since the reaper last looked. */
  private readonly removing = new Set<Task>();
  /** History groups to prune, by service. */
  private readonly pruneDirty = new Map<string, Set<number | string>>();
  /** Removed services that still have tasks (their tasks go once ended or never scheduled). */
  private readonly orphaned = new Set<string>();
  private managerList: SwarmNode[] | null = null;
  private notifyDepth = 0;
  private leaderFresh = false;

  constructor(
    readonly id: string,
    readonly rng: Rng,
    readonly eq: EventQueue,
    readonly net: Connectivity,
    readonly engineLabels: (n: SwarmNode) => Record<string, string>,
    /** `--default-addr-pool` (one or more; 10.0.0.0/8 by default), split into /`addrPoolMask`. */
    readonly addrPools: readonly Subnet[],
    readonly addrPoolMask: number,
    /** `--data-path-port`: the UDP port of every overlay's VXLAN (4789 by default). */
    readonly dataPathPort: number = 4789,
  ) {
    // SWMTKN-1-<hash of the root CA>-<secret>: one hash, two secrets (worker, manager).
    this.nodeStore = new NodeStore(hashSeed(id));
    const hash = this.b36(50);
    this.workerToken = `SWMTKN-1-${hash}-${this.b36(25)}`;
    this.managerToken = `SWMTKN-1-${hash}-${this.b36(25)}`;
  }

  private b36(n: number): string {
    const a = '0123456789abcdefghijklmnopqrstuvwxyz';
    let s = '';
    for (let i = 0; i < n; i++) s += a[this.rng.below(36)];
    return s;
  }

  get now(): Nanos {
    return this.eq.now;
  }

  newId(): string {
    this.storeIndex++;
    return swarmId(this.rng);
  }

  /** Registers the agent of `nodeId`. */
  watch(nodeId: string, agent: NodeAgent): void {
    const i = this.agents.length;
    this.agents.push(agent);
    if (i >= this.due.length) {
      const due = new Uint8Array(this.due.length * 2);
      due.set(this.due);
      this.due = due;
    }
    this.due[i] = 1;
    this.nodeTasks(nodeId).agent = i;
  }

  /** The node's agent has something to look at after the next commit. */
  wake(e: NodeTasks): void {
    if (e.agent >= 0) this.due[e.agent] = 1;
  }

  private bumpNode(e: NodeTasks): void {
    e.epoch++;
    if (e.agent >= 0) this.due[e.agent] = 1;
  }

  private bumpData(): void {
    this.dataVersion += 1;
    this.due.fill(1, 0, this.agents.length);
  }

  // ---------- membership and Raft ----------

  addNode(hostname: string, role: NodeRole, addr: Ip4, cpus: number, memory: number): SwarmNode {
    const id = this.newId();
    const n = new SwarmNode(id, hostname, role, addr, this.now, cpus, memory, this.nodeTasks(id));
    this.nodes.set(n.id, n);
    n.observer = this;
    this.managerList = null;
    this.nodeOfHost.set(hostname, n.id);
    if (this.leaderId === null && role === 'manager') this.leaderId = n.id;
    // Until its agent opens a session, the node is timed as if it had one.
    if (role === 'worker') this.nodeStore.register(n.id, this.now);
    const ingress = this.ingress();
    if (ingress !== null) this.nodeLbAddr(n, ingress);
    // Every network's peers may include the new node's endpoints.
    this.touchNetworks();
    this.startTicking();
    return n;
  }

  nodeChanged(n: SwarmNode): void {
    this.journal.add(n);
    this.managerList = null;
    // Status and availability decide where tasks may stay; the role, which networks a node lists.
    for (const id of this.services.keys()) this.orchDirty.add(id);
    this.bumpData();
  }

  private managerNodes(): SwarmNode[] {
    return (this.managerList ??= [...this.nodes.values()].filter((n) => n.role === 'manager'));
  }

  managers(): SwarmNode[] {
    return [...this.managerNodes()];
  }

  /** How many managers `from` can reach (itself included when up). */
  private reachableManagers(from: SwarmNode): number {
    let k = 0;
    for (const m of this.managerNodes()) if (this.net.up(m.hostname) && (m === from || this.net.reach(from.hostname, m.hostname))) k++;
    return k;
  }

  /** Raft: the leader, re-elected among a connected majority of managers; null without quorum. */
  currentLeader(): SwarmNode | null {
    if (this.raft !== null) {
      const id = this.raft.leader();
      const n = id === null ? undefined : this.nodes.get(id);
      this.leaderId = n === undefined ? null : n.id;
      return n !== undefined && n.role === 'manager' ? n : null;
    }
    const managers = this.managerNodes();
    const quorum = Math.floor(managers.length / 2) + 1;
    const cur = this.leaderId === null ? undefined : this.nodes.get(this.leaderId);
    if (cur !== undefined && cur.role === 'manager' && this.net.up(cur.hostname) && this.reachableManagers(cur) >= quorum) return cur;
    // An election: the first manager (by join order) that sees a majority wins.
    for (const m of managers) {
      if (this.net.up(m.hostname) && this.reachableManagers(m) >= quorum) {
        this.leaderId = m.id;
        return m;
      }
    }
    return null;
  }

  /**
   * What every agent's sync used to do first (through its connectivity check): ask for the leader,
   * which elects one when the last is gone. Within one round of change notifications nothing the
   * answer depends on (members, roles, links) changes, so the first agent's call stands for all.
   */
  touchLeader(): void {
    if (this.notifyDepth > 0 && this.leaderFresh) return;
    this.currentLeader();
    this.leaderFresh = true;
  }

  /** Refuses when the node asking is not a manager or cannot reach a leader with quorum. */
  checkManager(host: string): SwarmNode {
    const n = this.nodeFor(host);
    if (n === null || n.role !== 'manager') {
      throw new SwarmError("This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager.");
    }
    const leader = this.currentLeader();
    const follows = this.raft === null ? leader !== null && (leader === n || this.net.reach(host, leader.hostname)) : leader !== null && this.raft.leadOf(n.id) === leader.id;
    if (!follows) {
      throw new SwarmError('rpc error: code = Unknown desc = The swarm does not have a leader. It\'s possible that too few managers are online. Make sure more than half of the managers are online.');
    }
    return n;
  }

  nodeFor(host: string): SwarmNode | null {
    const id = this.nodeOfHost.get(host);
    return id === undefined ? null : this.nodes.get(id) ?? null;
  }

  /** Manager status as `docker node ls` shows it. */
  managerStatus(n: SwarmNode): string {
    if (n.role !== 'manager') return '';
    const leader = this.currentLeader();
    if (leader === n) return 'Leader';
    if (leader !== null && this.raft !== null) return this.raft.hears(leader.id, n.id) ? 'Reachable' : 'Unreachable';
    if (leader !== null && this.net.up(n.hostname) && this.net.reach(leader.hostname, n.hostname)) return 'Reachable';
    return 'Unreachable';
  }

  removeNode(n: SwarmNode): void {
    const own = this.byNode.get(n.id);
    if (own !== undefined) for (const t of [...own.tasks]) if (!isTerminal(t.state)) t.desiredState = 'shutdown';
    this.nodes.delete(n.id);
    this.managerList = null;
    for (const id of this.services.keys()) this.orchDirty.add(id);
    this.touchNetworks();
    if (this.nodeOfHost.get(n.hostname) === n.id) this.nodeOfHost.delete(n.hostname);
    if (this.leaderId === n.id) this.leaderId = null;
    this.commit();
  }

  /** Heartbeats: once a second the leader notes who it hears; silent nodes go Down. */
  private startTicking(): void {
    if (this.ticking) return;
    this.ticking = true;
    const tick = (): void => {
      this.heartbeat();
      this.eq.after(SEC, tick);
    };
    this.eq.after(SEC, tick);
  }

  /**
   * Once a second: a worker is Down once the dispatcher's timer for it ran out (its heartbeats
   * stopped arriving); a manager is heard, through Raft, while the leader reaches it.
   */
  private heartbeat(): void {
    const leader = this.currentLeader();
    let changed = false;
    for (const n of this.nodes.values()) {
      // A node that left (or was replaced by a rejoin under a new ID) sends nothing any more.
      const member = this.nodeOfHost.get(n.hostname) === n.id;
      if (n.role === 'worker') {
        const silent = this.nodeStore.registered(n.id) ? this.nodeStore.expired(n.id, this.now) : this.now - n.lastSeen > NODE_DOWN_AFTER;
        if (leader !== null && n.status === 'ready' && (!member || silent)) {
          n.status = 'down';
          changed = true;
        }
        continue;
      }
      const heard = member && leader !== null && (this.raft !== null ? this.raft.hears(leader.id, n.id) : this.net.up(n.hostname) && (n === leader || this.net.reach(leader.hostname, n.hostname)));
      if (heard) {
        n.lastSeen = this.now;
        if (n.status !== 'ready') {
          n.status = 'ready';
          changed = true;
        }
      } else if (leader !== null && n.status === 'ready' && this.now - n.lastSeen > NODE_DOWN_AFTER) {
        n.status = 'down';
        changed = true;
      }
    }
    if (changed) this.commit();
  }

  /** A node's session opened or its heartbeat arrived at a manager that reaches the leader. */
  heard(n: SwarmNode): void {
    n.lastSeen = this.now;
    if (n.status !== 'ready' && this.nodeOfHost.get(n.hostname) === n.id) {
      n.status = 'ready';
      this.commit();
    }
  }

  // ---------- networks and addresses ----------

  ingress(): SwarmNetwork | null {
    for (const n of this.networks.values()) if (n.ingress) return n;
    return null;
  }

  createNetwork(name: string, o: { subnet: Subnet | null; gateway: Ip4 | null; ingress: boolean; attachable: boolean; encrypted: boolean; internal: boolean; labels: Record<string, string>; options: Record<string, string> }): SwarmNetwork {
    for (const n of this.networks.values()) if (n.name === name) throw new SwarmError(`network with name ${name} already exists`);
    const used = [...this.networks.values()].map((n) => n.subnet);
    let subnet = o.subnet;
    if (subnet !== null) {
      if (used.some((u) => overlaps(u, subnet!))) throw new SwarmError(`rpc error: code = InvalidArgument desc = invalid pool request: Pool overlaps with other one on this address space`);
    } else {
      subnet = null;
      for (const pool of this.addrPools) {
        subnet = globalPoolCandidates(pool, this.addrPoolMask).find((s) => !used.some((u) => overlaps(u, s))) ?? null;
        if (subnet !== null) break;
      }
      if (subnet === null) throw new SwarmError('rpc error: code = ResourceExhausted desc = could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
    }
    // The overlay driver's allocator (libnetwork drivers/overlay/ovmanager NetworkAllocate): the
    // VNI asked for with com.docker.network.driver.overlay.vxlanid_list, or the next free one from
    // 4096; the option then names the VNI the network got.
    const VNI_OPT = 'com.docker.network.driver.overlay.vxlanid_list';
    let vni: number;
    const asked = o.options[VNI_OPT];
    if (asked !== undefined) {
      const first = asked.split(',')[0]!;
      if (!/^\d+$/.test(first)) throw new SwarmError(`rpc error: code = Unknown desc = invalid vxlan id value "${first}" passed`);
      vni = Number(first);
      if (vni >= 1 << 24) throw new SwarmError(`rpc error: code = Unknown desc = could not obtain vxlan id for pool ${formatCidr(subnet.addr, subnet.len)}: requested bit is out of range`);
      if ([...this.networks.values()].some((n) => n.vni === vni)) throw new SwarmError(`rpc error: code = Unknown desc = could not obtain vxlan id for pool ${formatCidr(subnet.addr, subnet.len)}: requested bit is already allocated`);
    } else {
      const used = new Set([...this.networks.values()].map((n) => n.vni));
      while (used.has(this.nextVni)) this.nextVni++;
      vni = this.nextVni++;
    }
    const pool = new AddressPool(subnet, true);
    const gateway = o.gateway ?? (subnet.addr + 1) >>> 0;
    pool.take(gateway);
    const options = { ...o.options, [VNI_OPT]: String(vni) };
    const net = new SwarmNetwork(this.newId(), name, subnet, gateway, vni, pool, o.ingress, o.attachable, o.encrypted, o.internal, o.labels, options, this.now);
    this.networks.set(net.id, net);
    // Services may name the network before it exists (their aliases and VIPs follow it).
    this.touchNetworks();
    return net;
  }

  removeNetwork(net: SwarmNetwork): void {
    const users = [...this.services.values()].filter((s) => this.serviceNetworks(s).includes(net));
    if (users.length > 0) throw new SwarmError(`rpc error: code = FailedPrecondition desc = network ${net.id} is in use by service ${users[0]!.id}`);
    this.networks.delete(net.id);
    this.touchNetworks();
    this.commit();
  }

  findNetwork(ref: string): SwarmNetwork | null {
    for (const n of this.networks.values()) if (n.name === ref) return n;
    const byId = [...this.networks.values()].filter((n) => n.id.startsWith(ref));
    return byId.length === 1 ? byId[0]! : null;
  }

  /** The node's own address on a network (its LB endpoint, or its ingress-sbox on ingress). */
  nodeLbAddr(n: SwarmNode, net: SwarmNetwork): Ip4 {
    const a = this.tryNodeLbAddr(n, net);
    // libnetwork's ipam error when the subnet is used up (a /24 ingress holds 252 nodes).
    if (a === null) throw new SwarmError(`no available addresses on this pool: network ${net.name} (${formatCidr(net.subnet.addr, net.subnet.len)}) has no address left for node ${n.hostname}`);
    return a;
  }

  /** The same, null when the network has no address left (the node then has no load balancer on it). */
  tryNodeLbAddr(n: SwarmNode, net: SwarmNetwork): Ip4 | null {
    let a = n.lbAddrs.get(net.id);
    if (a === undefined) {
      const got = net.pool.allocate();
      if (got === null) return null;
      a = got;
      n.lbAddrs.set(net.id, a);
      this.touchNetwork(net.id);
    }
    return a;
  }

  /** Something `net`'s peers, load balancers or DNS records derive from changed. */
  touchNetwork(netId: string): void {
    const n = this.networks.get(netId);
    if (n !== undefined) n.version++;
    this.bumpData();
  }

  private touchNetworks(): void {
    for (const n of this.networks.values()) n.version++;
    this.bumpData();
  }

  // ---------- services ----------

  findService(ref: string): Service | null {
    for (const s of this.services.values()) if (s.spec.name === ref || s.id === ref) return s;
    const byId = [...this.services.values()].filter((s) => s.id.startsWith(ref));
    return byId.length === 1 ? byId[0]! : null;
  }

  /** The networks a spec attaches to, ingress first when it publishes ingress ports. */
  serviceNetworks(svc: Service): SwarmNetwork[] {
    const out: SwarmNetwork[] = [];
    const ingress = this.ingress();
    if (ingress !== null && svc.ports.some((p) => p.mode === 'ingress')) out.push(ingress);
    for (const a of svc.spec.networks) {
      const n = this.findNetwork(a.target);
      if (n !== null && !out.includes(n)) out.push(n);
    }
    return out;
  }

  /** Allocation for a new or changed spec: published ports (30000+), then VIPs. */
  allocateService(svc: Service): void {
    // The CLI's flags cap ports at 65535, a compose file's long syntax does not: swarmkit's port
    // allocator (master space 1-65535) cannot allocate such a port and leaves the service
    // unallocated. The simulator refuses it at once instead (README, Limits).
    for (const p of svc.spec.ports) {
      if ((p.published !== null && (p.published < 1 || p.published > 65535)) || p.target < 1 || p.target > 65535) {
        throw new SwarmError(`rpc error: code = InvalidArgument desc = swarmsim: port ${p.published !== null && (p.published < 1 || p.published > 65535) ? p.published : p.target} is outside the port allocator's range 1-65535`);
      }
    }
    this.touchNetworks();
    const taken = new Set<number>();
    for (const other of this.services.values()) if (other !== svc) for (const p of other.ports) if (p.mode === 'ingress' && p.published !== null) taken.add(p.published);
    svc.ports = svc.spec.ports.map((p) => {
      if (p.published !== null || p.mode === 'host') return p;
      while (taken.has(this.nextPort)) this.nextPort++;
      return { ...p, published: this.nextPort++ };
    });
    for (const p of svc.ports) {
      if (p.mode === 'ingress' && p.published !== null && taken.has(p.published)) {
        throw new SwarmError(`rpc error: code = InvalidArgument desc = port '${p.published}' is already in use by service '${[...this.services.values()].find((o) => o !== svc && o.ports.some((q) => q.published === p.published))?.spec.name}' (${[...this.services.values()].find((o) => o !== svc && o.ports.some((q) => q.published === p.published))?.id}) as an ingress port`);
      }
    }
    const nets = this.serviceNetworks(svc);
    if (svc.spec.endpointMode === 'dnsrr') {
      for (const [netId, vip] of svc.vips) this.networks.get(netId)?.pool.release(vip);
      svc.vips.clear();
      return;
    }
    for (const [netId, vip] of [...svc.vips]) {
      if (!nets.some((n) => n.id === netId)) {
        this.networks.get(netId)?.pool.release(vip);
        svc.vips.delete(netId);
      }
    }
    this.allocateVips(svc, nets);
  }

  /** A VIP on each of the service's networks that has an address left (allocator allocateService). */
  private allocateVips(svc: Service, nets: SwarmNetwork[] = this.serviceNetworks(svc)): boolean {
    if (svc.spec.endpointMode === 'dnsrr') return true;
    let all = true;
    for (const n of nets) {
      if (svc.vips.has(n.id)) continue;
      const vip = n.pool.allocate();
      if (vip === null) all = false;
      else {
        svc.vips.set(n.id, vip);
        this.touchNetwork(n.id);
      }
    }
    return all;
  }

  addService(spec: ServiceSpec): Service {
    if (this.findService(spec.name) !== null && [...this.services.values()].some((s) => s.spec.name === spec.name)) {
      throw new SwarmError(`rpc error: code = AlreadyExists desc = name conflicts with an existing object: service ${spec.name} already exists`);
    }
    // Each commit visits every service: past MAX_SERVICES, creating them one by one grows
    // quadratically into minutes, so the simulator refuses (swarm/spec.ts).
    if (this.services.size >= MAX_SERVICES) throw new SwarmError(`rpc error: code = ResourceExhausted desc = swarmsim: a swarm may have at most ${MAX_SERVICES} services in the simulator`);
    const svc = new Service(this.newId(), spec, this.now);
    this.allocateService(svc);
    this.services.set(svc.id, svc);
    this.specChanged(svc);
    this.commit();
    return svc;
  }

  removeService(svc: Service): void {
    const idx = this.byService.get(svc.id);
    if (idx !== undefined) {
      for (const t of [...idx.all]) t.desiredState = 'remove';
      if (idx.all.size > 0) this.orphaned.add(svc.id);
    }
    for (const [netId, vip] of svc.vips) this.networks.get(netId)?.pool.release(vip);
    this.journal.add(svc);
    this.services.delete(svc.id);
    this.unfilled.delete(svc.id);
    this.orchDirty.delete(svc.id);
    this.touchNetworks();
    this.commit();
  }

  /** The service's tasks, in creation order. */
  tasksOf(svc: Service): Task[] {
    const idx = this.byService.get(svc.id);
    return idx === undefined ? [] : [...idx.all];
  }

  /** The same, without a copy: not to be kept across a change to the store. */
  serviceTasks(svc: Service): ReadonlySet<Task> {
    return this.byService.get(svc.id)?.all ?? EMPTY;
  }

  /** The history of one slot (a replica number, or a global service's node ID), in creation order. */
  slotTasks(svc: Service, slot: string): readonly Task[] {
    const groups = this.byService.get(svc.id)?.groups;
    if (groups === undefined) return [];
    return groups.get(svc.spec.mode.kind === 'replicated' ? Number(slot) : slot) ?? [];
  }

  /** The tasks given to a node (the entry lives on after the node leaves, as its tasks do). */
  nodeTasks(nodeId: string): NodeTasks {
    let e = this.byNode.get(nodeId);
    if (e === undefined) this.byNode.set(nodeId, (e = new NodeTasks()));
    return e;
  }

  /** Tasks with an address on the network, in creation order. */
  networkTasks(netId: string): ReadonlySet<Task> {
    return this.byNetwork.get(netId) ?? EMPTY;
  }

  /** Tasks waiting for a node, in creation order. */
  pendingTasks(): ReadonlySet<Task> {
    return this.pending;
  }

  // ---------- reconciliation ----------

  /** A change is committed: reconcile until stable, then let the agents act. */
  commit(): void {
    if (this.reconciling) return;
    this.reconciling = true;
    try {
      for (let round = 0; round < 10; round++) {
        this.releaseDelayed();
        this.orchestrate();
        let changed = false;
        for (const [id, u] of [...this.updaters]) {
          if (u.step()) changed = true;
          if (u.stopped) {
            this.updaters.delete(id);
            // Without its updater the service may need a new one (or its status now says paused).
            this.orchDirty.add(id);
          }
        }
        if (!changed) break;
      }
      // The reaper first: the addresses of the tasks it deletes are free for the allocator.
      this.pruneHistory();
      this.retryAllocation();
      this.scheduleAll();
    } finally {
      this.reconciling = false;
    }
    if (this.journal.size > 0) {
      const e = entryBytes(this.journal);
      this.journal.clear();
      this.raft?.record(e.what, e.bytes);
    }
    if (this.notifyDepth === 0) {
      this.leaderFresh = false;
      // Each agent's sync starts by asking for the leader (an election if it is gone): the first
      // agent able to listen would ask before anything else ran, whether it is due or not.
      if (this.agents.some((a) => a.listening())) this.touchLeader();
    }
    this.notifyDepth++;
    try {
      for (let i = 0; i < this.agents.length; i++) {
        if (this.due[i] === 0) continue;
        // Cleared first: whatever the sync changes for this agent waits for the next commit.
        this.due[i] = 0;
        if (!this.agents[i]!.sync()) this.due[i] = 1;
      }
    } finally {
      this.notifyDepth--;
    }
  }

  /** The service's spec changed (create, update, scale, rollback): its orchestrator looks again,
   *  and the data plane (aliases, VIPs, ports) may follow. */
  specChanged(svc: Service): void {
    this.journal.add(svc);
    this.orchDirty.add(svc.id);
    this.touchNetworks();
  }

  /** docker service scale: the spec with the new replica count (the CLI's ServiceUpdate). */
  scaleService(svc: Service, replicas: number): void {
    if (svc.spec.mode.kind !== 'replicated') throw new SwarmError(`${svc.spec.name}: scale can only be used with replicated mode`);
    svc.spec = { ...svc.spec, mode: { kind: 'replicated', replicas } };
    svc.version++;
    svc.updatedAt = this.now;
    this.specChanged(svc);
    this.commit();
  }

  /** A replacement task for a slot, from the service's current spec (the updater's). */
  /** A replacement for an updated slot: a replica number, or a node for a global service. */
  newSlotTask(svc: Service, key: string, desired: 'running' | 'ready'): Task {
    const t = svc.spec.mode.kind === 'replicated' ? this.newTask(svc, Number(key), null) : this.newTask(svc, 0, key);
    t.desiredState = desired;
    return t;
  }

  private newTask(svc: Service, slot: number, nodeId: string | null): Task {
    const t = new Task(this.newId(), svc.id, slot, svc.spec, this.now);
    t.nodeId = nodeId;
    // The allocator (allocator/network.go allocateTask): one address per network attachment, in
    // order, ingress first; the task is then PENDING. When a network has no address left (or
    // the service no VIP yet) the task stays NEW, "created", and is tried again later.
    if (this.allocateTask(t, svc)) this.setState(t, 'pending', 'pending task scheduling');
    else this.unallocated.add(t);
    this.tasks.set(t.id, t);
    this.index(t);
    return t;
  }

  private allocateTask(t: Task, svc: Service): boolean {
    const nets = this.serviceNetworks(svc);
    if (!this.allocateVips(svc, nets)) return false;
    const got: Array<[SwarmNetwork, Ip4]> = [];
    for (const n of nets) {
      const ip = n.pool.allocate();
      if (ip === null) {
        for (const [m, a] of got) m.pool.release(a);
        return false;
      }
      got.push([n, ip]);
    }
    for (const [n, ip] of got) t.addresses.set(n.id, ip);
    return true;
  }

  /** Tasks left NEW by the allocator get another try on every commit (addresses may be free now). */
  private retryAllocation(): void {
    for (const t of [...this.unallocated]) {
      const svc = this.services.get(t.serviceId);
      if (svc === undefined || !this.tasks.has(t.id) || t.state !== 'new' || (t.desiredState !== 'running' && t.desiredState !== 'ready')) {
        this.unallocated.delete(t);
        continue;
      }
      if (!this.allocateTask(t, svc)) continue;
      this.unallocated.delete(t);
      for (const netId of t.addresses.keys()) {
        let set = this.byNetwork.get(netId);
        if (set === undefined) this.byNetwork.set(netId, (set = new Set()));
        set.add(t);
      }
      this.setState(t, 'pending', 'pending task scheduling');
    }
  }

  private index(t: Task): void {
    t.seq = this.taskSeq++;
    let st = this.byService.get(t.serviceId);
    if (st === undefined) this.byService.set(t.serviceId, (st = new ServiceTasks()));
    st.all.add(t);
    const key = groupKey(t);
    const group = st.groups.get(key);
    if (group === undefined) st.groups.set(key, [t]);
    else group.push(t);
    // A pending task is not in any data plane yet (peers, backends and records are running tasks).
    for (const netId of t.addresses.keys()) {
      let s = this.byNetwork.get(netId);
      if (s === undefined) this.byNetwork.set(netId, (s = new Set()));
      s.add(t);
    }
    if (t.state === 'pending') this.pending.add(t);
    if (t.nodeId !== null) {
      const e = this.nodeTasks(t.nodeId);
      e.tasks.add(t);
      this.bumpNode(e);
      if (liveState(t.desiredState, t.state)) this.countLive(e, t.serviceId, 1);
    }
    if (this.orchestrating !== t.serviceId) this.orchDirty.add(t.serviceId);
    this.markPrune(t);
    t.observer = this;
  }

  /** Deletes a task from the store and its indexes. */
  private dropTask(t: Task): void {
    this.releaseTask(t);
    this.tasks.delete(t.id);
    t.observer = null;
    const st = this.byService.get(t.serviceId);
    if (st !== undefined) {
      st.all.delete(t);
      const key = groupKey(t);
      const group = st.groups.get(key);
      if (group !== undefined) {
        const i = group.indexOf(t);
        if (i >= 0) group.splice(i, 1);
        if (group.length === 0) st.groups.delete(key);
      }
    }
    for (const netId of t.addresses.keys()) {
      this.byNetwork.get(netId)?.delete(t);
      this.touchNetwork(netId);
    }
    this.pending.delete(t);
    if (t.nodeId !== null) {
      const e = this.nodeTasks(t.nodeId);
      e.tasks.delete(t);
      this.bumpNode(e);
      if (liveState(t.desiredState, t.state)) this.countLive(e, t.serviceId, -1);
    }
  }

  private countLive(e: NodeTasks, serviceId: string, d: number): void {
    e.live += d;
    e.liveBySvc.set(serviceId, (e.liveBySvc.get(serviceId) ?? 0) + d);
  }

  private markPrune(t: Task): void {
    let keys = this.pruneDirty.get(t.serviceId);
    if (keys === undefined) this.pruneDirty.set(t.serviceId, (keys = new Set()));
    keys.add(groupKey(t));
  }

  taskChanged(t: Task, prevNode: string | null, prevDesired: TaskState, prevState: TaskState): void {
    this.journal.add(t);
    const node = t.nodeId;
    const wasLive = prevNode !== null && liveState(prevDesired, prevState);
    const isLive = node !== null && liveState(t.desiredState, t.state);
    if (prevNode !== null) {
      const e = this.nodeTasks(prevNode);
      this.bumpNode(e);
      if (prevNode !== node) e.tasks.delete(t);
      if (wasLive) this.countLive(e, t.serviceId, -1);
    }
    if (node !== null) {
      const e = this.nodeTasks(node);
      if (prevNode !== node) {
        e.tasks.add(t);
        this.bumpNode(e);
      }
      if (isLive) this.countLive(e, t.serviceId, 1);
    }
    if (prevState !== t.state) {
      if (prevState === 'pending') this.pending.delete(t);
      else if (t.state === 'pending') this.pending.add(t);
    }
    if (this.orchestrating !== t.serviceId) this.orchDirty.add(t.serviceId);
    this.markPrune(t);
    if (t.desiredState === 'remove') this.removing.add(t);
    // The data plane sees a task only while it runs (peers, backends; weight 0 once no longer wanted).
    if (t.addresses.size > 0) {
      const wasRunning = prevState === 'running';
      const running = t.state === 'running';
      if (wasRunning !== running || (running && ((prevDesired === 'running') !== (t.desiredState === 'running') || prevNode !== node))) {
        for (const netId of t.addresses.keys()) this.touchNetwork(netId);
      }
    }
  }

  setState(t: Task, state: TaskState2, message: string, err = ''): void {
    t.state = state;
    t.message = message;
    t.err = err;
    t.stateSince = this.now;
  }

  releaseTask(t: Task): void {
    for (const [netId, ip] of t.addresses) this.networks.get(netId)?.pool.release(ip);
  }

  /** Is a task still occupying its slot (wanted running, or ready to replace one, and not ended)? */
  private live(t: Task): boolean {
    return (t.desiredState === 'running' || t.desiredState === 'ready') && !isTerminal(t.state);
  }

  private nodeUsable(nodeId: string | null): boolean {
    if (nodeId === null) return true;
    const n = this.nodes.get(nodeId);
    return n !== undefined && n.status === 'ready' && n.availability !== 'drain';
  }

  /**
   * Whether a slot (or a global service's node) whose tasks have all ended gets a new one now:
   * the restart policy's condition, its attempts within the window, and its delay (a later commit
   * is scheduled for when the delay is over).
   */
  private mayRefill(svc: Service, history: readonly Task[]): boolean {
    const ended = history.filter((t) => isTerminal(t.state)).sort((a, b) => b.stateSince - a.stateSince);
    const last = ended[0];
    if (last === undefined) return true;
    // A task shut down on purpose (scale, update, drain) leaves the slot to the orchestrator.
    if (last.state === 'shutdown' || last.state === 'remove' || last.state === 'orphaned') return true;
    const r = svc.spec.restart;
    if (r.condition === 'none') return false;
    if (r.condition === 'on-failure' && last.state === 'complete') return false;
    if (r.maxAttempts > 0) {
      const since = r.window > 0 ? this.now - r.window : -Infinity;
      if (ended.filter((t) => t.state !== 'shutdown' && t.stateSince >= since).length > r.maxAttempts) return false;
    }
    const due = last.stateSince + r.delay;
    if (due > this.now) {
      this.eq.at(due, () => this.commit());
      return false;
    }
    return true;
  }

  private orchestrate(): void {
    for (const svc of this.services.values()) {
      const replicated = svc.spec.mode.kind === 'replicated';
      // A global service depends on every node and, through the scheduler's filters, on every task.
      if (replicated && !this.orchDirty.has(svc.id) && !this.unfilled.has(svc.id)) continue;
      this.orchDirty.delete(svc.id);
      this.orchestrating = svc.id;
      try {
        this.orchestrateService(svc);
      } finally {
        this.orchestrating = null;
      }
    }
  }

  /** One service: one pass reaches its fixed point (what it changes, it has already accounted for). */
  private orchestrateService(svc: Service): void {
    const st = this.byService.get(svc.id);
    const tasks = st?.all ?? EMPTY;
    const groups = st?.groups;
    for (const t of tasks) {
      // An ended task no longer wants to run; a task on a node that went down or was drained is
      // shut down, and (replicated) its slot is filled elsewhere. Global services do the same
      // (global.go reconcileOneNode: "node is down, shutting down its tasks"); the node gets a
      // new task when it is ready again.
      if ((t.desiredState === 'running' || t.desiredState === 'ready') && isTerminal(t.state)) t.desiredState = 'shutdown';
      if (this.live(t) && t.nodeId !== null && !this.nodeUsable(t.nodeId)) {
        // restart.go Restart: no restart delay on a drained node; no waiting for a task whose
        // node is down (it cannot report), otherwise the replacement waits for it to stop.
        const n = this.nodes.get(t.nodeId);
        const down = n === undefined || n.status !== 'ready';
        this.invalidated.set(t, { delay: n !== undefined && n.availability === 'drain' ? 0 : svc.spec.restart.delay, waitStop: !down });
        t.desiredState = 'shutdown';
      }
    }
    if (svc.spec.mode.kind === 'replicated') {
      this.reconcileReplicated(svc, groups);
      this.startUpdater(svc);
    } else {
      for (const n of this.nodes.values()) {
        if (n.status !== 'ready' || n.availability === 'drain') continue;
        const probe = new Task('probe', svc.id, 0, svc.spec, this.now);
        probe.nodeId = n.id;
        if ('err' in scheduleTask(this, probe)) continue;
        const history = groups?.get(n.id) ?? NONE;
        // Out-of-date tasks are the updater's business, node by node, as slots are for replicas.
        if (history.some((t) => this.live(t))) continue;
        if (this.mayRefill(svc, history)) this.newTask(svc, 0, n.id);
      }
      this.startUpdater(svc);
    }
  }

  /**
   * replicated/services.go reconcile: slots with a live task (or one the restart policy holds)
   * are running slots; fewer than the replicas → new tasks, ended slots that may restart first,
   * then the lowest free numbers (addTasks); more → the extra slots get desired state REMOVE,
   * chosen so the remaining tasks stay balanced across nodes, and the task reaper deletes them
   * once they have stopped.
   */
  private reconcileReplicated(svc: Service, groups: Map<number | string, Task[]> | undefined): void {
    if (svc.spec.mode.kind !== 'replicated') return;
    const want = svc.spec.mode.replicas;
    const running = new Map<number, Task[]>();
    const dead: number[] = [];
    let held = false;
    for (const [key, history] of groups ?? []) {
      if (typeof key !== 'number') continue;
      const live = history.filter((t) => this.live(t));
      if (live.length > 0) {
        running.set(key, live);
        continue;
      }
      const newest = history[history.length - 1];
      // A removed slot is gone (its tasks wait for the reaper).
      if (newest === undefined || newest.desiredState === 'remove') continue;
      if (this.mayRefill(svc, history)) dead.push(key);
      else {
        running.set(key, [newest]);
        held = true;
      }
    }
    if (running.size < want) {
      let need = want - running.size;
      for (const slot of dead.sort((a, b) => a - b)) {
        if (need === 0) break;
        this.restartSlot(svc, slot, groups!.get(slot)!);
        running.set(slot, []);
        need--;
      }
      for (let slot = 1; need > 0; slot++) {
        if (running.has(slot)) continue;
        this.newTask(svc, slot, null);
        running.set(slot, []);
        need--;
      }
    } else if (running.size > want) {
      // Running (observed) slots first, then each task numbered as the nth copy of the service
      // on its node; the first `want` stay. Go's sort is not stable: ties keep the lower slot.
      const slots = [...running].sort((a, b) => a[0] - b[0]);
      const isRunning = (ts: Task[]): boolean => ts.some((t) => t.state === 'running');
      slots.sort((a, b) => Number(isRunning(b[1])) - Number(isRunning(a[1])));
      const perNode = new Map<string, number>();
      const indexed = slots.map(([slot, ts]) => {
        const node = ts.length === 1 ? ts[0]!.nodeId : null;
        if (node === null) return { slot, ts, index: -1 };
        const k = (perNode.get(node) ?? 0) + 1;
        perNode.set(node, k);
        return { slot, ts, index: k };
      });
      indexed.sort((a, b) => (a.index < 0 ? Infinity : a.index) - (b.index < 0 ? Infinity : b.index));
      for (const x of indexed.slice(want)) for (const t of groups!.get(x.slot) ?? []) if (stateIndexOf(t.desiredState) < stateIndexOf('remove')) t.desiredState = 'remove';
    }
    // The restart policy's delay and window depend on the clock: ask again on every commit.
    if (held) this.unfilled.add(svc.id);
    else this.unfilled.delete(svc.id);
  }

  /** A new task in an ended slot; after a drain or a node loss it starts as the supervisor says. */
  private restartSlot(svc: Service, slot: number, history: readonly Task[]): void {
    const old = history[history.length - 1]!;
    const how = this.invalidated.get(old);
    const t = this.newTask(svc, slot, null);
    if (how === undefined) return;
    t.desiredState = 'ready';
    const entry: DelayedStart = { task: t, old, at: this.now + how.delay, waitStop: how.waitStop && !isTerminal(old.state), deadline: this.now + OLD_TASK_TIMEOUT };
    this.delayed.push(entry);
    if (how.delay > 0) this.eq.at(entry.at, () => this.commit());
    if (entry.waitStop) this.eq.at(entry.deadline, () => this.commit());
  }

  /** DelayStart: the delay is over and the old task stopped (or its node is down, or 1 min passed). */
  private releaseDelayed(): void {
    for (let i = 0; i < this.delayed.length; i++) {
      const d = this.delayed[i]!;
      if (d.task.desiredState !== 'ready' || !this.tasks.has(d.task.id)) {
        this.delayed.splice(i--, 1);
        continue;
      }
      if (this.now < d.at) continue;
      const oldNode = d.old.nodeId === null ? undefined : this.nodes.get(d.old.nodeId);
      const stopped = !d.waitStop || isTerminal(d.old.state) || !this.tasks.has(d.old.id) || oldNode === undefined || oldNode.status === 'down' || this.now >= d.deadline;
      if (!stopped) continue;
      d.task.desiredState = 'running';
      this.delayed.splice(i--, 1);
    }
  }

  /** Starts a rolling update when slots run an out-of-date spec (and none is under way or paused). */
  private startUpdater(svc: Service): void {
    if (this.updaters.has(svc.id)) return;
    const st = svc.updateStatus;
    if (st !== null && (st.state === 'paused' || st.state === 'rollback_paused')) return;
    const dirty = new Set<string>();
    for (const t of this.serviceTasks(svc)) if (this.live(t) && t.spec !== svc.spec && specKey(t.spec) !== specKey(svc.spec)) dirty.add(slotKey(svc, t));
    if (dirty.size === 0) return;
    if (svc.updateStatus === null || svc.updateStatus.state === 'completed' || svc.updateStatus.state === 'rollback_completed') {
      svc.updateStatus = { state: 'updating', message: 'update in progress', startedAt: this.now, completedAt: null };
    }
    this.updaters.set(svc.id, new Updater(this, svc, svc.updateStatus.state === 'rollback_started', [...dirty]));
  }

  /** docker service update: the new spec, the old one kept as PreviousSpec (controlapi UpdateService). */
  updateService(svc: Service, spec: ServiceSpec): void {
    svc.previousSpec = svc.spec;
    svc.spec = spec;
    this.specChanged(svc);
    svc.version++;
    svc.updatedAt = this.now;
    svc.updateStatus = null;
    this.updaters.get(svc.id)?.cancel();
    this.updaters.delete(svc.id);
    this.allocateService(svc);
    this.commit();
  }

  /** docker service rollback: Spec and PreviousSpec swap, so a second rollback goes forward again. */
  rollbackService(svc: Service): void {
    if (svc.previousSpec === null) throw new SwarmError(`rpc error: code = FailedPrecondition desc = service ${svc.id} does not have a previous spec`);
    const cur = svc.spec;
    svc.spec = svc.previousSpec;
    svc.previousSpec = cur;
    this.specChanged(svc);
    svc.version++;
    svc.updatedAt = this.now;
    svc.updateStatus = { state: 'rollback_started', message: 'manually requested rollback', startedAt: this.now, completedAt: null };
    this.updaters.get(svc.id)?.cancel();
    this.updaters.delete(svc.id);
    this.allocateService(svc);
    this.commit();
  }

  updating(svc: Service): boolean {
    return this.updaters.has(svc.id);
  }

  private scheduleAll(): void {
    for (const t of [...this.pending]) {
      if (t.state !== 'pending' || (t.desiredState !== 'running' && t.desiredState !== 'ready')) continue;
      const r = scheduleTask(this, t);
      if ('err' in r) {
        t.err = r.err;
        t.message = 'pending task scheduling';
        continue;
      }
      const preassigned = t.nodeId !== null;
      t.nodeId = r.nodeId;
      this.setState(t, 'assigned', preassigned ? 'scheduler confirmed task can run on preassigned node' : 'scheduler assigned task to node');
    }
  }

  /** Keeps TASK_HISTORY tasks per slot; only groups that changed since the last commit can be over. */
  private pruneHistory(): void {
    for (const [svcId, keys] of this.pruneDirty) {
      const st = this.byService.get(svcId);
      if (st === undefined || !this.services.has(svcId)) continue;
      for (const key of keys) {
        const ts = st.groups.get(key);
        if (ts === undefined) continue;
        const old = ts.filter((t) => t.desiredState !== 'running' && isTerminal(t.state)).sort((a, b) => b.createdAt - a.createdAt);
        const keep = TASK_HISTORY - (ts.length - old.length);
        for (const t of old.slice(Math.max(0, keep))) this.dropTask(t);
      }
    }
    this.pruneDirty.clear();
    // task_reaper.go: a task of a removed slot goes once it is shut down or never got a node.
    for (const t of this.removing) if (t.desiredState === 'remove' && this.tasks.has(t.id) && (isTerminal(t.state) || stateIndexOf(t.state) < stateIndexOf('assigned'))) this.dropTask(t);
    this.removing.clear();
    for (const svcId of [...this.orphaned]) {
      const st = this.byService.get(svcId);
      if (st !== undefined) for (const t of [...st.all]) if (isTerminal(t.state) || t.nodeId === null) this.dropTask(t);
      if (st === undefined || st.all.size === 0) {
        this.orphaned.delete(svcId);
        this.byService.delete(svcId);
      }
    }
  }

  /** An agent reports a task's progress. */
  report(t: Task, state: TaskState2, message: string, err = ''): void {
    if (!this.tasks.has(t.id)) return;
    this.setState(t, state, message, err);
    this.commit();
  }
}

type TaskState2 = Task['state'];

/** restart.go defaultOldTaskTimeout: a replacement stops waiting for the old task after 1 min. */
const OLD_TASK_TIMEOUT: Nanos = 60 * SEC;

interface DelayedStart {
  readonly task: Task;
  readonly old: Task;
  /** When the restart delay is over. */
  readonly at: Nanos;
  readonly waitStop: boolean;
  readonly deadline: Nanos;
}

const EMPTY: ReadonlySet<Task> = new Set();
const NONE: readonly Task[] = [];
