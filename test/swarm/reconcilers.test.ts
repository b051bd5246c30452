// Each reconciler alone, with a store on the simulated clock and no network, agents or cluster:
// tasks are moved along by hand, as agents would report. The cases are ported from swarmkit
// (bump_v19.03) manager/orchestrator/replicated/replicated_test.go, restart_test.go,
// taskreaper/task_reaper_test.go, constraintenforcer/constraint_enforcer_test.go, and the
// scheduler's and allocator's own tests, cited at each.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../fc-seed.js';
import { EventQueue, MS, SEC } from '../../src/sim/clock.js';
import { Allocator } from '../../src/swarm/allocator.js';
import { NodeStore, checkHeartbeats } from '../../src/swarm/dispatcher.js';
import { Service, SwarmNetwork, SwarmNode, Task } from '../../src/swarm/model.js';
import type { TaskState } from '../../src/swarm/model.js';
import { ConstraintEnforcer } from '../../src/swarm/orchestrator/constraintenforcer.js';
import { GlobalOrchestrator } from '../../src/swarm/orchestrator/global.js';
import { Orchestrator } from '../../src/swarm/orchestrator/orchestrator.js';
import { ReplicatedOrchestrator } from '../../src/swarm/orchestrator/replicated.js';
import { RestartSupervisor } from '../../src/swarm/orchestrator/restart.js';
import { newTask } from '../../src/swarm/orchestrator/task.js';
import { TaskReaper } from '../../src/swarm/orchestrator/taskreaper.js';
import { UpdateSupervisor } from '../../src/swarm/orchestrator/update.js';
import { Scheduler, scheduleTask } from '../../src/swarm/scheduler.js';
import type { SchedulingView } from '../../src/swarm/scheduler.js';
import { defaultSpec } from '../../src/swarm/spec.js';
import type { ServiceSpec } from '../../src/swarm/spec.js';
import { MemoryStore } from '../../src/swarm/store/memory.js';

/** A store with nodes node1..nodeN (ready, active workers). */
function storeWith(nodes: number): { s: MemoryStore; eq: EventQueue; view: SchedulingView } {
  const s = new MemoryStore();
  for (let i = 1; i <= nodes; i++) s.createNode(new SwarmNode(`node${i}`, `name${i}`, 'worker', 0x0a000000 + i, 0, 2e9, 2 ** 31, s.nodeTasks(`node${i}`)));
  return { s, eq: new EventQueue(), view: { nodes: s.nodes, engineLabels: () => ({}) } };
}

function service(s: MemoryStore, id: string, spec: Partial<ServiceSpec>): Service {
  const svc = new Service(id, { ...defaultSpec(id, 'nginx'), ...spec }, 0);
  s.createService(svc);
  return svc;
}

/** A task as a test prepopulates it: slot, node, desired and observed state. */
function task(s: MemoryStore, svc: Service, id: string, slot: number, node: string | null, state: TaskState, desired: TaskState = 'running'): Task {
  const t = new Task(id, svc.id, slot, svc.spec, 0);
  t.nodeId = node;
  s.createTask(t);
  s.updateTask(t, { desiredState: desired, status: { state, message: state, err: '', since: 0 } });
  return t;
}

function report(s: MemoryStore, eq: EventQueue, t: Task, state: TaskState): void {
  s.updateTask(t, { status: { state, message: state, err: '', since: eq.now } });
}

