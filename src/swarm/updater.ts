// swarmkit's rolling updater (orchestrator/update/updater.go) for one service: dirty slots are
// replaced `parallelism` at a time, stop-first or start-first, each new task watched for
// `monitor` after it runs, `delay` between slots; failures beyond max_failure_ratio pause the
// update or roll it back, and a rollback that fails pauses. Driven by commits and the clock; it
// changes the store only through its typed operations.
import type { EventQueue } from '../sim/clock.js';
import { isTerminal, slotKey } from './model.js';
import type { Service, Task } from './model.js';
import type { ServiceSpec, UpdateConfig } from './spec.js';
import type { MemoryStore } from './store/memory.js';

/** What an update needs besides the store: the clock, a way to run the reconcilers again, a new
 *  task for a slot, and the allocation of a spec it rolls back to. */
export interface UpdaterHost {
  readonly store: MemoryStore;
  readonly eq: EventQueue;
  commit(): void;
  newSlotTask(svc: Service, key: string, desired: 'running' | 'ready'): Task;
  allocateService(svc: Service): void;
}

/** The parts of a spec a task runs with: a change here makes its tasks dirty (swarmkit
 *  orchestrator.IsTaskDirty compares the whole TaskTemplate, configs and DNSConfig included). */
export function taskSpecKey(s: ServiceSpec): string {
  return JSON.stringify([s.image, s.args, s.env, s.containerLabels, s.hostname, s.networks, s.ports, s.endpointMode, s.resources, s.restart, s.secrets, s.configs, s.mounts, s.dns, s.forceUpdate, s.constraints, s.preferences]);
}

const keys = new WeakMap<ServiceSpec, string>();

/** taskSpecKey, once per spec object: specs are never changed in place (an update makes a new one). */
export function specKey(s: ServiceSpec): string {
  let k = keys.get(s);
  if (k === undefined) keys.set(s, (k = taskSpecKey(s)));
  return k;
}

interface SlotWork {
  /** The slot number, or the node of a global service's task. */
  readonly slot: string;
  readonly newTask: Task;
  readonly old: Task[];
  /** When the new task was first seen running (for the monitor window). */
  runningSince: number;
  doneAt: number;
}

export class Updater {
  private readonly queue: string[];
  private readonly active: SlotWork[] = [];
  /** Tasks this update created and is still monitoring, with when they started running. */
  private readonly watched = new Map<string, number>();
  private failures = 0;
  private readonly total: number;
  stopped = false;
  private finishing = -1;

  constructor(
    readonly cluster: UpdaterHost,
    readonly svc: Service,
    readonly rollback: boolean,
    dirtySlots: string[],
  ) {
    this.queue = [...dirtySlots].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    this.total = dirtySlots.length;
  }

  private get config(): UpdateConfig {
    return this.rollback ? this.svc.spec.rollback : this.svc.spec.update;
  }

  private get now(): number {
    return this.cluster.eq.now;
  }

  private get store(): MemoryStore {
    return this.cluster.store;
  }

  /** A newer update replaces this one. */
  cancel(): void {
    this.stopped = true;
    this.releaseHeld();
  }

  /** Replacements still held back are released so their slots are not left empty. */
  private releaseHeld(): void {
    for (const w of this.active) if (w.newTask.desiredState === 'ready') this.store.updateTask(w.newTask, { desiredState: 'running' });
  }

