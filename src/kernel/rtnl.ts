// Configuration changes, as the kernel applies them for rtnetlink requests (what `ip link`, `ip
// addr` and `ip route` ask for). Each keeps the derived state consistent the way Linux does:
// connected and local routes follow addresses and link state; moving a device closes it and
// flushes its addresses; deleting one end of a veth deletes both.
import { broadcastOf, isGroupMac, networkOf } from '../core/addr.js';
import type { Ip4 } from '../core/addr.js';
import type { Nanos } from '../sim/clock.js';
import { Bridge } from './bridge.js';
import { Loopback } from './loopback.js';
import { bridgeJoinSnoopers } from './igmp.js';
import type { IfAddr, NetDevice } from './device.js';
import type { Netns } from './netns.js';
import { Route, TABLE_LOCAL, TABLE_MAIN } from './route/table.js';
import { HZ, jiffiesAt } from './timer.js';
import { Veth } from './veth.js';
import { Vxlan } from './vxlan.js';

/** A refusal with the message iproute2 prints after "RTNETLINK answers: ". */
export class RtnlError extends Error {}

/** dev_valid_name (net/core/dev.c): 1–15 bytes, not `.` or `..`, no `/`, `:` or white space. */
export function validIfname(name: string): boolean {
  return name.length > 0 && name.length < 16 && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
}

function checkName(name: string): void {
  if (!validIfname(name)) throw new RtnlError('Invalid argument');
}

export function createVeth(ns: Netns, name: string, peerName: string, peerNs: Netns = ns): Veth {
  checkName(name);
  checkName(peerName);
  if (ns.device(name) || peerNs.device(peerName) || (ns === peerNs && name === peerName)) throw new RtnlError('File exists');
  const rng = ns.host.rng;
  // veth_newlink registers the peer first, so it gets the lower index.
  const peer = new Veth(peerNs, peerNs.allocIfindex(), peerName, rng.mac(), 1500);
  peerNs.attach(peer);
  const dev = new Veth(ns, ns.allocIfindex(), name, rng.mac(), 1500);
  ns.attach(dev);
  dev.peer = peer;
  peer.peer = dev;
  if (ns !== peerNs) {
    ns.nsidOf(peerNs);
    peerNs.nsidOf(ns);
  }
  return dev;
}

export function createBridge(ns: Netns, name: string): Bridge {
  checkName(name);
  if (ns.device(name)) throw new RtnlError('File exists');
  const br = new Bridge(ns, ns.allocIfindex(), name, ns.host.rng.mac(), 1500);
  br.txqlen = null;
  ns.attach(br);
  return br;
}

export interface VxlanOptions {
  vni: number;
  dstport: number;
  local: Ip4;
  remote: Ip4;
  dev: string | null;
  learning: boolean;
  proxy: boolean;
  l2miss: boolean;
  l3miss: boolean;
  ttl: number;
}

export function createVxlan(ns: Netns, name: string, o: VxlanOptions): Vxlan {
  checkName(name);
  if (ns.device(name)) throw new RtnlError('File exists');
  for (const d of ns.devices.values()) {
    if (d instanceof Vxlan && d.vni === o.vni && d.dstport === o.dstport) throw new RtnlError('File exists');
  }
  let mtu = 1500;
  if (o.dev !== null) {
    const lower = ns.device(o.dev);
    if (lower === undefined) throw new RtnlError('No such device');
    mtu = lower.mtu - 50; // room for the outer Ethernet/IPv4/UDP/VXLAN headers
  }
  const vx = new Vxlan(ns, ns.allocIfindex(), name, ns.host.rng.mac(), mtu, o.vni, o.dstport, o.local, o.remote, o.dev);
  vx.learning = o.learning;
  vx.proxy = o.proxy;
  vx.l2miss = o.l2miss;
  vx.l3miss = o.l3miss;
  vx.ttl = o.ttl;
  ns.attach(vx);
  return vx;
}

export function setUp(dev: NetDevice): void {
  if (dev.up) return;
  dev.up = true;
  const ns = dev.ns;
  if (dev.kind === 'loopback' && dev.addrs.length === 0) {
    // The loopback device gets 127.0.0.1/8 when it first comes up (inetdev_event NETDEV_UP).
    addAddress(dev, { addr: 0x7f000001, len: 8, broadcast: null, scope: 'host' });
    ns.localTable.add(new Route('local', 0x7f000000, 8, dev, 0, 0x7f000001, 'host', 'kernel', 0, TABLE_LOCAL));
  } else {
    for (const a of dev.addrs) addAddrRoutes(dev, a, true);
  }
  if (dev instanceof Vxlan) dev.open();
  if (dev instanceof Bridge) bridgeJoinSnoopers(dev);
  addrconfReady(dev);
  if (dev instanceof Veth) addrconfReady(dev.peer);
}