/** The orchestrators with their supervisors, ticked on every commit as the manager ticks them. */
function orchestrators(s: MemoryStore, eq: EventQueue, view: SchedulingView): { tick: () => void; ids: () => string } {
  let n = 0;
  const ids = (): string => `new${++n}`;
  const now = (): number => eq.now;
  const restarts = new RestartSupervisor(s, eq, () => tick());
  const updates = new UpdateSupervisor({ store: s, eq, commit: () => tick(), newSlotTask: (svc, key, desired) => {
    const t = newTask(s, ids(), now(), svc, Number(key), null);
    s.updateTask(t, { desiredState: desired });
    return t;
  }, allocateService: () => undefined });
  const replicated = new ReplicatedOrchestrator(s, restarts, ids, now);
  const orch = new Orchestrator(s, restarts, replicated, new GlobalOrchestrator(s, view, restarts, ids, now), updates);
  const tick = (): void => {
    restarts.tick();
    orch.tick();
    updates.step((id) => orch.markDirty(id));
  };
  return { tick, ids };
}

const desiredOn = (s: MemoryStore, node: string): string[] => [...s.nodeTasks(node).tasks].filter((t) => t.desiredState === 'running').map((t) => t.id);

describe('replicated orchestrator (replicated_test.go)', () => {
  it('TestReplicatedScaleDown: an unassigned extra task goes first, then scale-downs keep the tasks balanced over the nodes', () => {
    const { s, eq, view } = storeWith(3);
    const svc = service(s, 'id1', { mode: { kind: 'replicated', replicas: 6 } });
    task(s, svc, 'task1', 1, 'node1', 'starting');
    task(s, svc, 'task2', 2, 'node2', 'running');
    task(s, svc, 'task3', 3, 'node2', 'running');
    for (const i of [4, 5, 6]) task(s, svc, `task${i}`, i, 'node3', 'running');
    task(s, svc, 'task7', 7, null, 'new');
    const { tick } = orchestrators(s, eq, view);
    tick();
    expect(s.getTask('task7')!.desiredState).toBe('remove');
    const scale = (n: number): void => {
      s.updateService(svc, svc.version, (x) => (x.spec = { ...x.spec, mode: { kind: 'replicated', replicas: n } }));
      tick();
    };
    // node2 is preferred over node3: its tasks have the lower slots; task4 stays on node3.
    scale(4);
    expect([desiredOn(s, 'node1'), desiredOn(s, 'node2'), desiredOn(s, 'node3')]).toEqual([['task1'], ['task2', 'task3'], ['task4']]);
    // node1's task is not running yet: node2 and node3 keep one each.
    scale(2);
    expect([desiredOn(s, 'node1'), desiredOn(s, 'node2'), desiredOn(s, 'node3')]).toEqual([[], ['task2'], ['task4']]);
    expect([...s.tasks.values()].filter((t) => t.desiredState === 'remove').map((t) => t.id)).toEqual(['task1', 'task3', 'task5', 'task6', 'task7']);
  });

  it('TestReplicatedOrchestrator: a new service gets one task per slot, and a scale-up adds the next slots', () => {
    const { s, eq, view } = storeWith(2);
    const svc = service(s, 'id1', { mode: { kind: 'replicated', replicas: 2 } });
    const { tick } = orchestrators(s, eq, view);
    tick();
    expect([...s.tasks.values()].map((t) => `${t.id} slot ${t.slot} ${t.state}`)).toEqual(['new1 slot 1 new', 'new2 slot 2 new']);
    s.updateService(svc, svc.version, (x) => (x.spec = { ...x.spec, mode: { kind: 'replicated', replicas: 3 } }));
    tick();
    expect([...s.tasks.values()].map((t) => t.slot)).toEqual([1, 2, 3]);
  });
});

