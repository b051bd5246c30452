// The recorder behind a traced packet: an ordered list of legs (the packet's own journey, copies
// that went elsewhere, and the replies it provoked), each an ordered list of hops ending in a
// verdict. It only collects; trace/ renders.
import type { HopKind, TraceLeg, Verdict } from '../core/trace.js';

export interface Hop {
  readonly kind: HopKind;
  readonly host: string;
  readonly ns: string;
  readonly dev: string;
  readonly text: string;
}

export type Direction = 'request' | 'reply';

export class Leg implements TraceLeg {
  readonly hops: Hop[] = [];
  verdict: Verdict | null = null;
  reason = '';

  constructor(
    readonly trace: Trace,
    readonly id: number,
    readonly parent: number | null,
    readonly direction: Direction,
    /** True for a copy made by flooding: it is shown apart from the main path. */
    readonly copy: boolean,
    /** For a copy: how many of the parent's hops it shares. */
    readonly branchAt: number,
  ) {}

  /** The whole path to the end of this leg: a copy starts with its parent's hops up to the fork. */
  path(): Hop[] {
    if (!this.copy || this.parent === null) return this.hops;
    return [...this.trace.legs[this.parent]!.path().slice(0, this.branchAt), ...this.hops];
  }

  hop(kind: HopKind, host: string, ns: string, dev: string, text: string): void {
    this.hops.push({ kind, host, ns, dev, text });
  }

  end(verdict: Verdict, reason: string, host: string, ns: string, dev: string, text: string): void {
    if (this.verdict !== null) return;
    this.verdict = verdict;
    this.reason = reason;
    this.hops.push({ kind: verdict === 'delivered' ? 'deliver' : 'drop', host, ns, dev, text });
  }

  branch(): TraceLeg {
    return this.trace.newLeg(this.id, this.direction, true, this.hops.length);
  }

  reply(): TraceLeg | null {
    // A trace follows one packet and the answer it provoked; the conversation after that
    // (TCP's third ACK, the request data) is not recorded.
    return this.direction === 'reply' ? null : this.trace.newLeg(this.id, 'reply', false);
  }
}

export class Trace {
  readonly legs: Leg[] = [];

  start(): Leg {
    return this.newLeg(null, 'request', false);
  }

  newLeg(parent: number | null, direction: Direction, copy: boolean, branchAt = 0): Leg {
    const leg = new Leg(this, this.legs.length, parent, direction, copy, branchAt);
    this.legs.push(leg);
    return leg;
  }

  /**
   * The leg that tells what happened in one direction: the one delivered if any (a flooded copy
   * may be the one that arrived), else the original packet's own leg.
   */
  outcome(direction: Direction): Leg | undefined {
    const legs = this.legs.filter((l) => l.direction === direction);
    return legs.find((l) => l.verdict === 'delivered') ?? legs.find((l) => !l.copy);
  }

  /** Copies that ended elsewhere (flooded frames other hosts discarded, for instance). */
  sideLegs(direction: Direction): Leg[] {
    const main = this.outcome(direction);
    return this.legs.filter((l) => l.direction === direction && l !== main && l.copy);
  }
}
