// `ip link show|add|set|delete`.
import { isMulticast, parseIp4, parseMac } from '../../core/addr.js';
import { Bridge } from '../../kernel/bridge.js';
import type { NetDevice } from '../../kernel/device.js';
import { getUnsigned, invarg, U16_MAX, U32_MAX } from './args.js';
import {
  createBridge, createVeth, createVxlan, deleteDevice, moveDevice, rename, setDown, setMac, setMaster, setMtu, setUp,
} from '../../kernel/rtnl.js';
import type { Netns } from '../../kernel/netns.js';
import type { Ctx } from '../program.js';
import { println } from '../program.js';
import { linkLines } from './format.js';
import { IpError, matches } from './errors.js';
import type { IpOptions } from './main.js';
import { statsLines } from './stats.js';

export function findDev(ns: Netns, name: string | undefined): NetDevice {
  if (name === undefined) throw new IpError('Not enough information: "dev" argument is required.', 255);
  const dev = ns.device(name);
  if (dev === undefined) throw new IpError(`Cannot find device "${name}"`, 1);
  return dev;
}

export function ipLink(ctx: Ctx, args: string[], opts: IpOptions, exit: (code: number) => void): void {
  const verb = args[0] ?? 'show';
  if (matches(verb, 'show') || matches(verb, 'list') || verb === 'lst') {
    let devs = ctx.ns.deviceList();
    const rest = args.slice(1).filter((a) => a !== 'dev');
    if (rest.length > 0) devs = [findDev(ctx.ns, rest[0])];
    for (const d of devs) {
      for (const l of linkLines(d, ctx.flavor !== 'busybox', opts.details, ctx.flavor === 'busybox' ? 'busybox' : 'iproute2')) println(ctx, l);
      if (opts.stats && ctx.flavor !== 'busybox') for (const l of statsLines(d)) println(ctx, l);
    }
    return exit(0);
  }
  if (verb === 'add') return exit(linkAdd(ctx, args.slice(1)));
  if (verb === 'set') return exit(linkSet(ctx, args.slice(1)));
  if (matches(verb, 'delete')) {
    const rest = args.slice(1).filter((a) => a !== 'dev');
    deleteDevice(findDev(ctx.ns, rest[0]));
    return exit(0);
  }
  throw new IpError(`Command "${verb}" is unknown, try "ip link help".`, 255);
}

function linkAdd(ctx: Ctx, args: string[]): number {
  let name: string | undefined;
  let type: string | undefined;
  let i = 0;
  for (; i < args.length; i++) {
    const w = args[i]!;
    if (w === 'name' || w === 'dev') name = args[++i];
    else if (w === 'type') {
      type = args[++i];
      i++;
      break;
    } else if (w === 'link' || w === 'mtu' || w === 'address' || w === 'txqueuelen') i++;
    else if (name === undefined) name = w;
    else throw new IpError(`Error: either "dev" is duplicate, or "${w}" is a garbage.`, 255);
  }
  const rest = args.slice(i);
  if (name === undefined) throw new IpError('Not enough information: "dev" argument is required.', 255);
  if (type === undefined) throw new IpError('Not enough information: "type" argument is required', 255);
  if (name.length > 15) throw new IpError(`Error: argument "${name}" is wrong: "name" not a valid ifname`, 1);
  switch (type) {
    case 'veth': {
      let peer: string | undefined;
      let peerNs = ctx.ns;
      for (let j = 0; j < rest.length; j++) {
        if (rest[j] === 'peer') continue;
        if (rest[j] === 'name') peer = rest[++j];
        else if (rest[j] === 'netns') {
          const n = ctx.host.named.get(rest[++j] ?? '');
          if (n === undefined) throw new IpError(`Cannot find netns "${rest[j]}"`, 255);
          peerNs = n;
        } else if (peer === undefined && rest[j - 1] === 'peer') peer = rest[j];
        else throw new IpError(`Error: either "dev" is duplicate, or "${rest[j]}" is a garbage.`, 255);
      }
      if (rest.length > 0 && peer === undefined) throw new IpError('"type" is invalid lladdr.', 1);
      // Without a peer name the kernel names it vethN.
      createVeth(ctx.ns, name, peer ?? nextName(ctx.ns, 'veth'), peerNs);
      return 0;
    }
    case 'bridge':
      createBridge(ctx.ns, name);
      return 0;
    case 'vxlan':
      createVxlan(ctx.ns, name, parseVxlan(rest));
      return 0;
    default:
      throw new IpError(`Error: Unknown device type "${type}".`, 2);
  }
}