describe('restart supervisor (restart_test.go)', () => {
  it('TestOrchestratorRestartOnFailure: a failed task is replaced in its slot, a completed one is not', () => {
    const { s, eq, view } = storeWith(1);
    const svc = service(s, 'id1', { mode: { kind: 'replicated', replicas: 2 }, restart: { condition: 'on-failure', delay: 0, maxAttempts: 0, window: 0 } });
    const a = task(s, svc, 'a', 1, 'node1', 'running');
    const b = task(s, svc, 'b', 2, 'node1', 'running');
    const { tick } = orchestrators(s, eq, view);
    tick();
    report(s, eq, a, 'failed');
    report(s, eq, b, 'complete');
    tick();
    expect([a.desiredState, b.desiredState]).toEqual(['shutdown', 'shutdown']);
    expect([...s.tasks.values()].map((t) => `${t.id} slot ${t.slot} ${t.desiredState}`)).toEqual(['a slot 1 shutdown', 'b slot 2 shutdown', 'new1 slot 1 running']);
  });

  it('TestOrchestratorRestartDelay: the replacement comes once the restart delay is over, on the simulated clock', () => {
    const { s, eq, view } = storeWith(1);
    const svc = service(s, 'id1', { restart: { condition: 'any', delay: 100 * MS, maxAttempts: 0, window: 0 } });
    const a = task(s, svc, 'a', 1, 'node1', 'running');
    const { tick } = orchestrators(s, eq, view);
    tick();
    report(s, eq, a, 'failed');
    tick();
    expect(s.tasks.size).toBe(1);
    eq.runUntil(99 * MS);
    expect(s.tasks.size).toBe(1);
    // The supervisor set a timer for the end of the delay: the reconcilers ran again then.
    eq.runUntil(100 * MS);
    expect([...s.tasks.values()].map((t) => `${t.id} ${t.desiredState}`)).toEqual(['a shutdown', 'new1 running']);
  });

  it('TestOrchestratorRestartMaxAttempts: a slot is restarted max-attempts times within the window, then left failed', () => {
    const { s, eq, view } = storeWith(1);
    const svc = service(s, 'id1', { restart: { condition: 'on-failure', delay: 0, maxAttempts: 1, window: 0 } });
    const a = task(s, svc, 'a', 1, 'node1', 'running');
    const { tick } = orchestrators(s, eq, view);
    tick();
    report(s, eq, a, 'failed');
    tick();
    const second = s.getTask('new1')!;
    s.updateTask(second, { nodeId: 'node1' });
    report(s, eq, second, 'running');
    eq.runUntil(SEC);
    report(s, eq, second, 'failed');
    tick();
    expect([...s.tasks.values()].map((t) => `${t.id} ${t.state}`)).toEqual(['a failed', 'new1 failed']);
  });

  it('a drained node: its task is shut down and its replacement starts at once (restart.go Restart, no delay on drain)', () => {
    const { s, eq, view } = storeWith(2);
    const svc = service(s, 'id1', { restart: { condition: 'any', delay: 5 * SEC, maxAttempts: 0, window: 0 } });
    const a = task(s, svc, 'a', 1, 'node1', 'running');
    const { tick } = orchestrators(s, eq, view);
    tick();
    s.updateNode(s.nodes.get('node1')!, { availability: 'drain' });
    tick();
    expect(a.desiredState).toBe('shutdown');
    // The replacement waits (READY) for the old task to stop, then runs.
    const next = s.getTask('new1')!;
    expect(next.desiredState).toBe('ready');
    report(s, eq, a, 'shutdown');
    tick();
    expect(next.desiredState).toBe('running');
  });
});

