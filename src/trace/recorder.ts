// The recorder behind a traced packet: an ordered list of legs (the packet's own journey, copies
// that went elsewhere, and the replies it provoked), each an ordered list of hops ending in a
// verdict. The model hands it typed events (core/trace.ts); it keeps them with their text
// (hop-text.ts), and notes on a drop what was sent back. Rendering lives in render.ts.
import type { HopEvent, HopKind, TraceLeg, Verdict } from '../core/trace.js';
import { hopDetail } from './hop-text.js';

/** A recorded hop: the event as the model reported it, and its text as the trace prints it. */
export type Hop = HopEvent & { readonly text: string };

export type Direction = 'request' | 'reply';

export class Leg implements TraceLeg {
  readonly hops: Hop[] = [];
  verdict: Verdict | null = null;
  reason = '';
  /** The reply legs this leg provoked, in order. */
  private readonly answers: Leg[] = [];

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

  hop(ev: HopEvent): void {
    if (this.hops.length === 0) this.answerStarts(ev);
    this.hops.push(withText(ev));
  }

  end(ev: HopEvent): void {
    if (this.verdict !== null) return;
    if (ev.kind === 'drop') {
      this.verdict = 'dropped';
      this.reason = ev.reason;
      ev.answered = this.answeredWith();
    } else if (ev.kind === 'deliver') {
      this.verdict = 'delivered';
      this.reason = ev.reason;
    } else return;
    if (this.hops.length === 0) this.answerStarts(ev);
    this.hops.push(withText(ev));
  }

  /** What the latest answer this packet provoked was, if it has left yet. */
  private answeredWith(): 'icmp' | 'rst' | null {
    const first = this.answers[this.answers.length - 1]?.hops[0];
    return first === undefined ? null : answerKind(first);
  }

  /** The first hop of a reply leg: a drop that provoked it (a RST sent after the drop) learns of it. */
  private answerStarts(ev: HopEvent): void {
    if (this.direction !== 'reply' || this.copy || this.parent === null) return;
    const parent = this.trace.legs[this.parent]!;
    const last = parent.hops[parent.hops.length - 1];
    if (parent.verdict === 'dropped' && last !== undefined && last.kind === 'drop' && !last.answered) last.answered = answerKind(ev);
  }

  branch(): TraceLeg {
    return this.trace.newLeg(this.id, this.direction, true, this.hops.length);
  }

  reply(): TraceLeg | null {
    // A trace follows one packet and the answer it provoked; the conversation after that
    // (TCP's third ACK, the request data) is not recorded.
    if (this.direction === 'reply') return null;
    const leg = this.trace.newLeg(this.id, 'reply', false);
    this.answers.push(leg);
    return leg;
  }
}

function answerKind(ev: HopEvent): 'icmp' | 'rst' | null {
  if (ev.pkt.icmp !== undefined) return 'icmp';
  if (ev.pkt.tcp !== undefined && (ev.pkt.tcp.flags & 0x04) !== 0) return 'rst';
  return null;
}

/** Adds the hop's text, worded on first read (a traced run that nobody prints pays nothing for it). */
function withText(ev: HopEvent): Hop {
  let text: string | null = null;
  Object.defineProperty(ev, 'text', { enumerable: true, get: () => (text ??= hopDetail(ev)) });
  return ev as Hop;
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

export type { HopKind };
