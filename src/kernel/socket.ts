// The sockets of one namespace: ping (ICMP echo) sockets by identifier, UDP sockets by port, TCP
// listeners and connections. Kernel-owned sockets (the VXLAN UDP socket) are called synchronously
// inside the packet walk; a user-space socket is woken through the event queue at the time the
// packet arrived, as a process would be.
import type { Ip4 } from '../core/addr.js';
import type { Packet } from '../wire/packet.js';
import type { TcpConn, TcpListener } from './tcp.js';

export interface PingSocket {
  onReply(pkt: Packet): void;
  /** An ICMP error quoting one of our echo requests (unreachable, time exceeded, frag needed). */
  onError(err: Packet): void;
}

export interface UdpSocket {
  readonly port: number;
  /** Bound address; 0 for INADDR_ANY. */
  readonly addr: Ip4;
  /** Runs inside the packet walk instead of waking a process (in-kernel users like VXLAN). */
  readonly kernel: boolean;
  onDatagram(pkt: Packet): void;
  onError?(err: Packet): void;
}

/** Linux's default net.ipv4.ip_local_port_range. */
export const EPHEMERAL_LOW = 32768;
export const EPHEMERAL_HIGH = 60999;

/** EADDRNOTAVAIL: connect(2) found no free local port for the destination. */
export const EADDRNOTAVAIL = 99;

/** __inet_hash_connect's port step: connect() takes ports of the range's low parity first. */
const CONNECT_STEP = 2;

export class SocketTable {
  readonly ping = new Map<number, PingSocket>();
  /** Connections whose port was bound before connect(2) (a bind bucket with fastreuse >= 0). */
  private readonly bound = new Set<TcpConn>();
  /** inet_hashtables.c table_perturb (2^16 slots; only the few a namespace's destinations hash
   *  to are kept) and this namespace's share of the boot secret secure_ipv4_port_ephemeral hashes
   *  with (net_secret, net_hash_mix), drawn at its first connect. */
  private perturb: Map<number, number> | null = null;
  private secret = 0;
  readonly udp = new Map<number, UdpSocket>();
  readonly tcpListeners = new Map<number, TcpListener>();
  /** Connections by local port, then by remote address and port. */
  readonly tcpConns = new Map<number, Map<number, TcpConn>>();

  bindUdp(sock: UdpSocket): boolean {
    if (this.udp.has(sock.port)) return false;
    this.udp.set(sock.port, sock);
    return true;
  }

  unbindUdp(port: number): void {
    this.udp.delete(port);
  }

  tcpConn(lport: number, raddr: Ip4, rport: number): TcpConn | undefined {
    return this.tcpConns.get(lport)?.get(raddr * 65536 + rport);
  }

  addTcpConn(c: TcpConn, bound = false): void {
    if (bound) this.bound.add(c);
    let m = this.tcpConns.get(c.lport);
    if (m === undefined) this.tcpConns.set(c.lport, (m = new Map()));
    m.set(c.raddr * 65536 + c.rport, c);
  }

  removeTcpConn(c: TcpConn): void {
    this.bound.delete(c);
    const m = this.tcpConns.get(c.lport);
    if (m === undefined) return;
    m.delete(c.raddr * 65536 + c.rport);
    if (m.size === 0) this.tcpConns.delete(c.lport);
  }

  portInUse(port: number): boolean {
    return this.udp.has(port) || this.tcpListeners.has(port) || this.tcpConns.has(port);
  }

  /**
   * The local port connect(2) picks for daddr:dport (__inet_hash_connect, Linux >= 6.0): a scan
   * of even ports from an offset hashed from (saddr, daddr, dport) with a secret plus that hash's
   * table_perturb slot, the slot advanced after each connect by the ports tried plus 2, or by a
   * random 2-16 when the first port was free ("add small random increments to the source port").
   * So connects to one destination walk up the range a few ports at a time (a real `curl` loop's
   * ports: 49062, 49064, 49076, 49080 …), and come back to a port after about 3,000 connections. A
   * port is taken by a listener, a port bound before connect, or a connection with the same peer
   * (check_established); other connections share it. 0 when none is free (EADDRNOTAVAIL).
   */
  connectPort(saddr: Ip4, daddr: Ip4, dport: number, draw: (n: number) => number): number {
    if (this.perturb === null) {
      this.perturb = new Map();
      this.secret = draw(0x100000000);
    }
    let h = Math.imul(saddr ^ this.secret, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13) ^ daddr, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 16) ^ dport, 0x27d4eb2f);
    h ^= h >>> 15;
    const index = h & 0xffff;
    const low = EPHEMERAL_LOW;
    const remaining = (EPHEMERAL_HIGH + 1 - low) & ~1;
    const perturb = this.perturb.get(index) ?? 0;
    let offset = ((perturb + (Math.imul(h, 0x9e3779b1) >>> 0)) % remaining) & ~1;
    const key = daddr * 65536 + dport;
    for (let parity = 0; parity < 2; parity++, offset++) {
      let port = low + offset;
      for (let i = 0; i < remaining; i += CONNECT_STEP, port += CONNECT_STEP) {
        if (port >= low + remaining) port -= remaining;
        if (this.tcpListeners.has(port)) continue;
        const m = this.tcpConns.get(port);
        if (m !== undefined && (m.has(key) || this.anyBound(m))) continue;
        this.perturb.set(index, (perturb + Math.max(i, draw(8) * CONNECT_STEP) + CONNECT_STEP) >>> 0);
        return port;
      }
    }
    return 0;
  }

  private anyBound(m: Map<number, TcpConn>): boolean {
    if (this.bound.size === 0) return false;
    for (const c of m.values()) if (this.bound.has(c)) return true;
    return false;
  }

  /** A free ephemeral port, drawn from `draw` (the host's seeded RNG) as the kernel randomises. */
  ephemeralPort(draw: (n: number) => number): number {
    const span = EPHEMERAL_HIGH - EPHEMERAL_LOW + 1;
    let port = EPHEMERAL_LOW + draw(span);
    for (let i = 0; i < span && this.portInUse(port); i++) port = port === EPHEMERAL_HIGH ? EPHEMERAL_LOW : port + 1;
    return port;
  }
}
