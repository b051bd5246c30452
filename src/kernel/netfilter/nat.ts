// NAT the way nf_nat does it: a NAT target decides, once per connection and per manip type
// (source or destination), what the reply tuple becomes; every packet of the connection is then
// rewritten from the tuples (nf_nat_packet), replies in reverse.
import { formatIp4 } from '../../core/addr.js';
import type { HostPort } from '../../core/trace.js';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from '../../wire/packet.js';
import type { Packet } from '../../wire/packet.js';
import type { Conntrack, CtEntry, CtRef } from './conntrack.js';
import {
  DIR_ORIGINAL, IPS_DST_NAT, IPS_DST_NAT_DONE, IPS_SRC_NAT, IPS_SRC_NAT_DONE,
} from './conntrack.js';

export const MANIP_SRC = 0;
export const MANIP_DST = 1;

function hasPorts(proto: number): boolean {
  return proto === IPPROTO_TCP || proto === IPPROTO_UDP;
}

/** Has the NAT decision for this manip type been taken (nf_nat_initialized)? */
export function natInitialized(e: CtEntry, manip: number): boolean {
  return (e.status & (manip === MANIP_SRC ? IPS_SRC_NAT_DONE : IPS_DST_NAT_DONE)) !== 0;
}

export function natDone(e: CtEntry, manip: number): void {
  e.status |= manip === MANIP_SRC ? IPS_SRC_NAT_DONE : IPS_DST_NAT_DONE;
}

/**
 * nf_nat_setup_info: the connection's new source (SNAT) or destination (DNAT). `port` 0 keeps
 * the port; SNAT picks another source port when the reply tuple would clash with another
 * connection's (nf_nat_used_tuple), within [portMin, portMax] when a range was given.
 */
export function setupNat(ct: Conntrack, e: CtEntry, manip: number, addr: number, portMin: number, portMax: number, now: number): void {
  const r = e.reply;
  const ports = hasPorts(e.proto);
  if (manip === MANIP_DST) {
    r.src = addr;
    if (ports && portMin !== 0) r.p1 = portMin;
    if (addr !== e.orig.dst || (ports && r.p1 !== e.orig.p2)) e.status |= IPS_DST_NAT;
  } else {
    r.dst = addr;
    if (ports) {
      let p = portMin !== 0 ? portMin : r.p2;
      const lo = portMin !== 0 ? portMin : p < 1024 ? (p < 512 ? 1 : 600) : 1024;
      const hi = portMin !== 0 ? portMax : p < 1024 ? 1023 : 65535;
      if (p < lo || p > hi) p = lo;
      for (let k = 0; k <= hi - lo && ct.used(r.src, addr, r.p1, p, e.proto, now); k++) p = p >= hi ? lo : p + 1;
      r.p2 = p;
    }
    if (addr !== e.orig.src || (ports && r.p2 !== e.orig.p1)) e.status |= IPS_SRC_NAT;
  }
  natDone(e, manip);
}

/**
 * nf_nat_packet: rewrites `pkt` for its connection at a hook of the given manip type. Returns
 * true when something changed. ICMP errors related to a NATed connection have their quoted
 * packet translated too.
 */
export function natPacket(ref: CtRef, manip: number, pkt: Packet): boolean {
  // In the reply direction the roles swap: undoing SNAT is a destination rewrite.
  const bit = (manip === MANIP_SRC) === (ref.dir === DIR_ORIGINAL) ? IPS_SRC_NAT : IPS_DST_NAT;
  // Most hooks have nothing to rewrite: that answer stays small enough for V8 to inline into
  // every hook, and the rewrite is a call of its own.
  if ((ref.entry!.status & bit) === 0) return false;
  return natRewrite(ref, manip, pkt);
}

function natRewrite(ref: CtRef, manip: number, pkt: Packet): boolean {
  const e = ref.entry!;
  const dir = ref.dir;
  // The tuple this direction's packets must end up with: the inverse of the other direction's.
  const other = dir === DIR_ORIGINAL ? e.reply : e.orig;
  // A related ICMP error has no ports of its own (its quoted packet is rewritten below); a
  // related TCP reset (REJECT --reject-with tcp-reset, attached) is rewritten like the flow.
  const ports = hasPorts(e.proto) && pkt.ipProto === e.proto;
  let changed = false;
  // The tuples hold addresses as int32 (conntrack.ts): compared as such, stored back as uint32.
  if (manip === MANIP_SRC) {
    if ((pkt.ipSrc | 0) !== other.d32) {
      pkt.ipSrc = other.d32 >>> 0;
      changed = true;
    }
    if (ports && pkt.sport !== other.p2) {
      pkt.sport = other.p2;
      changed = true;
    }
  } else {
    if ((pkt.ipDst | 0) !== other.s32) {
      pkt.ipDst = other.s32 >>> 0;
      changed = true;
    }
    if (ports && pkt.dport !== other.p1) {
      pkt.dport = other.p1;
      changed = true;
    }
  }
  if (ref.related && pkt.ipProto === IPPROTO_ICMP && pkt.inner !== null) {
    // The quoted packet went the other way: it gets the opposite rewrite.
    const q = pkt.inner;
    const qports = hasPorts(q.ipProto);
    if (manip === MANIP_SRC) {
      q.ipDst = other.dst;
      if (qports) q.dport = other.p2;
    } else {
      q.ipSrc = other.src;
      if (qports) q.sport = other.p1;
    }
  }
  return changed;
}

export function hostPort(addr: number, port: number, withPort: boolean): string {
  return withPort ? `${formatIp4(addr)}:${port}` : formatIp4(addr);
}

/** The same as trace events carry it. */
export function hostPortOf(addr: number, port: number, withPort: boolean): HostPort {
  return { addr: formatIp4(addr), port: withPort ? port : null };
}
