// ARP for Ethernet/IPv4 (net/ipv4/arp.c): answering requests for our addresses, learning from
// what we hear, and resolving next hops for the neighbour layer.
import { BROADCAST_MAC, formatIp4, formatMac } from '../core/addr.js';
import type { Ip4 } from '../core/addr.js';
import { ARPOP_REPLY, ARPOP_REQUEST, ETH_P_ARP, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, Packet } from '../wire/packet.js';
import type { NetDevice } from './device.js';
import { Drop } from './drop.js';
import { icmpSend } from './icmp.js';
import { ARP_PROBES, ARP_RETRANS_JIFFIES, DELAY_PROBE_JIFFIES, DELAY_PROBE_TIME, NO_QUEUE, UCAST_PROBES, UNRES_QLEN } from './neigh.js';
import type { NeighEntry } from './neigh.js';
import type { Netns } from './netns.js';
import { dropPacket } from './kfree-skb.js';
import { timerExpiry } from './timer.js';
import { tracepoint } from './tracepoint.js';

export function arpRcv(dev: NetDevice, pkt: Packet): void {
  const ns = dev.ns;
  const now = pkt.tstamp;
  if (pkt.arpOp === ARPOP_REQUEST) {
    // arp_ignore=0: answer for any address of the namespace, whichever device asked.
    if (!ns.isLocal(pkt.arpTpa)) return;
    const e = ns.neigh.get(dev, pkt.arpSpa) ?? ns.neigh.create(dev, pkt.arpSpa);
    // neigh_event_ns → neigh_update(NUD_STALE): a valid entry with this address keeps its state
    // (and its timer); otherwise the entry becomes STALE with the sender's address, stops
    // resolving and sends what waited. STALE confirms nothing.
    if (e.state !== 'PERMANENT' && e.state !== 'NOARP' && !(e.usable() && e.mac === pkt.arpSha)) {
      e.mac = pkt.arpSha;
      e.state = 'STALE';
      cancelTimer(ns, e);
      flushQueue(ns, e);
    }
    const reply = new Packet();
    reply.ethType = ETH_P_ARP;
    reply.ethSrc = dev.mac;
    reply.ethDst = pkt.arpSha;
    reply.arpOp = ARPOP_REPLY;
    reply.arpSha = dev.mac;
    reply.arpSpa = pkt.arpTpa;
    reply.arpTha = pkt.arpSha;
    reply.arpTpa = pkt.arpSpa;
    reply.tstamp = now;
    reply.trace = pkt.trace;
    dev.transmit(reply);
    return;
  }
  if (pkt.arpOp === ARPOP_REPLY) {
    const e = ns.neigh.get(dev, pkt.arpSpa);
    if (e === undefined || e.state === 'PERMANENT') return;
    e.mac = pkt.arpSha;
    e.state = 'REACHABLE';
    e.confirmed = now;
    cancelTimer(ns, e);
    for (const q of e.queue) {
      if (q.tstamp < now) q.tstamp = now;
      if (q.trace !== null) tracepoint(q, ns, dev, { kind: 'arp', op: 'is-at', ip: formatIp4(e.ip), mac: formatMac(e.mac) });
    }
    flushQueue(ns, e);
  }
}

function cancelTimer(ns: Netns, e: NeighEntry): void {
  if (e.timer >= 0) ns.host.eq.cancel(e.timer);
  e.timer = -1;
}

/** neigh_add_timer / mod_timer(jiffies + delta): the timer wheel rounds it up (timer.ts). */
function armTimer(ns: Netns, e: NeighEntry, at: number, delta: number, fn: () => void): void {
  cancelTimer(ns, e);
  e.timer = ns.host.eq.at(timerExpiry(Math.max(at, ns.host.eq.now), delta), () => {
    e.timer = -1;
    fn();
  });
}

/**
 * __neigh_event_send for an entry packets are sent with: a STALE one (or a REACHABLE one past
 * its reachable time) goes to DELAY, and is checked delay_first_probe_time later.
 */
export function neighEventSend(ns: Netns, e: NeighEntry, now: number): void {
  if (e.state === 'DELAY' || e.state === 'PROBE' || e.stateAt(now) !== 'STALE') return;
  e.state = 'DELAY';
  armTimer(ns, e, now, DELAY_PROBE_JIFFIES, () => {
    if (e.state !== 'DELAY') return;
    const t = ns.host.eq.now;
    // neigh_timer_handler: confirmed during the delay → REACHABLE; else probe it, unicast.
    if (t - e.confirmed <= DELAY_PROBE_TIME) {
      e.state = 'REACHABLE';
      return;
    }
    e.state = 'PROBE';
    e.probes = 0;
    probe(ns, e, t);
  });
}

