// ICMP (net/ipv4/icmp.c): the kernel answers echo requests itself, sends errors about packets it
// cannot deliver, and hands echo replies and errors to the sockets they concern.
import { formatIp4, isMulticast } from '../core/addr.js';
import {
  ICMP_DEST_UNREACH, ICMP_ECHO, ICMP_ECHOREPLY, ICMP_TIME_EXCEEDED, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, Packet,
} from '../wire/packet.js';
import type { NetDevice } from './device.js';
import { Drop } from './drop.js';
import { ipLocalOut, routeOutput, selectSource } from './ipv4.js';
import { WAKEUP_NS } from './latency.js';
import type { Netns } from './netns.js';
import { dropPacket } from './rx.js';
import { tcpError } from './tcp.js';

export function icmpRcv(ns: Netns, dev: NetDevice, pkt: Packet): void {
  const host = ns.host;
  switch (pkt.icmpType) {
    case ICMP_ECHO: {
      if (pkt.trace !== null) pkt.trace.end('delivered', 'echo request answered by the kernel', host.name, ns.label, dev.name, `ICMP echo request id ${pkt.icmpId} seq ${pkt.icmpSeq} answered`);
      const r = new Packet();
      r.ipSrc = pkt.ipDst;
      r.ipDst = pkt.ipSrc;
      r.ipProto = IPPROTO_ICMP;
      r.icmpType = ICMP_ECHOREPLY;
      r.icmpId = pkt.icmpId;
      r.icmpSeq = pkt.icmpSeq;
      r.payload = pkt.payload;
      r.payloadLen = pkt.payloadLen;
      r.tstamp = pkt.tstamp;
      r.trace = pkt.trace === null ? null : pkt.trace.reply();
      ipLocalOut(ns, r);
      return;
    }
    case ICMP_ECHOREPLY: {
      const sock = ns.sockets.ping.get(pkt.icmpId);
      if (sock === undefined) return dropPacket(ns, dev, pkt, Drop.NoListener, `no ping socket with id ${pkt.icmpId}`);
      if (pkt.trace !== null) pkt.trace.end('delivered', 'ping socket', host.name, ns.label, dev.name, `ICMP echo reply id ${pkt.icmpId} seq ${pkt.icmpSeq} to the ping socket`);
      host.eq.at(pkt.tstamp + WAKEUP_NS, () => sock.onReply(pkt));
      return;
    }
    case ICMP_DEST_UNREACH:
    case ICMP_TIME_EXCEEDED:
      return icmpErrorRcv(ns, dev, pkt);
    default:
      return dropPacket(ns, dev, pkt, Drop.Unsupported, `ICMP type ${pkt.icmpType}`);
  }
}

function icmpErrorRcv(ns: Netns, dev: NetDevice, pkt: Packet): void {
  const q = pkt.inner;
  const host = ns.host;
  if (q === null) return dropPacket(ns, dev, pkt, Drop.Unsupported, 'ICMP error without a quote');
  if (q.ipProto === IPPROTO_ICMP && q.icmpType === ICMP_ECHO) {
    const sock = ns.sockets.ping.get(q.icmpId);
    if (sock !== undefined) {
      if (pkt.trace !== null) pkt.trace.end('delivered', 'ping socket', host.name, ns.label, dev.name, 'ICMP error to the ping socket');
      host.eq.at(pkt.tstamp + WAKEUP_NS, () => sock.onError(pkt));
      return;
    }
  } else if (q.ipProto === IPPROTO_UDP) {
    const sock = ns.sockets.udp.get(q.sport);
    if (sock !== undefined && sock.onError !== undefined) {
      if (pkt.trace !== null) pkt.trace.end('delivered', 'udp socket', host.name, ns.label, dev.name, `ICMP error to the UDP socket on port ${q.sport}`);
      host.eq.at(pkt.tstamp + WAKEUP_NS, () => sock.onError!(pkt));
      return;
    }
  } else if (q.ipProto === IPPROTO_TCP) {
    if (tcpError(ns, pkt)) return;
  }
  dropPacket(ns, dev, pkt, Drop.NoListener, 'no socket for the quoted packet');
}

/**
 * Sends an ICMP error about `orig` back to its source (icmp_send). Never about an ICMP error,
 * a broadcast or a multicast; the quote is the datagram as it stands (after any NAT so far).
 */
export function icmpSend(ns: Netns, orig: Packet, type: number, code: number, info: number, inDev: NetDevice | null): void {
  if (orig.ipProto === IPPROTO_ICMP && orig.icmpType !== ICMP_ECHO && orig.icmpType !== ICMP_ECHOREPLY) return;
  if (orig.ipDst === 0xffffffff || isMulticast(orig.ipDst)) return;
  const r = routeOutput(ns, orig.ipSrc);
  if (r === null) return;
  const err = new Packet();
  err.ipProto = IPPROTO_ICMP;
  err.icmpType = type;
  err.icmpCode = code;
  err.icmpId = info;
  err.ipDst = orig.ipSrc;
  // A packet for one of our addresses is answered from that address; a forwarded one from the
  // address we would use to reach its sender.
  err.ipSrc = ns.isLocal(orig.ipDst) ? orig.ipDst : selectSource(ns, r, orig.ipSrc);
  err.inner = orig.clone();
  err.inner.inner = null;
  err.inner.trace = null;
  err.tstamp = orig.tstamp;
  err.trace = orig.trace === null ? null : orig.trace.reply();
  if (orig.trace !== null) {
    orig.trace.hop('icmp', ns.host.name, ns.label, inDev === null ? '' : inDev.name, `send ICMP type ${type} code ${code} to ${formatIp4(orig.ipSrc)}`);
  }
  ipLocalOut(ns, err);
}
