// IPVS schedulers, as net/netfilter/ipvs/ip_vs_{rr,wrr,lc,wlc,sh}.c pick a real server for a new
// connection. `svc.dests` is the kernel's destination list in its order: ip_vs_ctl.c
// __ip_vs_update_dest adds a server with list_add_rcu, at the head, so the list runs newest
// first (ipvsadm sorts what it prints, so `ipvsadm -ln` does not show this order). A server with
// weight 0 takes no new connections. Each scheduler keeps the kernel's own state: rr and wrr a
// position in the list, sh a 256-bucket table rebuilt whenever a server is added, changed or
// removed.
import type { Packet } from '../../wire/packet.js';
import type { IpvsDest, IpvsService } from './service.js';

export interface Scheduler {
  readonly name: string;
  schedule(svc: IpvsService, pkt: Packet): IpvsDest | null;
  /** init_service: the scheduler is bound to the service (its servers may already be there). */
  init(svc: IpvsService): void;
  /** add_dest: `d` was just put at the head of the list. */
  addDest(svc: IpvsService, d: IpvsDest): void;
  /** del_dest: `d` was at `index` and is already unlinked. */
  delDest(svc: IpvsService, d: IpvsDest, index: number): void;
  /** upd_dest: a server's weight (or forwarding) changed. */
  updDest(svc: IpvsService, d: IpvsDest): void;
}

/** IP_VS_DEST_F_OVERLOAD is never set here (no upper thresholds): availability is the weight. */
function usable(d: IpvsDest): boolean {
  return d.weight > 0;
}

/**
 * ip_vs_rr.c: sched_data is a list position, the head at first. A pick scans on from it to the
 * end, then (unless it started at the head) once more from the start up to and including it.
 */
class RoundRobin implements Scheduler {
  readonly name = 'rr';
  /** The server last chosen; null is the list head. */
  private cursor: IpvsDest | null = null;

  schedule(svc: IpvsService): IpvsDest | null {
    const ds = svc.dests;
    const c = this.cursor === null ? -1 : ds.indexOf(this.cursor);
    for (let i = c + 1; i < ds.length; i++) {
      if (usable(ds[i]!)) return (this.cursor = ds[i]!);
    }
    if (c >= 0) {
      for (let i = 0; i <= c; i++) if (usable(ds[i]!)) return (this.cursor = ds[i]!);
    }
    return null;
  }

  init(): void {
    this.cursor = null;
  }

  addDest(): void {
    /* rr has no add_dest: the new head entry is reached when a scan passes the list head */
  }

  delDest(svc: IpvsService, d: IpvsDest, index: number): void {
    // ip_vs_rr_del_dest: the position moves back to the entry before the removed one.
    if (this.cursor === d) this.cursor = index > 0 ? svc.dests[index - 1]! : null;
  }

  updDest(): void {}
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** ip_vs_wrr.c: a list position `cl`, the current weight `cw` stepping down by `di`. */
class WeightedRoundRobin implements Scheduler {
  readonly name = 'wrr';
  /** The list position (the server last chosen); null is the head. */
  private cl: IpvsDest | null = null;
  private cw = 0;
  private mw = 0;
  private di = 1;

  private weights(svc: IpvsService): void {
    let g = 0;
    let max = 0;
    for (const d of svc.dests) {
      if (d.weight > 0) g = g > 0 ? gcd(d.weight, g) : d.weight;
      if (d.weight > max) max = d.weight;
    }
    this.di = g > 0 ? g : 1;
    this.mw = max - (this.di - 1);
  }

  init(svc: IpvsService): void {
    this.cl = null;
    this.weights(svc);
    this.cw = this.mw;
  }

  /** ip_vs_wrr_dest_changed: back to the head, weights recomputed, cw kept on the new grid. */
  private changed(svc: IpvsService): void {
    this.cl = null;
    this.weights(svc);
    if (this.cw > this.mw || this.cw === 0) this.cw = this.mw;
    else if (this.di > 1) this.cw = Math.floor(this.cw / this.di) * this.di + 1;
  }

  addDest(svc: IpvsService): void {
    this.changed(svc);
  }

  delDest(svc: IpvsService): void {
    this.changed(svc);
  }

  updDest(svc: IpvsService): void {
    this.changed(svc);
  }