describe('task reaper (task_reaper_test.go)', () => {
  it('TestTaskHistory: a slot keeps TASK_HISTORY = 5 tasks, the oldest ended ones go', () => {
    const { s, eq } = storeWith(1);
    const svc = service(s, 'id1', {});
    const reaper = new TaskReaper(s);
    for (let i = 1; i <= 7; i++) {
      const t = new Task(`old${i}`, svc.id, 1, svc.spec, i);
      s.createTask(t);
      s.updateTask(t, { desiredState: 'shutdown', status: { state: 'failed', message: 'failed', err: '', since: eq.now } });
    }
    task(s, svc, 'live', 1, 'node1', 'running');
    reaper.tick();
    expect([...s.tasks.keys()]).toEqual(['old4', 'old5', 'old6', 'old7', 'live']);
  });

  it('TestTaskStateRemoveOnScaledown: a task of a removed slot goes once it has stopped', () => {
    const { s, eq } = storeWith(1);
    const svc = service(s, 'id1', {});
    const reaper = new TaskReaper(s);
    const t = task(s, svc, 't1', 1, 'node1', 'running');
    s.updateTask(t, { desiredState: 'remove' });
    reaper.tick();
    expect(s.getTask('t1')).not.toBeNull();
    report(s, eq, t, 'shutdown');
    reaper.tick();
    expect(s.getTask('t1')).toBeNull();
  });

  it('TestServiceRemoveUnassignedTasks: a removed service\'s tasks that never got a node go at once, the others once ended', () => {
    const { s, eq } = storeWith(1);
    const svc = service(s, 'id1', { mode: { kind: 'replicated', replicas: 2 } });
    const reaper = new TaskReaper(s);
    const a = task(s, svc, 'a', 1, 'node1', 'running');
    task(s, svc, 'b', 2, null, 'pending');
    for (const t of [...s.serviceTasks(svc.id)]) s.updateTask(t, { desiredState: 'remove' });
    s.deleteService(svc);
    reaper.tick();
    expect([...s.tasks.keys()]).toEqual(['a']);
    report(s, eq, a, 'shutdown');
    reaper.tick();
    expect(s.tasks.size).toBe(0);
  });
});

describe('constraint enforcer (constraint_enforcer_test.go)', () => {
  it('TestConstraintEnforcer: a node promoted to manager rejects the tasks constrained to workers', () => {
    const { s, eq, view } = storeWith(2);
    const svc = service(s, 'id1', { constraints: ['node.role==worker'] });
    const ce = new ConstraintEnforcer(s, view, () => eq.now);
    const t1 = task(s, svc, 'id1', 1, 'node1', 'running');
    const t2 = task(s, svc, 'id2', 2, 'node2', 'running');
    s.updateNode(s.nodes.get('node1')!, { role: 'manager' });
    ce.tick();
    expect([t1.state, t1.message, t1.err]).toEqual(['rejected', 'task rejected by constraint enforcer', 'assigned node no longer meets constraints']);
    // The desired state is the orchestrator's: left as it was.
    expect(t1.desiredState).toBe('running');
    expect(t2.state).toBe('running');
  });

  it('TestOutdatedTaskPlacementConstraints: the service\'s current constraints count, not the task\'s older ones', () => {
    const { s, eq, view } = storeWith(1);
    const node = s.nodes.get('node1')!;
    s.updateNodeLabels(node, (l) => (l.foo = 'bar'));
    const svc = service(s, 'id1', {});
    const t = task(s, svc, 'id2', 1, 'node1', 'running');
    // An update that only adds a constraint the node meets does not replace the task.
    s.updateService(svc, svc.version, (x) => (x.spec = { ...x.spec, constraints: ['node.labels.foo == bar'] }));
    const ce = new ConstraintEnforcer(s, view, () => eq.now);
    s.updateNodeLabels(node, (l) => delete l.foo);
    ce.tick();
    expect(t.state).toBe('rejected');
  });

  it('leaves a paused node\'s tasks alone', () => {
    const { s, eq, view } = storeWith(1);
    const svc = service(s, 'id1', { constraints: ['node.labels.zone==a'] });
    const ce = new ConstraintEnforcer(s, view, () => eq.now);
    const t = task(s, svc, 't', 1, 'node1', 'running');
    s.updateNode(s.nodes.get('node1')!, { availability: 'pause' });
    ce.tick();
    expect(t.state).toBe('running');
  });
});

