// The netfilter state of one namespace and the hooks the IPv4 path calls. Each hook runs what the
// kernel registers there, in priority order:
//   PREROUTING   raw (-300), conntrack (-200), mangle (-150), nat DNAT (-100)
//   INPUT        mangle (-150), filter (0), IPVS reply (98), IPVS request (99), nat SNAT (100), confirm
//   FORWARD      mangle (-150), filter (0), IPVS reply (100)
//   OUTPUT       raw (-300), conntrack (-200), mangle (-150), nat DNAT (-100), filter (0)
//   POSTROUTING  mangle (-150), nat SNAT (100), conntrack confirm
// The nat table is walked only for a connection's first packet; later packets are rewritten
// from the conntrack entry.
import { formatIp4 } from '../../core/addr.js';
import type { EventQueue } from '../../sim/clock.js';
import { describeL3 } from '../../wire/describe.js';
import {
  ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, IPPROTO_TCP, Packet, TCP_RST,
} from '../../wire/packet.js';
import type { Bridge } from '../bridge.js';
import type { NetDevice } from '../device.js';
import { Drop } from '../drop.js';
import { icmpSend } from '../icmp.js';
import { ipFinishOutput, ipLocalOut, routeOutput, selectSource } from '../ipv4.js';
import { Ipvs, NO_DEST } from '../ipvs/ipvs.js';
import type { IpvsConn } from '../ipvs/conn.js';
import type { Netns } from '../netns.js';
import { dropPacket } from '../kfree-skb.js';
import { xfrmLookup } from '../xfrm.js';
import { tracepoint } from '../tracepoint.js';
import { resetFor } from '../tcp.js';
import type { CompiledChain, CompiledRule, CompiledTable } from './compile.js';
import { MIN_RUN, compileTable } from './compile.js';
import {
  Conntrack, DIR_ORIGINAL, IPS_CONFIRMED, IPS_SEEN_REPLY, UNTRACKED, ctStateBit, ctStateName, relatedRef,
} from './conntrack.js';
import type { CtRef } from './conntrack.js';
import {
  NF_INET_FORWARD, NF_INET_LOCAL_IN, NF_INET_LOCAL_OUT, NF_INET_POST_ROUTING, NF_INET_PRE_ROUTING,
} from './hooks.js';
import type { HookNum, NetfilterHooks } from './hooks.js';
import { MANIP_DST, MANIP_SRC, hostPort, hostPortOf, natDone, natInitialized, natPacket, setupNat } from './nat.js';
import { REJECT_CODES } from './rule.js';
import type { Table, TableName } from './table.js';
import { MANGLE_BIT, RAW_BIT, Tables } from './table.js';
import { VERDICT_ACCEPT, VERDICT_REJECT, Walker } from './traverse.js';
import type { TargetHandler } from './traverse.js';

export class Netfilter implements NetfilterHooks {
  readonly tables = new Tables();
  readonly conntrack: Conntrack;
  readonly ipvs: Ipvs;
  /** The packet IPVS is sending on right now (skb->ipvs_property, for -m ipvs). */
  private ipvsPkt: Packet | null = null;
  private readonly walker: Walker;
  /** Rules in a port-indexed run at least this long (Infinity: linear walk, for tests). */
  minRun = MIN_RUN;
  private readonly isIpvs = (p: Packet): boolean => p === this.ipvsPkt;

  /** The host's clock, one load away for now(). */
  private readonly eq: EventQueue;

  constructor(readonly ns: Netns) {
    this.eq = ns.host.eq;
    this.conntrack = new Conntrack(ns);
    this.ipvs = new Ipvs(ns.host.eq);
    // ip_vs_conn_expire → ip_vs_conn_drop_conntrack: a connection made with vs.conntrack=1 takes
    // its conntrack entry (client → virtual) with it. The client's next segment then opens a new
    // entry with no NAT, so the stack's RST for it goes back the way the client came.
    this.ipvs.conns.onExpire = (c) => {
      if (!c.nfct) return;
      const e = this.conntrack.get(c.caddr, c.vaddr, c.cport, c.vport, c.proto, this.ns.host.eq.now);
      if (e !== null) this.conntrack.remove(e);
    };
    const handler: TargetHandler = { nat: (cr, p, i, o) => this.natTarget(cr, p, i, o) };
    this.walker = new Walker(handler, ns);
  }

