// The frames the control plane sends over TCP 2377 (agent/rpc.ts writes and reads them). Swarmkit
// speaks gRPC over TLS there; this is not that, but each frame stands for one gRPC message and is
// as long as the real exchange puts on the wire (protobuf body, the gRPC 5-byte prefix, HTTP/2
// HEADERS and DATA frames, a TLS record's 29 bytes), so that segments, windows, loss and
// retransmission behave as they would. A frame:
//
//   [u8 kind][u32 length of what follows][u32 JSON length][JSON body][zeros to the length]
//
// The kind byte names the gRPC method the message belongs to (swarmkit api/ca.proto,
// api/dispatcher.proto, api/raft.proto) and, for Raft, the etcd/raft message type inside it, so
// a trace can say what a 2377 segment carries without knowing the model.

/** The swarm's control port (--listen-addr 0.0.0.0:2377). */
export const SWARM_PORT = 2377;

/** Kind byte per message; below 0x20 so that no JSON text or padding byte looks like one. */
export const RPC_KIND = {
  join: 0x01,
  joined: 0x02,
  error: 0x03,
  register: 0x04,
  registered: 0x05,
  heartbeat: 0x06,
  'heartbeat-ok': 0x07,
  // dispatch: the Assignments stream and task status reports.
  'assignments-watch': 0x08,
  assignments: 0x09,
  'task-status': 0x0a,
  'task-status-ok': 0x0b,
  MsgApp: 0x10,
  MsgAppResp: 0x11,
  MsgHeartbeat: 0x12,
  MsgHeartbeatResp: 0x13,
  MsgVote: 0x14,
  MsgVoteResp: 0x15,
  MsgSnap: 0x16,
  // A control API call a follower manager forwards to the leader (swarmkit api/control.proto
  // through raftproxy), and its answer; the frame's body names the method (agent/rpc.ts).
  control: 0x0c,
  'control-result': 0x0d,
} as const;

export type RpcKindName = keyof typeof RPC_KIND;

/**
 * What a trace says a frame is: the gRPC method (`Service.Method`), "response" on the answer, and
 * the Raft message type. swarmkit bump_v19.03's raft transport (manager/state/raft/transport/
 * peer.go sendProcessMessage) sends every raftpb.Message as a Raft.StreamRaftMessage call, falling
 * back to ProcessRaftMessage only when the peer answers Unimplemented (a pre-17.12 manager).
 */
const LABEL: Readonly<Record<number, string>> = {
  [RPC_KIND.join]: 'NodeCA.IssueNodeCertificate',
  [RPC_KIND.joined]: 'NodeCA.IssueNodeCertificate response',
  [RPC_KIND.error]: 'error status',
  [RPC_KIND.register]: 'Dispatcher.Session',
  [RPC_KIND.registered]: 'Dispatcher.Session response',
  [RPC_KIND.heartbeat]: 'Dispatcher.Heartbeat',
  [RPC_KIND['heartbeat-ok']]: 'Dispatcher.Heartbeat response',
  [RPC_KIND['assignments-watch']]: 'Dispatcher.Assignments',
  [RPC_KIND.assignments]: 'Dispatcher.Assignments response',
  [RPC_KIND['task-status']]: 'Dispatcher.UpdateTaskStatus',
  [RPC_KIND['task-status-ok']]: 'Dispatcher.UpdateTaskStatus response',
  [RPC_KIND.MsgApp]: 'Raft.StreamRaftMessage MsgApp',
  [RPC_KIND.MsgAppResp]: 'Raft.StreamRaftMessage MsgAppResp',
  [RPC_KIND.MsgHeartbeat]: 'Raft.StreamRaftMessage MsgHeartbeat',
  [RPC_KIND.MsgHeartbeatResp]: 'Raft.StreamRaftMessage MsgHeartbeatResp',
  [RPC_KIND.MsgVote]: 'Raft.StreamRaftMessage MsgVote',
  [RPC_KIND.MsgVoteResp]: 'Raft.StreamRaftMessage MsgVoteResp',
  [RPC_KIND.MsgSnap]: 'Raft.StreamRaftMessage MsgSnap',
};

/** Bytes before the JSON body: kind, length, JSON length. */
export const FRAME_HEADER = 9;
const JSON_OPEN = 0x7b; // '{'

const utf8 = new TextDecoder();

/**
 * A Control call's label: `Control.<method>` (`… response` on the answer), the method read from
 * the frame's body as gRPC carries it in the request's `:path` header
 * (/docker.swarmkit.v1.Control/CreateService). Null when the segment holds only part of the body.
 */
