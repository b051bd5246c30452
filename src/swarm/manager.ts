// The reconcilers of one manager, built on its store as swarmkit's manager.go becomeLeader builds
// them (allocator, constraint enforcer, replicated and global orchestrators with the restart and
// update supervisors, task reaper, scheduler), and run in a fixed order on every EventCommit.
// They meet only in the store: each writes through its typed operations and learns what changed
// from its watch queue (synchronously, on the simulated clock).
import type { EventQueue, Nanos } from '../sim/clock.js';
import type { Subnet } from '../core/ipam.js';
import { Allocator } from './allocator.js';
import type { DataPlane } from './allocator.js';
import { ConstraintEnforcer } from './orchestrator/constraintenforcer.js';
import { GlobalOrchestrator } from './orchestrator/global.js';
import { Orchestrator } from './orchestrator/orchestrator.js';
import { ReplicatedOrchestrator } from './orchestrator/replicated.js';
import { RestartSupervisor } from './orchestrator/restart.js';
import { newTask } from './orchestrator/task.js';
import { TaskReaper } from './orchestrator/taskreaper.js';
import { UpdateSupervisor } from './orchestrator/update.js';
import { Scheduler } from './scheduler.js';
import type { SchedulingView } from './scheduler.js';
import type { MemoryStore } from './store/memory.js';

export interface ManagerOptions {
  readonly store: MemoryStore;
  readonly eq: EventQueue;
  /** The nodes and their engine labels, as the scheduler's filters read them. */
  readonly view: SchedulingView;
  /** Where the allocator says what the agents must look at again. */
  readonly dataPlane: DataPlane;
  readonly newId: () => string;
  /** Runs the reconcilers again (a timer of theirs fired): the cluster's commit. */
  readonly commit: () => void;
  /** `--default-addr-pool` and `--default-addr-pool-mask-length`. */
  readonly addrPools: readonly Subnet[];
  readonly addrPoolMask: number;
}

export class Reconcilers {
  readonly allocator: Allocator;
  readonly scheduler: Scheduler;
  readonly updates: UpdateSupervisor;
  private readonly enforcer: ConstraintEnforcer;
  private readonly restarts: RestartSupervisor;
  private readonly orchestrator: Orchestrator;
  private readonly reaper: TaskReaper;
  private readonly now: () => Nanos;

  constructor(o: ManagerOptions) {
    const { store, eq, view, newId: ids, commit } = o;
    const now = (this.now = (): Nanos => eq.now);
    this.allocator = new Allocator(store, o.dataPlane, ids, now, o.addrPools, o.addrPoolMask);
    this.scheduler = new Scheduler(store, view);
    this.restarts = new RestartSupervisor(store, eq, commit);
    this.updates = new UpdateSupervisor({
      store, eq, commit,
      newSlotTask: (svc, key, desired) => {
        const t = svc.spec.mode.kind === 'replicated' ? newTask(store, ids(), now(), svc, Number(key), null) : newTask(store, ids(), now(), svc, 0, key);
        store.updateTask(t, { desiredState: desired });
        return t;
      },
      allocateService: (svc) => this.allocator.allocateService(svc),
    });
    const replicated = new ReplicatedOrchestrator(store, this.restarts, ids, now);
    const global = new GlobalOrchestrator(store, view, this.restarts, ids, now);
    this.orchestrator = new Orchestrator(store, this.restarts, replicated, global, this.updates);
    this.reaper = new TaskReaper(store);
    this.enforcer = new ConstraintEnforcer(store, view, now);
  }

  /** One commit's reconciliation, until stable. */
  run(): void {
    this.enforcer.tick();
    for (let round = 0; round < 10; round++) {
      this.restarts.tick();
      this.orchestrator.tick();
      if (!this.updates.step((id) => this.orchestrator.markDirty(id))) break;
    }
    // The reaper first: the addresses of the tasks it deletes are free for the allocator.
    this.reaper.tick();
    this.allocator.retry();
    this.scheduler.tick(this.now());
  }
}
