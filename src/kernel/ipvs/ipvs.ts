// IPVS in one namespace: the services, the connection table and the two halves of the data path
// the netfilter hooks call (net/netfilter/ipvs/ip_vs_core.c):
//   request() at LOCAL_IN (ip_vs_remote_request4): find or schedule the connection for a packet
//     to a virtual service; the caller rewrites the destination and sends it on (ip_vs_nat_xmit);
//   reply() at FORWARD and LOCAL_IN (ip_vs_reply4): a real server's answer gets the virtual
//     address back as its source.
import type { Ip4 } from '../../core/addr.js';
import { IPPROTO_TCP, IPPROTO_UDP, TCP_ACK, TCP_RST, TCP_SYN } from '../../wire/packet.js';
import type { Packet } from '../../wire/packet.js';
import type { EventQueue } from '../../sim/clock.js';
import { JIFFY, timerExpiry } from '../timer.js';
import { ConnTable, IP_VS_TCP_S_ESTABLISHED, IP_VS_TCP_S_FIN_WAIT, IpvsConn, defaultTimeouts, nextTcpState, stateTimeout } from './conn.js';
import type { IpvsTimeouts } from './conn.js';
import { newScheduler } from './schedulers.js';
import { IpvsDest, IpvsService } from './service.js';
import type { FwdMethod } from './service.js';

/** An ipvsadm refusal (libipvs' ipvs_strerror text). */
export class IpvsError extends Error {}

export interface ServiceKey {
  fwmark: number;
  proto: number;
  addr: Ip4;
  port: number;
}

/** request() found a service but no server to give the connection to. */
export const NO_DEST = 'no-dest';

export class Ipvs {
  readonly services: IpvsService[] = [];
  readonly conns: ConnTable;
  readonly timeouts: IpvsTimeouts = defaultTimeouts();
  private readonly byFwmark = new Map<number, IpvsService>();
  private readonly byAddr = new Map<number, IpvsService[]>();

  /** `eq` runs the connection timers (none without it: a table only for scheduling tests). */
  constructor(eq: EventQueue | null = null) {
    this.conns = new ConnTable(eq);
  }

  private static addrKey(proto: number, port: number): number {
    return proto * 65536 + port;
  }

  get empty(): boolean {
    return this.services.length === 0;
  }

  find(k: ServiceKey): IpvsService | undefined {
    if (k.fwmark !== 0) return this.byFwmark.get(k.fwmark);
    return this.byAddr.get(Ipvs.addrKey(k.proto, k.port))?.find((s) => s.addr === k.addr);
  }

  /** The service a packet is for (ip_vs_service_find: fwmark first). */
  lookup(pkt: Packet): IpvsService | null {
    if (pkt.mark !== 0) {
      const s = this.byFwmark.get(pkt.mark);
      if (s !== undefined) return s;
    }
    const list = this.byAddr.get(Ipvs.addrKey(pkt.ipProto, pkt.dport));
    if (list !== undefined) for (const s of list) if (s.addr === pkt.ipDst) return s;
    return null;
  }

  addService(k: ServiceKey, sched: string, persistent: number): IpvsService {
    if (this.find(k) !== undefined) throw new IpvsError('Service already exists');
    const s = newScheduler(sched);
    if (s === null) throw new IpvsError('Scheduler not found');
    const svc = new IpvsService(k.fwmark, k.proto, k.addr, k.port, s);
    svc.persistent = persistent;
    this.services.push(svc);
    if (k.fwmark !== 0) this.byFwmark.set(k.fwmark, svc);
    else {
      const key = Ipvs.addrKey(k.proto, k.port);
      const l = this.byAddr.get(key);
      if (l === undefined) this.byAddr.set(key, [svc]);
      else l.push(svc);
    }
    return svc;
  }

  editService(k: ServiceKey, sched: string, persistent: number): void {
    const svc = this.find(k);
    if (svc === undefined) throw new IpvsError('No such service');
    const s = newScheduler(sched);
    if (s === null) throw new IpvsError('Scheduler not found');
    if (s.name !== svc.sched.name) {
      // ip_vs_bind_scheduler: the new scheduler's init_service sees the servers already there.
      svc.sched = s;
      s.init(svc);
    }
    svc.persistent = persistent;
  }

  delService(k: ServiceKey): void {
    const svc = this.find(k);
    if (svc === undefined) throw new IpvsError('No such service');
    this.services.splice(this.services.indexOf(svc), 1);
    if (svc.fwmark !== 0) this.byFwmark.delete(svc.fwmark);
    else {
      const l = this.byAddr.get(Ipvs.addrKey(svc.proto, svc.port))!;
      l.splice(l.indexOf(svc), 1);
    }
    for (const c of [...this.conns.all]) if (c.svc === svc) this.conns.remove(c);
  }

  clear(): void {
    for (const s of [...this.services]) this.delService(s);
  }

