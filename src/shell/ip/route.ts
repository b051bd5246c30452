// `ip route show|add|del|get`.
import { getUnsigned, invarg, U32_MAX } from './args.js';
import { formatIp4, parseCidr, parseIp4, prefixMask } from '../../core/addr.js';
import { routeOutput, selectSource } from '../../kernel/ipv4.js';
import { cachedPmtu } from '../../kernel/pmtu.js';
import { SEC } from '../../sim/clock.js';
import { addRoute, delRoute } from '../../kernel/rtnl.js';
import { Route, TABLE_LOCAL, TABLE_MAIN } from '../../kernel/route/table.js';
import type { RouteProto, RouteScope, RouteType } from '../../kernel/route/table.js';
import type { NetDevice } from '../../kernel/device.js';
import type { Ctx } from '../program.js';
import { println } from '../program.js';
import { routeLine } from './format.js';
import { findDev } from './link.js';
import { IpError, matches } from './errors.js';
import type { IpOptions } from './main.js';

function tableId(name: string | undefined): number {
  if (name === 'local') return TABLE_LOCAL;
  if (name === 'main' || name === undefined) return TABLE_MAIN;
  if (name === 'all') return 0;
  const n = Number(name);
  if (!Number.isInteger(n)) throw new IpError(`Error: argument "${name}" is wrong: "table" value is invalid`, 255);
  return n;
}

export function ipRoute(ctx: Ctx, args: string[], _opts: IpOptions, exit: (code: number) => void): void {
  const verb = args[0] ?? 'show';
  const ns = ctx.ns;
  if (matches(verb, 'show') || matches(verb, 'list')) {
    let table = TABLE_MAIN;
    const rest = args.slice(1);
    for (let i = 0; i < rest.length; i++) if (rest[i] === 'table') table = tableId(rest[++i]);
    const tables = table === 0 ? [ns.mainTable, ns.localTable] : table === TABLE_LOCAL ? [ns.localTable] : table === TABLE_MAIN ? [ns.mainTable] : [];
    for (const t of tables) for (const r of t.list()) println(ctx, routeLine(r));
    return exit(0);
  }
  if (verb === 'get') {
    const dst = parseIp4(args[1] ?? '');
    if (dst === null) throw new IpError(`Error: inet prefix is expected rather than "${args[1] ?? ''}".`, 1);
    const r = routeOutput(ns, dst);
    if (r === null) {
      println(ctx, 'RTNETLINK answers: Network is unreachable');
      return exit(2);
    }
    const src = selectSource(ns, r, dst);
    const dev = r.type === 'local' ? 'lo' : r.dev!.name;
    const kind = r.type === 'local' ? 'local ' : '';
    println(ctx, `${kind}${formatIp4(dst)}${r.gateway !== 0 ? ` via ${formatIp4(r.gateway)}` : ''} dev ${dev} src ${formatIp4(src)} `);
    // A learnt path MTU (a route exception) shows with its time left (rt_fill_info: RTA_CACHEINFO, RTAX_MTU).
    const now = ctx.world.eq.now;
    const pmtu = r.type === 'local' ? 0 : cachedPmtu(ns, dst, now);
    const exc = pmtu === 0 ? '' : `expires ${Math.max(0, Math.round((ns.pmtu.get(dst)!.expires - now) / SEC))}sec mtu ${pmtu} `;
    println(ctx, `    cache ${r.type === 'local' ? '<local> ' : ''}${exc}`);
    return exit(0);
  }
  if (verb === 'add' || verb === 'replace' || matches(verb, 'delete') || verb === 'append') {
    const spec = parseSpec(ctx, args.slice(1), verb === 'add' || verb === 'replace' || verb === 'append');
    if (verb === 'add' || verb === 'append') addRoute(ns, spec);
    else if (verb === 'replace') {
      const t = spec.table === TABLE_LOCAL ? ns.localTable : ns.mainTable;
      t.remove((r) => r.dst === spec.dst && r.len === spec.len && r.metric === spec.metric);
      addRoute(ns, spec);
    } else {
      delRoute(ns, spec.table, (r) => r.dst === spec.dst && r.len === spec.len && (spec.dev === null || r.dev === spec.dev) && (spec.gateway === 0 || r.gateway === spec.gateway));
    }
    return exit(0);
  }
  if (verb === 'flush') {
    const rest = args.slice(1);
    // iproute_list_flush_or_save: flushing everything needs a selector.
    if (rest.length === 0) throw new IpError('"ip route flush" requires arguments.', 1);
    const devName = rest[rest.indexOf('dev') + 1];
    if (rest.includes('dev')) {
      const dev = findDev(ns, devName);
      ns.mainTable.remove((r) => r.dev === dev);
    } else ns.mainTable.remove(() => true);
    return exit(0);
  }
  throw new IpError(`Command "${verb}" is unknown, try "ip route help".`, 255);
}

