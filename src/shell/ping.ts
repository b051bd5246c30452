// ping (iputils, as on CentOS 7): ICMP echo requests one interval apart, replies and errors as
// they arrive, then the statistics. Without -c a real ping runs until ^C; a scenario cannot press
// ^C, so the default here is 4 requests.
import { Command, CommanderError } from 'commander';
import { formatIp4, parseIp4 } from '../core/addr.js';
import type { PingSocket } from '../kernel/socket.js';
import { EACCES, EPERM, ipLocalOut, routeConnectErrno, routeOutput } from '../kernel/ipv4.js';
import { echoRequest } from '../kernel/icmp.js';
import { ERRNO_TEXT } from './curl.js';
import { MS, SEC } from '../sim/clock.js';
import {
  ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, ICMP_TIME_EXCEEDED, Packet,
} from '../wire/packet.js';
import type { Program } from './program.js';
import { println } from './program.js';
import { resolveHost, reverseLookup } from '../apps/resolver.js';

const UNREACH_TEXT: Record<number, string> = {
  0: 'Destination Net Unreachable',
  1: 'Destination Host Unreachable',
  2: 'Destination Protocol Unreachable',
  3: 'Destination Port Unreachable',
  9: 'Destination Net Prohibited',
  10: 'Destination Host Prohibited',
  13: 'Packet filtered',
};

export function icmpErrorText(err: Packet): string {
  if (err.icmpType === ICMP_TIME_EXCEEDED) return 'Time to live exceeded';
  if (err.icmpType === ICMP_DEST_UNREACH && err.icmpCode === ICMP_FRAG_NEEDED) return `Frag needed and DF set (mtu = ${err.icmpId})`;
  return UNREACH_TEXT[err.icmpCode] ?? `Dest Unreachable, Bad Code: ${err.icmpCode}`;
}

function fmt(ms: number): string {
  return ms.toFixed(3);
}

