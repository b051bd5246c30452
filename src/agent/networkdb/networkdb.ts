// One node's libnetwork NetworkDB (moby/libnetwork bump_19.03, networkdb/): tables of entries per
// network, each entry owned by the node that wrote it and stamped with a Lamport time, spread by
// gossip to the nodes that joined the same network and reconciled by bulk syncs over TCP. It runs
// on the node's memberlist (memberlist.ts). Timings: gossip every 200 ms to 3 random nodes of each
// network (cluster.go gossip), bulk sync every 30 s with a random node (bulkSyncTables, the
// PushPullInterval), reap of deleted entries after 30 min (reapEntryInterval, checked every 5 s),
// reconnect to a failed node every 1 s (reconnectNode), rejoin of the bootstrap nodes every 60 s
// when none is active (rejoinClusterBootStrap). A node that fails (memberlist dead) loses its
// entries on every other node (nodemgmt.go changeNodeState → deleteNodeTableEntries) until it
// comes back and a bulk sync brings them again.
import type { Ip4 } from '../../core/addr.js';
import type { Host } from '../../kernel/host.js';
import { MS, SEC } from '../../sim/clock.js';
import type { Nanos } from '../../sim/clock.js';
import {
  compound, eachCompoundPart, EV_CREATE, EV_DELETE, EV_JOIN, EV_LEAVE, EV_UPDATE, ML_USER, MsgReader, MsgWriter, NDB_BULK_SYNC, NDB_COMPOUND,
  NDB_NETWORK_EVENT, NDB_NODE_EVENT, NDB_TABLE_EVENT, UDP_BUFFER,
} from '../../wire/memberlist.js';
import { BroadcastQueue } from './broadcast.js';
import { COMPOUND_HEADER_OVERHEAD, COMPOUND_OVERHEAD, GOSSIP_INTERVAL, Memberlist, PUSH_PULL_INTERVAL, retransmitLimit, State } from './memberlist.js';
import type { CompoundReader } from '../../wire/memberlist.js';
import type { Delegate, Member } from './memberlist.js';

export const REAP_ENTRY_INTERVAL: Nanos = 30 * 60 * SEC;
const REAP_PERIOD: Nanos = 5 * SEC;
const RETRY_INTERVAL: Nanos = 1 * SEC;
const REJOIN_INTERVAL: Nanos = 60 * SEC;
/** cluster.go maxQueueLenBroadcastOnSync: entries learnt by bulk sync are not re-gossiped past this. */
const MAX_QUEUE_ON_SYNC = 500;

export interface Entry {
  /** The node that wrote it. */
  readonly node: string;
  readonly ltime: number;
  readonly value: string;
  readonly deleting: boolean;
  reapTime: Nanos;
}

export type TableOp = 'create' | 'update' | 'delete';
/** What a watcher hears (networkdb/watch.go): every change of a table entry, ours or learnt. */
export type Watcher = (nid: string, table: string, key: string, value: string, owner: string, op: TableOp) => void;

/** serf's LamportClock. */
class LamportClock {
  t = 0;
  increment(): number {
    return ++this.t;
  }
  witness(v: number): void {
    if (v >= this.t) this.t = v + 1;
  }
}

interface OwnNetwork {
  ltime: number;
  inSync: boolean;
  readonly queue: BroadcastQueue;
  timer: number;
}

/**
 * Strings joined from two parts, one string each (by the first part, then the second): every node
 * builds and looks up the same ones. Bounded: emptied past 2^17.
 */
function pairKeys(join: (a: string, b: string) => string): (a: string, b: string) => string {
  const byFirst = new Map<string, Map<string, string>>();
  let count = 0;
  return (a, b) => {
    let t = byFirst.get(a);
    if (t === undefined) byFirst.set(a, (t = new Map()));
    let k = t.get(b);
    if (k === undefined) {
      if (++count > 1 << 17) {
        byFirst.clear();
        count = 0;
      }
      t.set(b, (k = join(a, b)));
    }
    return k;
  };
}

/** Table keys (by table, then key). */
const tkey = pairKeys((table, key) => `${table}\n${key}`);
/** What a network event is about (a node on a network: a newer event replaces the queued one). */
const netKey = pairKeys((nid, node) => `net ${nid} ${node}`);

