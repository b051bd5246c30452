// What makes two hops the same step, for `swarmsim diff`: the place, the kind, and the fields that
// decide what the kernel did there (the route taken, the rule that matched, the NAT result, the
// backend IPVS chose, the tunnel's VNI and remote VTEP, the drop reason). Fields each run draws at
// random — TCP sequence numbers, ICMP ids, the client's ephemeral port, ESP sequence numbers, rule
// counters, the time — are not among them, so nothing has to be masked in words.
import type { HopEvent, HostPort } from '../core/trace.js';

/** Linux's default ip_local_port_range: a port drawn from it names no service. */
function ephemeral(port: number | null): boolean {
  return port !== null && port >= 32768 && port <= 60999;
}

function hp(h: HostPort): string {
  return h.port === null || ephemeral(h.port) ? h.addr : `${h.addr}:${h.port}`;
}

/** The kind's decisive fields, as a list of words. */
function decisive(ev: HopEvent): Array<string | number | boolean | null> {
  switch (ev.kind) {
    case 'send':
    case 'rcv': {
      const ip = ev.pkt.ip;
      const dport = ev.pkt.tcp?.dport ?? ev.pkt.udp?.dport ?? null;
      return [ip?.src ?? null, ip?.dst ?? null, ip?.proto ?? null, ephemeral(dport) ? null : dport];
    }
    case 'route':
      return ev.step === 'input' ? [ev.step, ev.dst] : [ev.step, ev.route.table, ev.route.type, ev.route.prefix, ev.route.gateway, ev.route.dev];
    case 'forward':
      return [ev.route.prefix, ev.route.gateway, ev.route.dev];
    case 'xmit':
      return [ev.out, ev.neighbour];
    case 'arp':
      return ev.op === 'is-at' ? [ev.op, ev.ip, ev.mac] : [ev.op, ev.target];
    case 'veth':
      return [ev.peer, ev.peerNetns];
    case 'bridge':
      return ev.action === 'forward' ? [ev.action, ev.port] : ev.action === 'flood' ? [ev.action, ...ev.ports] : [ev.action];
    case 'lan':
      return [ev.fromHost, ev.fromDev, ev.toHost, ev.toDev];
    case 'vxlan':
      return ev.op === 'encap' ? [ev.op, ev.vni, ev.local, ev.remote, ev.dstport] : [ev.op, ev.vni, ev.remote];
    case 'xfrm':
      return ev.op === 'lookup' ? [ev.op, ev.policy, ev.proto, ev.mode] : [ev.op, ev.mode, ev.peer];
    case 'nf':
      return [ev.table, ev.hook, ev.chain, ev.rule, ev.spec, ev.target];
    case 'ct':
      return [ev.state, ev.reply];
    case 'nat':
      return [ev.manip, ev.by, hp(ev.before), hp(ev.after)];
    case 'ipvs':
      return ev.op === 'schedule' ? [ev.op, ev.service, ev.scheduler, hp(ev.dest), ev.fwd] : [ev.op, hp(ev.before), hp(ev.after)];
    case 'icmp':
      return ev.op === 'rst' ? [ev.op, ev.addr] : [ev.op, ev.type, ev.code, ev.to];
    case 'deliver':
      return [ev.what, ev.addr, ephemeral(ev.port) ? null : ev.port];
    case 'drop':
      return [ev.reason, ev.skb];
    case 'fragment':
      return [ev.mtu, ev.pieces];
    case 'defrag':
      return [ev.offset, ev.len, ev.more];
  }
}

/** The same key for the same step: place, kind and the kind's decisive fields. */
export function hopKey(ev: HopEvent): string {
  return JSON.stringify([ev.host, ev.ns, ev.dev, ev.kind, ...decisive(ev)]);
}

/** In words, what two different hops differ in: the place, the kind, or the decisive fields. */
export function hopDifference(a: HopEvent, b: HopEvent): string {
  if (a.host !== b.host || a.ns !== b.ns || a.dev !== b.dev) {
    const at = (h: HopEvent): string => [h.host, h.ns, h.dev].filter((x) => x !== '').join(' / ');
    return `the place (${at(a)} → ${at(b)})`;
  }
  if (a.kind !== b.kind) return `what happened there (${a.kind} → ${b.kind})`;
  return `the ${a.kind} decision`;
}
