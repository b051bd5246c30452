// The swarmsim command line: `run` replays a scenario, `trace` replays it and follows one packet,
// `shell` opens a terminal on it. The commands' code is imported when one runs, so `--help` and
// argument errors load nothing of the simulator (start-up is most of a short run).
// Exit codes: 0 every expectation held, 1 one failed, 2 the input is invalid.
import type { Readable, Writable } from 'node:stream';
import { Command, CommanderError } from 'commander';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

/** Where `shell` reads and writes when main() is given an Io (tests) or not (the real terminal). */
export interface ShellIo {
  readonly input: Readable;
  readonly output: Writable;
  readonly tty: boolean;
  readonly historyFile?: string | null;
}

/**
 * Where the commands' module is, in the bundle: its entry (dist/cli/bin.js, this module and
 * commander) is CommonJS, because an ES module as the main module loads Node's ES module loader
 * first (`--help` took 75 ms where this takes 65, bare node 50); the commands are the bundle's ES
 * modules (dist/cli/esm/), loaded by the first command that runs. The build defines it; in tsc's
 * tree it is undefined and the commands sit beside this module.
 */
declare const SWARMSIM_COMMANDS: string | undefined;

/** The exit status, once the command has run. */
export async function main(argv: string[], io?: Io, shellIo?: ShellIo): Promise<number> {
  const out = io?.out ?? ((s: string) => process.stdout.write(s));
  const err = io?.err ?? ((s: string) => process.stderr.write(s));
  const commands = async (): Promise<typeof import('./commands.js')> => {
    const m = (await import(/* @vite-ignore */ typeof SWARMSIM_COMMANDS === 'string' ? SWARMSIM_COMMANDS : './commands.js')) as typeof import('./commands.js');
    m.setIo({ out, err });
    return m;
  };
  let code: Promise<number> = Promise.resolve(0);
  const program = new Command('swarmsim')
    .description('A packet-level simulator of Docker Swarm networking: replay a scenario, trace any packet.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out(s), writeErr: (s) => err(s) })
    .showHelpAfterError();
  program
    .command('run')
    .description('replay a scenario file and check its expectations')
    .argument('<file>', 'scenario file (YAML)')
    .option('--json', 'print a machine-readable result instead of the transcript')
    .option('--repeat <n>', 'run it N times, each with its own seed, on all cores; print one line per run')
    .option('--seed-from <s>', 'with --repeat: the first seed (default: the scenario\'s)')
    .option('--jobs <n>', 'with --repeat: worker threads (default: one per core)')
    .option('--pcap <file>', 'capture every device of every host into this pcapng file (and write the capture steps\' files)')
    .option('--pcap-filter <expr>', 'with --pcap: only the packets this pcap-filter expression matches (tcpdump syntax)')
    .action((file: string, opts: { json?: boolean; repeat?: string; seedFrom?: string; jobs?: string; pcap?: string; pcapFilter?: string }) => {
      code = commands().then((m) => m.cmdRun(file, opts));
    });
  program
    .command('trace')
    .description('replay a scenario, then send one packet and show every hop it takes')
    .argument('<file>', 'scenario file (YAML)')
    .requiredOption('--on <host>', 'host the packet starts on')
    .option('--ns <netns>', 'network namespace on that host (default: the host itself)')
    .option('--container <name>', 'start inside this container instead')
    .requiredOption('--to <ip[:port]>', 'destination')
    .option('--proto <proto>', 'icmp, tcp or udp (default: tcp with a port, else icmp)')
    .option('--size <bytes>', 'ICMP/UDP: the IP datagram size; TCP: bytes to send after the handshake (the first data segment is traced)')
    .option('--json', 'print the trace as JSON (the same as --format json)')
    .option('--format <format>', 'text (default), json (typed events, see src/trace/trace.schema.json) or xtables (iptables -j TRACE log lines)')
    .option('--html <file>', 'also write the trace drawn on the topology, as swarmsim view does')
    .action((file: string, opts: { on: string; ns?: string; container?: string; to: string; proto?: string; size?: string; json?: boolean; format?: string; html?: string }) => {
      code = commands().then((m) => m.cmdTrace(file, opts));
    });
  program
    .command('reach')
    .description('replay a scenario, then probe every published port from every client and every service from every task')
    .argument('<file>', 'scenario file (YAML)')
    .option('--from <hosts>', 'client hosts, comma-separated (default: hosts without Docker, plus each node itself)')
    .option('--count <n>', 'probes per flow; more show the balancing (default 3)')
    .option('--size <bytes>', 'TCP: bytes each probe sends after the handshake (its first data segment is the probe); UDP: the datagram size')
    .option('--jobs <n>', 'worker threads (default: one per core)')
    .option('--json', 'print the matrix as JSON')
    .option('--html <file>', 'also write the view page with the matrix drawn (cells open their probe on the topology)')
    .action((file: string, opts: { from?: string; count?: string; size?: string; jobs?: string; json?: boolean; html?: string }) => {
      code = commands().then((m) => m.cmdReachFile(file, opts));
    });
  program
    .command('diff')
    .description('compare the reach matrices of two scenarios, or of one and a what-if step; exit 1 when a flow changed')
    .argument('<a>', 'scenario file (YAML)')
    .argument('[b]', 'the other scenario file')
    .option('--what-if <step>', 'instead of B: A with this step appended (YAML, e.g. "{ run: \'iptables -I INPUT -p udp --dport 4789 -j DROP\', on: w1 }")')
    .option('--from <hosts>', 'client hosts, comma-separated')
    .option('--count <n>', 'probes per flow (default 3)')
    .option('--size <bytes>', 'TCP: bytes each probe sends after the handshake; UDP: the datagram size')
    .option('--jobs <n>', 'worker threads (default: one per core)')
    .option('--json', 'print the changes as JSON')
    .action((a: string, b: string | undefined, opts: { whatIf?: string; from?: string; count?: string; size?: string; jobs?: string; json?: boolean }) => {
      code = commands().then((m) => m.cmdDiffFiles(a, b, opts));
    });
  program
    .command('view')
    .description('replay a scenario, then draw its topology and every traced packet in one HTML page')
    .argument('<file>', 'scenario file (YAML)')
    .option('-o, --output <file>', 'where to write (default report.html; stdout for --svg, --dot, --json; - for stdout)')
    .option('--svg', 'the topology as SVG, with one trace lit')
    .option('--dot', 'the topology in Graphviz DOT, with one trace lit')
    .option('--json', "the topology graph as graphology's JSON")
    .option('--trace <n>', 'which trace step --svg and --dot light (default 1)')
    .action((file: string, opts: { output?: string; svg?: boolean; dot?: boolean; json?: boolean; trace?: string }) => {
      code = commands().then((m) => m.cmdViewFile(file, opts));
    });
  program
    .command('shell')
    .description('replay a scenario (or start three hosts on one LAN), then type commands on its hosts')
    .argument('[file]', 'scenario file (YAML); without it, a default cluster')
    .option('--on <host>', 'the host to start on (default: the first)')
    .option('--speed <n>', 'simulated seconds per second while a command runs (0: at once; default 1 on a terminal, 0 on a pipe)')
    .action((file: string | undefined, opts: { on?: string; speed?: string }) => {
      const sio = shellIo ?? { input: process.stdin, output: process.stdout, tty: process.stdin.isTTY === true && process.stdout.isTTY === true };
      code = commands().then((m) => m.cmdShell(file, { ...opts, ...sio }));
    });
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  return code;
}

