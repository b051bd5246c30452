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

export class SocketTable {
  readonly ping = new Map<number, PingSocket>();
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

  addTcpConn(c: TcpConn): void {
    let m = this.tcpConns.get(c.lport);
    if (m === undefined) this.tcpConns.set(c.lport, (m = new Map()));
    m.set(c.raddr * 65536 + c.rport, c);
  }

  removeTcpConn(c: TcpConn): void {
    const m = this.tcpConns.get(c.lport);
    if (m === undefined) return;
    m.delete(c.raddr * 65536 + c.rport);
    if (m.size === 0) this.tcpConns.delete(c.lport);
  }

  portInUse(port: number): boolean {
    return this.udp.has(port) || this.tcpListeners.has(port) || this.tcpConns.has(port);
  }

  /** A free ephemeral port, drawn from `draw` (the host's seeded RNG) as the kernel randomises. */
  ephemeralPort(draw: (n: number) => number): number {
    const span = EPHEMERAL_HIGH - EPHEMERAL_LOW + 1;
    let port = EPHEMERAL_LOW + draw(span);
    for (let i = 0; i < span && this.portInUse(port); i++) port = port === EPHEMERAL_HIGH ? EPHEMERAL_LOW : port + 1;
    return port;
  }
}
