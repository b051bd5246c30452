// The IPVS connection table (ip_vs_conn.c): each connection is hashed twice, by the client's
// tuple to the virtual service (requests) and by the real server's tuple back to the client
// (replies). Keys are numbers; timeouts follow the kernel's defaults (tcp 900 s, tcpfin 120 s,
// udp 300 s), and a connection leaves when its timer runs (ip_vs_conn_expire), on the simulated
// clock, whether or not anything looks.
import type { EventQueue } from '../../sim/clock.js';
import { SEC } from '../../sim/clock.js';
import { ExpiryHeap, NOT_FILED } from '../expiry.js';
import type { IpvsDest, IpvsService } from './service.js';

export const IP_VS_TCP_S_NONE = 0;
export const IP_VS_TCP_S_ESTABLISHED = 1;
export const IP_VS_TCP_S_SYN_SENT = 2;
export const IP_VS_TCP_S_SYN_RECV = 3;
export const IP_VS_TCP_S_FIN_WAIT = 4;
export const IP_VS_TCP_S_TIME_WAIT = 5;
export const IP_VS_TCP_S_CLOSE = 6;
export const IP_VS_TCP_S_CLOSE_WAIT = 7;
export const IP_VS_TCP_S_LAST_ACK = 8;
export const IP_VS_TCP_S_LISTEN = 9;
export const IP_VS_TCP_S_SYNACK = 10;
export const TCP_STATE_NAMES = ['NONE', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'SYNACK'];

// ip_vs_proto_tcp.c tcp_states[] (the normal table, not the secure_tcp one): the next state by
// direction (a client's packet to the virtual service is INPUT, the real server's reply OUTPUT),
// by the packet's flag (RST, else SYN, else FIN, else ACK: tcp_state_idx) and the current state.
const sES = 1, sSS = 2, sSR = 3, sFW = 4, sTW = 5, sCL = 6, sCW = 7, sLA = 8, sLI = 9;
// Columns: the current state   NONE ES   SS   SR   FW   TW   CL   CW   LA   LI   SA
const TCP_STATES: number[][][] = [
  [ // INPUT
    /* syn */ [sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR],
    /* fin */ [sCL, sCW, sSS, sTW, sTW, sTW, sCL, sCW, sLA, sLI, sTW],
    /* ack */ [sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES],
    /* rst */ [sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sSR],
  ],
  [ // OUTPUT
    /* syn */ [sSS, sES, sSS, sSR, sSS, sSS, sSS, sSS, sSS, sLI, sSR],
    /* fin */ [sTW, sFW, sSS, sTW, sFW, sTW, sCL, sTW, sLA, sLI, sTW],
    /* ack */ [sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sLA, sES, sES],
    /* rst */ [sCL, sCL, sSS, sCL, sCL, sTW, sCL, sCL, sCL, sCL, sCL],
  ],
];

/** The state after a TCP packet with `flags` (set_tcp_state); the same state for none of RST/SYN/FIN/ACK. */
export function nextTcpState(state: number, flags: number, input: boolean): number {
  const idx = flags & 0x04 ? 3 : flags & 0x02 ? 0 : flags & 0x01 ? 1 : flags & 0x10 ? 2 : -1;
  if (idx < 0) return state;
  return TCP_STATES[input ? 0 : 1]![idx]![state]!;
}

export interface IpvsTimeouts {
  tcp: number;
  tcpfin: number;
  udp: number;
}

export function defaultTimeouts(): IpvsTimeouts {
  return { tcp: 900, tcpfin: 120, udp: 300 };
}

/** Per-state timeouts in seconds, the kernel's tcp_timeouts (ESTABLISHED and FIN_WAIT settable). */
export function stateTimeout(state: number, t: IpvsTimeouts, proto: number): number {
  return proto !== 6 ? t.udp * SEC : tcpStateTimeout(state, t);
}

