// A node's link to the managers over TCP 2377: first the join (a certificate request with the
// join token, retried in the background while no manager answers), then the dispatcher session
// (Register, then a heartbeat every period the manager names). Modelled on moby 19.03's
// daemon/cluster/noderunner.go (the node restarts after a failure, reconnectDelay doubling from
// 100 ms to 30 s), swarmkit's ca.GetRemoteCA (the CA call's 5 s deadline) and agent/session.go
// (dispatcherRPCTimeout 5 s; a failed session is reopened after a backoff of 100 ms + 2×backoff,
// at most 8 s, agent/agent.go).
import type { Ip4 } from '../core/addr.js';
import type { Rng } from '../core/rng.js';
import type { Daemon } from '../docker/daemon.js';
import { tcpConnect } from '../kernel/tcp.js';
import type { TcpConn } from '../kernel/tcp.js';
import { MS, SEC } from '../sim/clock.js';
import type { Nanos } from '../sim/clock.js';
import type { NodeRole } from '../swarm/model.js';
import type { TaskStatusReport } from '../swarm/dispatcher.js';
import type { AssignmentsMessage } from './assignments.js';
import { StatusReporter } from './reporter.js';
import { MsgChannel } from './rpc.js';
import type { CpMessage } from './rpc.js';

/** swarmkit agent/session.go dispatcherRPCTimeout; also ca.GetRemoteCA's deadline. */
export const RPC_TIMEOUT: Nanos = 5 * SEC;
/** moby daemon/cluster/cluster.go initialReconnectDelay / maxReconnectDelay. */
const INITIAL_RECONNECT: Nanos = 100 * MS;
const MAX_RECONNECT: Nanos = 30 * SEC;
/** swarmkit agent/agent.go initialSessionFailureBackoff / maxSessionFailureBackoff. */
const SESSION_BACKOFF: Nanos = 100 * MS;
const MAX_SESSION_BACKOFF: Nanos = 8 * SEC;

export interface JoinRequest {
  readonly token: string;
  readonly addr: Ip4;
  /** Whether --advertise-addr named the address (else it is known once a manager answered). */
  readonly advertised: boolean;
  readonly dataAddr: Ip4 | null;
}

/** What the swarm world does when the session moves on. */
export interface SessionEvents {
  /** The manager issued the node's certificate: the node is part of the swarm now. */
  joined(nodeId: string, role: NodeRole): void;
  /** The manager refused the join (bad token, no leader): the attempt ends. */
  refused(message: string): void;
  /** The dispatcher session is registered (again): the agent may get work and report. */
  connected(): void;
  /** An AssignmentsMessage arrived on the session's stream (COMPLETE, then INCREMENTAL). */
  assignments(m: AssignmentsMessage): void;
}

export type SessionState = 'pending' | 'active' | 'stopped';

export class NodeSession {
  state: SessionState = 'pending';
  nodeId: string | null = null;
  /** A live registration: the last heartbeat was answered and none is overdue. */
  connected = false;
  /** The manager addresses the node knows (swarmkit's remotes), `ip:port`; the join address first. */
  readonly remotes: Array<{ ip: Ip4; port: number }>;
  private next = 0;
  private conn: TcpConn | null = null;
  private ch: MsgChannel | null = null;
  private sessionId = '';
  /** The pending RPC's deadline timer, and the generation that tells stale timers apart. */
  private gen = 0;
  private reconnectDelay = INITIAL_RECONNECT;
  private backoff = 0;
  /** The agent's task status reports, sent one at a time while the session is up. */
  private readonly reporter = new StatusReporter((taskId, status) => {
    if (!this.connected || this.ch === null) return false;
    this.ch.send({ kind: 'task-status', nodeId: this.nodeId!, sessionId: this.sessionId, taskId, status });
    return true;
  });

  constructor(
    readonly d: Daemon,
    remote: { ip: Ip4; port: number },
    /** The join to make; null for a node already in the swarm (a demoted manager). */
    private readonly req: JoinRequest | null,
    private readonly events: SessionEvents,
    private readonly rng: Rng,
    /** The managers the node knows once joined (the session's manager list). */
    private readonly managers: () => Array<{ ip: Ip4; port: number }>,
    nodeId: string | null = null,
  ) {
    this.remotes = [remote];
    if (nodeId !== null) {
      this.nodeId = nodeId;
      this.state = 'active';
    }
    this.attempt();
  }

  get advertised(): boolean {
    return this.req?.advertised ?? false;
  }

  get addr(): Ip4 {
    return this.req?.addr ?? 0;
  }

  private get now(): Nanos {
    return this.d.host.eq.now;
  }

