// One TCP connection (struct tcp_sock) as Linux runs it, to the depth a transfer's bytes, segment
// counts and timing show:
// - Segments: the MSS from the path MTU (the device's, lowered by a cached PMTU) and the peer's
//   MSS option, less 12 bytes of timestamps (so 1448 data bytes on a 1500 MTU); a write is cut
//   into MSS-sized skbs (tcp_sendmsg), PSH on the last one and every half window (forced_push);
//   Nagle with Minshall's rule (tcp_nagle_check).
// - Options: a SYN carries MSS, SACK-permitted, timestamps and window scale (60 bytes); every later
//   segment NOP NOP TS. SACK is negotiated but no SACK blocks are sent or read (recovery is NewReno).
// - Windows: the receive window starts at 64240 / 65160 (65535 rounded down to the MSS, as
//   tcp_select_initial_window) and grows by two segments per full segment received (rcv_ssthresh),
//   up to half of tcp_rmem[2]; the send window is the peer's, scaled by its window scale.
// - ACKs: cumulative. Delayed ACK as Linux does it: the first 16 segments of data are ACKed at once
//   (quickack mode, TCP_MAX_QUICKACKS), then an ACK when more than one full segment is unacked,
//   otherwise after the delayed-ACK timer (ato, 40 ms) unless data going out carries it. A FIN is
//   ACKed on that timer too (tcp_fin enters pingpong mode), so a prompt close carries the ACK.
//   An out-of-order segment gets an immediate duplicate ACK.
// - Congestion control: Reno with initcwnd 10 (RFC 5681 slow start, +1 per window in congestion
//   avoidance), NewReno fast retransmit on three duplicate ACKs; an RTO sets cwnd to 1 and resends
//   everything outstanding (tcp_enter_loss). Linux's default is CUBIC with PRR and SACK: the same
//   segments are sent when nothing is lost; after a loss the timing differs.
// - Timers: RTO per RFC 6298 as tcp_rtt_estimator computes it (rto.ts), doubling on expiry; the
//   connection gives up after tcp_retries2 (924.6 s); SYNs are retried after 1, 3, 7, … s
//   (tcp_syn_retries 6, 127 s).
// The receive path runs each segment as an event at its arrival time, so a flight of segments
// sent in one call never re-enters the sender.
import { formatIp4 } from '../../core/addr.js';
import type { Ip4 } from '../../core/addr.js';
import type { TraceLeg } from '../../core/trace.js';
import type { Nanos } from '../../sim/clock.js';
import { MS } from '../../sim/clock.js';
import {
  IPPROTO_TCP, Packet, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCPOPT_F_MSS, TCPOPT_F_SACK_PERM, TCPOPT_F_TS, TCPOPT_F_WSCALE,
} from '../../wire/packet.js';
import { confirmNeighbourOf, ipLocalOut, refusedDrop, routeOutput, routeRefuses } from '../ipv4.js';
import { Drop } from '../drop.js';
import { dropPacket } from '../kfree-skb.js';
import { WAKEUP_NS } from '../latency.js';
import type { Netns } from '../netns.js';
import { pathMtu, routeMtu } from '../pmtu.js';
import { JIFFY, timerExpiry } from '../timer.js';
import { giveUpAfter, RttEstimator, TCP_RETRIES2, TCP_RTO_MAX, TCP_RTO_MIN, TCP_SYN_RETRIES, TCP_TIMEOUT_INIT } from './rto.js';
import { seqDiff, TcpSkb } from './skb.js';

export const ECONNREFUSED = 111;
export const ECONNRESET = 104;
export const ETIMEDOUT = 110;
export const EPIPE = 32;

export type TcpState = 'SYN_SENT' | 'SYN_RECV' | 'ESTABLISHED' | 'FIN_WAIT1' | 'FIN_WAIT2' | 'CLOSING' | 'CLOSE_WAIT' | 'LAST_ACK' | 'TIME_WAIT' | 'CLOSED';

export interface TcpHandlers {
  onConnect?(c: TcpConn): void;
  /** In-order bytes, as a read(2) returns them (a zero-filled transfer gives zeros). */
  onData?(c: TcpConn, data: Uint8Array): void;
  /** The peer closed its side (FIN received, after all its data). */
  onPeerClose?(c: TcpConn): void;
  onError?(c: TcpConn, errno: number): void;
  /** Everything written has been acknowledged (the send queue drained: SIOCOUTQ reads 0). */
  onDrain?(c: TcpConn): void;
}

/** TCP_INIT_CWND. */
const INIT_CWND = 10;
/** TCP_MAX_QUICKACKS. */
const MAX_QUICKACKS = 16;
/** TCP_ATO_MIN / TCP_DELACK_MIN: the delayed-ACK timer (HZ/25). */
const ATO_MIN: Nanos = 40 * MS;
/** TCP_TIMEWAIT_LEN: how long the side that closed first keeps the connection in TIME_WAIT. */
const TCP_TIMEWAIT_LEN: Nanos = 60_000 * MS;
/** net.ipv4.tcp_rmem[2] (Linux's default 6 MB): window scale 7, window up to half of it. */
const TCP_RMEM_MAX = 6291456;
/** TCP header bytes on every segment after the handshake: NOP NOP TS. */
const TS_LEN = 12;
const ZEROS = new Uint8Array(65536);

/** Window scale for a receive buffer of `space` (tcp_select_initial_window). */
function wscaleFor(space: number): number {
  let ws = 0;
  while (space > 65535 && ws < 14) {
    space >>>= 1;
    ws++;
  }
  return ws;
}
const RCV_WSCALE = wscaleFor(TCP_RMEM_MAX);

/** A keyed hash standing in for secure_tcp_ts_off: the timestamp offset, one per pair of hosts
 *  (since Linux 4.13), so a new connection between them carries timestamps past the last one's. */