function tcpStateTimeout(state: number, t: IpvsTimeouts): number {
  switch (state) {
    case IP_VS_TCP_S_ESTABLISHED: return t.tcp * SEC;
    case IP_VS_TCP_S_FIN_WAIT: return t.tcpfin * SEC;
    case IP_VS_TCP_S_SYN_SENT: return 120 * SEC;
    case IP_VS_TCP_S_SYN_RECV: return 60 * SEC;
    case IP_VS_TCP_S_TIME_WAIT: return 120 * SEC;
    case IP_VS_TCP_S_CLOSE: return 10 * SEC;
    case IP_VS_TCP_S_CLOSE_WAIT: return 60 * SEC;
    case IP_VS_TCP_S_LAST_ACK: return 30 * SEC;
    case IP_VS_TCP_S_LISTEN: return 120 * SEC;
    case IP_VS_TCP_S_SYNACK: return 120 * SEC;
    default: return 2 * SEC;
  }
}

/** Hash buckets a table starts with (a power of two; doubled as connections come). */
const INITIAL_BUCKETS = 64;

export class IpvsConn {
  state = IP_VS_TCP_S_NONE;
  /** jiffies + timeout as the last packet asked (mod_timer's expires: what ipvsadm -lnc counts down to). */
  expires = 0;
  /** When the timer runs: the timer wheel's bucket for `expires`, up to one granularity later. */
  fireAt = 0;
  /** Filed in the table's expiry heap at this time (NOT_FILED: not filed). */
  filedAt = NOT_FILED;
  /** IP_VS_CONN_F_NFCT: made with net.ipv4.vs.conntrack=1, so its expiry kills its conntrack entry. */
  nfct = false;
  /** Counted in the server's InActConn (true) or ActiveConn. */
  inactive = true;
  inNext: IpvsConn | null = null;
  outNext: IpvsConn | null = null;
  inHash = 0;
  outHash = 0;
  /**
   * The client, virtual and real server addresses again as int32 (`a | 0`), which the lookups
   * compare: small integers (Smis) where a uint32 from 128.0.0.0 up (172.x, 192.168.x) is a heap
   * number, one more load from memory for every connection a lookup passes.
   */
  readonly c32: number;
  readonly v32: number;
  readonly d32: number;
  constructor(
    readonly proto: number,
    readonly caddr: number,
    readonly cport: number,
    readonly vaddr: number,
    readonly vport: number,
    readonly daddr: number,
    readonly dport: number,
    readonly svc: IpvsService,
    readonly dest: IpvsDest,
  ) {
    this.c32 = caddr | 0;
    this.v32 = vaddr | 0;
    this.d32 = daddr | 0;
  }
}

function h5(a: number, b: number, p1: number, p2: number, proto: number): number {
  let h = Math.imul(a ^ 0x2545f491, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15) ^ b, 0x85ebca77);
  h = Math.imul(h ^ (h >>> 13) ^ ((p1 << 16) | p2), 0xc2b2ae3d);
  // 30 bits: a small integer (Smi) key, which the Map hashes without boxing a heap number.
  return (h ^ (h >>> 16) ^ proto) & 0x3fffffff;
}

export class ConnTable {
  // Chained buckets indexed by the hash's low bits (an array index per lookup instead of a
  // Map.get). Connections with equal tuples share a bucket and keep their order across growth.
  private ins: Array<IpvsConn | null> = new Array<IpvsConn | null>(INITIAL_BUCKETS).fill(null);
  private outs: Array<IpvsConn | null> = new Array<IpvsConn | null>(INITIAL_BUCKETS).fill(null);
  private mask = INITIAL_BUCKETS - 1;
  readonly all = new Set<IpvsConn>();
  /** The connection timers (one event for the table). */
  readonly timers: ExpiryHeap<IpvsConn>;
  /** Told of each connection its timer removed (netfilter drops its conntrack entry). */
  onExpire: ((c: IpvsConn) => void) | null = null;

