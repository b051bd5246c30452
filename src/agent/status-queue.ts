// A manager dispatcher's queue of task status updates (swarmkit bump_v19.03 dispatcher.go
// UpdateTaskStatus → d.taskUpdates, the latest per task): written to the store in one batch on
// each tick of Run's batchTimer (maxBatchInterval, 100 ms), or at once past maxBatchItems
// (processUpdates). The ticks run from the dispatcher's start; only a tick with updates waiting
// is an event here.
import type { EventQueue, Nanos } from '../sim/clock.js';
import type { SwarmCluster } from '../swarm/cluster.js';
import { applyStatusUpdates, MAX_BATCH_INTERVAL, MAX_BATCH_ITEMS } from '../swarm/dispatcher.js';
import type { TaskStatusReport } from '../swarm/dispatcher.js';

export class StatusQueue {
  private updates = new Map<string, TaskStatusReport>();
  private readonly origin: Nanos;
  private armed = false;
  private stopped = false;

  constructor(
    private readonly eq: EventQueue,
    /** The cluster to write to now, or null (no leader in reach: the batch is dropped). */
    private readonly target: () => SwarmCluster | null,
  ) {
    this.origin = eq.now;
  }

  add(taskId: string, status: TaskStatusReport): void {
    this.updates.set(taskId, status);
    if (this.updates.size >= MAX_BATCH_ITEMS) {
      this.eq.after(0, () => this.flush());
      return;
    }
    if (this.armed) return;
    this.armed = true;
    const next = this.origin + (Math.floor((this.eq.now - this.origin) / MAX_BATCH_INTERVAL) + 1) * MAX_BATCH_INTERVAL;
    this.eq.at(next, () => {
      this.armed = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.stopped || this.updates.size === 0) return;
    const batch = this.updates;
    this.updates = new Map();
    const cluster = this.target();
    if (cluster !== null && applyStatusUpdates(cluster.store, batch)) cluster.commit();
  }

  stop(): void {
    this.stopped = true;
    this.updates.clear();
  }
}
