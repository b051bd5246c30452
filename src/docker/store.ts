// The cluster store of the pre-swarm overlay (dockerd --cluster-store=etcd://…): a key-value
// service all hosts pointed at it share. libnetwork keeps global networks and their endpoints
// there and every daemon watches it; here the watch is a direct notification.
import type { Ip4, Mac } from '../core/addr.js';
import type { AddressPool, Subnet } from '../core/ipam.js';

export interface StoredNetwork {
  readonly id: string;
  readonly name: string;
  readonly subnet: Subnet;
  readonly gateway: Ip4;
  readonly vni: number;
  readonly created: number;
  /** Addresses are allocated cluster-wide. */
  readonly pool: AddressPool;
  readonly options: Record<string, string>;
  readonly labels: Record<string, string>;
  readonly attachable: boolean;
  readonly internal: boolean;
}

export interface StoredEndpoint {
  readonly id: string;
  readonly networkId: string;
  readonly name: string;
  readonly containerId: string;
  readonly ip: Ip4;
  readonly mac: Mac;
  /** The VTEP: the address of the host the endpoint lives on. */
  readonly vtep: Ip4;
  readonly hostName: string;
}

export interface StoreWatcher {
  networkAdded(n: StoredNetwork): void;
  networkRemoved(id: string): void;
  endpointAdded(e: StoredEndpoint): void;
  endpointRemoved(e: StoredEndpoint): void;
}

export class ClusterStore {
  readonly networks = new Map<string, StoredNetwork>();
  readonly endpoints = new Map<string, StoredEndpoint>();
  /** Nodes registered under /docker/nodes (their --cluster-advertise). */
  readonly nodes = new Set<string>();
  private readonly watchers: StoreWatcher[] = [];
  /** libnetwork's overlay driver allocates VNIs from 256 when it runs on a KV store
   *  (drivers/overlay: vxlanIDStart = 256; swarm's ovmanager starts at 4096 instead). */
  private nextVni = 256;

  watch(w: StoreWatcher): void {
    if (!this.watchers.includes(w)) this.watchers.push(w);
  }

  allocVni(): number {
    return this.nextVni++;
  }

  addNetwork(n: StoredNetwork): void {
    this.networks.set(n.id, n);
    for (const w of this.watchers) w.networkAdded(n);
  }

  removeNetwork(id: string): void {
    this.networks.delete(id);
    for (const w of this.watchers) w.networkRemoved(id);
  }

  addEndpoint(e: StoredEndpoint): void {
    this.endpoints.set(e.id, e);
    for (const w of this.watchers) w.endpointAdded(e);
  }

  removeEndpoint(id: string): void {
    const e = this.endpoints.get(id);
    if (e === undefined) return;
    this.endpoints.delete(id);
    for (const w of this.watchers) w.endpointRemoved(e);
  }

  /** The keys libnetwork and dockerd write under /docker in the KV store (docker/libkv paths). */
  keys(): Map<string, string> {
    const out = new Map<string, string>();
    for (const n of this.nodes) out.set(`/docker/nodes/${n}`, n);
    for (const n of this.networks.values()) out.set(`/docker/network/v1.0/network/${n.id}`, n.name);
    for (const e of this.endpoints.values()) out.set(`/docker/network/v1.0/endpoint/${e.networkId}/${e.id}`, e.name);
    return out;
  }

  endpointsOf(networkId: string): StoredEndpoint[] {
    return [...this.endpoints.values()].filter((e) => e.networkId === networkId);
  }
}
