// TCP's entry points (net/ipv4/tcp_ipv4.c): connect, listen, the receive demultiplexer, ICMP
// errors and the RST for a closed port. The connection itself — segmentation, windows, ACKs,
// congestion control, timers — is tcp/conn.ts.
import { formatIp4 } from '../core/addr.js';
import type { Ip4 } from '../core/addr.js';
import type { TraceLeg } from '../core/trace.js';
import { ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, IPPROTO_TCP, Packet, TCP_ACK, TCP_RST, TCP_SYN } from '../wire/packet.js';
import type { NetDevice } from './device.js';
import { Drop } from './drop.js';
import { ipLocalOut, routeConnectErrno, routeOutput, selectSource } from './ipv4.js';
import { EADDRNOTAVAIL } from './socket.js';
import { icmpErrConvert } from './icmp.js';
import type { Netns } from './netns.js';
import { updatePmtu } from './pmtu.js';
import { WAKEUP_NS } from './latency.js';
import { dropPacket } from './kfree-skb.js';
import { traceEnd, tracepoint } from './tracepoint.js';
import { TcpConn } from './tcp/conn.js';
import type { TcpHandlers } from './tcp/conn.js';

export { ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT, TcpConn } from './tcp/conn.js';
export type { TcpHandlers, TcpState } from './tcp/conn.js';

export interface TcpListener {
  readonly port: number;
  readonly addr: Ip4;
  /** Called when a handshake completes; returns the handlers for the new connection. */
  accept(c: TcpConn): TcpHandlers;
}

/** Opens a connection (connect(2)); the SYN leaves now. Returns the connection, or an errno. */
export function tcpConnect(ns: Netns, dst: Ip4, dport: number, handlers: TcpHandlers, trace: TraceLeg | null = null, bindPort = 0): TcpConn | number {
  const r = routeOutput(ns, dst);
  if (r === null) return routeConnectErrno(ns, dst); // ENETUNREACH, counted as OutNoRoutes
  // A route of type unreachable, prohibit or blackhole fails connect(2) at once (ip_route_connect).
  const rerr = routeConnectErrno(ns, dst);
  if (rerr !== 0) return rerr;
  const src = selectSource(ns, r, dst);
  const host = ns.host;
  // bind(2) to a chosen port first (bindPort), or let connect pick one (__inet_hash_connect).
  const lport = bindPort !== 0 ? bindPort : ns.sockets.connectPort(src, dst, dport, (n) => host.rng.below(n));
  if (lport === 0) return EADDRNOTAVAIL;
  const c = new TcpConn(ns, src, lport, dst, dport);
  c.handlers = handlers;
  ns.sockets.addTcpConn(c, bindPort !== 0);
  c.connect(host.rng.nextU32(), trace);
  return c;
}

export function tcpListen(ns: Netns, port: number, addr: Ip4, accept: (c: TcpConn) => TcpHandlers): TcpListener | null {
  if (ns.sockets.tcpListeners.has(port)) return null;
  const l: TcpListener = { port, addr, accept };
  ns.sockets.tcpListeners.set(port, l);
  return l;
}

