// One simulated Linux machine: its namespaces (the initial one and those `ip netns` or Docker
// create), its seeded RNG and the event queue it shares with the rest of the simulation.
import type { Ip4 } from '../core/addr.js';
import type { Rng } from '../core/rng.js';
import type { EventQueue } from '../sim/clock.js';
import type { Lan } from './lan.js';
import type { TapFn } from './tap.js';
import type { IfAddr } from './device.js';
import type { Ledger } from './ledger.js';
import { Loopback } from './loopback.js';
import { Netns } from './netns.js';
import { Nic } from './nic.js';
import { RtnlError, addAddress, defaultBroadcast, deleteDevice, moveDevice, setUp } from './rtnl.js';

export class Host {
  readonly namespaces: Netns[] = [];
  /** Namespaces with a name under /var/run/netns (what `ip netns list` shows). */
  readonly named = new Map<string, Netns>();
  /** Namespace files bind-mounted in the filesystem, by path (/var/run/netns/NAME and Docker's
   *  /var/run/docker/netns/ID): what `nsenter --net=PATH` opens. */
  readonly nsfs = new Map<string, Netns>();
  readonly root: Netns;
  /** A powered-off host answers nothing (scenario fault). */
  down = false;
  /** Packets dropped anywhere on this host. */
  drops = 0;
  /** The frames this host puts on its wires, when a scenario checks conservation (ledger.ts). */
  ledger: Ledger | null = null;
  /** esp4 is loaded (on the first ESP SA, kernel/xfrm.ts): IP protocol 50 then has a handler in
   *  every namespace instead of an ICMP protocol unreachable. */
  espLoaded = false;
  /** Captures on every device of every namespace (`swarmsim run --pcap`, kernel/tap.ts), or null. */
  taps: TapFn[] | null = null;
  private nextNsId = 0;

  constructor(
    readonly name: string,
    readonly eq: EventQueue,
    readonly rng: Rng,
  ) {
    this.root = this.newNetns(null);
    setUp(this.root.devices.get(1)!);
  }

  /** A new namespace with its loopback device (down, as in a fresh `ip netns add`). */
  newNetns(name: string | null): Netns {
    const ns = new Netns(this, this.nextNsId++, name);
    // IPv4 devconf is copied from the initial namespace (devconf_inherit_init_net = 0, the
    // default): a namespace made after Docker turned forwarding on forwards too. (Only what
    // the initial one was given can differ from the new one's defaults.)
    if (this.namespaces.length > 0) {
      for (const [k, v] of this.namespaces[0]!.sysctl.given()) {
        if ((k === 'net.ipv4.ip_forward' || k.startsWith('net.ipv4.conf.all.') || k.startsWith('net.ipv4.conf.default.')) && ns.sysctl.get(k) !== v) ns.setSysctl(k, v);
      }
    }
    const lo = new Loopback(ns, ns.allocIfindex(), 'lo', 0, 65536);
    ns.attach(lo);
    this.namespaces.push(ns);
    return ns;
  }

  /** `ip netns add NAME`. */
  addNamedNetns(name: string): Netns {
    if (this.named.has(name)) throw new RtnlError(`Cannot create namespace file "/var/run/netns/${name}": File exists`);
    const ns = this.newNetns(name);
    this.named.set(name, ns);
    this.nsfs.set(`/var/run/netns/${name}`, ns);
    return ns;
  }

  /** Removes a namespace: its virtual devices are destroyed (a veth takes its peer with it) and
   *  physical ones return to the initial namespace, as when the last reference to it goes. */
  deleteNetns(ns: Netns): void {
    for (const dev of ns.deviceList()) {
      if (dev.kind === 'loopback' || !ns.devices.has(dev.ifindex)) continue;
      if (dev.kind === 'ether') moveDevice(dev, this.root);
      else deleteDevice(dev);
    }
    this.namespaces.splice(this.namespaces.indexOf(ns), 1);
    for (const n of this.namespaces) n.forgetPeer(ns);
    if (ns.name !== null && this.named.get(ns.name) === ns) this.named.delete(ns.name);
    for (const [path, n] of this.nsfs) if (n === ns) this.nsfs.delete(path);
  }

  /** Plugs the host's eth0 into the LAN with `addr/len` (`opts`: the address's flags and lifetimes,
   *  as the tool that configured it set them). */
  attachLan(lan: Lan, ifname: string, addr: Ip4, len: number, opts: Pick<IfAddr, 'noprefixroute' | 'lifetime'> = {}): Nic {
    const ns = this.root;
    const mac = 0x525400000000 + (this.rng.nextU32() & 0xffffff);
    const nic = new Nic(ns, ns.allocIfindex(), ifname, mac, 1500);
    ns.attach(nic);
    lan.plug(nic);
    addAddress(nic, { addr, len, broadcast: defaultBroadcast(addr, len), scope: 'global', ...opts });
    setUp(nic);
    return nic;
  }

  /** The addresses on the host's NICs, in device order (what the LAN reaches it at). */
  nicAddrs(): Ip4[] {
    const out: Ip4[] = [];
    for (const d of this.root.devices.values()) if (d instanceof Nic) for (const a of d.addrs) out.push(a.addr);
    return out;
  }
}