/**
 * Live entries as written, shared by every NetworkDB of the process: an entry is one write (its
 * owner's Lamport time), the same on every node that learns it — a thousand nodes each holding a
 * thousand load-balancer entries hold a thousand objects, not a million. Deleting entries are not
 * shared: each node counts down its own reap time. Keyed by owner and time, checked by network,
 * key and value (another simulation in the process may reuse names).
 */
const sharedEntries = new Map<string, { readonly e: Entry; readonly nid: string; readonly k: string }>();

function sharedEntry(nid: string, k: string, e: Entry): Entry {
  if (e.deleting) return e;
  const id = `${e.node}\n${e.ltime}`;
  const s = sharedEntries.get(id);
  if (s !== undefined && s.nid === nid && s.k === k && s.e.value === e.value) return s.e;
  if (sharedEntries.size >= 1 << 17) sharedEntries.clear();
  sharedEntries.set(id, { e, nid, k });
  return e;
}

/**
 * Node and network events as queued, framed as the user messages they go as, shared by every
 * NetworkDB of the process: an event is the same bytes on each of the thousand nodes that learn it
 * and gossip it on (payloads are never written once sent). By what the event is about, checked
 * byte for byte.
 */
const framedEvents = new Map<string, Uint8Array>();

/** The event `b[start, end)` framed. */
function framedEvent(about: string, b: Uint8Array, start: number, end: number): Uint8Array {
  const n = end - start;
  const c = framedEvents.get(about);
  if (c !== undefined && c.length === n + 1) {
    let i = 0;
    while (i < n && c[i + 1] === b[start + i]) i++;
    if (i === n) return c;
  }
  const framed = new Uint8Array(n + 1);
  framed[0] = ML_USER;
  framed.set(b.subarray(start, end), 1);
  if (framedEvents.size >= 1 << 17) framedEvents.clear();
  framedEvents.set(about, framed);
  return framed;
}

/** A gossip round's table events, gathered here and emptied once their packet is built. */
const gossipParts: Uint8Array[] = [];

/** A live entry's table event as a bulk sync carries it, encoded once (entries are shared). */
const syncBytes = new WeakMap<Entry, Uint8Array>();

/**
 * One node's network attachments as last heard, in the order first heard: [nid, ltime × 2 +
 * leaving, nid, …]. A flat array, not a Map: every node keeps one per node of the swarm (a
 * million at 1,000 nodes), and nodes are on a few networks each.
 */
type Attachments = Array<string | number>;

/** The attachment of `nid` (ltime × 2 + leaving), or -1. */
function attachmentOf(a: Attachments | undefined, nid: string): number {
  if (a === undefined) return -1;
  for (let i = 0; i < a.length; i += 2) if (a[i] === nid) return a[i + 1] as number;
  return -1;
}

function setAttachment(a: Attachments, nid: string, ltime: number, leaving: boolean): void {
  const v = ltime * 2 + (leaving ? 1 : 0);
  for (let i = 0; i < a.length; i += 2) {
    if (a[i] === nid) {
      a[i + 1] = v;
      return;
    }
  }
  a.push(nid, v);
}

export class NetworkDB implements Delegate, CompoundReader<boolean> {
  readonly ml: Memberlist;
  private readonly networkClock = new LamportClock();
  private readonly tableClock = new LamportClock();
  /** Every node's network attachments as last heard (networkdb.go networks). */
  private readonly nodeNetworks = new Map<string, Attachments>();
  /** The active nodes attached to each network, this node included (networkNodes). */
  private readonly networkNodes = new Map<string, NodeSet>();
  private readonly own = new Map<string, OwnNetwork>();
  /** Entries by network, then by table and key. */
  private readonly tables = new Map<string, Map<string, Entry>>();
  private readonly nodeQueue = new BroadcastQueue();
  private readonly failed = new Map<string, Member>();
  private readonly bootstrap: Ip4[] = [];
  readonly watchers: Watcher[] = [];
  private reaping = -1;
  private readonly timers: number[] = [];

  constructor(readonly host: Host, readonly name: string, addr: Ip4) {
    this.ml = new Memberlist(host, name, addr, this);
  }

  private get eq() {
    return this.host.eq;
  }

