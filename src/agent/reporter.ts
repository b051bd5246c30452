// The agent's task status reporter (swarmkit bump_v19.03 agent/reporter.go statusReporter): the
// latest status of each task waits here until the manager took it. An older state than the one
// waiting is ignored; one report is sent at a time (run → Agent.UpdateTaskStatus →
// session.sendTaskStatus, one UpdateTaskStatus call per status, waiting for a session); a report
// whose call failed goes back unless a newer one came meanwhile.
import type { TaskStatusReport } from '../swarm/dispatcher.js';
import { stateIndex } from '../swarm/model.js';

export class StatusReporter {
  private readonly statuses = new Map<string, TaskStatusReport>();
  private inFlight: { readonly taskId: string; readonly status: TaskStatusReport } | null = null;

  /** `send`: makes the call now; false when there is no session to make it on, 'done' when it
   *  was answered at once (a manager's own agent). */
  constructor(private readonly send: (taskId: string, status: TaskStatusReport) => boolean | 'done') {}

  get waiting(): number {
    return this.statuses.size + (this.inFlight === null ? 0 : 1);
  }

  /** statusReporter.UpdateTaskStatus, then a send if none is under way. */
  update(taskId: string, status: TaskStatusReport): void {
    const current = this.statuses.get(taskId);
    if (current !== undefined && stateIndex(current.state) > stateIndex(status.state)) return;
    this.statuses.set(taskId, status);
    this.pump();
  }

  /** Sends the next waiting report when no call is under way and a session is up. */
  pump(): void {
    while (this.inFlight === null) {
      const first = this.statuses.entries().next();
      if (first.done === true) return;
      const [taskId, status] = first.value;
      this.statuses.delete(taskId);
      this.inFlight = { taskId, status };
      const sent = this.send(taskId, status);
      if (sent === 'done') this.inFlight = null;
      else if (!sent) {
        this.failed();
        return;
      }
    }
  }

  /** The manager answered the call under way: the next one goes. */
  acked(taskId: string): void {
    if (this.inFlight?.taskId !== taskId) return;
    this.inFlight = null;
    this.pump();
  }

  /** The session ended with a call under way: its report waits again, unless a newer one came. */
  failed(): void {
    const f = this.inFlight;
    if (f === null) return;
    this.inFlight = null;
    if (!this.statuses.has(f.taskId)) {
      // Back in front: it was the oldest.
      const rest = [...this.statuses];
      this.statuses.clear();
      this.statuses.set(f.taskId, f.status);
      for (const [k, v] of rest) this.statuses.set(k, v);
    }
  }

  clear(): void {
    this.statuses.clear();
    this.inFlight = null;
  }
}
