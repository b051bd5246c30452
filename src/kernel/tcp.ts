// Enough TCP for request/response traffic: the three-way handshake, data in both directions, the
// FIN close, RST for a closed port, and SYN retransmission (initial RTO 1 s, doubling, as Linux).
// No windows, no loss recovery for data: the simulated links do not lose segments, and a segment a
// firewall drops is retransmitted like a SYN.
import { formatIp4 } from '../core/addr.js';
import type { Ip4 } from '../core/addr.js';
import type { TraceLeg } from '../core/trace.js';
import { ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, IPPROTO_TCP, Packet, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../wire/packet.js';
import type { NetDevice } from './device.js';
import { Drop } from './drop.js';
import { confirmNeighbourOf, ipLocalOut, routeConnectErrno, routeOutput, selectSource } from './ipv4.js';
import { WAKEUP_NS } from './latency.js';
import { icmpErrConvert } from './icmp.js';
import type { Netns } from './netns.js';
import { dropPacket } from './rx.js';
import { SEC } from '../sim/clock.js';
import { traceEnd, tracepoint } from './tracepoint.js';

export const ECONNREFUSED = 111;
export const ECONNRESET = 104;
export const ETIMEDOUT = 110;

export type TcpState = 'SYN_SENT' | 'SYN_RECV' | 'ESTABLISHED' | 'FIN_WAIT1' | 'FIN_WAIT2' | 'CLOSE_WAIT' | 'LAST_ACK' | 'TIME_WAIT' | 'CLOSED';

export interface TcpHandlers {
  onConnect?(c: TcpConn): void;
  onData?(c: TcpConn, data: Uint8Array): void;
  /** The peer closed its side (FIN received). */
  onPeerClose?(c: TcpConn): void;
  onError?(c: TcpConn, errno: number): void;
}

export interface TcpListener {
  readonly port: number;
  readonly addr: Ip4;
  /** Called when a handshake completes; returns the handlers for the new connection. */
  accept(c: TcpConn): TcpHandlers;
}

const RTO: number = SEC;
const MAX_RETRIES = 6; // tcp_syn_retries

export class TcpConn {
  state: TcpState = 'CLOSED';
  sndNxt = 0;
  rcvNxt = 0;
  handlers: TcpHandlers = {};
  /** Unacknowledged segment to retransmit, and its timer. */
  private pending: Packet | null = null;
  private timer = -1;
  private retries = 0;
  /** The peer acknowledged something new: the next segment confirms the neighbour (sk_dst_confirm). */
  private confirmNeigh = false;
  /** Trace leg for the next segment this connection sends (the first one of a traced probe). */
  trace: TraceLeg | null = null;

  constructor(
    readonly ns: Netns,
    readonly laddr: Ip4,
    readonly lport: number,
    readonly raddr: Ip4,
    readonly rport: number,
  ) {}

  send(data: Uint8Array): void {
    if (this.state !== 'ESTABLISHED' && this.state !== 'CLOSE_WAIT') return;
    this.emit(TCP_PSH | TCP_ACK, data, true);
  }

  close(): void {
    if (this.state === 'ESTABLISHED') {
      this.state = 'FIN_WAIT1';
      this.emit(TCP_FIN | TCP_ACK, null, false);
    } else if (this.state === 'CLOSE_WAIT') {
      this.state = 'LAST_ACK';
      this.emit(TCP_FIN | TCP_ACK, null, false);
    } else if (this.state === 'SYN_SENT' || this.state === 'SYN_RECV') {
      this.abort();
    }
  }

  /** Drops the connection without telling the peer (a timed-out client gives up). */
  abort(): void {
    this.cancelTimer();
    this.state = 'CLOSED';
    this.ns.sockets.removeTcpConn(this);
  }

  emit(flags: number, data: Uint8Array | null, retransmit: boolean, at = this.ns.host.eq.now, trace: TraceLeg | null = null): void {
    const p = new Packet();
    p.ipProto = IPPROTO_TCP;
    p.ipSrc = this.laddr;
    p.ipDst = this.raddr;
    p.sport = this.lport;
    p.dport = this.rport;
    p.tcpFlags = flags;
    p.tcpSeq = this.sndNxt;
    p.tcpAck = flags & TCP_ACK ? this.rcvNxt : 0;
    p.payload = data;
    p.payloadLen = data === null ? 0 : data.length;
    p.ipDf = true;
    p.tstamp = at;
    p.trace = trace ?? this.trace;
    this.trace = null;
    this.sndNxt = (this.sndNxt + p.payloadLen + (flags & (TCP_SYN | TCP_FIN) ? 1 : 0)) >>> 0;
    if (retransmit || flags & (TCP_SYN | TCP_FIN)) this.arm(p);
    if (this.confirmNeigh) {
      this.confirmNeigh = false;
      confirmNeighbourOf(this.ns, this.raddr, at);
    }
    ipLocalOut(this.ns, p.clone());
  }

  private arm(p: Packet): void {
    this.cancelTimer();
    this.pending = p;
    this.retries = 0;
    this.schedule();
  }

  private schedule(): void {
    const eq = this.ns.host.eq;
    this.timer = eq.after(RTO * 2 ** this.retries, () => {
      this.timer = -1;
      if (this.pending === null || this.state === 'CLOSED') return;
      if (++this.retries > MAX_RETRIES) {
        const h = this.handlers;
        this.abort();
        h.onError?.(this, ETIMEDOUT);
        return;
      }
      const again = this.pending.clone();
      again.tstamp = eq.now;
      again.trace = null;
      ipLocalOut(this.ns, again);
      this.schedule();
    });
  }

  acked(ack: number): void {
    if (this.pending !== null && ack === this.sndNxt) {
      this.pending = null;
      this.cancelTimer();
      this.confirmNeigh = true;
    }
  }

  private cancelTimer(): void {
    if (this.timer >= 0) this.ns.host.eq.cancel(this.timer);
    this.timer = -1;
  }
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
  // bind(2) to a chosen port first (bindPort), or let connect pick an ephemeral one.
  const lport = bindPort !== 0 ? bindPort : ns.sockets.ephemeralPort((n) => host.rng.below(n));
  const c = new TcpConn(ns, src, lport, dst, dport);
  c.handlers = handlers;
  c.sndNxt = host.rng.nextU32();
  c.state = 'SYN_SENT';
  ns.sockets.addTcpConn(c);
  c.emit(TCP_SYN, null, true, host.eq.now, trace);
  return c;
}

export function tcpListen(ns: Netns, port: number, addr: Ip4, accept: (c: TcpConn) => TcpHandlers): TcpListener | null {
  if (ns.sockets.tcpListeners.has(port)) return null;
  const l: TcpListener = { port, addr, accept };
  ns.sockets.tcpListeners.set(port, l);
  return l;
}

function wake(c: TcpConn, at: number, fn: () => void): void {
  c.ns.host.eq.at(at + WAKEUP_NS, fn);
}

export function tcpRcv(ns: Netns, dev: NetDevice, pkt: Packet): void {
  const host = ns.host;
  const c = ns.sockets.tcpConn(pkt.dport, pkt.ipSrc, pkt.sport);
  const flags = pkt.tcpFlags;
  if (c === undefined) {
    const l = ns.sockets.tcpListeners.get(pkt.dport);
    if (l !== undefined && (l.addr === 0 || l.addr === pkt.ipDst) && (flags & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_SYN) {
      const nc = new TcpConn(ns, pkt.ipDst, pkt.dport, pkt.ipSrc, pkt.sport);
      nc.state = 'SYN_RECV';
      nc.rcvNxt = (pkt.tcpSeq + 1) >>> 0;
      nc.sndNxt = host.rng.nextU32();
      ns.sockets.addTcpConn(nc);
      if (pkt.trace !== null) traceEnd(pkt, ns, dev, { kind: 'deliver', reason: 'tcp listener', what: 'tcp-listener', addr: formatIp4(pkt.ipDst), port: pkt.dport });
      nc.emit(TCP_SYN | TCP_ACK, null, true, pkt.tstamp, pkt.trace === null ? null : pkt.trace.reply());
      return;
    }
    if (flags & TCP_RST) return dropPacket(ns, dev, pkt, Drop.NoListener, 'RST for no connection');
    // A closed port answers with RST (tcp_v4_send_reset).
    if (pkt.trace !== null) tracepoint(pkt, ns, dev, { kind: 'icmp', op: 'rst', addr: formatIp4(pkt.ipDst), port: pkt.dport });
    const rst = resetFor(pkt);
    dropPacket(ns, dev, pkt, Drop.NoListener, `nothing listens on TCP ${formatIp4(pkt.ipDst)}:${pkt.dport}`);
    ipLocalOut(ns, rst);
    return;
  }
  if (pkt.trace !== null) traceEnd(pkt, ns, dev, { kind: 'deliver', reason: 'tcp socket', what: 'tcp', addr: formatIp4(pkt.ipDst), port: pkt.dport, state: c.state });
  if (flags & TCP_RST) {
    const wasConnecting = c.state === 'SYN_SENT';
    c.abort();
    wake(c, pkt.tstamp, () => c.handlers.onError?.(c, wasConnecting ? ECONNREFUSED : ECONNRESET));
    return;
  }
  if (flags & TCP_ACK) c.acked(pkt.tcpAck);
  switch (c.state) {
    case 'SYN_SENT':
      if ((flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK)) {
        c.state = 'ESTABLISHED';
        c.rcvNxt = (pkt.tcpSeq + 1) >>> 0;
        c.emit(TCP_ACK, null, false, pkt.tstamp);
        wake(c, pkt.tstamp, () => c.handlers.onConnect?.(c));
      }
      return;
    case 'SYN_RECV':
      if (!(flags & TCP_ACK)) return;
      c.state = 'ESTABLISHED';
      {
        const l = ns.sockets.tcpListeners.get(c.lport);
        if (l === undefined) {
          c.abort();
          return;
        }
        c.handlers = l.accept(c);
      }
      break;
  }
  if (pkt.payloadLen > 0 && pkt.tcpSeq === c.rcvNxt) {
    c.rcvNxt = (c.rcvNxt + pkt.payloadLen) >>> 0;
    const data = pkt.payload ?? new Uint8Array(pkt.payloadLen);
    if (!(flags & TCP_FIN)) c.emit(TCP_ACK, null, false, pkt.tstamp);
    wake(c, pkt.tstamp, () => c.handlers.onData?.(c, data));
  }
  if (flags & TCP_FIN) {
    c.rcvNxt = (c.rcvNxt + 1) >>> 0;
    if (c.state === 'ESTABLISHED') {
      c.state = 'CLOSE_WAIT';
      c.emit(TCP_ACK, null, false, pkt.tstamp);
      wake(c, pkt.tstamp, () => c.handlers.onPeerClose?.(c));
    } else if (c.state === 'FIN_WAIT1' || c.state === 'FIN_WAIT2') {
      c.emit(TCP_ACK, null, false, pkt.tstamp);
      c.abort(); // TIME_WAIT is not kept: nothing here reuses the 4-tuple within 60 s
    }
    return;
  }
  if (c.state === 'FIN_WAIT1' && flags & TCP_ACK) c.state = 'FIN_WAIT2';
  else if (c.state === 'LAST_ACK' && flags & TCP_ACK) c.abort();
}

/** An ICMP error about one of our segments; true when a connection took it. */
export function tcpError(ns: Netns, err: Packet): boolean {
  const q = err.inner!;
  const c = ns.sockets.tcpConn(q.sport, q.ipDst, q.dport);
  if (c === undefined) return false;
  // tcp_v4_err: "fragmentation needed" only lowers the path MTU; any other destination
  // unreachable or time exceeded aborts a connecting socket at once with icmp_err_convert's errno
  // (ENETUNREACH, EHOSTUNREACH, ECONNREFUSED, …), hard or soft alike. Established connections only
  // note a soft error (sk_err_soft) and keep retransmitting.
  const conv = icmpErrConvert(err.icmpType, err.icmpCode);
  if (conv === null || (err.icmpType === ICMP_DEST_UNREACH && err.icmpCode === ICMP_FRAG_NEEDED)) return true;
  if (c.state === 'SYN_SENT' || c.state === 'SYN_RECV') {
    c.abort();
    wake(c, err.tstamp, () => c.handlers.onError?.(c, conv.errno));
  }
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
  rst.tstamp = pkt.tstamp;
  rst.trace = pkt.trace === null ? null : pkt.trace.reply();
  return rst;
}
