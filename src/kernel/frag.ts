// IPv4 fragmentation and reassembly.
//   ipFragment (ip_fragment → ip_do_fragment, net/ipv4/ip_output.c): a datagram without DF that
//     is larger than the output MTU leaves in pieces of at most the MTU, each carrying a multiple
//     of 8 bytes of the datagram's payload except the last; a datagram this namespace reassembled
//     (nf_defrag) leaves in pieces no larger than the largest it arrived in (frag_max_size).
//   ipDefrag (ip_defrag, net/ipv4/ip_fragment.c): pieces wait in a queue per (source,
//     destination, id, protocol) until all have come; local delivery reassembles, and so does
//     netfilter before PREROUTING and OUTPUT (nf_defrag_ipv4: conntrack sees whole datagrams). A
//     queue still incomplete after net.ipv4.ipfrag_time (30 s) is dropped, with an ICMP "fragment
//     reassembly time exceeded" when its first piece had come (ip_expire).
// A piece is a Packet whose `fragOf` is the whole datagram (its transport header and data); it
// carries `fragLen` bytes of it from `ipFragOff`. The first piece keeps the transport ports (what
// a filter sees of it); later ones have none.
import type { Packet } from '../wire/packet.js';
import { IP_HLEN, Packet as Pkt } from '../wire/packet.js';
import { SEC } from '../sim/clock.js';
import type { NetDevice } from './device.js';
import { Drop } from './drop.js';
import { icmpSend } from './icmp.js';
import type { Netns } from './netns.js';
import { dropPacket } from './kfree-skb.js';
import { tracepoint } from './tracepoint.js';

/** net.ipv4.ipfrag_time: seconds a queue waits for its missing pieces. */
const IPFRAG_TIME = 30;
/** ICMP_TIME_EXCEEDED code 1: ICMP_EXC_FRAGTIME. */
const ICMP_TIME_EXCEEDED = 11;
const ICMP_EXC_FRAGTIME = 1;

/** Is this packet a fragment (MF set or a non-zero offset)? */
export function isFragment(pkt: Packet): boolean {
  return pkt.fragOf !== null;
}

/** A piece of `whole` (the IP header as `head` has it) with `len` bytes from `off`. */
function piece(head: Packet, whole: Packet, off: number, len: number, mf: boolean): Packet {
  const f = new Pkt();
  f.takeIpHeader(head);
  f.ipDf = false;
  if (off === 0) {
    f.sport = whole.sport;
    f.dport = whole.dport;
    f.icmpType = whole.icmpType;
    f.icmpCode = whole.icmpCode;
    f.icmpId = whole.icmpId;
    f.icmpSeq = whole.icmpSeq;
    f.tcpFlags = whole.tcpFlags;
    f.tcpSeq = whole.tcpSeq;
    f.tcpAck = whole.tcpAck;
    f.payloadLen = whole.payloadLen; // what the transport header says (a trace words it)
  }
  f.fragOf = whole;
  f.ipFragOff = off;
  f.fragLen = len;
  f.ipMf = mf;
  f.mark = head.mark;
  f.ct = head.ct;
  // A trace follows the first piece (the one with the transport header) to its reassembly.
  f.trace = off === 0 ? head.trace : null;
  f.tstamp = head.tstamp;
  f.depth = head.depth;
  return f;
}

/**
 * ip_do_fragment: sends `pkt` out as pieces that fit `mtu` through `out` (the neighbour layer);
 * IpFragOKs counts the datagram and IpFragCreates each piece. A piece of a piece stays a piece of
 * the original datagram (its offsets add; the last keeps the original's MF).
 */
export function ipFragment(ns: Netns, dev: NetDevice, pkt: Packet, mtu: number, out: (f: Packet) => number | void): number | void {
  const max = pkt.fragMax !== 0 && pkt.fragMax < mtu ? pkt.fragMax : mtu;
  const step = ((max - IP_HLEN) >> 3) << 3;
  const whole = pkt.fragOf ?? pkt;
  const base = pkt.fragOf !== null ? pkt.ipFragOff : 0;
  const total = pkt.fragOf !== null ? pkt.fragLen : pkt.l4Length();
  const lastMf = pkt.fragOf !== null ? pkt.ipMf : false;
  if (pkt.fragOf === null && total <= step) {
    // Reassembled here and small enough to leave whole: no pieces to make.
    pkt.fragMax = 0;
    return out(pkt);
  }
  if (pkt.ipId === 0 && pkt.fragOf === null) pkt.ipId = ns.nextIpId();
  if (pkt.trace !== null) tracepoint(pkt, ns, dev, { kind: 'fragment', mtu: max, pieces: Math.ceil(total / step) });
  let rc: number | void = undefined;
  for (let off = 0; off < total; off += step) {
    const len = Math.min(step, total - off);
    const f = piece(pkt, whole, base + off, len, off + len < total || lastMf);
    ns.snmp.Ip.FragCreates++;
    // ip_finish_output2 counts each piece it sends (OutTransmits); ipFinishOutput counted the first.
    if (off !== 0) ns.snmp.Ip.OutTransmits++;
    const r = out(f);
    if (r !== undefined && r !== 0) rc = r;
  }
  ns.snmp.Ip.FragOKs++;
  return rc;
}

