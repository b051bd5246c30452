// One node's hashicorp/memberlist (the SWIM membership NetworkDB runs on), over the node's own
// kernel sockets on port 7946: UDP for probes and gossip, TCP for push-pull and reliable sends.
// Timings are memberlist's DefaultLANConfig (config.go): ProbeInterval 1 s, ProbeTimeout 500 ms,
// IndirectChecks 3, SuspicionMult 4 (SuspicionMaxTimeoutMult 6), RetransmitMult 4, GossipNodes 3,
// GossipInterval 200 ms, GossipToTheDeadTime 30 s, PushPullInterval 30 s (scaled past 32 nodes),
// TCPTimeout 10 s. The state machine is state.go's: alive / suspect / dead with incarnation
// numbers, a node refuting a suspicion about itself, suspicion timeouts that shrink with
// independent confirmations, the TCP fallback ping (a node whose UDP 7946 alone is blocked stays
// alive, though gossip to it is lost). Left out: nacks, the awareness (health) multiplier,
// encryption, compression.
import type { Ip4 } from '../../core/addr.js';
import { Rng } from '../../core/rng.js';
import type { Host } from '../../kernel/host.js';
import type { Netns } from '../../kernel/netns.js';
import { tcpConnect, tcpListen } from '../../kernel/tcp.js';
import type { TcpConn, TcpHandlers } from '../../kernel/tcp.js';
import { udpSend } from '../../kernel/udp.js';
import { MS, SEC } from '../../sim/clock.js';
import type { Nanos } from '../../sim/clock.js';
import {
  compound, eachCompoundPart, encodeAck, encodeAlive, encodeIndirectPing, encodePing, encodeSuspect, GOSSIP_PORT, ML_ACK, ML_ALIVE, ML_COMPOUND,
  ML_DEAD, ML_INDIRECT_PING, ML_PING, ML_PUSH_PULL, ML_SUSPECT, ML_USER, MsgReader, MsgWriter, readAliveMsg, readPacketMsg, UDP_BUFFER,
} from '../../wire/memberlist.js';
import type { CompoundReader, PacketMsg } from '../../wire/memberlist.js';
import { BroadcastQueue, DenseSlots } from './broadcast.js';
import { MemberNames } from './names.js';

export const PROBE_INTERVAL: Nanos = 1 * SEC;
export const PROBE_TIMEOUT: Nanos = 500 * MS;
const INDIRECT_CHECKS = 3;
const SUSPICION_MULT = 4;
const SUSPICION_MAX_TIMEOUT_MULT = 6;
export const RETRANSMIT_MULT = 4;
const GOSSIP_NODES = 3;
export const GOSSIP_INTERVAL: Nanos = 200 * MS;
const GOSSIP_TO_THE_DEAD: Nanos = 30 * SEC;
export const PUSH_PULL_INTERVAL: Nanos = 30 * SEC;
const TCP_TIMEOUT: Nanos = 10 * SEC;
/** memberlist net.go compoundHeaderOverhead / compoundOverhead. */
export const COMPOUND_HEADER_OVERHEAD = 2;
export const COMPOUND_OVERHEAD = 2;
/** net.go userMsgOverhead: the user-message byte before each delegate broadcast. */
const USER_MSG_OVERHEAD = 1;

export const enum State {
  Alive = 0,
  Suspect = 1,
  Dead = 2,
}

/** A member as a memberlist knows it at the moment asked (a copy: the memberlist keeps its members
 *  in arrays by name number, not as an object each). */
export interface Member {
  readonly name: string;
  /** The name's number in its world (MemberNames). */
  readonly id: number;
  readonly addr: Ip4;
  readonly state: State;
  readonly incarnation: number;
}

interface Suspicion {
  timer: number;
  readonly from: Set<string>;
  readonly start: Nanos;
  readonly min: Nanos;
  readonly max: Nanos;
  readonly k: number;
}

/** What NetworkDB plugs into memberlist (memberlist's Delegate and EventDelegate). */
export interface Delegate {
  /** A user message's body `buf[start, end)` (after the user-message byte), by UDP gossip or a
   *  reliable TCP send: read in place, never kept (a copy is made of what is). */
  notifyMsg(buf: Uint8Array, start: number, end: number): void;
  /** Queued user broadcasts that fit `limit` bytes, each costing `overhead` more, appended to
   *  `out`, each already framed as a user message (the user-message byte first, as memberlist's
   *  getBroadcasts frames them: framed once when queued, not at each of their retransmits). */
  getBroadcasts(overhead: number, limit: number, out: Uint8Array[]): void;
  localState(join: boolean): Uint8Array;
  mergeRemoteState(buf: Uint8Array, join: boolean): void;
  /** A member joined, or came back from the dead. */
  notifyJoin(name: string): void;
  notifyLeave(m: Member): void;
}

