// The control plane's messages over one TCP connection, as swarmkit's gRPC carries them over TLS
// on 2377. Not protobuf: each message is one frame of wire/swarmrpc.ts (a kind byte naming its
// gRPC method, a length, the message as JSON, zeros), padded to the size the real exchange puts
// on the wire. The bytes are really sent: a message arrives when, and only if, its last byte
// does. Its receiver takes the object the sender wrote when the bytes it read are the bytes that
// object was encoded to (JSON.parse of them would give an equal object: test/agent/rpc-shared
// .test.ts), and parses them otherwise; Raft's messages are always parsed (each manager's replica
// gets its own copy of an entry, as a real follower decodes its own).
import type { TaskStatusReport } from '../swarm/dispatcher.js';
import type { NodeRole } from '../swarm/model.js';
import { assignmentsBytes } from './assignments.js';
import type { AssignmentsMessage } from './assignments.js';
import type { RaftMessage } from '../swarm/raft.js';
import type { TcpConn } from '../kernel/tcp.js';
import { emitFrameText, FRAME_HEADER, frameBodyLength, FrameReader, RPC_KIND } from '../wire/swarmrpc.js';

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
  // ---- dispatch: assignments and task status on the session (agent/assignments.ts) ----
  /** Dispatcher.Assignments: the agent opens the stream once its session is registered. */
  | { readonly kind: 'assignments-watch'; readonly nodeId: string; readonly sessionId: string }
  /** One AssignmentsMessage of that stream: COMPLETE first, then INCREMENTAL changes. */
  | AssignmentsMessage
  /** Dispatcher.UpdateTaskStatus: one task's status (session.sendTaskStatus), and its answer. */
  | { readonly kind: 'task-status'; readonly nodeId: string; readonly sessionId: string; readonly taskId: string; readonly status: TaskStatusReport }
  | { readonly kind: 'task-status-ok'; readonly taskId: string }
  // ---- end dispatch ----
  /** Raft between managers (swarmkit's Raft.ProcessRaftMessage carrying etcd/raft messages). */
  | RaftMessage
  // ── Control API calls a follower manager forwards to the leader (agent/control-proxy.ts) ──
  /** The call: its method, the store write it proposes (`what`, the entry's `bytes`), and the size
   *  of the object the answer returns (`replyBytes`). `call` pairs it with its answer. */
  | { readonly kind: 'control'; readonly call: number; readonly method: ControlMethod; readonly what: string; readonly bytes: number; readonly replyBytes: number }
  /** The answer once the write committed (`error` null), or the leader's error text. */
  | { readonly kind: 'control-result'; readonly call: number; readonly method: ControlMethod; readonly error: string | null; readonly bytes: number };

/** The swarmkit Control service methods that write the store (api/control.proto). */
export type ControlMethod =
  | 'CreateService' | 'UpdateService' | 'RemoveService'
  | 'CreateNetwork' | 'RemoveNetwork'
  | 'CreateSecret' | 'UpdateSecret' | 'RemoveSecret'
  | 'CreateConfig' | 'UpdateConfig' | 'RemoveConfig'
  | 'UpdateNode' | 'RemoveNode';

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
  // A unary gRPC call: the request's HEADERS (:path /docker.swarmkit.v1.Control/<Method>,
  // grpc-timeout, the TLS-forwarded node identity raftproxy adds) and DATA; the answer's HEADERS,
  // DATA and trailers (grpc-status). Each adds the object it carries (wireSize).
  control: 230,
  'control-result': 120,
  // dispatch: an AssignmentsRequest carries the session ID; an AssignmentsMessage its changes
  // (wireSize); an UpdateTaskStatusRequest the task ID and a TaskStatus (state, timestamp,
  // message, err, the container status: ≈ 150 bytes); its answer is empty.
  'assignments-watch': 130,
  assignments: 110,
  'task-status': 300,
  'task-status-ok': 90,
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
  if (m.kind === 'control' || m.kind === 'control-result') return WIRE_SIZE[m.kind] + m.bytes;
  if (m.kind === 'assignments') return WIRE_SIZE.assignments + assignmentsBytes(m);
  return WIRE_SIZE[m.kind];
}

