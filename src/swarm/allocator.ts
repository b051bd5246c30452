// The allocator (swarmkit manager/allocator: network.go, portallocator.go, and libnetwork's
// overlay ovmanager and ipam as the control plane uses them): VNIs and subnets for networks,
// published ports and VIPs for services, one address per network attachment for tasks, and a
// load-balancer address per node and network. It hears of tasks through the store's watch queue
// (allocateTask on EventCreateTask moves a task NEW → PENDING, as the taskBallot does once the
// network allocator voted) and frees their addresses on EventDeleteTask.
import type { Ip4 } from '../core/addr.js';
import { formatCidr } from '../core/addr.js';
import { AddressPool, globalPoolCandidates, overlaps } from '../core/ipam.js';
import type { Subnet } from '../core/ipam.js';
import { SwarmNetwork } from './model.js';
import type { NodeTasks, Service, SwarmNode, Task } from './model.js';
import { SwarmError } from './errors.js';
import type { MemoryStore, StoreEvent } from './store/memory.js';

export const INGRESS_VNI = 4096;

/** What the agents derive from the networks: bumped when peers, load balancers or records may change. */
export interface DataPlane {
  touchNetwork(netId: string): void;
  touchNetworks(): void;
  /** The node's own record moved (its load-balancer addresses): its agent looks again (Agents). */
  inputsMoved(e: NodeTasks): void;
}

export interface NetworkOptions {
  subnet: Subnet | null;
  gateway: Ip4 | null;
  ingress: boolean;
  attachable: boolean;
  encrypted: boolean;
  internal: boolean;
  labels: Record<string, string>;
  options: Record<string, string>;
}

const VNI_OPT = 'com.docker.network.driver.overlay.vxlanid_list';

/** The ingress network, if the swarm has one. */
export function ingressOf(store: MemoryStore): SwarmNetwork | null {
  for (const n of store.networks.values()) if (n.ingress) return n;
  return null;
}

/** The networks a service attaches to, ingress first when it publishes ingress ports. */
export function serviceNetworks(store: MemoryStore, svc: Service): SwarmNetwork[] {
  const out: SwarmNetwork[] = [];
  const ingress = ingressOf(store);
  if (ingress !== null && svc.ports.some((p) => p.mode === 'ingress')) out.push(ingress);
  for (const a of svc.spec.networks) {
    const n = store.findNetwork(a.target);
    if (n !== null && !out.includes(n)) out.push(n);
  }
  return out;
}

export class Allocator {
  private nextVni = INGRESS_VNI;
  private nextPort = 30000;
  /** Tasks the allocator could not give addresses yet (state NEW), in creation order. */
  private readonly unallocated = new Set<Task>();

  constructor(
    private readonly store: MemoryStore,
    private readonly dp: DataPlane,
    private readonly newId: () => string,
    private readonly now: () => number,
    /** `--default-addr-pool` (one or more; 10.0.0.0/8 by default), split into /`addrPoolMask`. */
    private readonly addrPools: readonly Subnet[],
    private readonly addrPoolMask: number,
  ) {
    store.watch((e) => this.handle(e));
  }

  private handle(e: StoreEvent): void {
    if (e.action === 'create' && e.kind === 'task') {
      const t = e.task;
      const svc = this.store.getService(t.serviceId);
      // allocator/network.go allocateTask: one address per network attachment, in order, ingress
      // first; the task is then PENDING. When a network has no address left (or the service no
      // VIP yet) the task stays NEW, "created", and is tried again on later commits.
      if (svc !== null && this.allocateTask(t, svc)) this.store.updateTask(t, { status: { state: 'pending', message: 'pending task scheduling', err: '', since: this.now() } });
      else this.unallocated.add(t);
    } else if (e.action === 'delete' && e.kind === 'task') {
      for (const [netId, ip] of e.task.addresses) this.store.networks.get(netId)?.pool.release(ip);
    }
  }

