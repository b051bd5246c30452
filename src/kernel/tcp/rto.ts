// Retransmission timeout as Linux computes it (net/ipv4/tcp_input.c tcp_rtt_estimator and
// tcp_set_rto, RFC 6298 with Linux's mdev/rttvar variant; net/ipv4/tcp_timer.c for the give-up):
// srtt is kept ×8 and mdev ×4 in µs; rto = srtt + rttvar where rttvar is never below tcp_rto_min
// (200 ms), so on a LAN the RTO is ~200 ms + RTT; it doubles on every expiry (icsk_backoff), up
// to TCP_RTO_MAX (120 s).
import type { Nanos } from '../../sim/clock.js';
import { MS, SEC } from '../../sim/clock.js';
import { JIFFY } from '../timer.js';

export const TCP_RTO_MIN: Nanos = 200 * MS;
export const TCP_RTO_MAX: Nanos = 120 * SEC;
/** TCP_TIMEOUT_INIT: the RTO before any RTT sample (and the SYN's). */
export const TCP_TIMEOUT_INIT: Nanos = SEC;
/** net.ipv4.tcp_retries2 and tcp_syn_retries defaults. */
export const TCP_RETRIES2 = 15;
export const TCP_SYN_RETRIES = 6;

const RTO_MIN_US = TCP_RTO_MIN / 1000;

/** The smoothed RTT state of one connection (struct tcp_sock's srtt_us, mdev_us, …). */
export class RttEstimator {
  srtt8 = 0;
  mdev4 = 0;
  mdevMax = 0;
  rttvar = 0;
  /** The sequence number that ends the current RTT measurement round (rtt_seq). */
  rttSeq = 0;
  /** Current RTO without backoff, ns (icsk_rto); TCP_TIMEOUT_INIT until the first sample. */
  rto: Nanos = TCP_TIMEOUT_INIT;

  /** One RTT sample (µs ≥ 1); `sndUna`/`sndNxt` close a measurement round as tcp_rtt_estimator does. */
  sample(mrtt: number, sndUna: number, sndNxt: number): void {
    let m = Math.max(1, Math.round(mrtt));
    if (this.srtt8 !== 0) {
      m -= this.srtt8 >> 3;
      this.srtt8 += m;
      if (m < 0) {
        m = -m;
        m -= this.mdev4 >> 2;
        if (m > 0) m >>= 3;
      } else {
        m -= this.mdev4 >> 2;
      }
      this.mdev4 += m;
      if (this.mdev4 > this.mdevMax) {
        this.mdevMax = this.mdev4;
        if (this.mdevMax > this.rttvar) this.rttvar = this.mdevMax;
      }
      if (((sndUna - this.rttSeq) | 0) > 0) {
        if (this.mdevMax < this.rttvar) this.rttvar -= (this.rttvar - this.mdevMax) >> 2;
        this.rttSeq = sndNxt;
        this.mdevMax = RTO_MIN_US;
      }
    } else {
      this.srtt8 = m << 3;
      this.mdev4 = m << 1;
      this.rttvar = Math.max(this.mdev4, RTO_MIN_US);
      this.mdevMax = this.rttvar;
      this.rttSeq = sndNxt;
    }
    // __tcp_set_rto: usecs_to_jiffies(srtt/8 + rttvar), rounded up to a jiffy; tcp_bound_rto.
    const us = (this.srtt8 >> 3) + this.rttvar;
    this.rto = Math.min(Math.ceil((us * 1000) / JIFFY) * JIFFY, TCP_RTO_MAX);
  }

  /** srtt in µs (for ss-like output and tests). */
  get srttUs(): number {
    return this.srtt8 >> 3;
  }
}

/**
 * retransmits_timed_out: how long after the first retransmitted segment was first sent the
 * connection gives up, for `boundary` retries (tcp_retries2, or tcp_syn_retries) and `rtoBase`
 * (TCP_RTO_MIN for data, TCP_TIMEOUT_INIT for a SYN): the doubling RTO summed up to
 * TCP_RTO_MAX, then TCP_RTO_MAX per further retry. tcp_retries2 = 15 gives 924.6 s.
 */
export function giveUpAfter(boundary: number, rtoBase: Nanos): Nanos {
  const thresh = Math.floor(Math.log2(TCP_RTO_MAX / rtoBase));
  if (boundary <= thresh) return (2 ** (boundary + 1) - 1) * rtoBase;
  return (2 ** (thresh + 1) - 1) * rtoBase + (boundary - thresh) * TCP_RTO_MAX;
}