/** NETDEV_UP / NETDEV_CHANGE: a device up with carrier gets its link-local address, and so may
 *  the bridge it is a port of (which has carrier once a port does). */
function addrconfReady(dev: NetDevice): void {
  if (dev.up && dev.carrier()) dev.ipv6LinkLocal = true;
  if (dev.master !== null && dev.master.up && dev.master.carrier()) dev.master.ipv6LinkLocal = true;
}

export function setDown(dev: NetDevice): void {
  if (!dev.up) return;
  dev.up = false;
  dev.ipv6LinkLocal = false;
  const ns = dev.ns;
  // fib_disable_ip: routes through the device go; the local addresses' own routes stay.
  ns.mainTable.remove((r) => r.dev === dev);
  ns.localTable.remove((r) => r.dev === dev && r.type === 'broadcast');
  ns.neigh.flushDevice(dev);
  dev.master?.flushPort(dev);
  if (dev instanceof Vxlan) dev.stop();
}

function addAddrRoutes(dev: NetDevice, a: IfAddr, linkRoutes: boolean): void {
  const ns = dev.ns;
  if (!ns.localTable.list().some((r) => r.type === 'local' && r.dst === a.addr && r.len === 32 && r.dev === dev)) {
    ns.localTable.add(new Route('local', a.addr, 32, dev, 0, a.addr, 'host', 'kernel', 0, TABLE_LOCAL));
  }
  if (!linkRoutes || !dev.up) return;
  if (a.broadcast !== null && a.len < 31) {
    ns.localTable.add(new Route('broadcast', a.broadcast, 32, dev, 0, a.addr, 'link', 'kernel', 0, TABLE_LOCAL));
  }
  // fib_add_ifaddr: the prefix route, unless the address is IFA_F_NOPREFIXROUTE.
  if (a.len < 32 && dev.kind !== 'loopback' && a.noprefixroute !== true) {
    ns.mainTable.add(new Route('unicast', networkOf(a.addr, a.len), a.len, dev, 0, a.addr, 'link', 'kernel', 0, TABLE_MAIN));
  }
}

export function addAddress(dev: NetDevice, a: IfAddr): void {
  if (dev.addrs.some((x) => x.addr === a.addr && x.len === a.len)) throw new RtnlError('File exists');
  dev.addrs.push(a);
  addAddrRoutes(dev, a, true);
}

/** RTM_NEWADDR with NLM_F_REPLACE on an existing address (`ip addr change … valid_lft V preferred_lft P`,
 *  what a DHCP client does on each renewal): devinet.c inet_rtm_newaddr → set_ifa_lifetime, which
 *  restarts the count from now. */
export function setAddrLifetime(dev: NetDevice, addr: Ip4, len: number, valid: number, preferred: number, now: Nanos): void {
  const a = dev.addrs.find((x) => x.addr === addr && x.len === len);
  if (a === undefined) throw new RtnlError('Cannot assign requested address');
  a.lifetime = { valid, preferred: Math.min(preferred, valid), tstamp: now };
}

/** What inet_fill_ifaddr reports of an address's lifetimes at `now`: each minus the whole seconds
 *  since ifa_tstamp ((jiffies - ifa_tstamp) / HZ), not below 0; null for a permanent address. */
export function addrLifetimeLeft(a: IfAddr, now: Nanos): { valid: number; preferred: number } | null {
  if (a.lifetime === undefined) return null;
  const tval = Math.floor((jiffiesAt(now) - jiffiesAt(a.lifetime.tstamp)) / HZ);
  return { valid: Math.max(0, a.lifetime.valid - tval), preferred: Math.max(0, a.lifetime.preferred - tval) };
}

export function defaultBroadcast(addr: Ip4, len: number): Ip4 | null {
  return len < 31 ? broadcastOf(addr, len) : null;
}

