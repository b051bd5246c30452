// The interactive shell's engine, apart from any terminal: which host the user is on, each host's
// terminal session (carried over from the replayed scenario), the simulated clock while a command
// runs, the `:` commands, and the record `:save` writes. The terminal front end (terminal.ts)
// feeds it lines and ^C; tests feed it strings.
import { formatIp4, parseIp4 } from '../../core/addr.js';
import type { Host } from '../../kernel/host.js';
import type { Netns } from '../../kernel/netns.js';
import type { World } from '../../kernel/world.js';
import { SEC } from '../../sim/clock.js';
import { parseDuration } from '../../scenario/load.js';
import { sendProbe } from '../../scenario/probe.js';
import type { ProbeProto } from '../../scenario/probe.js';
import { COMMAND_LIMIT, containerNamespace } from '../../scenario/run.js';
import { UnknownCommand, startIn } from '../../shell/exec.js';
import type { Session } from '../../shell/program.js';
import { renderTraceText, traceJson } from '../../trace/render.js';
import type { ViewTrace } from '../../view/html.js';
import { writeFileSync } from 'node:fs';
import type { Simulation } from '../../scenario/simulation.js';
import { Recorder } from './save.js';

/** How the simulated clock moves while a command runs. */
export interface Pace {
  /** Simulated seconds per wall-clock second; 0 runs each command as fast as possible (as `run`). */
  speed: number;
  /** Waits `ms` of wall-clock time (the terminal's timer; tests pass a fake). */
  wait(ms: number): Promise<void>;
}

/** Wall-clock slice between two looks at ^C while a paced command runs. */
const TICK_MS = 50;

export interface LineResult {
  /** The exit status ($?) of what the line ran; null for an empty line. */
  readonly code: number | null;
  /** The user left the last shell: the session is over. */
  readonly quit: boolean;
}

export class ShellCore {
  /** The hosts the user ssh'd through, the current one last. */
  private readonly hosts: string[];
  private interrupted = false;
  private running = false;
  lastCode = 0;
  readonly record: Recorder;
  /** What the session printed, and the packets it traced (for `:view`). */
  private transcript = '';
  private readonly traces: ViewTrace[] = [];
  private pending: Promise<void> | null = null;

  constructor(
    readonly sim: Simulation,
    private readonly sessions: ReadonlyMap<string, Session>,
    first: string,
    private readonly out: (text: string) => void,
    readonly pace: Pace,
    recorder: Recorder,
  ) {
    this.hosts = [first];
    this.record = recorder;
  }

  get world(): World {
    return this.sim.world;
  }

  private write(text: string): void {
    this.transcript += text;
    this.out(text);
  }

  get host(): Host {
    return this.world.hosts.get(this.hosts[this.hosts.length - 1]!)!;
  }

  get session(): Session {
    return this.sessions.get(this.host.name)!;
  }

  get prompt(): string {
    return this.session.prompt;
  }

  /** Whether a command is running (^C interrupts it rather than the prompt). */
  get busy(): boolean {
    return this.running;
  }

  /** ^C: stops the running command, as SIGINT stops a foreground job. */
  interrupt(): void {
    if (this.running) this.interrupted = true;
  }

  /** Runs one line typed at the prompt. */
  async line(text: string): Promise<LineResult> {
    const line = text.trim();
    if (line === '') return { code: null, quit: false };
    this.transcript += `${this.prompt}${line}\n`;
    if (line.startsWith(':')) {
      const code = (this.lastCode = this.meta(line));
      if (this.pending !== null) await this.pending;
      this.pending = null;
      return { code, quit: false };
    }
    const words = line.split(/\s+/);
    if (words[0] === 'ssh' && this.session.depth === 1) return { code: this.ssh(words.slice(1)), quit: false };
    if (words[0] === 'exit' && words.length === 1 && this.session.depth === 1) {
      this.write('logout\n');
      if (this.hosts.length === 1) return { code: 0, quit: true };
      const left = this.hosts.pop()!;
      this.write(`Connection to ${left} closed.\n`);
      return { code: (this.lastCode = 0), quit: false };
    }
    return { code: await this.command(line), quit: false };
  }