/** suspicion.go suspicionTimeout: SuspicionMult × max(1, log10(n)) × ProbeInterval. */
function suspicionTimeout(n: number): Nanos {
  const scale = Math.max(1, Math.log10(Math.max(1, n)));
  return Math.round(SUSPICION_MULT * scale * 1000) * (PROBE_INTERVAL / 1000);
}

/** util.go retransmitLimit: RetransmitMult × ceil(log10(n + 1)). */
export function retransmitLimit(n: number): number {
  return RETRANSMIT_MULT * Math.ceil(Math.log10(n + 1));
}

/** util.go pushPullScale: past 32 nodes the push-pull interval grows with log2(n). */
function pushPullScale(n: number): Nanos {
  if (n <= 32) return PUSH_PULL_INTERVAL;
  return PUSH_PULL_INTERVAL * (Math.ceil(Math.log2(n) - Math.log2(32)) + 1);
}

/** A string's FNV-1a hash: the seed of a node's memberlist randomness. */
function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * What the memberlists of one simulated world (by its event queue) share. The member names,
 * numbered as first met: the index into each memberlist's own incarnation and address arrays. A
 * thousand nodes each hear about a thousand, sixteen times over: most alive messages are old news,
 * told apart there without touching the member (a thousand Maps of a thousand members are a cache
 * miss each). And the latest alive message built about each node, by name number: a thousand nodes
 * each queue one about each of a thousand (retransmitted 16 times), the same bytes. Payloads are
 * never written once sent, so one copy serves all.
 */
class WorldGossip {
  readonly names = new MemberNames();
  readonly aliveMsg: Array<Uint8Array | undefined> = [];
  readonly aliveInc: number[] = [];
  readonly aliveAddr: number[] = [];
}

const worlds = new WeakMap<object, WorldGossip>();

export class Memberlist implements CompoundReader<Ip4> {
  private readonly world: WorldGossip;
  private readonly names: MemberNames;
  private readonly selfId: number;
  /** The members (memberlist's nodeMap), by name number: the incarnation (-1: not a member), the
   *  address and the state. Arrays, not an object per member: a thousand nodes each knowing a
   *  thousand members were a million objects for the collector to copy and trace, and each look
   *  at one a cache miss. */
  private incs = new Float64Array(0);
  private addrs = new Uint32Array(0);
  private states = new Uint8Array(0);
  /** How many members are not dead (memberlist's numNodes - dead: estNumNodes), kept as states change. */
  private live = 0;
  /** The members' numbers in the order first heard (memberlist's nodes), for random picks without
   *  building a pool each time. */
  private readonly order: number[] = [];
  private readonly probeOrder: number[] = [];
  /** The suspicions under way, by member (few at a time). */
  private readonly suspicions = new Map<number, Suspicion>();
  private probeIndex = 0;
  private seq = 0;
  private incarnation = 0;
  private readonly acks = new Map<number, (ok: boolean) => void>();
  /** When each dead member was marked dead (memberlist's StateChange, which only a dead member's
   *  is read of: gossip to the dead, and probing it, stop GossipToTheDeadTime after). Not a field
   *  of every member: a thousand nodes know a thousand members, and a time there is a boxed double each. */
  private readonly deadSince = new Map<number, Nanos>();
  /** What is queued about each node, by its name number. */
  private readonly queue = new BroadcastQueue<number>(new DenseSlots());
  /** Its own stream: gossip's choices move no other random draw of the host. */
  readonly rng: Rng;
  private running = false;
  private gossipTimer = -1;
  private readonly timers: number[] = [];
  private readonly ns: Netns;

  constructor(
    readonly host: Host,
    readonly name: string,
    readonly addr: Ip4,
    readonly delegate: Delegate,
  ) {
    this.ns = host.root;
    this.rng = new Rng(fnv(name));
    let world = worlds.get(host.eq);
    if (world === undefined) worlds.set(host.eq, (world = new WorldGossip()));
    this.world = world;
    this.names = world.names;
    this.selfId = this.names.idOf(name);
  }

