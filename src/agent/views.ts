// What one node's swarm data plane is fed from: its own NetworkDB (networkdb/). The node publishes
// the endpoints of its own tasks, attached containers and load balancer, as libnetwork does on the
// node that runs them (overlay joinleave.go Join → AddTableEntry(ovPeerTable); agent.go
// addServiceInfoToCluster → AddTableEntry("endpoint_table")), and derives from the tables as its
// NetworkDB holds them — its own entries and whatever gossip brought — the peers it programs on
// each overlay (FDB and neighbour entries on the vxlan device), the service bindings of its load
// balancers (IPVS) and the names its embedded DNS answers. A node that cannot gossip keeps what it
// last heard: stale or missing entries until the path heals.
import type { Ip4 } from '../core/addr.js';
import { formatCidr, formatIp4, formatMac, macFromIp, parseCidr, parseIp4, parseMac } from '../core/addr.js';
import type { DesiredLb, DesiredPort, PeerFeed } from '../docker/swarm-dp.js';
import type { NetworkDB, TableOp } from './networkdb/networkdb.js';

/** libnetwork's table names (drivers/overlay/peerdb.go ovPeerTable, agent.go). */
export const OVERLAY_PEER_TABLE = 'overlay_peer_table';
export const ENDPOINT_TABLE = 'endpoint_table';

/** A remote endpoint of an overlay: where its MAC lives (the VTEP), and on which node. */
export interface PeerEntry {
  readonly ip: Ip4;
  readonly mac: number;
  readonly vtep: Ip4;
  readonly nodeId: string;
}

/** libnetwork's EndpointRecord (agent.proto), as this model keeps it in endpoint_table. */
export interface EndpointRecord {
  readonly Name: string;
  readonly ServiceName: string;
  readonly ServiceID: string;
  readonly VirtualIP: string;
  readonly EndpointIP: string;
  readonly IngressPorts: DesiredPort[];
  readonly Aliases: string[];
  readonly TaskAliases: string[];
  readonly ServiceDisabled: boolean;
}

/** overlay.proto PeerRecord: endpoint address with prefix, MAC, VTEP. */
export function peerValue(ip: Ip4, len: number, vtep: Ip4): string {
  return JSON.stringify({ EndpointIP: formatCidr(ip, len), EndpointMAC: formatMac(macFromIp(ip)), TunnelEndpointIP: formatIp4(vtep) });
}

function parsePeer(value: string, nodeId: string): PeerEntry | null {
  const v = JSON.parse(value) as { EndpointIP: string; EndpointMAC: string; TunnelEndpointIP: string };
  const ip = parseCidr(v.EndpointIP)?.addr;
  const mac = parseMac(v.EndpointMAC);
  const vtep = parseIp4(v.TunnelEndpointIP);
  return ip === undefined || mac === null || vtep === null ? null : { ip, mac, vtep, nodeId };
}

export function sameLbs(a: DesiredLb[], b: DesiredLb[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.key !== y.key || x.name !== y.name || x.vip !== y.vip || x.backends.length !== y.backends.length || x.ports.length !== y.ports.length) return false;
    for (let j = 0; j < x.backends.length; j++) if (x.backends[j]!.ip !== y.backends[j]!.ip || x.backends[j]!.weight !== y.backends[j]!.weight) return false;
    for (let j = 0; j < x.ports.length; j++) {
      const p = x.ports[j]!;
      const q = y.ports[j]!;
      if (p.published !== q.published || p.target !== q.target || p.protocol !== q.protocol) return false;
    }
  }
  return true;
}

function sameDns(a: Map<string, Ip4[]>, b: Map<string, Ip4[]>): boolean {
  if (a.size !== b.size) return false;
  const ai = a.entries();
  for (const [k, v] of b) {
    const [ka, va] = ai.next().value!;
    if (k !== ka || v.length !== va.length || v.some((ip, i) => ip !== va[i])) return false;
  }
  return true;
}

