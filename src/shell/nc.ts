// nc (OpenBSD netcat): connect to a TCP or UDP port, send standard input, print what comes back.
// -z only checks that the port accepts connections; -w bounds the wait; -v reports the outcome.
// Typed at a terminal with nothing on standard input and no -w, a TCP nc keeps its connection and
// takes over the terminal, as on a real one: each line the following steps type is sent (with its
// newline), and what the peer sends back shows in the step that typed the line before it. nc ends
// — and the shell comes back — when the peer closes or resets the connection.
import { Command, CommanderError } from 'commander';
import { tcpConnect } from '../kernel/tcp.js';
import type { TcpConn } from '../kernel/tcp.js';
import { udpSend } from '../kernel/udp.js';
import { SEC } from '../sim/clock.js';
import { ERRNO_TEXT } from './curl.js';
import type { Ctx, Program, Terminal } from './program.js';
import { println } from './program.js';
import { resolveHost } from '../apps/resolver.js';

const SERVICES: Record<number, string> = { 22: 'ssh', 53: 'domain', 80: 'http', 443: 'https', 2377: '*', 3306: 'mysql', 4789: '*', 6379: '*', 7946: '*', 8000: '*', 8080: 'http-alt' };

/** With no -w, a UDP exchange or an idle connection is given up after this long. */
const DEFAULT_WAIT = 10;

export const nc: Program = (ctx, argv, exit) => {
  const cmd = new Command('nc')
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined })
    .option('-u')
    .option('-z')
    .option('-v')
    .option('-n')
    .option('-w <secs>')
    .argument('[host]')
    .argument('[port]');
  try {
    cmd.parse(argv.slice(1), { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    const opt = /option '-?-?([^' ]+)/.exec(e.message)?.[1] ?? '';
    println(ctx, `nc: invalid option -- '${opt}'`);
    println(ctx, 'usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]');
    return exit(1);
  }
  const o = cmd.opts<{ u?: boolean; z?: boolean; v?: boolean; w?: string }>();
  const [hostArg, portArg] = cmd.args;
  if (hostArg === undefined || portArg === undefined) {
    println(ctx, 'usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]');
    return exit(1);
  }
  const port = Number(portArg);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    println(ctx, `nc: port number invalid: ${portArg}`);
    return exit(1);
  }
  resolveHost(ctx, hostArg, (dst) => {
    if (dst === null) {
      println(ctx, `nc: getaddrinfo for host "${hostArg}" port ${port}: Name or service not known`);
      return exit(1);
    }
    connect(dst, hostArg, port);
  });

  function connect(dst: number, hostArg: string, port: number): void {
    const proto = o.u ? 'udp' : 'tcp';
    const service = `[${proto}/${SERVICES[port] ?? '*'}]`;
    const wait = o.w === undefined ? DEFAULT_WAIT : Number(o.w);
    const eq = ctx.world.eq;
    const enc = new TextEncoder();
    const dec = new TextDecoder();
    let finished = false;
    let timer = -1;
    const finish = (code: number): void => {
      if (finished) return;
      finished = true;
      if (timer >= 0) eq.cancel(timer);
      exit(code);
    };
    const ns = ctx.ns;
    if (proto === 'udp') {
      // UDP has no handshake: -z always "succeeds"; otherwise send stdin and print any answer.
      const sport = ns.sockets.ephemeralPort((n) => ctx.host.rng.below(n));
      ns.sockets.bindUdp({
        port: sport,
        addr: 0,
        kernel: false,
        onDatagram: (pkt) => {
          if (!finished && pkt.payload !== null) ctx.term.write(dec.decode(pkt.payload));
        },
        onError: () => {
          ns.sockets.unbindUdp(sport);
          finish(1);
        },
      });
      if (o.z) {
        if (o.v) println(ctx, `Connection to ${hostArg} ${port} port ${service} succeeded!`);
        ns.sockets.unbindUdp(sport);
        return finish(0);
      }
      const rc = udpSend(ns, 0, sport, dst, port, enc.encode(ctx.stdin), null, eq.now);
      if (rc !== 0) {
        ns.sockets.unbindUdp(sport);
        println(ctx, `nc: connect to ${hostArg} port ${port} (udp) failed: ${ERRNO_TEXT[rc] ?? rc}`);
        return finish(1);
      }
      timer = eq.after(wait * SEC, () => {
        ns.sockets.unbindUdp(sport);
        finish(0);
      });
      return;
    }
    let conn: TcpConn | null = null;
    const interactive = ctx.tty && ctx.stdin === '' && o.w === undefined && !o.z;
    let typed: Interactive | null = null;
    const c = tcpConnect(ns, dst, port, {
      onConnect: (cn) => {
        if (o.v) println(ctx, `Connection to ${hostArg} ${port} port ${service} succeeded!`);
        if (o.z) {
          cn.close();
          return finish(0);
        }
        if (interactive) {
          if (timer >= 0) eq.cancel(timer);
          timer = -1;
          typed = new Interactive(ctx, cn);
          return finish(0);
        }
        if (ctx.stdin !== '') cn.send(enc.encode(ctx.stdin));
      },
      onData: (_cn, data) => (typed !== null ? typed.received(dec.decode(data, { stream: true })) : ctx.term.write(dec.decode(data, { stream: true }))),
      onPeerClose: (cn) => {
        cn.close();
        if (typed !== null) return typed.ended(0);
        finish(0);
      },
      onError: (_cn, errno) => {
        if (typed !== null) return typed.ended(1);
        println(ctx, `nc: connect to ${hostArg} port ${port} (tcp) failed: ${ERRNO_TEXT[errno] ?? errno}`);
        finish(1);
      },
    });
    if (typeof c === 'number') {
      println(ctx, `nc: connect to ${hostArg} port ${port} (tcp) failed: ${ERRNO_TEXT[c] ?? c}`);
      return finish(1);
    }
    conn = c;
    timer = eq.after(wait * SEC, () => {
      const connecting = conn !== null && conn.state === 'SYN_SENT';
      conn?.abort();
      if (connecting) println(ctx, `nc: connect to ${hostArg} port ${port} (tcp) timed out: Operation now in progress`);
      finish(connecting ? 1 : 0);
    });
  }
};

