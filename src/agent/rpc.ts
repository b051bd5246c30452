// The control plane's messages over one TCP connection, as swarmkit's gRPC carries them over TLS
// on 2377. Not protobuf: each message is one frame of wire/swarmrpc.ts (a kind byte naming its
// gRPC method, a length, the message as JSON, zeros), padded to the size the real exchange puts
// on the wire. The bytes are really sent and really parsed: a message arrives when, and only if,
// its last byte does.
import type { TaskStatusReport } from '../swarm/dispatcher.js';
import type { NodeRole } from '../swarm/model.js';
import { assignmentsBytes } from './assignments.js';
import type { AssignmentsMessage } from './assignments.js';
import type { RaftMessage } from '../swarm/raft.js';
import type { TcpConn } from '../kernel/tcp.js';
import { emitFrameText, FrameReader, RPC_KIND } from '../wire/swarmrpc.js';

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

/** One end of a message stream over a TCP connection (frames as wire/swarmrpc.ts lays them out). */
export class MsgChannel {
  private readonly reader: FrameReader;

  constructor(
    readonly conn: TcpConn,
    onMessage: (m: CpMessage) => void,
  ) {
    this.reader = new FrameReader((_kind, body) => onMessage(JSON.parse(dec.decode(body)) as CpMessage));
  }

  /** Writes one message; returns the bytes it takes. */
  send(m: CpMessage): number {
    const buf = emitFrameText(RPC_KIND[m.kind], JSON.stringify(m), wireSize(m));
    this.conn.send(buf);
    return buf.length;
  }

  /** In-order bytes from the connection (TcpHandlers.onData). */
  data(d: Uint8Array): void {
    this.reader.push(d);
  }
}
