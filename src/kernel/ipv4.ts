// The IPv4 path, one function per kernel step so a packet can be followed by name:
//   ipRcv → (PREROUTING) → ipRouteInput → ipLocalDeliver → (INPUT) → icmp/udp/tcp
//                                       → ipForward → (FORWARD) → ipFinishOutput
//   ipLocalOut → (OUTPUT) → ipFinishOutput → (POSTROUTING) → neighOutput → device
// With XFRM (xfrm.ts): the output route lookup may attach an SA, which ipFinishOutput applies
// after POSTROUTING (the ESP packet then goes out through OUTPUT and POSTROUTING itself); ESP
// delivered locally is unwrapped and its datagram re-enters at PREROUTING (ipRcvReinject).
// All steps inside one namespace run synchronously; time advances on the packet's own clock
// (pkt.tstamp) so the walk allocates nothing and schedules nothing.
import { BROADCAST_MAC, formatIp4, isGroupMac, isMulticast, prefixMask } from '../core/addr.js';
import type { Ip4 } from '../core/addr.js';
import {
  ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, ICMP_HOST_UNREACH, ICMP_NET_UNREACH, ICMP_PKT_FILTERED,
  ICMP_PROT_UNREACH, ICMP_TIME_EXCEEDED, IPPROTO_ESP, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP,
} from '../wire/packet.js';
import type { Packet } from '../wire/packet.js';
import { arpResolve, neighConfirm, neighEventSend } from './arp.js';
import type { NetDevice } from './device.js';
import { Drop } from './drop.js';
import { icmpRcv, icmpSend, peerAllow, peerBucket } from './icmp.js';
import { FORWARD_NS, STACK_NS } from './latency.js';
import type { Netns } from './netns.js';
import type { NeighEntry } from './neigh.js';
import type { Route } from './route/table.js';
import { ipDefrag, ipFragment } from './frag.js';
import { dropPacket } from './kfree-skb.js';
import { tcpRcv } from './tcp.js';
import { udpRcv } from './udp.js';
import { traceEnd, tracepoint } from './tracepoint.js';
import { xfrm4Rcv, xfrmLookup, xfrmOutput } from './xfrm.js';

export const ENETUNREACH = 101;
export const EHOSTUNREACH = 113;
export const EMSGSIZE = 90;
export const EPERM = 1;

export function ipRcv(dev: NetDevice, pkt: Packet): void {
  const ns = dev.ns;
  if (dev.kind !== 'loopback' && pkt.ethDst !== dev.mac && !isGroupMac(pkt.ethDst)) {
    return dropPacket(ns, dev, pkt, Drop.OtherHost, 'frame for another host');
  }
  // ip_rcv_core counts a datagram once it is for this host (PACKET_OTHERHOST went above).
  ns.snmp.Ip.InReceives++;
  if (pkt.trace !== null) tracepoint(pkt, ns, dev, { kind: 'rcv' });
  if (ns.netfilter !== null) {
    // nf_defrag_ipv4 (PREROUTING, before conntrack): netfilter sees whole datagrams.
    if (pkt.fragOf !== null) {
      const whole = ipDefrag(ns, dev, pkt);
      if (whole === null) return;
      pkt = whole;
    }
    if (!ns.netfilter.preRouting(pkt, dev)) return;
  }
  ipRouteInput(ns, dev, pkt);
}

// The hot functions below keep their rare branches (drops with a message, trace hops) in
// functions of their own: V8 inlines a caller's callees only up to a bytecode budget, and the
// words of a drop or the fields of a hop spent it on what a forwarded packet never runs.

/**
 * xfrm4_transport_finish → xfrm4_rcv_encap_finish: a datagram ESP unwrapped passes PREROUTING
 * again, then keeps the ESP packet's route (local delivery) unless NAT changed its destination.
 */
export function ipRcvReinject(dev: NetDevice, pkt: Packet): void {
  const ns = dev.ns;
  const dst = pkt.ipDst;
  if (ns.netfilter !== null && !ns.netfilter.preRouting(pkt, dev)) return;
  if (pkt.ipDst === dst) return ipLocalDeliver(ns, dev, pkt);
  ipRouteInput(ns, dev, pkt);
}

