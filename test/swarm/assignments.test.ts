// The dispatcher's assignment set and status batch alone, on a store (swarm/dispatcher.ts), as
// swarmkit's manager/dispatcher assignments.go and processUpdates decide: what reaches an agent,
// and which status reports are written.
import { describe, expect, it } from 'vitest';
import { AssignmentSet, applyStatusUpdates } from '../../src/swarm/dispatcher.js';
import { FileObject, Service, Task } from '../../src/swarm/model.js';
import type { TaskState } from '../../src/swarm/model.js';
import { defaultSpec } from '../../src/swarm/spec.js';
import { MemoryStore } from '../../src/swarm/store/memory.js';

function status(state: TaskState, since = 0): { state: TaskState; message: string; err: string; since: number } {
  return { state, message: state, err: '', since };
}

function setup(): { s: MemoryStore; t: Task; set: AssignmentSet } {
  const s = new MemoryStore();
  s.createFileObject(new FileObject('secret', 'sec1', 'pw', 'x', {}, 0, 11));
  const svc = new Service('svc1', { ...defaultSpec('web', 'nginx'), secrets: [{ source: 'pw', target: 'pw' }] }, 0);
  s.createService(svc);
  const t = new Task('t1', svc.id, 1, svc.spec, 0);
  s.createTask(t);
  return { s, t, set: new AssignmentSet(s) };
}

describe('the assignment set', () => {
  it('sends a task from ASSIGNED on with its secret, not its own status reports, and its desired state', () => {
    const { s, t, set } = setup();
    // Pending: the scheduler has not placed it; it may not fit the node.
    expect(set.addOrUpdate(t)).toBe(false);
    s.updateTask(t, { nodeId: 'n1', status: status('assigned') });
    expect(set.addOrUpdate(t)).toBe(true);
    expect(set.take()).toEqual([{ kind: 'secret', id: 'sec1', action: 'update' }, { kind: 'task', id: 't1', action: 'update' }]);
    // The agent's own reports change nothing it acts on.
    s.updateTask(t, { status: status('running') });
    expect(set.addOrUpdate(t)).toBe(false);
    expect(set.pending).toBe(0);
    // Told to shut down: the task goes again.
    s.updateTask(t, { desiredState: 'shutdown' });
    expect(set.addOrUpdate(t)).toBe(true);
    expect(set.take()).toEqual([{ kind: 'task', id: 't1', action: 'update' }]);
    // Ended: the secret no task uses any more is removed.
    s.updateTask(t, { status: status('shutdown') });
    expect(set.addOrUpdate(t)).toBe(true);
    expect(set.take()).toEqual([{ kind: 'secret', id: 'sec1', action: 'remove' }]);
    // Deleted (the task reaper): REMOVE.
    expect(set.remove('t1')).toBe(true);
    expect(set.take()).toEqual([{ kind: 'task', id: 't1', action: 'remove' }]);
    expect(set.remove('t1')).toBe(false);
  });

  it('writes a batch of reports, but not one going back or for a task gone', () => {
    const { s, t } = setup();
    s.updateTask(t, { nodeId: 'n1', status: status('running', 7) });
    expect(applyStatusUpdates(s, new Map([['t1', status('starting', 9)], ['gone', status('running')]]))).toBe(false);
    expect(t.state).toBe('running');
    expect(applyStatusUpdates(s, new Map([['t1', status('failed', 9)]]))).toBe(true);
    expect([t.state, t.stateSince]).toEqual(['failed', 9]);
  });
});
