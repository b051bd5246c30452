// What the docker subcommands share: finding the host's daemon, parsing flags the way the docker
// CLI (pflag) reports mistakes, and printing its errors.
import { Command, CommanderError } from 'commander';
import type { Daemon } from '../../docker/daemon.js';
import { DaemonError, DockerError } from '../../docker/errors.js';
import type { Ctx } from '../program.js';
import { eprintln } from '../program.js';

export function daemonOf(ctx: Ctx): Daemon | null {
  const d = ctx.sim.docker.daemon(ctx.host);
  return d === undefined || !d.running ? null : d;
}

export const NOT_RUNNING = 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?';

/** A commander program for `docker <sub>`. Flags may come after positionals, as pflag allows,
 *  except where the docker CLI turns that off (run, exec, service create: whatever follows the
 *  IMAGE or CONTAINER is the command's own argv). */
export function subcommand(name: string, stopAtFirstPositional = false): Command {
  const cmd = new Command(name)
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined })
    .allowExcessArguments()
    .helpOption(false);
  return stopAtFirstPositional ? cmd.enablePositionalOptions().passThroughOptions() : cmd;
}

/** Parses; on a flag error prints docker's message and exits 125. Returns false then. */
export function parseFlags(ctx: Ctx, cmd: Command, args: string[], usage: string, exit: (code: number) => void): boolean {
  try {
    cmd.parse(args, { from: 'user' });
    return true;
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    const flag = /'([^']+)'/.exec(e.message)?.[1] ?? '';
    if (e.code === 'commander.unknownOption') eprintln(ctx, `unknown ${flag.startsWith('--') ? 'flag' : 'shorthand flag'}: ${flag.startsWith('--') ? flag : `'${flag.replace(/^-/, '')}' in ${flag}`}`);
    else if (e.code === 'commander.optionMissingArgument') eprintln(ctx, `flag needs an argument: ${flag.split(' ')[0]}`);
    else eprintln(ctx, e.message.replace(/^error: /, ''));
    eprintln(ctx, `See 'docker ${usage} --help'.`);
    exit(125);
    return false;
  }
}

/** Runs `fn`, printing a DockerError as the CLI does. */
export function guard(ctx: Ctx, exit: (code: number) => void, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof DockerError) {
      eprintln(ctx, e.message);
      exit(e.code);
      return;
    }
    if (e instanceof DaemonError) {
      eprintln(ctx, daemonSaid(e));
      exit(1);
      return;
    }
    throw e;
  }
}

/** What the CLI prints for a daemon error (cli/command: the client's error, as main prints it). */
export function daemonSaid(e: DaemonError): string {
  return `Error response from daemon: ${e.message}`;
}

/** run.go reportError: `docker: MSG.` (the period added unless there is one). */
export function reportError(msg: string): string {
  return `docker: ${msg.replace(/\.$/, '')}.`;
}

export function collect(value: string, prev: string[]): string[] {
  return [...prev, value];
}

export function labelsOf(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of list) {
    const i = l.indexOf('=');
    out[i < 0 ? l : l.slice(0, i)] = i < 0 ? '' : l.slice(i + 1);
  }
  return out;
}

/** cobra's message for a wrong number of arguments, with the command's usage line (exit 1). */
export function usageError(ctx: Ctx, name: string, wants: string, usage: string, what: string, exit: (code: number) => void): void {
  eprintln(ctx, `"docker ${name}" requires ${wants}.`);
  eprintln(ctx, `See 'docker ${name} --help'.`);
  eprintln(ctx, '');
  eprintln(ctx, `Usage:  ${usage}`);
  eprintln(ctx, '');
  eprintln(ctx, what);
  exit(1);
}
