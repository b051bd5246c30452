// The replicated orchestrator's service pass (swarmkit manager/orchestrator/replicated/services.go
// reconcile, slot.go): slots with a live task (or one the restart policy holds) are running
// slots; fewer than the replicas → new tasks, ended slots that may restart first, then the lowest
// free numbers (addTasks); more → the extra slots get desired state REMOVE, chosen so the
// remaining tasks stay balanced across nodes, and the task reaper deletes them once stopped.
import { stateIndex } from '../model.js';
import type { Service, Task } from '../model.js';
import type { MemoryStore } from '../store/memory.js';
import type { RestartSupervisor } from './restart.js';
import { isLive, newTask } from './task.js';

export class ReplicatedOrchestrator {
  /** Services left with a slot the restart policy keeps empty for now: looked at on every commit. */
  private readonly unfilled = new Set<string>();

  constructor(
    private readonly store: MemoryStore,
    private readonly restarts: RestartSupervisor,
    private readonly newId: () => string,
    private readonly now: () => number,
  ) {
    store.watch((e) => {
      if (e.kind === 'service' && e.action === 'delete') this.unfilled.delete(e.service.id);
    });
  }

  /** Whether the service must be looked at on this commit even if nothing of it changed. */
  held(serviceId: string): boolean {
    return this.unfilled.has(serviceId);
  }

  reconcile(svc: Service): void {
    if (svc.spec.mode.kind !== 'replicated') return;
    const groups = this.store.slotGroups(svc.id);
    const want = svc.spec.mode.replicas;
    const running = new Map<number, Task[]>();
    const dead: number[] = [];
    let held = false;
    for (const [key, history] of groups ?? []) {
      if (typeof key !== 'number') continue;
      const live = history.filter(isLive);
      if (live.length > 0) {
        running.set(key, live);
        continue;
      }
      const newest = history[history.length - 1];
      // A removed slot is gone (its tasks wait for the reaper).
      if (newest === undefined || newest.desiredState === 'remove') continue;
      if (this.restarts.mayRefill(svc, history)) dead.push(key);
      else {
        running.set(key, [newest]);
        held = true;
      }
    }
    if (running.size < want) {
      let need = want - running.size;
      for (const slot of dead.sort((a, b) => a - b)) {
        if (need === 0) break;
        const history = groups!.get(slot)!;
        const old = history[history.length - 1]!;
        const t = newTask(this.store, this.newId(), this.now(), svc, slot, null);
        this.restarts.replaced(old, t);
        running.set(slot, []);
        need--;
      }
      for (let slot = 1; need > 0; slot++) {
        if (running.has(slot)) continue;
        newTask(this.store, this.newId(), this.now(), svc, slot, null);
        running.set(slot, []);
        need--;
      }
    } else if (running.size > want) {
      // Running (observed) slots first, then each task numbered as the nth copy of the service
      // on its node; the first `want` stay. Go's sort is not stable: ties keep the lower slot.
      const slots = [...running].sort((a, b) => a[0] - b[0]);
      const isRunning = (ts: Task[]): boolean => ts.some((t) => t.state === 'running');
      slots.sort((a, b) => Number(isRunning(b[1])) - Number(isRunning(a[1])));
      const perNode = new Map<string, number>();
      const indexed = slots.map(([slot, ts]) => {
        const node = ts.length === 1 ? ts[0]!.nodeId : null;
        if (node === null) return { slot, ts, index: -1 };
        const k = (perNode.get(node) ?? 0) + 1;
        perNode.set(node, k);
        return { slot, ts, index: k };
      });
      indexed.sort((a, b) => (a.index < 0 ? Infinity : a.index) - (b.index < 0 ? Infinity : b.index));
      for (const x of indexed.slice(want)) for (const t of groups!.get(x.slot) ?? []) if (stateIndex(t.desiredState) < stateIndex('remove')) this.store.updateTask(t, { desiredState: 'remove' });
    }
    // The restart policy's delay and window depend on the clock: ask again on every commit.
    if (held) this.unfilled.add(svc.id);
    else this.unfilled.delete(svc.id);
  }
}
