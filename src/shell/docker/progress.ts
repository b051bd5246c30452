// The attached display of `docker service create|update|scale|rollback`, as docker/cli 19.03's
// service/progress/progress.go draws it: every 200 ms it reads the service and its up-to-date
// tasks (the daemon's `_up-to-date` filter: !orchestrator.IsTaskDirty), redraws one line per
// progress ID on the terminal, and returns once every slot has run for the monitor period.
import { SEC } from '../../sim/clock.js';
import type { SwarmCluster } from '../../swarm/cluster.js';
import type { Service, Task, TaskState } from '../../swarm/model.js';
import { specKey } from '../../swarm/updater.js';
import type { Ctx } from '../program.js';
import { println } from '../program.js';

const POLL = SEC / 5;
/** Per-slot lines are drawn only up to this many slots (maxProgressBars). */
const MAX_BARS = 20;
/** progress.go numberedStates: NEW=1 … RUNNING=9, then the terminal states. */
const NUMBERED: Partial<Record<TaskState, number>> = { new: 1, pending: 3, assigned: 4, accepted: 5, preparing: 6, ready: 7, starting: 8, running: 9, complete: 10, shutdown: 11, failed: 12, rejected: 13 };
const RUNNING = 9;
/** The longest non-terminal state name ("allocated", "preparing"): the state column's width. */
const STATE_WIDTH = 9;

function numbered(s: TaskState): number {
  return NUMBERED[s] ?? 0;
}

function terminal(s: TaskState): boolean {
  return numbered(s) > RUNNING;
}

/**
 * A terminal as jsonmessage draws progress on it: a message with an ID rewrites that ID's line
 * (added below the others the first time), so what stays on the screen is each line's last state.
 */
export class ProgressScreen {
  private readonly ids: string[] = [];
  private readonly lines = new Map<string, string>();

  write(id: string, text: string): void {
    if (!this.lines.has(id)) this.ids.push(id);
    this.lines.set(id, `${id}: ${text}`);
  }

  /** An action with a bar (HideCounts): `state     [=====>     ] `, 50 columns (JSONProgress.String). */
  bar(id: string, action: string, current: number, total: number): void {
    const pct = Math.min(50, Math.floor(Math.floor((current / total) * 100) / 2));
    this.write(id, `${action} [${'='.repeat(pct)}>${' '.repeat(Math.max(0, 50 - pct))}] `);
  }

  /** A message without an ID is a line of its own. */
  message(text: string): void {
    const id = `\u0000${this.ids.length}`;
    this.ids.push(id);
    this.lines.set(id, text);
  }

  flush(ctx: Ctx): void {
    for (const id of this.ids) println(ctx, this.lines.get(id)!);
    this.ids.length = 0;
    this.lines.clear();
  }
}

function action(screen: ProgressScreen, id: string, text: string): void {
  screen.write(id, `${text} `);
}

function overall(screen: ProgressScreen, n: number, of: number, rollback: boolean): void {
  action(screen, 'overall progress', rollback ? `rolling back update: ${n} out of ${of} tasks` : `${n} out of ${of} tasks`);
}

/** truncError: newlines out, at most 75 characters. */
function truncError(msg: string): string {
  const s = msg.replace(/\n/g, ' ');
  return s.length > 75 ? s.slice(0, 74) + '…' : s;
}

/** Of several tasks in one slot (or on one node), the one with the lowest desired state, then
 *  the lowest observed state (tasksBySlot / tasksByNode). */
function favour(existing: Task | undefined, t: Task): boolean {
  if (existing === undefined) return true;
  const ed = numbered(existing.desiredState);
  const td = numbered(t.desiredState);
  if (ed < td) return false;
  if (ed === td && numbered(existing.state) <= numbered(t.state)) return false;
  return true;
}

function taskProgress(screen: ProgressScreen, id: string, t: Task, rollback: boolean): void {
  if (t.err !== '') return action(screen, id, truncError(t.err));
  if (!terminal(t.desiredState) && !terminal(t.state)) {
    const cur = rollback ? RUNNING - numbered(t.state) : numbered(t.state);
    screen.bar(id, t.state.padEnd(STATE_WIDTH), cur, RUNNING);
  }
}

/** replicatedProgressUpdater / globalProgressUpdater: draws and says whether every slot runs. */
class Updater {
  private initialized = false;
  private done = false;
  private readonly slotMap = new Map<number, number>();

  constructor(
    private readonly screen: ProgressScreen,
    private readonly global: boolean,
  ) {}

  update(cluster: SwarmCluster, svc: Service, tasks: Task[], rollback: boolean): boolean {
    return this.global ? this.updateGlobal(cluster, tasks, rollback) : this.updateReplicated(cluster, svc, tasks, rollback);
  }

  private active(cluster: SwarmCluster, nodeId: string | null): boolean {
    if (nodeId === null) return true;
    const n = cluster.nodes.get(nodeId);
    return n !== undefined && n.status !== 'down';
  }

