// The control plane's messages over one TCP connection, as swarmkit's gRPC carries them over TLS
// on 2377. Not protobuf: each message is one frame, [u32 length][u16 JSON length][JSON][zeros],
// padded to the size the real exchange puts on the wire (protobuf body, the gRPC 5-byte prefix,
// HTTP/2 HEADERS and DATA frames, a TLS record's 29 bytes), so that segments, windows, loss and
// retransmission behave as they would. The bytes are really sent and really parsed: a message
// arrives when, and only if, its last byte does.
import type { NodeRole } from '../swarm/model.js';
import type { RaftMessage } from '../swarm/raft.js';
import type { TcpConn } from '../kernel/tcp.js';

/** What travels between a node and a manager's dispatcher (agent/session.ts, agent/dispatcher.ts). */
export type CpMessage =
  /** The joining node's certificate request with the join token (CA IssueNodeCertificate). */
  | { readonly kind: 'join'; readonly token: string; readonly hostname: string; readonly addr: number; readonly dataAddr: number | null }
  /** The issued certificate: the node's ID and role. */
  | { readonly kind: 'joined'; readonly nodeId: string; readonly role: NodeRole }
  /** A refusal, as the manager's gRPC status words it. */
  | { readonly kind: 'error'; readonly message: string }
  /** Dispatcher.Session: the agent (re)opens its session. */
  | { readonly kind: 'register'; readonly nodeId: string }
  | { readonly kind: 'registered'; readonly sessionId: string }
  /** Dispatcher.Heartbeat, and its answer: when to send the next one. */
  | { readonly kind: 'heartbeat'; readonly nodeId: string; readonly sessionId: string }
  | { readonly kind: 'heartbeat-ok'; readonly period: number }
  /** Raft between managers (swarmkit's Raft.ProcessRaftMessage carrying etcd/raft messages). */
  | RaftMessage;

export type CpKind = CpMessage['kind'];

/**
 * Bytes on the wire per message (TLS and HTTP/2 included), from the protobuf definitions in
 * swarmkit's api/ (ca.proto, dispatcher.proto): a heartbeat request carries the session ID (≈ 27
 * bytes of protobuf), its answer a Duration; a certificate request a CSR (≈ 500 bytes PEM) and
 * the token; the answer the node's certificate (ECDSA P-256, as swarmkit's CA issues them: ≈ 700
 * bytes PEM). Each stays under one segment of a 1400-byte path.
 */
export const WIRE_SIZE: Readonly<Record<CpKind, number>> = {
  join: 1180,
  joined: 1240,
  error: 160,
  register: 310,
  registered: 420,
  heartbeat: 130,
  'heartbeat-ok': 95,
  // raftpb.Message with no entries (≈ 40 bytes) in a StreamRaftMessage call; MsgApp and MsgSnap
  // add what they carry (wireSize).
  MsgApp: 160,
  MsgAppResp: 145,
  MsgHeartbeat: 150,
  MsgHeartbeatResp: 140,
  MsgVote: 160,
  MsgVoteResp: 140,
  MsgSnap: 170,
};

/** raftpb.Entry's own fields (Term, Index, Type varints, the Data length) around its data. */
const ENTRY_OVERHEAD = 12;

/** The bytes one message takes on the wire: its kind's, plus the entries or snapshot it carries. */
export function wireSize(m: CpMessage): number {
  if (m.kind === 'MsgApp') {
    let n = WIRE_SIZE.MsgApp;
    for (const e of m.entries) n += e.bytes + ENTRY_OVERHEAD;
    return n;
  }
  if (m.kind === 'MsgSnap') return WIRE_SIZE.MsgSnap + m.bytes;
  return WIRE_SIZE[m.kind];
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** One end of a message stream over a TCP connection. */
export class MsgChannel {
  /** Frame bytes still to come (after the 4-byte length), and the JSON part being read. */
  private left = 0;
  private lenBytes = 0;
  private frameLen = 0;
  private json: Uint8Array | null = null;
  private jsonLen = -1;
  private jsonGot = 0;
  private jsonLenBytes = 0;

  constructor(
    readonly conn: TcpConn,
    private readonly onMessage: (m: CpMessage) => void,
  ) {}

  /** Writes one message; returns the bytes it takes. */
  send(m: CpMessage): number {
    const body = enc.encode(JSON.stringify(m));
    const total = Math.max(wireSize(m), 6 + body.length);
    const buf = new Uint8Array(total);
    const dv = new DataView(buf.buffer);
    dv.setUint32(0, total - 4);
    dv.setUint16(4, body.length);
    buf.set(body, 6);
    this.conn.send(buf);
    return total;
  }

  /** In-order bytes from the connection (TcpHandlers.onData). */
  data(d: Uint8Array): void {
    let i = 0;
    while (i < d.length) {
      if (this.lenBytes < 4) {
        this.frameLen = (this.frameLen * 256 + d[i++]!) >>> 0;
        if (++this.lenBytes === 4) {
          this.left = this.frameLen;
          this.jsonLen = -1;
          this.jsonLenBytes = 0;
          this.jsonGot = 0;
        }
        continue;
      }
      if (this.jsonLen < 0) {
        this.jsonGot = this.jsonGot * 256 + d[i++]!;
        this.left--;
        if (++this.jsonLenBytes === 2) {
          this.jsonLen = this.jsonGot;
          this.jsonGot = 0;
          this.json = new Uint8Array(this.jsonLen);
        }
      } else if (this.jsonGot < this.jsonLen) {
        const n = Math.min(this.jsonLen - this.jsonGot, d.length - i);
        this.json!.set(d.subarray(i, i + n), this.jsonGot);
        this.jsonGot += n;
        this.left -= n;
        i += n;
      } else {
        const n = Math.min(this.left, d.length - i);
        this.left -= n;
        i += n;
      }
      if (this.left === 0 && this.jsonLen >= 0 && this.jsonGot === this.jsonLen) {
        const m = JSON.parse(dec.decode(this.json!)) as CpMessage;
        this.lenBytes = 0;
        this.frameLen = 0;
        this.json = null;
        this.onMessage(m);
      }
    }
  }
}
