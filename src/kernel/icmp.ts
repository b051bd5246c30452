// ICMP (net/ipv4/icmp.c): the kernel answers echo requests itself, sends errors about packets it
// cannot deliver, and hands echo replies and errors to the sockets they concern.
import { formatIp4, isMulticast } from '../core/addr.js';
import {
  ICMP_DEST_UNREACH, ICMP_ECHO, ICMP_ECHOREPLY, ICMP_FRAG_NEEDED, ICMP_TIME_EXCEEDED, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, Packet,
} from '../wire/packet.js';
import type { Ip4 } from '../core/addr.js';
import type { Nanos } from '../sim/clock.js';
import { SEC } from '../sim/clock.js';
import type { NetDevice } from './device.js';
import { Drop } from './drop.js';
import { ipLocalOut, routeOutput, selectSource } from './ipv4.js';
import { WAKEUP_NS } from './latency.js';
import type { Netns } from './netns.js';
import { updatePmtu } from './pmtu.js';
import { dropPacket } from './kfree-skb.js';
import { tcpError } from './tcp.js';
import { traceEnd, tracepoint } from './tracepoint.js';

export function icmpRcv(ns: Netns, dev: NetDevice, pkt: Packet): void {
  const host = ns.host;
  ns.snmp.icmpIn(pkt.icmpType);
  switch (pkt.icmpType) {
    case ICMP_ECHO: {
      if (pkt.trace !== null) traceEnd(pkt, ns, dev, { kind: 'deliver', reason: 'echo request answered by the kernel', what: 'echo-request', addr: formatIp4(pkt.ipDst), port: pkt.icmpId });
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
      ipLocalOut(ns, r, false);
      return;
    }
    case ICMP_ECHOREPLY: {
      const sock = ns.sockets.ping.get(pkt.icmpId);
      if (sock === undefined) return dropPacket(ns, dev, pkt, Drop.NoListener, `no ping socket with id ${pkt.icmpId}`);
      if (pkt.trace !== null) traceEnd(pkt, ns, dev, { kind: 'deliver', reason: 'ping socket', what: 'echo-reply', addr: formatIp4(pkt.ipDst), port: pkt.icmpId });
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
      // ping_err → ipv4_sk_update_pmtu: "fragmentation needed" lowers the path MTU, so the next
      // `ping -M do` of that size fails locally ("message too long, mtu=…").
      if (pkt.icmpType === ICMP_DEST_UNREACH && pkt.icmpCode === ICMP_FRAG_NEEDED) updatePmtu(ns, q.ipDst, pkt.icmpId, pkt.tstamp);
      if (pkt.trace !== null) traceEnd(pkt, ns, dev, { kind: 'deliver', reason: 'ping socket', what: 'ping-error', addr: formatIp4(pkt.ipDst), port: q.icmpId });
      host.eq.at(pkt.tstamp + WAKEUP_NS, () => sock.onError(pkt));
      return;
    }
  } else if (q.ipProto === IPPROTO_UDP) {
    const sock = ns.sockets.udp.get(q.sport);
    if (sock !== undefined && pkt.icmpType === ICMP_DEST_UNREACH && pkt.icmpCode === ICMP_FRAG_NEEDED) {
      updatePmtu(ns, q.ipDst, pkt.icmpId, pkt.tstamp); // __udp4_lib_err → ipv4_sk_update_pmtu
    }
    if (sock !== undefined && sock.onError !== undefined) {
      if (pkt.trace !== null) traceEnd(pkt, ns, dev, { kind: 'deliver', reason: 'udp socket', what: 'udp-error', addr: formatIp4(pkt.ipDst), port: q.sport });
      host.eq.at(pkt.tstamp + WAKEUP_NS, () => sock.onError!(pkt));
      return;
    }
  } else if (q.ipProto === IPPROTO_TCP) {
    if (tcpError(ns, pkt)) {
      // The error reached its connection (tcp_v4_err): that is where the answer ends.
      if (pkt.trace !== null) traceEnd(pkt, ns, dev, { kind: 'deliver', reason: 'tcp socket', what: 'tcp-error', addr: formatIp4(q.ipSrc), port: q.sport });
      return;
    }
  }
  dropPacket(ns, dev, pkt, Drop.NoListener, 'no socket for the quoted packet');
}

/**
 * icmp_err_convert (net/ipv4/icmp.c): the errno a socket gets for each destination-unreachable
 * code, and whether it is a hard ("fatal") error. Net and host unreachable are soft (RFC 1122):
 * a connected UDP socket ignores them; a connecting TCP socket still fails on any of them.
 */
const ICMP_ERR_CONVERT: ReadonlyArray<readonly [errno: number, fatal: boolean]> = [
  [101, false], // NET_UNREACH: ENETUNREACH
  [113, false], // HOST_UNREACH: EHOSTUNREACH
  [92, true], // PROT_UNREACH: ENOPROTOOPT
  [111, true], // PORT_UNREACH: ECONNREFUSED
  [90, false], // FRAG_NEEDED: EMSGSIZE
  [95, false], // SR_FAILED: EOPNOTSUPP
  [101, true], // NET_UNKNOWN: ENETUNREACH
  [112, true], // HOST_UNKNOWN: EHOSTDOWN
  [64, true], // HOST_ISOLATED: ENONET
  [101, true], // NET_ANO: ENETUNREACH
  [113, true], // HOST_ANO: EHOSTUNREACH
  [101, false], // NET_UNR_TOS: ENETUNREACH
  [113, false], // HOST_UNR_TOS: EHOSTUNREACH
  [113, true], // PKT_FILTERED: EHOSTUNREACH
  [113, true], // PREC_VIOLATION: EHOSTUNREACH
  [113, true], // PREC_CUTOFF: EHOSTUNREACH
];