  /** The member called `name`, if known. */
  member(name: string): Member | undefined {
    const id = this.names.lookup(name);
    return id >= 0 && this.known(id) ? this.view(id) : undefined;
  }

  /** Every member known, this node included, in the order first heard. */
  get members(): readonly Member[] {
    return this.order.map((id) => this.view(id));
  }

  private view(id: number): Member {
    return { name: this.names.name(id), id, addr: this.addrs[id]!, state: this.states[id] as State, incarnation: this.incs[id]! };
  }

  private known(id: number): boolean {
    return id < this.incs.length && this.incs[id]! >= 0;
  }

  /** Sets what is known of member `id` (made a member if it was not). */
  private set(id: number, inc: number, addr: Ip4, state: State): void {
    if (id >= this.incs.length) {
      const n = Math.max(64, this.names.size * 2);
      const incs = new Float64Array(n).fill(-1);
      incs.set(this.incs);
      const addrs = new Uint32Array(n);
      addrs.set(this.addrs);
      const states = new Uint8Array(n);
      states.set(this.states);
      this.incs = incs;
      this.addrs = addrs;
      this.states = states;
    }
    this.incs[id] = inc;
    this.addrs[id] = addr;
    this.states[id] = state;
  }

  get now(): Nanos {
    return this.host.eq.now;
  }

