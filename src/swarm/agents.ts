// The agents as the manager tells them of changes (the dispatcher's Assignments stream, reduced
// to "look again"): which agents have something to look at after a commit — their node's tasks
// changed, or the data plane did (networks, peers, services, roles: all of them) — and each
// network's version, bumped whenever what an agent derives from it may have changed. It learns
// of changes from the store's watch queue.
import type { NodeTasks } from './model.js';
import type { DataPlane } from './allocator.js';
import type { MemoryStore, StoreEvent } from './store/memory.js';

/**
 * What `NodeAgent.dataDue` answers: its sync would act now (`due`); it would not (`idle`); or it
 * would not, and will not until one of the inputs the marks cover moves (`steady`: Agents asks it
 * `steadyDue` next time, unless `inputsMoved` marked it meanwhile).
 */
export type DataDue = 'due' | 'idle' | 'steady';

/** A node's agent as the manager sees it. */
export interface NodeAgent {
  /** Whether a sync would run now (host up, daemon running, not inside a sync already). */
  listening(): boolean;
  /** Acts on the store; false when it could not, or must look again after the next commit. */
  sync(): boolean;
  /**
   * The data version moved and nothing else marked the agent: whether its sync would act now. An
   * answer other than `due` stands for that sync (the agent notes the version as its sync would have).
   */
  dataDue(): DataDue;
  /**
   * `dataDue` for an agent that answered `steady` and was not marked since (`Agents.inputsMoved`):
   * only what no mark covers is read again (whether it listens, its engine's networks).
   */
  steadyDue(): DataDue;
}

export class Agents implements DataPlane {
  /** The agents, in the order they started: told after commits, when something concerns them. */
  private readonly agents: NodeAgent[] = [];
  /**
   * Which agents have something to look at. An agent not marked would find nothing new, so it is
   * not called; the marks are scanned in order, as the agents were once all called in order.
   */
  private due = new Uint8Array(16);
  /** The data version each agent was last asked about (dataDue) or told at. */
  private looked = new Float64Array(16).fill(-1);
  /**
   * 0 while an agent's last answer was `steady` and none of what that answer read has moved since
   * (its node's tasks and record, its own state, its uplink, gossip: `inputsMoved`; the networks
   * and attachments: their write counts, read here): it is asked `steadyDue`, not `dataDue`. While
   * 1,000 nodes join, every join moves the data version, and asking every agent what its stamp
   * says (500,000 times) was most of the time of a commit.
   */
  private moved = new Uint8Array(16);
  /** The write counts of the networks and attachments as the steady answers read them. */
  private netWrites = 0;
  private attWrites = 0;
  /** Bumped by every change an agent's data plane may depend on (networks, peers, services, roles). */
  dataVersion = 0;

  constructor(
    private readonly store: MemoryStore,
    /** The containers attached to swarm networks (cluster.attachments): each agent's stamp reads them. */
    private readonly attachments: { readonly writes: number } = { writes: 0 },
  ) {
    store.watch((e) => this.handle(e));
  }

  /** Registers the agent of the node whose tasks `own` are. */
  add(own: NodeTasks, agent: NodeAgent): void {
    const i = this.agents.length;
    this.agents.push(agent);
    if (i >= this.due.length) {
      const due = new Uint8Array(this.due.length * 2);
      due.set(this.due);
      this.due = due;
      const looked = new Float64Array(this.looked.length * 2).fill(-1);
      looked.set(this.looked);
      this.looked = looked;
      const moved = new Uint8Array(this.moved.length * 2);
      moved.set(this.moved);
      this.moved = moved;
    }
    this.due[i] = 1;
    this.moved[i] = 1;
    own.agent = i;
  }

  /** The node's agent has something to look at after the next commit. */
  wake(e: NodeTasks): void {
    if (e.agent >= 0) this.due[e.agent] = 1;
    this.inputsMoved(e);
  }

  /** Something the node's agent's data-plane answer reads may have moved: it is asked in full next time. */
  inputsMoved(e: NodeTasks): void {
    if (e.agent >= 0) this.moved[e.agent] = 1;
  }

  anyListening(): boolean {
    return this.agents.some((a) => a.listening());
  }

  /**
   * Tells each agent that has something to look at, in the order they started: those marked, and
   * — once the data version moved — those whose sync would act on it (most would find their
   * inputs as at their last apply: a node joining touches every network, which used to sync
   * every agent for nothing: 500,000 syncs while 1,000 nodes join).
   */
  notify(): void {
    for (let i = 0; i < this.agents.length; i++) {
      if (this.due[i] === 0) {
        if (this.looked[i] === this.dataVersion) continue;
        this.looked[i] = this.dataVersion;
        // A sync earlier in this round may have written the networks or attachments.
        if (this.store.networks.writes !== this.netWrites || this.attachments.writes !== this.attWrites) {
          this.netWrites = this.store.networks.writes;
          this.attWrites = this.attachments.writes;
          this.moved.fill(1);
        }
        const a = this.agents[i]!;
        const r = this.moved[i] === 0 ? a.steadyDue() : a.dataDue();
        if (r !== 'due') {
          this.moved[i] = r === 'steady' ? 0 : 1;
          continue;
        }
      }
      // Cleared first: whatever the sync changes for this agent waits for the next commit. Its
      // sync looks at the data version as it is now.
      this.due[i] = 0;
      this.looked[i] = this.dataVersion;
      this.moved[i] = 1;
      if (!this.agents[i]!.sync()) this.due[i] = 1;
    }
  }

  /** Every agent looks at the new version at the next notify (notify asks each whether it must). */
  private bumpData(): void {
    this.dataVersion += 1;
  }

  /** Something `net`'s peers, load balancers or DNS records derive from changed. */
  touchNetwork(netId: string): void {
    const n = this.store.networks.get(netId);
    if (n !== undefined) n.version++;
    this.bumpData();
  }

  touchNetworks(): void {
    for (const n of this.store.networks.values()) n.version++;
    this.bumpData();
  }

  private handle(e: StoreEvent): void {
    if (e.kind === 'task') {
      const t = e.task;
      if (e.action !== 'update') {
        if (t.nodeId !== null) this.wake(this.store.nodeTasks(t.nodeId));
        if (e.action === 'delete') for (const netId of t.addresses.keys()) this.touchNetwork(netId);
        return;
      }
      const node = t.nodeId;
      if (e.prevNode !== null) this.wake(this.store.nodeTasks(e.prevNode));
      if (node !== null && e.prevNode !== node) this.wake(this.store.nodeTasks(node));
      // The data plane sees a task only while it runs (peers, backends; weight 0 once no longer wanted).
      if (t.addresses.size > 0) {
        const wasRunning = e.prevState === 'running';
        const running = t.state === 'running';
        if (wasRunning !== running || (running && ((e.prevDesired === 'running') !== (t.desiredState === 'running') || e.prevNode !== node))) {
          for (const netId of t.addresses.keys()) this.touchNetwork(netId);
        }
      }
    } else if (e.kind === 'node') {
      // Its own record is what the node's agent reads (whichever field, whatever the action).
      this.inputsMoved(e.node.tasks);
      // Status, availability and role (which networks a node lists); not its labels.
      if (e.action === 'update' && !e.labels) this.bumpData();
    } else if (e.kind === 'network' || (e.kind === 'service' && (e.action === 'delete' || e.spec))) {
      // Services may name a network before it exists (their aliases and VIPs follow it).
      this.touchNetworks();
    }
  }
}