  private compiled(t: Table): CompiledTable {
    return t.compiled ?? this.compile(t);
  }

  private compile(t: Table): CompiledTable {
    const ct = compileTable(t, this.ns, this.isIpvs, this.minRun);
    let pass = 0;
    for (let h = 0; h < t.hookChains.length; h++) {
      const c = t.hookChains[h];
      if (c !== undefined && c.rules.length === 0 && c.policy === 'ACCEPT') pass |= 1 << h;
    }
    t.passHooks = pass;
    t.compiled = ct;
    return ct;
  }

  /** Recompiles everything (after changing minRun). */
  invalidate(): void {
    for (const n of ['raw', 'mangle', 'nat', 'filter'] as TableName[]) this.tables.get(n)!.compiled = null;
  }

  private now(pkt: Packet): number {
    const t = this.eq.now;
    return pkt.tstamp > t ? pkt.tstamp : t;
  }

  /**
   * Walks one table's built-in chain. False: dropped or rejected (already recorded). `bytes` is
   * the packet's length, taken once per hook: nothing a table does there changes it.
   */
  private run(t: Table, hook: number, pkt: Packet, inDev: NetDevice | null, outDev: NetDevice | null, bytes: number): boolean {
    // A table nothing has instantiated in this namespace has no hooks (see Table.registered).
    if (!t.registered) return true;
    if (t.compiled !== null && (t.passHooks & (1 << hook)) !== 0) {
      // An empty built-in chain with policy ACCEPT, as compiled: the policy counts the packet.
      const c = t.hookChains[hook]!;
      c.pkts++;
      c.bytes += bytes;
      return true;
    }
    return this.runCompiled(t, hook, pkt, inDev, outDev, bytes);
  }

  private runCompiled(t: Table, hook: number, pkt: Packet, inDev: NetDevice | null, outDev: NetDevice | null, bytes: number): boolean {
    const ct = this.compiled(t);
    const cc: CompiledChain | undefined = ct.byHook[hook];
    if (cc === undefined) return true;
    const chain = cc.chain;
    if (chain.rules.length === 0 && chain.policy === 'ACCEPT') {
      // Nothing to walk and nothing to drop: count the policy and accept. An empty chain with
      // policy DROP goes to the walker, which counts the policy once (ipt_do_table counts each
      // packet once in the built-in chain's policy rule; counting here too gave 2 packets).
      chain.pkts++;
      chain.bytes += bytes;
      return true;
    }
    const v = this.walker.walk(t.name, cc, pkt, inDev, outDev, bytes);
    if (v === VERDICT_ACCEPT) return true;
    this.refused(t, chain.name, v, pkt, inDev, outDev);
    return false;
  }

  /** A walk ended in DROP or REJECT: the reject's answer, and the drop recorded. */
  private refused(t: Table, chainName: string, v: number, pkt: Packet, inDev: NetDevice | null, outDev: NetDevice | null): void {
    const rule = this.walker.lastRule;
    const name = this.walker.lastChain?.chain.name ?? chainName;
    const where = rule === null ? `${t.name} ${name} policy DROP` : `${t.name} ${name} #${rule.num} ${rule.rule.target.kind === 'REJECT' ? 'REJECT' : 'DROP'}`;
    const dev = inDev ?? outDev;
    if (v === VERDICT_REJECT && rule !== null) this.reject(rule, pkt, inDev);
    dropPacket(this.ns, dev, pkt, Drop.Netfilter, where);
  }

  private reject(rule: CompiledRule, pkt: Packet, inDev: NetDevice | null): void {
    const code = REJECT_CODES[rule.rule.target.rejectWith] ?? ICMP_PORT_UNREACH;
    if (code >= 0) {
      icmpSend(this.ns, pkt, ICMP_DEST_UNREACH, code, 0, inDev);
      return;
    }
    if (pkt.ipProto !== IPPROTO_TCP || pkt.tcpFlags & TCP_RST) return;
    const rst = resetFor(pkt);
    this.attach(rst, pkt);
    ipLocalOut(this.ns, rst, false);
  }

