// A manager's own agent talks to the dispatcher on its own host: swarmkit's node.go runs the
// manager's agent against the local manager's address (node/node.go runAgent: the connection
// broker prefers the local manager, a direct in-process gRPC connection), so its assignments and
// task status never cross the LAN. The same assignment set and reporter are used; what changes is
// that nothing waits on the wire: the agent takes its changes when it looks (after a commit), and a
// report is written to the store at once. Both need the leader in reach (the dispatcher it
// reaches runs, or proxies, there): while not, changes and reports wait.
import type { SwarmCluster } from '../swarm/cluster.js';
import { AssignmentSet, applyStatusUpdates } from '../swarm/dispatcher.js';
import type { TaskStatusReport } from '../swarm/dispatcher.js';
import { resolveChanges } from './assignments.js';
import type { AssignmentsMessage } from './assignments.js';
import type { Uplink } from './agent.js';
import { StatusReporter } from './reporter.js';

export class LocalUplink implements Uplink {
  readonly set: AssignmentSet;
  private first = true;
  private readonly reporter: StatusReporter;

  constructor(
    private readonly cluster: SwarmCluster,
    nodeId: string,
    /** Whether this manager follows a leader it reaches now. */
    private readonly reachable: () => boolean,
  ) {
    this.set = new AssignmentSet(cluster.store);
    for (const t of cluster.nodeTasks(nodeId).tasks) this.set.addOrUpdate(t);
    this.reporter = new StatusReporter((taskId, status) => {
      if (!this.reachable()) return false;
      if (applyStatusUpdates(cluster.store, new Map([[taskId, status]]))) cluster.commit();
      return 'done';
    });
  }

  connected(): boolean {
    return this.reachable();
  }

  report(taskId: string, status: TaskStatusReport): void {
    this.reporter.update(taskId, status);
  }

  poll(): AssignmentsMessage | null {
    if (!this.reachable()) return null;
    this.reporter.pump();
    if (!this.first && this.set.pending === 0) return null;
    const type = this.first ? 'COMPLETE' : 'INCREMENTAL';
    this.first = false;
    return { kind: 'assignments', type, changes: resolveChanges(this.cluster, this.set.take()) };
  }

  waiting(): boolean {
    return (this.set.pending > 0 || this.reporter.waiting > 0) && !this.reachable();
  }

  /** Whether the leader is reachable moves with the links and the managers, unannounced. */
  steady(): boolean {
    return false;
  }
}
