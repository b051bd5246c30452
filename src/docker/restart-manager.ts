// A container's restart manager: whether dockerd restarts it when its process exits, and after
// what back-off (moby restartmanager/restartmanager.go, v19.03.15). The delay starts at 100 ms
// and doubles with each restart up to one minute; a run of 10 s or more resets it. `always`
// restarts whatever the exit, `unless-stopped` unless the user stopped it, `on-failure[:N]` on a
// non-zero exit, at most N times when N is given. The daemon counts the restarts
// (RestartCount) and shows the container Restarting while the delay runs (daemon/monitor.go).
import { MS, SEC } from '../sim/clock.js';
import type { Nanos } from '../sim/clock.js';

const DEFAULT_TIMEOUT: Nanos = 100 * MS;
const MAX_TIMEOUT: Nanos = 60 * SEC;
const BACKOFF_MULTIPLIER = 2;

export class RestartManager {
  private timeout: Nanos = 0;
  private canceled = false;

  /** `policy` as --restart gives it (no, always, unless-stopped, on-failure[:N]). */
  constructor(private readonly policy: string, private restartCount: number) {}

  /** The delay before the restart, or null when the container stays stopped. */
  shouldRestart(exitCode: number, manuallyStopped: boolean, ranFor: Nanos): Nanos | null {
    const [name, max] = this.policy.split(':');
    if (name === 'no' || name === '' || this.canceled) return null;
    if (ranFor >= 10 * SEC) this.timeout = 0;
    if (this.timeout === 0) this.timeout = DEFAULT_TIMEOUT;
    else if (this.timeout < MAX_TIMEOUT) this.timeout *= BACKOFF_MULTIPLIER;
    if (this.timeout > MAX_TIMEOUT) this.timeout = MAX_TIMEOUT;
    let restart = false;
    if (name === 'always') restart = true;
    else if (name === 'unless-stopped') restart = !manuallyStopped;
    else if (name === 'on-failure') {
      // A MaximumRetryCount of 0 means no maximum.
      const limit = Number(max ?? 0);
      if (limit === 0 || this.restartCount < limit) restart = exitCode !== 0;
    }
    if (!restart) return null;
    this.restartCount++;
    return this.timeout;
  }

  /** A stop, kill or user start while the delay runs: the restart does not happen. */
  cancel(): void {
    this.canceled = true;
  }
}