/** neigh_confirm: an upper layer saw the neighbour answer (a TCP ACK that moved a connection on). */
export function neighConfirm(e: NeighEntry, now: number): void {
  if (e.usable()) e.confirmed = now;
}

/** NUD_PROBE: a unicast ARP request to the address we have, up to UCAST_PROBES, 1 s apart. */
function probe(ns: Netns, e: NeighEntry, at: number): void {
  e.probes++;
  const dev = e.dev;
  const req = new Packet();
  req.ethType = ETH_P_ARP;
  req.ethSrc = dev.mac;
  req.ethDst = e.mac;
  req.arpOp = ARPOP_REQUEST;
  req.arpSha = dev.mac;
  // Nothing waits in the queue, so arp_solicit takes the device's address (inet_select_addr).
  req.arpSpa = dev.primaryAddr() ?? 0;
  req.arpTha = 0;
  req.arpTpa = e.ip;
  req.tstamp = at;
  armTimer(ns, e, at, ARP_RETRANS_JIFFIES, () => {
    if (e.state !== 'PROBE') return;
    if (e.probes < UCAST_PROBES) return probe(ns, e, ns.host.eq.now);
    e.state = 'FAILED';
  });
  dev.transmit(req);
}

function flushQueue(ns: Netns, e: NeighEntry): void {
  while (e.queue.length > 0) {
    const q = e.queue.shift()!;
    q.ethDst = e.mac;
    if (q.trace !== null) tracepoint(q, ns, e.dev, { kind: 'xmit', out: e.dev.name, neighbour: null, state: null });
    e.dev.transmit(q);
  }
  e.queue = NO_QUEUE;
}

/** Queues `pkt` until `nexthop` answers, soliciting it if this is a new resolution. */
export function arpResolve(ns: Netns, dev: NetDevice, nexthop: Ip4, pkt: Packet, existing: NeighEntry | undefined): void {
  const e = existing ?? ns.neigh.create(dev, nexthop);
  if (pkt.trace !== null) {
    const spa = ns.isLocal(pkt.ipSrc) ? pkt.ipSrc : (dev.primaryAddr() ?? 0);
    tracepoint(pkt, ns, dev, { kind: 'arp', op: 'who-has', target: formatIp4(nexthop), sender: formatIp4(spa), pending: e.state === 'INCOMPLETE' && e.probes > 0 });
  }
  if (e.queue.length >= UNRES_QLEN) {
    const old = e.queue.shift()!;
    dropPacket(ns, dev, old, Drop.NeighFailed, 'unresolved queue full');
  }
  if (e.queue === NO_QUEUE) e.queue = [pkt];
  else e.queue.push(pkt);
  if (e.state === 'INCOMPLETE' && e.probes > 0) return;
  e.state = 'INCOMPLETE';
  e.probes = 0;
  solicit(ns, e, pkt.ipSrc, pkt.tstamp);
}

function solicit(ns: Netns, e: NeighEntry, src: Ip4, at: number): void {
  e.probes++;
  const dev = e.dev;
  const req = new Packet();
  req.ethType = ETH_P_ARP;
  req.ethSrc = dev.mac;
  req.ethDst = BROADCAST_MAC;
  req.arpOp = ARPOP_REQUEST;
  req.arpSha = dev.mac;
  // arp_solicit uses the queued packet's source if it is ours, else the device's address.
  req.arpSpa = ns.isLocal(src) ? src : (dev.primaryAddr() ?? 0);
  req.arpTha = 0;
  req.arpTpa = e.ip;
  req.tstamp = at;
  const eq = ns.host.eq;
  // The retransmit timer keeps the address, not the request: a Packet held for the second it
  // waits outlives scavenges (one per ARP resolution in a swarm's join).
  const spa = req.arpSpa;
  armTimer(ns, e, at, ARP_RETRANS_JIFFIES, () => {
    if (e.state !== 'INCOMPLETE') return;
    if (e.probes < ARP_PROBES) return solicit(ns, e, spa, eq.now);
    e.state = 'FAILED';
    const queued = e.queue;
    e.queue = NO_QUEUE;
    for (const q of queued) {
      q.tstamp = eq.now;
      icmpSend(ns, q, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0, null);
      dropPacket(ns, dev, q, Drop.NeighFailed, `${formatIp4(e.ip)} did not answer ${ARP_PROBES} ARP requests`);
    }
  });
  dev.transmit(req);
}