/** 127.0.0.0/8 (ipv4_is_loopback). */
function isLoopbackAddr(a: number): boolean {
  return a >>> 24 === 127;
}

/** IN_DEV_NET_ROUTE_LOCALNET: net.ipv4.conf.all or the device's route_localnet. */
function routeLocalnet(ns: Netns, dev: NetDevice): boolean {
  return ns.sysctl.get('net.ipv4.conf.all.route_localnet') === '1' || ns.sysctl.get(`net.ipv4.conf.${dev.name}.route_localnet`) === '1';
}

function ipRouteInput(ns: Netns, dev: NetDevice, pkt: Packet): void {
  const dst = pkt.ipDst;
  // ip_route_input_slow, before the FIB: a loopback destination or source arriving on another
  // device is a martian unless route_localnet is on (looped-back packets keep the route their
  // output gave them and skip this).
  if (dev.kind !== 'loopback' && (isLoopbackAddr(dst) || isLoopbackAddr(pkt.ipSrc)) && !routeLocalnet(ns, dev)) {
    return martianLoopback(ns, dev, pkt);
  }
  // Both tables' answers at once (one cache slot; the source check below may refill it).
  const slot = ns.routes.slotOf(dst);
  const local = ns.routes.localAt(slot);
  const r = ns.routes.mainAt(slot);
  if ((local !== null && (local.type === 'local' || local.type === 'broadcast')) || dst === 0xffffffff) {
    if (pkt.trace !== null) traceRouteInput(ns, dev, pkt);
    return ipLocalDeliver(ns, dev, pkt);
  }
  if (isMulticast(dst)) return dropPacket(ns, dev, pkt, Drop.Unsupported, 'multicast not routed');
  if (dev.kind !== 'loopback' && ns.isLocal(pkt.ipSrc)) return martianSource(ns, dev, pkt);
  // Without ip_forward the kernel discards the packet without an ICMP error (ip_error).
  if (!ns.forwarding) return forwardingOff(ns, dev, pkt);
  if (r === null) return noRouteInput(ns, dev, pkt);
  if (r.type !== 'unicast') return routeError(ns, dev, pkt, r);
  ipForward(ns, dev, r, pkt);
}

function martianLoopback(ns: Netns, dev: NetDevice, pkt: Packet): void {
  if (isLoopbackAddr(pkt.ipDst)) return dropPacket(ns, dev, pkt, Drop.MartianDest, `destination ${formatIp4(pkt.ipDst)} is a loopback address (route_localnet = 0 on ${dev.name})`);
  dropPacket(ns, dev, pkt, Drop.Martian, `source ${formatIp4(pkt.ipSrc)} is a loopback address (route_localnet = 0 on ${dev.name})`);
}

function traceRouteInput(ns: Netns, dev: NetDevice, pkt: Packet): void {
  tracepoint(pkt, ns, dev, { kind: 'route', step: 'input', local: true, dst: formatIp4(pkt.ipDst) });
}

function martianSource(ns: Netns, dev: NetDevice, pkt: Packet): void {
  dropPacket(ns, dev, pkt, Drop.Martian, `source ${formatIp4(pkt.ipSrc)} is one of our own addresses`);
}

function forwardingOff(ns: Netns, dev: NetDevice, pkt: Packet): void {
  ns.snmp.Ip.InAddrErrors++;
  dropPacket(ns, dev, pkt, Drop.ForwardingDisabled, `${formatIp4(pkt.ipDst)} is not local and net.ipv4.ip_forward = 0`);
}

function noRouteInput(ns: Netns, dev: NetDevice, pkt: Packet): void {
  if (ipErrorAllow(ns, pkt)) icmpSend(ns, pkt, ICMP_DEST_UNREACH, ICMP_NET_UNREACH, 0, dev);
  dropPacket(ns, dev, pkt, Drop.NoRoute, `no route to ${formatIp4(pkt.ipDst)}`);
}

/** ip_rt_error_cost (1 s) and ip_rt_error_burst (5 s). */
const RT_ERROR_COST = 1_000_000_000;
const RT_ERROR_BURST = 5 * RT_ERROR_COST;