  addDest(k: ServiceKey, addr: Ip4, port: number, weight: number, fwd: FwdMethod): void {
    const svc = this.find(k);
    if (svc === undefined) throw new IpvsError('Service not defined');
    const p = svc.fwmark !== 0 ? port : port === 0 ? svc.port : port;
    if (svc.findDest(addr, p) !== undefined) throw new IpvsError('Destination already exists');
    // __ip_vs_update_dest: list_add_rcu puts the new server at the head of the list.
    const d = new IpvsDest(addr, p, weight, fwd);
    svc.dests.unshift(d);
    svc.sched.addDest(svc, d);
  }

  editDest(k: ServiceKey, addr: Ip4, port: number, weight: number, fwd: FwdMethod): void {
    const svc = this.find(k);
    if (svc === undefined) throw new IpvsError('Service not defined');
    const p = svc.fwmark !== 0 ? port : port === 0 ? svc.port : port;
    const d = svc.findDest(addr, p);
    if (d === undefined) throw new IpvsError('No such destination');
    d.weight = weight;
    d.fwd = fwd;
    svc.sched.updDest(svc, d);
  }

  delDest(k: ServiceKey, addr: Ip4, port: number): void {
    const svc = this.find(k);
    if (svc === undefined) throw new IpvsError('Service not defined');
    const p = svc.fwmark !== 0 ? port : port === 0 ? svc.port : port;
    const d = svc.findDest(addr, p);
    if (d === undefined) throw new IpvsError('No such destination');
    const i = svc.dests.indexOf(d);
    svc.dests.splice(i, 1);
    for (const c of [...this.conns.all]) if (c.dest === d) this.conns.remove(c);
    svc.sched.delDest(svc, d, i);
  }

  /**
   * ip_vs_in for a packet at LOCAL_IN: its connection (found, or scheduled now), null when
   * IPVS does not handle it, or NO_DEST when the service has no server for it.
   */
  request(pkt: Packet, now: number): IpvsConn | null | typeof NO_DEST {
    const proto = pkt.ipProto;
    if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) return null;
    let c = this.conns.inLookup(proto, pkt.ipSrc, pkt.sport, pkt.ipDst, pkt.dport);
    if (c !== null && (c.fireAt <= now || (proto === IPPROTO_TCP && (pkt.tcpFlags & (TCP_SYN | TCP_ACK)) === TCP_SYN && c.state >= IP_VS_TCP_S_FIN_WAIT))) {
      // Its timer is due (a packet running ahead of the clock within one walk), or a new SYN on a
      // closing connection (conn_reuse_mode): schedule afresh.
      this.conns.remove(c);
      c = null;
    }
    if (c === null) {
      const svc = this.lookup(pkt);
      if (svc === null) return null;
      // TCP is scheduled on a SYN only (tcp_conn_schedule).
      if (proto === IPPROTO_TCP && (pkt.tcpFlags & (TCP_SYN | TCP_ACK | TCP_RST)) !== TCP_SYN) return null;
      const d = svc.sched.schedule(svc, pkt);
      if (d === null) return NO_DEST;
      c = new IpvsConn(proto, pkt.ipSrc, pkt.sport, pkt.ipDst, pkt.dport, d.addr, d.port !== 0 ? d.port : pkt.dport, svc, d);
      d.inactConns++;
      svc.stats.conns++;
      d.stats.conns++;
      this.conns.add(c);
    }
    const bytes = pkt.ipTotalLength();
    c.svc.stats.inpkts++;
    c.svc.stats.inbytes += bytes;
    c.dest.stats.inpkts++;
    c.dest.stats.inbytes += bytes;
    this.transition(c, pkt, true, now);
    return c;
  }

  /** ip_vs_out: a real server's reply; its connection, or null. */
  reply(pkt: Packet, now: number): IpvsConn | null {
    const proto = pkt.ipProto;
    if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) return null;
    const c = this.conns.outLookup(proto, pkt.ipSrc, pkt.sport, pkt.ipDst, pkt.dport);
    if (c === null) return null;
    if (c.fireAt <= now) {
      this.conns.remove(c);
      return null;
    }
    const bytes = pkt.ipTotalLength();
    c.svc.stats.outpkts++;
    c.svc.stats.outbytes += bytes;
    c.dest.stats.outpkts++;
    c.dest.stats.outbytes += bytes;
    this.transition(c, pkt, false, now);
    return c;
  }

  private transition(c: IpvsConn, pkt: Packet, input: boolean, now: number): void {
    let s = c.state;
    if (c.proto === IPPROTO_TCP) {
      s = nextTcpState(s, pkt.tcpFlags, input);
      const active = s === IP_VS_TCP_S_ESTABLISHED;
      if (active && c.inactive) {
        c.inactive = false;
        c.dest.inactConns--;
        c.dest.activeConns++;
      } else if (!active && !c.inactive) {
        c.inactive = true;
        c.dest.activeConns--;
        c.dest.inactConns++;
      }
      c.state = s;
    }
    // ip_vs_conn_put → mod_timer(&cp->timer, jiffies + timeout): the timer wheel runs it at the
    // end of the bucket that holds the deadline (900 s: 16.384 s buckets at HZ=250).
    const t = stateTimeout(c.state, this.timeouts, c.proto);
    c.expires = now + t;
    c.fireAt = timerExpiry(now, t / JIFFY);
    this.conns.timers.watch(c, c.fireAt);
  }
}