function controlLabel(payload: Uint8Array): string | null {
  const len = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(5);
  if (payload.length < FRAME_HEADER + len) return null;
  let body: { method?: unknown };
  try {
    body = JSON.parse(utf8.decode(payload.subarray(FRAME_HEADER, FRAME_HEADER + len))) as { method?: unknown };
  } catch {
    return null;
  }
  if (typeof body.method !== 'string') return null;
  return payload[0] === RPC_KIND.control ? `Control.${body.method}` : `Control.${body.method} response`;
}

/** Big-endian, as DataView.setUint32 writes it (without a DataView per frame). */
function putU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

/** A frame's JSON length (its bytes 5–8). */
export function frameBodyLength(frame: Uint8Array): number {
  return ((frame[5]! << 24) | (frame[6]! << 16) | (frame[7]! << 8) | frame[8]!) >>> 0;
}

/** One frame of `total` bytes (at least the header and body) carrying `body`. */
export function emitFrame(kind: number, body: Uint8Array, total: number): Uint8Array {
  const len = Math.max(total, FRAME_HEADER + body.length);
  const buf = new Uint8Array(len);
  buf[0] = kind;
  putU32(buf, 1, len - 5);
  putU32(buf, 5, body.length);
  buf.set(body, FRAME_HEADER);
  return buf;
}

const utf8Out = new TextEncoder();
/** emitFrameText's encoding room, kept between calls (grown to the largest body). */
let scratch = new Uint8Array(4096);

/** emitFrame of `text` in UTF-8, encoded into a kept buffer rather than a new one per frame. */
export function emitFrameText(kind: number, text: string, total: number): Uint8Array {
  if (scratch.length < 3 * text.length) scratch = new Uint8Array(Math.max(2 * scratch.length, 3 * text.length));
  const { written } = utf8Out.encodeInto(text, scratch);
  return emitFrame(kind, scratch.subarray(0, written), total);
}

/**
 * What a 2377 TCP segment carries, when it starts a frame (a segment in the middle of one starts
 * with JSON text or padding, never with a kind byte followed by a body at its place): the label
 * of its first frame, else null.
 */
export function rpcLabel(payload: Uint8Array): string | null {
  if (payload.length <= FRAME_HEADER || payload[FRAME_HEADER] !== JSON_OPEN) return null;
  const kind = payload[0]!;
  if (kind === RPC_KIND.control || kind === RPC_KIND['control-result']) return controlLabel(payload) ?? 'Control';
  return LABEL[kind] ?? null;
}

/** Reads frames out of a byte stream as it arrives (a TCP connection's in-order data). A body is
 *  only valid during `onFrame` (it may be a view of the segment). */
export class FrameReader {
  private head = new Uint8Array(FRAME_HEADER);
  private headGot = 0;
  private kind = 0;
  /** Bytes of the frame still to come after the header, and the body being read. */
  private left = 0;
  private body: Uint8Array | null = null;
  private bodyGot = 0;
  /** The body when it came whole in the segment that finished the header: read there, not copied. */
  private whole: Uint8Array | null = null;

  constructor(private readonly onFrame: (kind: number, body: Uint8Array) => void) {}

  push(d: Uint8Array): void {
    let i = 0;
    while (i < d.length) {
      if (this.headGot < FRAME_HEADER) {
        const n = Math.min(FRAME_HEADER - this.headGot, d.length - i);
        for (let k = 0; k < n; k++) this.head[this.headGot + k] = d[i + k]!;
        this.headGot += n;
        i += n;
        if (this.headGot < FRAME_HEADER) return;
        const h = this.head;
        this.kind = h[0]!;
        this.left = (((h[1]! << 24) | (h[2]! << 16) | (h[3]! << 8) | h[4]!) >>> 0) - 4;
        const len = frameBodyLength(h);
        if (len <= this.left && len <= d.length - i) this.whole = d.subarray(i, i + len);
        else this.body = new Uint8Array(len);
        this.bodyGot = 0;
      }
      const n = Math.min(this.left, d.length - i);
      const b = this.body;
      if (b !== null && this.bodyGot < b.length) {
        const m = Math.min(n, b.length - this.bodyGot);
        b.set(d.subarray(i, i + m), this.bodyGot);
        this.bodyGot += m;
      }
      this.left -= n;
      i += n;
      if (this.left === 0) {
        const body = b ?? this.whole!;
        this.headGot = 0;
        this.body = null;
        this.whole = null;
        this.onFrame(this.kind, body);
      }
    }
  }
}
