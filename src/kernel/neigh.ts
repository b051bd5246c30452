// The neighbour (ARP) table of one namespace, as `ip neigh` shows it. Resolution follows the
// kernel's defaults: up to 3 broadcast probes one second apart (mcast_solicit=3, retrans_time=1s,
// on the timer wheel: 1004-1032 ms for the first wait, 1024 ms for the next at HZ=250),
// at most 101 packets queued while INCOMPLETE (unres_qlen), then FAILED and the queue dropped with
// an ICMP host unreachable to each sender. A confirmed entry is REACHABLE for 30 s, then STALE
// (still usable). A STALE entry that is used goes to DELAY; 5 s later (delay_first_probe_time) it
// is REACHABLE again if something confirmed it meanwhile (an ARP reply, a TCP ACK that moved the
// connection on), else PROBE: up to 3 unicast ARP requests 1 s apart, then FAILED. So a namespace
// that answered someone who ARPed it (its entry for the asker is STALE) asks back, unicast, about
// 5 s later: seen on Linux 6.18 as one more VXLAN datagram each way between the VTEPs.
import type { Ip4, Mac } from '../core/addr.js';
import type { Packet } from '../wire/packet.js';
import type { NetDevice } from './device.js';
import type { Nanos } from '../sim/clock.js';
import { SEC } from '../sim/clock.js';
import { msecsToJiffies } from './timer.js';

export type NeighState = 'INCOMPLETE' | 'REACHABLE' | 'STALE' | 'DELAY' | 'PROBE' | 'FAILED' | 'PERMANENT' | 'NOARP';

export const ARP_PROBES = 3;
/** retrans_time (1 s) in jiffies, as neigh_parms keep it. */
export const ARP_RETRANS_JIFFIES = msecsToJiffies(1000);
/** delay_first_probe_time: how long a STALE entry, once used, waits in DELAY for a confirmation. */
export const DELAY_PROBE_TIME: Nanos = 5 * SEC;
export const DELAY_PROBE_JIFFIES = msecsToJiffies(5000);
/** ucast_solicit: unicast probes in PROBE before the entry fails (mcast_reprobes = 0). */
export const UCAST_PROBES = 3;
export const REACHABLE_TIME: Nanos = 30 * SEC;
/**
 * How many packets wait for an unresolved neighbour. Linux bounds the queue by bytes of truesize
 * (unres_qlen_bytes = SK_WMEM_MAX = 212992, since 3.3); the packet count `sysctl unres_qlen` shows
 * is that bound in full-size frames, 212992 / SKB_TRUESIZE(ETH_FRAME_LEN) = 101. The simulator
 * counts packets against it (small packets could queue a few more on Linux). Checked on Linux
 * 6.18: six pings queued for an absent neighbour all get "Destination Host Unreachable".
 */
export const UNRES_QLEN = 101;

/** The queue of an entry nothing waits on: shared, never pushed to (arpResolve replaces it). */
export const NO_QUEUE: Packet[] = [];

export class NeighEntry {
  mac = 0;
  state: NeighState = 'INCOMPLETE';
  /** Last confirmation of reachability; neigh_alloc puts a new entry's well in the past. */
  confirmed: Nanos = -Infinity;
  probes = 0;
  timer = -1;
  /**
   * Packets waiting for resolution (INCOMPLETE), oldest first; NO_QUEUE when none wait. Shared
   * while empty: a swarm host keeps an entry per peer it gossips with, most of them learnt from
   * the peer's own ARP request (nothing ever waits), and an array that once held a packet keeps
   * its 17-slot backing store for the entry's life.
   */
  queue: Packet[] = NO_QUEUE;
  /** The table's next entry for the same address on another device (NeighTable.byIp). */
  sameIp: NeighEntry | undefined = undefined;

  constructor(
    readonly ip: Ip4,
    readonly dev: NetDevice,
  ) {}

