// Small helpers for netfilter/IPVS tests: run an emulated command in a namespace and capture what
// it prints, and build the usual topologies with the kernel API.
import { parseIp4 } from '../../src/core/addr.js';
import type { Host } from '../../src/kernel/host.js';
import type { Netns } from '../../src/kernel/netns.js';
import { addAddress, addRoute, createBridge, createVeth, defaultBroadcast, setMaster, setUp } from '../../src/kernel/rtnl.js';
import { Route, TABLE_MAIN } from '../../src/kernel/route/table.js';
import type { World } from '../../src/kernel/world.js';
import type { Bridge } from '../../src/kernel/bridge.js';
import type { NetDevice } from '../../src/kernel/device.js';
import type { Ctx, Program } from '../../src/shell/program.js';
import { tokenize } from '../../src/shell/tokenize.js';
import { iptables, iptablesSave } from '../../src/shell/iptables.js';
import { ipvsadm } from '../../src/shell/ipvsadm.js';
import { conntrack } from '../../src/shell/conntrack.js';

const PROGRAMS: Record<string, Program> = { iptables, 'iptables-save': iptablesSave, ipvsadm, conntrack };

export const ip = (s: string): number => parseIp4(s)!;

export interface Run {
  out: string;
  code: number;
}

/** Runs one command line in `ns` and returns its output and exit status. */
export function sh(world: World, ns: Netns, line: string): Run {
  const argv = tokenize(line);
  if (!Array.isArray(argv)) throw new Error(argv.error);
  const prog = PROGRAMS[argv[0]!];
  if (prog === undefined) throw new Error(`no program ${argv[0]}`);
  let out = '';
  let code = -1;
  const ctx: Ctx = {
    world,
    host: ns.host,
    ns,
    term: { write: (t: string) => (out += t) },
    stdin: '',
    spawn: () => {
      throw new Error('spawn not supported in tests');
    },
  };
  prog(ctx, argv, (c) => (code = c));
  return { out, code };
}

/** Runs several lines; throws on the first that fails. */
export function shAll(world: World, ns: Netns, lines: string): void {
  for (const raw of lines.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const r = sh(world, ns, line);
    if (r.code !== 0) throw new Error(`${line}: exit ${r.code}: ${r.out}`);
  }
}

export function addr(dev: NetDevice, cidr: string): void {
  const [a, l] = cidr.split('/');
  const len = Number(l);
  addAddress(dev, { addr: ip(a!), len, broadcast: defaultBroadcast(ip(a!), len), scope: 'global' });
}

export function defaultRoute(ns: Netns, dev: NetDevice, gw: string): void {
  addRoute(ns, new Route('unicast', 0, 0, dev, ip(gw), 0, 'global', 'boot', 0, TABLE_MAIN));
}

export function bridge(ns: Netns, name: string, cidr: string | null): Bridge {
  const br = createBridge(ns, name);
  if (cidr !== null) addr(br, cidr);
  setUp(br);
  return br;
}

/** A namespace `name` on `host` plugged into `br` with eth0 at `cidr` (and a default route via `gw`). */
export function attachNs(host: Host, br: Bridge, name: string, cidr: string, gw: string | null): Netns {
  const ns = host.addNamedNetns(name);
  setUp(ns.devices.get(1)!);
  const hostSide = createVeth(br.ns, `v${name}`.slice(0, 15), 'eth0', ns);
  setMaster(hostSide, br);
  setUp(hostSide);
  const eth0 = ns.device('eth0')!;
  addr(eth0, cidr);
  setUp(eth0);
  if (gw !== null) defaultRoute(ns, eth0, gw);
  return ns;
}