  /** The packet's conntrack reference, when it belongs to this namespace's table. */
  private ref(pkt: Packet): CtRef | null {
    const ref = pkt.ct as CtRef | null;
    if (ref === null || ref.entry === null) return null;
    if (ref.entry.table !== this.conntrack) {
      pkt.ct = null;
      return null;
    }
    return ref;
  }

  private ctLookup(pkt: Packet, dev: NetDevice | null): void {
    this.conntrack.lookup(pkt, this.now(pkt));
    if (pkt.trace !== null) {
      const ref = pkt.ct as CtRef | null;
      const state = ctStateName(ctStateBit(pkt.ct));
      tracepoint(pkt, this.ns, dev, { kind: 'ct', state, reply: ref !== null && ref.entry !== null && ref.dir !== DIR_ORIGINAL });
    }
  }

  /** The nat table at a hook: walked for a new connection, then the packet rewritten. */
  private natHook(hook: number, manip: number, pkt: Packet, inDev: NetDevice | null, outDev: NetDevice | null, bytes: number): boolean {
    const ref = this.ref(pkt);
    if (ref === null) return true;
    const e = ref.entry!;
    const t = this.tables.nat;
    if (ref.dir === DIR_ORIGINAL && !ref.related && !(e.status & IPS_SEEN_REPLY) && !natInitialized(e, manip)) {
      if (!this.run(t, hook, pkt, inDev, outDev, bytes)) return false;
      natDone(e, manip);
    }
    if (pkt.trace === null) natPacket(ref, manip, pkt);
    else this.natTraced(ref, manip, pkt, inDev ?? outDev);
    return true;
  }

  /** natPacket for a traced packet: the rewrite as a hop. */
  private natTraced(ref: CtRef, manip: number, pkt: Packet, dev: NetDevice | null): void {
    const src = pkt.ipSrc;
    const dst = pkt.ipDst;
    const sport = pkt.sport;
    const dport = pkt.dport;
    if (natPacket(ref, manip, pkt)) this.traceNat(ref, manip, pkt, dev, src, dst, sport, dport);
  }

  private traceNat(ref: CtRef, manip: number, pkt: Packet, dev: NetDevice | null, src: number, dst: number, sport: number, dport: number): void {
    const ports = pkt.ipProto === 6 || pkt.ipProto === 17;
    const orig = ref.dir === DIR_ORIGINAL;
    tracepoint(pkt, this.ns, dev, manip === MANIP_DST
      ? { kind: 'nat', manip: orig ? 'DNAT' : 'un-SNAT', by: 'conntrack', before: hostPortOf(dst, dport, ports), after: hostPortOf(pkt.ipDst, pkt.dport, ports) }
      : { kind: 'nat', manip: orig ? 'SNAT' : 'un-DNAT', by: 'conntrack', before: hostPortOf(src, sport, ports), after: hostPortOf(pkt.ipSrc, pkt.sport, ports) });
  }

  /** TargetHandler: DNAT, SNAT, MASQUERADE or REDIRECT matched in the nat table. */
  natTarget(cr: CompiledRule, pkt: Packet, inDev: NetDevice | null, outDev: NetDevice | null): boolean {
    const ref = this.ref(pkt);
    if (ref === null) return true;
    const e = ref.entry!;
    const t = cr.rule.target;
    const now = this.now(pkt);
    switch (t.kind) {
      case 'DNAT':
        setupNat(this.conntrack, e, MANIP_DST, t.addrMin !== 0 ? t.addrMin : pkt.ipDst, t.hasPorts ? t.portMin : 0, t.portMax, now);
        return true;
      case 'REDIRECT': {
        let addr = 0x7f000001;
        if (inDev !== null) {
          const a = inDev.primaryAddr();
          if (a === null) return false;
          addr = a;
        }
        setupNat(this.conntrack, e, MANIP_DST, addr, t.hasPorts ? t.portMin : 0, t.portMax, now);
        return true;
      }
      case 'SNAT':
        setupNat(this.conntrack, e, MANIP_SRC, t.addrMin !== 0 ? t.addrMin : pkt.ipSrc, t.hasPorts ? t.portMin : 0, t.portMax, now);
        return true;
      case 'MASQUERADE': {
        if (outDev === null) return false;
        const r = routeOutput(this.ns, pkt.ipDst);
        const addr = r !== null && r.dev === outDev ? selectSource(this.ns, r, pkt.ipDst) : outDev.primaryAddr();
        if (addr === null || addr === 0) return false;
        setupNat(this.conntrack, e, MANIP_SRC, addr, t.hasPorts ? t.portMin : 0, t.portMax, now);
        return true;
      }
      default:
        return true;
    }
  }