/**
 * ip_error's own limiter (net/ipv4/route.c): an ICMP error for a packet that cannot be routed
 * costs ip_rt_error_cost from the sender's inet_peer bucket, burst ip_rt_error_burst. It shares
 * the bucket with icmp_send's limiter, so such errors are spent twice: about one per 2 s once the
 * burst is gone (a `ping -i 0.2` to an unreachable network gets two answers, then none).
 */
function ipErrorAllow(ns: Netns, pkt: Packet): boolean {
  return peerAllow(peerBucket(ns, pkt.ipSrc, pkt.tstamp), pkt.tstamp, RT_ERROR_COST, RT_ERROR_BURST);
}

function routeError(ns: Netns, dev: NetDevice, pkt: Packet, r: Route): void {
  if (r.type === 'unreachable') {
    if (ipErrorAllow(ns, pkt)) icmpSend(ns, pkt, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0, dev);
    return dropPacket(ns, dev, pkt, Drop.Unreachable, `route ${r.prefixText} is unreachable`);
  }
  if (r.type === 'prohibit') {
    // fib_props gives a prohibit route -EACCES, which ip_error answers with ICMP_PKT_FILTERED.
    if (ipErrorAllow(ns, pkt)) icmpSend(ns, pkt, ICMP_DEST_UNREACH, ICMP_PKT_FILTERED, 0, dev);
    return dropPacket(ns, dev, pkt, Drop.Prohibit, `route ${r.prefixText} is prohibit`);
  }
  dropPacket(ns, dev, pkt, Drop.Blackhole, `route ${r.prefixText} is a blackhole`);
}

function ipForward(ns: Netns, inDev: NetDevice, r: Route, pkt: Packet): void {
  if (pkt.ipTtl <= 1) return ttlExceeded(ns, inDev, pkt);
  // ForwDatagrams is IPSTATS_MIB_INFORWDATAGRAMS since Linux 6.3: counted once the TTL passed,
  // before the MTU check and before FORWARD may drop it (a FORWARD DROP counts, as on Linux 6.18).
  ns.snmp.Ip.ForwDatagrams++;
  const out = r.dev!;
  if (pkt.ipDf && pkt.ipTotalLength() > out.mtu) return forwardFragNeeded(ns, inDev, out, pkt);
  if (pkt.trace !== null) tracepoint(pkt, ns, inDev, { kind: 'forward', route: r.traceInfo() });
  pkt.ipTtl--;
  pkt.tstamp += FORWARD_NS;
  if (ns.netfilter !== null && !ns.netfilter.forward(pkt, inDev, out)) return;
  ipFinishOutput(ns, out, r.gateway !== 0 ? r.gateway : pkt.ipDst, pkt);
}

function ttlExceeded(ns: Netns, inDev: NetDevice, pkt: Packet): void {
  ns.snmp.Ip.InHdrErrors++;
  icmpSend(ns, pkt, ICMP_TIME_EXCEEDED, 0, 0, inDev);
  dropPacket(ns, inDev, pkt, Drop.TtlExceeded, `TTL ${pkt.ipTtl} would reach 0`);
}

function forwardFragNeeded(ns: Netns, inDev: NetDevice, out: NetDevice, pkt: Packet): void {
  ns.snmp.Ip.FragFails++;
  icmpSend(ns, pkt, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, out.mtu, inDev);
  dropPacket(ns, out, pkt, Drop.FragNeeded, `${pkt.ipTotalLength()} bytes > mtu ${out.mtu} of ${out.name}, DF`);
}

function ipLocalDeliver(ns: Netns, dev: NetDevice, pkt: Packet): void {
  // ip_local_deliver: a fragment waits for the rest of its datagram.
  if (pkt.fragOf !== null) {
    const whole = ipDefrag(ns, dev, pkt);
    if (whole === null) return;
    pkt = whole;
  }
  if (ns.netfilter !== null && !ns.netfilter.localIn(pkt, dev)) return;
  pkt.tstamp += STACK_NS;
  // ip_protocol_deliver_rcu: a protocol handler took it (InDelivers), or none exists.
  switch (pkt.ipProto) {
    case IPPROTO_ICMP:
      ns.snmp.Ip.InDelivers++;
      return icmpRcv(ns, dev, pkt);
    case IPPROTO_UDP:
      ns.snmp.Ip.InDelivers++;
      return udpRcv(ns, dev, pkt);
    case IPPROTO_TCP:
      ns.snmp.Ip.InDelivers++;
      return tcpRcv(ns, dev, pkt);
    default:
      return deliverOther(ns, dev, pkt);
  }
}

