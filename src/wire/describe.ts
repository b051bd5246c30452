// One-line, tcpdump-like summaries of a Packet for traces. Not on the packet path: strings are fine here.
import { formatIp4, formatMac } from '../core/addr.js';
import { hex4 } from './ipv4.js';
import {
  ARPOP_REPLY,
  ARPOP_REQUEST,
  ETH_P_ARP,
  ETH_P_IP,
  ICMP_DEST_UNREACH,
  ICMP_ECHO,
  ICMP_ECHOREPLY,
  ICMP_FRAG_NEEDED,
  ICMP_HOST_PROHIBITED,
  ICMP_HOST_UNREACH,
  ICMP_NET_PROHIBITED,
  ICMP_NET_UNREACH,
  ICMP_PKT_FILTERED,
  ICMP_PORT_UNREACH,
  ICMP_PROT_UNREACH,
  ICMP_TIME_EXCEEDED,
  IPPROTO_ESP,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  type Packet,
} from './packet.js';
import { describeEsp } from './esp.js';
import { isVxlan } from './udp.js';

// tcpdump's order (print-tcp.c tcp_flag_values): F S R P . U E W.
const FLAG_CHARS: ReadonlyArray<readonly [number, string]> = [
  [TCP_FIN, 'F'],
  [TCP_SYN, 'S'],
  [TCP_RST, 'R'],
  [TCP_PSH, 'P'],
  [TCP_ACK, '.'],
  [0x20, 'U'], // URG
  [0x40, 'E'], // ECE
  [0x80, 'W'], // CWR
];
const FLAG_STRINGS: readonly string[] = Array.from({ length: 256 }, (_, flags) => {
  let s = '';
  for (const [bit, c] of FLAG_CHARS) if ((flags & bit) !== 0) s += c;
  return `[${s === '' ? 'none' : s}]`;
});

/** tcpdump's flag field: [S], [S.], [.], [P.], [F.], [R], [R.]; [none] without flags. */
export function tcpFlagsString(flags: number): string {
  return FLAG_STRINGS[flags & 0xff]!;
}

/** The frame with its MAC addresses: `02:42:ac:11:00:02 > ff:ff:ff:ff:ff:ff ARP who-has ...`. */
export function describe(pkt: Packet): string {
  return `${formatMac(pkt.ethSrc)} > ${formatMac(pkt.ethDst)} ${describeL3(pkt)}`;
}

/** The frame from its network header on: `10.0.0.2 > 10.0.0.3: ICMP echo request id 1 seq 1 ttl 64 len 84`. */
export function describeL3(pkt: Packet): string {
  if (pkt.ethType === ETH_P_ARP) return describeArp(pkt);
  if (pkt.ethType !== ETH_P_IP) return `ethertype 0x${hex4(pkt.ethType)}`;
  // A fragment, as tcpdump words one: (frag ID:LEN@OFFSET+), '+' while more follow.
  if (pkt.fragOf !== null) {
    const frag = `(frag ${pkt.ipId}:${pkt.fragLen}@${pkt.ipFragOff}${pkt.ipMf ? '+' : ''})`;
    if (pkt.ipFragOff !== 0) return `${formatIp4(pkt.ipSrc)} > ${formatIp4(pkt.ipDst)}: ip-proto-${pkt.ipProto} ${frag} ttl ${pkt.ipTtl}`;
    return `${describeL4(pkt)} ${frag}`;
  }
  return describeL4(pkt);
}