  /** Starts memberlist on 7946 and joins through `peers` (the managers' advertise addresses). */
  start(peers: Ip4[]): void {
    this.ml.start();
    this.bootstrap.push(...peers);
    this.ml.join(peers);
    this.every(RETRY_INTERVAL, () => this.reconnectNode());
    this.every(REJOIN_INTERVAL, () => this.rejoinBootstrap());
    this.every(PUSH_PULL_INTERVAL, () => this.bulkSyncTables());
  }

  stop(): void {
    for (const t of this.timers) this.eq.cancel(t);
    for (const n of this.own.values()) if (n.timer !== -1) this.eq.cancel(n.timer);
    if (this.reaping !== -1) this.eq.cancel(this.reaping);
    this.ml.stop();
  }

  private every(interval: Nanos, fn: () => void): void {
    const slot = this.timers.length;
    this.timers.push(-1);
    const tick = (): void => {
      this.timers[slot] = this.eq.after(interval, tick);
      if (!this.host.down) fn();
    };
    this.timers[slot] = this.eq.after(this.ml.rng.below(interval / MS) * MS, tick);
  }

  /** The entries of one table on one network, key → entry (deleted ones included until reaped). */
  *entries(nid: string, table: string): Iterable<[string, Entry]> {
    const t = this.tables.get(nid);
    if (t === undefined) return;
    const prefix = `${table}\n`;
    for (const [k, e] of t) if (k.startsWith(prefix)) yield [k.slice(prefix.length), e];
  }

  /**
   * A node NetworkDB counts as active (nDB.nodes: told by NotifyJoin, not since by NotifyLeave):
   * exactly the members memberlist has not declared dead, so read from memberlist's list rather
   * than kept a second time (a thousand nodes each know a thousand).
   */
  private activeNode(name: string): Member | undefined {
    const m = this.ml.member(name);
    return m !== undefined && m.state !== State.Dead ? m : undefined;
  }

  /** The nodes NetworkDB knows on `nid`, this one included (`docker network inspect`'s Peers). */
  peers(nid: string): Member[] {
    const out: Member[] = [];
    for (const n of this.networkNodes.get(nid) ?? []) {
      const m = this.activeNode(n);
      if (m !== undefined) out.push(m);
    }
    return out;
  }

  // ---------- networks (JoinNetwork / LeaveNetwork) ----------

  joinNetwork(nid: string): void {
    if (this.own.has(nid)) return;
    const ltime = this.networkClock.increment();
    this.own.set(nid, { ltime, inSync: false, queue: new BroadcastQueue(), timer: -1 });
    this.attach(this.name, nid, ltime, false);
    this.queueNode(netKey(nid, this.name), this.networkEvent(EV_JOIN, ltime, nid));
    const nodes = this.networkNodes.get(nid);
    const net = this.own.get(nid)!;
    if (this.others(nodes) === 0) {
      net.inSync = true;
      return;
    }
    // 19.03 syncs with every node of the network on join (JoinNetwork → bulkSync(networkNodes,
    // true)); we sync with two at random, as the periodic sync does: every node doing so with every
    // other is O(n²) TCP sessions for a thousand-node swarm, and gossip brings the rest.
    this.bulkSync(this.pickOthers(2, nodes), true, () => (net.inSync = true));
  }

  leaveNetwork(nid: string): void {
    const net = this.own.get(nid);
    if (net === undefined) return;
    const ltime = this.networkClock.increment();
    this.queueNode(netKey(nid, this.name), this.networkEvent(EV_LEAVE, ltime, nid));
    if (net.timer !== -1) this.eq.cancel(net.timer);
    this.own.delete(nid);
    const mine = this.nodeNetworks.get(this.name);
    if (mine !== undefined) setAttachment(mine, nid, ltime, true);
    // Every entry of the network goes from this node (deleteNetworkEntriesLocked).
    const t = this.tables.get(nid);
    if (t !== undefined) {
      this.tables.delete(nid);
      for (const [k, e] of t) if (!e.deleting) this.fire(nid, k, e.value, e.node, 'delete');
    }
    this.networkNodes.get(nid)?.delete(this.name);
  }

  private attach(node: string, nid: string, ltime: number, leaving: boolean): void {
    let m = this.nodeNetworks.get(node);
    if (m === undefined) this.nodeNetworks.set(node, (m = []));
    setAttachment(m, nid, ltime, leaving);
    let s = this.networkNodes.get(nid);
    if (s === undefined) this.networkNodes.set(nid, (s = new NodeSet()));
    if (leaving) s.delete(node);
    else if (this.activeNode(node) !== undefined) s.add(node);
  }

