// Rules compiled when they change: each rule becomes a list of small closures over numbers, and
// each chain a list of steps. A run of consecutive rules that all need one TCP (or UDP)
// destination port is one step indexed by that port: the packet only visits the rules of the
// run that carry its port, still in rule order, so first-match order and the counters are the
// same as a linear walk, and the cost stays flat as the run grows to thousands of rules.
import type { Packet } from '../../wire/packet.js';
import type { NetDevice } from '../device.js';
import type { Netns } from '../netns.js';
import type { XfrmState } from '../xfrm.js';
import { ctStateBit } from './conntrack.js';
import { HOOK_NAMES } from './hooks.js';
import {
  ADDRTYPE_BROADCAST, ADDRTYPE_LOCAL, ADDRTYPE_MULTICAST, ADDRTYPE_UNICAST,
} from './rule.js';
import type { Match, PolicyElem, Rule } from './rule.js';
import type { Chain, Table } from './table.js';
import { u32Eval } from './u32.js';

export type MatchFn = (pkt: Packet, inDev: NetDevice | null, outDev: NetDevice | null) => boolean;

/** Verdict codes of a compiled target. */
export const V_DROP = 0;
export const V_ACCEPT = 1;
export const V_CONTINUE = 2;
export const V_RETURN = 3;
export const V_JUMP = 4;
export const V_GOTO = 5;
export const V_REJECT = 6;
export const V_NAT = 7;
export const V_MARK = 8;
export const V_LOG = 9;

export class CompiledRule {
  constructor(
    readonly rule: Rule,
    /** 1-based position in its chain (what traces and drops name). */
    readonly num: number,
    readonly checks: MatchFn[],
    readonly verdict: number,
    /** V_JUMP / V_GOTO: the chain. */
    public jumpTo: CompiledChain | null,
  ) {}

  /** What a traced packet's nf hop says of the rule (`-A CHAIN ...`): joined once per compilation
   *  (every change to the table, a chain renamed included, recompiles it: Table.changed). */
  traceSpec: string | null = null;

  matches(pkt: Packet, inDev: NetDevice | null, outDev: NetDevice | null): boolean {
    const c = this.checks;
    for (let i = 0; i < c.length; i++) if (!c[i]!(pkt, inDev, outDev)) return false;
    return true;
  }
}

/** A run of rules indexed by destination port. */
export class PortRun {
  constructor(
    readonly proto: number,
    /** Port → indexes into the chain's rules, ascending. */
    readonly byPort: Map<number, Int32Array>,
  ) {}
}

export class CompiledChain {
  readonly rules: CompiledRule[] = [];
  /** Step i: a rule index, or -1 when stepRun[i] is a port-indexed run. */
  stepRule: Int32Array = new Int32Array(0);
  stepRun: Array<PortRun | null> = [];
  constructor(readonly chain: Chain) {}
}

export class CompiledTable {
  readonly chains = new Map<string, CompiledChain>();
  /** The built-in chain at each hook (NF_INET_* order), or undefined: read per packet. */
  readonly byHook: Array<CompiledChain | undefined> = [];
}

/** Runs shorter than this are walked linearly. */
export const MIN_RUN = 4;

function ifMatch(name: string, inv: boolean, which: 'in' | 'out'): MatchFn {
  const wild = name.endsWith('+');
  const prefix = wild ? name.slice(0, -1) : name;
  if (which === 'in') {
    return wild
      ? (_p, i) => (i !== null && i.name.startsWith(prefix)) !== inv
      : (_p, i) => (i !== null && i.name === prefix) !== inv;
  }
  return wild
    ? (_p, _i, o) => (o !== null && o.name.startsWith(prefix)) !== inv
    : (_p, _i, o) => (o !== null && o.name === prefix) !== inv;
}

function addrType(ns: Netns, ip: number): number {
  if (ip === 0xffffffff) return ADDRTYPE_BROADCAST;
  if (ip >>> 28 === 0xe) return ADDRTYPE_MULTICAST;
  // Through the route cache, which holds the local table's answer: the packet's own route lookup
  // (ipLocalOut before OUTPUT, ip_route_input after PREROUTING) asks for the same destination.
  const r = ns.routes.localLookup(ip);
  if (r !== null && r.type === 'local') return ADDRTYPE_LOCAL;
  if (r !== null && r.type === 'broadcast') return ADDRTYPE_BROADCAST;
  return ADDRTYPE_UNICAST;
}