  /** The state `ip neigh` shows at `now`. */
  stateAt(now: Nanos): NeighState {
    if (this.state === 'REACHABLE' && now - this.confirmed > REACHABLE_TIME) return 'STALE';
    return this.state;
  }

  /** NUD_VALID: packets go out with the known address (DELAY and PROBE included). */
  usable(): boolean {
    const s = this.state;
    return s === 'REACHABLE' || s === 'STALE' || s === 'DELAY' || s === 'PROBE' || s === 'PERMANENT' || s === 'NOARP';
  }
}

/** What a table holds until its first entry, shared by all (never written: create() replaces
 *  them): a task's sandbox often never resolves a neighbour. */
const NO_ENTRIES: readonly NeighEntry[] = [];
const NO_IPS: ReadonlyMap<number, NeighEntry> = new Map();

export class NeighTable {
  /**
   * Every entry, oldest first (what `ip neigh` lists). An array, not a Set: a swarm host learns
   * an entry per peer it gossips with (100,000 in a 1,000-node converge), and a Set's hashing of
   * each new entry cost as much as the Map insert; entries leave only by `ip neigh del` or a
   * device going away, where a scan of the array is cheap enough.
   */
  private entries = NO_ENTRIES as NeighEntry[];
  /**
   * Entries by address, read per packet (neigh_lookup): keyed by `ip | 0`, a small integer on
   * 64-bit V8 (Smi) that the Map hashes without boxing a heap number; the entries for the same
   * address on other devices hang off the first (`sameIp`).
   */
  private byIp = NO_IPS as Map<number, NeighEntry>;

  get(dev: NetDevice, ip: Ip4): NeighEntry | undefined {
    for (let e = this.byIp.get(ip | 0); e !== undefined; e = e.sameIp) if (e.dev === dev) return e;
    return undefined;
  }

  /** A new entry for `ip` on `dev` (the caller found none). */
  create(dev: NetDevice, ip: Ip4): NeighEntry {
    const e = new NeighEntry(ip, dev);
    if (this.byIp === NO_IPS) {
      this.byIp = new Map();
      this.entries = [];
    }
    const first = this.byIp.get(ip | 0);
    if (first === undefined) this.byIp.set(ip | 0, e);
    else {
      let last = first;
      while (last.sameIp !== undefined) last = last.sameIp;
      last.sameIp = e;
    }
    this.entries.push(e);
    return e;
  }

  /** `ip neigh replace|add IP lladdr MAC dev DEV [nud permanent]`. */
  setStatic(dev: NetDevice, ip: Ip4, mac: Mac, state: NeighState = 'PERMANENT'): NeighEntry {
    const e = this.get(dev, ip) ?? this.create(dev, ip);
    e.mac = mac;
    e.state = state;
    return e;
  }

  delete(dev: NetDevice, ip: Ip4): boolean {
    const e = this.get(dev, ip);
    if (e === undefined) return false;
    this.unlink(e);
    return true;
  }

  /** Forgets everything learned through a device (it went down or left the namespace). */
  flushDevice(dev: NetDevice): void {
    if (!this.entries.some((e) => e.dev === dev)) return;
    const kept: NeighEntry[] = [];
    for (const e of this.entries) {
      if (e.dev === dev) this.unindex(e);
      else kept.push(e);
    }
    this.entries = kept;
  }

  list(): NeighEntry[] {
    return [...this.entries];
  }

  private unlink(e: NeighEntry): void {
    const i = this.entries.indexOf(e);
    if (i >= 0) this.entries.splice(i, 1);
    this.unindex(e);
  }

  /** Takes `e` out of byIp (and its sameIp chain). */
  private unindex(e: NeighEntry): void {
    const key = e.ip | 0;
    const first = this.byIp.get(key)!;
    if (first === e) {
      if (e.sameIp === undefined) this.byIp.delete(key);
      else this.byIp.set(key, e.sameIp);
    } else {
      let p = first;
      while (p.sameIp !== e) p = p.sameIp!;
      p.sameIp = e.sameIp;
    }
    e.sameIp = undefined;
  }
}
