// Faults of the network between two hosts, as a cloud network has them: a security group that
// drops a protocol or port (AWS, Azure and GCP drop silently: no ICMP, no RST), random loss, extra
// delay. Each is one direction, from one host to another; the scenario's `fault:` step sets both
// directions unless told `oneway`. Kept per ordered pair of host names, looked up only when a
// fault exists (Lan.faults is null until then), so a LAN without faults pays nothing.
import { Rng } from '../core/rng.js';
import type { Nanos } from '../sim/clock.js';
import { ETH_P_IP, IPPROTO_TCP, IPPROTO_UDP } from '../wire/packet.js';
import type { Packet } from '../wire/packet.js';

/** What a security-group rule matches: an IP protocol (-1: any), and a destination port (0: any). */
export interface BlockRule {
  readonly proto: number;
  readonly port: number;
  /** As the scenario wrote it ("udp/4789", "esp"): what a drop names. */
  readonly text: string;
}

/** The faults of one direction of one path. */
export class PathFault {
  blocks: BlockRule[] = [];
  /** Probability that a frame is lost, 0 to 1. */
  loss = 0;
  delay: Nanos = 0;

  /** The rule that drops `pkt`, or null. Ports are destination ports, as an inbound rule has them. */
  blocking(pkt: Packet): BlockRule | null {
    if (pkt.ethType !== ETH_P_IP) return null;
    for (const b of this.blocks) {
      if (b.proto !== -1 && b.proto !== pkt.ipProto) continue;
      if (b.port !== 0 && ((pkt.ipProto !== IPPROTO_TCP && pkt.ipProto !== IPPROTO_UDP) || pkt.dport !== b.port)) continue;
      return b;
    }
    return null;
  }

  empty(): boolean {
    return this.blocks.length === 0 && this.loss === 0 && this.delay === 0;
  }
}

export class PathFaults {
  private readonly paths = new Map<string, Map<string, PathFault>>();
  /** Loss draws come from their own stream (seeded from the scenario's seed), so adding loss
   *  moves no other random choice and the same scenario loses the same frames. */
  private readonly rng: Rng;

  constructor(seed: number) {
    this.rng = new Rng((seed ^ 0x1a5e1055) >>> 0);
  }

  /** The faults from `from` to `to`, or null when that path has none. */
  between(from: string, to: string): PathFault | null {
    return this.paths.get(from)?.get(to) ?? null;
  }

  /** The faults from `from` to `to`, made if needed. */
  path(from: string, to: string): PathFault {
    let m = this.paths.get(from);
    if (m === undefined) this.paths.set(from, (m = new Map()));
    let f = m.get(to);
    if (f === undefined) m.set(to, (f = new PathFault()));
    return f;
  }

  block(from: string, to: string, rule: BlockRule): void {
    const f = this.path(from, to);
    if (!f.blocks.some((b) => b.proto === rule.proto && b.port === rule.port)) f.blocks.push(rule);
  }

  unblock(from: string, to: string, rule: BlockRule): void {
    const f = this.between(from, to);
    if (f === null) return;
    f.blocks = f.blocks.filter((b) => b.proto !== rule.proto || b.port !== rule.port);
    this.prune(from, to);
  }

  setLoss(from: string, to: string, loss: number): void {
    this.path(from, to).loss = loss;
    this.prune(from, to);
  }

  setDelay(from: string, to: string, delay: Nanos): void {
    this.path(from, to).delay = delay;
    this.prune(from, to);
  }

  /** Lifts every fault from `from` to `to`. */
  clear(from: string, to: string): void {
    this.paths.get(from)?.delete(to);
  }

  clearAll(): void {
    this.paths.clear();
  }

  /** Whether a frame with this loss probability is lost now. */
  lose(loss: number): boolean {
    return this.rng.nextU32() < loss * 0x100000000;
  }

  /** Whether a TCP or UDP packet to `port` passes from `from` to `to` (for control-plane models that ask). */
  passes(from: string, to: string, proto: number, port: number): boolean {
    const f = this.between(from, to);
    if (f === null) return true;
    return !f.blocks.some((b) => (b.proto === -1 || b.proto === proto) && (b.port === 0 || b.port === port));
  }

  private prune(from: string, to: string): void {
    if (this.between(from, to)?.empty()) this.clear(from, to);
  }
}
