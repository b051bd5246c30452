// What the view's hop panel shows for one hop, built from the typed events (core/trace.ts): the
// packet's headers before the hop (as the previous hop left them) and after it, field by field with
// the changed ones marked, the outer headers apart from the inner when the packet is encapsulated,
// and what the hop decided — the rule that matched as `iptables -S` prints it, the NAT rewrite, the
// IPVS choice, the tunnel's VNI and VTEPs, the route, the drop and its reason.
import type { Headers, HopEvent, HostPort } from '../core/trace.js';
import { routeText } from '../trace/hop-text.js';

export interface PanelRow {
  readonly field: string;
  readonly before: string;
  readonly after: string;
  readonly changed: boolean;
}

export interface HopPanel {
  readonly headers: PanelRow[];
  /** What the hop decided, as label and words. */
  readonly decision: Array<[string, string]>;
}

const PROTO: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 50: 'esp' };
const TCP_FLAGS: ReadonlyArray<readonly [number, string]> = [[0x02, 'SYN'], [0x10, 'ACK'], [0x08, 'PSH'], [0x01, 'FIN'], [0x04, 'RST'], [0x20, 'URG']];

function flags(f: number): string {
  return TCP_FLAGS.filter(([b]) => (f & b) !== 0).map(([, w]) => w).join(',') || 'none';
}

/** One level of headers as named fields (`prefix` for the inner packet of a tunnel). */
function fields(h: Headers, prefix: string, out: Map<string, string>): void {
  out.set(`${prefix}eth src`, h.eth.src);
  out.set(`${prefix}eth dst`, h.eth.dst);
  if (h.arp !== undefined) {
    out.set(`${prefix}arp`, `${h.arp.op === 1 ? 'who-has' : 'is-at'} ${h.arp.tpa} tell ${h.arp.spa}`);
  }
  if (h.ip !== undefined) {
    out.set(`${prefix}ip src`, h.ip.src);
    out.set(`${prefix}ip dst`, h.ip.dst);
    out.set(`${prefix}proto`, PROTO[h.ip.proto] ?? String(h.ip.proto));
    out.set(`${prefix}ttl`, String(h.ip.ttl));
    out.set(`${prefix}length`, String(h.ip.len));
    if (h.ip.df) out.set(`${prefix}df`, 'DF');
  }
  if (h.tcp !== undefined) {
    out.set(`${prefix}sport`, String(h.tcp.sport));
    out.set(`${prefix}dport`, String(h.tcp.dport));
    out.set(`${prefix}tcp flags`, flags(h.tcp.flags));
  }
  if (h.udp !== undefined) {
    out.set(`${prefix}sport`, String(h.udp.sport));
    out.set(`${prefix}dport`, String(h.udp.dport));
  }
  if (h.icmp !== undefined) out.set(`${prefix}icmp`, `type ${h.icmp.type} code ${h.icmp.code}`);
  if (h.vxlan !== undefined) out.set(`${prefix}vxlan vni`, String(h.vxlan.vni));
  if (h.esp !== undefined) out.set(`${prefix}esp spi`, `0x${h.esp.spi.toString(16)}`);
  if (prefix === '') {
    out.set('mark', `0x${h.mark.toString(16)}`);
    out.set('conntrack', h.ct ?? '—');
  }
  // A tunnel's payload (VXLAN, ESP tunnel) is the inner packet; an ICMP error's quote is not a
  // header the packet travels with, and is left out.
  if (h.inner !== undefined && (h.vxlan !== undefined || h.esp !== undefined)) fields(h.inner, 'inner ', out);
}

function tunnel(h: Headers): boolean {
  return h.inner !== undefined && (h.vxlan !== undefined || h.esp !== undefined);
}

/** The headers as a list of fields, the outer ones named `outer …` when there is an inner packet. */
export function headerFields(h: Headers): Map<string, string> {
  const m = new Map<string, string>();
  fields(h, '', m);
  if (!tunnel(h)) return m;
  return new Map([...m].map(([k, v]) => [k.startsWith('inner ') || k === 'mark' || k === 'conntrack' ? k : `outer ${k}`, v]));
}

/** The previous hop's headers named as this hop's are: across an encapsulation the packet that
 *  was is the inner one now; across a decapsulation the inner one is the packet. */
function beforeFields(prev: Headers, now: Headers): Map<string, string> {
  if (tunnel(now) && !tunnel(prev)) {
    const m = new Map<string, string>();
    fields(prev, 'inner ', m);
    m.set('mark', `0x${prev.mark.toString(16)}`);
    m.set('conntrack', prev.ct ?? '—');
    return m;
  }
  if (!tunnel(now) && tunnel(prev)) {
    const m = new Map<string, string>();
    fields({ ...prev.inner!, mark: prev.mark, ct: prev.ct }, '', m);
    // The outer headers the decapsulation took off, shown as gone.
    for (const [k, v] of headerFields(prev)) if (k.startsWith('outer ')) m.set(k, v);
    return m;
  }
  return headerFields(prev);
}

function hp(h: HostPort): string {
  return h.port === null ? h.addr : `${h.addr}:${h.port}`;
}

