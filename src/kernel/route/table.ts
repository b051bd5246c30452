// One routing table (`ip route show table main|local`): routes as iproute2 lists them, indexed by
// an LPM structure that is rebuilt when the table changes and read on every packet. Where several
// routes share a prefix, the lowest metric wins, as in the kernel's fib_table_lookup.
import { formatCidr, networkOf } from '../../core/addr.js';
import type { Ip4 } from '../../core/addr.js';
import type { NetDevice } from '../device.js';
import { Lpm } from './lpm.js';

export type RouteType = 'unicast' | 'local' | 'broadcast' | 'blackhole' | 'unreachable' | 'prohibit';
export type RouteScope = 'global' | 'link' | 'host';
export type RouteProto = 'kernel' | 'boot' | 'static';

export const TABLE_LOCAL = 255;
export const TABLE_MAIN = 254;

export class Route {
  constructor(
    readonly type: RouteType,
    readonly dst: Ip4,
    readonly len: number,
    readonly dev: NetDevice | null,
    readonly gateway: Ip4,
    readonly src: Ip4,
    readonly scope: RouteScope,
    readonly proto: RouteProto,
    readonly metric: number,
    readonly table: number,
  ) {}

  get prefixText(): string {
    return this.len === 0 ? 'default' : this.len === 32 ? formatCidr(this.dst, 32).slice(0, -3) : formatCidr(this.dst, this.len);
  }
}

export class RouteTable {
  private routes: Route[] = [];
  private lpm = new Lpm();
  /** Best route per LPM id; rebuilt with the index. */
  private best: Route[] = [];
  private dirty = false;

  constructor(readonly id: number) {}

  list(): readonly Route[] {
    return this.routes;
  }

  /** Adds a route; false when one with the same prefix, metric and type exists (`File exists`). */
  add(route: Route): boolean {
    const dst = networkOf(route.dst, route.len);
    if (this.routes.some((r) => r.dst === dst && r.len === route.len && r.metric === route.metric && (r.type === route.type || this.id === TABLE_MAIN))) {
      return false;
    }
    const r = dst === route.dst ? route : new Route(route.type, dst, route.len, route.dev, route.gateway, route.src, route.scope, route.proto, route.metric, route.table);
    // iproute2 lists routes in the kernel's trie order: by prefix, then by prefix length.
    let i = 0;
    while (i < this.routes.length && compare(this.routes[i]!, r) <= 0) i++;
    this.routes.splice(i, 0, r);
    this.dirty = true;
    return true;
  }

  /** Removes the routes `match` accepts; returns how many. */
  remove(match: (r: Route) => boolean): number {
    const before = this.routes.length;
    this.routes = this.routes.filter((r) => !match(r));
    if (this.routes.length !== before) this.dirty = true;
    return before - this.routes.length;
  }

  /** Longest-prefix match; null when nothing covers `addr`. */
  lookup(addr: Ip4): Route | null {
    if (this.dirty) this.rebuild();
    const id = this.lpm.lookup(addr);
    return id < 0 ? null : this.best[id]!;
  }

  private rebuild(): void {
    this.lpm.clear();
    this.best = [];
    for (const r of this.routes) {
      const id = this.lpm.get(r.dst, r.len);
      if (id < 0) {
        this.lpm.set(r.dst, r.len, this.best.length);
        this.best.push(r);
      } else if (r.metric < this.best[id]!.metric) {
        this.best[id] = r;
      }
    }
    this.dirty = false;
  }
}

function compare(a: Route, b: Route): number {
  if (a.dst !== b.dst) return a.dst < b.dst ? -1 : 1;
  if (a.len !== b.len) return a.len - b.len;
  return a.metric - b.metric;
}
