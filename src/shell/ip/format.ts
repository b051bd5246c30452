// The text iproute2 prints for links, addresses, routes and neighbours (iproute2 as on CentOS 7,
// which the seeds show; the seeds lost the <FLAGS> between angle brackets to HTML, we print them).
import ipaddr from 'ipaddr.js';
import { formatCidr, formatIp4, formatMac } from '../../core/addr.js';
import type { NetDevice } from '../../kernel/device.js';
import { addrLifetimeLeft } from '../../kernel/rtnl.js';
import type { Nanos } from '../../sim/clock.js';
import type { NeighEntry } from '../../kernel/neigh.js';
import type { Route } from '../../kernel/route/table.js';
import { Veth } from '../../kernel/veth.js';

function flags(dev: NetDevice): string {
  const f: string[] = [];
  if (dev.up && !dev.carrier()) f.push('NO-CARRIER');
  if (dev.kind === 'loopback') f.push('LOOPBACK');
  else f.push('BROADCAST', 'MULTICAST');
  if (dev.up) f.push('UP');
  if (dev.up && dev.carrier()) f.push('LOWER_UP');
  if (!dev.up && dev instanceof Veth && !dev.peer.up && dev.peer.ns === dev.ns) f.push('M-DOWN');
  return `<${f.join(',')}>`;
}

function operstate(dev: NetDevice): string {
  if (!dev.up) return 'DOWN';
  if (dev.kind === 'loopback' || dev.kind === 'vxlan') return 'UNKNOWN';
  if (!dev.carrier()) return dev.kind === 'veth' ? 'LOWERLAYERDOWN' : 'DOWN';
  return 'UP';
}

function qdisc(dev: NetDevice): string {
  if (!dev.up) return dev.kind === 'bridge' || dev.kind === 'vxlan' ? 'noqueue' : 'noop';
  return dev.kind === 'ether' ? 'pfifo_fast' : 'noqueue';
}

/** `name@peer` for a veth: the peer's name in the same namespace, `ifN` across namespaces. */
export function linkName(dev: NetDevice): string {
  if (dev instanceof Veth) return dev.peer.ns === dev.ns ? `${dev.name}@${dev.peer.name}` : `${dev.name}@if${dev.peer.ifindex}`;
  return dev.name;
}

/** Output style: iproute2's, or busybox's `ip` (no state/group/link-netnsid, M-DOWN on veths). */
export type IpStyle = 'iproute2' | 'busybox';

export function linkLines(dev: NetDevice, mode: boolean, details: boolean, style: IpStyle = 'iproute2'): string[] {
  if (style === 'busybox') return busyboxLinkLines(dev);
  let head = `${dev.ifindex}: ${linkName(dev)}: ${flags(dev)} mtu ${dev.mtu} qdisc ${qdisc(dev)}`;
  if (dev.master !== null) head += ` master ${dev.master.name}`;
  head += ` state ${operstate(dev)}`;
  if (mode) head += ' mode DEFAULT';
  head += ' group default';
  if (dev.txqlen !== null) head += ` qlen ${dev.txqlen}`;
  let l2 = dev.kind === 'loopback'
    ? `    link/loopback ${formatMac(dev.mac)} brd 00:00:00:00:00:00`
    : `    link/ether ${formatMac(dev.mac)} brd ff:ff:ff:ff:ff:ff`;
  if (dev instanceof Veth && dev.peer.ns !== dev.ns) l2 += ` link-netnsid ${dev.ns.nsidOf(dev.peer.ns)}`;
  const lines = [head, l2];
  if (details) lines.push(...detailLines(dev));
  return lines;
}

/** busybox ip: the flags as the kernel reports them (a veth whose peer lives elsewhere shows M-DOWN),
 *  no operstate, no group, no link-netnsid. */
function busyboxLinkLines(dev: NetDevice): string[] {
  let f = flags(dev);
  if (dev instanceof Veth && dev.peer.ns !== dev.ns && dev.up) f = f.replace('>', ',M-DOWN>');
  let head = `${dev.ifindex}: ${linkName(dev)}: ${f} mtu ${dev.mtu} qdisc ${qdisc(dev)}`;
  if (dev.master !== null) head += ` master ${dev.master.name}`;
  if (dev.txqlen !== null && dev.txqlen > 0) head += ` qlen ${dev.txqlen}`;
  const l2 = dev.kind === 'loopback'
    ? `    link/loopback ${formatMac(dev.mac)} brd 00:00:00:00:00:00`
    : `    link/ether ${formatMac(dev.mac)} brd ff:ff:ff:ff:ff:ff`;
  return [head, l2];
}

