// `ip addr show|add|del|flush`.
import { broadcastOf, parseCidr, parseIp4 } from '../../core/addr.js';
import type { IfAddr } from '../../kernel/device.js';
import { addAddress, delAddress } from '../../kernel/rtnl.js';
import type { Ctx } from '../program.js';
import { println } from '../program.js';
import { addrLines } from './format.js';
import { findDev } from './link.js';
import { IpError, matches } from './errors.js';
import type { IpOptions } from './main.js';

export function ipAddr(ctx: Ctx, args: string[], _opts: IpOptions, exit: (code: number) => void): void {
  const verb = args[0] ?? 'show';
  const ns = ctx.ns;
  if (matches(verb, 'show') || matches(verb, 'list') || verb === 'lst') {
    const rest = args.slice(1).filter((a) => a !== 'dev');
    const devs = rest.length > 0 ? [findDev(ns, rest[0])] : ns.deviceList();
    const ipv6 = ns.sysctl.get('net.ipv6.conf.all.disable_ipv6') !== '1';
    for (const d of devs) for (const l of addrLines(d, ipv6, ctx.world.eq.now, ctx.flavor === 'busybox' ? 'busybox' : 'iproute2')) println(ctx, l);
    return exit(0);
  }
  if (verb === 'add' || matches(verb, 'delete') || verb === 'replace') {
    let cidrText: string | undefined;
    let devName: string | undefined;
    let brd: string | undefined;
    let scope: IfAddr['scope'] = 'global';
    const rest = args.slice(1);
    for (let i = 0; i < rest.length; i++) {
      const w = rest[i]!;
      if (w === 'dev') devName = rest[++i];
      else if (w === 'brd' || w === 'broadcast') brd = rest[++i];
      else if (w === 'scope') scope = (rest[++i] as IfAddr['scope']) ?? 'global';
      else if (w === 'label') i++;
      else if (w === 'local') cidrText = rest[++i];
      else if (cidrText === undefined) cidrText = w;
      else throw new IpError(`Error: either "local" is duplicate, or "${w}" is a garbage.`, 255);
    }
    if (cidrText === undefined) throw new IpError('Not enough information: "local" argument is required.', 255);
    const cidr = parseCidr(cidrText);
    if (cidr === null) throw new IpError(`Error: any valid prefix is expected rather than "${cidrText}".`, 1);
    if (devName === undefined) throw new IpError('Not enough information: "dev" argument is required.', 255);
    const dev = findDev(ns, devName);
    if (verb !== 'add' && verb !== 'replace') {
      delAddress(dev, cidr.addr, cidrText.includes('/') ? cidr.len : -1);
      return exit(0);
    }
    let broadcast: number | null = null;
    if (brd === '+') broadcast = broadcastOf(cidr.addr, cidr.len);
    else if (brd !== undefined) {
      broadcast = parseIp4(brd);
      if (broadcast === null) throw new IpError(`Error: inet address is expected rather than "${brd}".`, 1);
    }
    if (verb === 'replace' && dev.addrs.some((a) => a.addr === cidr.addr && a.len === cidr.len)) return exit(0);
    addAddress(dev, { addr: cidr.addr, len: cidr.len, broadcast, scope });
    return exit(0);
  }
  if (verb === 'flush') {
    const rest = args.slice(1).filter((a) => a !== 'dev');
    const dev = findDev(ns, rest[0]);
    for (const a of [...dev.addrs]) delAddress(dev, a.addr, a.len);
    return exit(0);
  }
  throw new IpError(`Command "${verb}" is unknown, try "ip address help".`, 255);
}
