// One segment's worth of the send queue (an skb on sk_write_queue / the retransmit queue): its
// sequence range, its bytes (null: zero-filled, as a bulk transfer sends), and what happened to it.
import type { Nanos } from '../../sim/clock.js';

export class TcpSkb {
  /** TCPHDR_PSH / TCPHDR_FIN bits this segment carries (besides ACK). */
  flags = 0;
  /** When it was last sent (skb_mstamp), and how often (0: never). */
  txTime: Nanos = 0;
  txCount = 0;
  /** Marked lost (by RTO, fast retransmit or an MTU reduction) and not yet sent again. */
  lost = false;

  constructor(
    public seq: number,
    public len: number,
    public data: Uint8Array | null,
  ) {}

  /** Sequence space it covers: data, plus one for a FIN. */
  get end(): number {
    return (this.seq + this.len + (this.flags & 1)) >>> 0;
  }
}

/** a - b in sequence space (RFC 1982 style): negative when a is before b. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}
