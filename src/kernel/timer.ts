// The kernel's timer wheel (kernel/time/timer.c), as far as it shows in when a timer_list timer
// runs: time counts in jiffies, and mod_timer(timer, expires) files the timer in the wheel level
// its distance selects, in the bucket that ends strictly after `expires` at that level's
// granularity (calc_wheel_index, calc_index: "the timer wheel has to guarantee that a timer does
// not fire early"). So a neighbour retransmission of 1 s at HZ=250 (250 jiffies, level 1, 8-jiffy
// buckets) runs 1004-1032 ms after it was armed, and 1024 ms after a timer that itself ran on a
// bucket edge: measured on Linux 6.18, ARP probes for an absent neighbour go 1008-1032 ms, then
// 1024 ms, apart.
//
// Jiffies here start at 0 with the simulated clock; on a real machine their phase at a given
// moment is arbitrary, so the first rounding is as likely right as any other choice.
import type { Nanos } from '../sim/clock.js';
import { SEC } from '../sim/clock.js';

/** CONFIG_HZ of the kernels modelled (Debian's and Ubuntu's generic kernels, the one compared). */
export const HZ = 250;
/** One jiffy. */
export const JIFFY: Nanos = SEC / HZ;

/** LVL_CLK_SHIFT: each level's buckets are 8 times coarser than the one below. */
const LVL_CLK_SHIFT = 3;
/** LVL_BITS: 64 buckets a level. */
const LVL_SIZE = 64;
/** LVL_DEPTH for HZ > 100. */
const LVL_DEPTH = 9;

/** The value of jiffies at simulated time `t`. */
export function jiffiesAt(t: Nanos): number {
  return Math.floor(t / JIFFY);
}

/** msecs_to_jiffies: rounded up. */
export function msecsToJiffies(ms: number): number {
  return Math.ceil((ms * HZ) / 1000);
}

/**
 * LVL_START(n) for n = 1 … LVL_DEPTH - 1: the smallest distance (jiffies) filed in level n; and
 * LVL_GRAN(n), the jiffies one bucket of level n spans. Computed once: timerExpiry runs for every
 * IPVS packet (ip_vs_conn_put) and every neighbour timer.
 */
const LVL_START: number[] = [];
const LVL_GRAN: number[] = [];
for (let n = 0; n < LVL_DEPTH; n++) {
  LVL_START.push(n === 0 ? 0 : (LVL_SIZE - 1) * 2 ** ((n - 1) * LVL_CLK_SHIFT));
  LVL_GRAN.push(2 ** (n * LVL_CLK_SHIFT));
}

/**
 * When a timer armed at `now` with mod_timer(timer, jiffies + delta) runs: the expiry of its
 * bucket (calc_wheel_index), on a tick.
 */
export function timerExpiry(now: Nanos, delta: number): Nanos {
  const clk = jiffiesAt(now);
  const d = delta > 0 ? Math.floor(delta) : 0;
  let lvl = 0;
  while (lvl < LVL_DEPTH - 1 && d >= LVL_START[lvl + 1]!) lvl++;
  const gran = LVL_GRAN[lvl]!;
  const bucket = (Math.floor((clk + d) / gran) + 1) * gran;
  return bucket * JIFFY;
}