  private networkEvent(type: number, ltime: number, nid: string): Uint8Array {
    return new MsgWriter().u8(NDB_NETWORK_EVENT).u8(type).u32(ltime).str(this.name).str(nid).done();
  }

  // ---------- entries (CreateEntry / UpdateEntry / DeleteEntry) ----------

  createEntry(nid: string, table: string, key: string, value: string): void {
    this.write(nid, table, key, value, EV_CREATE);
  }

  updateEntry(nid: string, table: string, key: string, value: string): void {
    this.write(nid, table, key, value, EV_UPDATE);
  }

  deleteEntry(nid: string, table: string, key: string): void {
    const e = this.tables.get(nid)?.get(tkey(table, key));
    if (e === undefined || e.deleting) return;
    this.write(nid, table, key, e.value, EV_DELETE);
  }

  private write(nid: string, table: string, key: string, value: string, type: number): void {
    const net = this.own.get(nid);
    if (net === undefined) return;
    const ltime = this.tableClock.increment();
    const deleting = type === EV_DELETE;
    this.store(nid, tkey(table, key), { node: this.name, ltime, value, deleting, reapTime: deleting ? REAP_ENTRY_INTERVAL : 0 });
    this.queueTable(nid, net, table, key, this.tableEvent(type, ltime, nid, table, key, value, deleting ? REAP_ENTRY_INTERVAL : 0, this.name));
    this.fire(nid, tkey(table, key), value, this.name, type === EV_CREATE ? 'create' : type === EV_UPDATE ? 'update' : 'delete');
  }

  private store(nid: string, k: string, e: Entry): void {
    let t = this.tables.get(nid);
    if (t === undefined) this.tables.set(nid, (t = new Map()));
    t.set(k, sharedEntry(nid, k, e));
    if (e.deleting) this.wakeReaper();
  }

  private fire(nid: string, k: string, value: string, owner: string, op: TableOp): void {
    const i = k.indexOf('\n');
    const table = k.slice(0, i);
    const key = k.slice(i + 1);
    for (const w of this.watchers) w(nid, table, key, value, owner, op);
  }

  private tableEvent(type: number, ltime: number, nid: string, table: string, key: string, value: string, reap: Nanos, owner: string): Uint8Array {
    return new MsgWriter().u8(NDB_TABLE_EVENT).u8(type).u32(ltime).u32(Math.round(reap / SEC)).str(owner).str(nid).str(table).str(key).str(value).done();
  }

  // ---------- gossip (cluster.go gossip) ----------

  private queueTable(nid: string, net: OwnNetwork, table: string, key: string, msg: Uint8Array): void {
    net.queue.queue(tkey(table, key), msg);
    if (net.timer === -1) net.timer = this.eq.after(GOSSIP_INTERVAL, () => this.gossip(nid, net));
  }

  private gossip(nid: string, net: OwnNetwork): void {
    net.timer = -1;
    if (this.own.get(nid) !== net) return;
    if (!this.host.down) {
      const nodes = this.networkNodes.get(nid);
      const targets = this.pickOthers(3, nodes);
      const msgs = net.queue.take(COMPOUND_OVERHEAD, UDP_BUFFER - COMPOUND_HEADER_OVERHEAD, retransmitLimit(this.others(nodes) + 1), gossipParts);
      if (msgs.length > 0) {
        // One packet's bytes for every target (a payload is never written once sent).
        const c = compound(NDB_COMPOUND, msgs, true);
        msgs.length = 0;
        for (const n of targets) {
          const m = this.activeNode(n);
          if (m !== undefined) this.ml.sendBestEffort(m, c);
        }
      }
    }
    if (net.queue.size > 0) net.timer = this.eq.after(GOSSIP_INTERVAL, () => this.gossip(nid, net));
  }

  /** How many of a network's nodes are not this one. */
  private others(nodes: NodeSet | undefined): number {
    if (nodes === undefined) return 0;
    return nodes.size - (nodes.has(this.name) ? 1 : 0);
  }

