// The update supervisor (swarmkit manager/orchestrator/update/updater.go Supervisor): at most one
// rolling update per service. The orchestrators ask it to start one when live tasks run an
// out-of-date spec; a new spec cancels the running one; each commit steps them all.
import { slotKey } from '../model.js';
import type { Service } from '../model.js';
import { Updater, specKey } from '../updater.js';
import type { UpdaterHost } from '../updater.js';
import { isLive } from './task.js';

export class UpdateSupervisor {
  /** Rolling updates in progress, by service ID. */
  private readonly updaters = new Map<string, Updater>();

  constructor(private readonly host: UpdaterHost) {}

  updating(serviceId: string): boolean {
    return this.updaters.has(serviceId);
  }

  /** Starts a rolling update when slots run an out-of-date spec (and none is under way or paused). */
  start(svc: Service): void {
    if (this.updaters.has(svc.id)) return;
    const st = svc.updateStatus;
    if (st !== null && (st.state === 'paused' || st.state === 'rollback_paused')) return;
    const dirty = new Set<string>();
    for (const t of this.host.store.serviceTasks(svc.id)) if (isLive(t) && t.spec !== svc.spec && specKey(t.spec) !== specKey(svc.spec)) dirty.add(slotKey(svc, t));
    if (dirty.size === 0) return;
    if (svc.updateStatus === null || svc.updateStatus.state === 'completed' || svc.updateStatus.state === 'rollback_completed') {
      const now = this.host.eq.now;
      this.host.store.updateServiceStatus(svc, (s) => {
        s.updateStatus = { state: 'updating', message: 'update in progress', startedAt: now, completedAt: null };
      });
    }
    this.updaters.set(svc.id, new Updater(this.host, svc, svc.updateStatus!.state === 'rollback_started', [...dirty]));
  }

  /** A new spec: the update under way stops (its held replacements are released). */
  cancel(serviceId: string): void {
    this.updaters.get(serviceId)?.cancel();
    this.updaters.delete(serviceId);
  }

  /** One step of every update; true when one changed the store. `stopped` hears of each update
   *  that ended (its service may need a new one, or its status now says paused). */
  step(stopped: (serviceId: string) => void): boolean {
    let changed = false;
    for (const [id, u] of [...this.updaters]) {
      if (u.step()) changed = true;
      if (u.stopped) {
        this.updaters.delete(id);
        stopped(id);
      }
    }
    return changed;
  }
}