function parseSpec(ctx: Ctx, args: string[], adding: boolean): Route {
  const ns = ctx.ns;
  let type: RouteType = 'unicast';
  let prefix: string | undefined;
  let gw = 0;
  let dev: NetDevice | null = null;
  let src = 0;
  let metric = 0;
  let table = TABLE_MAIN;
  let proto: RouteProto = 'boot';
  let scope: RouteScope | null = null;
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const val = (): string => {
      const v = args[++i];
      if (v === undefined) throw new IpError('Command line is not complete. Try option "help"', 255);
      return v;
    };
    if (w === 'via') {
      const v = val();
      const ip = parseIp4(v);
      if (ip === null) throw new IpError(`Error: inet address is expected rather than "${v}".`, 1);
      gw = ip;
    } else if (w === 'dev' || w === 'oif') dev = findDev(ns, val());
    else if (w === 'src') {
      const v = val();
      const ip = parseIp4(v);
      if (ip === null) throw new IpError(`Error: inet address is expected rather than "${v}".`, 1);
      src = ip;
    } else if (w === 'metric' || w === 'preference' || w === 'priority') {
      // iproute.c: get_u32(&metric, *argv, 0) || invarg("\"metric\" value is invalid\n", *argv)
      const v = val();
      const n = getUnsigned(v, U32_MAX);
      if (n === null) throw new IpError(invarg('"metric" value is invalid\n', v), 255);
      metric = n;
    }
    else if (w === 'table') table = tableId(val());
    else if (w === 'proto') proto = val() as RouteProto;
    else if (w === 'scope') scope = val() as RouteScope;
    else if (w === 'blackhole' || w === 'unreachable' || w === 'prohibit' || w === 'local' || w === 'broadcast' || w === 'unicast') type = w;
    else if (w === 'onlink') continue;
    else if (prefix === undefined) prefix = w;
    else throw new IpError(`Error: either "to" is duplicate, or "${w}" is a garbage.`, 255);
  }
  if (prefix === undefined) throw new IpError('Error: either "to" is duplicate, or "" is a garbage.', 255);
  const cidr = prefix === 'default' ? { addr: 0, len: 0 } : parseCidr(prefix);
  if (cidr === null) throw new IpError(`Error: inet prefix is expected rather than "${prefix}".`, 1);
  if (((cidr.addr & ~prefixMask(cidr.len)) >>> 0) !== 0 && adding) throw new IpError('Error: Invalid prefix for given prefix length.', 2);
  if (adding && type === 'unicast') {
    if (gw !== 0) {
      // The gateway must sit on a connected route (fib_check_nh); its device is taken from it.
      const via = ns.mainTable.lookup(gw);
      if (via === null || via.gateway !== 0 || via.dev === null || (dev !== null && via.dev !== dev)) {
        throw new IpError('RTNETLINK answers: Network is unreachable', 2);
      }
      dev = via.dev;
    } else if (dev === null) throw new IpError('RTNETLINK answers: No such device', 2);
  }
  const sc: RouteScope = scope ?? (type === 'unicast' && gw === 0 ? 'link' : type === 'local' ? 'host' : 'global');
  return new Route(type, cidr.addr, cidr.len, dev, gw, src, sc, proto, metric, table);
}