describe('scheduler', () => {
  it('assigns pending tasks in the order they became pending, to the node with the fewest tasks, and explains a task no node fits', () => {
    const { s, eq, view } = storeWith(2);
    const sched = new Scheduler(s, view);
    const svc = service(s, 'id1', { mode: { kind: 'replicated', replicas: 3 } });
    const big = service(s, 'big', { resources: { reserveCpu: 4e9, reserveMemory: 0, limitCpu: 0, limitMemory: 0 } });
    task(s, svc, 'a', 1, null, 'pending');
    task(s, big, 'x', 1, null, 'pending');
    task(s, svc, 'b', 2, null, 'pending');
    task(s, svc, 'c', 3, null, 'pending');
    expect([...sched.queue()].map((t) => t.id)).toEqual(['a', 'x', 'b', 'c']);
    sched.tick(eq.now);
    expect(['a', 'b', 'c'].map((id) => s.getTask(id)!.nodeId)).toEqual(['node1', 'node2', 'node1']);
    const x = s.getTask('x')!;
    expect([x.state, x.err]).toEqual(['pending', 'no suitable node (insufficient resources on 2 nodes)']);
    expect([...sched.queue()].map((t) => t.id)).toEqual(['x']);
  });
});

describe('scheduler: the least loaded node of a pass', () => {
  // A pass keeps the ready nodes of each service in a heap (scheduler.ts ServiceNodes); the node
  // each task gets must be the one scheduleTask's linear scan picks, task by task, whatever the
  // nodes' states, the tasks already there and the mix of plain and constrained services.
  const world = fc.record({
    nodes: fc.array(fc.record({ status: fc.constantFrom('ready', 'ready', 'ready', 'down'), availability: fc.constantFrom('active', 'active', 'active', 'drain', 'pause') }), { minLength: 1, maxLength: 12 }),
    existing: fc.array(fc.record({ svc: fc.nat(3), node: fc.nat(11), state: fc.constantFrom('running', 'running', 'failed') }), { maxLength: 30 }),
    pending: fc.array(fc.record({ svc: fc.nat(3) }), { minLength: 1, maxLength: 40 }),
  });
  const build = (w: typeof world extends fc.Arbitrary<infer T> ? T : never): { s: MemoryStore; view: SchedulingView; pending: Task[]; sched: Scheduler } => {
    const { s, view } = storeWith(w.nodes.length);
    w.nodes.forEach((n, i) => s.updateNode(s.nodes.get(`node${i + 1}`)!, { status: n.status as 'ready' | 'down', availability: n.availability as 'active' | 'drain' | 'pause' }));
    // s0 and s1 are plain; s2 has at most 2 replicas per node; s3 a constraint only node1 meets.
    const svcs = [
      service(s, 's0', {}), service(s, 's1', {}), service(s, 's2', { maxReplicasPerNode: 2 }),
      service(s, 's3', { constraints: ['node.id==node1'] }),
    ];
    const sched = new Scheduler(s, view);
    let k = 0;
    for (const e of w.existing) task(s, svcs[e.svc]!, `e${k++}`, k, `node${(e.node % w.nodes.length) + 1}`, e.state as TaskState);
    const pending = w.pending.map((p) => task(s, svcs[p.svc]!, `p${k++}`, k, null, 'pending'));
    return { s, view, pending, sched };
  };

  it('gives each pending task the node the linear scan picks', () => {
    fc.assert(fc.property(world, (w) => {
      const a = build(w);
      expect(a.sched.queue().size).toBe(w.pending.length);
      a.sched.tick(0);
      const b = build(w);
      // The reference: scheduleTask for each task in turn, each assignment written before the next.
      for (const t of b.pending) {
        const r = scheduleTask(b.view, t);
        if ('nodeId' in r) b.s.updateTask(t, { nodeId: r.nodeId, status: { state: 'assigned', message: '', err: '', since: 0 } });
      }
      expect(a.pending.map((t) => t.nodeId)).toEqual(b.pending.map((t) => t.nodeId));
    }));
  });
});

