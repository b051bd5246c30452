// One traced packet, sent the way a real client would send it (ping, a TCP connect, a UDP
// datagram), followed until it and its answer settle.
import type { Ip4 } from '../core/addr.js';
import { ipLocalOut } from '../kernel/ipv4.js';
import type { Netns } from '../kernel/netns.js';
import { tcpConnect } from '../kernel/tcp.js';
import type { TcpConn } from '../kernel/tcp/conn.js';
import { udpSend } from '../kernel/udp.js';
import type { World } from '../kernel/world.js';
import { SEC } from '../sim/clock.js';
import { Trace } from '../trace/recorder.js';
import { ICMP_ECHO, ICMP_HLEN, IP_HLEN, IPPROTO_ICMP, Packet, UDP_HLEN } from '../wire/packet.js';

export type ProbeProto = 'icmp' | 'tcp' | 'udp';

/** How long a probe is followed: long enough for ARP to give up (3 s) and an answer to come. */
export const PROBE_WINDOW = 5 * SEC;

/** How long a probe lasts: the whole window (a trace step: the scenario's clock moves 5 s), or
 *  until it is answered and done with (reach: many probes of the world as the scenario left it,
 *  which a clock moved on by 5 s per probe — three hours for 700 flows — would not be). */
export type ProbeSettle = 'window' | 'answered';

/**
 * `size` (0: the defaults) is the IP datagram's size for ICMP and UDP (headers included, as the
 * MTU counts it); for TCP it is the length of a stream sent after the handshake, whose first data
 * segment is the one traced (the SYN then is not).
 */
export function sendProbe(world: World, ns: Netns, dst: Ip4, port: number, proto: ProbeProto, payload = 'probe\n', size = 0, settle: ProbeSettle = 'window'): Trace {
  const trace = new Trace();
  const leg = trace.start();
  const eq = world.eq;
  const host = ns.host;
  const cleanup: Array<() => void> = [];
  // A TCP probe is done with once its connection is closed (TIME_WAIT after its own FIN, or CLOSED
  // by a RST), so that the cleanup's abort sends nothing a full window would not have sent.
  let conn: TcpConn | null = null;
  if (proto === 'icmp') {
    const id = host.rng.below(65536);
    ns.sockets.ping.set(id, { onReply: () => undefined, onError: () => undefined });
    cleanup.push(() => ns.sockets.ping.delete(id));
    const p = new Packet();
    p.ipProto = IPPROTO_ICMP;
    p.icmpType = ICMP_ECHO;
    p.icmpId = id;
    p.icmpSeq = 1;
    p.ipDst = dst;
    p.ipDf = true;
    p.payloadLen = size > 0 ? Math.max(0, size - IP_HLEN - ICMP_HLEN) : 56;
    p.tstamp = eq.now;
    p.trace = leg;
    ipLocalOut(ns, p);
  } else if (proto === 'tcp') {
    const c =
      size > 0
        ? tcpConnect(ns, dst, port, {
            onConnect: (conn) => {
              conn.trace = leg;
              conn.send(size);
            },
          })
        : tcpConnect(ns, dst, port, { onConnect: (conn) => conn.close() }, leg);
    if (typeof c !== 'number') {
      conn = c;
      cleanup.push(() => c.abort());
    }
  } else {
    const sport = ns.sockets.ephemeralPort((n) => host.rng.below(n));
    ns.sockets.bindUdp({ port: sport, addr: 0, kernel: false, onDatagram: () => undefined, onError: () => undefined });
    cleanup.push(() => ns.sockets.unbindUdp(sport));
    const data = size > 0 ? new Uint8Array(Math.max(0, size - IP_HLEN - UDP_HLEN)) : new TextEncoder().encode(payload);
    udpSend(ns, 0, sport, dst, port, data, leg, eq.now);
  }
  const end = eq.now + PROBE_WINDOW;
  if (settle === 'window' || (proto === 'tcp' && size > 0)) eq.runUntil(end);
  else {
    // An answer delivered is final (a leg's verdict is set once); a drop is not — a SYN is sent
    // again, an ARP request retried — so an unanswered probe runs the whole window.
    // Asked after every event of the whole world: the connection's state (a field) before the legs.
    const done = (): boolean => (conn === null || conn.state === 'TIME_WAIT' || conn.state === 'CLOSED') && trace.outcome('reply')?.verdict === 'delivered';
    eq.runWhile(() => !done(), end);
  }
  for (const f of cleanup) f();
  return trace;
}