const dec = new TextDecoder();

/** Kind bytes whose message the receiver may take as written (all but Raft's). */
const SHARED = new Uint8Array(256);
for (const [kind, byte] of Object.entries(RPC_KIND)) SHARED[byte] = kind.startsWith('Msg') ? 0 : 1;

/** How far past the oldest unread message a frame's match is looked for (those skipped were
 *  written on a connection gone before they were read). */
const SCAN = 64;

/**
 * The messages written in one direction of a connection and not yet read, oldest first, with the
 * body bytes each was encoded to (a view of the frame handed to TCP, which never changes it).
 */
class Outbox {
  private items: Array<{ readonly m: CpMessage; readonly body: Uint8Array } | null> = [];
  private head = 0;

  push(m: CpMessage, body: Uint8Array): void {
    this.items.push({ m, body });
  }

  /** The message these bytes are the encoding of, taken off; null when none is waiting. */
  take(body: Uint8Array): CpMessage | null {
    const items = this.items;
    const end = Math.min(items.length, this.head + SCAN);
    for (let i = this.head; i < end; i++) {
      const e = items[i]!;
      if (!sameBytes(e.body, body)) continue;
      for (let j = this.head; j <= i; j++) items[j] = null;
      this.head = i + 1;
      if (this.head === items.length) {
        items.length = 0;
        this.head = 0;
      } else if (this.head >= 1024 && 2 * this.head >= items.length) {
        this.items = items.slice(this.head);
        this.head = 0;
      }
      return e.m;
    }
    return null;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  if (a.buffer === b.buffer && a.byteOffset === b.byteOffset) return true;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Each world's outboxes (by its event queue), by the direction's addresses and ports. */
const outboxes = new WeakMap<object, Map<string, Outbox>>();

function outboxOf(conn: TcpConn, from: string, to: string): Outbox {
  let byWay = outboxes.get(conn.ns.host.eq);
  if (byWay === undefined) outboxes.set(conn.ns.host.eq, (byWay = new Map()));
  const key = `${from}>${to}`;
  let o = byWay.get(key);
  if (o === undefined) byWay.set(key, (o = new Outbox()));
  return o;
}

/** One end of a message stream over a TCP connection (frames as wire/swarmrpc.ts lays them out). */
export class MsgChannel {
  private readonly reader: FrameReader;
  /** What this end wrote and the other has not read yet, and the other way round (found on first use). */
  private outbox: Outbox | null = null;
  private inbox: Outbox | null = null;

  constructor(
    readonly conn: TcpConn,
    onMessage: (m: CpMessage) => void,
  ) {
    this.reader = new FrameReader((kind, body) => onMessage(this.read(kind, body)));
  }

  /** Writes one message; returns the bytes it takes. */
  send(m: CpMessage): number {
    const kind = RPC_KIND[m.kind];
    const buf = emitFrameText(kind, JSON.stringify(m), wireSize(m));
    if (SHARED[kind] === 1) {
      const c = this.conn;
      this.outbox ??= outboxOf(c, `${c.laddr}:${c.lport}`, `${c.raddr}:${c.rport}`);
      this.outbox.push(m, buf.subarray(FRAME_HEADER, FRAME_HEADER + frameBodyLength(buf)));
    }
    this.conn.send(buf);
    return buf.length;
  }

  private read(kind: number, body: Uint8Array): CpMessage {
    if (SHARED[kind] === 1) {
      const c = this.conn;
      this.inbox ??= outboxOf(c, `${c.raddr}:${c.rport}`, `${c.laddr}:${c.lport}`);
      const m = this.inbox.take(body);
      if (m !== null) return m;
    }
    return JSON.parse(dec.decode(body)) as CpMessage;
  }

  /** In-order bytes from the connection (TcpHandlers.onData). */
  data(d: Uint8Array): void {
    this.reader.push(d);
  }
}