function deliverOther(ns: Netns, dev: NetDevice, pkt: Packet): void {
  // Without esp4 loaded nothing handles protocol 50.
  if (pkt.ipProto === IPPROTO_ESP && ns.host.espLoaded) {
    ns.snmp.Ip.InDelivers++;
    return xfrm4Rcv(ns, dev, pkt);
  }
  ns.snmp.Ip.InUnknownProtos++;
  icmpSend(ns, pkt, ICMP_DEST_UNREACH, ICMP_PROT_UNREACH, 0, dev);
  dropPacket(ns, dev, pkt, Drop.Unsupported, `IP protocol ${pkt.ipProto}`, 'IP_NOPROTO');
}

/** Output route for a locally generated packet: its own addresses go through lo. */
export function routeOutput(ns: Netns, dst: Ip4): Route | null {
  const slot = ns.routes.slotOf(dst);
  const local = ns.routes.localAt(slot);
  if (local !== null && local.type === 'local') return local;
  const r = ns.routes.mainAt(slot);
  if (r !== null) return r;
  return dst === 0xffffffff ? local : null;
}

export const EACCES = 13;
export const EINVAL = 22;

/**
 * What connect(2) on a TCP, UDP or ping socket gets from the output route lookup
 * (ip_route_connect): 0, or the error of the route type as the kernel's fib_props table gives it:
 * no route ENETUNREACH, `unreachable` EHOSTUNREACH, `prohibit` EACCES, `blackhole` EINVAL.
 */
export function routeConnectErrno(ns: Netns, dst: Ip4): number {
  const r = routeOutput(ns, dst);
  if (r === null) {
    // __ip4_datagram_connect and tcp_v4_connect count a missing route.
    ns.snmp.Ip.OutNoRoutes++;
    return ENETUNREACH;
  }
  return routeTypeErrno(r);
}

/** An unreachable, prohibit or blackhole route: ip_route_output_flow fails on it (fib_props). */
export function routeRefuses(r: Route): boolean {
  return r.type !== 'unicast' && r.type !== 'local' && r.type !== 'broadcast';
}

/** Why a packet routed by a refusing route is dropped. */
export function refusedDrop(r: Route): Drop {
  return r.type === 'unreachable' ? Drop.Unreachable : r.type === 'prohibit' ? Drop.Prohibit : Drop.Blackhole;
}

function routeTypeErrno(r: Route): number {
  switch (r.type) {
    case 'unreachable':
      return EHOSTUNREACH;
    case 'prohibit':
      return EACCES;
    case 'blackhole':
      return EINVAL;
    default:
      return 0;
  }
}

/** The source address the kernel picks for a packet out through `r` (inet_select_addr). */
export function selectSource(ns: Netns, r: Route, dst: Ip4): Ip4 {
  if (r.src !== 0) return r.src;
  if (r.type === 'local') return dst;
  const dev = r.dev;
  if (dev !== null) {
    for (const a of dev.addrs) if (((a.addr ^ dst) & prefixMask(a.len)) === 0) return a.addr;
    if (dev.addrs.length > 0) return dev.addrs[0]!.addr;
  }
  for (const d of ns.devices.values()) if (d.kind !== 'loopback' && d.addrs.length > 0) return d.addrs[0]!.addr;
  return 0;
}

/**
 * Sends a locally generated packet (ip_local_out). Returns 0, or an errno the sender sees:
 * ENETUNREACH when no route covers the destination (ping's "connect: Network is unreachable").
 * `countNoRoute`: whether the sender counts a missing route in Ip.OutNoRoutes — udp_sendmsg,
 * ping_v4_sendmsg, ip_queue_xmit and inet_csk_route_req (a SYN-ACK) do; the kernel's own
 * answers do not: icmp_reply and icmp_send, ip_send_unicast_reply (a RST for a closed port),
 * nf_send_reset (REJECT --reject-with tcp-reset), vxlan_xmit_one (its device counts tx_errors).
 */