  private updateReplicated(cluster: SwarmCluster, svc: Service, tasks: Task[], rollback: boolean): boolean {
    const replicas = svc.spec.mode.kind === 'replicated' ? svc.spec.mode.replicas : 0;
    if (!this.initialized) {
      overall(this.screen, 0, replicas, rollback);
      if (replicas <= MAX_BARS) for (let i = 1; i <= replicas; i++) this.screen.write(`${i}/${replicas}`, ' ');
      this.initialized = true;
    }
    const bySlot = new Map<number, Task>();
    for (const t of tasks) {
      if (numbered(t.desiredState) === 0 || numbered(t.state) === 0) continue;
      if (!favour(bySlot.get(t.slot), t)) continue;
      if (!this.active(cluster, t.nodeId)) continue;
      bySlot.set(t.slot, t);
    }
    // Go iterates the map in random order; slots are taken in ascending order here.
    const slots = [...bySlot.keys()].sort((a, b) => a - b);
    if (this.done && slots.some((s) => bySlot.get(s)!.state !== 'running')) this.done = false;
    let running = 0;
    for (const s of slots) {
      const t = bySlot.get(s)!;
      let mapped = this.slotMap.get(s);
      if (mapped === undefined) this.slotMap.set(s, (mapped = this.slotMap.size + 1));
      if (!terminal(t.desiredState) && t.state === 'running') running++;
      if (!this.done && replicas <= MAX_BARS && mapped <= replicas) taskProgress(this.screen, `${mapped}/${replicas}`, t, rollback);
    }
    if (!this.done) {
      overall(this.screen, running, replicas, rollback);
      if (running === replicas) this.done = true;
    }
    return running === replicas;
  }

  private updateGlobal(cluster: SwarmCluster, tasks: Task[], rollback: boolean): boolean {
    const byNode = new Map<string, Task>();
    for (const t of tasks) {
      if (numbered(t.desiredState) === 0 || numbered(t.state) === 0) continue;
      const key = t.nodeId ?? '';
      if (favour(byNode.get(key), t)) byNode.set(key, t);
    }
    const count = byNode.size;
    if (!this.initialized) {
      if (count === 0) {
        action(this.screen, 'overall progress', 'waiting for new tasks');
        return false;
      }
      overall(this.screen, 0, count, rollback);
      this.initialized = true;
    }
    const nodes = [...byNode.keys()];
    if (this.done && nodes.some((n) => byNode.get(n)!.state !== 'running')) this.done = false;
    let running = 0;
    for (const n of nodes) {
      const t = byNode.get(n)!;
      if (!this.active(cluster, t.nodeId)) continue;
      if (!terminal(t.desiredState) && t.state === 'running') running++;
      if (!this.done && count <= MAX_BARS) taskProgress(this.screen, n.slice(0, 12), t, rollback);
    }
    if (!this.done) {
      overall(this.screen, running, count, rollback);
      if (running === count) this.done = true;
    }
    return running === count;
  }
}

/**
 * ServiceProgress: polls until converged for the monitor period, or until the update pauses or
 * is rolled back (then `done` gets the error the CLI prints, exit 1).
 */
export function serviceProgress(ctx: Ctx, cluster: SwarmCluster, svc: Service, done: (err: string | null) => void): void {
  const eq = ctx.world.eq;
  const screen = new ProgressScreen();
  const updater = new Updater(screen, svc.spec.mode.kind === 'global');
  let converged = false;
  let convergedAt = -1;
  let rollback = false;
  const finish = (err: string | null): void => {
    screen.flush(ctx);
    done(err);
  };
  const poll = (): void => {
    if (!cluster.services.has(svc.id)) return finish(`Error: No such service: ${svc.id}`);
    const monitor = svc.spec.update.monitor !== 0 ? svc.spec.update.monitor : 5 * SEC;
    const st = svc.updateStatus;
    if (st !== null) {
      switch (st.state) {
        case 'updating':
          rollback = false;
          break;
        case 'completed':
          if (!converged) return finish(null);
          break;
        case 'paused':
          return finish(`service update paused: ${st.message}`);
        case 'rollback_started':
          if (!rollback && st.message !== '') action(screen, 'rollback', st.message);
          rollback = true;
          break;
        case 'rollback_paused':
          return finish(`service rollback paused: ${st.message}`);
        case 'rollback_completed':
          if (!converged) return finish(`service rolled back: ${st.message}`);
          break;
      }
    }
    if (converged && eq.now - convergedAt >= monitor) {
      action(screen, 'verify', 'Service converged');
      return finish(null);
    }
    const key = specKey(svc.spec);
    const tasks = cluster.tasksOf(svc).filter((t) => t.spec === svc.spec || specKey(t.spec) === key);
    converged = updater.update(cluster, svc, tasks, rollback);
    if (converged) {
      if (convergedAt < 0) convergedAt = eq.now;
      const wait = monitor - (eq.now - convergedAt);
      if (wait >= 0) action(screen, 'verify', `Waiting ${Math.floor(wait / SEC) + 1} seconds to verify that tasks are stable...`);
    } else {
      if (convergedAt >= 0) action(screen, 'verify', 'Detected task failure');
      convergedAt = -1;
    }
    eq.after(POLL, poll);
  };
  poll();
}