  /** Called after every commit and when a timer fires; returns true when it changed the store. */
  step(): boolean {
    if (this.stopped) return false;
    let changed = false;
    const cfg = this.config;
    const workers = cfg.parallelism === 0 ? Infinity : cfg.parallelism;
    while (this.active.length < workers && this.queue.length > 0) {
      const slot = this.queue.shift()!;
      const work = this.startSlot(slot);
      if (work !== null) {
        this.active.push(work);
        changed = true;
      }
    }
    for (const w of [...this.active]) {
      const t = w.newTask;
      if (cfg.order === 'stop-first' && t.desiredState === 'ready' && w.old.every((o) => isTerminal(o.state) || o.nodeId === null || this.store.nodes.get(o.nodeId)?.status !== 'ready')) {
        // The old task is gone: release the new one.
        this.store.updateTask(t, { desiredState: 'running' });
        changed = true;
      }
      if (w.doneAt < 0 && (t.state === 'running' || isTerminal(t.state))) {
        if (t.state === 'running') {
          w.runningSince = this.now;
          this.watched.set(t.id, this.now);
          this.cluster.eq.at(this.now + cfg.monitor, () => this.cluster.commit());
          if (cfg.order === 'start-first') for (const o of w.old) if (o.desiredState === 'running') this.store.updateTask(o, { desiredState: 'shutdown' });
        } else if (this.fail(t)) return true;
        w.doneAt = this.now + cfg.delay;
        changed = true;
        if (cfg.delay > 0) this.cluster.eq.at(w.doneAt, () => this.cluster.commit());
      }
      if (w.doneAt >= 0 && this.now >= w.doneAt) {
        // The worker is free again (its delay is over): the next slot is taken in another round
        // of this commit, also when the delay ended on a timer with nothing else changed.
        this.active.splice(this.active.indexOf(w), 1);
        if (this.queue.length > 0) changed = true;
      }
    }
    // A task this update started that ends within its monitor window is a failure too.
    for (const [id, since] of [...this.watched]) {
      const t = this.store.getTask(id);
      if (t === null || this.now - since >= cfg.monitor) {
        this.watched.delete(id);
        continue;
      }
      if (isTerminal(t.state) && t.desiredState !== 'shutdown' || (isTerminal(t.state) && t.state !== 'shutdown')) {
        this.watched.delete(id);
        if (this.fail(t)) return true;
      }
    }
    if (this.queue.length === 0 && this.active.length === 0 && this.active.length < workers) {
      if (this.finishing < 0) {
        // After the last slot (and the worker's delay after it), keep watching for one more
        // monitor period (swarmkit 19.03 updater.go Run: doneMonitoring := time.After(monitoringPeriod)).
        this.finishing = this.now + cfg.monitor;
        this.cluster.eq.at(this.finishing, () => this.cluster.commit());
      } else if (this.now >= this.finishing && this.watched.size === 0) {
        this.stopped = true;
        const st = this.svc.updateStatus;
        if (st !== null) {
          this.store.updateServiceStatus(this.svc, () => {
            st.state = this.rollback ? 'rollback_completed' : 'completed';
            st.message = this.rollback ? 'rollback completed' : 'update completed';
            st.completedAt = this.now;
          });
        }
        return true;
      }
    }
    return changed;
  }

  private startSlot(slot: string): SlotWork | null {
    const cluster = this.cluster;
    const svc = this.svc;
    const old = (this.store.slotGroups(svc.id)?.get(svc.spec.mode.kind === 'replicated' ? Number(slot) : slot) ?? []).filter((t) => slotKey(svc, t) === slot && (t.desiredState === 'running' || t.desiredState === 'ready') && !isTerminal(t.state));
    if (old.length === 0) return null;
    const order = this.config.order;
    const t = cluster.newSlotTask(svc, slot, order === 'stop-first' ? 'ready' : 'running');
    if (order === 'stop-first') for (const o of old) this.store.updateTask(o, { desiredState: 'shutdown' });
    return { slot, newTask: t, old, runningSince: -1, doneAt: -1 };
  }

  /** Counts a failure; pauses or rolls back when the ratio is exceeded. True when it stopped. */
  private fail(t: Task): boolean {
    this.failures++;
    const cfg = this.config;
    if (cfg.failureAction === 'continue' || this.failures / Math.max(1, this.total) <= cfg.maxFailureRatio) return false;
    this.stopped = true;
    // Slots already handed to workers finish their swap; only the queue stops (updater.go).
    this.releaseHeld();
    const svc = this.svc;
    const st = svc.updateStatus ?? { state: 'updating', message: '', startedAt: this.now, completedAt: null };
    if (this.rollback) {
      this.store.updateServiceStatus(svc, (s) => {
        s.updateStatus = st;
        st.state = 'rollback_paused';
        st.message = `rollback paused due to failure or early termination of task ${t.id}`;
      });
    } else if (cfg.failureAction === 'rollback' && svc.previousSpec !== null) {
      // An automatic rollback restores the previous spec and forgets it.
      const previous = svc.previousSpec;
      this.store.updateService(svc, svc.version, (s) => {
        s.spec = previous;
        s.previousSpec = null;
        s.updatedAt = this.now;
        s.updateStatus = { state: 'rollback_started', message: `update rolled back due to failure or early termination of task ${t.id}`, startedAt: this.now, completedAt: null };
      });
      this.cluster.allocateService(svc);
    } else {
      this.store.updateServiceStatus(svc, (s) => {
        s.updateStatus = st;
        st.state = 'paused';
        st.message = `update paused due to failure or early termination of task ${t.id}`;
      });
    }
    return true;
  }
}