export function ipLocalOut(ns: Netns, pkt: Packet, countNoRoute = true): number {
  const r = routeOutput(ns, pkt.ipDst);
  if (r === null) return noRouteOut(ns, pkt, countNoRoute);
  // The output route lookup fails: the sender gets the route type's error (fib_props:
  // EHOSTUNREACH, EACCES or EINVAL) and no ICMP error is generated.
  if (routeRefuses(r)) return refusedOut(ns, pkt, r);
  if (pkt.ipSrc === 0) pkt.ipSrc = selectSource(ns, r, pkt.ipDst);
  // A datagram of ours without DF is cut to the path MTU learnt for its destination (dst_mtu),
  // which may be below the device's (frag.ts takes fragMax as the largest piece).
  if (!pkt.ipDf && ns.pmtu.size !== 0) localPmtu(ns, pkt);
  pkt.tstamp += STACK_NS;
  // __ip_local_out counts the datagram; ICMP is counted by type where it is built (icmp_out_count).
  ns.snmp.Ip.OutRequests++;
  if (pkt.ipProto === IPPROTO_ICMP) ns.snmp.icmpOut(pkt.icmpType);
  if (pkt.trace !== null) traceLocalOut(ns, pkt, r);
  // ip_route_output_flow → xfrm_lookup_route: an output policy attaches its SA to the route.
  if (ns.xfrm !== null && !xfrmLookup(ns, pkt)) return 0;
  const outDev = r.type === 'local' ? loopbackOf(ns) : r.dev!;
  if (ns.netfilter !== null) {
    const dst = pkt.ipDst;
    // A packet dropped in OUTPUT (DROP, or REJECT after its ICMP/RST) fails the send: nf_hook_slow
    // turns NF_DROP into -EPERM, which sendmsg returns ("sendmsg: Operation not permitted").
    if (!ns.netfilter.localOut(pkt, outDev)) return EPERM;
    // A DNAT in OUTPUT re-routes the packet (ip_route_me_harder).
    if (pkt.ipDst !== dst) return rerouteOut(ns, pkt);
  }
  // A device that refuses the frame at once (veth_xmit: NET_XMIT_DROP) fails the send: ENOBUFS.
  return ipFinishOutput(ns, outDev, r.type === 'local' || r.gateway === 0 ? pkt.ipDst : r.gateway, pkt) || 0;
}

/** The sender's route lookup fails with ENETUNREACH (udp/raw/ping sendmsg, tcp_v4_connect). */
function noRouteOut(ns: Netns, pkt: Packet, countNoRoute: boolean): number {
  if (countNoRoute) ns.snmp.Ip.OutNoRoutes++;
  ns.host.drops++;
  if (pkt.trace !== null) traceEnd(pkt, ns, null, { kind: 'drop', reason: Drop.NoRoute, skb: 'IP_OUTNOROUTES', detail: `no route to ${formatIp4(pkt.ipDst)}: Network is unreachable` });
  return ENETUNREACH;
}

function refusedOut(ns: Netns, pkt: Packet, r: Route): number {
  dropPacket(ns, null, pkt, refusedDrop(r), `route ${r.prefixText} is ${r.type}`);
  return routeTypeErrno(r);
}

function traceLocalOut(ns: Netns, pkt: Packet, r: Route): void {
  tracepoint(pkt, ns, null, { kind: 'send' });
  tracepoint(pkt, ns, null, { kind: 'route', step: 'output', route: r.traceInfo() });
}

/** ip_route_me_harder after a DNAT in OUTPUT: the packet is routed again to its new destination. */
function rerouteOut(ns: Netns, pkt: Packet): number {
  const r = routeOutput(ns, pkt.ipDst);
  if (r === null) {
    dropPacket(ns, null, pkt, Drop.NoRoute, `no route to ${formatIp4(pkt.ipDst)} after DNAT`);
    return ENETUNREACH;
  }
  if (pkt.trace !== null) tracepoint(pkt, ns, null, { kind: 'route', step: 'reroute', route: r.traceInfo() });
  if (ns.xfrm !== null && !xfrmLookup(ns, pkt)) return 0;
  const dev = r.type === 'local' ? loopbackOf(ns) : r.dev!;
  return ipFinishOutput(ns, dev, r.type === 'local' || r.gateway === 0 ? pkt.ipDst : r.gateway, pkt) || 0;
}

