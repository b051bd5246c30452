// A manager's Raft on the wire: its RaftNode (swarm/raft.ts) ticked once a second, and a TCP
// connection to each other manager's 2377 that carries its messages (swarmkit's raft transport:
// one gRPC connection per peer, each message a ProcessRaftMessage call that fails after
// SendTimeout 2 s; a failed peer connection is dialled again). Messages come in through the
// manager's listener (agent/dispatcher.ts). A message that cannot be sent is dropped: Raft sends
// heartbeats every tick and campaigns again on its next timeout.
import type { Ip4 } from '../core/addr.js';
import type { Daemon } from '../docker/daemon.js';
import { tcpConnect } from '../kernel/tcp.js';
import type { TcpConn } from '../kernel/tcp.js';
import { SEC } from '../sim/clock.js';
import type { Nanos } from '../sim/clock.js';
import { RaftNode } from '../swarm/raft.js';
import type { RaftMessage, RaftOptions } from '../swarm/raft.js';
import type { Replica } from '../swarm/replica.js';
import { MsgChannel } from './rpc.js';
import { SWARM_PORT } from './dispatcher.js';

/** swarmkit manager/state/raft: the transport's SendTimeout. */
const SEND_TIMEOUT: Nanos = 2 * SEC;
/** etcd/raft TickInterval in swarmkit. */
const TICK: Nanos = SEC;

interface Link {
  readonly conn: TcpConn;
  ch: MsgChannel | null;
  /** Messages waiting for the handshake. */
  readonly queue: RaftMessage[];
  /** When the oldest unacknowledged byte was sent (0: all acknowledged). */
  sentBytes: number;
  unackedSince: Nanos;
}

export class RaftPeer {
  readonly node: RaftNode;
  /** This manager's copy of the state, fed by its log's committed entries (swarm/replica.ts);
   *  null on a single manager, whose store is its replica. */
  replica: Replica | null = null;
  private readonly links = new Map<string, Link>();
  private stopped = false;

  constructor(
    readonly d: Daemon,
    readonly nodeId: string,
    /** The other managers (the committed membership): node ID and address. */
    private readonly members: () => ReadonlyArray<{ readonly id: string; readonly addr: Ip4 }>,
    seed: number,
    opts: RaftOptions = {},
  ) {
    this.node = new RaftNode(nodeId, () => this.members().map((m) => m.id), (to, m) => this.send(to, m), seed, opts);
    let wasDown = false;
    const tick = (): void => {
      if (this.stopped) return;
      // A powered-off host runs nothing; powered on, dockerd starts again and its Raft node
      // restarts as a follower that knows no leader, with the term it had persisted.
      const down = d.host.down || !d.running;
      if (down) {
        if (!wasDown) for (const l of this.links.values()) l.conn.abort();
        if (!wasDown) this.links.clear();
      } else if (wasDown) this.node.restart();
      else this.node.tick();
      wasDown = down;
      d.host.eq.after(TICK, tick);
    };
    d.host.eq.after(TICK, tick);
  }

  private get now(): Nanos {
    return this.d.host.eq.now;
  }

  private send(to: string, m: RaftMessage): void {
    if (this.stopped) return;
    let link = this.links.get(to);
    if (link !== undefined) {
      const st = link.conn.state;
      const stuck = link.sentBytes > link.conn.bytesAcked && this.now - link.unackedSince > SEND_TIMEOUT;
      if (st === 'CLOSED' || stuck || (st === 'SYN_SENT' && this.now - link.unackedSince > SEND_TIMEOUT)) {
        link.conn.abort();
        this.links.delete(to);
        link = undefined;
      }
    }
    if (link === undefined) {
      const peer = this.members().find((p) => p.id === to);
      if (peer === undefined || !this.d.running) return;
      link = this.dial(to, peer.addr);
      if (link === undefined) return;
    }
    if (link.ch === null) {
      if (link.queue.length < 8) link.queue.push(m);
      return;
    }
    this.write(link, m);
  }

  private write(link: Link, m: RaftMessage): void {
    if (link.sentBytes <= link.conn.bytesAcked) link.unackedSince = this.now;
    link.sentBytes += link.ch!.send(m);
  }

  private dial(to: string, addr: Ip4): Link | undefined {
    const c = tcpConnect(this.d.host.root, addr, SWARM_PORT, {
      onConnect: () => {
        const l = this.links.get(to);
        if (l === undefined || l.conn !== c) return;
        l.ch = new MsgChannel(c as TcpConn, () => undefined);
        for (const m of l.queue.splice(0)) this.write(l, m);
      },
      onError: () => {
        if (this.links.get(to)?.conn === c) this.links.delete(to);
      },
      onPeerClose: () => {
        if (this.links.get(to)?.conn === c) this.links.delete(to);
        (c as TcpConn).close();
      },
    });
    if (typeof c === 'number') return undefined;
    const link: Link = { conn: c, ch: null, queue: [], sentBytes: 0, unackedSince: this.now };
    this.links.set(to, link);
    return link;
  }

  /** A message from another manager arrived on this host's 2377. */
  receive(m: RaftMessage): void {
    if (!this.stopped && this.d.running && !this.d.host.down) this.node.step(m);
  }

  stop(): void {
    this.stopped = true;
    for (const l of this.links.values()) l.conn.close();
    this.links.clear();
  }
}
