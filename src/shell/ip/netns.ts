// `ip netns add|delete|list|exec`.
import type { Ctx } from '../program.js';
import { println } from '../program.js';
import { RtnlError } from '../../kernel/rtnl.js';
import { IpError, matches } from './errors.js';
import type { IpOptions } from './main.js';

export function ipNetns(ctx: Ctx, args: string[], _opts: IpOptions, exit: (code: number) => void): void {
  const host = ctx.host;
  const verb = args[0] ?? 'list';
  if (matches(verb, 'list') || verb === 'show') {
    // Newest first, as iproute2 lists /var/run/netns (seed 004: test3, test2, test1).
    for (const name of [...host.named.keys()].reverse()) println(ctx, name);
    return exit(0);
  }
  if (verb === 'add') {
    const name = args[1];
    if (name === undefined) throw new IpError('No netns name specified', 255);
    // iproute2 3.10 has no name check (4.x's `Invalid netns name`): the file it creates fails.
    // With a slash its directory is missing; `.`, `..` and '' are directories that exist.
    if (name.includes('/')) throw new IpError(`Cannot create namespace file "/var/run/netns/${name}": No such file or directory`, 1);
    if (name === '.' || name === '..' || name === '') throw new IpError(`Cannot create namespace file "/var/run/netns/${name}": File exists`, 1);
    try {
      host.addNamedNetns(name);
    } catch (e) {
      if (e instanceof RtnlError) throw new IpError(e.message.replace('/var/run/netns', '/var/run/netns'), 1);
      throw e;
    }
    return exit(0);
  }
  if (matches(verb, 'delete')) {
    const name = args[1];
    if (name === undefined) throw new IpError('No netns name specified', 255);
    const ns = host.named.get(name);
    if (ns === undefined) throw new IpError(`Cannot remove namespace file "/var/run/netns/${name}": No such file or directory`, 1);
    host.deleteNetns(ns);
    return exit(0);
  }
  if (verb === 'exec') {
    const name = args[1];
    if (name === undefined) throw new IpError('No netns name specified', 255);
    const ns = host.named.get(name);
    if (ns === undefined) throw new IpError(`Cannot open network namespace "${name}": No such file or directory`, 255);
    if (args.length < 3) throw new IpError('No command specified', 255);
    return ctx.spawn(ns, args.slice(2), exit);
  }
  if (verb === 'identify' || verb === 'pids' || verb === 'monitor') return exit(0);
  throw new IpError(`Command "${verb}" is unknown, try "ip netns help".`, 255);
}
