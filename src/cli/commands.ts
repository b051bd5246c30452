// What the swarmsim commands do, loaded only when one runs (main.ts defines them; `--help` needs
// none of the simulator). Exit codes: 0 every expectation held, 1 one failed, 2 the input is invalid.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseIp4 } from '../core/addr.js';
import { InputError } from '../core/errors.js';
import { filterError } from '../capture/filter.js';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/model.js';
import { sendProbe } from '../scenario/probe.js';
import type { ProbeProto } from '../scenario/probe.js';
import { containerNamespace, runScenario } from '../scenario/run.js';
import type { RunResult } from '../scenario/run.js';
import { renderTraceText, traceJson } from '../trace/render.js';
import { renderTraceXtables } from '../trace/xtables.js';
import type { Io } from './main.js';
import { startShell } from './repl/start.js';
import { sweep } from './sweep.js';
import type { ViewOptions } from './view.js';
import type { ViewTrace } from '../view/html.js';
import { cmdDiff, cmdReach, withStep } from './reach.js';
import type { ReachCliOptions } from './reach.js';
import type { ShellOptions } from './repl/start.js';

let out: (s: string) => void = (s) => process.stdout.write(s);
let err: (s: string) => void = (s) => process.stderr.write(s);

/** Where the commands print (the process's streams, or a test's). */
export function setIo(io: Io): void {
  out = io.out;
  err = io.err;
}

function readScenario(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read the scenario: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

function load(file: string): Scenario {
  return loadScenario(file, readScenario(file));
}

export function inputError(file: string, e: InputError): number {
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

export async function cmdRun(file: string, opts: { json?: boolean; repeat?: string; seedFrom?: string; jobs?: string; pcap?: string; pcapFilter?: string }): Promise<number> {
  try {
    if (opts.repeat !== undefined && opts.pcap !== undefined) throw new InputError('--pcap captures one run, not --repeat N');
    if (opts.repeat !== undefined) return await sweep(file, readScenario(file), { ...opts, repeat: opts.repeat }, out, err);
    if (opts.seedFrom !== undefined || opts.jobs !== undefined) throw new InputError(`${opts.seedFrom !== undefined ? '--seed-from' : '--jobs'} goes with --repeat N`);
    if (opts.pcapFilter !== undefined && opts.pcap === undefined) throw new InputError('--pcap-filter goes with --pcap FILE');
    const pcapFilter = opts.pcapFilter ?? '';
    const bad = filterError(pcapFilter);
    if (bad !== null) throw new InputError(`--pcap-filter: ${bad}`);
    const sc = load(file);
    const res = runScenario(sc, { print: opts.json ? undefined : out, ...(opts.pcap !== undefined ? { pcap: opts.pcap, pcapFilter } : {}) });
    for (const c of res.captures) writeFileSync(c.file, c.bytes());
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

const TRACE_FORMATS = ['text', 'json', 'xtables'];

export async function cmdTrace(file: string, opts: { on: string; ns?: string; container?: string; to: string; proto?: string; size?: string; json?: boolean; format?: string; html?: string }): Promise<number> {
  const format = opts.json ? 'json' : opts.format ?? 'text';
  if (!TRACE_FORMATS.includes(format)) {
    err(`swarmsim trace: --format: "${format}" is not one of ${TRACE_FORMATS.join(', ')}\n`);
    return 2;
  }
  opts.json = format !== 'text';
  try {
    const sc = load(file);
    let transcript = '';
    const res = runScenario(sc, { print: opts.json ? undefined : (t) => { transcript += t; out(t); } });
    const host = res.world.hosts.get(opts.on);
    if (host === undefined) throw new InputError(`--on: no host named "${opts.on}" (hosts: ${[...res.world.hosts.keys()].join(', ')})`);
    const ns = opts.container !== undefined ? containerNamespace(res.sim, host, opts.container) ?? undefined : opts.ns === undefined ? host.root : host.named.get(opts.ns);
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
    if (format === 'json') out(JSON.stringify({ scenario: jsonResult(res), trace: traceJson(title, trace) }, null, 2) + '\n');
    else if (format === 'xtables') out(renderTraceXtables(title, trace));
    else out(`\n${renderTraceText(title, trace)}`);
    if (opts.html !== undefined) {
      const { pageOf } = await import('./view.js');
      writeFileSync(opts.html, await pageOf(sc.name, transcript, res.sim, [traceJson(title, trace) as ViewTrace]));
      err(`wrote ${opts.html}\n`);
    }
    return res.passed ? 0 : report(res);
  } catch (e) {
    if (e instanceof InputError) return inputError(file, e);
    throw e;
  }
}


export async function cmdShell(file: string | undefined, opts: ShellOptions): Promise<number> {
  try {
    return await startShell(file, opts);
  } catch (e) {
    if (e instanceof InputError) return inputError(file ?? '(default cluster)', e);
    throw e;
  }
}

export async function cmdReachFile(file: string, opts: ReachCliOptions): Promise<number> {
  try {
    return await cmdReach(file, readScenario(file), opts, out);
  } catch (e) {
    if (e instanceof InputError) return inputError(file, e);
    throw e;
  }
}

export async function cmdDiffFiles(a: string, b: string | undefined, opts: ReachCliOptions & { whatIf?: string }): Promise<number> {
  let at = a;
  try {
    if ((b === undefined) === (opts.whatIf === undefined)) throw new InputError('give a second scenario or --what-if STEP (one of the two)');
    const ta = readScenario(a);
    let second: { file: string; text: string };
    if (b !== undefined) {
      at = b;
      second = { file: b, text: readScenario(b) };
      at = a;
    } else second = { file: `${a} + what-if`, text: withStep(a, ta, opts.whatIf!) };
    return await cmdDiff({ file: a, text: ta }, second, opts, out);
  } catch (e) {
    if (e instanceof InputError) return inputError(at, e);
    throw e;
  }
}

export async function cmdViewFile(file: string, opts: ViewOptions): Promise<number> {
  try {
    // The layout engine is large: loaded only for `view`.
    const { cmdView } = await import('./view.js');
    return await cmdView(file, readScenario(file), opts, out);
  } catch (e) {
    if (e instanceof InputError) return inputError(file, e);
    throw e;
  }
}
