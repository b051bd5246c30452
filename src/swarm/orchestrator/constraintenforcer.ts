// The constraint enforcer (swarmkit 19.03 manager/orchestrator/constraintenforcer/
// constraint_enforcer.go): when a node is updated (labels, role, availability, status), the tasks
// on it that it no longer satisfies — the placement constraints of their service's current spec,
// or the resources their reservations add up to — are REJECTED ("task rejected by constraint
// enforcer"). It writes the observed state, not the desired one, so that the orchestrator restarts
// the task elsewhere as it would any failed task. A drained node is the orchestrator's; a paused
// one is left alone.
import { matchConstraint, parseConstraint } from '../constraints.js';
import type { Constraint } from '../constraints.js';
import { isTerminal, stateIndex } from '../model.js';
import type { SwarmNode } from '../model.js';
import type { SchedulingView } from '../scheduler.js';
import type { MemoryStore } from '../store/memory.js';

export class ConstraintEnforcer {
  /** Nodes updated since the last pass, in the order they were. */
  private readonly updated = new Set<SwarmNode>();

  constructor(
    private readonly store: MemoryStore,
    private readonly view: SchedulingView,
    private readonly now: () => number,
  ) {
    // Run: every node is checked once at the start, then each one updated.
    for (const n of store.nodes.values()) this.updated.add(n);
    store.watch((e) => {
      if (e.kind === 'node' && e.action === 'update') this.updated.add(e.node);
    });
  }

  tick(): void {
    if (this.updated.size === 0) return;
    const nodes = [...this.updated];
    this.updated.clear();
    for (const n of nodes) if (this.store.nodes.get(n.id) === n) this.rejectNoncompliantTasks(n);
  }

  private rejectNoncompliantTasks(node: SwarmNode): void {
    if (node.availability !== 'active') return;
    let cpus = node.cpus;
    let memory = node.memory;
    const reject = [];
    for (const t of this.store.nodeTasks(node.id).tasks) {
      // (A task that already ended keeps the status it ended with.)
      if (stateIndex(t.desiredState) < stateIndex('assigned') || stateIndex(t.desiredState) > stateIndex('running') || isTerminal(t.state)) continue;
      // The service's current constraints: the task's own may be outdated (an update that only
      // changed constraints the node still met did not replace it).
      const svc = this.store.getService(t.serviceId);
      const texts = (svc ?? t).spec.constraints;
      const constraints = texts.map(parseConstraint).filter((c): c is Constraint => typeof c !== 'string');
      if (!constraints.every((c) => matchConstraint(c, node, this.view.engineLabels(node)))) {
        reject.push(t);
        continue;
      }
      const r = t.spec.resources;
      if (r.reserveMemory > memory || r.reserveCpu > cpus) {
        reject.push(t);
        continue;
      }
      memory -= r.reserveMemory;
      cpus -= r.reserveCpu;
    }
    for (const t of reject) {
      if (this.store.getTask(t.id) === null || stateIndex(t.desiredState) > stateIndex('running')) continue;
      this.store.updateTask(t, { status: { state: 'rejected', message: 'task rejected by constraint enforcer', err: 'assigned node no longer meets constraints', since: this.now() } });
    }
  }
}
