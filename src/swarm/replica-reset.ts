// The live store put back to a manager's replica (swarm/replica.ts) when that manager starts
// leading: swarmkit's leader runs its reconcilers on its own store, which holds what was
// committed and nothing else (a leader that lost its quorum loses its uncommitted proposals).
import { FileObject, Service, SwarmNode, Task } from './model.js';
import type { SwarmCluster } from './cluster.js';
import type { FileObjectSnapshot } from './raft-entry.js';
import type { Replica } from './replica.js';

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * A new leader took over (swarmkit: a write is applied only once committed; a leader that lost
 * its quorum loses its uncommitted proposals): the live store is put back to the new leader's
 * replica. Objects whose committed fields differ are written back in place, so that the agents
 * and views holding them keep valid references; objects the replica lacks are deleted, objects
 * only the replica has are made again — all through the store's typed operations, so that every
 * watcher hears it, and with the committed Meta.Version; then the reconcilers run on it (commit). These writes are the replica's own
 * state and are not proposed again. Not put back: what the allocator gave (task addresses,
 * service VIPs and published ports, node load-balancer addresses: its pools are the live
 * store's), the container IDs and exit codes agents note, and when a node was last heard.
 */
export function resetTo(cluster: SwarmCluster, r: Replica): void {
  const store = cluster.store;
  for (const t of [...store.tasks.values()]) {
    const c = r.tasks.get(t.id);
    if (c === undefined) store.deleteTask(t);
    else if (t.nodeId !== c.nodeId || t.desiredState !== c.desiredState || t.state !== c.state || t.message !== c.message || t.err !== c.err || t.stateSince !== c.stateSince) {
      store.updateTask(t, { nodeId: c.nodeId, desiredState: c.desiredState, status: { state: c.state, message: c.message, err: c.err, since: c.stateSince } });
    }
    if (c !== undefined) store.restoreVersion(t, c.version);
  }
  for (const c of r.tasks.values()) {
    if (store.tasks.has(c.id)) continue;
    const t = new Task(c.id, c.serviceId, c.slot, c.spec, c.createdAt);
    t.nodeId = c.nodeId;
    t.desiredState = c.desiredState;
    t.state = c.state;
    t.message = c.message;
    t.err = c.err;
    t.stateSince = c.stateSince;
    for (const [net, ip] of c.addresses) t.addresses.set(net, ip);
    t.containerId = c.containerId;
    t.exitCode = c.exitCode;
    store.createTask(t);
    store.restoreVersion(t, c.version);
  }
  for (const s of [...store.services.values()]) {
    const c = r.services.get(s.id);
    if (c === undefined) store.deleteService(s);
    else if (!same([s.spec, s.previousSpec, s.version, s.updatedAt, s.updateStatus], [c.spec, c.previousSpec, c.version, c.updatedAt, c.updateStatus])) {
      store.restoreService(s, () => {
        s.spec = c.spec;
        s.previousSpec = c.previousSpec;
        s.version = c.version;
        s.updatedAt = c.updatedAt;
        s.updateStatus = c.updateStatus === null ? null : { ...c.updateStatus };
      });
    }
  }
  for (const c of r.services.values()) {
    if (store.services.has(c.id)) continue;
    const s = new Service(c.id, c.spec, c.createdAt);
    s.previousSpec = c.previousSpec;
    s.version = c.version;
    s.updatedAt = c.updatedAt;
    s.updateStatus = c.updateStatus === null ? null : { ...c.updateStatus };
    for (const [net, ip] of c.vips) s.vips.set(net, ip);
    s.ports = c.ports.map((p) => ({ ...p }));
    store.createService(s);
  }
  for (const n of [...store.nodes.values()]) {
    const c = r.nodes.get(n.id);
    if (c === undefined) {
      store.deleteNode(n);
      continue;
    }
    if (n.role !== c.role || n.availability !== c.availability || n.status !== c.status) store.updateNode(n, { role: c.role, availability: c.availability, status: c.status });
    if (!same(n.labels, c.labels)) {
      store.updateNodeLabels(n, (labels) => {
        for (const k of Object.keys(labels)) delete labels[k];
        Object.assign(labels, c.labels);
      });
    }
    store.restoreVersion(n, c.version);
  }
  for (const c of r.nodes.values()) {
    if (store.nodes.has(c.id)) continue;
    const n = new SwarmNode(c.id, c.hostname, c.role, c.addr, c.joinedAt, c.cpus, c.memory, store.nodeTasks(c.id));
    n.availability = c.availability;
    n.status = c.status;
    Object.assign(n.labels, c.labels);
    n.dataAddr = c.dataAddr;
    store.createNode(n);
    store.restoreVersion(n, c.version);
    cluster.nodeOfHost.set(n.hostname, n.id);
  }
  for (const n of [...store.networks.values()]) if (!r.networks.has(n.id)) store.deleteNetwork(n);
  for (const c of r.networks.values()) {
    const gone = store.networks.has(c.id) ? undefined : cluster.removedNetwork(c.id);
    if (gone !== undefined) {
      store.createNetwork(gone);
      store.restoreVersion(gone, c.version);
    }
  }
  for (const [live, committed] of [[store.secrets, r.secrets], [store.configs, r.configs]] as const) {
    for (const o of [...live.values()]) if (!committed.has(o.id)) store.deleteFileObject(o);
    for (const c of committed.values()) {
      const o = live.get(c.id);
      if (o === undefined) store.createFileObject(fileObject(c));
      else if (!same([o.name, o.data, o.labels, o.version], [c.name, c.data, c.labels, c.version])) store.updateFileObject(fileObject(c));
    }
  }
  cluster.touchNetworks();
  cluster.commitReplica();
}

function fileObject(c: FileObjectSnapshot): FileObject {
  return new FileObject(c.kind, c.id, c.name, c.data, { ...c.labels }, c.createdAt, c.version);
}
