// ping (iputils, as on CentOS 7): ICMP echo requests one interval apart, replies and errors as
// they arrive, then the statistics. Without -c it runs until ^C (a run step's `interrupt:`), and
// SIGINT prints the statistics as iputils' finish() does.
import { Command, CommanderError } from 'commander';
import { broadcastOf, formatIp4, parseIp4 } from '../core/addr.js';
import type { PingSocket } from '../kernel/socket.js';
import { EACCES, EPERM, ipLocalOut, routeConnectErrno, routeOutput } from '../kernel/ipv4.js';
import { ENOBUFS } from '../kernel/veth.js';
import { echoRequest } from '../kernel/icmp.js';
import { pathMtu } from '../kernel/pmtu.js';
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

/** Whether `dst` is the broadcast address of one of the namespace's own subnets (the local
 *  table's `broadcast` entries, which fib_add_ifaddr adds for every address shorter than /31). */
function isBroadcastOf(ns: Parameters<typeof routeOutput>[0], dst: number): boolean {
  for (const d of ns.devices.values()) for (const a of d.addrs) if (a.len < 31 && broadcastOf(a.addr, a.len) === dst) return true;
  return false;
}

/** C's atoi: leading blanks, a sign, digits; 0 when there are none. */
function atoi(v: string): number {
  const m = /^\s*([+-]?\d+)/.exec(v);
  if (m === null) return 0;
  const n = Number(m[1]);
  return n > 2147483647 ? -1 : n < -2147483648 ? 0 : n;
}

/** -i: sscanf("%f") with a dot, else "%d"; NaN when nothing scans. Seconds. */
function scanInterval(v: string): number {
  const m = (v.includes('.') ? /^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)/i : /^\s*([+-]?\d+)/).exec(v);
  if (m === null) return NaN;
  const ms = v.includes('.') ? Math.trunc(Number(m[1]) * 1000) : Number(m[1]) * 1000;
  return Number.isFinite(ms) ? ms / 1000 : NaN;
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
    .option('-b')
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
  // iputils-20160308 (CentOS 7) reads numbers with atoi() and checks them in parse_opts:
  // its words, exit 2. -t 0 passes the check and fails at setsockopt(IP_TTL) (EINVAL).
  const arg = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
  const checks: Array<[string | undefined, (n: number) => boolean, (v: string) => string, ((v: string) => number)?]> = [
    [arg(o.c), (n) => n > 0, () => 'ping: bad number of packets to transmit.'],
    [arg(o.i), (n) => n >= 0, () => 'ping: bad timing interval.', scanInterval],
    [arg(o.w), (n) => n >= 0, () => 'ping: bad wait time.'],
    [arg(o.W), (n) => n >= 0 && n <= 2147, () => 'ping: bad linger time.'],
    [arg(o.s), (n) => n >= 0, (v) => `ping: illegal negative packet size ${atoi(v)}.`],
    [arg(o.s), (n) => n <= 65536 - 8, (v) => `ping: packet size too large: ${atoi(v)}`],
    [arg(o.t), (n) => n >= 0 && n <= 255, (v) => `ping: ttl ${atoi(v) >>> 0} out of range`],
    [arg(o.t), (n) => n !== 0, () => "ping: can't set unicast time-to-live: Invalid argument"],
  ];
  for (const [v, ok, msg, parse = atoi] of checks) {
    if (v === undefined) continue;
    const n = parse(v);
    if (Number.isNaN(n) || !ok(n)) {
      println(ctx, msg(v));
      return exit(2);
    }
  }
  // Without -c, until interrupted (^C prints the statistics).
  const count = o.c === undefined ? Infinity : atoi(arg(o.c)!);
  const size = o.s === undefined ? 56 : atoi(arg(o.s)!);
  const interval = o.i === undefined ? 1 : scanInterval(arg(o.i)!);
  const timeout = o.W === undefined ? 10 : atoi(arg(o.W)!);
  const deadline = o.w === undefined ? 0 : atoi(arg(o.w)!);
  const ttl = o.t === undefined ? 64 : atoi(arg(o.t)!);
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
    // A UDP connect() to a broadcast route without SO_BROADCAST is EACCES (__ip4_datagram_connect).
    const broadcast = dst === 0xffffffff || routeOutput(ns, dst)?.type === 'broadcast' || isBroadcastOf(ns, dst);
    const cerr = broadcast && !o.b ? EACCES : routeConnectErrno(ns, dst);
    if (broadcast && o.b) println(ctx, 'WARNING: pinging broadcast address');
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

    const finish = (interrupted = false): void => {
      if (finished) return;
      finished = true;
      if (timer >= 0) eq.cancel(timer);
      ns.sockets.ping.delete(id);
      const received = rtts.length;
      const loss = transmitted === 0 ? 0 : Math.round(((transmitted - received) * 100) / transmitted);
      println(ctx, '');
      println(ctx, `--- ${target} ping statistics ---`);
      // Interrupted, CentOS 7's ping reports 0ms for one request and 999ms for two (seeds 003:79,
      // 004:401): its clock for the last send runs a millisecond short of the interval.
      const elapsed = interrupted ? Math.max(0, Math.floor((lastSend - start) / MS) - 1) : Math.floor((lastSend - start) / MS);
      println(ctx, `${transmitted} packets transmitted, ${received} received, ${errors > 0 ? `+${errors} errors, ` : ''}${loss}% packet loss, time ${elapsed}ms`);
      if (received > 0) {
        // (a loop, not Math.min(...rtts): a million replies would overflow the call stack)
        let min = Infinity;
        let max = -Infinity;
        for (const r of rtts) {
          if (r < min) min = r;
          if (r > max) max = r;
        }
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
    ctx.onInterrupt(() => finish(true));

    // iputils pinger(): a send the device refuses (ENOBUFS) is retried after min(interval/2, 500 ms)
    // with the same sequence number, silently, while oom_count × that delay stays under -W.
    let oomCount = 0;
    const noresMs = Math.min(Math.floor((interval * 1000) / 2), 500);
    const sendOne = (): void => {
      if (finished) return;
      // An echo and its reply cross many hops in one event: they count as ten against the
      // step's budget (scenario/run.ts), so `ping -c 1000000 -i 0` is refused within seconds.
      eq.charge(10);
      const seq = ++transmitted;
      lastSend = eq.now;
      const p = echoRequest(id, seq, dst, size, eq.now);
      p.ipTtl = ttl;
      // dst_mtu: the device's MTU, lowered by a path MTU learnt from "fragmentation needed".
      const route = routeOutput(ns, dst);
      const mtu = route === null ? 1500 : route.type === 'local' ? 65536 : pathMtu(ns, dst, eq.now);
      p.ipDf = pmtu === 'do' || (pmtu === 'want' && size + 28 <= mtu);
      if (pmtu === 'do' && size + 28 > mtu) {
        errors++;
        println(ctx, `ping: local error: Message too long, mtu=${mtu}`);
      } else {
        sent.set(seq, eq.now);
        const rc = ipLocalOut(ns, p);
        if (rc === ENOBUFS && ++oomCount * noresMs < timeout * 1000) {
          sent.delete(seq);
          transmitted--;
          timer = eq.after(noresMs * MS, sendOne);
          return;
        }
        if (rc === 0) oomCount = 0;
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
        timer = eq.after(timeout * SEC, () => finish());
        checkDone();
      }
    };
    if (deadline > 0) eq.after(deadline * SEC, () => finish());
    sendOne();
  }
};
