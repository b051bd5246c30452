// XFRM (net/xfrm) in one namespace, reduced to what Docker 19.03's encrypted overlays use: SAs
// (struct xfrm_state) for ESP in transport mode, output policies (struct xfrm_policy) whose
// template asks for one, and the two places the IPv4 path meets them:
//   output  the route lookup attaches the SA an output policy selects (xfrm_lookup, called from
//           ip_route_output_flow and again from ip_route_me_harder when mangle OUTPUT changed the
//           mark); after POSTROUTING, xfrm4_output → esp_output wraps the datagram in ESP and the
//           ESP packet is sent like a new local one: OUTPUT, then POSTROUTING, then the device
//           (xfrm_output_resume → __ip_local_out → dst_output).
//   input   IP protocol 50 to a local address: xfrm4_rcv finds the SA by (daddr, SPI, proto) or
//           drops the packet (XfrmInNoStates); esp_input unwraps it, the datagram gets a secpath
//           and re-enters at PREROUTING (xfrm4_transport_finish), then INPUT and the socket.
// Not modelled: cryptography (esp.ts), tunnel/BEET modes, AH and IPcomp, input and forward
// policy checks (Docker installs none), forwarded traffic, lifetimes and expiry, ESN, replay
// windows (Docker's SAs have replay-window 0, which the kernel does not check), ACQUIRE to a key
// manager (a policy without a usable SA drops, as with xfrm_larval_drop = 1).
import { formatIp4, prefixMask } from '../core/addr.js';
import type { Ip4 } from '../core/addr.js';
import { IPPROTO_ESP, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, Packet } from '../wire/packet.js';
import { hex8 } from '../wire/esp.js';
import type { NetDevice } from './device.js';
import { Drop } from './drop.js';
import { EPERM, ipFinishOutput, ipRcvReinject } from './ipv4.js';
import { XFRM_NS } from './latency.js';
import { NF_INET_LOCAL_OUT } from './netfilter/hooks.js';
import type { Netns } from './netns.js';
import { dropPacket } from './kfree-skb.js';
import { tracepoint } from './tracepoint.js';

export const XFRM_MODE_TRANSPORT = 0;
export const XFRM_MODE_TUNNEL = 1;
export const XFRM_POLICY_IN = 0;
export const XFRM_POLICY_OUT = 1;
export const XFRM_POLICY_FWD = 2;

/** An errno of the XFRM netlink interface, with the text `ip xfrm` prints for it. */
export class XfrmError extends Error {}

export interface XfrmAead {
  readonly name: string;
  /** Key material as configured: the AES key followed by the 4-byte salt (rfc4106). */
  readonly key: Uint8Array;
  readonly icvBits: number;
}

/** A security association. The selector is left zero (any), as Docker leaves it. */
export class XfrmState {
  /** replay.oseq: the last sequence number sent. */
  oseq = 0;
  /** replay.seq: the highest sequence number received. */
  seq = 0;
  /** curlft: what went through the SA. */
  bytes = 0;
  packets = 0;

  constructor(
    readonly src: Ip4,
    readonly dst: Ip4,
    readonly proto: number,
    readonly spi: number,
    readonly reqid: number,
    readonly mode: number,
    readonly aead: XfrmAead | null,
    readonly replayWindow = 0,
  ) {}
}

export interface XfrmSelector {
  readonly src: Ip4;
  readonly srcLen: number;
  readonly dst: Ip4;
  readonly dstLen: number;
  /** 0: any protocol. */
  readonly proto: number;
  readonly sport: number;
  readonly sportMask: number;
  readonly dport: number;
  readonly dportMask: number;
}

export interface XfrmTmpl {
  readonly src: Ip4;
  readonly dst: Ip4;
  readonly proto: number;
  /** 0: any SPI. */
  readonly spi: number;
  readonly reqid: number;
  readonly mode: number;
}

export class XfrmPolicy {
  constructor(
    readonly sel: XfrmSelector,
    readonly dir: number,
    readonly priority: number,
    readonly mark: number,
    readonly markMask: number,
    readonly tmpls: readonly XfrmTmpl[],
    readonly action: 'allow' | 'block' = 'allow',
  ) {}
}

/** Counters of /proc/net/xfrm_stat that the model can hit. */
export class XfrmStats {
  inNoStates = 0;
  inStateProtoError = 0;
  outNoStates = 0;
  outPolBlock = 0;
}

