// The swarmsim command line: `run` replays a scenario, `trace` replays it and follows one packet.
// Exit codes: 0 every expectation held, 1 one failed, 2 the input is invalid.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { parseIp4 } from '../core/addr.js';
import { InputError } from '../core/errors.js';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/model.js';
import { sendProbe } from '../scenario/probe.js';
import type { ProbeProto } from '../scenario/probe.js';
import { containerNamespace, runScenario } from '../scenario/run.js';
import type { RunResult } from '../scenario/run.js';
import { renderTraceText, traceJson } from '../trace/render.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

let out: (s: string) => void = (s) => process.stdout.write(s);
let err: (s: string) => void = (s) => process.stderr.write(s);

function load(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read the scenario: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return loadScenario(file, text);
}

function inputError(file: string, e: InputError): number {
  const at = e.line === undefined ? '' : `:${e.line}${e.column === undefined ? '' : `:${e.column}`}`;
  err(`${file}${at}: ${e.message}\n`);
  return 2;
}

function report(res: RunResult): number {
  const failed = res.steps.filter((s) => s.failures.length > 0);
  for (const s of failed) for (const f of s.failures) err(`${res.file}:${s.line}: ${s.command}: ${f}\n`);
  const n = res.steps.length;
  out(failed.length === 0 ? `\nscenario "${res.name}": ${n} steps, every expectation held\n` : `\nscenario "${res.name}": ${failed.length} of ${n} steps failed\n`);
  return failed.length === 0 ? 0 : 1;
}

function jsonResult(res: RunResult): object {
  return { name: res.name, file: res.file, passed: res.passed, steps: res.steps };
}

function cmdRun(file: string, opts: { json?: boolean }): number {
  try {
    const sc = load(file);
    const res = runScenario(sc, { print: opts.json ? undefined : out });
    if (opts.json) {
      out(JSON.stringify(jsonResult(res), null, 2) + '\n');
      return res.passed ? 0 : 1;
    }
    return report(res);
  } catch (e) {
    if (e instanceof InputError) return inputError(file, e);
    throw e;
  }
}

function cmdTrace(file: string, opts: { on: string; ns?: string; container?: string; to: string; proto?: string; size?: string; json?: boolean }): number {
  try {
    const sc = load(file);
    const res = runScenario(sc, { print: opts.json ? undefined : out });
    const host = res.world.hosts.get(opts.on);
    if (host === undefined) throw new InputError(`--on: no host named "${opts.on}" (hosts: ${[...res.world.hosts.keys()].join(', ')})`);
    const ns = opts.container !== undefined ? containerNamespace(res.world, host, opts.container) ?? undefined : opts.ns === undefined ? host.root : host.named.get(opts.ns);
    if (ns === undefined) throw new InputError(opts.container !== undefined ? `--container: host ${opts.on} has no container "${opts.container}"` : `--ns: host ${opts.on} has no network namespace "${opts.ns}"`);
    const m = /^([0-9.]+)(?::(\d+))?$/.exec(opts.to);
    const dst = m === null ? null : parseIp4(m[1]!);
    if (m === null || dst === null) throw new InputError(`--to: "${opts.to}" is not IP or IP:PORT`);
    const port = m[2] === undefined ? 0 : Number(m[2]);
    const proto = (opts.proto ?? (port !== 0 ? 'tcp' : 'icmp')) as ProbeProto;
    if (!['icmp', 'tcp', 'udp'].includes(proto)) throw new InputError(`--proto: must be icmp, tcp or udp`);
    if (proto !== 'icmp' && port === 0) throw new InputError(`--to: a ${proto} trace needs a port`);
    const title = `${proto} from ${host.name}/${ns.label} to ${opts.to}`;
    const size = opts.size === undefined ? 0 : Number(opts.size);
    if (opts.size !== undefined && (!Number.isInteger(size) || size < 1 || size > 100_000_000)) throw new InputError(`--size: "${opts.size}" must be a whole number of bytes from 1 to 100000000`);
    if (proto !== 'tcp' && size > 65535) throw new InputError(`--size: an ${proto} datagram is at most 65535 bytes`);
    const trace = sendProbe(res.world, ns, dst, port, proto, undefined, size);
    if (opts.json) out(JSON.stringify({ scenario: jsonResult(res), trace: traceJson(title, trace) }, null, 2) + '\n');
    else out(`\n${renderTraceText(title, trace)}`);
    return res.passed ? 0 : report(res);
  } catch (e) {
    if (e instanceof InputError) return inputError(file, e);
    throw e;
  }
}

export function main(argv: string[], io?: Io): number {
  if (io !== undefined) {
    out = io.out;
    err = io.err;
  }
  let code = 0;
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
    .action((file: string, opts: { json?: boolean }) => {
      code = cmdRun(file, opts);
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
    .option('--json', 'print the trace as JSON')
    .action((file: string, opts: { on: string; ns?: string; container?: string; to: string; proto?: string; size?: string; json?: boolean }) => {
      code = cmdTrace(file, opts);
    });
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  return code;
}