function tsOffset(laddr: number, raddr: number): number {
  let h = (laddr ^ Math.imul(raddr, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}

export class TcpConn {
  state: TcpState = 'CLOSED';
  handlers: TcpHandlers = {};
  /** Trace leg for the next segment this connection sends (the first one of a traced probe). */
  trace: TraceLeg | null = null;

  // Send side (snd_una, snd_nxt, write_seq, the write/retransmit queue).
  iss = 0;
  sndUna = 0;
  sndNxt = 0;
  /** The highest sequence ever sent (snd_nxt before an RTO rewound it). */
  sndMax = 0;
  writeSeq = 0;
  private readonly q: TcpSkb[] = [];
  /** Index of the first unacknowledged skb in q, and of the next one never sent (or re-sent after an RTO). */
  private qHead = 0;
  private qSend = 0;
  private lostOut = 0;
  sndWnd = 65535;
  private sndWscale = 0;
  private maxWindow = 0;
  private pushedSeq = 0;
  /** End of the last small segment sent (snd_sml, Minshall's Nagle). */
  private sndSml = 0;
  /** Peer's MSS option (mss_clamp); 536 when it sent none. */
  peerMss = 536;
  cwnd = INIT_CWND;
  ssthresh = 0x7fffffff;
  private cwndCnt = 0;
  private dupAcks = 0;
  private inRecovery = false;
  private recover = 0;
  readonly rtt = new RttEstimator();
  private backoff = 0;
  /** RTO deadline (ns, 0: none) and the queued timer event that checks it. */
  private rtoAt: Nanos = 0;
  private rtoTimer = -1;
  private rtoTimerAt: Nanos = 0;
  /** When the head segment that is being retransmitted was first sent (retrans_stamp). */
  private retransStamp: Nanos = 0;
  private finQueued = false;
  /** A soft error an ICMP reported (sk_err_soft), given instead of ETIMEDOUT when we give up. */
  softErr = 0;
  private synPkt: Packet | null = null;
  /** The TIME_WAIT timer (inet_twsk_schedule), -1 when none. */
  private twTimer = -1;
  private synRetries = 0;
  private synSentAt: Nanos = 0;

  // Receive side.
  irs = 0;
  rcvNxt = 0;
  rcvWnd = 0;
  private rcvWndMax = 0;
  private rcvWscale = 0;
  /** rcv_nxt when we last sent an ACK (rcv_wup). */
  private rcvWup = 0;
  rcvMss = 536;
  private tsOk = false;
  private tsOff = 0;
  private tsRecent = 0;
  private quick = 0;
  private ato: Nanos = 0;
  /** Interactive (request/response) mode: no quick ACKs (inet_csk pingpong, tcp_pingpong_thresh 1). */
  private pingpong = false;
  /** When data last arrived (icsk_ack.lrcvtime). */
  private lrcvTime: Nanos = 0;
  private delackTimer = -1;
  /** Out-of-order segments held until the hole fills: [seq, data|null, len, fin]. */
  private readonly ofo: Array<{ seq: number; data: Uint8Array | null; len: number; fin: boolean }> = [];
  /** In-order data the reader has not been woken for yet, and the array it swaps with on a wake. */
  private rxq: Uint8Array[] = [];
  private rxSpare: Uint8Array[] = [];
  private rxFin = false;
  private rxWake = false;
  /**
   * Segments on their way in (tcpRcv → segmentArrived at their arrival time), as many as their
   * events queued with `takeArrival`: those events run in the order they were queued, because a
   * segment joins only at or after the arrival time of the last one queued (an earlier one gets an
   * event of its own), so each takes the head. One callback per connection instead of a closure
   * per segment (134,538 segments in the 1,000-node converge).
   */
  private readonly inbox: Array<Packet | null> = [];
  private inboxHead = 0;
  private inboxLast = 0;
  /** The peer's FIN has been received (RCV_SHUTDOWN). */
  peerClosed = false;
  /** The peer acknowledged something new: the next segment confirms the neighbour (sk_dst_confirm). */
  private confirmNeigh = false;
  /** Bytes the application has been given. */
  bytesReceived = 0;
  bytesAcked = 0;

  constructor(
    readonly ns: Netns,
    readonly laddr: Ip4,
    readonly lport: number,
    readonly raddr: Ip4,
    readonly rport: number,
  ) {}

  private now(): Nanos {
    return this.ns.host.eq.now;
  }

  /** The advertised MSS: the device MTU less 40 (ipv4_default_advmss). */
  private advMss(): number {
    return Math.min(routeMtu(this.ns, this.raddr) - 40, 65495);
  }

  /** mss_now (tcp_current_mss): the path MTU less headers, within the peer's MSS, less options. */
  mssNow(): number {
    const pmtuMss = pathMtu(this.ns, this.raddr, this.now()) - 40;
    return Math.max(48, Math.min(pmtuMss, this.peerMss) - (this.tsOk ? TS_LEN : 0));
  }

  // ---- Opening ----

  /** The send sequence space from the initial sequence number (the SYN takes iss). */
  private initSend(iss: number): void {
    this.iss = iss;
    this.sndUna = iss;
    this.sndNxt = (iss + 1) >>> 0;
    this.sndMax = this.sndNxt;
    this.writeSeq = this.sndNxt;
    this.pushedSeq = this.sndNxt;
    this.sndSml = this.sndNxt;
  }

  /** Active open: the SYN (tcp_v4_connect → tcp_connect). */
  connect(iss: number, trace: TraceLeg | null): void {
    this.initSend(iss);
    this.tsOff = tsOffset(this.laddr, this.raddr);
    const mss = this.advMss();
    this.rcvMss = Math.min(mss, 536);
    // tcp_select_initial_window: 65535 rounded down to a multiple of the MSS.
    this.rcvWnd = Math.floor(65535 / mss) * mss;
    this.rcvWndMax = this.rcvWnd;
    this.state = 'SYN_SENT';
    this.ns.snmp.Tcp.ActiveOpens++;
    const p = this.segment(TCP_SYN, iss, null, 0);
    p.tcpAck = 0;
    p.tcpWindow = Math.min(this.rcvWnd, 65535);
    p.tcpOpts = TCPOPT_F_MSS | TCPOPT_F_SACK_PERM | TCPOPT_F_TS | TCPOPT_F_WSCALE;
    p.tcpMss = mss;
    p.tcpWscale = RCV_WSCALE;
    p.tcpTsEcr = 0;
    p.trace = trace;
    this.sendSyn(p);
  }

  /** Passive open: a SYN reached a listener; answer SYN-ACK (tcp_v4_conn_request). */
  acceptSyn(syn: Packet, iss: number): void {
    this.initSend(iss);
    this.irs = syn.tcpSeq;
    this.rcvNxt = (syn.tcpSeq + 1) >>> 0;
    this.rcvWup = this.rcvNxt;
    this.takeSynOptions(syn);
    this.tsOff = tsOffset(this.laddr, this.raddr);
    const mss = this.advMss();
    const eff = Math.min(mss, this.peerMss) - (this.tsOk ? TS_LEN : 0);
    this.rcvMss = Math.min(eff, 536);
    this.rcvWnd = Math.floor(65535 / (mss - (this.tsOk ? TS_LEN : 0))) * (mss - (this.tsOk ? TS_LEN : 0));
    this.rcvWndMax = this.rcvWnd;
    this.state = 'SYN_RECV';
    const p = this.segment(TCP_SYN | TCP_ACK, iss, null, 0);
    p.tcpWindow = Math.min(this.rcvWnd, 65535);
    p.tcpOpts = TCPOPT_F_MSS | (syn.tcpOpts & (TCPOPT_F_SACK_PERM | TCPOPT_F_TS | TCPOPT_F_WSCALE));
    p.tcpMss = mss;
    p.tcpWscale = RCV_WSCALE;
    p.tstamp = syn.tstamp;
    p.trace = syn.trace === null ? null : syn.trace.reply();
    // tcp_conn_request routes the SYN-ACK before it keeps a request socket (af_ops->route_req,
    // inet_csk_route_req): with no usable route back it counts OUTNOROUTES and drops the SYN, so
    // nothing is retransmitted — the client's next SYN is tried afresh.
    const back = routeOutput(this.ns, this.raddr);
    if (back === null || routeRefuses(back)) {
      this.ns.snmp.Ip.OutNoRoutes++;
      this.abort();
      const reason = back === null ? Drop.NoRoute : refusedDrop(back);
      return dropPacket(this.ns, null, p, reason, `no route back to ${formatIp4(this.raddr)} for the SYN-ACK`, back === null ? 'IP_OUTNOROUTES' : undefined);
    }
    this.ns.snmp.Tcp.PassiveOpens++;
    this.sendSyn(p);
  }

  private takeSynOptions(p: Packet): void {
    this.peerMss = p.tcpOpts & TCPOPT_F_MSS ? p.tcpMss : 536;
    if (p.tcpOpts & TCPOPT_F_WSCALE) {
      this.sndWscale = Math.min(p.tcpWscale, 14);
      this.rcvWscale = RCV_WSCALE;
    }
    this.tsOk = (p.tcpOpts & TCPOPT_F_TS) !== 0;
    if (this.tsOk) this.tsRecent = p.tcpTsVal;
    this.sndWnd = p.tcpWindow;
    this.maxWindow = this.sndWnd;
  }

  /** The SYN or SYN-ACK leaves, retried after 1, 3, 7, … s (exactly: the handshake keeps today's timing). */
  private sendSyn(p: Packet): void {
    this.synPkt = p;
    this.synRetries = 0;
    this.synSentAt = p.tstamp;
    this.xmit(p.clone());
    this.scheduleSyn();
  }

  private scheduleSyn(): void {
    const eq = this.ns.host.eq;
    this.rtoTimer = eq.at(this.synSentAt + TCP_TIMEOUT_INIT * (2 ** (this.synRetries + 1) - 1), () => {
      this.rtoTimer = -1;
      if (this.synPkt === null || this.state === 'CLOSED') return;
      if (++this.synRetries > TCP_SYN_RETRIES) {
        if (this.state === 'SYN_SENT') this.ns.snmp.Tcp.AttemptFails++;
        return this.fail(this.softErr !== 0 ? this.softErr : ETIMEDOUT);
      }
      const again = this.synPkt.clone();
      again.tstamp = eq.now;
      again.trace = null;
      this.ns.snmp.Tcp.RetransSegs++;
      this.xmit(again);
      this.scheduleSyn();
    });
  }

  private synDone(): void {
    if (this.synPkt === null) return;
    if (this.synRetries === 0) this.rtt.sample((this.now() - this.synSentAt) / 1000, this.sndUna, this.sndNxt);
    this.synPkt = null;
    this.cancelRtoTimer();
    this.ns.snmp.Tcp.CurrEstab++;
  }

  // ---- The application's calls ----

  /** write(2): queue `data` (or that many zero bytes) and send what the windows allow. */
  send(data: Uint8Array | number): void {
    if (this.state !== 'ESTABLISHED' && this.state !== 'CLOSE_WAIT') return;
    if (this.finQueued) return;
    const bytes = typeof data === 'number' ? null : data;
    let left = typeof data === 'number' ? data : data.length;
    if (left === 0) return;
    // Bytes go into skbs of size_goal (tcp_xmit_size_goal: GSO-sized, at most half the peer's
    // largest window, a multiple of the MSS); they are cut into MSS-sized segments only when
    // sent (tcp_write_xmit / GSO), so a path MTU learnt meanwhile applies to all of them.
    const mss = this.mssNow();
    const goal = Math.max(mss, Math.floor(Math.min(65536 - 256, this.maxWindow >>> 1) / mss) * mss);
    let off = 0;
    // Fill the tail skb first when it has not left yet (tcp_sendmsg appends to it).
    const tail = this.q.length > this.qSend ? this.q[this.q.length - 1]! : null;
    if (tail !== null && tail.txCount === 0 && tail.len < goal && !(tail.flags & TCP_FIN)) {
      const n = Math.min(goal - tail.len, left);
      tail.data = concat(tail.data, tail.len, bytes, off, n);
      tail.len += n;
      tail.flags &= ~TCP_PSH;
      off += n;
      left -= n;
      this.writeSeq = (this.writeSeq + n) >>> 0;
    }
    while (left > 0) {
      const n = Math.min(goal, left);
      const skb = new TcpSkb(this.writeSeq, n, bytes === null ? null : bytes.subarray(off, off + n));
      this.q.push(skb);
      off += n;
      left -= n;
      this.writeSeq = (this.writeSeq + n) >>> 0;
      // forced_push: a PSH every half of the largest window the peer offered.
      if (left > 0 && seqDiff(this.writeSeq, (this.pushedSeq + (this.maxWindow >>> 1)) >>> 0) > 0) {
        skb.flags |= TCP_PSH;
        this.pushedSeq = this.writeSeq;
      }
    }
    // tcp_push: PSH on the last segment of the write.
    this.q[this.q.length - 1]!.flags |= TCP_PSH;
    this.pushedSeq = this.writeSeq;
    this.pushPending();
  }

  /** close(2): a FIN after the queued data (tcp_send_fin); abort while still connecting. */
  close(): void {
    if (this.state === 'ESTABLISHED' || this.state === 'CLOSE_WAIT') {
      this.state = this.state === 'ESTABLISHED' ? 'FIN_WAIT1' : 'LAST_ACK';
      this.ns.snmp.Tcp.CurrEstab--;
    } else {
      if (this.state === 'SYN_SENT' || this.state === 'SYN_RECV') this.abort();
      return;
    }
    this.finQueued = true;
    const tail = this.q.length > this.qSend ? this.q[this.q.length - 1]! : null;
    if (tail !== null && tail.txCount === 0) tail.flags |= TCP_FIN;
    else {
      const fin = new TcpSkb(this.writeSeq, 0, null);
      fin.flags = TCP_FIN;
      this.q.push(fin);
    }
    this.writeSeq = (this.writeSeq + 1) >>> 0;
    this.pushPending();
  }

  /** Drops the connection without telling the peer (a timed-out client gives up). */
  abort(): void {
    if (this.state === 'CLOSED') return;
    if (this.state === 'ESTABLISHED' || this.state === 'CLOSE_WAIT') this.ns.snmp.Tcp.CurrEstab--;
    this.state = 'CLOSED';
    this.synPkt = null;
    this.cancelRtoTimer();
    this.cancelDelack();
    this.rtoAt = 0;
    if (this.twTimer >= 0) this.ns.host.eq.cancel(this.twTimer);
    this.twTimer = -1;
    this.ns.sockets.removeTcpConn(this);
  }

  /** Sends a RST and drops the connection (close(2) with unread data, SO_LINGER 0). */
  reset(): void {
    if (this.state === 'CLOSED') return;
    const p = this.segment(TCP_RST | TCP_ACK, this.sndNxt, null, 0);
    this.ns.snmp.Tcp.OutRsts++;
    if (this.state === 'ESTABLISHED' || this.state === 'CLOSE_WAIT') this.ns.snmp.Tcp.EstabResets++;
    this.xmit(p);
    this.abort();
  }

  private fail(errno: number): void {
    const h = this.handlers;
    if (this.state === 'ESTABLISHED' || this.state === 'CLOSE_WAIT') this.ns.snmp.Tcp.EstabResets++;
    this.abort();
    this.ns.host.eq.at(this.now() + WAKEUP_NS, () => h.onError?.(this, errno));
  }

  // ---- Output ----

  /** A segment of this connection with the current ACK, window and timestamps. */
  private segment(flags: number, seq: number, data: Uint8Array | null, len: number): Packet {
    const p = new Packet();
    p.ipProto = IPPROTO_TCP;
    p.ipSrc = this.laddr;
    p.ipDst = this.raddr;
    p.ipDf = true; // ip_no_pmtu_disc = 0: TCP sets DF and relies on PMTU discovery
    p.sport = this.lport;
    p.dport = this.rport;
    p.tcpFlags = flags;
    p.tcpSeq = seq;
    p.tcpAck = flags & TCP_ACK ? this.rcvNxt : 0;
    // tcp_select_window: rounded up to the scale's granularity.
    // (1 << scale, scale at most 14: a variable `2 **` was the costliest line of this function.)
    p.tcpWindow = Math.min(65535, Math.ceil(this.rcvWnd / (1 << this.rcvWscale)));
    const now = this.now();
    p.tstamp = now;
    if (this.tsOk || flags & TCP_SYN) {
      p.tcpOpts = TCPOPT_F_TS;
      p.tcpTsVal = (Math.floor(now / MS) + this.tsOff) >>> 0;
      p.tcpTsEcr = this.tsRecent;
    }
    p.payload = len === 0 ? null : data;
    p.payloadLen = len;
    return p;
  }

  /** tcp_transmit_skb's tail: count it, note the ACK it carries, hand it to IP. */
  private xmit(p: Packet): void {
    this.ns.snmp.Tcp.OutSegs++;
    if (p.tcpFlags & TCP_ACK) {
      // tcp_event_ack_sent: an ACK going out clears the delayed ACK; one that acknowledges new
      // data spends a quick ACK (tcp_dec_quickack_mode).
      if (this.quick > 0 && seqDiff(this.rcvNxt, this.rcvWup) > 0) this.quick--;
      this.rcvWup = this.rcvNxt;
      this.cancelDelack();
    }
    if (this.trace !== null && p.trace === null) {
      p.trace = this.trace;
      this.trace = null;
    }
    if (this.confirmNeigh) {
      this.confirmNeigh = false;
      confirmNeighbourOf(this.ns, this.raddr, p.tstamp);
    }
    ipLocalOut(this.ns, p);
  }

  private sendAck(): void {
    if (this.state === 'CLOSED' || this.state === 'SYN_SENT') return;
    this.xmit(this.segment(TCP_ACK, this.sndNxt, null, 0));
  }

  private packetsOut(): number {
    return this.qSend - this.qHead;
  }

  /** tcp_xmit_retransmit_queue then tcp_write_xmit: lost segments first, then new ones, as cwnd and the window allow. */
  pushPending(): void {
    if (this.state === 'CLOSED' || this.state === 'SYN_SENT' || this.state === 'SYN_RECV') return;
    const mss = this.mssNow();
    if (this.lostOut > 0) {
      for (let i = this.qHead; i < this.qSend && this.lostOut > 0; i++) {
        const skb = this.q[i]!;
        if (!skb.lost) continue;
        if (this.packetsOut() - this.lostOut >= this.cwnd) return;
        if (skb.len > mss) this.split(i, mss);
        skb.lost = false;
        this.lostOut--;
        this.transmitSkb(skb);
      }
    }
    while (this.qSend < this.q.length) {
      const skb = this.q[this.qSend]!;
      if (this.packetsOut() - this.lostOut >= this.cwnd) break;
      if (skb.len > mss) this.split(this.qSend, mss);
      // The receive window (tcp_snd_wnd_test): the segment must end within it.
      if (seqDiff((skb.seq + skb.len) >>> 0, (this.sndUna + this.sndWnd) >>> 0) > 0 && skb.len > 0) break;
      // Nagle with Minshall's rule: hold a small last segment while a small one is unacked.
      const last = this.qSend === this.q.length - 1;
      if (last && skb.len < mss && !(skb.flags & TCP_FIN) && this.packetsOut() > 0 && seqDiff(this.sndSml, this.sndUna) > 0) break;
      this.qSend++;
      if (skb.len < mss) this.sndSml = (skb.seq + skb.len) >>> 0;
      this.transmitSkb(skb);
    }
  }

  /** tcp_fragment: cut q[i] at `mss`, the rest becoming the next skb. */
  private split(i: number, mss: number): void {
    const skb = this.q[i]!;
    const rest = new TcpSkb((skb.seq + mss) >>> 0, skb.len - mss, skb.data === null ? null : skb.data.subarray(mss));
    rest.flags = skb.flags;
    rest.txCount = skb.txCount;
    rest.txTime = skb.txTime;
    rest.lost = skb.lost;
    if (rest.lost) this.lostOut++;
    skb.len = mss;
    skb.data = skb.data === null ? null : skb.data.subarray(0, mss);
    skb.flags &= ~(TCP_PSH | TCP_FIN);
    this.q.splice(i + 1, 0, rest);
    if (i < this.qSend) this.qSend++; // cut while in flight (a resend): the rest is in flight too
  }

  private transmitSkb(skb: TcpSkb): void {
    const now = this.now();
    const retrans = skb.txCount > 0;
    if (retrans) {
      this.ns.snmp.Tcp.RetransSegs++;
      if (this.retransStamp === 0) this.retransStamp = skb.txTime;
    }
    skb.txCount++;
    skb.txTime = now;
    // tcp_event_data_sent: data sent within ato of the last data received is a reply: pingpong.
    if (skb.len > 0 && this.ato > 0 && now - this.lrcvTime < this.ato) this.pingpong = true;
    const p = this.segment(TCP_ACK | (skb.flags & (TCP_PSH | TCP_FIN)), skb.seq, skb.data, skb.len);
    const end = skb.end;
    if (seqDiff(end, this.sndNxt) > 0) this.sndNxt = end;
    if (seqDiff(end, this.sndMax) > 0) this.sndMax = end;
    this.xmit(p);
    if (this.rtoAt === 0) this.armRto(now);
  }

  // ---- Retransmission timer ----

  private currentRto(): Nanos {
    return Math.min(this.backoff === 0 ? this.rtt.rto : this.rtt.rto * 2 ** this.backoff, TCP_RTO_MAX);
  }

  /** tcp_rearm_rto: the RTO runs from the head segment's last transmission. */
  private armRto(from: Nanos): void {
    this.rtoAt = from + this.currentRto();
    if (this.rtoTimer >= 0 && this.rtoTimerAt <= this.rtoAt) return; // the queued check re-arms itself
    this.cancelRtoTimer();
    this.rtoTimerAt = this.rtoAt;
    this.rtoTimer = this.ns.host.eq.at(this.rtoAt, () => this.rtoCheck());
  }

  /** tcp_rearm_rto: what is left of the RTO counted from the head segment's transmission, or a full one. */
  private rearmRto(now: Nanos): void {
    const rto = this.currentRto();
    const left = this.q[this.qHead]!.txTime + rto - now;
    this.rtoAt = 0;
    this.armRto(now - rto + (left > 0 ? left : rto));
  }

  private rtoCheck(): void {
    this.rtoTimer = -1;
    if (this.rtoAt === 0 || this.state === 'CLOSED') return;
    const now = this.now();
    if (now < this.rtoAt) {
      this.rtoTimerAt = this.rtoAt;
      this.rtoTimer = this.ns.host.eq.at(this.rtoAt, () => this.rtoCheck());
      return;
    }
    this.retransmitTimer(now);
  }

  /** tcp_retransmit_timer: give up after tcp_retries2, else back off, enter loss, resend the head. */
  private retransmitTimer(now: Nanos): void {
    if (this.packetsOut() === 0) {
      this.rtoAt = 0;
      return;
    }
    const head = this.q[this.qHead]!;
    const start = this.retransStamp !== 0 ? this.retransStamp : head.txTime;
    if (now - start >= giveUpAfter(TCP_RETRIES2, TCP_RTO_MIN)) return this.fail(this.softErr !== 0 ? this.softErr : ETIMEDOUT);
    // tcp_enter_loss: ssthresh from the flight, cwnd 1, everything outstanding lost.
    if (!this.inRecovery || this.backoff === 0) this.ssthresh = Math.max(this.packetsOut() >> 1, 2);
    this.cwnd = 1;
    this.cwndCnt = 0;
    this.inRecovery = false;
    this.dupAcks = 0;
    for (let i = this.qHead; i < this.qSend; i++) {
      const s = this.q[i]!;
      if (!s.lost) {
        s.lost = true;
        this.lostOut++;
      }
    }
    this.backoff++;
    this.rtoAt = 0;
    this.pushPending();
    if (this.rtoAt === 0) this.armRto(now);
  }

  private cancelRtoTimer(): void {
    if (this.rtoTimer >= 0) this.ns.host.eq.cancel(this.rtoTimer);
    this.rtoTimer = -1;
  }

  // ---- Input ----

  /** tcp_v4_rcv's hand-over: `p` reaches the connection at its own time (never before now). */
  arrive(p: Packet): void {
    const eq = this.ns.host.eq;
    const t = p.tstamp < eq.now ? eq.now : p.tstamp;
    if (this.inboxHead < this.inbox.length && t < this.inboxLast) {
      eq.at(t, () => this.segmentArrived(p));
      return;
    }
    this.inbox.push(p);
    this.inboxLast = t;
    eq.at(t, this.takeArrival);
  }

  private readonly takeArrival = (): void => {
    const p = this.inbox[this.inboxHead]!;
    this.inbox[this.inboxHead++] = null;
    if (this.inboxHead === this.inbox.length) {
      this.inbox.length = 0;
      this.inboxHead = 0;
    }
    this.segmentArrived(p);
  };

  /** One segment for this connection, at its arrival time (tcp_rcv_established / tcp_rcv_state_process). */
  segmentArrived(p: Packet): void {
    if (this.state === 'CLOSED') return;
    if (this.state === 'TIME_WAIT') return this.timeWaitSegment(p);
    const flags = p.tcpFlags;
    if (flags & TCP_RST) {
      if (this.state === 'SYN_SENT') {
        if (!(flags & TCP_ACK) || p.tcpAck !== this.sndNxt) return;
        this.ns.snmp.Tcp.AttemptFails++;
        return this.fail(ECONNREFUSED);
      }
      return this.fail(this.state === 'CLOSE_WAIT' || this.state === 'LAST_ACK' ? EPIPE : ECONNRESET);
    }
    if (this.state === 'SYN_SENT') {
      if (flags & TCP_ACK && p.tcpAck !== this.sndNxt) {
        // tcp_rcv_synsent_state_process: an ACK of something we never sent (a TIME_WAIT peer
        // answering our SYN with its old ACK) is reset; the SYN is sent again on its timer.
        const rst = this.segment(TCP_RST, p.tcpAck, null, 0);
        this.ns.snmp.Tcp.OutRsts++;
        this.xmit(rst);
        return;
      }
      if ((flags & (TCP_SYN | TCP_ACK)) !== (TCP_SYN | TCP_ACK)) return;
      this.takeSynOptions(p);
      this.irs = p.tcpSeq;
      this.rcvNxt = (p.tcpSeq + 1) >>> 0;
      this.sndUna = p.tcpAck;
      this.state = 'ESTABLISHED';
      const mss = this.mssNow();
      this.rcvMss = Math.min(mss, 536);
      this.synDone();
      this.sendAck();
      const h = this.handlers;
      this.ns.host.eq.at(p.tstamp + WAKEUP_NS, () => h.onConnect?.(this));
      return;
    }
    if (this.state === 'SYN_RECV') {
      if (flags & TCP_SYN && !(flags & TCP_ACK)) {
        // The client's SYN again: our SYN-ACK was lost; send it again.
        if (this.synPkt !== null) {
          const again = this.synPkt.clone();
          again.tstamp = this.now();
          again.trace = null;
          this.ns.snmp.Tcp.RetransSegs++;
          this.xmit(again);
        }
        return;
      }
      if (!(flags & TCP_ACK) || p.tcpAck !== this.sndNxt) return;
      const l = this.ns.sockets.tcpListeners.get(this.lport);
      if (l === undefined) return this.abort();
      this.sndUna = p.tcpAck;
      this.state = 'ESTABLISHED';
      this.synDone();
      this.sndWnd = p.tcpWindow * (1 << this.sndWscale);
      this.handlers = l.accept(this);
    } else if (flags & TCP_SYN) {
      return; // an in-window SYN on an established connection: ignored (challenge ACK not modelled)
    }
    if (this.tsOk && p.tcpOpts & TCPOPT_F_TS && seqDiff(p.tcpSeq, this.rcvWup) <= 0) this.tsRecent = p.tcpTsVal;
    if (flags & TCP_ACK) this.ackArrived(p);
    if ((this.state as TcpState) === 'CLOSED') return; // the ACK of our FIN in LAST_ACK closed it
    if (p.payloadLen > 0 || flags & TCP_FIN) this.dataArrived(p);
    this.pushPending();
  }

  /** tcp_ack: window update, the acknowledged segments leave the queue, cwnd grows, RTT is sampled. */
  private ackArrived(p: Packet): void {
    const ack = p.tcpAck;
    if (seqDiff(ack, this.sndMax) > 0) return; // acknowledges what we never sent
    const wnd = p.tcpWindow * (1 << this.sndWscale);
    if (seqDiff(ack, this.sndUna) < 0) return; // old
    const now = this.now();
    if (seqDiff(ack, this.sndUna) === 0) {
      // A duplicate ACK: no data, no window change, something outstanding (tcp_ack's FLAG_NOT_DUP).
      if (p.payloadLen === 0 && !(p.tcpFlags & TCP_FIN) && wnd === this.sndWnd && this.packetsOut() > 0) this.dupAck();
      this.sndWnd = wnd;
      return;
    }
    this.sndWnd = wnd;
    if (wnd > this.maxWindow) this.maxWindow = wnd;
    this.bytesAcked += seqDiff(ack, this.sndUna);
    this.sndUna = ack;
    if (seqDiff(this.sndNxt, ack) < 0) this.sndNxt = ack;
    let acked = 0;
    let sample = -1;
    while (this.qHead < this.q.length) {
      const skb = this.q[this.qHead]!;
      const end = skb.end;
      if (seqDiff(end, ack) > 0) {
        // Partly acknowledged (tcp_trim_head).
        const cut = seqDiff(ack, skb.seq);
        if (cut > 0 && skb.txCount > 0) {
          skb.seq = ack;
          skb.len -= cut;
          if (skb.data !== null) skb.data = skb.data.subarray(cut);
        }
        break;
      }
      if (skb.txCount === 1 && !skb.lost) sample = now - skb.txTime; // Karn: never a retransmitted one
      if (skb.lost) {
        skb.lost = false;
        this.lostOut--;
      }
      this.qHead++;
      if (this.qSend < this.qHead) this.qSend = this.qHead;
      acked++;
    }
    if (this.qHead === this.q.length) {
      // Everything acknowledged: the sent skbs (and their data) go at once. A swarm's thousands
      // of long-lived connections (dispatcher sessions, raft) otherwise each kept up to 256.
      this.q.length = 0;
      this.qHead = 0;
      this.qSend = 0;
    } else if (this.qHead > 256 && this.qHead * 2 > this.q.length) {
      this.q.splice(0, this.qHead);
      this.qSend -= this.qHead;
      this.qHead = 0;
    }
    if (sample >= 0) {
      this.rtt.sample(sample / 1000, ack, this.sndNxt);
      this.backoff = 0;
    }
    this.retransStamp = 0;
    this.dupAcks = 0;
    this.confirmNeigh = true;
    this.congestionOnAck(acked, ack);
    // FIN acknowledged: the half-close moves on.
    if (this.finQueued && seqDiff(ack, this.writeSeq) === 0) {
      if (this.state === 'FIN_WAIT1') this.state = 'FIN_WAIT2';
      else if (this.state === 'CLOSING') this.enterTimeWait(false);
      else if (this.state === 'LAST_ACK') return this.abort();
    }
    if (this.packetsOut() === 0) {
      this.rtoAt = 0;
      if (this.qHead === this.q.length && this.handlers.onDrain !== undefined) {
        const h = this.handlers;
        this.ns.host.eq.at(now + WAKEUP_NS, () => h.onDrain?.(this));
      }
    } else this.rearmRto(now);
  }

  /** Reno/NewReno (tcp_cong.c tcp_reno_cong_avoid; RFC 6582 recovery). */
  private congestionOnAck(acked: number, ack: number): void {
    if (this.inRecovery) {
      if (seqDiff(ack, this.recover) >= 0) {
        this.inRecovery = false;
        this.cwnd = this.ssthresh;
      } else {
        // A partial ACK: the next hole is lost too; deflate by what left.
        this.markHeadLost();
        this.cwnd = Math.max(this.cwnd - acked + 1, 1);
      }
      return;
    }
    if (this.cwnd < this.ssthresh) {
      this.cwnd = Math.min(this.cwnd + acked, this.ssthresh);
      return;
    }
    this.cwndCnt += acked;
    if (this.cwndCnt >= this.cwnd) {
      this.cwndCnt -= this.cwnd;
      this.cwnd++;
    }
  }

  private dupAck(): void {
    this.dupAcks++;
    if (this.inRecovery) {
      this.cwnd++;
      return;
    }
    if (this.dupAcks === 3) {
      // Fast retransmit (tcp_enter_recovery): halve, resend the head.
      this.ssthresh = Math.max(this.packetsOut() >> 1, 2);
      this.cwnd = this.ssthresh + 3;
      this.inRecovery = true;
      this.recover = this.sndMax;
      this.markHeadLost();
    }
  }

  private markHeadLost(): void {
    const head = this.q[this.qHead];
    if (head !== undefined && this.qHead < this.qSend && !head.lost) {
      head.lost = true;
      this.lostOut++;
    }
  }

  /** tcp_data_queue: in-order data to the reader, out-of-order held; then the ACK decision. */
  private dataArrived(p: Packet): void {
    const fin = (p.tcpFlags & TCP_FIN) !== 0;
    if (this.peerClosed) return;
    let seq = p.tcpSeq;
    let len = p.payloadLen;
    let data = p.payload;
    const d = seqDiff(this.rcvNxt, seq);
    if (d > 0) {
      // Starts before rcv_nxt: a retransmission; keep only what is new.
      if (d >= len + (fin ? 1 : 0)) {
        this.sendAck(); // all old: a duplicate (tcp_send_dupack)
        return;
      }
      seq = this.rcvNxt;
      len -= d;
      if (data !== null) data = data.subarray(d);
    } else if (d < 0) {
      this.ofoQueue(seq, data, len, fin);
      this.sendAck(); // out of order: a duplicate ACK at once
      return;
    }
    this.queueInOrder(data, len, fin);
    // Drain what the out-of-order queue now continues.
    let more = true;
    while (more && this.ofo.length > 0 && !this.peerClosed) {
      more = false;
      for (let i = 0; i < this.ofo.length; i++) {
        const o = this.ofo[i]!;
        const od = seqDiff(this.rcvNxt, o.seq);
        if (od < 0) continue;
        this.ofo.splice(i, 1);
        if (od < o.len) this.queueInOrder(o.data === null ? null : o.data.subarray(od), o.len - od, o.fin);
        else if (o.fin && od === o.len) this.queueInOrder(null, 0, true);
        more = true;
        break;
      }
    }
    this.ackSndCheck(this.ofo.length > 0);
  }

  private ofoQueue(seq: number, data: Uint8Array | null, len: number, fin: boolean): void {
    for (const o of this.ofo) if (o.seq === seq && o.len >= len) return;
    this.ofo.push({ seq, data, len, fin });
  }

  private queueInOrder(data: Uint8Array | null, len: number, fin: boolean): void {
    if (len > 0) {
      if (this.ato === 0) {
        // tcp_event_data_recv on the first data: quick ACKs for the start of the stream.
        this.quick = Math.min(Math.max(Math.floor(this.rcvWnd / (2 * Math.max(this.rcvMss, len))), 2), MAX_QUICKACKS);
        this.ato = ATO_MIN;
      }
      if (len > this.rcvMss) this.rcvMss = len;
      this.lrcvTime = this.now();
      this.rcvNxt = (this.rcvNxt + len) >>> 0;
      this.bytesReceived += len;
      // tcp_grow_window: rcv_ssthresh grows two segments per full one, up to half of tcp_rmem[2].
      if (len >= this.rcvMss && this.rcvWnd < TCP_RMEM_MAX >>> 1) this.rcvWnd = Math.min(this.rcvWnd + 2 * this.rcvMss, TCP_RMEM_MAX >>> 1);
      if (this.rcvWnd > this.rcvWndMax) this.rcvWndMax = this.rcvWnd;
      this.rxq.push(data === null ? ZEROS.subarray(0, Math.min(len, ZEROS.length)) : data);
      if (data === null && len > ZEROS.length) for (let n = len - ZEROS.length; n > 0; n -= ZEROS.length) this.rxq.push(ZEROS.subarray(0, Math.min(n, ZEROS.length)));
    }
    if (fin) {
      this.rcvNxt = (this.rcvNxt + 1) >>> 0;
      this.peerClosed = true;
      this.rxFin = true;
      // tcp_fin: the ACK of a FIN waits (pingpong) for the application's own FIN to carry it.
      if (this.state === 'ESTABLISHED') {
        this.state = 'CLOSE_WAIT';
        this.pingpong = true;
      }
      else if (this.state === 'FIN_WAIT1') this.state = 'CLOSING';
      else if (this.state === 'FIN_WAIT2') this.enterTimeWait(true);
    }
    this.wakeReader();
  }

  /** __tcp_ack_snd_check. */
  private ackSndCheck(ofo: boolean): void {
    if (this.state === 'CLOSED') return;
    if (this.state === 'TIME_WAIT') return; // tcp_fin sent its ACK before tcp_time_wait
    if (this.state === 'CLOSING') return this.sendAck();
    const unacked = seqDiff(this.rcvNxt, this.rcvWup);
    if (unacked <= 0) return;
    if (ofo || (this.quick > 0 && !this.pingpong) || unacked > this.rcvMss) return this.sendAck();
    if (this.delackTimer < 0) this.delackTimer = this.ns.host.eq.at(timerExpiry(this.now(), Math.round(Math.max(this.ato, ATO_MIN) / JIFFY)), this.delackFire);
  }

  /** tcp_delack_timer_handler: one callback per connection (a swarm arms ~70,000 of these
   *  timers in a converge; a closure each was as many allocations). */
  private readonly delackFire = (): void => {
    this.delackTimer = -1;
    if (seqDiff(this.rcvNxt, this.rcvWup) <= 0) return;
    // A missed delayed ACK leaves pingpong mode, else inflates ato.
    if (this.pingpong) {
      this.pingpong = false;
      this.ato = ATO_MIN;
    } else this.ato = Math.min(this.ato * 2, this.rtt.rto);
    this.sendAck();
  };

  private cancelDelack(): void {
    if (this.delackTimer >= 0) this.ns.host.eq.cancel(this.delackTimer);
    this.delackTimer = -1;
  }

  /**
   * tcp_time_wait: the side that closed first keeps the connection 60 s (TCP_TIMEWAIT_LEN), long
   * enough to ACK a FIN sent again because its last ACK was lost, and so that the 4-tuple is not
   * reused while old segments may still arrive; `netstat -tan` shows it as TIME_WAIT.
   */
  private enterTimeWait(ack: boolean): void {
    // From FIN_WAIT2 the peer's FIN is ACKed first (tcp_fin: tcp_send_ack); from CLOSING the
    // ACK of our FIN leaves nothing to answer.
    if (ack) this.sendAck();
    this.cancelRtoTimer();
    this.cancelDelack();
    this.rtoAt = 0;
    this.state = 'TIME_WAIT';
    this.rescheduleTimeWait();
  }

  private rescheduleTimeWait(): void {
    const eq = this.ns.host.eq;
    if (this.twTimer >= 0) eq.cancel(this.twTimer);
    this.twTimer = eq.at(timerExpiry(this.now(), TCP_TIMEWAIT_LEN / JIFFY), () => {
      this.twTimer = -1;
      this.abort();
    });
  }

  /**
   * tcp_timewait_state_process for a segment other than an acceptable new SYN (tcpRcv hands that
   * to the listener, twSynIsn): an in-window RST kills the connection (tcp_rfc1337 off), an
   * in-window bare ACK restarts the timer, anything else (the peer's FIN again) is ACKed.
   */
  private timeWaitSegment(p: Packet): void {
    const f = p.tcpFlags;
    const seq = p.tcpSeq >>> 0;
    const end = (seq + p.payloadLen + (f & TCP_SYN ? 1 : 0) + (f & TCP_FIN ? 1 : 0)) >>> 0;
    if (seq === this.rcvNxt && (end === seq || f & TCP_RST)) {
      if (f & TCP_RST) return this.abort();
      return this.rescheduleTimeWait();
    }
    if (f & TCP_RST) return;
    if (f & TCP_ACK) this.rescheduleTimeWait();
    this.sendAck();
  }

  /**
   * A SYN for this 4-tuple while in TIME_WAIT: the ISN of the new connection when the SYN may
   * reopen it (a sequence number past the old one's, or a newer timestamp: RFC 1122 4.2.2.13),
   * else null (it is answered as any other segment in TIME_WAIT).
   */
  twSynIsn(p: Packet): number | null {
    if (this.state !== 'TIME_WAIT') return null;
    const newer = seqDiff(p.tcpSeq, this.rcvNxt) > 0 || (this.tsOk && (p.tcpOpts & TCPOPT_F_TS) !== 0 && ((this.tsRecent - p.tcpTsVal) | 0) < 0);
    if (!newer) return null;
    const isn = (this.sndNxt + 65535 + 2) >>> 0;
    return isn === 0 ? 1 : isn;
  }

  private wakeReader(): void {
    if (this.rxWake) return;
    this.rxWake = true;
    this.ns.host.eq.at(this.now() + WAKEUP_NS, this.wake);
  }

  /** The reader's wake-up: one callback per connection, and the queue swapped with a spare
   *  rather than copied (data that arrives meanwhile goes to the spare, for the next wake). */
  private readonly wake = (): void => {
    this.rxWake = false;
    const h = this.handlers;
    const chunks = this.rxq;
    this.rxq = this.rxSpare;
    this.rxSpare = chunks;
    for (let i = 0; i < chunks.length; i++) h.onData?.(this, chunks[i]!);
    chunks.length = 0;
    if (this.rxFin) {
      this.rxFin = false;
      h.onPeerClose?.(this);
    }
  };

  /** tcp_v4_err for an established connection: "fragmentation needed" lowers the MSS and resends
   *  what no longer fits (tcp_v4_mtu_reduced → tcp_simple_retransmit); others are soft errors. */
  mtuReduced(): void {
    const mss = this.mssNow();
    let marked = false;
    for (let i = this.qHead; i < this.qSend; i++) {
      const s = this.q[i]!;
      if (s.len > mss && !s.lost) {
        s.lost = true;
        this.lostOut++;
        marked = true;
      }
    }
    if (marked) this.pushPending();
  }
}

function concat(a: Uint8Array | null, alen: number, b: Uint8Array | null, boff: number, n: number): Uint8Array | null {
  if (a === null && b === null) return null;
  const out = new Uint8Array(alen + n);
  if (a !== null) out.set(a.subarray(0, alen));
  if (b !== null) out.set(b.subarray(boff, boff + n), alen);
  return out;
}
