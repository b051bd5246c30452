// A follower manager's control API calls, forwarded to the leader over TCP 2377 as swarmkit 19.03
// does it: manager/manager.go wraps the control API in api.NewRaftProxyControlServer, whose every
// method (api/control.pb.go raftProxyControlServer.CreateService …) asks Raft for the leader's
// connection (manager/state/raft/raft.go LeaderConn → transport.PeerConn) and, unless this node
// leads, makes the same call there and returns the leader's answer. gRPC keeps one connection per
// follower→leader pair; a connection that stalls (bytes unacknowledged, or no handshake, for the
// raft transport's 2 s SendTimeout, after which swarmkit reports the peer inactive) is given up and
// the next call dials again. A call whose answer does not come waits for the daemon's deadline
// (agent/swarm-world.ts propose); it is not sent again.
import type { Ip4 } from '../core/addr.js';
import type { Daemon } from '../docker/daemon.js';
import { tcpConnect } from '../kernel/tcp.js';
import type { TcpConn } from '../kernel/tcp.js';
import { SEC } from '../sim/clock.js';
import type { Nanos } from '../sim/clock.js';
import { SWARM_PORT } from '../wire/swarmrpc.js';
import { MsgChannel } from './rpc.js';
import type { ControlMethod, CpMessage } from './rpc.js';

/** One control API call that writes the store: the method, the entry it proposes, what it returns. */
export interface ControlCall {
  readonly method: ControlMethod;
  /** What the log entry holds (shown by Raft's log, e.g. `service create web`). */
  readonly what: string;
  /** The entry's size (swarm/raft-entry.ts estimates), which the request also carries. */
  readonly bytes: number;
  /** The object the answer returns (0 for a remove). */
  readonly replyBytes: number;
}

/** swarmkit manager/state/raft/transport: SendTimeout, after which the peer counts as inactive. */
const STALL: Nanos = 2 * SEC;

interface Link {
  readonly leader: string;
  readonly conn: TcpConn;
  ch: MsgChannel | null;
  /** Calls written before the handshake finished. */
  readonly queue: CpMessage[];
  sentBytes: number;
  /** When the oldest unacknowledged byte was written, or the dial began. */
  since: Nanos;
}

/** The control calls of one manager host while it follows: its connection to the leader. */
export class ControlClient {
  private link: Link | null = null;
  private readonly pending = new Map<number, (error: string | null) => void>();
  private nextCall = 1;

  constructor(private readonly d: Daemon) {}

  private get now(): Nanos {
    return this.d.host.eq.now;
  }

  /**
   * Sends the call to the leader `leader` at `addr`; `answer` gets the leader's result (null: the
   * write committed) if it arrives. Returns the call's number, for `forget`.
   */
  call(leader: string, addr: Ip4, c: ControlCall, answer: (error: string | null) => void): number {
    const call = this.nextCall++;
    this.pending.set(call, answer);
    const link = this.linkTo(leader, addr);
    const m: CpMessage = { kind: 'control', call, method: c.method, what: c.what, bytes: c.bytes, replyBytes: c.replyBytes };
    if (link === null) return call;
    if (link.ch === null) link.queue.push(m);
    else this.write(link, m);
    return call;
  }

  /** The caller stopped waiting (its deadline passed): a late answer is ignored. */
  forget(call: number): void {
    this.pending.delete(call);
  }

  /** The connection to `leader`, dialled when there is none, it goes elsewhere, or it stalled. */
  private linkTo(leader: string, addr: Ip4): Link | null {
    const l = this.link;
    if (l !== null) {
      const waited = this.now - l.since;
      const stalled = l.conn.state === 'CLOSED' || (l.ch === null && waited > STALL) || (l.sentBytes > l.conn.bytesAcked && waited > STALL);
      if (l.leader === leader && !stalled) return l;
      l.conn.abort();
      this.link = null;
    }
    return this.dial(leader, addr);
  }

  private dial(leader: string, addr: Ip4): Link | null {
    const lost = (c: TcpConn): void => {
      if (this.link?.conn === c) this.link = null;
    };
    const c = tcpConnect(this.d.host.root, addr, SWARM_PORT, {
      onConnect: (conn) => {
        const l = this.link;
        if (l === null || l.conn !== conn) return;
        l.ch = new MsgChannel(conn, (m) => this.receive(m));
        for (const m of l.queue.splice(0)) this.write(l, m);
      },
      onData: (conn, data) => {
        if (this.link?.conn === conn) this.link.ch?.data(data);
      },
      onError: lost,
      onPeerClose: (conn) => {
        lost(conn);
        conn.close();
      },
    });
    if (typeof c === 'number') return null;
    this.link = { leader, conn: c, ch: null, queue: [], sentBytes: 0, since: this.now };
    return this.link;
  }

  private write(link: Link, m: CpMessage): void {
    if (link.sentBytes <= link.conn.bytesAcked) link.since = this.now;
    link.sentBytes += link.ch!.send(m);
  }

  private receive(m: CpMessage): void {
    if (m.kind !== 'control-result') return;
    const answer = this.pending.get(m.call);
    this.pending.delete(m.call);
    answer?.(m.error);
  }

  /** The manager left or was demoted: its connection closes, calls still waiting time out. */
  stop(): void {
    this.link?.conn.close();
    this.link = null;
    this.pending.clear();
  }
}
