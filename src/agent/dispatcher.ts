// A manager's listener on TCP 2377 (swarmkit's CA server and dispatcher behind one gRPC port):
// joining nodes get their certificate (or a refusal), agents register a session and heartbeat;
// on the leader, follower managers' control API calls are proposed and answered once committed.
// The answers come from the cluster (swarm/), which the swarm world reaches through `DispatcherOps`.
// A manager that cannot reach a leader does not answer (swarmkit's raft proxy has nowhere to
// forward to), so the node's RPC times out and it tries another manager.
import type { Netns } from '../kernel/netns.js';
import { tcpListen } from '../kernel/tcp.js';
import type { TcpConn } from '../kernel/tcp.js';
import type { Nanos } from '../sim/clock.js';
import { MsgChannel } from './rpc.js';
import { SWARM_PORT } from '../wire/swarmrpc.js';
import type { CpMessage } from './rpc.js';
import type { RaftMessage } from '../swarm/raft.js';

export { SWARM_PORT };

export interface DispatcherOps {
  /** A join request arrived from `peer`: the node's ID and role, an error text, or null (no answer). */
  join(m: Extract<CpMessage, { kind: 'join' }>, peer: number): { nodeId: string; role: 'manager' | 'worker' } | { error: string } | null;
  /** A session opens: its ID, an error (the node is not known), or null when this manager cannot serve it now. */
  register(nodeId: string): string | { error: string } | null;
  /** A heartbeat arrived: the period until the next one, an error (no session), or null (no answer). */
  heartbeat(nodeId: string): Nanos | { error: string } | null;
  /** A Raft message from another manager. */
  raft(m: RaftMessage): void;
  /** A control API call a follower forwarded (agent/control-proxy.ts): `answer` once it is
   *  committed (null) or failed (the error text); never called when this manager cannot serve it. */
  control(m: Extract<CpMessage, { kind: 'control' }>, answer: (error: string | null) => void): void;
  // ---- dispatch ----
  /** The node opens its Assignments stream: `send` carries the stream's messages on this connection
   *  (false once the connection is gone). An error, or null (no answer: no leader in reach). */
  assignments(nodeId: string, sessionId: string, conn: TcpConn, send: (m: CpMessage) => boolean): { error: string } | null;
  /** A task status report: true once queued for the store, an error, or null (no answer). */
  taskStatus(m: Extract<CpMessage, { kind: 'task-status' }>): true | { error: string } | null;
  /** The connection closed: its streams end. */
  closed(conn: TcpConn): void;
  // ---- end dispatch ----
}

export class Dispatcher {
  private readonly conns = new Set<TcpConn>();

  constructor(
    readonly ns: Netns,
    private readonly ops: DispatcherOps,
  ) {
    // --listen-addr defaults to 0.0.0.0:2377.
    tcpListen(ns, SWARM_PORT, 0, (c) => {
      this.conns.add(c);
      const ch = new MsgChannel(c, (m) => this.message(ch, c, m));
      return {
        onData: (_c, data) => ch.data(data),
        onPeerClose: () => {
          this.conns.delete(c);
          this.ops.closed(c);
          c.close();
        },
        onError: () => {
          this.conns.delete(c);
          this.ops.closed(c);
        },
      };
    });
  }

  private message(ch: MsgChannel, c: TcpConn, m: CpMessage): void {
    switch (m.kind) {
      case 'join': {
        const r = this.ops.join(m, c.raddr);
        if (r === null) return;
        if ('error' in r) ch.send({ kind: 'error', message: r.error });
        else ch.send({ kind: 'joined', nodeId: r.nodeId, role: r.role });
        return;
      }
      case 'register': {
        const id = this.ops.register(m.nodeId);
        if (typeof id === 'string') ch.send({ kind: 'registered', sessionId: id });
        else if (id !== null) ch.send({ kind: 'error', message: id.error });
        return;
      }
      case 'heartbeat': {
        const period = this.ops.heartbeat(m.nodeId);
        if (typeof period === 'number') ch.send({ kind: 'heartbeat-ok', period });
        else if (period !== null) ch.send({ kind: 'error', message: period.error });
        return;
      }
      // ---- dispatch: the Assignments stream and status reports ----
      case 'assignments-watch': {
        const r = this.ops.assignments(m.nodeId, m.sessionId, c, (msg) => {
          if (!this.conns.has(c)) return false;
          ch.send(msg);
          return true;
        });
        if (r !== null) ch.send({ kind: 'error', message: r.error });
        return;
      }
      case 'task-status': {
        const r = this.ops.taskStatus(m);
        if (r === true) ch.send({ kind: 'task-status-ok', taskId: m.taskId });
        else if (r !== null) ch.send({ kind: 'error', message: r.error });
        return;
      }
      // ---- end dispatch ----
      case 'MsgApp':
      case 'MsgAppResp':
      case 'MsgHeartbeat':
      case 'MsgHeartbeatResp':
      case 'MsgVote':
      case 'MsgVoteResp':
      case 'MsgSnap':
        this.ops.raft(m);
        return;
      // ── Control API calls from follower managers (agent/control-proxy.ts) ──
      case 'control':
        this.ops.control(m, (error) => {
          // Answered on the call's connection, if it is still open.
          if (this.conns.has(c)) ch.send({ kind: 'control-result', call: m.call, method: m.method, error, bytes: error === null ? m.replyBytes : 0 });
        });
        return;
      default:
        return;
    }
  }

  /** The manager leaves the swarm: nothing listens on 2377 any more, its sessions are reset. */
  stop(): void {
    this.ns.sockets.tcpListeners.delete(SWARM_PORT);
    for (const c of this.conns) {
      this.ops.closed(c);
      c.reset();
    }
    this.conns.clear();
  }
}
