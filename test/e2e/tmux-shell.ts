// End-to-end check of `swarmsim shell` in a real terminal: tmux runs the program, send-keys types
// as a person would (Tab, ^C, arrows), capture-pane reads the screen. `npm run test:tmux`; .ci/run
// installs tmux when it is missing. Exits 1 on the first expectation that does not show up.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const session = `swarmsim-e2e-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'swarmsim-tmux-'));

function tmux(...args: string[]): string {
  return execFileSync('tmux', args, { encoding: 'utf8' });
}

function screen(): string {
  return tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', session);
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Waits until the screen matches, up to 20 s of wall time. */
function waitFor(what: string, re: RegExp): void {
  for (let i = 0; i < 200; i++) {
    if (re.test(screen())) {
      console.log(`ok   ${what}`);
      return;
    }
    sleep(100);
  }
  throw new Error(`${what}: ${re} never showed up; the screen was:\n${screen()}`);
}

function keys(...k: string[]): void {
  tmux('send-keys', '-t', session, ...k);
}

let code = 0;
try {
  const cmd = `SWARMSIM_HISTORY=${join(dir, 'history')} node dist/cli/bin.js shell --speed 10; echo "swarmsim exited $?"; sleep 60`;
  tmux('new-session', '-d', '-s', session, '-x', '150', '-y', '50', cmd);
  waitFor('the prompt is the host\'s', /\[root@swarm-manager ~\]# ?$/m);
  keys('hostname', 'Enter');
  waitFor('a command prints its output', /# hostname\nswarm-manager\n\[root@swarm-manager ~\]# ?$/m);
  keys('docker sw', 'Tab');
  waitFor('Tab completes a subcommand', /# docker swarm ?$/m);
  keys('C-u', 'ssh swarm-wo', 'Tab');
  waitFor('Tab completes the common part of two host names', /# ssh swarm-worker$/m);
  keys('2', 'Enter');
  waitFor('ssh moves to the other host', /\[root@swarm-worker2 ~\]# ?$/m);
  keys('ping -c 100 192.168.205.10', 'Enter');
  waitFor('a paced ping prints as it goes', /icmp_seq=3 ttl=64/);
  keys('C-c');
  waitFor('^C interrupts it: ping prints its statistics and the prompt comes back', /\^C\n--- 192\.168\.205\.10 ping statistics ---\n\d+ packets transmitted, \d+ received, 0% packet loss, time \d+ms\nrtt min\/avg\/max\/mdev = [\d./]+ ms\n\[root@swarm-worker2 ~\]# ?$/m);
  keys('Up');
  waitFor('the up arrow recalls the last command', /\[root@swarm-worker2 ~\]# ping -c 100 192\.168\.205\.10$/m);
  keys('C-u', 'exit', 'Enter');
  waitFor('exit comes back', /Connection to swarm-worker2 closed\.\n\[root@swarm-manager ~\]# ?$/m);
  keys('exit', 'Enter');
  waitFor('exit on the first host ends the session with its status', /logout\nswarmsim exited 0/);
  console.log('tmux e2e: every expectation held');
} catch (e) {
  console.error(`tmux e2e: ${(e as Error).message}`);
  code = 1;
} finally {
  try {
    tmux('kill-session', '-t', session);
  } catch {
    // Already gone.
  }
  rmSync(dir, { recursive: true, force: true });
}
process.exitCode = code;