function selectorEquals(a: XfrmSelector, b: XfrmSelector): boolean {
  return a.src === b.src && a.srcLen === b.srcLen && a.dst === b.dst && a.dstLen === b.dstLen && a.proto === b.proto
    && a.sport === b.sport && a.sportMask === b.sportMask && a.dport === b.dport && a.dportMask === b.dportMask;
}

/** The XFRM state and policy databases of one namespace. */
export class Xfrm {
  /** In the order they were added; the kernel dumps the newest first. */
  readonly states: XfrmState[] = [];
  readonly policies: XfrmPolicy[] = [];
  readonly stats = new XfrmStats();
  /** Output policies exist: the only thing the output path reads when there are none. */
  hasOut = false;
  /** SAs by SPI, for xfrm_state_lookup on input. */
  private readonly bySpi = new Map<number, XfrmState[]>();

  constructor(readonly ns: Netns) {}

  state(dst: Ip4, spi: number, proto: number): XfrmState | undefined {
    const list = this.bySpi.get(spi >>> 0);
    if (list === undefined) return undefined;
    for (let i = 0; i < list.length; i++) {
      const x = list[i]!;
      if (x.dst === dst && x.proto === proto) return x;
    }
    return undefined;
  }

  /** XFRM_MSG_NEWSA. */
  addState(x: XfrmState): void {
    if (this.state(x.dst, x.spi, x.proto) !== undefined) throw new XfrmError('File exists');
    this.states.push(x);
    const spi = x.spi >>> 0;
    const list = this.bySpi.get(spi);
    if (list === undefined) this.bySpi.set(spi, [x]);
    else list.push(x);
    // Adding the first ESP SA loads esp4 (request_module "xfrm-type-2-50"), for every namespace.
    if (x.proto === IPPROTO_ESP) this.ns.host.espLoaded = true;
  }

  /** XFRM_MSG_DELSA. */
  deleteState(dst: Ip4, spi: number, proto: number): void {
    const x = this.state(dst, spi, proto);
    if (x === undefined) throw new XfrmError('No such process');
    this.states.splice(this.states.indexOf(x), 1);
    const list = this.bySpi.get(spi >>> 0)!;
    list.splice(list.indexOf(x), 1);
    if (list.length === 0) this.bySpi.delete(spi >>> 0);
  }

  flushStates(): void {
    this.states.length = 0;
    this.bySpi.clear();
  }

  policy(sel: XfrmSelector, dir: number, mark: number, markMask: number): XfrmPolicy | undefined {
    return this.policies.find((p) => p.dir === dir && p.mark === mark && p.markMask === markMask && selectorEquals(p.sel, sel));
  }

  /** XFRM_MSG_NEWPOLICY. */
  addPolicy(p: XfrmPolicy): void {
    if (this.policy(p.sel, p.dir, p.mark, p.markMask) !== undefined) throw new XfrmError('File exists');
    this.policies.push(p);
    this.hasOut = this.policies.some((q) => q.dir === XFRM_POLICY_OUT);
  }

  /** XFRM_MSG_DELPOLICY. */
  deletePolicy(sel: XfrmSelector, dir: number, mark: number, markMask: number): void {
    const p = this.policy(sel, dir, mark, markMask);
    if (p === undefined) throw new XfrmError('No such file or directory');
    this.policies.splice(this.policies.indexOf(p), 1);
    this.hasOut = this.policies.some((q) => q.dir === XFRM_POLICY_OUT);
  }

  flushPolicies(): void {
    this.policies.length = 0;
    this.hasOut = false;
  }

  /**
   * xfrm_policy_lookup for an output flow: the selector (addresses, protocol, ports), the mark
   * ((flow mark & m) == v), the lowest priority number; among equals the one added first.
   */
  lookupOut(pkt: Packet): XfrmPolicy | null {
    let best: XfrmPolicy | null = null;
    const ps = this.policies;
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i]!;
      if (p.dir !== XFRM_POLICY_OUT || ((pkt.mark & p.markMask) >>> 0) !== p.mark >>> 0) continue;
      if (!selectorMatch(p.sel, pkt)) continue;
      if (best === null || p.priority < best.priority) best = p;
    }
    return best;
  }

  /**
   * xfrm_tmpl_resolve_one → xfrm_state_find: in transport mode the SA is looked for between the
   * flow's own addresses, with the template's protocol, mode, reqid and (when set) SPI; the
   * youngest one wins.
   */
  resolve(t: XfrmTmpl, pkt: Packet): XfrmState | null {
    const daddr = t.mode === XFRM_MODE_TRANSPORT || t.dst === 0 ? pkt.ipDst : t.dst;
    const saddr = t.mode === XFRM_MODE_TRANSPORT || t.src === 0 ? pkt.ipSrc : t.src;
    let best: XfrmState | null = null;
    for (const x of this.states) {
      if (x.dst !== daddr || x.src !== saddr || x.proto !== t.proto || x.mode !== t.mode || x.reqid !== t.reqid) continue;
      if (t.spi !== 0 && x.spi >>> 0 !== t.spi >>> 0) continue;
      best = x;
    }
    return best;
  }
}