function describeL4(pkt: Packet): string {
  const src = formatIp4(pkt.ipSrc);
  const dst = formatIp4(pkt.ipDst);
  switch (pkt.ipProto) {
    case IPPROTO_ICMP:
      return `${src} > ${dst}: ${describeIcmp(pkt)}`;
    case IPPROTO_TCP: {
      const ack = (pkt.tcpFlags & TCP_ACK) !== 0 ? ` ack ${pkt.tcpAck >>> 0}` : '';
      return `${src}.${pkt.sport} > ${dst}.${pkt.dport}: TCP ${tcpFlagsString(pkt.tcpFlags)} seq ${pkt.tcpSeq >>> 0}${ack} len ${pkt.payloadLen} ttl ${pkt.ipTtl}`;
    }
    case IPPROTO_UDP:
      if (isVxlan(pkt)) return `${src}.${pkt.sport} > ${dst}.${pkt.dport}: VXLAN vni ${pkt.vni}: ${describe(pkt.inner!)}`;
      return `${src}.${pkt.sport} > ${dst}.${pkt.dport}: UDP len ${pkt.payloadLen} ttl ${pkt.ipTtl}`;
    case IPPROTO_ESP:
      // An opaque payload (a capture's ciphertext) has no modelled header to show.
      if (pkt.inner === null) return `${src} > ${dst}: ESP len ${pkt.payloadLen} ttl ${pkt.ipTtl}`;
      return `${src} > ${dst}: ${describeEsp(pkt)} ttl ${pkt.ipTtl}`;
    default:
      return `${src} > ${dst}: ip-proto-${pkt.ipProto} len ${pkt.payloadLen} ttl ${pkt.ipTtl}`;
  }
}

function describeArp(pkt: Packet): string {
  switch (pkt.arpOp) {
    case ARPOP_REQUEST:
      return `ARP who-has ${formatIp4(pkt.arpTpa)} tell ${formatIp4(pkt.arpSpa)}`;
    case ARPOP_REPLY:
      return `ARP reply ${formatIp4(pkt.arpSpa)} is-at ${formatMac(pkt.arpSha)}`;
    default:
      return `ARP op ${pkt.arpOp}`;
  }
}

/** As print-icmp.c words it, without the commas. `len` of an echo is the IP datagram's total length. */
function describeIcmp(pkt: Packet): string {
  const type = pkt.icmpType;
  const code = pkt.icmpCode;
  if (type === ICMP_ECHO || type === ICMP_ECHOREPLY) {
    const kind = type === ICMP_ECHO ? 'request' : 'reply';
    return `ICMP echo ${kind} id ${pkt.icmpId} seq ${pkt.icmpSeq} ttl ${pkt.ipTtl} len ${pkt.ipTotalLength()}`;
  }
  if (type === ICMP_TIME_EXCEEDED) {
    if (code === 0) return 'ICMP time exceeded in-transit';
    if (code === 1) return 'ICMP ip reassembly time exceeded';
    return `ICMP time exceeded-#${code}`;
  }
  if (type !== ICMP_DEST_UNREACH) return `ICMP type-#${type} code ${code}`;
  const q = pkt.inner;
  if (q === null) return `ICMP unreachable - #${code}`;
  const qdst = formatIp4(q.ipDst);
  switch (code) {
    case ICMP_NET_UNREACH:
      return `ICMP net ${qdst} unreachable`;
    case ICMP_HOST_UNREACH:
      return `ICMP host ${qdst} unreachable`;
    case ICMP_PROT_UNREACH:
      return `ICMP ${qdst} protocol ${q.ipProto} unreachable`;
    case ICMP_PORT_UNREACH:
      if (q.ipProto === IPPROTO_UDP) return `ICMP ${qdst} udp port ${q.dport} unreachable`;
      if (q.ipProto === IPPROTO_TCP) return `ICMP ${qdst} tcp port ${q.dport} unreachable`;
      return `ICMP ${qdst} protocol ${q.ipProto} port ${q.dport} unreachable`;
    case ICMP_FRAG_NEEDED:
      return pkt.icmpId !== 0
        ? `ICMP ${qdst} unreachable - need to frag (mtu ${pkt.icmpId})`
        : `ICMP ${qdst} unreachable - need to frag`;
    case ICMP_NET_PROHIBITED:
      return `ICMP net ${qdst} unreachable - admin prohibited`;
    case ICMP_HOST_PROHIBITED:
      return `ICMP host ${qdst} unreachable - admin prohibited`;
    case ICMP_PKT_FILTERED:
      return `ICMP host ${qdst} unreachable - admin prohibited filter`;
    default:
      return `ICMP ${qdst} unreachable - #${code}`;
  }
}