  private ssh(args: string[]): number {
    const target = args.filter((a) => !a.startsWith('-')).pop()?.replace(/^[^@]*@/, '');
    if (target === undefined) {
      this.write('usage: ssh [-l login_name] destination\n');
      return (this.lastCode = 255);
    }
    const h = this.world.hosts.get(target) ?? [...this.world.hosts.values()].find((x) => x.nicAddrs().map(formatIp4).includes(target));
    if (h === undefined) {
      this.write(`ssh: Could not resolve hostname ${target}: Name or service not known\n`);
      return (this.lastCode = 255);
    }
    if (h.down) {
      this.write(`ssh: connect to host ${target} port 22: No route to host\n`);
      return (this.lastCode = 255);
    }
    this.hosts.push(h.name);
    return (this.lastCode = 0);
  }

  private async command(line: string): Promise<number> {
    const world = this.world;
    const host = this.host;
    const session = this.session;
    let output = '';
    let killed = false;
    const term = {
      write: (t: string) => {
        if (killed) return;
        output += t;
        this.write(t);
      },
    };
    if (host.down) {
      term.write(`ssh: connect to host ${host.name} port 22: No route to host\n`);
      return (this.lastCode = 255);
    }
    const start = world.eq.now;
    let c;
    try {
      c = startIn(this.sim, session, session.env, line, term);
    } catch (e) {
      if (!(e instanceof UnknownCommand)) throw e;
      term.write(`-bash: ${e.command}: command not found (swarmsim does not model it)\n`);
      return (this.lastCode = 127);
    }
    const eq = world.eq;
    const deadline = eq.now + COMMAND_LIMIT;
    this.running = true;
    this.interrupted = false;
    try {
      if (this.pace.speed <= 0) eq.runWhile(() => !c.done, deadline);
      else {
        // The clock follows the wall clock, `speed` times faster, so a ping prints a line a second
        // and ^C can land between two of them.
        const slice = Math.max(1, Math.round(TICK_MS * 1e6 * this.pace.speed));
        while (!c.done && !this.interrupted && eq.now < deadline) {
          eq.runWhile(() => !c.done, Math.min(deadline, eq.now + slice));
          if (!c.done && !this.interrupted) await this.pace.wait(TICK_MS);
        }
      }
    } finally {
      this.running = false;
    }
    if (this.interrupted && !c.done) {
      // ^C as a terminal sends it (the same as a step's `interrupt:`): echoed, then SIGINT to the
      // foreground job, whose handler may print (ping's statistics) before it exits.
      term.write('^C');
      c.interrupt('INT');
      eq.runWhile(() => !c.done, eq.now);
      if (c.done && c.code === 130) term.write('\n');
    }
    eq.runUntil(eq.now);
    let code: number;
    if (c.done) code = c.code;
    else {
      killed = true;
      this.write(this.interrupted ? '\n' : `# stopped: no end within ${COMMAND_LIMIT / SEC} s of simulated time\n`);
      code = 130;
    }
    this.record.run(host.name, line, output, code, this.interrupted ? eq.now - start : null);
    return (this.lastCode = code);
  }

  private meta(line: string): number {
    const [cmd, ...args] = line.split(/\s+/);
    switch (cmd) {
      case ':help':
        this.write(HELP);
        return 0;
      case ':hosts':
        for (const h of this.world.hosts.values()) {
          const addr = h.nicAddrs().map(formatIp4).join(', ');
          const mark = h === this.host ? '*' : ' ';
          this.write(`${mark} ${h.name.padEnd(20)} ${addr}${h.down ? '  (down)' : ''}\n`);
        }
        return 0;
      case ':sleep': {
        const nanos = args[0] === undefined ? null : parseDuration(args[0]);
        if (nanos === null) {
          this.write(':sleep: give a duration such as 5s, 200ms, 2m\n');
          return 2;
        }
        this.world.eq.runUntil(this.world.eq.now + nanos);
        this.record.sleep(args[0]!);
        return 0;
      }
      case ':trace':
        return this.trace(args);
      case ':save':
        return this.save(args);
      case ':view':
        return this.view(args);
      default:
        this.write(`${cmd}: unknown; :help lists the commands\n`);
        return 2;
    }
  }