function decision(ev: HopEvent): Array<[string, string]> {
  switch (ev.kind) {
    case 'nf':
      return [
        ['hook', `${ev.table} ${ev.hook}${ev.in !== null ? ` in ${ev.in}` : ''}${ev.out !== null ? ` out ${ev.out}` : ''}`],
        ev.rule === null ? ['policy', `-P ${ev.chain} ${ev.target}`] : [`iptables -t ${ev.table} -S`, ev.spec ?? `(rule ${ev.rule} of ${ev.chain})`],
        ['verdict', ev.target],
        ['counters', `${ev.pkts} packets, ${ev.bytes} bytes`],
      ];
    case 'nat':
      return [['NAT', `${ev.manip} ${ev.manip === 'DNAT' || ev.manip === 'un-SNAT' || ev.by === 'ipvs' ? 'destination' : 'source'} ${hp(ev.before)} → ${hp(ev.after)} (by ${ev.by})`]];
    case 'ipvs':
      if (ev.op === 'reply') return [['IPVS', `reply: source ${hp(ev.before)} → ${hp(ev.after)}`]];
      return [['IPVS', `service ${ev.service}, scheduler ${ev.scheduler}: chose ${hp(ev.dest)} (${ev.fwd})`]];
    case 'vxlan':
      if (ev.op === 'encap') {
        // No `local` on the device: the outer source is the route's (vxlan_xmit_one), chosen after this hop.
        const local = ev.local === '0.0.0.0' ? 'the route\'s source address' : ev.local;
        return [['encapsulation', `VXLAN VNI ${ev.vni}, VTEP ${local} → ${ev.remote}:${ev.dstport}`], ['fdb', ev.fdb]];
      }
      return [['decapsulation', `VXLAN VNI ${ev.vni} from VTEP ${ev.remote}`]];
    case 'xfrm':
      if (ev.op === 'lookup') return [['IPsec policy', `${ev.policy} → SA ${ev.proto} spi 0x${ev.spi.toString(16)} mode ${ev.mode}`]];
      return [['IPsec', `ESP ${ev.op} ${ev.mode} spi 0x${ev.spi.toString(16)} ${ev.op === 'encap' ? '→' : 'from'} ${ev.peer}`]];
    case 'route':
      return ev.step === 'input' ? [['route', `${ev.dst} is local (table local)`]] : [['route', `${routeText(ev.route)} (table ${ev.route.table === 255 ? 'local' : ev.route.table === 254 ? 'main' : ev.route.table})${ev.step === 'reroute' ? ', after NAT' : ''}`]];
    case 'forward':
      return [['forward', routeText(ev.route)]];
    case 'ct':
      return [['conntrack', `${ev.state}${ev.reply ? ' (reply direction)' : ''}`]];
    case 'drop':
      return [['dropped', ev.reason], ['skb_drop_reason', ev.skb ?? '—'], ['where', ev.detail], ['answered with', ev.answered ?? 'nothing']];
    case 'deliver':
      return [['delivered', `${ev.reason}: ${ev.addr}:${ev.port}${ev.state !== undefined ? ` (${ev.state})` : ''}`]];
    case 'lan':
      return [['LAN', `${ev.fromHost}:${ev.fromDev} → ${ev.toHost}:${ev.toDev}`]];
    case 'veth':
      return [['veth', `${ev.dev} → ${ev.peer} (netns ${ev.peerNetns})`]];
    case 'bridge':
      return [['bridge', ev.action === 'forward' ? `forward to ${ev.port} (fdb ${ev.fdb})` : ev.action === 'flood' ? `flood to ${ev.ports.join(', ')}` : 'up to the bridge device itself']];
    case 'xmit':
      return [['transmit', `out ${ev.out}${ev.neighbour !== null ? `, neighbour ${ev.neighbour} ${ev.state}` : ''}`]];
    case 'arp':
      return [['ARP', ev.op === 'is-at' ? `${ev.ip} is-at ${ev.mac}` : `who-has ${ev.target} tell ${ev.sender}`]];
    case 'icmp':
      return [['ICMP', ev.op === 'rst' ? `RST for ${ev.addr}:${ev.port}` : `type ${ev.type} code ${ev.code} to ${ev.to}${ev.op === 'ratelimited' ? ' (rate limited)' : ''}`]];
    case 'fragment':
      return [['fragmented', `into ${ev.pieces} pieces for mtu ${ev.mtu}`]];
    case 'defrag':
      return [['reassembly', `piece at offset ${ev.offset}, ${ev.len} bytes${ev.more ? ', more follow' : ', the last'}`]];
    case 'send':
    case 'rcv':
      return [];
  }
}

/** The panel for hop `h`, `prev` the hop before it on the same leg (null for the first). */
export function hopPanel(prev: HopEvent | null, h: HopEvent): HopPanel {
  const after = headerFields(h.pkt);
  const before = prev === null ? new Map<string, string>() : beforeFields(prev.pkt, h.pkt);
  const names = [...after.keys(), ...[...before.keys()].filter((k) => !after.has(k))];
  const headers = names.map((field) => {
    const b = before.get(field) ?? '—';
    const a = after.get(field) ?? '—';
    return { field, before: b, after: a, changed: prev !== null && a !== b };
  });
  return { headers, decision: decision(h) };
}
