// `bridge fdb show [br BR] [dev DEV]` (iproute2): the bridge FDB and the VXLAN FDB.
import { formatIp4, formatMac } from '../core/addr.js';
import { Bridge } from '../kernel/bridge.js';
import { Vxlan } from '../kernel/vxlan.js';
import type { Program } from './program.js';
import { eprintln, println } from './program.js';
import { parseMac, parseIp4 } from '../core/addr.js';

export const bridge: Program = (ctx, argv, exit) => {
  const ns = ctx.ns;
  const args = argv.slice(1);
  if (args[0] !== 'fdb') {
    println(ctx, `Object "${args[0] ?? ''}" is unknown, try "bridge help".`);
    return exit(255);
  }
  const verb = args[1] ?? 'show';
  const opt = (k: string): string | undefined => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined);
  if (verb === 'add' || verb === 'append' || verb === 'replace' || verb === 'del') {
    const mac = parseMac(args[2] ?? '');
    const dev = ns.device(opt('dev') ?? '');
    const dst = parseIp4(opt('dst') ?? '');
    if (mac === null || dev === undefined) {
      eprintln(ctx, `Error: invalid fdb arguments.`);
      return exit(255);
    }
    if (!(dev instanceof Vxlan) || dst === null) {
      println(ctx, 'RTNETLINK answers: Operation not supported');
      return exit(2);
    }
    if (verb === 'del') dev.fdb.delete(mac);
    else dev.addFdb(mac, dst, true);
    return exit(0);
  }
  if (verb !== 'show' && verb !== 'list') {
    println(ctx, `Command "${verb}" is unknown, try "bridge fdb help".`);
    return exit(255);
  }
  const brFilter = opt('br');
  const devFilter = opt('dev');
  const now = ctx.world.eq.now;
  for (const dev of ns.deviceList()) {
    if (devFilter !== undefined && dev.name !== devFilter) continue;
    if (brFilter !== undefined && dev.master?.name !== brFilter && dev.name !== brFilter) continue;
    if (dev.kind === 'loopback') continue;
    if (dev.master !== null) {
      const br = dev.master;
      for (const [mac, e] of br.fdb) {
        if (e.port !== dev) continue;
        if (!e.permanent && now - e.updated > br.ageing) continue;
        println(ctx, `${formatMac(mac)} dev ${dev.name} master ${br.name}${e.permanent ? ' permanent' : ''}`);
      }
    }
    if (dev instanceof Bridge) println(ctx, `${formatMac(dev.mac)} dev ${dev.name} master ${dev.name} permanent`);
    if (dev instanceof Vxlan) {
      for (const [mac, list] of dev.fdb) for (const e of list) println(ctx, `${formatMac(mac)} dev ${dev.name} dst ${formatIp4(e.dst)} self${e.permanent ? ' permanent' : ''}`);
    }
    // Multicast addresses every running Ethernet device listens to (all-hosts, all-nodes).
    if (dev.running() && dev.kind !== 'vxlan') {
      println(ctx, `33:33:00:00:00:01 dev ${dev.name} self permanent`);
      println(ctx, `01:00:5e:00:00:01 dev ${dev.name} self permanent`);
    }
  }
  return exit(0);
};
