// The orchestrator alone, on the simulated clock, with a cluster store and no network or agents
// (as swarmkit's TestReplicatedScaleDown): tasks are moved along by hand, as agents would report.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { EventQueue, SEC } from '../../src/sim/clock.js';
import { SwarmCluster } from '../../src/swarm/cluster.js';
import { defaultSpec } from '../../src/swarm/spec.js';

function store(): SwarmCluster {
  const c = new SwarmCluster('cluster1', new Rng(3), new EventQueue(), { reach: () => true, up: () => true }, () => ({}), [{ addr: 0x0a000000, len: 8 }], 24);
  c.createNetwork('ingress', { subnet: null, gateway: null, ingress: true, attachable: false, encrypted: false, internal: false, labels: {}, options: {} });
  c.addNode('m1', 'manager', 0x0a010001, 2e9, 2 ** 31);
  c.addNode('n1', 'worker', 0x0a010002, 2e9, 2 ** 31);
  c.addNode('n2', 'worker', 0x0a010003, 2e9, 2 ** 31);
  return c;
}

/** Every assigned task reports running, as its agent would. */
function runAll(c: SwarmCluster): void {
  for (const t of [...c.tasks.values()]) if (t.state === 'assigned' && t.desiredState === 'running') c.report(t, 'running', 'started');
}

describe('replicated orchestrator with a store', () => {
  it('scales down through the store: the extra slots are removed, balanced over the nodes, and reaped once stopped', () => {
    const c = store();
    const svc = c.addService({ ...defaultSpec('web', 'nginx'), mode: { kind: 'replicated', replicas: 6 } });
    runAll(c);
    const perNode = (): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const t of c.tasks.values()) if (t.desiredState === 'running') out[c.nodes.get(t.nodeId!)!.hostname] = (out[c.nodes.get(t.nodeId!)!.hostname] ?? 0) + 1;
      return out;
    };
    expect(perNode()).toEqual({ m1: 2, n1: 2, n2: 2 });
    const v = svc.version;
    c.scaleService(svc, 3);
    expect(svc.version).toBe(v + 1);
    expect(perNode()).toEqual({ m1: 1, n1: 1, n2: 1 });
    const removing = [...c.tasks.values()].filter((t) => t.desiredState === 'remove');
    expect(removing).toHaveLength(3);
    // The reaper deletes them once their agents said they stopped.
    for (const t of removing) c.report(t, 'shutdown', 'shutdown');
    expect([...c.tasks.values()].filter((t) => t.desiredState === 'remove')).toHaveLength(0);
    expect(c.tasks.size).toBe(3);
  });

  it('a worker whose dispatcher timer ran out is Down and its slots are filled elsewhere', () => {
    const c = store();
    c.addService({ ...defaultSpec('web', 'nginx'), mode: { kind: 'replicated', replicas: 3 } });
    runAll(c);
    const n2 = c.nodeFor('n2')!;
    // n1 keeps heartbeating, n2 is silent.
    const beat = (): void => {
      c.nodeStore.heartbeat(c.nodeFor('n1')!.id, c.now);
      c.eq.after(5 * SEC, beat);
    };
    beat();
    c.eq.runUntil(14 * SEC);
    expect(n2.status).toBe('ready');
    c.eq.runUntil(18 * SEC);
    expect(n2.status).toBe('down');
    expect(c.nodeFor('n1')!.status).toBe('ready');
    const live = [...c.tasks.values()].filter((t) => t.desiredState === 'running');
    expect(live.map((t) => c.nodes.get(t.nodeId ?? '')?.hostname ?? 'unassigned').sort()).not.toContain('n2');
  });
});

describe('the control API through the store', () => {
  it('refuses a service update made from a version read before another update, as the daemon does', () => {
    const c = store();
    const svc = c.addService({ ...defaultSpec('web', 'nginx'), mode: { kind: 'replicated', replicas: 1 } });
    const read = svc.version;
    c.scaleService(svc, 2, read);
    expect(svc.version).toBe(read + 1);
    expect(() => c.updateService(svc, { ...svc.spec, image: 'nginx:2' }, read)).toThrow('rpc error: code = Unknown desc = update out of sequence');
    expect(svc.spec.image).toBe('nginx');
    expect(c.tasksOf(svc)).toHaveLength(2);
  });
});