  constructor(eq: EventQueue | null) {
    this.timers = new ExpiryHeap<IpvsConn>(eq, (c) => c.fireAt, (c) => {
      this.remove(c);
      this.onExpire?.(c);
    });
  }

  /** A request from the client: (client → virtual). */
  inLookup(proto: number, saddr: number, sport: number, daddr: number, dport: number): IpvsConn | null {
    const s = saddr | 0;
    const d = daddr | 0;
    for (let c: IpvsConn | null = this.ins[h5(s, d, sport, dport, proto) & this.mask]!; c !== null; c = c.inNext) {
      if (c.c32 === s && c.cport === sport && c.v32 === d && c.vport === dport && c.proto === proto) return c;
    }
    return null;
  }

  /** A reply from the real server: (real → client). */
  outLookup(proto: number, saddr: number, sport: number, daddr: number, dport: number): IpvsConn | null {
    const s = saddr | 0;
    const d = daddr | 0;
    for (let c: IpvsConn | null = this.outs[h5(s, d, sport, dport, proto) & this.mask]!; c !== null; c = c.outNext) {
      if (c.d32 === s && c.dport === sport && c.c32 === d && c.cport === dport && c.proto === proto) return c;
    }
    return null;
  }

  add(c: IpvsConn): void {
    c.inHash = h5(c.c32, c.v32, c.cport, c.vport, c.proto);
    const i = c.inHash & this.mask;
    c.inNext = this.ins[i]!;
    this.ins[i] = c;
    c.outHash = h5(c.d32, c.c32, c.dport, c.cport, c.proto);
    const o = c.outHash & this.mask;
    c.outNext = this.outs[o]!;
    this.outs[o] = c;
    this.all.add(c);
    // At most one connection per bucket on average: each one a lookup passes is a load from memory.
    if (this.all.size > this.ins.length) this.grow();
  }

  remove(c: IpvsConn): void {
    if (!this.all.delete(c)) return;
    this.timers.forget(c);
    this.unlink(this.ins, c.inHash & this.mask, c, true);
    this.unlink(this.outs, c.outHash & this.mask, c, false);
    if (c.inactive) c.dest.inactConns--;
    else c.dest.activeConns--;
  }

  /** Drops every connection, their timers with them (no expiry callbacks). */
  flush(): void {
    for (const c of [...this.all]) this.remove(c);
    this.timers.clear();
  }

  private unlink(m: Array<IpvsConn | null>, i: number, c: IpvsConn, isIn: boolean): void {
    const head = m[i]!;
    const nextOf = (x: IpvsConn): IpvsConn | null => (isIn ? x.inNext : x.outNext);
    if (head === c) {
      m[i] = nextOf(c);
      return;
    }
    for (let p: IpvsConn | null = head; p !== null; p = nextOf(p)) {
      if (nextOf(p) === c) {
        if (isIn) p.inNext = c.inNext;
        else p.outNext = c.outNext;
        return;
      }
    }
  }

  /** Doubles the buckets; each chain is split in order (appended at the tails). */
  private grow(): void {
    const size = this.ins.length * 2;
    const mask = size - 1;
    const ins = new Array<IpvsConn | null>(size).fill(null);
    const outs = new Array<IpvsConn | null>(size).fill(null);
    const tails = new Array<IpvsConn | null>(size).fill(null);
    for (const head of this.ins) {
      for (let c = head; c !== null; ) {
        const after = c.inNext;
        const i = c.inHash & mask;
        c.inNext = null;
        const t = tails[i]!;
        if (t === null) ins[i] = c;
        else t.inNext = c;
        tails[i] = c;
        c = after;
      }
    }
    tails.fill(null);
    for (const head of this.outs) {
      for (let c = head; c !== null; ) {
        const after = c.outNext;
        const i = c.outHash & mask;
        c.outNext = null;
        const t = tails[i]!;
        if (t === null) outs[i] = c;
        else t.outNext = c;
        tails[i] = c;
        c = after;
      }
    }
    this.ins = ins;
    this.outs = outs;
    this.mask = mask;
  }
}
