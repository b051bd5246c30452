// busybox ping: its own output (`56 data bytes`, `seq=0`, `round-trip min/avg/max`), used inside
// busybox and alpine containers. The kernel work is ping.ts's; this only words it differently.
// Without -c it runs until ^C, which prints the statistics (busybox's print_stats_and_exit).
import { formatIp4 } from '../core/addr.js';
import { resolveHost } from '../apps/resolver.js';
import type { PingSocket } from '../kernel/socket.js';
import { ipLocalOut, routeOutput } from '../kernel/ipv4.js';
import { MS, SEC } from '../sim/clock.js';
import { echoRequest } from '../kernel/icmp.js';
import type { Program } from './program.js';
import { println } from './program.js';

export const busyboxPing: Program = (ctx, argv, exit) => {
  let count = Infinity;
  let timeout = 10;
  let size = 56;
  let target: string | undefined;
  const args = argv.slice(1);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-c') count = Number(args[++i]);
    else if (a === '-W') timeout = Number(args[++i]);
    else if (a === '-s') size = Number(args[++i]);
    else if (a.startsWith('-')) {
      println(ctx, `ping: invalid option -- '${a.slice(1, 2)}'`);
      return exit(1);
    } else target = a;
  }
  if (target === undefined) {
    println(ctx, 'BusyBox v1.31.1 multi-call binary.\n\nUsage: ping [OPTIONS] HOST');
    return exit(1);
  }
  const name = target;
  resolveHost(ctx, name, (dst) => {
    if (dst === null) {
      println(ctx, `ping: bad address '${name}'`);
      return exit(1);
    }
    run(dst);
  });

  function run(dst: number): void {
    const ns = ctx.ns;
    const eq = ctx.world.eq;
    if (routeOutput(ns, dst) === null) {
      println(ctx, 'ping: sendto: Network is unreachable');
      return exit(1);
    }
    println(ctx, `PING ${name} (${formatIp4(dst)}): ${size} data bytes`);
    const id = ctx.host.rng.below(65536);
    const sent = new Map<number, number>();
    const rtts: number[] = [];
    let transmitted = 0;
    let finished = false;
    let timer = -1;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      eq.cancel(timer);
      ns.sockets.ping.delete(id);
      const received = rtts.length;
      println(ctx, '');
      println(ctx, `--- ${name} ping statistics ---`);
      println(ctx, `${transmitted} packets transmitted, ${received} packets received, ${transmitted === 0 ? 0 : Math.floor(((transmitted - received) * 100) / transmitted)}% packet loss`);
      if (received > 0) {
        const avg = rtts.reduce((x, y) => x + y, 0) / received;
        println(ctx, `round-trip min/avg/max = ${Math.min(...rtts).toFixed(3)}/${avg.toFixed(3)}/${Math.max(...rtts).toFixed(3)} ms`);
      }
      exit(received > 0 ? 0 : 1);
    };
    const sock: PingSocket = {
      onReply(pkt) {
        const t0 = sent.get(pkt.icmpSeq);
        if (t0 === undefined || finished) return;
        sent.delete(pkt.icmpSeq);
        const rtt = (eq.now - t0) / MS;
        rtts.push(rtt);
        println(ctx, `${pkt.payloadLen + 8} bytes from ${formatIp4(pkt.ipSrc)}: seq=${pkt.icmpSeq} ttl=${pkt.ipTtl} time=${rtt.toFixed(3)} ms`);
        if (transmitted >= count && sent.size === 0) finish();
      },
      onError(err) {
        if (finished) return;
        // busybox reports ICMP errors only in verbose mode; the request just goes unanswered.
        sent.delete(err.inner!.icmpSeq);
      },
    };
    ns.sockets.ping.set(id, sock);
    ctx.onInterrupt(finish);
    const sendOne = (): void => {
      if (finished) return;
      const seq = transmitted++;
      const p = echoRequest(id, seq, dst, size, eq.now);
      sent.set(seq, eq.now);
      ipLocalOut(ns, p);
      timer = transmitted < count ? eq.after(SEC, sendOne) : eq.after(timeout * SEC, finish);
      if (transmitted >= count && sent.size === 0 && rtts.length > 0) finish();
    };
    sendOne();
  }
};