/** match_xfrm_state: every field the element names must equal the SA's (or differ, inverted). */
function policyElemMatches(x: XfrmState, e: PolicyElem): boolean {
  if (e.tunnelSrc !== null && (((x.src & e.tunnelSrcMask) >>> 0) === e.tunnelSrc) === e.tunnelSrcInv) return false;
  if (e.tunnelDst !== null && (((x.dst & e.tunnelDstMask) >>> 0) === e.tunnelDst) === e.tunnelDstInv) return false;
  if (e.proto !== null && (x.proto === e.proto) === e.protoInv) return false;
  if (e.mode !== null && (x.mode === e.mode) === e.modeInv) return false;
  if (e.spi !== null && (x.spi >>> 0 === e.spi >>> 0) === e.spiInv) return false;
  if (e.reqid !== null && (x.reqid === e.reqid) === e.reqidInv) return false;
  return true;
}

/**
 * match_policy_in / match_policy_out over a path of one SA (what the model builds): -1 without
 * IPsec, else 1 or 0. Non-strict: the element 0 against the SA; strict: exactly one element.
 */
function policyResult(x: XfrmState | null, elems: readonly PolicyElem[], strict: boolean): number {
  if (x === null) return -1;
  if (strict && elems.length !== 1) return 0;
  if (elems.length === 0) return 0;
  return policyElemMatches(x, elems[0]!) ? 1 : 0;
}

/** Compiles one extension match. `ipvsPacket` tells whether a packet carries ipvs_property. */
function compileMatch(m: Match, ns: Netns, ipvsPacket: (p: Packet) => boolean): MatchFn | null {
  switch (m.kind) {
    case 'tcp':
    case 'udp': {
      const { spMin, spMax, spInv, dpMin, dpMax, dpInv, flagMask, flagCmp, flagInv } = m;
      const anySp = spMin === 0 && spMax === 0xffff && !spInv;
      const anyDp = dpMin === 0 && dpMax === 0xffff && !dpInv;
      const proto = m.kind === 'tcp' ? 6 : 17;
      return (p) => {
        if (p.ipProto !== proto) return false;
        if (!anySp && (p.sport >= spMin && p.sport <= spMax) === spInv) return false;
        if (!anyDp && (p.dport >= dpMin && p.dport <= dpMax) === dpInv) return false;
        if (flagMask !== 0 && ((p.tcpFlags & flagMask) === flagCmp) === flagInv) return false;
        return true;
      };
    }
    case 'icmp': {
      const { type, codeMin, codeMax, inv } = m;
      return (p) => {
        if (p.ipProto !== 1) return false;
        const hit = type === 0xff || (p.icmpType === type && p.icmpCode >= codeMin && p.icmpCode <= codeMax);
        return hit !== inv;
      };
    }
    case 'addrtype': {
      const { src, srcInv, dst, dstInv } = m;
      return (p) => {
        if (src !== 0 && ((addrType(ns, p.ipSrc) & src) !== 0) === srcInv) return false;
        if (dst !== 0 && ((addrType(ns, p.ipDst) & dst) !== 0) === dstInv) return false;
        return true;
      };
    }
    case 'mark': {
      const { mark, mask, inv } = m;
      // Compared as int32: the same equality as uint32, without a heap number from 2^31 up.
      const want = mark & mask;
      return (p) => ((p.mark & mask) === want) !== inv;
    }
    case 'state':
    case 'conntrack': {
      const { states, inv } = m;
      return (p) => ((ctStateBit(p.ct) & states) !== 0) !== inv;
    }
    case 'ipvs': {
      const inv = m.inv;
      return (p) => ipvsPacket(p) !== inv;
    }
    case 'multiport': {
      const r = Int32Array.from(m.ranges);
      const { dir, inv } = m;
      return (p) => {
        if (p.ipProto !== 6 && p.ipProto !== 17) return false;
        let hit = false;
        for (let i = 0; i < r.length && !hit; i += 2) {
          const lo = r[i]!;
          const hi = r[i + 1]!;
          if (dir !== 'dports' && p.sport >= lo && p.sport <= hi) hit = true;
          if (dir !== 'sports' && p.dport >= lo && p.dport <= hi) hit = true;
        }
        return hit !== inv;
      };
    }
    case 'comment':
      return null;
    case 'u32': {
      const { prog, inv } = m;
      return (p) => u32Eval(prog, p) !== inv;
    }
    case 'policy': {
      const { none, strict, elems } = m;
      const dirIn = m.dir === 'in';
      return (p) => {
        const r = policyResult((dirIn ? p.secpath : p.xfrm) as XfrmState | null, elems, strict);
        return r < 0 ? none : !none && r === 1;
      };
    }
  }
}