export const ping: Program = (ctx, argv, exit) => {
  const cmd = new Command('ping')
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined })
    .option('-c <count>')
    .option('-W <timeout>')
    .option('-w <deadline>')
    .option('-i <interval>')
    .option('-s <size>')
    .option('-t <ttl>')
    .option('-M <pmtudisc>')
    .option('-I <interface>')
    .option('-q')
    .option('-n')
    .option('-4')
    .argument('[destination]');
  try {
    cmd.parse(argv.slice(1), { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    const opt = /option '([^']+)'/.exec(e.message)?.[1] ?? '';
    if (e.code === 'commander.unknownOption') println(ctx, `ping: invalid option -- '${opt.replace(/^-+/, '')}'`);
    else if (e.code === 'commander.optionMissingArgument') println(ctx, `ping: option requires an argument -- '${opt.replace(/^-+/, '').split(' ')[0]}'`);
    else println(ctx, `ping: ${e.message.replace(/^error: /, '')}`);
    return exit(2);
  }
  const o = cmd.opts<Record<string, string | boolean | undefined>>();
  const target = cmd.args[0];
  if (target === undefined) {
    println(ctx, 'ping: usage error: Destination address required');
    return exit(2);
  }
  const num = (v: string | boolean | undefined, dflt: number, what: string): number => {
    if (v === undefined || typeof v === 'boolean') return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`ping: invalid ${what}: '${v}'`);
    return n;
  };
  let count: number, size: number, interval: number, timeout: number, deadline: number, ttl: number;
  try {
    count = num(o.c, 4, 'argument');
    size = num(o.s, 56, 'argument');
    interval = num(o.i, 1, 'argument');
    timeout = num(o.W, 10, 'argument');
    deadline = num(o.w, 0, 'argument');
    ttl = num(o.t, 64, 'argument');
  } catch (e) {
    println(ctx, (e as Error).message);
    return exit(2);
  }
  const pmtu = typeof o.M === 'string' ? o.M : 'want';
  if (!['do', 'dont', 'want'].includes(pmtu)) {
    println(ctx, `ping: invalid -M argument: ${pmtu}`);
    return exit(2);
  }
  // A numeric target means numeric output (iputils sets F_NUMERIC); a name makes ping print the
  // name each reply's source has (getnameinfo: /etc/hosts, then a PTR query).
  let peerName: string | null = null;
  resolveHost(ctx, target, (dst) => {
    if (dst === null) {
      println(ctx, `ping: ${target}: Name or service not known`);
      return exit(2);
    }
    if (parseIp4(target) !== null || o.n === true) return run(dst);
    reverseLookup(ctx, dst, (name) => {
      peerName = name;
      run(dst);
    });
  });

  function run(dst: number): void {
    const ns = ctx.ns;
    const eq = ctx.world.eq;
    // ping connects its socket first (ip_route_connect): a missing route or one of type
    // unreachable, prohibit or blackhole fails here; iputils reads EACCES as a broadcast.
    const cerr = routeConnectErrno(ns, dst);
    if (cerr !== 0) {
      if (cerr === EACCES) println(ctx, 'Do you want to ping broadcast? Then -b');
      else println(ctx, `connect: ${ERRNO_TEXT[cerr] ?? `errno ${cerr}`}`);
      return exit(2);
    }
    const quiet = !!o.q;
    const dstText = formatIp4(dst);
    println(ctx, `PING ${target} (${dstText}) ${size}(${size + 28}) bytes of data.`);
    const id = ctx.host.rng.below(65536);
    const sent = new Map<number, number>();
    const rtts: number[] = [];
    let transmitted = 0;
    let errors = 0;
    let finished = false;
    const start = eq.now;
    let lastSend = start;
    let timer = -1;

    const finish = (): void => {
      if (finished) return;
      finished = true;
      if (timer >= 0) eq.cancel(timer);
      ns.sockets.ping.delete(id);
      const received = rtts.length;
      const loss = transmitted === 0 ? 0 : Math.round(((transmitted - received) * 100) / transmitted);
      println(ctx, '');
      println(ctx, `--- ${target} ping statistics ---`);
      const elapsed = Math.floor((lastSend - start) / MS);
      println(ctx, `${transmitted} packets transmitted, ${received} received, ${errors > 0 ? `+${errors} errors, ` : ''}${loss}% packet loss, time ${elapsed}ms`);
      if (received > 0) {
        const min = Math.min(...rtts);
        const max = Math.max(...rtts);
        const avg = rtts.reduce((a, b) => a + b, 0) / received;
        const mdev = Math.sqrt(Math.max(0, rtts.reduce((a, b) => a + b * b, 0) / received - avg * avg));
        println(ctx, `rtt min/avg/max/mdev = ${fmt(min)}/${fmt(avg)}/${fmt(max)}/${fmt(mdev)} ms`);
      } else if (errors === 0) println(ctx, '');
      exit(received > 0 ? 0 : 1);
    };

    const checkDone = (): void => {
      if (transmitted >= count && rtts.length + errors >= count) finish();
    };

    const sock: PingSocket = {
      onReply(pkt) {
        const t0 = sent.get(pkt.icmpSeq);
        if (t0 === undefined || finished) return;
        sent.delete(pkt.icmpSeq);
        const rtt = (eq.now - t0) / MS;
        rtts.push(rtt);
        const from = peerName !== null && pkt.ipSrc === dst ? `${peerName} (${formatIp4(pkt.ipSrc)})` : formatIp4(pkt.ipSrc);
        if (!quiet) println(ctx, `${pkt.payloadLen + 8} bytes from ${from}: icmp_seq=${pkt.icmpSeq} ttl=${pkt.ipTtl} time=${fmt(rtt)} ms`);
        checkDone();
      },
      onError(err) {
        if (finished) return;
        const seq = err.inner!.icmpSeq;
        if (!sent.delete(seq)) return;
        errors++;
        if (!quiet) println(ctx, `From ${formatIp4(err.ipSrc)} icmp_seq=${seq} ${icmpErrorText(err)}`);
        checkDone();
      },
    };
    ns.sockets.ping.set(id, sock);

    const sendOne = (): void => {
      if (finished) return;
      const seq = ++transmitted;
      lastSend = eq.now;
      const p = echoRequest(id, seq, dst, size, eq.now);
      p.ipTtl = ttl;
      const route = routeOutput(ns, dst);
      const mtu = route === null ? 1500 : route.type === 'local' ? 65536 : route.dev!.mtu;
      p.ipDf = pmtu === 'do' || (pmtu === 'want' && size + 28 <= mtu);
      if (pmtu === 'do' && size + 28 > mtu) {
        errors++;
        println(ctx, `ping: local error: Message too long, mtu=${mtu}`);
      } else {
        sent.set(seq, eq.now);
        const rc = ipLocalOut(ns, p);
        if (rc !== 0) {
          // A REJECT in OUTPUT both fails the send (EPERM) and queues an ICMP error, which
          // iputils still reports: keep the sequence number for it.
          if (rc !== EPERM) {
            sent.delete(seq);
            errors++;
          }
          println(ctx, `ping: sendmsg: ${ERRNO_TEXT[rc] ?? 'No route to host'}`);
        }
      }
      if (transmitted < count) {
        timer = eq.after(interval * SEC, sendOne);
      } else {
        // After the last request, wait up to -W seconds for what is still outstanding.
        timer = eq.after(timeout * SEC, finish);
        checkDone();
      }
    };
    if (deadline > 0) eq.after(deadline * SEC, finish);
    sendOne();
  }
};
