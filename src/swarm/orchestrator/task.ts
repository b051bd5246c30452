// What the orchestrators share (swarmkit manager/orchestrator/task.go, service.go): making a task
// for a slot from the service's current spec, and whether a task still occupies its slot.
import { Task, isTerminal } from '../model.js';
import type { Service } from '../model.js';
import type { MemoryStore } from '../store/memory.js';

/** Wanted running (or ready to replace one) and not ended: the task occupies its slot. */
export function isLive(t: Task): boolean {
  return (t.desiredState === 'running' || t.desiredState === 'ready') && !isTerminal(t.state);
}

/** orchestrator.NewTask: a new task for a replica slot (`nodeId` null) or a global service's node
 *  (`slot` 0), created in the store (the allocator then gives it its addresses). */
export function newTask(store: MemoryStore, id: string, now: number, svc: Service, slot: number, nodeId: string | null): Task {
  const t = new Task(id, svc.id, slot, svc.spec, now);
  t.nodeId = nodeId;
  store.createTask(t);
  return t;
}

export const NO_TASKS: readonly Task[] = [];