/** tcp_v4_rcv: find the socket; a connection takes the segment at its arrival time. */
export function tcpRcv(ns: Netns, dev: NetDevice, pkt: Packet): void {
  const host = ns.host;
  ns.snmp.Tcp.InSegs++;
  let c = ns.sockets.tcpConn(pkt.dport, pkt.ipSrc, pkt.sport);
  const flags = pkt.tcpFlags;
  let twIsn: number | null = null;
  if (c !== undefined && c.state === 'TIME_WAIT' && (flags & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_SYN) {
    // TCP_TW_SYN: a new SYN may reopen a 4-tuple in TIME_WAIT; the listener takes it.
    twIsn = c.twSynIsn(pkt);
    if (twIsn !== null && ns.sockets.tcpListeners.has(pkt.dport)) {
      c.abort();
      c = undefined;
    }
  }
  if (c === undefined) {
    const l = ns.sockets.tcpListeners.get(pkt.dport);
    if (l !== undefined && (l.addr === 0 || l.addr === pkt.ipDst) && (flags & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_SYN) {
      const nc = new TcpConn(ns, pkt.ipDst, pkt.dport, pkt.ipSrc, pkt.sport);
      ns.sockets.addTcpConn(nc);
      if (pkt.trace !== null) traceEnd(pkt, ns, dev, { kind: 'deliver', reason: 'tcp listener', what: 'tcp-listener', addr: formatIp4(pkt.ipDst), port: pkt.dport });
      nc.acceptSyn(pkt, twIsn ?? host.rng.nextU32());
      return;
    }
    if (flags & TCP_RST) return dropPacket(ns, dev, pkt, Drop.NoListener, 'RST for no connection');
    // A closed port answers with RST (tcp_v4_send_reset).
    if (pkt.trace !== null) tracepoint(pkt, ns, dev, { kind: 'icmp', op: 'rst', addr: formatIp4(pkt.ipDst), port: pkt.dport });
    const rst = resetFor(pkt);
    dropPacket(ns, dev, pkt, Drop.NoListener, `nothing listens on TCP ${formatIp4(pkt.ipDst)}:${pkt.dport}`);
    ns.snmp.Tcp.OutSegs++;
    ns.snmp.Tcp.OutRsts++;
    ipLocalOut(ns, rst, false);
    return;
  }
  if (pkt.trace !== null) traceEnd(pkt, ns, dev, { kind: 'deliver', reason: 'tcp socket', what: 'tcp', addr: formatIp4(pkt.ipDst), port: pkt.dport, state: c.state });
  c.arrive(pkt);
}

/** An ICMP error about one of our segments; true when a connection took it. */
export function tcpError(ns: Netns, err: Packet): boolean {
  const q = err.inner!;
  const c = ns.sockets.tcpConn(q.sport, q.ipDst, q.dport);
  if (c === undefined) return false;
  const at = err.tstamp;
  ns.host.eq.at(at, () => {
    if (c.state === 'CLOSED') return;
    // tcp_v4_err: "fragmentation needed" lowers the path MTU (a route exception) and the MSS,
    // and what no longer fits is sent again (tcp_v4_mtu_reduced); any other destination
    // unreachable or time exceeded aborts a connecting socket at once with icmp_err_convert's
    // errno (ENETUNREACH, EHOSTUNREACH, ECONNREFUSED, …), hard or soft alike. Established
    // connections only note a soft error (sk_err_soft) and keep retransmitting.
    if (err.icmpType === ICMP_DEST_UNREACH && err.icmpCode === ICMP_FRAG_NEEDED) {
      updatePmtu(ns, c.raddr, err.icmpId, ns.host.eq.now);
      c.mtuReduced();
      return;
    }
    const conv = icmpErrConvert(err.icmpType, err.icmpCode);
    if (conv === null) return;
    if (c.state === 'SYN_SENT' || c.state === 'SYN_RECV') {
      c.softErr = conv.errno;
      const h = c.handlers;
      c.abort();
      ns.host.eq.at(at + WAKEUP_NS, () => h.onError?.(c, conv.errno));
    } else c.softErr = conv.errno;
  });
  return true;
}

/** The RST that answers `pkt` (tcp_v4_send_reset, and netfilter's nf_send_reset for REJECT
 *  --reject-with tcp-reset): seq from its ACK if it had one, else an ACK of what it carried. */
export function resetFor(pkt: Packet): Packet {
  const flags = pkt.tcpFlags;
  const rst = new Packet();
  rst.ipProto = IPPROTO_TCP;
  rst.ipSrc = pkt.ipDst;
  rst.ipDst = pkt.ipSrc;
  rst.sport = pkt.dport;
  rst.dport = pkt.sport;
  rst.tcpFlags = flags & TCP_ACK ? TCP_RST : TCP_RST | TCP_ACK;
  rst.tcpSeq = flags & TCP_ACK ? pkt.tcpAck : 0;
  rst.tcpAck = (pkt.tcpSeq + pkt.payloadLen + (flags & TCP_SYN ? 1 : 0)) >>> 0;
  rst.tcpWindow = 0;
  rst.tstamp = pkt.tstamp;
  rst.trace = pkt.trace === null ? null : pkt.trace.reply();
  return rst;
}
