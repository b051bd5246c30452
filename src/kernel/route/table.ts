// One routing table (`ip route show table main|local`): routes as iproute2 lists them, indexed by
// an LPM structure that is rebuilt when the table changes and read on every packet. Where several
// routes share a prefix, the lowest metric wins, as in the kernel's fib_table_lookup.
import { formatCidr, formatIp4, networkOf } from '../../core/addr.js';
import type { RouteInfo } from '../../core/trace.js';
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

  private text: string | null = null;
  private info: RouteInfo | null = null;

  get prefixText(): string {
    return (this.text ??= this.len === 0 ? 'default' : this.len === 32 ? formatCidr(this.dst, 32).slice(0, -3) : formatCidr(this.dst, this.len));
  }

  /**
   * The route as trace events carry it. A route's fields never change, so it is worded once (and
   * again only if its device was renamed since): a traced packet reports several routes per hop.
   */
  traceInfo(): RouteInfo {
    const dev = this.dev !== null ? this.dev.name : null;
    const info = this.info;
    if (info !== null && info.dev === dev) return info;
    return (this.info = {
      table: this.table, type: this.type, prefix: this.prefixText, gateway: this.gateway !== 0 ? formatIp4(this.gateway) : null,
      dev, src: this.src !== 0 ? formatIp4(this.src) : null,
    });
  }
}

export class RouteTable {
  private routes: Route[] = [];
  /** Made by the first lookup (a task's sandbox may never route a packet). */
  private lpm: Lpm | null = null;
  /** Best route per LPM id; rebuilt with the index. */
  private best: Route[] = [];
  private dirty = true;
  /** Grows on every change: route caches (cache.ts) compare it to know their answers still hold. */
  changes = 0;

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
    this.changes++;
    return true;
  }

  /** Removes the routes `match` accepts; returns how many. */
  remove(match: (r: Route) => boolean): number {
    const before = this.routes.length;
    this.routes = this.routes.filter((r) => !match(r));
    if (this.routes.length !== before) {
      this.dirty = true;
      this.changes++;
    }
    return before - this.routes.length;
  }

  /** Longest-prefix match; null when nothing covers `addr`. */
  lookup(addr: Ip4): Route | null {
    if (this.dirty) this.rebuild();
    const id = this.lpm!.lookup(addr);
    return id < 0 ? null : this.best[id]!;
  }

  private rebuild(): void {
    const lpm = (this.lpm ??= new Lpm());
    lpm.clear();
    this.best = [];
    for (const r of this.routes) {
      const id = lpm.get(r.dst, r.len);
      if (id < 0) {
        lpm.set(r.dst, r.len, this.best.length);
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