/** __xfrm4_selector_match, with the flow decoded from the packet (ports, or ICMP type and code). */
function selectorMatch(s: XfrmSelector, pkt: Packet): boolean {
  if (s.dstLen !== 0 && ((pkt.ipDst ^ s.dst) & prefixMask(s.dstLen)) !== 0) return false;
  if (s.srcLen !== 0 && ((pkt.ipSrc ^ s.src) & prefixMask(s.srcLen)) !== 0) return false;
  if (s.proto !== 0 && pkt.ipProto !== s.proto) return false;
  let sport = 0;
  let dport = 0;
  if (pkt.ipProto === IPPROTO_UDP || pkt.ipProto === IPPROTO_TCP) {
    sport = pkt.sport;
    dport = pkt.dport;
  } else if (pkt.ipProto === IPPROTO_ICMP) {
    sport = pkt.icmpType;
    dport = pkt.icmpCode;
  }
  return ((dport ^ s.dport) & s.dportMask) === 0 && ((sport ^ s.sport) & s.sportMask) === 0;
}

/** The namespace's XFRM databases, created on first use. */
export function xfrmOf(ns: Netns): Xfrm {
  let x = ns.xfrm;
  if (x === null) {
    x = new Xfrm(ns);
    ns.xfrm = x;
  }
  return x;
}

export function describeSelector(s: XfrmSelector): string {
  let t = `src ${formatIp4(s.src)}/${s.srcLen} dst ${formatIp4(s.dst)}/${s.dstLen}`;
  if (s.proto !== 0) t += ` proto ${PROTO_NAMES[s.proto] ?? s.proto}`;
  if (s.sportMask !== 0) t += ` sport ${s.sport}`;
  if (s.dportMask !== 0) t += ` dport ${s.dport}`;
  return t;
}

const PROTO_NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 50: 'esp', 51: 'ah', 108: 'ipcomp' };

export function xfrmProtoName(proto: number): string {
  return proto === IPPROTO_ESP ? 'esp' : proto === 51 ? 'ah' : proto === 108 ? 'comp' : String(proto);
}

/**
 * xfrm_lookup on an output route: sets pkt.xfrm to the SA the matching output policy resolves to,
 * or clears it. False when the packet was dropped: a blocking policy, or a template without a
 * usable SA (XfrmOutNoStates; with xfrm_larval_drop the route becomes a blackhole).
 */
export function xfrmLookup(ns: Netns, pkt: Packet): boolean {
  const x = ns.xfrm!;
  pkt.xfrm = null;
  if (!x.hasOut) return true;
  const pol = x.lookupOut(pkt);
  if (pol === null) return true;
  if (pol.action === 'block') {
    x.stats.outPolBlock++;
    dropPacket(ns, null, pkt, Drop.XfrmPolicyBlock, `XFRM policy out ${describeSelector(pol.sel)} blocks (XfrmOutPolBlock)`);
    return false;
  }
  // Docker's policies have one template; a bundle of several is not modelled.
  const t = pol.tmpls[0];
  if (t === undefined) return true;
  const sa = x.resolve(t, pkt);
  if (sa === null) {
    x.stats.outNoStates++;
    dropPacket(ns, null, pkt, Drop.XfrmOutNoStates, `XFRM policy out ${describeSelector(pol.sel)}: no ${xfrmProtoName(t.proto)} SA ${formatIp4(pkt.ipSrc)} → ${formatIp4(pkt.ipDst)} reqid ${t.reqid} (XfrmOutNoStates)`);
    return false;
  }
  pkt.xfrm = sa;
  if (pkt.trace !== null) {
    const mark = pol.markMask !== 0 ? `0x${(pol.mark >>> 0).toString(16)}/0x${(pol.markMask >>> 0).toString(16)}` : null;
    tracepoint(pkt, ns, null, { kind: 'xfrm', op: 'lookup', policy: describeSelector(pol.sel), mark, proto: xfrmProtoName(sa.proto), spi: sa.spi >>> 0, reqid: sa.reqid, mode: sa.mode === XFRM_MODE_TRANSPORT ? 'transport' : 'tunnel' });
  }
  return true;
}

