// etcd 3.3 as the seeds run it for dockerd's --cluster-store: members started on each host with a
// static --initial-cluster, each serving the v2 client API on 2379 over the simulated TCP. The
// member ID is etcd's computeMemberId: the first 8 bytes (big-endian) of sha1(peer URLs joined +
// the cluster token), which gives the seed's 21eca106efe4caee for http://192.168.205.10:2380. A
// member is healthy while a majority of the initial cluster runs (a leader can be elected).
// The keyspace is read from a provider (the Docker engine's cluster store registers one).
import { createHash } from 'node:crypto';
import { httpServe } from './http.js';
import type { Host } from '../kernel/host.js';

export interface EtcdMember {
  readonly name: string;
  readonly id: string;
  readonly peerUrls: string[];
  readonly clientUrls: string[];
  readonly host: Host;
}

export class EtcdCluster {
  /** Started members by name. */
  readonly members = new Map<string, EtcdMember>();
  /** The initial cluster, name → peer URL, as the first member was told. */
  initial = new Map<string, string>();
  token = 'etcd-cluster';
  /** Keys and values (v2 paths); set by whoever stores into etcd. */
  kv: () => ReadonlyMap<string, string> = () => new Map();

  /** A majority of the initial cluster is up: a leader exists. */
  get quorum(): boolean {
    const size = Math.max(1, this.initial.size);
    const up = [...this.members.values()].filter((m) => !m.host.down).length;
    return up > size / 2;
  }

  /** The direct children of a v2 directory, or null when it does not exist. */
  ls(dir: string): string[] | null {
    const d = dir.replace(/\/+$/, '');
    const out: string[] = [];
    let found = d === '';
    for (const k of this.kv().keys()) {
      if (k === d) return [];
      if (!k.startsWith(`${d}/`)) continue;
      found = true;
      const child = `${d}/${k.slice(d.length + 1).split('/')[0]}`;
      if (!out.includes(child)) out.push(child);
    }
    return found ? out : null;
  }
}

export function memberId(peerUrls: string[], token: string): string {
  return createHash('sha1').update(peerUrls.join('') + token).digest('hex').slice(0, 16);
}

/** Starts a member on its host: the v2 API on the client port (GET /health, /v2/members, /v2/keys). */
export function startMember(cluster: EtcdCluster, m: EtcdMember, clientPort: number): boolean {
  if (cluster.members.has(m.name)) return false;
  cluster.members.set(m.name, m);
  return httpServe(m.host.root, clientPort, (req, respond) => {
    if (req.path === '/health') return respond({ status: cluster.quorum ? 200 : 503, body: `{"health":"${cluster.quorum}"}`, contentType: 'application/json' });
    if (req.path === '/v2/members') {
      const list = [...cluster.members.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map((x) => ({ id: x.id, name: x.name, peerURLs: x.peerUrls, clientURLs: x.clientUrls }));
      return respond({ status: 200, body: JSON.stringify({ members: list }), contentType: 'application/json' });
    }
    const key = /^\/v2\/keys(\/.*)?$/.exec(req.path);
    if (key !== null) {
      const children = cluster.ls(key[1] ?? '/');
      if (children === null) return respond({ status: 404, body: JSON.stringify({ errorCode: 100, message: 'Key not found', cause: key[1], index: cluster.kv().size }) });
      return respond({ status: 200, body: JSON.stringify({ node: { key: key[1], dir: true, nodes: children.map((k) => ({ key: k })) } }) });
    }
    respond({ status: 404, body: '404 page not found\n' });
  }, 'etcd');
}