function localPmtu(ns: Netns, pkt: Packet): void {
  const e = ns.pmtu.get(pkt.ipDst);
  if (e !== undefined && e.expires > pkt.tstamp && pkt.ipTotalLength() > e.mtu) pkt.fragMax = e.mtu;
}

function loopbackOf(ns: Netns): NetDevice {
  return ns.devices.get(1)!;
}

/** POSTROUTING, the MTU check, then the neighbour layer (ip_output → ip_finish_output2). */
export function ipFinishOutput(ns: Netns, dev: NetDevice, nexthop: Ip4, pkt: Packet): number | void {
  if (ns.netfilter !== null && !ns.netfilter.postRouting(pkt, dev)) return EPERM;
  ns.snmp.Ip.OutTransmits++;
  // xfrm4_output: the SA the route carries transforms the datagram only now, after POSTROUTING.
  if (pkt.xfrm !== null) return xfrmOutput(ns, dev, nexthop, pkt);
  if ((pkt.ipTotalLength() > dev.mtu || pkt.fragMax !== 0) && (pkt.ipDf || dev.kind !== 'loopback')) return outputTooBig(ns, dev, nexthop, pkt);
  return neighOutput(ns, dev, nexthop, pkt);
}

/** Larger than the device's MTU (or than the pieces it was reassembled from), not over lo. */
function outputTooBig(ns: Netns, dev: NetDevice, nexthop: Ip4, pkt: Packet): number | void {
  if (pkt.ipDf) {
    icmpSend(ns, pkt, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, dev.mtu, null);
    return dropPacket(ns, dev, pkt, Drop.FragNeeded, `${pkt.ipTotalLength()} bytes > mtu ${dev.mtu} of ${dev.name}, DF`);
  }
  // ip_fragment: pieces that fit (or, reassembled here, the sizes it came in).
  return ipFragment(ns, dev, pkt, dev.mtu, (f) => neighOutput(ns, dev, nexthop, f));
}

/**
 * sock_confirm_neigh: a socket whose peer just moved it on (tcp_ack with forward progress →
 * sk_dst_confirm) confirms the neighbour its next segment to `dst` leaves through.
 */
export function confirmNeighbourOf(ns: Netns, dst: Ip4, now: number): void {
  const r = routeOutput(ns, dst);
  if (r === null || r.type !== 'unicast' || r.dev === null) return;
  const e = ns.neigh.get(r.dev, r.gateway !== 0 ? r.gateway : dst);
  if (e !== undefined) neighConfirm(e, now);
}

export function neighOutput(ns: Netns, dev: NetDevice, nexthop: Ip4, pkt: Packet): number | void {
  pkt.ethSrc = dev.mac;
  if (dev.kind === 'loopback') {
    pkt.ethDst = 0;
    return dev.transmit(pkt);
  }
  if (nexthop === 0xffffffff || isSubnetBroadcast(dev, nexthop)) {
    pkt.ethDst = BROADCAST_MAC;
    return dev.transmit(pkt);
  }
  const e = ns.neigh.get(dev, nexthop);
  if (e !== undefined && e.usable()) {
    neighEventSend(ns, e, pkt.tstamp);
    pkt.ethDst = e.mac;
    if (pkt.trace !== null) traceXmit(ns, dev, nexthop, pkt, e);
    return dev.transmit(pkt);
  }
  arpResolve(ns, dev, nexthop, pkt, e);
}

function traceXmit(ns: Netns, dev: NetDevice, nexthop: Ip4, pkt: Packet, e: NeighEntry): void {
  tracepoint(pkt, ns, dev, { kind: 'xmit', out: dev.name, neighbour: formatIp4(nexthop), state: e.stateAt(pkt.tstamp) });
}

function isSubnetBroadcast(dev: NetDevice, ip: Ip4): boolean {
  const addrs = dev.addrs;
  for (let i = 0; i < addrs.length; i++) if (addrs[i]!.broadcast === ip) return true;
  return false;
}
