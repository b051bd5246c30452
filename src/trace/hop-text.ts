// One hop in words: the text a trace has always printed for it, built from the typed event
// (the headers through describe.ts, the kind's fields here). Traces users have learned read the
// same as when the model worded them itself.
import type { Headers, HopEvent, HostPort, RouteInfo } from '../core/trace.js';
import { describe, describeL3 } from '../wire/describe.js';
import { hex8 } from '../wire/esp.js';
import { packetOf } from '../wire/headers.js';

/** `10.0.0.0/24 via 10.0.0.1 dev eth0 src 10.0.0.2`, as `ip route` words a route. */
export function routeText(r: RouteInfo): string {
  let s = `${r.type === 'unicast' ? '' : r.type + ' '}${r.prefix}`;
  if (r.gateway !== null) s += ` via ${r.gateway}`;
  if (r.dev !== null) s += ` dev ${r.dev}`;
  if (r.src !== null) s += ` src ${r.src}`;
  return s;
}

/** The packet from its network header on, with what a 7946 packet or a 2377 segment carries. */
function l3(h: Headers): string {
  const text = describeL3(packetOf(h));
  if (h.rpc !== undefined) return `${text} (2377 ${h.rpc})`;
  return h.gossip === undefined ? text : `${text} (${gossipText(h.gossip)})`;
}

const GOSSIP_WORDS: Record<string, string> = {
  ping: 'memberlist ping', 'ping-req': 'memberlist ping-req', ack: 'memberlist ack', nack: 'memberlist nack',
  suspect: 'memberlist suspect', alive: 'memberlist alive', dead: 'memberlist dead', 'push-pull': 'memberlist push-pull',
  'network-event': 'NetworkDB network event', 'table-event': 'NetworkDB table event', 'bulk-sync': 'NetworkDB bulk sync',
  'node-event': 'NetworkDB node event', user: 'memberlist user message', other: 'unknown memberlist message',
};