  private confirm(pkt: Packet): void {
    const ref = this.ref(pkt);
    // __nf_conntrack_confirm: "ipt_REJECT uses nf_conntrack_attach to attach related ICMP/TCP RST
    // packets in other direction": only a packet of the original direction confirms.
    if (ref !== null && ref.dir === DIR_ORIGINAL && !(ref.entry!.status & IPS_CONFIRMED)) {
      this.conntrack.confirm(ref);
    }
  }

  hook(hook: HookNum, pkt: Packet, inDev: NetDevice | null, outDev: NetDevice | null): boolean {
    switch (hook) {
      case NF_INET_PRE_ROUTING:
        return this.preRouting(pkt, inDev);
      case NF_INET_LOCAL_IN:
        return this.localIn(pkt, inDev);
      case NF_INET_FORWARD:
        return this.forward(pkt, inDev, outDev);
      case NF_INET_LOCAL_OUT:
        return this.localOut(pkt, outDev);
      case NF_INET_POST_ROUTING:
        return this.postRouting(pkt, outDev);
    }
    return true;
  }

  // One method per hook (what hook() dispatches to, and what the IPv4 path calls directly): each
  // is small enough for V8 to inline into its caller, which one switch over all five was not.

  preRouting(pkt: Packet, inDev: NetDevice | null): boolean {
    const T = this.tables;
    const reg = T.registeredMask;
    const bytes = pkt.ipTotalLength();
    if ((reg & RAW_BIT) !== 0 && !this.run(T.raw, NF_INET_PRE_ROUTING, pkt, inDev, null, bytes)) return false;
    // nf_conntrack_in: "Previously seen (loopback or untracked)? Ignore." A packet looped back
    // through lo keeps its entry; a fresh lookup would miss it once OUTPUT NATed it.
    if (this.ref(pkt) === null) this.ctLookup(pkt, inDev);
    else this.conntrack.stats.ignore++;
    if ((reg & MANGLE_BIT) !== 0 && !this.run(T.mangle, NF_INET_PRE_ROUTING, pkt, inDev, null, bytes)) return false;
    return this.natHook(NF_INET_PRE_ROUTING, MANIP_DST, pkt, inDev, null, bytes);
  }

  localIn(pkt: Packet, inDev: NetDevice | null): boolean {
    const T = this.tables;
    const bytes = pkt.ipTotalLength();
    this.ref(pkt);
    if ((T.registeredMask & MANGLE_BIT) !== 0 && !this.run(T.mangle, NF_INET_LOCAL_IN, pkt, inDev, null, bytes)) return false;
    if (!this.run(T.filter, NF_INET_LOCAL_IN, pkt, inDev, null, bytes)) return false;
    if (!this.ipvs.empty && pkt !== this.ipvsPkt && !this.ipvsIn(pkt, inDev)) return false;
    if (!this.natHook(NF_INET_LOCAL_IN, MANIP_SRC, pkt, inDev, null, bytes)) return false;
    this.confirm(pkt);
    return true;
  }

  /** IPVS at LOCAL_IN: a real server's reply rewritten, a request taken (false: sent on or dropped). */
  private ipvsIn(pkt: Packet, inDev: NetDevice | null): boolean {
    this.ipvsReply(pkt, inDev);
    const r = this.ipvs.request(pkt, this.now(pkt));
    if (r === null) return true;
    if (r === NO_DEST) {
      icmpSend(this.ns, pkt, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0, inDev);
      dropPacket(this.ns, inDev, pkt, Drop.Netfilter, 'IPVS: no destination available');
      return false;
    }
    this.ipvsXmit(r, pkt, inDev);
    return false;
  }