/** The errno and hardness of an ICMP error (as tcp_v4_err and __udp4_lib_err read it); null for
 *  one that concerns no socket error. Time exceeded is a soft EHOSTUNREACH. */
export function icmpErrConvert(type: number, code: number): { errno: number; fatal: boolean } | null {
  if (type === ICMP_TIME_EXCEEDED) return { errno: 113, fatal: false };
  if (type !== ICMP_DEST_UNREACH) return null;
  const e = ICMP_ERR_CONVERT[code];
  return e === undefined ? { errno: 113, fatal: false } : { errno: e[0], fatal: e[1] };
}

/** One inet_peer's rate-limit bucket (per namespace, per remote address); tokens in ns. */
export interface PeerBucket {
  tokens: Nanos;
  last: Nanos;
}

/** The bucket for `ip`; a new peer starts full, as inet_getpeer backdates rate_last. */
export function peerBucket(ns: Netns, ip: Ip4, now: Nanos): PeerBucket {
  let b = ns.icmpPeers.get(ip);
  if (b === undefined) ns.icmpPeers.set(ip, (b = { tokens: 0, last: now - 60 * SEC }));
  return b;
}

/** inet_peer_xrlim_allow: refill by elapsed time up to `burst`, then spend `cost` if there is enough. */
export function peerAllow(b: PeerBucket, now: Nanos, cost: Nanos, burst: Nanos): boolean {
  if (now > b.last) {
    b.tokens = Math.min(b.tokens + (now - b.last), burst);
    b.last = now;
  }
  if (b.tokens < cost) return false;
  b.tokens -= cost;
  return true;
}

/** net.ipv4.icmp_ratelimit (1000 ms) and XRLIM_BURST_FACTOR (6). */
const ICMP_RATELIMIT: Nanos = SEC;
const XRLIM_BURST: Nanos = 6 * ICMP_RATELIMIT;

/**
 * icmpv4_xrlim_allow: errors of the types in net.ipv4.icmp_ratemask (destination unreachable,
 * source quench, time exceeded, parameter problem) are limited per destination to one per
 * icmp_ratelimit, with a burst of 6; "fragmentation needed" is exempt (PMTU discovery), and so is
 * an error routed out through the loopback device (to one of our own addresses).
 */
function icmpRateAllow(ns: Netns, type: number, code: number, dst: Ip4, viaLoopback: boolean, now: Nanos): boolean {
  if (viaLoopback) return true;
  if (type !== ICMP_DEST_UNREACH && type !== 4 && type !== ICMP_TIME_EXCEEDED && type !== 12) return true;
  if (type === ICMP_DEST_UNREACH && code === ICMP_FRAG_NEEDED) return true;
  return peerAllow(peerBucket(ns, dst, now), now, ICMP_RATELIMIT, XRLIM_BURST);
}

/**
 * Sends an ICMP error about `orig` back to its source (icmp_send). Never about an ICMP error,
 * a broadcast or a multicast; the quote is the datagram as it stands (after any NAT so far).
 */
export function icmpSend(ns: Netns, orig: Packet, type: number, code: number, info: number, inDev: NetDevice | null): void {
  if (orig.ipProto === IPPROTO_ICMP && orig.icmpType !== ICMP_ECHO && orig.icmpType !== ICMP_ECHOREPLY) return;
  if (orig.ipDst === 0xffffffff || isMulticast(orig.ipDst)) return;
  // "Only reply to fragment 0": a later piece has no transport header to quote.
  if (orig.fragOf !== null && orig.ipFragOff !== 0) return;
  const r = routeOutput(ns, orig.ipSrc);
  if (r === null) return;
  if (!icmpRateAllow(ns, type, code, orig.ipSrc, r.type === 'local', orig.tstamp)) {
    ns.snmp.Icmp.OutRateLimitHost++;
    if (orig.trace !== null) tracepoint(orig, ns, inDev, { kind: 'icmp', op: 'ratelimited', type, code, to: formatIp4(orig.ipSrc) });
    return;
  }
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
  // icmp_glue_bits: nf_ct_attach(skb, icmp_param->skb), the error joins orig's connection.
  if (ns.netfilter !== null) ns.netfilter.attach(err, orig);
  if (orig.trace !== null) tracepoint(orig, ns, inDev, { kind: 'icmp', op: 'send', type, code, to: formatIp4(orig.ipSrc) });
  ipLocalOut(ns, err, false);
}

/** An echo request as a ping socket sends it (the kernel fills source, TTL and checksum). */
export function echoRequest(id: number, seq: number, dst: Ip4, size: number, now: Nanos): Packet {
  const p = new Packet();
  p.ipProto = IPPROTO_ICMP;
  p.icmpType = ICMP_ECHO;
  p.icmpId = id;
  p.icmpSeq = seq;
  p.ipDst = dst;
  p.payloadLen = size;
  p.tstamp = now;
  return p;
}