describe('dispatcher: the node-down decision', () => {
  it('a worker whose heartbeat timer ran out is Down; one heard again is not marked (the session does that)', () => {
    const { s } = storeWith(2);
    const sessions = new NodeStore(1);
    sessions.register('node1', 0);
    sessions.register('node2', 0);
    const leader = s.nodes.get('node1')!;
    const view = { leader: () => leader, member: () => true, hearsManager: () => true };
    // The grace is 3 × (5 s ± 0.5 s): node1 beats, node2 is silent.
    for (let t = 0; t <= 20 * SEC; t += SEC) {
      if (t % (5 * SEC) === 0) sessions.heartbeat('node1', t);
      checkHeartbeats(s, sessions, view, t);
    }
    expect([s.nodes.get('node1')!.status, s.nodes.get('node2')!.status]).toEqual(['ready', 'down']);
  });

  it('without a leader nobody is marked Down', () => {
    const { s } = storeWith(1);
    const sessions = new NodeStore(1);
    sessions.register('node1', 0);
    expect(checkHeartbeats(s, sessions, { leader: () => null, member: () => true, hearsManager: () => true }, 60 * SEC)).toBe(false);
    expect(s.nodes.get('node1')!.status).toBe('ready');
  });
});

describe('allocator (allocator/network.go)', () => {
  it('gives a new task an address on each of its networks and moves it to PENDING; with none left it stays NEW until one is freed', () => {
    const { s, eq } = storeWith(1);
    let n = 0;
    const al = new Allocator(s, { touchNetwork: () => undefined, touchNetworks: () => undefined }, () => `net${++n}`, () => eq.now, [{ addr: 0x0a000000, len: 8 }], 24);
    // A /29: the gateway and five addresses; the service's VIP takes one.
    const net = al.createNetwork('front', { subnet: { addr: 0x0a0a0a00, len: 29 }, gateway: null, ingress: false, attachable: false, encrypted: false, internal: false, labels: {}, options: {} });
    expect([net.vni, net.options['com.docker.network.driver.overlay.vxlanid_list']]).toEqual([4096, '4096']);
    const svc = new Service('svc1', { ...defaultSpec('web', 'nginx'), networks: [{ target: 'front', aliases: [] }] }, 0);
    al.allocateService(svc);
    s.createService(svc);
    const ts = [1, 2, 3, 4, 5].map((i) => newTask(s, `t${i}`, eq.now, svc, i, null));
    expect(ts.map((t) => t.state)).toEqual(['pending', 'pending', 'pending', 'pending', 'new']);
    expect(ts.map((t) => t.addresses.get(net.id) ?? 0).map((a) => a & 7)).toEqual([3, 4, 5, 6, 0]);
    s.deleteTask(ts[0]!);
    al.retry();
    expect([ts[4]!.state, ts[4]!.message]).toEqual(['pending', 'pending task scheduling']);
    expect(s.networkTasks(net.id).has(ts[4]!)).toBe(true);
  });

  it('refuses a VNI already taken, as the overlay driver\'s allocator does', () => {
    const { s, eq } = storeWith(0);
    const al = new Allocator(s, { touchNetwork: () => undefined, touchNetworks: () => undefined }, () => `n${s.networks.size}`, () => eq.now, [{ addr: 0x0a000000, len: 8 }], 24);
    al.createNetwork('a', { subnet: null, gateway: null, ingress: false, attachable: false, encrypted: false, internal: false, labels: {}, options: {} });
    expect(() => al.createNetwork('b', { subnet: null, gateway: null, ingress: false, attachable: false, encrypted: false, internal: false, labels: {}, options: { 'com.docker.network.driver.overlay.vxlanid_list': '4096' } })).toThrow('requested bit is already allocated');
    expect([...s.networks.values()].map((x) => x instanceof SwarmNetwork && `${x.name} ${x.vni}`)).toEqual(['a 4096']);
  });
});