/** One network as this node's NetworkDB has it. */
class NetView {
  /** Remote peers by address (the neighbour table holds one per address), with the key they came by. */
  readonly current = new Map<Ip4, { key: string; peer: PeerEntry }>();
  /** What the data plane was last handed, and what changed since. */
  readonly emitted = new Map<Ip4, PeerEntry>();
  readonly pendingAdd = new Map<Ip4, PeerEntry>();
  readonly pendingDel = new Map<Ip4, PeerEntry>();
  peerVersion = 0;
  added: PeerEntry[] = [];
  removed: PeerEntry[] = [];
  readonly endpoints = new Map<string, { rec: EndpointRecord; owner: string }>();
  epDirty = true;
  lbs: DesiredLb[] = [];
  dns = new Map<string, Ip4[]>();
  /** Bumped on every change of either table. */
  changes = 0;
  stamp = { netVersion: -1, changes: -1, value: 0 };
}

export class NodeViews {
  private readonly nets = new Map<string, NetView>();
  /** Bumped on every change of any network's tables here (a view's `changes`, summed). */
  changes = 0;
  /** What this node published, by network then table key: value. */
  private readonly published = new Map<string, Map<string, string>>();
  private publishing = false;
  /** Called (outside a publish) when gossip changed what this node knows. */
  onChange: () => void = () => undefined;

  constructor(readonly db: NetworkDB, readonly nodeId: string) {
    db.watchers.push((nid, table, key, value, owner, op) => this.changed(nid, table, key, value, owner, op));
  }

  private view(nid: string): NetView {
    let v = this.nets.get(nid);
    if (v === undefined) this.nets.set(nid, (v = new NetView()));
    return v;
  }

  private changed(nid: string, table: string, key: string, value: string, owner: string, op: TableOp): void {
    const v = this.view(nid);
    if (table === OVERLAY_PEER_TABLE) {
      if (owner === this.nodeId) return;
      const p = parsePeer(value, owner);
      if (p === null) return;
      const cur = v.current.get(p.ip);
      if (op === 'delete') {
        if (cur === undefined || cur.key !== key) return;
        v.current.delete(p.ip);
        this.unemit(v, p.ip);
      } else {
        v.current.set(p.ip, { key, peer: p });
        this.unemit(v, p.ip);
        const e = v.emitted.get(p.ip);
        if (e === undefined || e.vtep !== p.vtep || e.nodeId !== p.nodeId) v.pendingAdd.set(p.ip, p);
        else v.pendingDel.delete(p.ip);
      }
    } else if (table === ENDPOINT_TABLE) {
      if (op === 'delete') v.endpoints.delete(key);
      else v.endpoints.set(key, { rec: JSON.parse(value) as EndpointRecord, owner });
      v.epDirty = true;
    } else return;
    v.changes++;
    this.changes++;
    if (!this.publishing) this.onChange();
  }

  /** The address leaves what the data plane should have (until a new entry brings it back). */
  private unemit(v: NetView, ip: Ip4): void {
    v.pendingAdd.delete(ip);
    const e = v.emitted.get(ip);
    if (e !== undefined) v.pendingDel.set(ip, e);
  }

  /** The remote peers of `nid`, versioned so the data plane applies only what changed. */
  peerFeed(nid: string): PeerFeed {
    const v = this.view(nid);
    if (v.pendingAdd.size > 0 || v.pendingDel.size > 0) {
      v.removed = [...v.pendingDel.values()];
      v.added = [...v.pendingAdd.values()];
      for (const ip of v.pendingDel.keys()) v.emitted.delete(ip);
      for (const [ip, p] of v.pendingAdd) v.emitted.set(ip, p);
      v.pendingAdd.clear();
      v.pendingDel.clear();
      v.peerVersion++;
    }
    return { version: v.peerVersion, list: () => [...v.emitted.values()], delta: () => ({ added: v.added, removed: v.removed }) };
  }

  /** The remote endpoints of `nid` (`docker network inspect`'s peers are their VTEPs). */
  peers(nid: string): PeerEntry[] {
    return [...(this.nets.get(nid)?.current.values() ?? [])].map((c) => c.peer);
  }

  /** A number that changes whenever `netVersion` (the network's own) or what gossip brought does. */
  version(nid: string, netVersion: number): number {
    const v = this.view(nid);
    const s = v.stamp;
    if (s.netVersion !== netVersion || s.changes !== v.changes) {
      s.netVersion = netVersion;
      s.changes = v.changes;
      s.value++;
    }
    return s.value;
  }

