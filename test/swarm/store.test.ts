// The store alone (swarm/store/memory.ts), as swarmkit's manager/state/store/memory_test.go
// exercises MemoryStore: typed create/update/delete per kind with the version bookkeeping, stale
// updates refused, the indexes the reconcilers query, and the watch queue's events in order.
import { describe, expect, it } from 'vitest';
import { AddressPool } from '../../src/core/ipam.js';
import { FileObject, Service, SwarmNetwork, SwarmNode, Task } from '../../src/swarm/model.js';
import { defaultSpec } from '../../src/swarm/spec.js';
import { MemoryStore, SequenceConflict } from '../../src/swarm/store/memory.js';
import type { StoreEvent } from '../../src/swarm/store/memory.js';

function node(s: MemoryStore, id: string, hostname: string): SwarmNode {
  const n = new SwarmNode(id, hostname, 'worker', 0x0a000001, 0, 2e9, 2 ** 31, s.nodeTasks(id));
  s.createNode(n);
  return n;
}

/** Each event as one line: what happened to which object. */
function line(e: StoreEvent): string {
  switch (e.kind) {
    case 'commit': return 'commit';
    case 'task': return `${e.action} task ${e.task.id}${e.action === 'update' ? ` ${e.prevDesired}/${e.prevState} -> ${e.task.desiredState}/${e.task.state}` : ''}`;
    case 'node': return `${e.action} node ${e.node.id}${e.labels ? ' labels' : ''}`;
    case 'service': return `${e.action} service ${e.service.id}${e.spec ? ' spec' : ''}`;
    case 'network': return `${e.action} network ${e.network.id}`;
    default: return `${e.action} ${e.kind} ${e.object.id}`;
  }
}

describe('the store', () => {
  it('creates, updates and deletes each kind, and its watchers hear every change in order', () => {
    const s = new MemoryStore();
    const seen: string[] = [];
    s.watch((e) => seen.push(line(e)));
    const n1 = node(s, 'n1', 'w1');
    const svc = new Service('svc1', { ...defaultSpec('web', 'nginx'), mode: { kind: 'replicated', replicas: 1 } }, 0);
    s.createService(svc);
    const net = new SwarmNetwork('net1', 'front', { addr: 0x0a000100, len: 24 }, 0x0a000101, 4097, new AddressPool({ addr: 0x0a000100, len: 24 }, true), false, false, false, false, {}, {}, 0);
    s.createNetwork(net);
    const sec = new FileObject('secret', 'sec1', 'pw', 'x', {}, 0, 11);
    s.createFileObject(sec);
    const t = new Task('t1', svc.id, 1, svc.spec, 0);
    s.createTask(t);
    s.updateTask(t, { nodeId: 'n1', status: { state: 'assigned', message: 'scheduler assigned task to node', err: '', since: 5 } });
    s.updateNode(n1, { availability: 'drain' });
    s.updateNodeLabels(n1, (l) => (l.zone = 'a'));
    s.updateService(svc, 1, (x) => (x.spec = { ...x.spec, mode: { kind: 'replicated', replicas: 2 } }));
    s.commit();
    s.deleteTask(t);
    s.deleteFileObject(sec);
    s.deleteNetwork(net);
    s.deleteService(svc);
    s.deleteNode(n1);
    expect(seen).toEqual([
      'create node n1',
      'create service svc1 spec',
      'create network net1',
      'create secret sec1',
      'create task t1',
      // One typed update, two fields the indexes follow: an event for each.
      'update task t1 running/new -> running/new',
      'update task t1 running/new -> running/assigned',
      'update node n1',
      'update node n1 labels',
      'update service svc1 spec',
      'commit',
      'delete task t1',
      'delete secret sec1',
      'delete network net1',
      'delete service svc1',
      'delete node n1',
    ]);
    expect([s.nodes.size, s.services.size, s.tasks.size, s.networks.size, s.secrets.size]).toEqual([0, 0, 0, 0, 0]);
  });

  it('bumps an object\'s version on every update and refuses one made from an older version (update out of sequence)', () => {
    const s = new MemoryStore();
    const n1 = node(s, 'n1', 'w1');
    const svc = new Service('svc1', defaultSpec('web', 'nginx'), 0);
    s.createService(svc);
    const t = new Task('t1', svc.id, 1, svc.spec, 0);
    s.createTask(t);
    expect(s.version(t)).toBe(1);
    const read = s.version(t);
    s.updateTask(t, { desiredState: 'shutdown' }, read);
    expect(s.version(t)).toBe(2);
    // A second writer that read version 1 too is refused, and nothing changes.
    expect(() => s.updateTask(t, { desiredState: 'running' }, read)).toThrow(SequenceConflict);
    expect(() => s.updateTask(t, { desiredState: 'running' }, read)).toThrow('update out of sequence');
    expect(t.desiredState).toBe('shutdown');
    // A write through the task's own setters (as an agent makes) is an update too.
    t.state = 'shutdown';
    expect(s.version(t)).toBe(3);
    // Services: the version `service inspect` shows as Version.Index.
    expect(svc.version).toBe(1);
    s.updateService(svc, 1, (x) => (x.spec = { ...x.spec, image: 'nginx:2' }));
    expect(svc.version).toBe(2);
    expect(() => s.updateService(svc, 1, (x) => (x.spec = { ...x.spec, image: 'nginx:3' }))).toThrow('update out of sequence');
    expect(svc.spec.image).toBe('nginx:2');
    const v = s.version(n1);
    s.updateNode(n1, { status: 'down' }, v);
    expect(() => s.updateNode(n1, { status: 'ready' }, v)).toThrow(SequenceConflict);
    expect(n1.status).toBe('down');
  });

  it('keeps the indexes the reconcilers query: by service and slot, by node with live counts, by network', () => {
    const s = new MemoryStore();
    node(s, 'n1', 'w1');
    const svc = new Service('svc1', defaultSpec('web', 'nginx'), 0);
    s.createService(svc);
    const a = new Task('a', svc.id, 1, svc.spec, 0);
    const b = new Task('b', svc.id, 1, svc.spec, 1);
    const c = new Task('c', svc.id, 2, svc.spec, 2);
    for (const t of [a, b, c]) s.createTask(t);
    s.attachTask(c, [['net1', 0x0a000105]]);
    s.updateTask(a, { nodeId: 'n1', status: { state: 'running', message: 'started', err: '', since: 3 } });
    s.updateTask(c, { nodeId: 'n1' });
    expect([...s.serviceTasks(svc.id)].map((t) => t.id)).toEqual(['a', 'b', 'c']);
    expect([...s.slotGroups(svc.id)!].map(([k, ts]) => `${k}:${ts.map((t) => t.id).join(',')}`)).toEqual(['1:a,b', '2:c']);
    const n1 = s.nodeTasks('n1');
    expect([n1.tasks.size, n1.live, n1.liveBySvc.get(svc.id)]).toEqual([2, 2, 2]);
    s.updateTask(a, { desiredState: 'shutdown' });
    expect([n1.live, n1.liveBySvc.get(svc.id)]).toEqual([1, 1]);
    expect([...s.networkTasks('net1')].map((t) => t.id)).toEqual(['c']);
    s.deleteTask(c);
    expect([n1.tasks.size, n1.live, s.networkTasks('net1').size]).toEqual([1, 0, 0]);
    expect([...s.slotGroups(svc.id)!.keys()]).toEqual([1]);
    expect(s.findService('web')).toBe(svc);
    expect(s.findService('svc')).toBe(svc);
  });
});