function verdictOf(r: Rule): number {
  switch (r.target.kind) {
    case 'ACCEPT': return V_ACCEPT;
    case 'DROP': return V_DROP;
    case 'RETURN': return V_RETURN;
    case 'jump': return V_JUMP;
    case 'goto': return V_GOTO;
    case 'REJECT': return V_REJECT;
    case 'DNAT':
    case 'SNAT':
    case 'MASQUERADE':
    case 'REDIRECT': return V_NAT;
    case 'MARK': return V_MARK;
    case 'LOG': return V_LOG;
    default: return V_CONTINUE;
  }
}

export function compileRule(r: Rule, num: number, ns: Netns, ipvsPacket: (p: Packet) => boolean): CompiledRule {
  const checks: MatchFn[] = [];
  if (r.proto !== 0) {
    const proto = r.proto;
    const inv = r.protoInv;
    checks.push((p) => (p.ipProto === proto) !== inv);
  }
  if (r.srcMask !== 0 || r.srcInv) {
    const { src, srcMask, srcInv } = r;
    checks.push((p) => (((p.ipSrc & srcMask) >>> 0) === src) !== srcInv);
  }
  if (r.dstMask !== 0 || r.dstInv) {
    const { dst, dstMask, dstInv } = r;
    checks.push((p) => (((p.ipDst & dstMask) >>> 0) === dst) !== dstInv);
  }
  if (r.inIf !== '') checks.push(ifMatch(r.inIf, r.inInv, 'in'));
  if (r.outIf !== '') checks.push(ifMatch(r.outIf, r.outInv, 'out'));
  for (const m of r.matches) {
    const f = compileMatch(m, ns, ipvsPacket);
    if (f !== null) checks.push(f);
  }
  return new CompiledRule(r, num, checks, verdictOf(r), null);
}

/** The destination port a rule requires, when it is a candidate for a port-indexed run. */
export function indexPort(r: Rule): number {
  if ((r.proto !== 6 && r.proto !== 17) || r.protoInv) return -1;
  for (const m of r.matches) {
    if ((m.kind === 'tcp' || m.kind === 'udp') && m.dpMin === m.dpMax && !m.dpInv && (m.kind === 'tcp') === (r.proto === 6)) return m.dpMin;
  }
  return -1;
}

function buildSteps(cc: CompiledChain, minRun: number): void {
  const rules = cc.chain.rules;
  const stepRule: number[] = [];
  const stepRun: Array<PortRun | null> = [];
  let i = 0;
  while (i < rules.length) {
    const port = indexPort(rules[i]!);
    let j = i;
    if (port >= 0) {
      const proto = rules[i]!.proto;
      while (j < rules.length && rules[j]!.proto === proto && indexPort(rules[j]!) >= 0) j++;
    }
    if (j - i >= minRun) {
      const lists = new Map<number, number[]>();
      for (let k = i; k < j; k++) {
        const p = indexPort(rules[k]!);
        let l = lists.get(p);
        if (l === undefined) lists.set(p, (l = []));
        l.push(k);
      }
      const byPort = new Map<number, Int32Array>();
      for (const [p, l] of lists) byPort.set(p, Int32Array.from(l));
      stepRule.push(-1);
      stepRun.push(new PortRun(rules[i]!.proto, byPort));
      i = j;
    } else {
      stepRule.push(i);
      stepRun.push(null);
      i++;
    }
  }
  cc.stepRule = Int32Array.from(stepRule);
  cc.stepRun = stepRun;
}

/** Compiles every chain of a table; `minRun` = Infinity gives a purely linear walk (tests). */
export function compileTable(t: Table, ns: Netns, ipvsPacket: (p: Packet) => boolean, minRun = MIN_RUN): CompiledTable {
  const ct = new CompiledTable();
  for (const chain of t.chains.values()) {
    const cc = new CompiledChain(chain);
    chain.rules.forEach((r, k) => cc.rules.push(compileRule(r, k + 1, ns, ipvsPacket)));
    ct.chains.set(chain.name, cc);
  }
  for (const cc of ct.chains.values()) {
    for (const cr of cc.rules) {
      if (cr.verdict === V_JUMP || cr.verdict === V_GOTO) cr.jumpTo = ct.chains.get(cr.rule.target.chain) ?? null;
    }
    buildSteps(cc, minRun);
  }
  for (let h = 0; h < HOOK_NAMES.length; h++) ct.byHook.push(ct.chains.get(HOOK_NAMES[h]!));
  return ct;
}
