// `swarmsim shell [FILE]`: replays FILE (or builds the default cluster), then hands the user a
// terminal on the simulated hosts.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { InputError } from '../../core/errors.js';
import { loadScenario } from '../../scenario/load.js';
import { runScenario } from '../../scenario/run.js';
import { ShellCore } from './core.js';
import { Recorder } from './save.js';
import { runTerminal } from './terminal.js';

/** Without a file: three hosts on one LAN, named and numbered as the seeds' machines are. */
export const DEFAULT_CLUSTER = `name: swarmsim shell — three hosts on one LAN
seed: 1
hosts:
  - { name: swarm-manager, ip: 192.168.205.10/24 }
  - { name: swarm-worker1, ip: 192.168.205.11/24 }
  - { name: swarm-worker2, ip: 192.168.205.12/24 }
steps: []
`;

export interface ShellOptions {
  readonly on?: string;
  /** Simulated seconds per wall second while a command runs (default: 1 on a terminal, 0 on a pipe). */
  readonly speed?: string;
  readonly input: Readable;
  readonly output: Writable;
  readonly tty: boolean;
  /** The history dotfile; default $SWARMSIM_HISTORY or ~/.swarmsim_history (a terminal only). */
  readonly historyFile?: string | null;
}

export async function startShell(file: string | undefined, o: ShellOptions): Promise<number> {
  let text = DEFAULT_CLUSTER;
  if (file !== undefined) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new InputError(`cannot read the scenario: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
  }
  const speed = o.speed === undefined ? (o.tty ? 1 : 0) : Number(o.speed);
  if (!Number.isFinite(speed) || speed < 0 || speed > 1e6) throw new InputError(`--speed: "${o.speed}" is not a number from 0 to 1000000`);
  const sc = loadScenario(file ?? '(default cluster)', text);
  const res = runScenario(sc, { print: (t) => o.output.write(t) });
  const first = o.on ?? sc.hosts[0]?.name;
  if (first === undefined || !res.world.hosts.has(first)) throw new InputError(`--on: no host named "${o.on}" (hosts: ${[...res.world.hosts.keys()].join(', ')})`);
  if (file !== undefined) o.output.write(res.passed ? `\n# replayed ${file}: every expectation held\n` : `\n# replayed ${file}: some expectations failed (see above)\n`);
  const core = new ShellCore(res.sim, res.sessions, first, (t) => o.output.write(t), {
    speed,
    wait: (ms) => new Promise((r) => setTimeout(r, ms)),
  }, new Recorder(text));
  const history = o.historyFile !== undefined ? o.historyFile : process.env['SWARMSIM_HISTORY'] ?? join(homedir(), '.swarmsim_history');
  return runTerminal(core, { input: o.input, output: o.output, tty: o.tty, historyFile: o.tty ? history : null });
}