  /**
   * Up to `k` of a network's nodes other than this one, at random (cluster.go mRandomNodes): each
   * draw an index into those not yet drawn, in the network's order, mapped past the ones left
   * out — no copy of a thousand names for each gossip round.
   */
  private pickOthers(k: number, nodes: NodeSet | undefined): string[] {
    const out: string[] = [];
    if (nodes === undefined) return out;
    const list = nodes.list;
    /** Indices into `list` out of the pool (this node, those drawn), ascending. */
    const skip: number[] = [];
    if (nodes.has(this.name)) skip.push(list.indexOf(this.name));
    let left = list.length - skip.length;
    while (out.length < k && left > 0) {
      let i = this.ml.rng.below(left);
      let j = 0;
      for (; j < skip.length && skip[j]! <= i; j++) i++;
      skip.splice(j, 0, i);
      out.push(list[i]!);
      left--;
    }
    return out;
  }

  /** Queues a node or network event `b[start, end)` for memberlist's gossip, framed as the user
   *  message it goes as. */
  private queueNode(about: string, b: Uint8Array, start = 0, end = b.length): void {
    this.nodeQueue.queue(about, framedEvent(about, b, start, end));
    this.ml.wakeGossip();
  }

  // ---------- memberlist's delegate (delegate.go) ----------

  getBroadcasts(overhead: number, limit: number, out: Uint8Array[]): void {
    this.nodeQueue.take(overhead, limit, retransmitLimit(this.ml.numAlive()), out);
  }

  notifyMsg(buf: Uint8Array, start: number, end: number): void {
    try {
      this.handleMessage(buf, start, end, false);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
    }
  }

  /** The reader of gossiped events: each case reads all its fields before it acts (what it does
   *  may bring the next message here, which reuses it). */
  private readonly reader = new MsgReader(new Uint8Array(0));

  /** The message `b[start, end)`, read in place (a whole user message or a part of a compound). */
  private handleMessage(b: Uint8Array, start: number, end: number, isBulkSync: boolean): void {
    switch (b[start]) {
      case NDB_COMPOUND:
        eachCompoundPart(b, start, end, this, isBulkSync);
        return;
      case NDB_TABLE_EVENT:
        return this.handleTableMessage(b, start, end, isBulkSync);
      case NDB_NETWORK_EVENT: {
        const r = this.reader.reset(b, start + 1, end);
        const type = r.u8();
        const ltime = r.u32();
        const node = r.str();
        const nid = r.str();
        if (this.handleNetworkEvent(type, ltime, node, nid)) this.queueNode(netKey(nid, node), b, start, end);
        return;
      }
      case NDB_NODE_EVENT: {
        const r = this.reader.reset(b, start + 1, end);
        r.u8();
        const ltime = r.u32();
        this.networkClock.witness(ltime);
        return;
      }
      case NDB_BULK_SYNC:
        return this.handleBulkSync(b, start, end);
    }
  }

  private handleNetworkEvent(type: number, ltime: number, node: string, nid: string): boolean {
    this.networkClock.witness(ltime);
    if (node === this.name) return false;
    const cur = attachmentOf(this.nodeNetworks.get(node), nid);
    if (cur >= 0 && Math.floor(cur / 2) >= ltime) return false;
    const leaving = type === EV_LEAVE;
    this.attach(node, nid, ltime, leaving);
    // A node leaving a network takes its entries of that network with it (deleteNodeNetworkEntries).
    if (leaving) this.dropEntries((e) => e.node === node, nid);
    return true;
  }

  /** A part of a compound message (CompoundReader). */
  compoundPart(b: Uint8Array, start: number, end: number, isBulkSync: boolean): void {
    this.handleMessage(b, start, end, isBulkSync);
  }

  private handleTableMessage(b: Uint8Array, start: number, end: number, isBulkSync: boolean): void {
    const r = this.reader.reset(b, start + 1, end);
    const type = r.u8();
    const ltime = r.u32();
    const reap = r.u32() * SEC;
    const owner = r.str();
    const nid = r.str();
    const table = r.str();
    const key = r.str();
    if (owner === this.name) return;
    this.tableClock.witness(ltime);
    const net = this.own.get(nid);
    // Events of networks we are not on, or from a node not (any more) on it, are ignored.
    if (net === undefined || !(this.networkNodes.get(nid)?.has(owner) ?? false)) return;
    const k = tkey(table, key);
    const cur = this.tables.get(nid)?.get(k);
    if (cur !== undefined && cur.ltime >= ltime) return;
    const deleting = type === EV_DELETE;
    // A delete for an entry we never had, gossiped: ignored (it may outlive the reap time).
    if (cur === undefined && deleting && !isBulkSync) return;
    // Only news is worth decoding the value (most of a bulk sync is known already).
    const value = r.str();
    this.store(nid, k, { node: owner, ltime, value, deleting, reapTime: deleting ? (reap > 0 ? reap : REAP_ENTRY_INTERVAL) : 0 });
    if (cur === undefined && deleting) {
      if (!(net.inSync && reap > REAP_ENTRY_INTERVAL / 6)) return;
    } else this.fire(nid, k, value, owner, type === EV_CREATE ? 'create' : type === EV_UPDATE ? 'update' : 'delete');
    if (!net.inSync || (isBulkSync && net.queue.size > MAX_QUEUE_ON_SYNC)) return;
    this.queueTable(nid, net, table, key, b.slice(start, end));
  }

