// ipt_do_table: one built-in chain walked rule by rule, first match wins, with jumps (-j CHAIN,
// returning), gotos (-g, returning to the caller's caller), RETURN, the policy at the end of a
// built-in chain, and each matched rule's counters. The stack is preallocated: a walk allocates
// nothing unless the packet is traced.
import type { Packet } from '../../wire/packet.js';
import type { NetDevice } from '../device.js';
import type { Netns } from '../netns.js';
import { tracepoint } from '../tracepoint.js';
import {
  V_ACCEPT, V_CONTINUE, V_DROP, V_GOTO, V_JUMP, V_LOG, V_MARK, V_NAT, V_REJECT, V_RETURN,
} from './compile.js';
import type { CompiledChain, CompiledRule } from './compile.js';

const MAX_DEPTH = 64;

/** What a walk ends in. */
export const VERDICT_DROP = 0;
export const VERDICT_ACCEPT = 1;
export const VERDICT_REJECT = 2;

export interface TargetHandler {
  /** A NAT target matched: set up the binding. Returns false when it could not (drop). */
  nat(cr: CompiledRule, pkt: Packet, inDev: NetDevice | null, outDev: NetDevice | null): boolean;
}

export class Walker {
  private readonly stackChain: Array<CompiledChain | null> = new Array(MAX_DEPTH).fill(null);
  private readonly stackStep = new Int32Array(MAX_DEPTH);
  private readonly stackCand = new Int32Array(MAX_DEPTH);
  /** The rule that decided the last walk (null: the policy), and its chain. */
  lastRule: CompiledRule | null = null;
  lastChain: CompiledChain | null = null;

  constructor(
    private readonly handler: TargetHandler,
    private readonly ns: Netns,
  ) {}

  /** `bytes`: the packet's length (pkt.ipTotalLength()), which the caller has at hand. */
  walk(table: string, start: CompiledChain, pkt: Packet, inDev: NetDevice | null, outDev: NetDevice | null, bytes: number): number {
    let cc = start;
    let step = 0;
    let cand = 0;
    let sp = 0;
    for (;;) {
      if (step < cc.stepRule.length) {
        let ri = cc.stepRule[step]!;
        if (ri < 0) {
          const run = cc.stepRun[step]!;
          const list = pkt.ipProto === run.proto ? run.byPort.get(pkt.dport) : undefined;
          if (list === undefined || cand >= list.length) {
            step++;
            cand = 0;
            continue;
          }
          ri = list[cand++]!;
        } else step++;
        const cr = cc.rules[ri]!;
        if (!cr.matches(pkt, inDev, outDev)) continue;
        const r = cr.rule;
        r.pkts++;
        r.bytes += bytes;
        if (pkt.trace !== null) this.traceRule(table, start, cc, cr, pkt, inDev, outDev);
        switch (cr.verdict) {
          case V_ACCEPT:
            this.lastRule = cr;
            this.lastChain = cc;
            return VERDICT_ACCEPT;
          case V_DROP:
            this.lastRule = cr;
            this.lastChain = cc;
            return VERDICT_DROP;
          case V_REJECT:
            this.lastRule = cr;
            this.lastChain = cc;
            return VERDICT_REJECT;
          case V_NAT:
            this.lastRule = cr;
            this.lastChain = cc;
            return this.handler.nat(cr, pkt, inDev, outDev) ? VERDICT_ACCEPT : VERDICT_DROP;
          case V_MARK: {
            const t = r.target;
            pkt.mark = ((pkt.mark & ~t.xmask) ^ t.xmark) >>> 0;
            continue;
          }
          case V_LOG:
          case V_CONTINUE:
            continue;
          case V_JUMP:
          case V_GOTO: {
            const to = cr.jumpTo;
            if (to === null) continue;
            if (cr.verdict === V_JUMP) {
              if (sp >= MAX_DEPTH) {
                this.lastRule = cr;
                this.lastChain = cc;
                return VERDICT_DROP;
              }
              this.stackChain[sp] = cc;
              this.stackStep[sp] = step;
              this.stackCand[sp] = cand;
              sp++;
            }
            cc = to;
            step = 0;
            cand = 0;
            continue;
          }
          case V_RETURN:
            step = cc.stepRule.length; // falls to the end-of-chain handling below
            cand = 0;
            break;
        }
      }
      // End of a chain (or RETURN).
      if (sp > 0) {
        sp--;
        cc = this.stackChain[sp]!;
        step = this.stackStep[sp]!;
        cand = this.stackCand[sp]!;
        this.stackChain[sp] = null;
        continue;
      }
      // Back in (or returned from) the built-in chain: its policy.
      const base = start.chain;
      base.pkts++;
      base.bytes += bytes;
      this.lastRule = null;
      this.lastChain = start;
      if (pkt.trace !== null) this.tracePolicy(table, start, pkt, inDev, outDev);
      return base.policy === 'DROP' ? VERDICT_DROP : VERDICT_ACCEPT;
    }
  }

  // The hops of a traced walk, apart so that the walk itself stays small (see ipv4.ts).
  private traceRule(table: string, start: CompiledChain, cc: CompiledChain, cr: CompiledRule, pkt: Packet, inDev: NetDevice | null, outDev: NetDevice | null): void {
    const r = cr.rule;
    tracepoint(pkt, this.ns, inDev ?? outDev, {
      kind: 'nf', table, hook: start.chain.name, chain: cc.chain.name, rule: cr.num, chainRules: cc.chain.rules.length,
      in: inDev === null ? null : inDev.name, out: outDev === null ? null : outDev.name,
      spec: (cr.traceSpec ??= `-A ${cc.chain.name}${r.spec}`), target: r.targetText, pkts: r.pkts, bytes: r.bytes,
    });
  }

  private tracePolicy(table: string, start: CompiledChain, pkt: Packet, inDev: NetDevice | null, outDev: NetDevice | null): void {
    const base = start.chain;
    tracepoint(pkt, this.ns, inDev ?? outDev, {
      kind: 'nf', table, hook: base.name, chain: base.name, rule: null, chainRules: base.rules.length,
      in: inDev === null ? null : inDev.name, out: outDev === null ? null : outDev.name, spec: null, target: String(base.policy), pkts: base.pkts, bytes: base.bytes,
    });
  }
}

export { V_DROP };