/** How long a typed line waits for the peer's answer before the step ends (simulated). */
const ANSWER_WAIT = SEC;
/** Once something came back, how long it waits for more of it. */
const ANSWER_SETTLE = 50 * 1_000_000;

/** An nc holding the terminal: typed lines go over the connection (Session.enter, like mysql's monitor). */
class Interactive {
  private term: Terminal | null = null;
  private pending = '';
  private done: ((code: number) => void) | null = null;
  private timer = -1;
  private open = true;
  /** nc's exit status once the connection ended: 0 after the peer's close, 1 after a reset. */
  private code = 0;

  constructor(
    private readonly ctx: Ctx,
    private readonly conn: TcpConn,
  ) {
    const session = ctx.session;
    session.enter(session.env, '', (line, term, done) => this.typed(line, term, done));
  }

  private typed(line: string, term: Terminal, done: (code: number) => void): void {
    this.term = term;
    this.done = done;
    if (this.pending !== '') {
      term.write(this.pending);
      this.pending = '';
    }
    if (!this.open) return this.finish();
    this.conn.send(new TextEncoder().encode(line + '\n'));
    this.wait(ANSWER_WAIT);
  }

  private wait(ns: number): void {
    const eq = this.ctx.world.eq;
    if (this.timer >= 0) eq.cancel(this.timer);
    this.timer = eq.after(ns, () => {
      this.timer = -1;
      this.finish();
    });
  }

  private finish(): void {
    const d = this.done;
    this.done = null;
    this.term = null;
    if (d !== null) d(this.open ? 0 : this.code);
  }

  received(text: string): void {
    if (this.term === null) {
      this.pending += text;
      return;
    }
    this.term.write(text);
    this.wait(ANSWER_SETTLE);
  }

  /** The peer closed or reset the connection: nc exits and the shell has the terminal again. */
  ended(code: number): void {
    if (!this.open) return;
    this.open = false;
    this.code = code;
    this.ctx.session.leave();
    if (this.done !== null) {
      if (this.timer >= 0) this.ctx.world.eq.cancel(this.timer);
      this.timer = -1;
      this.finish();
    }
  }
}
