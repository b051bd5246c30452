// The restart supervisor (swarmkit manager/orchestrator/restart/restart.go): whether a slot whose
// task ended gets a new one now — the restart policy's condition, its attempts within the window,
// its delay — and, for a task shut down because its node went down or was drained, how the
// replacement starts (DelayStart: desired state READY until the delay is over and the old task
// stopped, then RUNNING). The orchestrators ask it; it writes to the store only.
import type { EventQueue, Nanos } from '../../sim/clock.js';
import { SEC } from '../../sim/clock.js';
import { isTerminal } from '../model.js';
import type { Service, Task } from '../model.js';
import type { MemoryStore } from '../store/memory.js';

/** restart.go defaultOldTaskTimeout: a replacement stops waiting for the old task after 1 min. */
export const OLD_TASK_TIMEOUT: Nanos = 60 * SEC;

interface DelayedStart {
  readonly task: Task;
  readonly old: Task;
  /** When the restart delay is over. */
  readonly at: Nanos;
  readonly waitStop: boolean;
  readonly deadline: Nanos;
}

export class RestartSupervisor {
  /** Replacements created with desired state READY, raised to RUNNING once they may start. */
  private readonly delayed: DelayedStart[] = [];
  /** Tasks shut down because their node went down or was drained: how their replacement starts. */
  private readonly invalidated = new WeakMap<Task, { delay: Nanos; waitStop: boolean }>();

  constructor(
    private readonly store: MemoryStore,
    private readonly eq: EventQueue,
    /** Runs the reconcilers again (when a delay or a timeout is over). */
    private readonly kick: () => void,
  ) {}

  /**
   * restart.go Restart for a task on a node that is down or drained: no restart delay on a
   * drained node; no waiting for a task whose node is down (it cannot report), otherwise the
   * replacement waits for it to stop. The task is shut down.
   */
  shutdownOnNode(svc: Service, t: Task): void {
    const n = t.nodeId === null ? undefined : this.store.nodes.get(t.nodeId);
    const down = n === undefined || n.status !== 'ready';
    this.invalidated.set(t, { delay: n !== undefined && n.availability === 'drain' ? 0 : svc.spec.restart.delay, waitStop: !down });
    this.store.updateTask(t, { desiredState: 'shutdown' });
  }

  /**
   * Whether a slot (or a global service's node) whose tasks have all ended gets a new one now
   * (restart.go shouldRestart, and the delay of DelayStart; a later commit is scheduled for when
   * the delay is over).
   */
  mayRefill(svc: Service, history: readonly Task[]): boolean {
    const now = this.eq.now;
    const ended = history.filter((t) => isTerminal(t.state)).sort((a, b) => b.stateSince - a.stateSince);
    const last = ended[0];
    if (last === undefined) return true;
    // A task shut down on purpose (scale, update, drain) leaves the slot to the orchestrator.
    if (last.state === 'shutdown' || last.state === 'remove' || last.state === 'orphaned') return true;
    const r = svc.spec.restart;
    if (r.condition === 'none') return false;
    if (r.condition === 'on-failure' && last.state === 'complete') return false;
    if (r.maxAttempts > 0) {
      const since = r.window > 0 ? now - r.window : -Infinity;
      if (ended.filter((t) => t.state !== 'shutdown' && t.stateSince >= since).length > r.maxAttempts) return false;
    }
    const due = last.stateSince + r.delay;
    if (due > now) {
      this.eq.at(due, this.kick);
      return false;
    }
    return true;
  }

  /** The new task `t` replaces `old` in its slot; after a drain or a node loss it starts as Restart said. */
  replaced(old: Task, t: Task): void {
    const how = this.invalidated.get(old);
    if (how === undefined) return;
    const now = this.eq.now;
    this.store.updateTask(t, { desiredState: 'ready' });
    const entry: DelayedStart = { task: t, old, at: now + how.delay, waitStop: how.waitStop && !isTerminal(old.state), deadline: now + OLD_TASK_TIMEOUT };
    this.delayed.push(entry);
    if (how.delay > 0) this.eq.at(entry.at, this.kick);
    if (entry.waitStop) this.eq.at(entry.deadline, this.kick);
  }

  /** DelayStart: the delay is over and the old task stopped (or its node is down, or 1 min passed). */
  tick(): void {
    const now = this.eq.now;
    for (let i = 0; i < this.delayed.length; i++) {
      const d = this.delayed[i]!;
      if (d.task.desiredState !== 'ready' || this.store.getTask(d.task.id) === null) {
        this.delayed.splice(i--, 1);
        continue;
      }
      if (now < d.at) continue;
      const oldNode = d.old.nodeId === null ? undefined : this.store.nodes.get(d.old.nodeId);
      const stopped = !d.waitStop || isTerminal(d.old.state) || this.store.getTask(d.old.id) === null || oldNode === undefined || oldNode.status === 'down' || now >= d.deadline;
      if (!stopped) continue;
      this.store.updateTask(d.task, { desiredState: 'running' });
      this.delayed.splice(i--, 1);
    }
  }
}
