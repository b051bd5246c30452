// The task reaper (swarmkit manager/orchestrator/taskreaper/task_reaper.go): keeps TASK_HISTORY
// tasks per slot (task-history-limit 5) and deletes the rest once ended, deletes a removed slot's
// tasks once they stopped or never got a node, and a removed service's tasks once they ended.
// It learns what to look at from the store's watch queue and deletes through the store.
import { isTerminal, stateIndex } from '../model.js';
import type { Task } from '../model.js';
import { groupKey } from '../store/memory.js';
import type { MemoryStore } from '../store/memory.js';

/** Tasks kept per slot in `service ps` history (task-history-limit 5). */
export const TASK_HISTORY = 5;

export class TaskReaper {
  /** History groups to prune, by service. */
  private readonly dirty = new Map<string, Set<number | string>>();
  /** Tasks whose desired state is REMOVE and changed since the reaper last looked. */
  private readonly removing = new Set<Task>();
  /** Removed services that still have tasks (their tasks go once ended or never scheduled). */
  private readonly orphaned = new Set<string>();

  constructor(private readonly store: MemoryStore) {
    store.watch((e) => {
      if (e.kind === 'task' && e.action !== 'delete') {
        const t = e.task;
        let keys = this.dirty.get(t.serviceId);
        if (keys === undefined) this.dirty.set(t.serviceId, (keys = new Set()));
        keys.add(groupKey(t));
        if (e.action === 'update' && t.desiredState === 'remove') this.removing.add(t);
      } else if (e.kind === 'service' && e.action === 'delete') {
        if (store.serviceTasks(e.service.id).size > 0) this.orphaned.add(e.service.id);
      }
    });
  }

  /** One pass; only groups that changed since the last one can be over the limit. */
  tick(): void {
    const store = this.store;
    for (const [svcId, keys] of this.dirty) {
      const groups = store.slotGroups(svcId);
      if (groups === undefined || store.getService(svcId) === null) continue;
      for (const key of keys) {
        const ts = groups.get(key);
        if (ts === undefined) continue;
        const old = ts.filter((t) => t.desiredState !== 'running' && isTerminal(t.state)).sort((a, b) => b.createdAt - a.createdAt);
        const keep = TASK_HISTORY - (ts.length - old.length);
        for (const t of old.slice(Math.max(0, keep))) store.deleteTask(t);
      }
    }
    this.dirty.clear();
    // A task of a removed slot goes once it is shut down or never got a node.
    for (const t of this.removing) if (t.desiredState === 'remove' && store.getTask(t.id) !== null && (isTerminal(t.state) || stateIndex(t.state) < stateIndex('assigned'))) store.deleteTask(t);
    this.removing.clear();
    for (const svcId of [...this.orphaned]) {
      for (const t of [...store.serviceTasks(svcId)]) if (isTerminal(t.state) || t.nodeId === null) store.deleteTask(t);
      if (store.serviceTasks(svcId).size === 0) {
        this.orphaned.delete(svcId);
        store.dropServiceIndex(svcId);
      }
    }
  }
}