  forward(pkt: Packet, inDev: NetDevice | null, outDev: NetDevice | null): boolean {
    const T = this.tables;
    const bytes = pkt.ipTotalLength();
    this.ref(pkt);
    if ((T.registeredMask & MANGLE_BIT) !== 0 && !this.run(T.mangle, NF_INET_FORWARD, pkt, inDev, outDev, bytes)) return false;
    if (!this.run(T.filter, NF_INET_FORWARD, pkt, inDev, outDev, bytes)) return false;
    if (!this.ipvs.empty) this.ipvsReply(pkt, inDev);
    return true;
  }

  localOut(pkt: Packet, outDev: NetDevice | null): boolean {
    const T = this.tables;
    const reg = T.registeredMask;
    const bytes = pkt.ipTotalLength();
    if (pkt !== this.ipvsPkt) {
      if ((reg & RAW_BIT) !== 0 && !this.run(T.raw, NF_INET_LOCAL_OUT, pkt, null, outDev, bytes)) return false;
      // nf_conntrack_in: a packet that already has its entry (attach()) is "previously seen".
      if (this.ref(pkt) === null) this.ctLookup(pkt, outDev);
      else this.conntrack.stats.ignore++;
    }
    const mark = pkt.mark;
    if ((reg & MANGLE_BIT) !== 0 && !this.run(T.mangle, NF_INET_LOCAL_OUT, pkt, null, outDev, bytes)) return false;
    // ipt_mangle_out: a new mark re-routes the packet (ip_route_me_harder), and the XFRM
    // policy is looked up again with it: Docker's MARK 0xD0C4E3 is what selects ESP.
    if (pkt.mark !== mark && this.ns.xfrm !== null && !xfrmLookup(this.ns, pkt)) return false;
    if (!this.natHook(NF_INET_LOCAL_OUT, MANIP_DST, pkt, null, outDev, bytes)) return false;
    return this.run(T.filter, NF_INET_LOCAL_OUT, pkt, null, outDev, bytes);
  }

  postRouting(pkt: Packet, outDev: NetDevice | null): boolean {
    const bytes = pkt.ipTotalLength();
    this.ref(pkt);
    const T = this.tables;
    if ((T.registeredMask & MANGLE_BIT) !== 0 && !this.run(T.mangle, NF_INET_POST_ROUTING, pkt, null, outDev, bytes)) return false;
    if (!this.natHook(NF_INET_POST_ROUTING, MANIP_SRC, pkt, null, outDev, bytes)) return false;
    this.confirm(pkt);
    return true;
  }

  bridgeForward(br: Bridge, pkt: Packet): boolean {
    // br_netfilter: the bridged IPv4 packet passes PREROUTING, FORWARD and POSTROUTING with the
    // bridge as its in and out device.
    if (!this.preRouting(pkt, br)) return false;
    if (!this.forward(pkt, br, br)) return false;
    return this.postRouting(pkt, br);
  }

  /**
   * nf_ct_attach → nf_conntrack_attach: icmp_glue_bits attaches the offending packet's conntrack
   * entry to every ICMP error the kernel builds, and nf_send_reset does the same for REJECT's
   * TCP reset, as IP_CT_RELATED_REPLY (or IP_CT_RELATED for a reply-direction packet). The entry
   * need not be confirmed: a SYN DNATed in PREROUTING and rejected in FORWARD never reaches the
   * hash table, yet its error is un-DNATed on the way out (the client sees ECONNREFUSED for the
   * address it connected to). conntrack then leaves the packet alone in OUTPUT ("previously
   * seen") and __nf_conntrack_confirm does not confirm an entry through a reply-direction packet.
   */
  attach(made: Packet, orig: Packet): void {
    const ref = this.ref(orig);
    if (ref === null) return;
    made.ct = relatedRef(ref);
  }

