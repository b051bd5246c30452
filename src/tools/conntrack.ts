// `conntrack -L`'s lines (conntrack-tools 1.4.4 over libnetfilter_conntrack): user space
// reading the kernel's table, so the format lives here and the kernel holds only the entries.
import { formatIp4 } from '../core/addr.js';
import { SEC } from '../sim/clock.js';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from '../wire/packet.js';
import { IPS_ASSURED, IPS_SEEN_REPLY, TCP_STATE_NAMES } from '../kernel/netfilter/conntrack.js';
import type { CtEntry, TupleNode } from '../kernel/netfilter/conntrack.js';

function tupleText(n: TupleNode): string {
  if (n.proto === IPPROTO_ICMP) {
    return `src=${formatIp4(n.src)} dst=${formatIp4(n.dst)} type=${n.p2} code=0 id=${n.p1}`;
  }
  if (n.proto === IPPROTO_TCP || n.proto === IPPROTO_UDP) {
    return `src=${formatIp4(n.src)} dst=${formatIp4(n.dst)} sport=${n.p1} dport=${n.p2}`;
  }
  return `src=${formatIp4(n.src)} dst=${formatIp4(n.dst)}`;
}

const PROTO_TEXT: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp' };

/** One line of `conntrack -L` (libnetfilter_conntrack's default output). */
export function formatEntry(e: CtEntry, now: number): string {
  const name = PROTO_TEXT[e.proto] ?? 'unknown';
  const secs = Math.max(0, Math.floor((e.expires - now) / SEC));
  let s = `${name.padEnd(8)} ${e.proto} ${secs} `;
  if (e.proto === IPPROTO_TCP) s += `${TCP_STATE_NAMES[e.tcpState]} `;
  s += tupleText(e.orig) + ' ';
  if (!(e.status & IPS_SEEN_REPLY)) s += '[UNREPLIED] ';
  s += tupleText(e.reply) + ' ';
  if (e.status & IPS_ASSURED) s += '[ASSURED] ';
  s += `mark=${e.mark} use=1`;
  return s;
}