  /** Opens a connection to the next manager and sends the join or the session's Register. */
  private attempt(): void {
    if (this.state === 'stopped') return;
    const gen = ++this.gen;
    const eq = this.d.host.eq;
    if (!this.d.running) {
      // dockerd is stopped: nothing runs until it is started again.
      eq.after(SEC, () => gen === this.gen && this.attempt());
      return;
    }
    if (this.state === 'active') {
      // Once joined, any manager will do: the list the dispatcher sends, the join address first.
      const known = this.managers();
      if (known.length > 0) this.remotes.splice(0, this.remotes.length, ...known);
    }
    const r = this.remotes[this.next % this.remotes.length]!;
    const ns = this.d.host.root;
    const c = tcpConnect(ns, r.ip, r.port, {
      onConnect: () => {
        if (gen !== this.gen) return;
        this.ch = new MsgChannel(c as TcpConn, (m) => gen === this.gen && this.message(m));
        if (this.state === 'pending') this.ch.send({ kind: 'join', token: this.req!.token, hostname: this.d.host.name, addr: this.req!.addr, dataAddr: this.req!.dataAddr });
        else this.ch.send({ kind: 'register', nodeId: this.nodeId! });
      },
      onData: (_c, data) => gen === this.gen && this.ch?.data(data),
      onPeerClose: () => gen === this.gen && this.fail(),
      onError: () => gen === this.gen && this.fail(),
    });
    if (typeof c === 'number') {
      // connect(2) failed at once (no route): try again after the delay.
      eq.after(0, () => gen === this.gen && this.fail());
      return;
    }
    this.conn = c;
    // The CA call (joining) or the session's first exchange must complete within the RPC deadline.
    this.deadline(gen);
  }

  private deadline(gen: number): void {
    const at = this.now + RPC_TIMEOUT;
    this.d.host.eq.at(at, () => {
      if (gen === this.gen && this.awaiting && this.awaitSince + RPC_TIMEOUT <= this.now) this.fail();
    });
    this.awaiting = true;
    this.awaitSince = this.now;
  }

  private awaiting = false;
  private awaitSince: Nanos = 0;

  private message(m: CpMessage): void {
    const eq = this.d.host.eq;
    switch (m.kind) {
      case 'joined':
        this.awaiting = false;
        this.nodeId = m.nodeId;
        this.state = 'active';
        this.reconnectDelay = INITIAL_RECONNECT;
        this.events.joined(m.nodeId, m.role);
        // A manager's agent talks to its manager locally: the swarm world stopped this session.
        if (this.state !== 'active' || this.ch === null) return;
        // The agent starts and opens its dispatcher session on the same connection.
        this.ch!.send({ kind: 'register', nodeId: m.nodeId });
        this.deadline(this.gen);
        return;
      case 'error':
        this.awaiting = false;
        if (this.state === 'pending') {
          this.stop();
          this.events.refused(m.message);
        } else this.fail();
        return;
      case 'registered':
        this.awaiting = false;
        this.sessionId = m.sessionId;
        this.backoff = 0;
        this.connected = true;
        // session.start: the Assignments stream opens with the session (session.watch), and the
        // reports kept while it was down go out.
        this.ch!.send({ kind: 'assignments-watch', nodeId: this.nodeId!, sessionId: this.sessionId });
        this.events.connected();
        this.heartbeat(this.gen);
        this.reporter.pump();
        return;
      case 'assignments':
        this.events.assignments(m);
        return;
      case 'task-status-ok':
        this.reporter.acked(m.taskId);
        return;
      case 'heartbeat-ok': {
        this.awaiting = false;
        const gen = this.gen;
        eq.after(m.period, () => gen === this.gen && this.heartbeat(gen));
        return;
      }
      default:
        return;
    }
  }

  private heartbeat(gen: number): void {
    if (this.ch === null || this.state !== 'active') return;
    if (!this.d.running) {
      // A stopped daemon sends nothing: the session ends, and is reopened once dockerd runs.
      this.fail();
      return;
    }
    this.ch.send({ kind: 'heartbeat', nodeId: this.nodeId!, sessionId: this.sessionId });
    this.deadline(gen);
  }

  /** The connection or an RPC failed: drop it and try again after the backoff. */
  private fail(): void {
    if (this.state === 'stopped') return;
    const gen = ++this.gen;
    this.awaiting = false;
    this.connected = false;
    this.reporter.failed();
    this.conn?.abort();
    this.conn = null;
    this.ch = null;
    this.next++;
    let delay: Nanos;
    if (this.state === 'pending') {
      // enableReconnectWatcher: the delay doubles before each restart.
      this.reconnectDelay = Math.min(this.reconnectDelay * 2, MAX_RECONNECT);
      delay = this.reconnectDelay;
    } else {
      this.backoff = Math.min(SESSION_BACKOFF + 2 * this.backoff, MAX_SESSION_BACKOFF);
      // "select a session registration delay from backoff range"
      delay = this.rng.below(Math.max(1, Math.floor(this.backoff / MS))) * MS;
    }
    this.d.host.eq.after(delay, () => gen === this.gen && this.attempt());
  }

  /** The agent's report of a task's status: sent once the session is up (agent/reporter.ts). */
  reportStatus(taskId: string, status: TaskStatusReport): void {
    this.reporter.update(taskId, status);
  }

  /** docker swarm leave, or the attempt given up: the connection closes, nothing more is sent. */
  stop(): void {
    this.state = 'stopped';
    this.reporter.clear();
    this.gen++;
    this.connected = false;
    this.conn?.close();
    this.conn = null;
    this.ch = null;
  }
}
