// `ip neigh show|add|replace|del|flush`.
import { invarg } from './args.js';
import { networkOf, parseCidr, parseIp4, parseMac } from '../../core/addr.js';
import type { Cidr } from '../../core/addr.js';
import type { NeighState } from '../../kernel/neigh.js';
import type { Ctx } from '../program.js';
import { println } from '../program.js';
import { neighLine } from './format.js';
import { findDev } from './link.js';
import { IpError, matches } from './errors.js';
import type { IpOptions } from './main.js';

export function ipNeigh(ctx: Ctx, args: string[], _opts: IpOptions, exit: (code: number) => void): void {
  const verb = args[0] ?? 'show';
  const ns = ctx.ns;
  const rest = args.slice(1);
  const devName = rest.includes('dev') ? rest[rest.indexOf('dev') + 1] : undefined;
  if (matches(verb, 'show') || matches(verb, 'list')) {
    const dev = devName === undefined ? null : findDev(ns, devName);
    // do_show_or_flush: any word that is not a keyword (or the word after `to`) is a prefix the
    // entries' addresses must fall in (get_prefix: `any valid prefix` for an unset family).
    // `nud STATE` keeps the entries in that state (`nud all`: every one).
    let to: Cidr | null = null;
    let nud: string | null = null;
    for (let i = 0; i < rest.length; i++) {
      const w = rest[i]!;
      if (w === 'dev') {
        i++;
        continue;
      }
      if (w === 'nud') {
        const v = (rest[++i] ?? '').toUpperCase();
        nud = v === 'ALL' ? null : v;
        continue;
      }
      const text = w === 'to' ? (rest[++i] ?? '') : w;
      const c = parseCidr(text);
      if (c === null) throw new IpError(`Error: any valid prefix is expected rather than "${text}".`, 1);
      to = c;
    }
    const now = ctx.world.eq.now;
    for (const e of ns.neigh.list()) {
      if (dev !== null && e.dev !== dev) continue;
      if (to !== null && networkOf(e.ip, to.len) !== networkOf(to.addr, to.len)) continue;
      if (nud !== null && e.stateAt(now) !== nud) continue;
      println(ctx, neighLine(e, now, dev === null));
    }
    return exit(0);
  }
  if (verb === 'flush') {
    const dev = devName === undefined ? null : findDev(ns, devName);
    for (const e of ns.neigh.list()) if ((dev === null || e.dev === dev) && e.state !== 'PERMANENT') ns.neigh.delete(e.dev, e.ip);
    return exit(0);
  }
  if (verb === 'add' || verb === 'replace' || matches(verb, 'delete') || verb === 'change') {
    const ip = parseIp4(rest[0] ?? '');
    if (ip === null) throw new IpError(`Error: inet address is expected rather than "${rest[0] ?? ''}".`, 1);
    const dev = findDev(ns, devName);
    if (verb !== 'add' && verb !== 'replace' && verb !== 'change') {
      if (!ns.neigh.delete(dev, ip)) {
        println(ctx, 'RTNETLINK answers: No such file or directory');
        return exit(2);
      }
      return exit(0);
    }
    const macText = rest.includes('lladdr') ? rest[rest.indexOf('lladdr') + 1] : undefined;
    const mac = macText === undefined ? null : parseMac(macText);
    if (mac === null) throw new IpError(`"${macText ?? ''}" is invalid lladdr.`, 255);
    const nudWord = rest.includes('nud') ? rest[rest.indexOf('nud') + 1] : 'permanent';
    if (nudWord === undefined) throw new IpError('Command line is not complete. Try option "help"', 255);
    // nud_state_a2n (ipneigh.c): the kernel's state names, any case.
    if (!NUD_NAMES.includes(nudWord.toLowerCase())) throw new IpError(invarg('nud state is bad', nudWord), 255);
    const nud = nudWord.toUpperCase();
    if (verb === 'add' && ns.neigh.get(dev, ip) !== undefined) {
      println(ctx, 'RTNETLINK answers: File exists');
      return exit(2);
    }
    const e = ns.neigh.setStatic(dev, ip, mac, nud as NeighState);
    e.confirmed = ctx.world.eq.now;
    return exit(0);
  }
  throw new IpError(`Command "${verb}" is unknown, try "ip neigh help".`, 255);
}

const NUD_NAMES = ['permanent', 'reachable', 'noarp', 'none', 'stale', 'incomplete', 'delay', 'probe', 'failed'];