  schedule(svc: IpvsService): IpvsDest | null {
    const ds = svc.dests;
    let dest = this.cl === null ? -1 : ds.indexOf(this.cl);
    if (this.mw === 0) return null;
    const last = dest;
    let stop = -2;
    let lastPass = false;
    let restarted = false;
    // The kernel loops until it finds a server or proves there is none (at most a few passes).
    for (;;) {
      for (dest = dest + 1; dest < ds.length; dest++) {
        if (ds[dest]!.weight >= this.cw) {
          this.cl = ds[dest]!;
          return this.cl;
        }
        if (dest === stop) {
          this.cl = ds[dest]!;
          return null;
        }
      }
      dest = -1;
      this.cw -= this.di;
      if (this.cw <= 0) {
        this.cw = this.mw;
        if (lastPass || last === -1) {
          this.cl = null;
          return null;
        }
        restarted = true;
      }
      lastPass = this.cw <= this.di;
      if (lastPass && restarted && last !== -1) {
        restarted = false;
        stop = last;
      }
    }
  }
}

/** ip_vs_dest_conn_overhead: active connections weigh 256 inactive ones. */
function overhead(d: IpvsDest): number {
  return d.activeConns * 256 + d.inactConns;
}

/** ip_vs_lc.c: the lowest overhead, the first in list order on a tie. */
class LeastConn implements Scheduler {
  readonly name = 'lc';
  schedule(svc: IpvsService): IpvsDest | null {
    let best: IpvsDest | null = null;
    let loh = 0;
    for (const d of svc.dests) {
      if (d.weight === 0) continue;
      const doh = overhead(d);
      if (best === null || doh < loh) {
        best = d;
        loh = doh;
      }
    }
    return best;
  }
  init(): void {}
  addDest(): void {}
  delDest(): void {}
  updDest(): void {}
}

/** ip_vs_wlc.c: the first usable server, then any later one with loh * dw > doh * lw. */
class WeightedLeastConn implements Scheduler {
  readonly name = 'wlc';
  schedule(svc: IpvsService): IpvsDest | null {
    const ds = svc.dests;
    let i = 0;
    while (i < ds.length && !usable(ds[i]!)) i++;
    if (i === ds.length) return null;
    let least = ds[i]!;
    let loh = overhead(least);
    for (i++; i < ds.length; i++) {
      const d = ds[i]!;
      const doh = overhead(d);
      if (loh * d.weight > doh * least.weight) {
        least = d;
        loh = doh;
      }
    }
    return least;
  }
  init(): void {}
  addDest(): void {}
  delDest(): void {}
  updDest(): void {}
}

/** IP_VS_SH_TAB_BITS 8. */
const SH_TAB_SIZE = 256;

/**
 * ip_vs_sh.c: 256 buckets dealt out along the list, each server taking as many consecutive
 * buckets as its weight (at least one); the source address (port 0 without the sh-port flag)
 * hashed as (port + addr) * 2654435761 picks the bucket. A bucket whose server is unavailable
 * gives no server (no sh-fallback flag).
 */
class SourceHash implements Scheduler {
  readonly name = 'sh';
  private readonly buckets: Array<IpvsDest | null> = new Array<IpvsDest | null>(SH_TAB_SIZE).fill(null);

  /** ip_vs_sh_reassign. */
  private reassign(svc: IpvsService): void {
    const ds = svc.dests;
    let p = 0;
    let count = 0;
    for (let i = 0; i < SH_TAB_SIZE; i++) {
      if (ds.length === 0) {
        this.buckets[i] = null;
        continue;
      }
      if (p === ds.length) p = 0;
      const d = ds[p]!;
      this.buckets[i] = d;
      if (++count >= d.weight) {
        p++;
        count = 0;
      }
    }
  }

  schedule(_svc: IpvsService, pkt: Packet): IpvsDest | null {
    const h = Math.imul(pkt.ipSrc | 0, 2654435761 | 0) & (SH_TAB_SIZE - 1);
    const d = this.buckets[h] ?? null;
    return d === null || !usable(d) ? null : d;
  }

  init(svc: IpvsService): void {
    this.reassign(svc);
  }

  addDest(svc: IpvsService): void {
    this.reassign(svc);
  }

  delDest(svc: IpvsService): void {
    this.reassign(svc);
  }

  updDest(svc: IpvsService): void {
    this.reassign(svc);
  }
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