/**
 * xfrm4_output after POSTROUTING: esp_output wraps the datagram (transport mode: same addresses,
 * protocol 50, the next sequence number), then xfrm_output_resume sends the ESP packet on as a
 * new local packet — conntrack forgets the cleartext's entry (nf_reset), OUTPUT runs, then
 * POSTROUTING and the device the route chose.
 */
export function xfrmOutput(ns: Netns, dev: NetDevice, nexthop: Ip4, pkt: Packet): number | void {
  const sa = pkt.xfrm as XfrmState;
  pkt.xfrm = null;
  if (sa.proto !== IPPROTO_ESP || sa.mode !== XFRM_MODE_TRANSPORT) {
    return dropPacket(ns, dev, pkt, Drop.Unsupported, `XFRM ${xfrmProtoName(sa.proto)} mode ${sa.mode} not modelled`);
  }
  sa.oseq = (sa.oseq + 1) >>> 0;
  const esp = new Packet();
  esp.takeIpHeader(pkt);
  esp.ipProto = IPPROTO_ESP;
  esp.espSpi = sa.spi;
  esp.espSeq = sa.oseq;
  esp.inner = pkt;
  esp.mark = pkt.mark;
  esp.trace = pkt.trace;
  esp.depth = pkt.depth;
  esp.tstamp = pkt.tstamp + XFRM_NS;
  sa.packets++;
  sa.bytes += pkt.l4Length();
  if (esp.trace !== null) tracepoint(esp, ns, dev, { kind: 'xfrm', op: 'encap', mode: 'transport', spi: sa.spi >>> 0, seq: sa.oseq, peer: formatIp4(sa.dst) });
  // nf_reset: ESP gets its own conntrack entry (protocol 50), not the datagram's.
  if (ns.netfilter !== null && !ns.netfilter.hook(NF_INET_LOCAL_OUT, esp, null, dev)) return EPERM;
  return ipFinishOutput(ns, dev, nexthop, esp);
}

/**
 * xfrm4_rcv → xfrm_input for an ESP packet delivered locally: the SA by (daddr, SPI, ESP), or a
 * drop counted as XfrmInNoStates; esp_input (always authentic here), then xfrm4_transport_finish
 * hands the datagram back to the IP layer with its secpath.
 */
export function xfrm4Rcv(ns: Netns, dev: NetDevice, pkt: Packet): void {
  const xdb = ns.xfrm;
  const sa = xdb === null ? undefined : xdb.state(pkt.ipDst, pkt.espSpi, IPPROTO_ESP);
  if (sa === undefined) {
    if (xdb !== null) xdb.stats.inNoStates++;
    return dropPacket(ns, dev, pkt, Drop.XfrmInNoStates, `no SA for ESP spi 0x${hex8(pkt.espSpi)} to ${formatIp4(pkt.ipDst)} (XfrmInNoStates)`);
  }
  const inner = pkt.inner;
  if (inner === null) {
    xdb!.stats.inStateProtoError++;
    return dropPacket(ns, dev, pkt, Drop.XfrmInStateProtoError, `ESP spi 0x${hex8(pkt.espSpi)}: payload does not decrypt (XfrmInStateProtoError)`);
  }
  sa.packets++;
  sa.bytes += inner.l4Length();
  if (pkt.espSeq > sa.seq) sa.seq = pkt.espSeq;
  // Transport mode: the outer header is the datagram's own, with the protocol put back.
  inner.ethSrc = pkt.ethSrc;
  inner.ethDst = pkt.ethDst;
  inner.ipSrc = pkt.ipSrc;
  inner.ipDst = pkt.ipDst;
  inner.ipTtl = pkt.ipTtl;
  inner.ipTos = pkt.ipTos;
  inner.mark = pkt.mark;
  inner.ct = null;
  inner.xfrm = null;
  inner.secpath = sa;
  inner.trace = pkt.trace;
  inner.depth = pkt.depth;
  inner.tstamp = pkt.tstamp + XFRM_NS;
  if (inner.trace !== null) tracepoint(inner, ns, dev, { kind: 'xfrm', op: 'decap', mode: 'transport', spi: sa.spi >>> 0, seq: pkt.espSeq, peer: formatIp4(sa.src) });
  ipRcvReinject(dev, inner);
}