/** A datagram being reassembled. */
interface FragQueue {
  pieces: Packet[];
  /** The datagram's payload length, once the last piece (MF clear) came; -1 before. */
  total: number;
  timer: number;
}

function queueKey(p: Packet): string {
  return `${p.ipSrc},${p.ipDst},${p.ipId},${p.ipProto}`;
}

/**
 * ip_defrag: queues a piece; returns the whole datagram when this piece completed it, else null
 * (the piece is held). IpReasmReqds counts every piece, IpReasmOKs every datagram rebuilt.
 */
export function ipDefrag(ns: Netns, dev: NetDevice | null, pkt: Packet): Packet | null {
  ns.snmp.Ip.ReasmReqds++;
  const key = queueKey(pkt);
  let q = ns.ipfrags.get(key);
  if (q === undefined) {
    const eq = ns.host.eq;
    const at = (pkt.tstamp > eq.now ? pkt.tstamp : eq.now) + IPFRAG_TIME * SEC;
    const nq: FragQueue = { pieces: [], total: -1, timer: -1 };
    nq.timer = eq.at(at, () => expire(ns, key, nq, dev));
    ns.ipfrags.set(key, nq);
    q = nq;
  }
  q.pieces.push(pkt);
  if (!pkt.ipMf) q.total = pkt.ipFragOff + pkt.fragLen;
  if (pkt.trace !== null) tracepoint(pkt, ns, dev, { kind: 'defrag', offset: pkt.ipFragOff, len: pkt.fragLen, more: pkt.ipMf });
  if (q.total < 0) return null;
  // Complete when the pieces, by offset, cover 0..total without a gap.
  const byOff = [...q.pieces].sort((a, b) => a.ipFragOff - b.ipFragOff);
  let end = 0;
  for (const p of byOff) {
    if (p.ipFragOff > end) return null;
    end = Math.max(end, p.ipFragOff + p.fragLen);
  }
  if (end < q.total) return null;
  ns.host.eq.cancel(q.timer);
  ns.ipfrags.delete(key);
  ns.snmp.Ip.ReasmOKs++;
  const first = byOff[0]!;
  const whole = first.fragOf!.clone();
  // The rebuilt datagram has the first piece's IP header and the last piece's arrival time;
  // it leaves again in pieces no larger than the largest it came in (frag_max_size).
  whole.ipSrc = first.ipSrc;
  whole.ipDst = first.ipDst;
  whole.ipTtl = first.ipTtl;
  whole.ipTos = first.ipTos;
  whole.ipId = first.ipId;
  whole.ipDf = false;
  whole.mark = pkt.mark;
  whole.ct = pkt.ct;
  whole.trace = first.trace ?? pkt.trace;
  whole.depth = pkt.depth;
  let latest = 0;
  let biggest = 0;
  for (const p of byOff) {
    if (p.tstamp > latest) latest = p.tstamp;
    const size = IP_HLEN + p.fragLen;
    if (size > biggest) biggest = size;
  }
  whole.tstamp = latest;
  whole.fragMax = biggest;
  return whole;
}

/** ip_expire: the queue's time ran out. */
function expire(ns: Netns, key: string, q: FragQueue, dev: NetDevice | null): void {
  if (ns.ipfrags.get(key) !== q) return;
  ns.ipfrags.delete(key);
  ns.snmp.Ip.ReasmFails++;
  ns.snmp.Ip.ReasmTimeout++;
  const first = q.pieces.find((p) => p.ipFragOff === 0);
  const last = q.pieces[q.pieces.length - 1]!;
  if (first !== undefined) {
    // "Send an ICMP 'Fragment Reassembly Timeout' message" about the first piece, if it came.
    first.tstamp = ns.host.eq.now;
    icmpSend(ns, first, ICMP_TIME_EXCEEDED, ICMP_EXC_FRAGTIME, 0, dev);
  }
  last.tstamp = ns.host.eq.now;
  dropPacket(ns, dev, last, Drop.FragTimeout, `reassembly of ${q.pieces.length} fragment(s) timed out after ${IPFRAG_TIME} s`);
}
