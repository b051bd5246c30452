// The orchestrators' loop over services (swarmkit's replicated and global orchestrators, which
// each Run over their own services; one loop here, in the store's service order, so that tasks are
// made in the order they always were). A service is looked at when the store says something of it
// changed (its spec; a task made, moved, wanted otherwise, running or ended; any node) — a global
// one on every commit, as it depends on every node through the scheduler's filters. Before the
// service pass, the task pass of replicated/tasks.go and global.go reconcileOneNode: an ended task
// no longer wants to run, and a task on a node that went down or was drained is shut down (its
// slot is then filled elsewhere; a global service's node gets a new task when it is ready again).
import { isTerminal } from '../model.js';
import type { Service, Task, TaskState } from '../model.js';
import type { MemoryStore } from '../store/memory.js';
import type { GlobalOrchestrator } from './global.js';
import type { ReplicatedOrchestrator } from './replicated.js';
import type { RestartSupervisor } from './restart.js';
import { isLive } from './task.js';
import type { UpdateSupervisor } from './update.js';

export class Orchestrator {
  /** Services whose tasks, spec or nodes changed since the orchestrator last looked at them. */
  private readonly dirty = new Set<string>();
  /** The service being orchestrated: its own changes do not make it dirty again. */
  private current: string | null = null;

  constructor(
    private readonly store: MemoryStore,
    private readonly restarts: RestartSupervisor,
    private readonly replicated: ReplicatedOrchestrator,
    private readonly global: GlobalOrchestrator,
    private readonly updates: UpdateSupervisor,
  ) {
    // replicated.go Run → initServices: what is in the store already is looked at first.
    for (const id of store.services.keys()) this.dirty.add(id);
    store.watch((e) => {
      if (e.kind === 'task') {
        if (this.current !== e.task.serviceId && (e.action === 'create' || (e.action === 'update' && touchesPass(e.task, e.prevNode, e.prevDesired, e.prevState)))) this.dirty.add(e.task.serviceId);
      } else if (e.kind === 'node') {
        // Status and availability decide where tasks may stay (labels: the constraint enforcer's).
        if (e.action !== 'create' && !e.labels) for (const id of store.services.keys()) this.dirty.add(id);
      } else if (e.kind === 'service') {
        if (e.action === 'delete') this.dirty.delete(e.service.id);
        else if (e.spec) this.dirty.add(e.service.id);
      }
    });
  }

  /** The service's update ended: it may need a new one (or its status now says paused). */
  markDirty(serviceId: string): void {
    this.dirty.add(serviceId);
  }

  tick(): void {
    for (const svc of this.store.services.values()) {
      const replicated = svc.spec.mode.kind === 'replicated';
      if (replicated && !this.dirty.has(svc.id) && !this.replicated.held(svc.id)) continue;
      this.dirty.delete(svc.id);
      this.current = svc.id;
      try {
        this.reconcileTasks(svc);
        if (replicated) this.replicated.reconcile(svc);
        else this.global.reconcile(svc);
        this.updates.start(svc);
      } finally {
        this.current = null;
      }
    }
  }

  private reconcileTasks(svc: Service): void {
    for (const t of this.store.serviceTasks(svc.id)) {
      if ((t.desiredState === 'running' || t.desiredState === 'ready') && isTerminal(t.state)) this.store.updateTask(t, { desiredState: 'shutdown' });
      if (isLive(t) && t.nodeId !== null && !this.nodeUsable(t)) this.restarts.shutdownOnNode(svc, t);
    }
  }

  private nodeUsable(t: Task): boolean {
    const n = t.nodeId === null ? undefined : this.store.nodes.get(t.nodeId);
    return n !== undefined && n.status === 'ready' && n.availability !== 'drain';
  }
}

/**
 * Whether a task update can change what the service pass does. The pass reads a task's node, its
 * desired state, whether its observed state ended (liveness, restarts, the restart policy's
 * history) and whether it runs (which copies a scale-down keeps); an agent moving a task along
 * accepted → preparing → ready → starting changes none of these, and re-reading the service's
 * every task for it made the pass cost O(replicas) per agent report (swarmkit's replicated
 * orchestrator, manager/orchestrator/replicated/tasks.go handleTaskChange, likewise acts only on
 * a task that ended or whose node went).
 */
function touchesPass(t: Task, prevNode: string | null, prevDesired: TaskState, prevState: TaskState): boolean {
  const state = t.state;
  return t.nodeId !== prevNode || t.desiredState !== prevDesired || state === 'running' || prevState === 'running' || isTerminal(state) || isTerminal(prevState);
}
