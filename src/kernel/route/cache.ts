// The namespace's route cache: what the local and main tables answer for a destination, kept for
// the destinations the packet path asks about again and again (a round trip through the routing
// mesh looks up about 18 routes, most of them the same few). Like the kernel's nexthop exception
// and dst caches it is checked against a generation — here the sum of both tables' change
// counters, which grows on every route added or removed (addresses add and remove their local,
// broadcast and prefix routes, so address changes count too) — and forgotten when it moved.
// A lookup answers exactly what the tables answer: the cache holds results, it decides nothing.
import type { Ip4 } from '../../core/addr.js';
import type { Route, RouteTable } from './table.js';

/** Direct-mapped slots (a power of two): a namespace talks to a handful of destinations at once. */
const SLOTS = 64;
/** What a cache holds before its first lookup: most of a swarm's namespaces (its tasks') never
 *  route a packet, and the slots are 1.2 KiB. */
const NO_DST = new Float64Array(0);
const NO_ROUTES: Array<Route | null> = [];

export class RouteCache {
  /** -1 until the first lookup, which allocates the slots (forget() always runs then). */
  private gen = -1;
  /** The destination each slot holds, -1 for none. */
  private dst = NO_DST;
  private localRoute = NO_ROUTES;
  private mainRoute = NO_ROUTES;

  constructor(
    private readonly local: RouteTable,
    private readonly main: RouteTable,
  ) {}

  /** The slot holding `dst`'s lookups, filled from the tables if it held something else. */
  private slot(dst: Ip4): number {
    if (this.local.changes + this.main.changes !== this.gen) this.forget();
    const i = Math.imul(dst, 0x9e3779b1) >>> 26;
    if (this.dst[i] !== dst) this.fill(i, dst);
    return i;
  }

  /** A table changed since the slots were filled: none holds anything. */
  private forget(): void {
    if (this.dst === NO_DST) this.allocate();
    this.dst.fill(-1);
    this.gen = this.local.changes + this.main.changes;
  }

  private allocate(): void {
    this.dst = new Float64Array(SLOTS);
    this.localRoute = new Array<Route | null>(SLOTS).fill(null);
    this.mainRoute = new Array<Route | null>(SLOTS).fill(null);
  }

  private fill(i: number, dst: Ip4): void {
    this.dst[i] = dst;
    this.localRoute[i] = this.local.lookup(dst);
    this.mainRoute[i] = this.main.lookup(dst);
  }

  /**
   * The slot holding both tables' answers for `dst`, for localAt and mainAt: one lookup where the
   * packet path wants both (ip_route_input, the output route). Read them at once: the next lookup
   * may fill the slot with another destination.
   */
  slotOf(dst: Ip4): number {
    return this.slot(dst);
  }

  localAt(slot: number): Route | null {
    return this.localRoute[slot]!;
  }

  mainAt(slot: number): Route | null {
    return this.mainRoute[slot]!;
  }

  /** The local table's longest match for `dst` (RTN_LOCAL, RTN_BROADCAST...), or null. */
  localLookup(dst: Ip4): Route | null {
    const i = this.slot(dst); // first: it may allocate the slots
    return this.localRoute[i]!;
  }

  /** The main table's longest match for `dst`, or null. */
  mainLookup(dst: Ip4): Route | null {
    const i = this.slot(dst); // first: it may allocate the slots
    return this.mainRoute[i]!;
  }
}