/** "memberlist ping"; "3 × NetworkDB table event, memberlist alive" for a compound. */
export function gossipText(kinds: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const k of kinds) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n > 1 ? `${n} × ` : ''}${GOSSIP_WORDS[k] ?? k}`).join(', ');
}

function hp(h: HostPort): string {
  return h.port === null ? h.addr : `${h.addr}:${h.port}`;
}

/** What the hop did, after `kind:` in a trace line. */
export function hopDetail(ev: HopEvent): string {
  switch (ev.kind) {
    case 'send':
      return l3(ev.pkt);
    case 'rcv':
      return `ip_rcv ${l3(ev.pkt)}`;
    case 'route':
      if (ev.step === 'input') return `${ev.dst} is local (table local)`;
      if (ev.step === 'output') return `route ${routeText(ev.route)} (table ${ev.route.table === 255 ? 'local' : 'main'})`;
      return `re-route after NAT: ${routeText(ev.route)}`;
    case 'forward':
      return `forward via ${routeText(ev.route)}`;
    case 'xmit':
      return ev.neighbour === null ? `out ${ev.out}` : `out ${ev.out}, neighbour ${ev.neighbour} ${ev.state}`;
    case 'arp':
      if (ev.op === 'is-at') return `${ev.ip} is-at ${ev.mac}`;
      return `who-has ${ev.target} tell ${ev.sender} (${ev.pending ? 'already asking' : 'new neighbour'})`;
    case 'veth':
      return `${ev.dev} → ${ev.peer} (netns ${ev.peerNetns})`;
    case 'bridge':
      if (ev.action === 'local') return `deliver to ${ev.dev} itself`;
      if (ev.action === 'forward') return `forward to ${ev.port} (fdb ${ev.fdb})`;
      return `flood to ${ev.ports.join(', ') || '(no port)'}${ev.group ? '' : ` (${ev.mac} not in fdb)`}`;
    case 'fragment':
      return `fragment for mtu ${ev.mtu}: ${ev.pieces} pieces`;
    case 'defrag':
      return `reassembly queue: fragment offset ${ev.offset} len ${ev.len}${ev.more ? ' MF' : ' (last)'}`;
    case 'lan':
      return `LAN ${ev.fromHost}:${ev.fromDev} → ${ev.toHost}:${ev.toDev}${ev.delayNs === undefined ? '' : ` (+${formatDelay(ev.delayNs)} path delay)`}`;
    case 'vxlan':
      if (ev.op === 'encap') return `encapsulate vni ${ev.vni} → VTEP ${ev.remote}:${ev.dstport} (fdb ${ev.fdb})`;
      return `decapsulate vni ${ev.vni} from ${ev.remote}: ${describe(packetOf(ev.pkt))}`;
    case 'xfrm':
      if (ev.op === 'lookup') {
        return `xfrm_lookup: policy out ${ev.policy}${ev.mark === null ? '' : ` mark ${ev.mark}`} → SA ${ev.proto} spi 0x${hex8(ev.spi)} reqid ${ev.reqid} mode ${ev.mode}`;
      }
      if (ev.op === 'encap') return `ESP ${ev.mode} spi 0x${hex8(ev.spi)} seq ${ev.seq} → ${ev.peer}: ${describeL3(packetOf(ev.pkt))}`;
      return `ESP ${ev.mode} spi 0x${hex8(ev.spi)} seq ${ev.seq} from ${ev.peer}: decapsulated, secpath set: ${describeL3(packetOf(ev.pkt))}`;
    case 'nf':
      return ev.rule === null ? `${ev.table} ${ev.chain} policy ${ev.target}` : `${ev.table} ${ev.chain} #${ev.rule} ${ev.target}`;
    case 'ct':
      return `conntrack ${ev.state}${ev.reply ? ' (reply)' : ''}`;
    case 'nat':
      if (ev.by === 'ipvs') return `IPVS ${ev.manip} destination ${hp(ev.before)} → ${hp(ev.after)}`;
      return `${ev.manip} ${ev.manip === 'DNAT' || ev.manip === 'un-SNAT' ? 'destination' : 'source'} ${hp(ev.before)} → ${hp(ev.after)} (conntrack)`;
    case 'ipvs':
      if (ev.op === 'reply') return `IPVS reply: source ${hp(ev.before)} → ${hp(ev.after)}`;
      return `IPVS ${ev.service} ${ev.scheduler} → ${hp(ev.dest)} (${ev.fwd})`;
    case 'icmp':
      if (ev.op === 'rst') return `no socket on ${ev.addr}:${ev.port}: send RST`;
      if (ev.op === 'send') return `send ICMP type ${ev.type} code ${ev.code} to ${ev.to}`;
      return `ICMP type ${ev.type} code ${ev.code} to ${ev.to} not sent: rate limited (icmp_ratelimit)`;
    case 'deliver':
      return deliverText(ev);
    case 'drop':
      return ev.detail;
  }
}

function deliverText(ev: Extract<HopEvent, { kind: 'deliver' }>): string {
  const icmp = ev.pkt.icmp;
  switch (ev.what) {
    case 'udp':
      return `UDP socket ${ev.addr}:${ev.port}`;
    case 'udp-error':
      return `ICMP error to the UDP socket on port ${ev.port}`;
    case 'tcp-listener':
      return `SYN accepted by the listener on ${ev.addr}:${ev.port}`;
    case 'tcp':
      return `TCP socket ${ev.addr}:${ev.port} (${ev.state})`;
    case 'tcp-error':
      return `ICMP error to the TCP socket on port ${ev.port}${ev.state === undefined ? '' : ` (${ev.state})`}`;
    case 'echo-request':
      return `ICMP echo request id ${icmp?.id} seq ${icmp?.seq} answered`;
    case 'echo-reply':
      return `ICMP echo reply id ${icmp?.id} seq ${icmp?.seq} to the ping socket`;
    case 'ping-error':
      return 'ICMP error to the ping socket';
  }
}

/** 50ms, 1.5ms, 200µs: a path delay as a scenario would write it. */
function formatDelay(ns: number): string {
  if (ns >= 1e6) return `${Number((ns / 1e6).toFixed(3))}ms`;
  return `${Number((ns / 1e3).toFixed(3))}µs`;
}