  /** Binds 7946 (UDP and TCP) and starts probing and push-pulls (memberlist.Create + schedule). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.ns.sockets.bindUdp({ port: GOSSIP_PORT, addr: 0, kernel: false, onDatagram: (pkt) => this.onPacket(pkt.payload, pkt.ipSrc) });
    tcpListen(this.ns, GOSSIP_PORT, 0, (c) => this.accept(c));
    // Started again after a stop: it was counted (a node never takes itself for dead), and it
    // keeps its place in the order.
    if (!this.known(this.selfId)) {
      this.live++;
      this.order.push(this.selfId);
    }
    this.set(this.selfId, 0, this.addr, State.Alive);
    this.broadcastAlive();
    // Each ticker starts at a random offset within its interval (memberlist's schedule stagger).
    this.every(PROBE_INTERVAL, () => this.probe());
    this.pushPullLoop(this.rng.below(PUSH_PULL_INTERVAL / MS) * MS);
  }

  /** Stops every timer and closes the sockets (the daemon leaving the swarm). */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    for (const t of this.timers) this.host.eq.cancel(t);
    if (this.gossipTimer !== -1) this.host.eq.cancel(this.gossipTimer);
    this.ns.sockets.unbindUdp(GOSSIP_PORT);
    this.ns.sockets.tcpListeners.delete(GOSSIP_PORT);
  }

  private every(interval: Nanos, fn: () => void): void {
    const slot = this.timers.length;
    this.timers.push(-1);
    const tick = (): void => {
      this.timers[slot] = this.host.eq.after(interval, tick);
      if (!this.host.down) fn();
    };
    this.timers[slot] = this.host.eq.after(this.rng.below(interval / MS) * MS, tick);
  }

  private pushPullLoop(first: Nanos): void {
    const slot = this.timers.length;
    this.timers.push(-1);
    const tick = (): void => {
      this.timers[slot] = this.host.eq.after(pushPullScale(this.numAlive()), tick);
      if (!this.host.down) this.pushPullRandom();
    };
    this.timers[slot] = this.host.eq.after(first, tick);
  }

  private diedAt(id: number): Nanos {
    return this.deadSince.get(id) ?? this.now;
  }

  numAlive(): number {
    return this.live;
  }

  /** Joins through these addresses: a push-pull with each (memberlist.Join). */
  join(addrs: Ip4[], done?: (ok: boolean) => void): void {
    let left = addrs.length;
    let any = false;
    if (left === 0) return done?.(false);
    for (const a of addrs) {
      this.pushPull(a, true, (ok) => {
        any ||= ok;
        if (--left === 0) done?.(any);
      });
    }
  }

  // ---------- sending ----------

  private sendUdp(to: Ip4, payload: Uint8Array): void {
    udpSend(this.ns, this.addr, GOSSIP_PORT, to, GOSSIP_PORT, payload, null, this.now);
  }

  /** net.go sendMsg (encodeAndSendMsg's): a ping, ack or ping-req, with whatever is queued
   *  piggybacked in the rest of the packet. */
  private sendMsg(to: Ip4, msg: Uint8Array): void {
    const parts = this.parts;
    parts.push(msg);
    this.getBroadcasts(COMPOUND_OVERHEAD, UDP_BUFFER - msg.length - COMPOUND_HEADER_OVERHEAD, parts);
    const out = parts.length === 1 ? msg : compound(ML_COMPOUND, parts);
    parts.length = 0;
    this.sendUdp(to, out);
  }

  /** A packet's parts as they are gathered (sendMsg, gossip): emptied once its bytes are built,
   *  before they are sent. */
  private readonly parts: Uint8Array[] = [];

  /** broadcast.go getBroadcasts, appended to `out`: memberlist's own queue first, then the
   *  delegate's (NetworkDB's node and network events), each of those framed as a user message. */
  private getBroadcasts(overhead: number, limit: number, out: Uint8Array[]): void {
    const from = out.length;
    this.queue.take(overhead, limit, retransmitLimit(this.numAlive()), out);
    let used = 0;
    for (let i = from; i < out.length; i++) used += out[i]!.length + overhead;
    const avail = limit - used;
    // memberlist asks for overhead + userMsgOverhead each; ours come framed, the byte counted in them.
    if (avail > overhead + USER_MSG_OVERHEAD) this.delegate.getBroadcasts(overhead, avail, out);
  }

  /** A user message to one member, best effort over UDP (memberlist.SendBestEffort), given
   *  framed (the user-message byte first): built once for all the members it goes to. */
  sendBestEffort(to: Member, framed: Uint8Array): void {
    this.sendUdp(to.addr, framed);
  }

  /** A user message over a TCP stream (memberlist.SendReliable); `done` says whether it was sent. */
  sendReliable(to: Member, body: Uint8Array, done: (ok: boolean) => void): void {
    const b = new Uint8Array(body.length + 1);
    b[0] = ML_USER;
    b.set(body, 1);
    this.stream(to.addr, b, false, (reply) => done(reply !== null));
  }

  // ---------- probing (state.go probe / probeNode) ----------

  private probe(): void {
    let target = -1;
    for (let checked = 0; checked < this.probeOrder.length + 1; checked++) {
      if (this.probeIndex >= this.probeOrder.length) {
        this.resetNodes();
        if (this.probeOrder.length === 0) return;
      }
      const id = this.probeOrder[this.probeIndex++]!;
      if (id === this.selfId || this.states[id] === State.Dead) continue;
      target = id;
      break;
    }
    if (target === -1) return;
    this.probeNode(target);
  }

  /** Drops members dead for longer than GossipToTheDeadTime from the probe list and shuffles it. */
  private resetNodes(): void {
    this.probeOrder.length = 0;
    for (const id of this.order) {
      if (id === this.selfId) continue;
      if (this.states[id] === State.Dead && this.now - this.diedAt(id) > GOSSIP_TO_THE_DEAD) continue;
      this.probeOrder.push(id);
    }
    this.rng.shuffle(this.probeOrder);
    this.probeIndex = 0;
  }

  /** Probes member `id` (its address, incarnation and state read as each step comes, as
   *  memberlist reads its node's). */
  private probeNode(id: number): void {
    const name = this.names.name(id);
    const seq = ++this.seq;
    let acked = false;
    const deadline = this.now + PROBE_INTERVAL;
    this.acks.set(seq, () => {
      acked = true;
      this.acks.delete(seq);
    });
    // A suspected node gets the suspicion along with the ping, so that it can refute at once
    // (state.go probeNode); an alive one, the ping with broadcasts piggybacked.
    if (this.states[id] === State.Alive) this.sendMsg(this.addrs[id]!, encodePing(seq, name));
    else this.sendUdp(this.addrs[id]!, compound(ML_COMPOUND, [encodePing(seq, name), encodeSuspect(ML_SUSPECT, this.incs[id]!, name, this.name)]));
    this.host.eq.after(PROBE_TIMEOUT, () => {
      if (acked) return;
      // No direct ack: ask up to IndirectChecks others to ping it for us (ping-req), and ping it
      // over TCP as well (the fallback ping: UDP alone may be what is blocked).
      const helpers = this.randomMembers(INDIRECT_CHECKS, (x) => x !== id && this.states[x] === State.Alive);
      // Nack is asked of every helper (all speak protocol 5, PMax >= 4); nacks are not modelled.
      const req = encodeIndirectPing(seq, this.addrs[id]!, GOSSIP_PORT, name, true);
      for (const h of helpers) this.sendMsg(this.addrs[h]!, req);
      this.stream(this.addrs[id]!, encodePing(seq, name), true, (reply) => {
        if (reply !== null && reply[0] === ML_ACK) this.acks.get(seq)?.(true);
      }, deadline - this.now);
      this.host.eq.at(deadline, () => {
        if (acked) return;
        this.acks.delete(seq);
        // memberlist logs "Suspect <node> has failed, no acks received".
        this.suspectNode(this.incs[id]!, name, this.name);
      });
    });
  }

  private insertProbe(id: number): void {
    const o = this.probeOrder;
    o.push(id);
    const j = this.rng.below(o.length);
    o[o.length - 1] = o[j]!;
    o[j] = id;
  }

  /** Up to `k` members passing `ok`, chosen at random (util.go kRandomNodes: at most 3n random
   *  draws), never this node: their numbers. */
  private randomMembers(k: number, ok: (id: number) => boolean): number[] {
    const n = this.order.length;
    const out: number[] = [];
    for (let i = 0; i < 3 * n && out.length < k; i++) {
      const id = this.order[this.rng.below(n)]!;
      if (id === this.selfId || !ok(id) || out.includes(id)) continue;
      out.push(id);
    }
    return out;
  }

  // ---------- receiving (net.go handleCommand) ----------

  private onPacket(payload: Uint8Array | null, from: Ip4): void {
    if (!this.running || payload === null || payload.length === 0) return;
    try {
      this.handle(payload, 0, payload.length, from);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      // memberlist: "Failed to decode" — a truncated packet is dropped.
    }
  }

  /** The reader of every packet's messages, and what it read: each case takes all its fields
   *  before it acts (what it does may bring the next message here, which reuses both). */
  private readonly reader = new MsgReader(new Uint8Array(0));
  private readonly msg: PacketMsg = { seq: 0, inc: 0, node: '', from: '', addr: 0, port: 0, nodeAt: 0, nodeEnd: 0 };

  /** The message `b[start, end)` (a whole payload, or a part of a compound one). */
  private handle(b: Uint8Array, start: number, end: number, from: Ip4): void {
    const type = b[start]!;
    if (type === ML_ALIVE) {
      // Told old news by the name's bytes and the arrays, before any string or member is touched.
      const m = this.msg;
      readAliveMsg(this.reader.reset(b, start + 1, end), m);
      const n = m.nodeEnd - m.nodeAt;
      const id = this.names.find(b, m.nodeAt, n);
      if (id >= 0 && this.oldNews(id, m.inc, m.addr)) return;
      return this.aliveNode(m.inc, id >= 0 ? id : this.names.idOfBytes(b, m.nodeAt, n), m.addr);
    }
    if (type <= ML_DEAD) {
      const m = this.msg;
      readPacketMsg(this.reader.reset(b, start + 1, end), type, m);
      switch (type) {
        case ML_PING:
          // net.go handlePing: a ping for another name (a restarted node) is not answered.
          if (m.node !== '' && m.node !== this.name) return;
          this.sendMsg(from, encodeAck(m.seq));
          return;
        case ML_INDIRECT_PING: {
          // Ping the target with a sequence number of ours; its ack is relayed to the asker.
          const seq = m.seq;
          const mine = ++this.seq;
          this.acks.set(mine, () => {
            this.acks.delete(mine);
            this.sendMsg(from, encodeAck(seq));
          });
          this.host.eq.after(PROBE_TIMEOUT, () => this.acks.delete(mine));
          this.sendMsg(m.addr, encodePing(mine, m.node));
          return;
        }
        case ML_ACK:
          this.acks.get(m.seq)?.(true);
          return;
        case ML_SUSPECT:
          return this.suspectNode(m.inc, m.node, m.from);
        case ML_DEAD:
          return this.deadNode(m.inc, m.node, m.from);
      }
      return;
    }
    switch (type) {
      case ML_COMPOUND:
        eachCompoundPart(b, start, end, this, from);
        return;
      case ML_USER:
        this.delegate.notifyMsg(b, start + 1, end);
        return;
    }
  }

  /** A part of a compound message from `from` (CompoundReader). */
  compoundPart(b: Uint8Array, start: number, end: number, from: Ip4): void {
    this.handle(b, start, end, from);
  }

  // ---------- state (state.go aliveNode / suspectNode / deadNode) ----------

  private broadcastAlive(): void {
    this.incarnation++;
    this.incs[this.selfId] = this.incarnation;
    this.queueBroadcast(this.selfId, this.aliveMsg(this.selfId));
  }

  /** The alive message about member `id` as known here. */
  private aliveMsg(id: number): Uint8Array {
    const w = this.world;
    const inc = this.incs[id]!;
    const addr = this.addrs[id]!;
    const c = w.aliveMsg[id];
    if (c !== undefined && w.aliveInc[id] === inc && w.aliveAddr[id] === addr) return c;
    const msg = encodeAlive(inc, this.names.name(id), addr, GOSSIP_PORT);
    while (w.aliveMsg.length < id) {
      w.aliveMsg.push(undefined);
      w.aliveInc.push(-1);
      w.aliveAddr.push(0);
    }
    w.aliveMsg[id] = msg;
    w.aliveInc[id] = inc;
    w.aliveAddr[id] = addr;
    return msg;
  }

  /** Whether an alive message about member `id` is old news (an older incarnation, or the same at
   *  the same address: a suspected or dead node comes back by refuting, with a higher one). */
  private oldNews(id: number, inc: number, addr: Ip4): boolean {
    if (id === this.selfId || id >= this.incs.length) return false;
    const known = this.incs[id]!;
    return known >= 0 && (inc < known || (inc === known && this.addrs[id] === addr));
  }

  /** An alive message about the member numbered `id` (state.go aliveNode). */
  private aliveNode(inc: number, id: number, addr: Ip4): void {
    if (this.oldNews(id, inc, addr)) return;
    if (id === this.selfId) {
      // Someone gossips an older view of us: nothing to do; a newer one (we restarted) is refuted.
      if (inc > this.incarnation) {
        this.incarnation = inc;
        this.broadcastAlive();
      }
      return;
    }
    if (!this.known(id)) {
      this.set(id, inc, addr, State.Alive);
      this.live++;
      this.order.push(id);
      // A new node goes in the probe list at a random place, swapped with the one there (state.go
      // aliveNode), so that all nodes do not probe it at once.
      this.insertProbe(id);
      this.queueBroadcast(id, this.aliveMsg(id));
      this.delegate.notifyJoin(this.names.name(id));
      return;
    }
    const was = this.states[id] as State;
    this.clearSuspicion(id);
    this.set(id, inc, addr, State.Alive);
    this.queueBroadcast(id, this.aliveMsg(id));
    if (was === State.Dead) {
      this.deadSince.delete(id);
      this.live++;
      if (!this.probeOrder.includes(id)) this.insertProbe(id);
      this.delegate.notifyJoin(this.names.name(id));
    }
  }

  private suspectNode(inc: number, name: string, from: string): void {
    const id = this.names.lookup(name);
    if (id < 0 || !this.known(id) || inc < this.incs[id]!) return;
    const cur = this.suspicions.get(id);
    if (cur !== undefined) {
      this.confirm(id, cur, from);
      return;
    }
    if (this.states[id] !== State.Alive) return;
    if (id === this.selfId) {
      // Refute: a higher incarnation of ourselves, alive (state.go refute).
      this.incarnation = Math.max(this.incarnation, inc);
      this.broadcastAlive();
      return;
    }
    this.queueBroadcast(id, encodeSuspect(ML_SUSPECT, inc, name, from));
    this.incs[id] = inc;
    this.states[id] = State.Suspect;
    const n = this.numAlive();
    // suspicion.go newSuspicion: expect k = SuspicionMult - 2 independent confirmations, none in a
    // cluster too small to give them; the timeout starts at max and shrinks towards min with each.
    let k = SUSPICION_MULT - 2;
    if (n - 2 < k) k = 0;
    const min = suspicionTimeout(n);
    const max = SUSPICION_MAX_TIMEOUT_MULT * min;
    const s: Suspicion = { timer: -1, from: new Set([from]), start: this.now, min, max, k };
    this.suspicions.set(id, s);
    this.armSuspicion(id, s);
  }

  private armSuspicion(id: number, s: Suspicion): void {
    if (s.timer !== -1) this.host.eq.cancel(s.timer);
    const c = s.from.size - 1;
    const frac = s.k === 0 ? 1 : Math.log(c + 1) / Math.log(s.k + 1);
    const timeout = s.k === 0 ? s.min : Math.max(s.min, Math.floor(s.max - frac * (s.max - s.min)));
    s.timer = this.host.eq.at(Math.max(this.now, s.start + timeout), () => {
      if (this.suspicions.get(id) !== s) return;
      this.suspicions.delete(id);
      // memberlist logs "Marking <node> as failed, suspect timeout reached (<n> peer confirmations)".
      this.deadNode(this.incs[id]!, this.names.name(id), this.name);
    });
  }

  private confirm(id: number, s: Suspicion, from: string): void {
    if (s.from.has(from) || s.from.size - 1 >= s.k) return;
    s.from.add(from);
    this.armSuspicion(id, s);
  }

  private clearSuspicion(id: number): void {
    const s = this.suspicions.get(id);
    if (s === undefined) return;
    this.host.eq.cancel(s.timer);
    this.suspicions.delete(id);
  }

  private deadNode(inc: number, name: string, from: string): void {
    const id = this.names.lookup(name);
    if (id < 0 || !this.known(id) || inc < this.incs[id]!) return;
    this.clearSuspicion(id);
    if (this.states[id] === State.Dead) return;
    if (id === this.selfId) {
      this.incarnation = Math.max(this.incarnation, inc);
      this.broadcastAlive();
      return;
    }
    this.queueBroadcast(id, encodeSuspect(ML_DEAD, inc, name, from));
    this.incs[id] = inc;
    this.states[id] = State.Dead;
    this.deadSince.set(id, this.now);
    this.live--;
    this.delegate.notifyLeave(this.view(id));
  }

  // ---------- gossip (state.go gossip) ----------

  /** Queues a message about the node numbered `about`, replacing the one queued about it. */
  private queueBroadcast(about: number, msg: Uint8Array): void {
    this.queue.queue(about, msg);
    this.wakeGossip();
  }

  /** Gossip runs every GossipInterval while anything is queued (memberlist's or the delegate's). */
  wakeGossip(): void {
    if (this.gossipTimer !== -1 || !this.running) return;
    this.gossipTimer = this.host.eq.after(GOSSIP_INTERVAL, () => {
      this.gossipTimer = -1;
      if (this.gossip() || this.queue.size > 0) this.wakeGossip();
    });
  }

  /** Sends what is queued to GossipNodes members; true when something was sent. */
  private gossip(): boolean {
    if (this.host.down) return true;
    const nodes = this.randomMembers(GOSSIP_NODES, (id) => this.states[id] !== State.Dead || this.now - this.diedAt(id) < GOSSIP_TO_THE_DEAD);
    let sent = false;
    for (const id of nodes) {
      const parts = this.parts;
      this.getBroadcasts(COMPOUND_OVERHEAD, UDP_BUFFER - COMPOUND_HEADER_OVERHEAD, parts);
      if (parts.length === 0) return sent;
      const out = parts.length === 1 ? parts[0]! : compound(ML_COMPOUND, parts);
      parts.length = 0;
      this.sendUdp(this.addrs[id]!, out);
      sent = true;
    }
    return sent;
  }

  // ---------- push-pull over TCP (net.go sendAndReceiveState / mergeState) ----------

  private pushPullRandom(): void {
    const [id] = this.randomMembers(1, (x) => this.states[x] === State.Alive);
    if (id !== undefined) this.pushPull(this.addrs[id]!, false, () => undefined);
  }

  private localState(join: boolean): Uint8Array {
    const w = new MsgWriter().u8(ML_PUSH_PULL).u8(join ? 1 : 0).u32(this.order.length);
    // The names as MemberNames holds their bytes: what w.str(name) writes, without encoding.
    for (const id of this.order) {
      const name = this.names.bytes(id);
      w.u32(name.length).raw(name).u32(this.addrs[id]!).u32(this.incs[id]!).u8(this.states[id]!);
    }
    return w.bytes(this.delegate.localState(join)).done();
  }

  private mergeState(b: Uint8Array): void {
    const r = new MsgReader(b, 1);
    const join = r.u8() === 1;
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      r.strSpan();
      const at = r.spanStart;
      const len = r.spanEnd - at;
      const addr = r.u32();
      const inc = r.u32();
      const state = r.u8();
      // A node the other side thinks dead is only suspected here (state.go mergeState).
      if (state === State.Alive) {
        const id = this.names.find(b, at, len);
        if (id >= 0 && this.oldNews(id, inc, addr)) continue;
        this.aliveNode(inc, id >= 0 ? id : this.names.idOfBytes(b, at, len), addr);
      } else this.suspectNode(inc, r.strAt(at, at + len), this.name);
    }
    this.delegate.mergeRemoteState(r.bytes(), join);
  }

  private pushPull(addr: Ip4, join: boolean, done: (ok: boolean) => void): void {
    this.stream(addr, this.localState(join), true, (reply) => {
      if (reply === null) return done(false);
      try {
        this.mergeState(reply);
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        return done(false);
      }
      done(true);
    });
  }

  /** One framed message over a new TCP connection; with `wantReply`, the framed answer. */
  private stream(addr: Ip4, msg: Uint8Array, wantReply: boolean, done: (reply: Uint8Array | null) => void, timeout: Nanos = TCP_TIMEOUT): void {
    let finished = false;
    const finish = (c: TcpConn | null, reply: Uint8Array | null): void => {
      if (finished) return;
      finished = true;
      this.host.eq.cancel(timer);
      if (c !== null && c.state !== 'CLOSED') (reply === null ? c.abort() : c.close());
      done(reply);
    };
    const rx = new Framer();
    const handlers: TcpHandlers = {
      onConnect: (c) => {
        c.send(frame(msg));
        if (!wantReply) c.close();
      },
      onData: (c, data) => {
        const m = rx.push(data);
        if (m !== null) finish(c, m);
      },
      onDrain: (c) => {
        if (!wantReply) finish(c, msg);
      },
      onPeerClose: (c) => finish(c, null),
      onError: () => finish(null, null),
    };
    const c = tcpConnect(this.ns, addr, GOSSIP_PORT, handlers);
    const timer = this.host.eq.after(timeout, () => finish(typeof c === 'number' ? null : c, null));
    if (typeof c === 'number') finish(null, null);
  }

  /** A stream from a peer: a push-pull (answered with ours) or a reliable user message. */
  private accept(_c: TcpConn): TcpHandlers {
    const rx = new Framer();
    return {
      onData: (conn, data) => {
        const m = rx.push(data);
        if (m === null || !this.running) return;
        try {
          if (m[0] === ML_PUSH_PULL) {
            const join = m[1] === 1;
            conn.send(frame(this.localState(join)));
            this.mergeState(m);
          } else if (m[0] === ML_PING) {
            // The TCP fallback ping (net.go handleConn pingMsg): answered with an ack on the stream.
            const p = this.msg;
            readPacketMsg(new MsgReader(m, 1), ML_PING, p);
            if (p.node === '' || p.node === this.name) conn.send(frame(encodeAck(p.seq)));
          } else if (m[0] === ML_USER) this.delegate.notifyMsg(m, 1, m.length);
        } catch (e) {
          if (!(e instanceof RangeError)) throw e;
        }
        conn.close();
      },
      onPeerClose: (conn) => {
        if (conn.state !== 'CLOSED') conn.close();
      },
    };
  }
}

function frame(msg: Uint8Array): Uint8Array {
  const out = new Uint8Array(msg.length + 4);
  new DataView(out.buffer).setUint32(0, msg.length);
  out.set(msg, 4);
  return out;
}

/** Gathers one length-prefixed message from a byte stream (the segments joined once, when all came). */
class Framer {
  private readonly parts: Uint8Array[] = [];
  private have = 0;

  push(data: Uint8Array): Uint8Array | null {
    this.parts.push(data);
    this.have += data.length;
    if (this.have < 4) return null;
    let b = this.parts[0]!;
    if (b.length < 4) b = this.join();
    const len = new DataView(b.buffer, b.byteOffset).getUint32(0);
    if (this.have < 4 + len) return null;
    if (this.parts.length > 1) b = this.join();
    return b.subarray(4, 4 + len);
  }

  private join(): Uint8Array {
    const b = new Uint8Array(this.have);
    let off = 0;
    for (const p of this.parts) {
      b.set(p, off);
      off += p.length;
    }
    this.parts.length = 0;
    this.parts.push(b);
    return b;
  }
}
