// sysctl [-w] KEY[=VALUE] ... [-n] [-q]
import type { Program } from './program.js';
import { println } from './program.js';

export const sysctl: Program = (ctx, argv, exit) => {
  const ns = ctx.ns;
  let write = false;
  let quiet = false;
  let valueOnly = false;
  let rc = 0;
  for (const arg of argv.slice(1)) {
    if (arg.startsWith('-')) {
      for (const f of arg.slice(1)) {
        if (f === 'w') write = true;
        else if (f === 'q') quiet = true;
        else if (f === 'n') valueOnly = true;
        else if (f === 'a') {
          for (const [k, v] of [...ns.sysctl].sort()) println(ctx, `${k} = ${v}`);
        }
      }
      continue;
    }
    const eq = arg.indexOf('=');
    const key = (eq < 0 ? arg : arg.slice(0, eq)).replace(/\//g, '.').trim();
    // Per-device IPv4 settings (/proc/sys/net/ipv4/conf/<dev>/…) exist while the device does,
    // starting from `default` (the kernel copies it when the device registers).
    const perDev = /^net\.ipv4\.conf\.([^.]+)\.(route_localnet|rp_filter|accept_local|proxy_arp|forwarding)$/.exec(key);
    if (perDev !== null && perDev[1] !== 'all' && perDev[1] !== 'default' && ns.device(perDev[1]!) !== undefined && !ns.sysctl.has(key)) {
      ns.sysctl.set(key, ns.sysctl.get(`net.ipv4.conf.default.${perDev[2]}`) ?? '0');
    }
    if (!ns.sysctl.has(key)) {
      println(ctx, `sysctl: cannot stat /proc/sys/${key.replace(/\./g, '/')}: No such file or directory`);
      rc = 255;
      continue;
    }
    if (eq >= 0) {
      if (!write && !arg.includes('=')) continue;
      const value = arg.slice(eq + 1).trim();
      ns.setSysctl(key, value);
      if (!quiet) println(ctx, valueOnly ? value : `${key} = ${value}`);
    } else println(ctx, valueOnly ? ns.sysctl.get(key)! : `${key} = ${ns.sysctl.get(key)}`);
  }
  return exit(rc);
};