  private refresh(nid: string, ingress: boolean): NetView {
    const v = this.view(nid);
    if (!v.epDirty) return v;
    v.epDirty = false;
    // Records in address order: every node lists the same backends and answers in the same order
    // whatever order gossip brought them in.
    const recs = [...v.endpoints.values()].map(({ rec: r, owner }) => ({ r, owner, ip: parseIp4(r.EndpointIP) ?? 0, vip: r.VirtualIP === '' ? null : parseIp4(r.VirtualIP) })).sort((a, b) => a.ip - b.ip);
    const lbs = new Map<string, { key: string; name: string; vip: Ip4 | null; backends: Array<{ ip: Ip4; weight: number }>; ports: DesiredPort[] }>();
    const dns = new Map<string, Ip4[]>();
    const add = (name: string, ip: Ip4): void => {
      const k = name.toLowerCase();
      const l = dns.get(k) ?? dns.set(k, []).get(k)!;
      if (!l.includes(ip)) l.push(ip);
    };
    for (const { r, owner, ip, vip } of recs) {
      if (r.ServiceID === '') {
        // A container attached to the network on another node: known by its name (agent.go
        // addContainerNameResolution); one attached here is a local endpoint already.
        if (owner !== this.nodeId) add(r.Name, ip);
        continue;
      }
      if (vip !== null) {
        let lb = lbs.get(r.ServiceID);
        if (lb === undefined) lbs.set(r.ServiceID, (lb = { key: r.ServiceID, name: r.ServiceName, vip, backends: [], ports: r.IngressPorts }));
        lb.backends.push({ ip, weight: r.ServiceDisabled ? 0 : 1 });
      }
      // A disabled endpoint (its task being stopped) keeps its IPVS weight at 0 but leaves DNS.
      if (r.ServiceDisabled) continue;
      for (const n of [r.ServiceName, ...r.Aliases]) add(n, vip ?? ip);
      for (const n of [r.ServiceName, ...r.TaskAliases]) add(`tasks.${n}`, ip);
      add(r.Name, ip);
    }
    const out = [...lbs.values()].filter((lb) => !ingress || lb.ports.length > 0).sort((a, b) => (a.vip ?? 0) - (b.vip ?? 0));
    if (!sameLbs(v.lbs, out)) v.lbs = out;
    if (!sameDns(v.dns, dns)) v.dns = dns;
    return v;
  }

  /** A service binding per service with a VIP on `nid` (ingress: those publishing a port). */
  lbs(nid: string, ingress: boolean): DesiredLb[] {
    return this.refresh(nid, ingress).lbs;
  }

  /** The names the embedded DNS answers on `nid`. */
  dns(nid: string, ingress: boolean): Map<string, Ip4[]> {
    return this.refresh(nid, ingress).dns;
  }

  /** Joins `nid` in NetworkDB and makes this node's entries on it exactly `want` (table key → value). */
  publish(nid: string, want: Map<string, string>): void {
    this.db.joinNetwork(nid);
    let have = this.published.get(nid);
    if (have === undefined) this.published.set(nid, (have = new Map()));
    this.publishing = true;
    try {
      for (const [k, value] of want) {
        const cur = have.get(k);
        if (cur === value) continue;
        const [table, key] = splitKey(k);
        if (cur === undefined) this.db.createEntry(nid, table, key, value);
        else this.db.updateEntry(nid, table, key, value);
        have.set(k, value);
      }
      for (const k of [...have.keys()]) {
        if (want.has(k)) continue;
        const [table, key] = splitKey(k);
        this.db.deleteEntry(nid, table, key);
        have.delete(k);
      }
    } finally {
      this.publishing = false;
    }
  }

  /** This node leaves `nid`: its entries go, and so does what it knew of the network. */
  withdraw(nid: string): void {
    if (!this.published.has(nid)) return;
    this.publishing = true;
    try {
      this.db.leaveNetwork(nid);
    } finally {
      this.publishing = false;
    }
    this.published.delete(nid);
    this.nets.delete(nid);
  }

  /** Whether this node has published on `nid` (joined it in NetworkDB). */
  has(nid: string): boolean {
    return this.published.has(nid);
  }

  networks(): Iterable<string> {
    return this.published.keys();
  }
}

export function tableKey(table: string, key: string): string {
  return `${table}\n${key}`;
}

function splitKey(k: string): [string, string] {
  const i = k.indexOf('\n');
  return [k.slice(0, i), k.slice(i + 1)];
}