  localState(_join: boolean): Uint8Array {
    const w = new MsgWriter().u32(this.networkClock.t).str(this.name);
    let n = 0;
    for (const m of this.nodeNetworks.values()) n += m.length / 2;
    w.u32(n);
    for (const [node, m] of this.nodeNetworks) {
      for (let i = 0; i < m.length; i += 2) {
        const v = m[i + 1] as number;
        w.str(m[i] as string).str(node).u32(Math.floor(v / 2)).u8(v % 2);
      }
    }
    return w.done();
  }

  mergeRemoteState(buf: Uint8Array, _join: boolean): void {
    const r = new MsgReader(buf);
    this.networkClock.witness(r.u32());
    r.str();
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      const nid = r.str();
      const node = r.str();
      const ltime = r.u32();
      const leaving = r.u8() === 1;
      this.handleNetworkEvent(leaving ? EV_LEAVE : EV_JOIN, ltime, node, nid);
    }
  }

  notifyJoin(name: string): void {
    this.failed.delete(name);
    const a = this.nodeNetworks.get(name);
    if (a !== undefined) for (let i = 0; i < a.length; i += 2) if ((a[i + 1] as number) % 2 === 0) this.networkNodes.get(a[i] as string)?.add(name);
  }

  /** A node failed: it leaves every network here, and its entries go (changeNodeState → nodeFailedState). */
  notifyLeave(m: Member): void {
    if (this.failed.has(m.name)) return;
    this.failed.set(m.name, m);
    for (const s of this.networkNodes.values()) s.delete(m.name);
    this.dropEntries((e) => e.node === m.name, null);
  }

  /** Removes entries at once (no reap time), telling the watchers of those not already deleted. */
  private dropEntries(match: (e: Entry) => boolean, nid: string | null): void {
    for (const [id, t] of this.tables) {
      if (nid !== null && id !== nid) continue;
      for (const [k, e] of [...t]) {
        if (!match(e)) continue;
        t.delete(k);
        if (!e.deleting) this.fire(id, k, e.value, e.node, 'delete');
      }
    }
  }

  // ---------- bulk sync (cluster.go bulkSync / bulkSyncNode, delegate.go handleBulkSync) ----------

  private bulkSyncTables(): void {
    for (const nid of this.own.keys()) {
      const nodes = this.networkNodes.get(nid);
      if (this.others(nodes) > 0) this.bulkSync(this.pickOthers(2, nodes).slice(0, 1), false);
    }
  }

  private bulkSync(nodes: string[], _all: boolean, done?: () => void): void {
    let left = nodes.length;
    if (left === 0) return done?.();
    for (const n of nodes) {
      this.bulkSyncNode(this.commonNetworks(n), n, true, () => {
        if (--left === 0) done?.();
      });
    }
  }

  private commonNetworks(node: string): string[] {
    const theirs = this.nodeNetworks.get(node);
    return [...this.own.keys()].filter((nid) => {
      const v = attachmentOf(theirs, nid);
      return v >= 0 && v % 2 === 0;
    });
  }

  private bulkSyncNode(networks: string[], node: string, unsolicited: boolean, done: () => void): void {
    const m = this.activeNode(node) ?? this.failed.get(node);
    if (m === undefined || networks.length === 0) return done();
    const parts: Uint8Array[] = [];
    for (const nid of networks) {
      for (const [k, e] of this.tables.get(nid) ?? []) {
        let b = e.deleting ? undefined : syncBytes.get(e);
        if (b === undefined) {
          const i = k.indexOf('\n');
          b = this.tableEvent(e.deleting ? EV_DELETE : EV_CREATE, e.ltime, nid, k.slice(0, i), k.slice(i + 1), e.value, e.reapTime, e.node);
          if (!e.deleting) syncBytes.set(e, b);
        }
        parts.push(b);
      }
    }
    const w = new MsgWriter().u8(NDB_BULK_SYNC).u32(this.tableClock.t).u8(unsolicited ? 1 : 0).str(this.name).u32(networks.length);
    for (const nid of networks) w.str(nid);
    // Sent as one compound however large (a TCP stream), its parts each under 64 KiB.
    const payload = parts.length === 0 ? new Uint8Array(0) : chunkedCompound(parts);
    this.ml.sendReliable(m, w.bytes(payload).done(), () => done());
  }

  private handleBulkSync(b: Uint8Array, start: number, end: number): void {
    // A reader of its own: the events it carries are read with this.reader.
    const r = new MsgReader(b, start + 1, end);
    const ltime = r.u32();
    const unsolicited = r.u8() === 1;
    const from = r.str();
    const n = r.u32();
    const networks: string[] = [];
    for (let i = 0; i < n; i++) networks.push(r.str());
    const payload = r.bytes();
    if (ltime > 0) this.tableClock.witness(ltime);
    if (payload.length > 0) for (const c of chunks(payload)) this.handleMessage(c, 0, c.length, true);
    if (unsolicited) this.bulkSyncNode(networks.filter((nid) => this.own.has(nid)), from, false, () => undefined);
  }

  // ---------- failure handling (reconnectNode, rejoinClusterBootStrap, reapState) ----------

  private reconnectNode(): void {
    if (this.failed.size === 0) return;
    const list = [...this.failed.values()];
    const m = list[this.ml.rng.below(list.length)]!;
    this.ml.join([m.addr], (ok) => {
      if (!ok) return;
      this.queueNode(`node ${this.name}`, new MsgWriter().u8(NDB_NODE_EVENT).u8(EV_JOIN).u32(this.networkClock.increment()).str(this.name).done());
      if (this.activeNode(m.name) !== undefined) this.bulkSync([m.name], true);
    });
  }

  private rejoinBootstrap(): void {
    for (const m of this.ml.members) if (m.state !== State.Dead && m.name !== this.name && this.bootstrap.includes(m.addr)) return;
    if (this.bootstrap.length > 0) this.ml.join(this.bootstrap);
  }

  private wakeReaper(): void {
    if (this.reaping !== -1) return;
    this.reaping = this.eq.after(REAP_PERIOD, () => {
      this.reaping = -1;
      let left = 0;
      for (const t of this.tables.values()) {
        for (const [k, e] of [...t]) {
          if (!e.deleting) continue;
          e.reapTime -= REAP_PERIOD;
          if (e.reapTime <= 0) t.delete(k);
          else left++;
        }
      }
      if (left > 0) this.wakeReaper();
    });
  }

  /** Whether memberlist takes `name` to be alive (for tests and `docker info`-like views). */
  alive(name: string): boolean {
    return this.ml.member(name)?.state === State.Alive;
  }
}

/** A network's nodes: a Set to ask, and the same names in its order in an array to draw from. */
class NodeSet {
  private readonly set = new Set<string>();
  readonly list: string[] = [];

  get size(): number {
    return this.list.length;
  }

  has(name: string): boolean {
    return this.set.has(name);
  }

  add(name: string): void {
    if (this.set.has(name)) return;
    this.set.add(name);
    this.list.push(name);
  }

  delete(name: string): boolean {
    if (!this.set.delete(name)) return false;
    this.list.splice(this.list.indexOf(name), 1);
    return true;
  }

  [Symbol.iterator](): Iterator<string> {
    return this.list[Symbol.iterator]();
  }
}

/** Compound messages of at most 255 parts each, one after the other (length-prefixed). */
function chunkedCompound(parts: Uint8Array[]): Uint8Array {
  const w = new MsgWriter();
  for (let i = 0; i < parts.length; i += 255) w.bytes(compound(NDB_COMPOUND, parts.slice(i, i + 255)));
  return w.done();
}

function chunks(payload: Uint8Array): Uint8Array[] {
  const r = new MsgReader(payload);
  const out: Uint8Array[] = [];
  while (r.left > 0) out.push(r.bytes());
  return out;
}