function nextName(ns: Netns, base: string): string {
  let n = 0;
  while (ns.device(`${base}${n}`)) n++;
  return `${base}${n}`;
}

function parseVxlan(args: string[]) {
  const o = { vni: -1, dstport: 0, local: 0, remote: 0, dev: null as string | null, learning: true, proxy: false, l2miss: false, l3miss: false, ttl: 0 };
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const val = (): string => {
      const v = args[++i];
      if (v === undefined) throw new IpError(`Command line is not complete. Try option "help"`, 255);
      return v;
    };
    const addr = (): number => {
      const v = val();
      const ip = parseIp4(v);
      if (ip === null) throw new IpError(`Error: inet address is expected rather than "${v}".`, 1);
      return ip;
    };
    // iplink_vxlan.c as iproute2 3.10 words its refusals (invarg, exit 255).
    const num = (max: number, what: string): number => {
      const v = val();
      const n = getUnsigned(v, max);
      if (n === null) throw new IpError(invarg(what, v), 255);
      return n;
    };
    if (w === 'id' || w === 'vni') {
      o.vni = num(U32_MAX, 'invalid id');
      if (o.vni >= 1 << 24) throw new IpError(invarg('invalid id', args[i]!), 255);
    } else if (w === 'dstport') o.dstport = num(U16_MAX, 'dst port');
    else if (w === 'remote') o.remote = addr();
    else if (w === 'group') {
      o.remote = addr();
      if (!isMulticast(o.remote)) throw new IpError(invarg('invald group address', args[i]!), 255);
    } else if (w === 'local') o.local = addr();
    else if (w === 'dev') o.dev = val();
    else if (w === 'ttl' || w === 'hoplimit') {
      if (args[i + 1] === 'inherit') i++;
      else {
        o.ttl = num(U32_MAX, 'invalid TTL');
        if (o.ttl > 255) throw new IpError(invarg('TTL must be <= 255', args[i]!), 255);
      }
    }
    else if (w === 'nolearning') o.learning = false;
    else if (w === 'learning') o.learning = true;
    else if (w === 'proxy') o.proxy = true;
    else if (w === 'l2miss') o.l2miss = true;
    else if (w === 'l3miss') o.l3miss = true;
    else throw new IpError(`vxlan: unknown command "${w}"?`, 255);
  }
  if (!(o.vni >= 0 && o.vni < 1 << 24)) throw new IpError('vxlan: missing virtual network identifier', 255);
  // Without dstport, iproute2 warns and the kernel uses the IANA port only when asked; we follow
  // what Docker always passes (4789).
  if (o.dstport === 0) o.dstport = 4789;
  return o;
}

function linkSet(ctx: Ctx, args: string[]): number {
  let i = 0;
  if (args[0] === 'dev') i++;
  const dev = findDev(ctx.ns, args[i]);
  for (i++; i < args.length; i++) {
    const w = args[i]!;
    const val = (): string => {
      const v = args[++i];
      if (v === undefined) throw new IpError(`Command line is not complete. Try option "help"`, 255);
      return v;
    };
    if (w === 'up') setUp(dev);
    else if (w === 'down') setDown(dev);
    else if (w === 'netns') {
      const name = val();
      const to = ctx.host.named.get(name);
      if (to === undefined) throw new IpError(`Cannot find netns "${name}"`, 255);
      moveDevice(dev, to);
    } else if (w === 'master') {
      const br = findDev(ctx.ns, val());
      if (!(br instanceof Bridge)) throw new IpError(`RTNETLINK answers: Operation not supported`, 2);
      setMaster(dev, br);
    } else if (w === 'nomaster') setMaster(dev, null);
    else if (w === 'mtu') {
      // iplink.c: get_integer(&mtu, *argv, 0) || invarg("Invalid \"mtu\" value\n", *argv)
      const v = val();
      const mtu = getUnsigned(v.replace(/^\s*-/, ''), 0x7fffffff);
      if (mtu === null) throw new IpError(invarg('Invalid "mtu" value\n', v), 255);
      setMtu(dev, /^\s*-/.test(v) ? -mtu : mtu);
    } else if (w === 'address') {
      const v = val();
      const mac = parseMac(v);
      if (mac === null) throw new IpError(`"${v}" is invalid lladdr.`, 1);
      setMac(dev, mac);
      if (dev instanceof Bridge) dev.macFixed = true;
    } else if (w === 'name') rename(dev, val());
    else if (w === 'promisc' || w === 'arp' || w === 'multicast' || w === 'txqueuelen' || w === 'qlen') i++;
    else throw new IpError(`Error: either "dev" is duplicate, or "${w}" is a garbage.`, 255);
  }
  return 0;
}