describe('update supervisor (update/updater_test.go)', () => {
  /** The updater alone: new tasks are failed as soon as they are to run, old ones stop when told
   *  (the fake agent of TestUpdaterFailureAction, a watcher on the store). */
  function failingUpdate(failureAction: 'pause' | 'continue'): { s: MemoryStore; svc: Service } {
    const { s, eq } = storeWith(3);
    const svc = service(s, 'id1', { image: 'v:1', mode: { kind: 'replicated', replicas: 3 } });
    for (let i = 1; i <= 3; i++) task(s, svc, `old${i}`, i, `node${i}`, 'running');
    s.watch((e) => {
      if (e.kind !== 'task' || e.action !== 'update') return;
      const t = e.task;
      if (t.desiredState === 'running' && t.spec.image === 'v:2' && t.state !== 'failed') report(s, eq, t, 'failed');
      else if (t.desiredState === 'shutdown' && t.state === 'running') report(s, eq, t, 'shutdown');
    });
    let n = 0;
    // A commit steps the updates until they change nothing more (the manager's rounds).
    const commit = (): void => {
      for (let round = 0; round < 10 && updates.step(() => undefined); round++);
    };
    const updates: UpdateSupervisor = new UpdateSupervisor({
      store: s, eq, commit,
      newSlotTask: (x, key, desired) => {
        const t = newTask(s, `new${++n}`, eq.now, x, Number(key), `node${key}`);
        s.updateTask(t, { desiredState: desired });
        return t;
      },
      allocateService: () => undefined,
    });
    s.updateService(svc, svc.version, (x) => (x.spec = { ...x.spec, image: 'v:2', update: { parallelism: 1, delay: 500 * MS, failureAction, monitor: 500 * MS, maxFailureRatio: 0, order: 'stop-first' } }));
    updates.start(svc);
    commit();
    eq.runUntil(eq.now + 10 * SEC);
    return { s, svc };
  }

  it('TestUpdaterFailureAction (pause): the first new task that fails pauses the update; the other slots keep the old spec', () => {
    const { s, svc } = failingUpdate('pause');
    expect([svc.updateStatus?.state, svc.updateStatus?.message]).toEqual(['paused', 'update paused due to failure or early termination of task new1']);
    expect([...s.tasks.values()].map((t) => `${t.id} ${t.spec.image} ${t.desiredState}/${t.state}`)).toEqual([
      'old1 v:1 shutdown/shutdown', 'old2 v:1 running/running', 'old3 v:1 running/running', 'new1 v:2 running/failed',
    ]);
  });

  it('TestUpdaterFailureAction (continue): failures do not stop the update; every slot gets the new spec', () => {
    const { s, svc } = failingUpdate('continue');
    expect(svc.updateStatus?.state).toBe('completed');
    expect([...s.tasks.values()].filter((t) => t.desiredState === 'running').map((t) => `${t.id} ${t.spec.image} ${t.state}`)).toEqual(['new1 v:2 failed', 'new2 v:2 failed', 'new3 v:2 failed']);
  });
});

describe('global orchestrator (global_test.go)', () => {
  it('TestAddNode, TestNodeAvailability: one task per ready, active node; a drained node\'s task is shut down', () => {
    const { s, eq, view } = storeWith(2);
    service(s, 'id1', { mode: { kind: 'global' } });
    const { tick } = orchestrators(s, eq, view);
    tick();
    expect([...s.tasks.values()].map((t) => `${t.nodeId} ${t.desiredState}`)).toEqual(['node1 running', 'node2 running']);
    s.createNode(new SwarmNode('node3', 'name3', 'worker', 0x0a000003, 0, 2e9, 2 ** 31, s.nodeTasks('node3')));
    tick();
    expect([...s.nodeTasks('node3').tasks].length).toBe(1);
    s.updateNode(s.nodes.get('node1')!, { availability: 'drain' });
    tick();
    expect([...s.tasks.values()].filter((t) => t.desiredState === 'running').map((t) => t.nodeId)).toEqual(['node2', 'node3']);
  });
});
