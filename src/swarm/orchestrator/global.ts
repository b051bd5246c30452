// The global orchestrator's service pass (swarmkit manager/orchestrator/global/global.go
// reconcileServices, reconcileOneNode): one task per ready, non-drained node that passes the
// service's constraints and resources (the scheduler's filters, asked with a probe task), made
// when the node has no live task of the service and the restart policy lets it have one.
import { Task } from '../model.js';
import type { Service } from '../model.js';
import { scheduleTask } from '../scheduler.js';
import type { SchedulingView } from '../scheduler.js';
import type { MemoryStore } from '../store/memory.js';
import type { RestartSupervisor } from './restart.js';
import { NO_TASKS, isLive, newTask } from './task.js';

export class GlobalOrchestrator {
  constructor(
    private readonly store: MemoryStore,
    private readonly view: SchedulingView,
    private readonly restarts: RestartSupervisor,
    private readonly newId: () => string,
    private readonly now: () => number,
  ) {}

  reconcile(svc: Service): void {
    const groups = this.store.slotGroups(svc.id);
    for (const n of this.store.nodes.values()) {
      if (n.status !== 'ready' || n.availability === 'drain') continue;
      const probe = new Task('probe', svc.id, 0, svc.spec, this.now());
      probe.nodeId = n.id;
      if ('err' in scheduleTask(this.view, probe)) continue;
      const history = groups?.get(n.id) ?? NO_TASKS;
      // Out-of-date tasks are the updater's business, node by node, as slots are for replicas.
      if (history.some(isLive)) continue;
      if (this.restarts.mayRefill(svc, history)) newTask(this.store, this.newId(), this.now(), svc, 0, n.id);
    }
  }
}