export function delAddress(dev: NetDevice, addr: Ip4, len: number): void {
  const i = dev.addrs.findIndex((x) => x.addr === addr && (len < 0 || x.len === len));
  if (i < 0) throw new RtnlError('Cannot assign requested address');
  const a = dev.addrs[i]!;
  dev.addrs.splice(i, 1);
  const ns = dev.ns;
  ns.localTable.remove((r) => r.dev === dev && (r.dst === a.addr || (a.broadcast !== null && r.dst === a.broadcast)));
  ns.mainTable.remove((r) => r.dev === dev && r.proto === 'kernel' && r.dst === networkOf(a.addr, a.len) && r.len === a.len);
}

/** `ip link set DEV netns NS`: the device is closed and loses its addresses and routes. */
export function moveDevice(dev: NetDevice, to: Netns): void {
  const from = dev.ns;
  if (from === to) return;
  if (to.device(dev.name)) throw new RtnlError('File exists');
  setDown(dev);
  for (const a of [...dev.addrs]) delAddress(dev, a.addr, a.len);
  if (dev.master !== null) dev.master.removePort(dev);
  if (dev instanceof Bridge) for (const p of [...dev.ports]) dev.removePort(p);
  from.neigh.flushDevice(dev);
  from.detach(dev);
  dev.ns = to;
  if (to.devices.has(dev.ifindex)) dev.ifindex = to.allocIfindex();
  to.attach(dev);
  if (dev instanceof Veth) {
    const peerNs = dev.peer.ns;
    if (peerNs !== to) {
      to.nsidOf(peerNs);
      peerNs.nsidOf(to);
    }
  }
}

export function deleteDevice(dev: NetDevice): void {
  if (dev.kind === 'loopback') throw new RtnlError('Operation not supported');
  const victims = dev instanceof Veth ? [dev, dev.peer] : [dev];
  for (const d of victims) {
    setDown(d);
    for (const a of [...d.addrs]) delAddress(d, a.addr, a.len);
    d.ns.localTable.remove((r) => r.dev === d);
    if (d.master !== null) d.master.removePort(d);
    if (d instanceof Bridge) for (const p of [...d.ports]) d.removePort(p);
    d.ns.detach(d);
  }
}

export function setMaster(dev: NetDevice, br: Bridge | null): void {
  if (br === null) {
    dev.master?.removePort(dev);
    return;
  }
  if (dev.master === br) return;
  // br_add_if (net/bridge/br_if.c): no loopback or non-Ethernet device (EINVAL), no bridge as
  // a port, itself included (ELOOP). rtnetlink's do_set_master first leaves the old master;
  // brctl's ioctl refuses a port of any bridge (EBUSY) before it gets here.
  if (dev instanceof Loopback) throw new RtnlError('Invalid argument');
  if (dev instanceof Bridge) throw new RtnlError('Too many levels of symbolic links');
  dev.master?.removePort(dev);
  br.addPort(dev);
  addrconfReady(dev);
}

/** dev_set_mac_address → eth_mac_addr: an Ethernet device refuses a multicast or all-zero
 *  address (is_valid_ether_addr), EADDRNOTAVAIL; loopback keeps its zero address. */
export function setMac(dev: NetDevice, mac: number): void {
  if (isGroupMac(mac) || (mac === 0 && !(dev instanceof Loopback))) throw new RtnlError('Cannot assign requested address');
  dev.mac = mac;
}

export function setMtu(dev: NetDevice, mtu: number): void {
  if (mtu < 68 || mtu > 65535) throw new RtnlError('Invalid argument');
  dev.mtu = mtu;
}

export function rename(dev: NetDevice, name: string): void {
  checkName(name);
  if (dev.up) throw new RtnlError('Device or resource busy');
  if (dev.ns.device(name)) throw new RtnlError('File exists');
  dev.ns.detach(dev);
  dev.name = name;
  dev.ns.attach(dev);
}

/** `ip route add`: the gateway must be reachable on a connected route. */
export function addRoute(ns: Netns, r: Route): void {
  if (r.type === 'unicast' && r.dev === null) throw new RtnlError('No such device');
  if (r.dev !== null && r.type === 'unicast' && r.gateway === 0 && !r.dev.up) throw new RtnlError('Network is down');
  const table = r.table === TABLE_LOCAL ? ns.localTable : ns.mainTable;
  if (!table.add(r)) throw new RtnlError('File exists');
}

export function delRoute(ns: Netns, table: number, match: (r: Route) => boolean): void {
  const t = table === TABLE_LOCAL ? ns.localTable : ns.mainTable;
  if (t.remove(match) === 0) throw new RtnlError('No such process');
}