  /** ip_vs_reply4: a real server's answer leaves with the virtual address as its source. */
  private ipvsReply(pkt: Packet, dev: NetDevice | null): void {
    const c = this.ipvs.reply(pkt, this.now(pkt));
    if (c === null || c.dest.fwd !== 'Masq') return;
    const src = pkt.ipSrc;
    const sport = pkt.sport;
    pkt.ipSrc = c.vaddr;
    pkt.sport = c.vport;
    if (pkt.trace !== null) this.traceIpvsReply(pkt, dev, c, src, sport);
  }

  private traceIpvsReply(pkt: Packet, dev: NetDevice | null, c: IpvsConn, src: number, sport: number): void {
    tracepoint(pkt, this.ns, dev, { kind: 'ipvs', op: 'reply', before: hostPortOf(src, sport, true), after: hostPortOf(c.vaddr, c.vport, true) });
  }

  /** ip_vs_nat_xmit / ip_vs_dr_xmit: the request goes on to the chosen real server. */
  private ipvsXmit(c: IpvsConn, pkt: Packet, inDev: NetDevice | null): void {
    const ns = this.ns;
    if (pkt.trace !== null) this.traceIpvsSchedule(c, pkt, inDev);
    const r = routeOutput(ns, c.daddr);
    if (r === null || r.type === 'local') {
      dropPacket(ns, inDev, pkt, Drop.NoRoute, `IPVS: no route to real server ${formatIp4(c.daddr)}`);
      return;
    }
    const dev = r.dev!;
    const nexthop = r.gateway !== 0 ? r.gateway : c.daddr;
    const prev = this.ipvsPkt;
    this.ipvsPkt = pkt;
    try {
      if (c.dest.fwd === 'Masq') this.ipvsNatXmit(c, pkt, inDev, dev, nexthop);
      else {
        // Direct routing: the frame goes to the real server with the VIP still as destination.
        pkt.ct = UNTRACKED;
        ipFinishOutput(ns, dev, nexthop, pkt);
      }
    } finally {
      this.ipvsPkt = prev;
    }
  }

  private traceIpvsSchedule(c: IpvsConn, pkt: Packet, inDev: NetDevice | null): void {
    const svc = c.svc;
    const name = svc.fwmark !== 0 ? `FWM ${svc.fwmark}` : `${svc.proto === 6 ? 'TCP' : 'UDP'} ${hostPort(svc.addr, svc.port, true)}`;
    tracepoint(pkt, this.ns, inDev, { kind: 'ipvs', op: 'schedule', service: name, scheduler: svc.sched.name, dest: hostPortOf(c.daddr, c.dport, true), fwd: c.dest.fwd });
  }

  /** ip_vs_nat_xmit: the destination rewritten to the real server's, then OUTPUT and on. */
  private ipvsNatXmit(c: IpvsConn, pkt: Packet, inDev: NetDevice | null, dev: NetDevice, nexthop: number): void {
    const ns = this.ns;
    const dst = pkt.ipDst;
    const dport = pkt.dport;
    pkt.ipDst = c.daddr;
    pkt.dport = c.dport;
    if (pkt.trace !== null) tracepoint(pkt, ns, inDev, { kind: 'nat', manip: 'DNAT', by: 'ipvs', before: hostPortOf(dst, dport, true), after: hostPortOf(c.daddr, c.dport, true) });
    const ref = this.ref(pkt);
    if (ns.ipvsConntrack) {
      c.nfct = true;
      // ip_vs_update_conntrack: the reply tuple now expects the real server.
      if (ref !== null && !(ref.entry!.status & IPS_CONFIRMED) && ref.dir === DIR_ORIGINAL) {
        ref.entry!.reply.src = c.daddr;
        ref.entry!.reply.p1 = c.dport;
      }
    } else {
      pkt.ct = UNTRACKED;
    }
    if (!this.localOut(pkt, dev)) return;
    ipFinishOutput(ns, dev, nexthop, pkt);
  }

  /** Lines for tests and traces: `describeL3` of the packet. */
  describe(pkt: Packet): string {
    return describeL3(pkt);
  }
}

/** The namespace's netfilter state, created (and hooked in) on first use. */
export function nfOf(ns: Netns): Netfilter {
  let nf = ns.netfilter as Netfilter | null;
  if (nf === null) {
    nf = new Netfilter(ns);
    ns.netfilter = nf;
  }
  return nf;
}

