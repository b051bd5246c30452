// brctl (bridge-utils): show, addbr, delbr, addif, delif.
import { Bridge } from '../kernel/bridge.js';
import { RtnlError, createBridge, deleteDevice, setMaster } from '../kernel/rtnl.js';
import type { Program } from './program.js';
import { println } from './program.js';

/** strcmp order, as alphasort compares in the C locale. */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const brctl: Program = (ctx, argv, exit) => {
  const ns = ctx.ns;
  const [verb, a, b] = [argv[1], argv[2], argv[3]];
  const bridgeNamed = (name: string | undefined): Bridge | null => {
    const d = name === undefined ? undefined : ns.device(name);
    return d instanceof Bridge ? d : null;
  };
  switch (verb) {
    case undefined:
    case 'show': {
      println(ctx, 'bridge name\tbridge id\t\tSTP enabled\tinterfaces');
      // bridge-utils lists /sys/class/net and each brif/ directory with scandir(..., alphasort):
      // bridges and their ports come out sorted by name (byte order in the C locale), not by ifindex.
      const bridges = ns.deviceList().filter((d): d is Bridge => d instanceof Bridge).sort((x, y) => byName(x.name, y.name));
      const shown = a === undefined ? bridges : bridges.filter((br) => br.name === a);
      for (const br of shown) {
        const id = `8000.${br.mac.toString(16).padStart(12, '0')}`;
        const ports = [...br.ports].map((p) => p.name).sort(byName);
        println(ctx, `${br.name}\t\t${id}\t${br.stp ? 'yes' : 'no'}\t\t${ports[0] ?? ''}`);
        for (const p of ports.slice(1)) println(ctx, `\t\t\t\t\t\t\t${p}`);
      }
      return exit(0);
    }
    case 'addbr':
      if (a === undefined) break;
      try {
        createBridge(ns, a);
      } catch (e) {
        if (!(e instanceof RtnlError)) throw e;
        println(ctx, `device ${a} already exists; can't create bridge with the same name`);
        return exit(1);
      }
      return exit(0);
    case 'delbr': {
      const br = bridgeNamed(a);
      if (br === null) {
        println(ctx, `bridge ${a} doesn't exist; can't delete it`);
        return exit(1);
      }
      if (br.up) {
        println(ctx, `bridge ${a} is still up; can't delete it`);
        return exit(1);
      }
      deleteDevice(br);
      return exit(0);
    }
    case 'addif':
    case 'delif': {
      const br = bridgeNamed(a);
      if (br === null) {
        println(ctx, `bridge ${a} does not exist!`);
        return exit(1);
      }
      const dev = b === undefined ? undefined : ns.device(b);
      if (dev === undefined) {
        println(ctx, `interface ${b} does not exist!`);
        return exit(1);
      }
      if (verb === 'addif') {
        if (dev.master !== null && dev.master !== br) {
          println(ctx, `device ${b} is already a member of a bridge; can't enslave it to bridge ${a}.`);
          return exit(1);
        }
        setMaster(dev, br);
      } else {
        if (dev.master !== br) {
          println(ctx, `device ${b} is not a slave of ${a}`);
          return exit(1);
        }
        setMaster(dev, null);
      }
      return exit(0);
    }
  }
  println(ctx, `Usage: brctl [commands]`);
  return exit(1);
};
