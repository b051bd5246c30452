// Runs one command line on a host, in a namespace, the way a root shell would: parse it, run it
// (interp.ts), let its programs print and exit on the simulated clock. `ip netns exec` and
// `nsenter` re-enter the interpreter with another namespace.
import type { Host } from '../kernel/host.js';
import type { Netns } from '../kernel/netns.js';
import { inputOf, runString } from './interp.js';
import { Job, Session } from './program.js';
import type { Env, ShellVars, Signal, Terminal } from './program.js';
import type { ShellSim } from './sim.js';
import { programs } from './registry.js';
import { SPECIAL } from './special.js';
import { missingCommands } from './packages.js';
import './commands.js';

export { UnknownCommand } from './interp.js';

/** The command names a scenario may use (those not listed are refused as unknown). */
export function knownCommand(name: string): boolean {
  return programs.has(name) || SPECIAL.has(name);
}

export interface Completion {
  done: boolean;
  code: number;
  /** Sends a signal to the command's foreground job: ^C is `interrupt('INT')`. */
  interrupt(sig?: Signal): void;
}

/** The environment of root's login shell on a CentOS 7 host (what `env` prints there, in a stable order). */
function loginEnviron(host: Host): Map<string, string> {
  return new Map([
    ['HOSTNAME', host.name],
    ['TERM', 'xterm'],
    ['SHELL', '/bin/bash'],
    ['HISTSIZE', '1000'],
    ['USER', 'root'],
    ['MAIL', '/var/spool/mail/root'],
    ['PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/root/bin'],
    ['PWD', '/root'],
    ['LANG', 'en_US.UTF-8'],
    ['HOME', '/root'],
    ['SHLVL', '1'],
    ['LOGNAME', 'root'],
  ]);
}

export function hostEnv(sim: ShellSim, host: Host, ns: Netns = host.root): Env {
  const u = sim.userland(host);
  return { host, ns, flavor: 'gnu', files: u.files, hostname: host.name, cwd: '/root', vars: loginEnviron(host), missing: { names: missingCommands(u), shell: '-bash' } };
}

export function hostPrompt(host: Host): string {
  return `[root@${host.name} {base}]# `;
}

export function startCommand(sim: ShellSim, host: Host, ns: Netns, line: string, term: Terminal, stdin = ''): Completion {
  const env = hostEnv(sim, host, ns);
  return startIn(sim, new Session(env, hostPrompt(host)), env, line, term, stdin);
}

/** Runs `line` in `env`, typed into `session` (its innermost shell's variables and `$?`). */
/** `sh`: the shell's variables the line runs with (a background loop's subshell copy); the
 *  session's own shell when not given. */
export function startIn(sim: ShellSim, session: Session, env: Env, line: string, term: Terminal, stdin = '', onDone?: (code: number) => void, sh: ShellVars = session.shell): Completion {
  const job = new Job();
  const result: Completion = { done: false, code: 0, interrupt: (sig = 'INT') => job.interrupt(sig) };
  const repl = session.repl;
  const finish = (code: number): void => {
    if (result.done) return;
    result.done = true;
    result.code = code;
    // bash reports the background jobs that ended before it prompts again.
    if (repl === undefined && env.flavor === 'gnu' && env.tty !== false) term.write(session.jobs.notices());
    onDone?.(code);
  };
  if (repl !== undefined) {
    repl(line, term, finish);
    return result;
  }
  runString({ sim, session, env, sh, out: term, err: term, tty: env.tty !== false, stdin: inputOf(stdin), job }, line, finish);
  return result;
}
