// IPVS schedulers (net/netfilter/ipvs/ip_vs_{rr,wrr,lc,wlc,sh}.c). Each picks a real server for
// a new connection; a server with weight 0 takes no new connections.
import type { Packet } from '../../wire/packet.js';
import type { IpvsDest, IpvsService } from './service.js';

export interface Scheduler {
  readonly name: string;
  schedule(svc: IpvsService, pkt: Packet): IpvsDest | null;
  /** The service's servers changed (the kernel calls update_service). */
  reset(): void;
}

/** Round robin: the next server after the last one chosen, skipping weight 0. */
class RoundRobin implements Scheduler {
  readonly name = 'rr';
  private last = -1;
  schedule(svc: IpvsService): IpvsDest | null {
    const n = svc.dests.length;
    for (let k = 1; k <= n; k++) {
      const i = (this.last + k) % n;
      const d = svc.dests[i]!;
      if (d.weight > 0) {
        this.last = i;
        return d;
      }
    }
    return null;
  }
  reset(): void {
    /* the kernel keeps its position in the list */
  }
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Weighted round robin (ip_vs_wrr.c): the current weight steps down by the gcd. */
class WeightedRoundRobin implements Scheduler {
  readonly name = 'wrr';
  private i = -1;
  private cw = 0;
  schedule(svc: IpvsService): IpvsDest | null {
    const ds = svc.dests;
    const n = ds.length;
    let max = 0;
    let g = 0;
    for (const d of ds) {
      if (d.weight > max) max = d.weight;
      if (d.weight > 0) g = gcd(g, d.weight);
    }
    if (max === 0) return null;
    for (let guard = 0; guard < n * (max / g + 1) + 1; guard++) {
      this.i = (this.i + 1) % n;
      if (this.i === 0) {
        this.cw -= g;
        if (this.cw <= 0) this.cw = max;
      }
      const d = ds[this.i]!;
      if (d.weight >= this.cw && d.weight > 0) return d;
    }
    return null;
  }
  reset(): void {
    this.i = -1;
    this.cw = 0;
  }
}

/** Overhead as ip_vs_dest_conn_overhead counts it. */
function overhead(d: IpvsDest): number {
  return d.activeConns * 256 + d.inactConns;
}

class LeastConn implements Scheduler {
  readonly name = 'lc';
  schedule(svc: IpvsService): IpvsDest | null {
    let best: IpvsDest | null = null;
    for (const d of svc.dests) {
      if (d.weight <= 0) continue;
      if (best === null || overhead(d) < overhead(best)) best = d;
    }
    return best;
  }
  reset(): void {}
}

class WeightedLeastConn implements Scheduler {
  readonly name = 'wlc';
  schedule(svc: IpvsService): IpvsDest | null {
    let best: IpvsDest | null = null;
    for (const d of svc.dests) {
      if (d.weight <= 0) continue;
      // loh * dw > doh * lw picks d (cross-multiplied to stay in integers, as the kernel does).
      if (best === null || overhead(best) * d.weight > overhead(d) * best.weight) best = d;
    }
    return best;
  }
  reset(): void {}
}

/** Source hashing: a 256-bucket table over the servers (weight 0 ones left out). */
class SourceHash implements Scheduler {
  readonly name = 'sh';
  schedule(svc: IpvsService, pkt: Packet): IpvsDest | null {
    const live = svc.dests.filter((d) => d.weight > 0);
    if (live.length === 0) return null;
    const h = (Math.imul(pkt.ipSrc >>> 0, 2654435761) >>> 0) & 255;
    return live[h % live.length]!;
  }
  reset(): void {}
}

export const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'sh'] as const;

export function newScheduler(name: string): Scheduler | null {
  switch (name) {
    case 'rr': return new RoundRobin();
    case 'wrr': return new WeightedRoundRobin();
    case 'lc': return new LeastConn();
    case 'wlc': return new WeightedLeastConn();
    case 'sh': return new SourceHash();
    default: return null;
  }
}
