// `ip` (iproute2): netns, link, addr, route, neigh, xfrm. Global options are parsed with commander;
// the objects use iproute2's keyword grammar (`ip link add NAME type veth peer name PEER`), which
// is parsed keyword by keyword as iproute2 does, with its error messages and exit codes.
import { Command, CommanderError } from 'commander';
import type { Ctx, Program } from '../program.js';
import { println } from '../program.js';
import { RtnlError } from '../../kernel/rtnl.js';
import { ipNetns } from './netns.js';
import { ipLink } from './link.js';
import { ipAddr } from './addr.js';
import { ipRoute } from './route.js';
import { ipNeigh } from './neigh.js';
import { ipXfrm } from './xfrm.js';
import { IpError, matches } from './errors.js';

export interface IpOptions {
  details: boolean;
  stats: boolean;
  oneline: boolean;
}

type ObjectFn = (ctx: Ctx, args: string[], opts: IpOptions, exit: (code: number) => void) => void;

const objects: Array<[string, string, ObjectFn]> = [
  ['address', 'addr', ipAddr],
  ['link', 'link', ipLink],
  ['route', 'route', ipRoute],
  ['neighbour', 'neigh', ipNeigh],
  ['neighbor', 'neigh', ipNeigh],
  ['netns', 'netns', ipNetns],
  ['xfrm', 'xfrm', ipXfrm],
];

export const ip: Program = (ctx, argv, exit) => {
  const args = argv.slice(1).map((a) => (a === '-br' ? '--brief' : a));
  const cmd = new Command('ip')
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.term.write(s), writeErr: () => undefined })
    .option('-d, --details')
    .option('-s, --stats')
    .option('-o, --oneline')
    .option('-4')
    .option('--brief')
    .option('-n, --netns <name>')
    .passThroughOptions()
    .allowExcessArguments()
    .argument('[words...]');
  try {
    cmd.parse(args, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      const bad = /'([^']+)'/.exec(e.message)?.[1] ?? args[0] ?? '';
      println(ctx, `Option "${bad}" is unknown, try "ip -help".`);
      return exit(255);
    }
    throw e;
  }
  const o = cmd.opts<{ details?: boolean; stats?: boolean; oneline?: boolean; netns?: string }>();
  const words = cmd.args;
  const opts: IpOptions = { details: !!o.details, stats: !!o.stats, oneline: !!o.oneline };
  let run = ctx;
  if (o.netns !== undefined) {
    const ns = ctx.host.named.get(o.netns);
    if (ns === undefined) {
      println(ctx, `Cannot open network namespace "${o.netns}": No such file or directory`);
      return exit(255);
    }
    run = { ...ctx, ns };
  }
  if (words.length === 0) {
    println(ctx, 'Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }');
    return exit(255);
  }
  const obj = objects.find(([full]) => matches(words[0], full));
  if (obj === undefined) {
    println(ctx, `Object "${words[0]}" is unknown, try "ip help".`);
    return exit(255);
  }
  try {
    obj[2](run, words.slice(1), opts, exit);
  } catch (e) {
    if (e instanceof IpError) {
      println(ctx, e.message);
      return exit(e.code);
    }
    if (e instanceof RtnlError) {
      println(ctx, `RTNETLINK answers: ${e.message}`);
      return exit(2);
    }
    throw e;
  }
};