  private trace(args: string[]): number {
    const to = args[0];
    const m = to === undefined ? null : /^([0-9.]+)(?::(\d+))?$/.exec(to);
    const dst = m === null ? null : parseIp4(m[1]!);
    if (m === null || dst === null) {
      this.write('usage: :trace IP[:PORT] [--proto icmp|tcp|udp]\n');
      return 2;
    }
    const port = m[2] === undefined ? 0 : Number(m[2]);
    const pi = args.indexOf('--proto');
    const proto = (pi >= 0 ? args[pi + 1] : port !== 0 ? 'tcp' : 'icmp') as ProbeProto;
    if (!['icmp', 'tcp', 'udp'].includes(proto) || (proto !== 'icmp' && (port < 1 || port > 65535))) {
      this.write(`:trace: ${proto !== 'icmp' && port === 0 ? `a ${proto} trace needs a port` : 'the protocol must be icmp, tcp or udp and the port 1-65535'}\n`);
      return 2;
    }
    const ns = this.session.env.ns;
    const where = this.placeOf(ns);
    const title = `${proto} from ${this.host.name}/${ns.label} to ${to}`;
    const trace = sendProbe(this.world, ns, dst, port, proto);
    this.traces.push(traceJson(title, trace) as ViewTrace);
    this.write(renderTraceText(title, trace));
    this.record.trace(this.host.name, where, m[1]!, port, proto);
    return 0;
  }

  /** How a scenario names the namespace a trace starts in: a named netns, a container, the host. */
  private placeOf(ns: Netns): { ns?: string; container?: string } {
    if (ns === this.host.root) return {};
    if (ns.name !== null && this.host.named.get(ns.name) === ns) return { ns: ns.name };
    const d = this.sim.docker.daemon(this.host);
    for (const c of d?.containers.values() ?? []) if (containerNamespace(this.sim, this.host, c.id) === ns) return { container: c.name };
    return {};
  }

  /** `:view FILE`: the HTML page of `swarmsim view` for the cluster as it is now, with the
   *  packets traced in this session. */
  private view(args: string[]): number {
    const file = args[0] ?? 'report.html';
    const traces = this.traces.slice();
    // The page is built asynchronously (the layout engine); the prompt waits for it in line().
    this.pending = import('../view.js')
      .then(({ pageOf }) => pageOf('swarmsim shell', this.transcript, this.sim, traces))
      .then((html) => {
        writeFileSync(file, html);
        this.write(`wrote ${file}: the topology now, and ${traces.length} trace${traces.length === 1 ? '' : 's'} from this session\n`);
      })
      .catch((e: unknown) => {
        this.write(`:view: cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      });
    return 0;
  }

  private save(args: string[]): number {
    const file = args.find((a) => !a.startsWith('--'));
    if (file === undefined) {
      this.write('usage: :save FILE.yaml [--expect]\n');
      return 2;
    }
    const err = this.record.save(file, args.includes('--expect'));
    if (err !== null) {
      this.write(`:save: ${err}\n`);
      return 1;
    }
    this.write(`saved ${this.record.count} steps to ${file}: swarmsim run ${file} replays them\n`);
    return 0;
  }
}


const HELP = `Type the commands you would type on the host (ip, iptables, docker, curl, ping, ...).
  ssh HOST             move to another host (exit comes back)
  :hosts               list the hosts, * marks the current one
  :sleep DURATION      advance the simulated clock (5s, 200ms, 2m)
  :trace IP[:PORT] [--proto icmp|tcp|udp]
                       trace one packet from here (this host, namespace or container)
  :view [FILE]         write the HTML view (default report.html): the topology now, this session's traces
  :save FILE [--expect]
                       write the session as a scenario (--expect: each output as an expectation)
  :help                this text
  Ctrl-C interrupts a running command; Ctrl-D or exit on the first host ends the session.
`;
