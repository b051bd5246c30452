// The recorder behind a traced packet: an ordered list of legs (the packet's own journey, copies
// that went elsewhere, and the replies it provoked), each an ordered list of hops ending in a
// verdict. The model hands it each hop's typed fields, place and packet (core/trace.ts); it keeps
// the fields and the header numbers, and builds the events with their text (hop-text.ts) when they
// are read; it notes on a drop what was sent back. Rendering lives in render.ts.
import type { HeaderFields, HopEvent, HopFields, HopKind, TraceDevice, TraceLeg, TraceNetns, Verdict } from '../core/trace.js';
import { headersAt, snapHeaders } from '../wire/headers.js';
import { ETH_P_IP, IPPROTO_ICMP, IPPROTO_TCP } from '../wire/packet.js';
import { hopDetail } from './hop-text.js';

/** A recorded hop: the event as the model reported it, and its text as the trace prints it. */
export type Hop = HopEvent & { readonly text: string };

export type Direction = 'request' | 'reply';

type Answer = 'icmp' | 'rst' | null;

/**
 * A hop as recorded while the packet walks: the kind's fields as the model gave them, the place's
 * names and numbers, and where the packet's header numbers start in the trace's store. One object
 * of one shape per hop; the HopEvent with its worded headers and text is built when it is read.
 */
class RawHop {
  /** A drop's: what was sent back about it (undefined until end() or a reply leg tells). */
  answered: Answer | undefined = undefined;

  constructor(
    readonly f: HopFields,
    readonly host: string,
    readonly ns: string,
    readonly dev: string,
    readonly ifindex: number,
    readonly time: number,
    readonly ct: string | null,
    readonly off: number,
    /** The packet at this hop is an ICMP message or a TCP RST (what answeredWith reports). */
    readonly answer: Answer,
  ) {}
}

function answerOf(pkt: HeaderFields): Answer {
  if (pkt.ethType !== ETH_P_IP) return null;
  if (pkt.ipProto === IPPROTO_ICMP) return 'icmp';
  if (pkt.ipProto === IPPROTO_TCP && (pkt.tcpFlags & 0x04) !== 0) return 'rst';
  return null;
}

export class Leg implements TraceLeg {
  verdict: Verdict | null = null;
  reason = '';
  /** The reply legs this leg provoked, in order. */
  private readonly answers: Leg[] = [];
  private readonly raw: RawHop[] = [];
  /** raw[0 .. made.length) as events, built on first read and kept. */
  private readonly made: Hop[] = [];

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

  /** The hops recorded so far, as events with their text (worded on first read). */
  get hops(): Hop[] {
    const made = this.made;
    for (let i = made.length; i < this.raw.length; i++) made.push(this.trace.event(this.raw[i]!));
    return made;
  }

  /** How many hops are recorded (without wording them). */
  get hopCount(): number {
    return this.raw.length;
  }

  /** The whole path to the end of this leg: a copy starts with its parent's hops up to the fork. */
  path(): Hop[] {
    if (!this.copy || this.parent === null) return this.hops;
    return [...this.trace.legs[this.parent]!.path().slice(0, this.branchAt), ...this.hops];
  }

  hop(f: HopFields, ns: TraceNetns, dev: TraceDevice | null, pkt: HeaderFields, ct: string | null): void {
    const r = this.trace.record(f, ns, dev, pkt, ct);
    if (this.raw.length === 0) this.answerStarts(r);
    this.raw.push(r);
  }

  end(f: HopFields, ns: TraceNetns, dev: TraceDevice | null, pkt: HeaderFields, ct: string | null): void {
    if (this.verdict !== null) return;
    if (f.kind === 'drop') {
      this.verdict = 'dropped';
      this.reason = f.reason;
    } else if (f.kind === 'deliver') {
      this.verdict = 'delivered';
      this.reason = f.reason;
    } else return;
    const r = this.trace.record(f, ns, dev, pkt, ct);
    if (f.kind === 'drop') r.answered = this.answeredWith();
    if (this.raw.length === 0) this.answerStarts(r);
    this.raw.push(r);
  }

  /** What the latest answer this packet provoked was, if it has left yet. */
  private answeredWith(): Answer {
    const first = this.answers[this.answers.length - 1]?.raw[0];
    return first === undefined ? null : first.answer;
  }

  /** The first hop of a reply leg: a drop that provoked it (a RST sent after the drop) learns of it. */
  private answerStarts(r: RawHop): void {
    if (this.direction !== 'reply' || this.copy || this.parent === null) return;
    const parent = this.trace.legs[this.parent]!;
    const i = parent.raw.length - 1;
    const last = parent.raw[i];
    if (parent.verdict !== 'dropped' || last === undefined || last.f.kind !== 'drop' || last.answered) return;
    last.answered = r.answer;
    // An event already built shows it too.
    const ev = parent.made[i];
    if (ev !== undefined && ev.kind === 'drop') ev.answered = r.answer;
  }

  branch(): TraceLeg {
    return this.trace.newLeg(this.id, this.direction, true, this.raw.length);
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

export class Trace {
  readonly legs: Leg[] = [];
  /** Every hop's header numbers, of all legs, in the order they were recorded (wire/headers.ts). */
  private readonly nums: number[] = [];
  /** The memberlist message kinds of 7946 packets, which nums index (wire/headers.ts). */
  private readonly lists: string[][] = [];

  /** A hop as its leg keeps it; the packet's headers go to the number store. */
  record(f: HopFields, ns: TraceNetns, dev: TraceDevice | null, pkt: HeaderFields, ct: string | null): RawHop {
    const off = this.nums.length;
    snapHeaders(pkt, this.nums, this.lists);
    return new RawHop(f, ns.host.name, ns.label, dev === null ? '' : dev.name, dev === null ? 0 : dev.ifindex, pkt.tstamp, ct, off, answerOf(pkt));
  }

  /**
   * A recorded hop as an event: the kind first, then the place, the kind's fields, the headers,
   * a drop's answer and the text (the order the JSON shows).
   */
  event(r: RawHop): Hop {
    const ev = Object.assign(
      { kind: r.f.kind, host: r.host, ns: r.ns, dev: r.dev, ifindex: r.ifindex, time: r.time },
      r.f,
      { pkt: headersAt(this.nums, this.lists, r.off, r.ct) },
    ) as HopEvent & { text: string };
    if (r.answered !== undefined && ev.kind === 'drop') ev.answered = r.answered;
    ev.text = hopDetail(ev);
    return ev;
  }

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