function detailLines(dev: NetDevice): string[] {
  const out: string[] = [];
  if (dev.kind === 'veth') out.push('    veth ');
  if (dev.kind === 'bridge') out.push('    bridge forward_delay 1500 hello_time 200 max_age 2000 ageing_time 30000 stp_state 0 priority 32768 ');
  if (dev.kind === 'vxlan') {
    const v = dev as import('../../kernel/vxlan.js').Vxlan;
    let s = `    vxlan id ${v.vni}`;
    if (v.remote !== 0) s += ` remote ${formatIp4(v.remote)}`;
    if (v.local !== 0) s += ` local ${formatIp4(v.local)}`;
    if (v.lowerDev !== null) s += ` dev ${v.lowerDev}`;
    s += ` srcport 0 0 dstport ${v.dstport}`;
    if (!v.learning) s += ' nolearning';
    if (v.proxy) s += ' proxy';
    if (v.l2miss) s += ' l2miss';
    if (v.l3miss) s += ' l3miss';
    s += ` ttl ${v.ttl === 0 ? 'auto' : v.ttl} ageing 300 `;
    out.push(s);
  }
  if (dev.master !== null) out.push('    bridge_slave state forwarding priority 32 cost 2 ');
  return out;
}

/** The EUI-64 link-local address the kernel derives from the MAC (addrconf). */
function linkLocal(mac: number): string {
  const b = formatMac(mac).split(':').map((h) => parseInt(h, 16));
  const bytes = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, b[0]! ^ 2, b[1]!, b[2]!, 0xff, 0xfe, b[3]!, b[4]!, b[5]!];
  return ipaddr.fromByteArray(bytes).toString();
}

/** `now` is the simulated time, for the lifetimes left of a dynamic address. */
export function addrLines(dev: NetDevice, ipv6: boolean, now: Nanos, style: IpStyle = 'iproute2'): string[] {
  const lines = linkLines(dev, false, false, style);
  for (const a of dev.addrs) {
    let s = `    inet ${formatCidr(a.addr, a.len)}`;
    if (a.broadcast !== null) s += ` brd ${formatIp4(a.broadcast)}`;
    s += ` scope ${a.scope}`;
    // iproute2 ipaddress.c print_addrinfo: the flags in its order, `noprefixroute` before `dynamic`
    // (an address without IFA_F_PERMANENT), then the label; the lifetimes as the kernel counts them down.
    const left = addrLifetimeLeft(a, now);
    if (a.noprefixroute === true) s += ' noprefixroute';
    if (left !== null) s += ' dynamic';
    s += ` ${dev.name}`;
    const lft = (n: number | undefined): string => (n === undefined ? 'forever' : `${n}sec`);
    lines.push(s, `       valid_lft ${lft(left?.valid)} preferred_lft ${lft(left?.preferred)}`);
  }
  // IPv6: the kernel adds ::1 to lo and a link-local address once a device is up with carrier;
  // the link-local one stays when carrier goes (docker0 after its last container, seed 004:944).
  if (ipv6 && (dev.up && dev.carrier() || dev.kind !== 'loopback' && dev.ipv6LinkLocal)) {
    if (dev.kind === 'loopback') lines.push('    inet6 ::1/128 scope host ', '       valid_lft forever preferred_lft forever');
    else lines.push(`    inet6 ${linkLocal(dev.mac)}/64 scope link `, '       valid_lft forever preferred_lft forever');
  }
  return lines;
}

export function routeLine(r: Route): string {
  let s = r.type === 'unicast' ? '' : `${r.type} `;
  s += r.len === 32 ? formatIp4(r.dst) : r.len === 0 ? 'default' : formatCidr(r.dst, r.len);
  if (r.gateway !== 0) s += ` via ${formatIp4(r.gateway)}`;
  if (r.dev !== null) s += ` dev ${r.dev.name}`;
  if (r.proto !== 'boot') s += ` proto ${r.proto}`;
  if (r.scope !== 'global') s += ` scope ${r.scope}`;
  if (r.src !== 0) s += ` src ${formatIp4(r.src)}`;
  if (r.metric !== 0) s += ` metric ${r.metric}`;
  if (r.dev !== null && r.dev.up && !r.dev.carrier()) s += ' linkdown';
  return s;
}

/** ipneigh.c print_neigh: `DST `, `dev NAME ` unless the listing is filtered by a device
 *  (`if (!filter.index && r->ndm_ifindex)`), `lladdr MAC` when known, then ` STATE`. */
export function neighLine(e: NeighEntry, now: number, showDev = true): string {
  const state = e.stateAt(now);
  const head = showDev ? `${formatIp4(e.ip)} dev ${e.dev.name} ` : `${formatIp4(e.ip)} `;
  if (state === 'INCOMPLETE' || state === 'FAILED') return `${head} ${state}`;
  return `${head}lladdr ${formatMac(e.mac)} ${state}`;
}