  /** A network: its subnet from the default pools (or the one asked for) and a VNI. */
  createNetwork(name: string, o: NetworkOptions): SwarmNetwork {
    const nets = this.store.networks;
    for (const n of nets.values()) if (n.name === name) throw new SwarmError(`network with name ${name} already exists`);
    const used = [...nets.values()].map((n) => n.subnet);
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
    let vni: number;
    const asked = o.options[VNI_OPT];
    if (asked !== undefined) {
      const first = asked.split(',')[0]!;
      if (!/^\d+$/.test(first)) throw new SwarmError(`rpc error: code = Unknown desc = invalid vxlan id value "${first}" passed`);
      vni = Number(first);
      if (vni >= 1 << 24) throw new SwarmError(`rpc error: code = Unknown desc = could not obtain vxlan id for pool ${formatCidr(subnet.addr, subnet.len)}: requested bit is out of range`);
      if ([...nets.values()].some((n) => n.vni === vni)) throw new SwarmError(`rpc error: code = Unknown desc = could not obtain vxlan id for pool ${formatCidr(subnet.addr, subnet.len)}: requested bit is already allocated`);
    } else {
      const usedVnis = new Set([...nets.values()].map((n) => n.vni));
      while (usedVnis.has(this.nextVni)) this.nextVni++;
      vni = this.nextVni++;
    }
    const pool = new AddressPool(subnet, true);
    const gateway = o.gateway ?? (subnet.addr + 1) >>> 0;
    pool.take(gateway);
    const options = { ...o.options, [VNI_OPT]: String(vni) };
    const net = new SwarmNetwork(this.newId(), name, subnet, gateway, vni, pool, o.ingress, o.attachable, o.encrypted, o.internal, o.labels, options, this.now());
    this.store.createNetwork(net);
    return net;
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
      this.dp.inputsMoved(n.tasks);
      this.dp.touchNetwork(net.id);
    }
    return a;
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
    this.dp.touchNetworks();
    const services = this.store.services;
    const taken = new Set<number>();
    for (const other of services.values()) if (other !== svc) for (const p of other.ports) if (p.mode === 'ingress' && p.published !== null) taken.add(p.published);
    svc.ports = svc.spec.ports.map((p) => {
      if (p.published !== null || p.mode === 'host') return p;
      while (taken.has(this.nextPort)) this.nextPort++;
      return { ...p, published: this.nextPort++ };
    });
    for (const p of svc.ports) {
      if (p.mode === 'ingress' && p.published !== null && taken.has(p.published)) {
        const owner = [...services.values()].find((o) => o !== svc && o.ports.some((q) => q.published === p.published));
        throw new SwarmError(`rpc error: code = InvalidArgument desc = port '${p.published}' is already in use by service '${owner?.spec.name}' (${owner?.id}) as an ingress port`);
      }
    }
    const nets = serviceNetworks(this.store, svc);
    if (svc.spec.endpointMode === 'dnsrr') {
      this.releaseVips(svc);
      return;
    }
    for (const [netId, vip] of [...svc.vips]) {
      if (!nets.some((n) => n.id === netId)) {
        this.store.networks.get(netId)?.pool.release(vip);
        svc.vips.delete(netId);
      }
    }
    this.allocateVips(svc, nets);
  }

  /** A removed (or DNSRR) service gives its VIPs back; a removed one keeps them listed. */
  releaseVips(svc: Service, forget = true): void {
    for (const [netId, vip] of svc.vips) this.store.networks.get(netId)?.pool.release(vip);
    if (forget) svc.vips.clear();
  }

  /** A VIP on each of the service's networks that has an address left (allocator allocateService). */
  private allocateVips(svc: Service, nets: SwarmNetwork[]): boolean {
    if (svc.spec.endpointMode === 'dnsrr') return true;
    let all = true;
    for (const n of nets) {
      if (svc.vips.has(n.id)) continue;
      const vip = n.pool.allocate();
      if (vip === null) all = false;
      else {
        svc.vips.set(n.id, vip);
        this.dp.touchNetwork(n.id);
      }
    }
    return all;
  }

  private allocateTask(t: Task, svc: Service): boolean {
    const nets = serviceNetworks(this.store, svc);
    if (!this.allocateVips(svc, nets)) return false;
    const got: Array<[string, Ip4]> = [];
    for (const n of nets) {
      const ip = n.pool.allocate();
      if (ip === null) {
        for (const [id, a] of got) this.store.networks.get(id)!.pool.release(a);
        return false;
      }
      got.push([n.id, ip]);
    }
    this.store.attachTask(t, got);
    return true;
  }

  /** Tasks left NEW get another try on every commit (addresses may be free now). */
  retry(): void {
    for (const t of [...this.unallocated]) {
      const svc = this.store.getService(t.serviceId);
      if (svc === null || this.store.getTask(t.id) === null || t.state !== 'new' || (t.desiredState !== 'running' && t.desiredState !== 'ready')) {
        this.unallocated.delete(t);
        continue;
      }
      if (!this.allocateTask(t, svc)) continue;
      this.unallocated.delete(t);
      this.store.updateTask(t, { status: { state: 'pending', message: 'pending task scheduling', err: '', since: this.now() } });
    }
  }
}
