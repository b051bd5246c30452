// libnetwork's overlay driver: per network and node a namespace `1-<netid[:10]>` holding br0 (with
// the gateway address) and vxlan0 (created in the host so that its UDP socket stays there, moved
// in and enslaved to br0; proxy ARP, l2miss, l3miss, MTU 1450), a veth per local endpoint, and for
// every remote endpoint a permanent neighbour entry and an FDB entry pointing at its host (VTEP).
// Each container also gets a leg on docker_gwbridge for its default route.
import { formatCidr, formatIp4, parseIp4 } from '../core/addr.js';
import type { Ip4 } from '../core/addr.js';
import { Bridge } from '../kernel/bridge.js';
import type { Netns } from '../kernel/netns.js';
import { Route, TABLE_MAIN } from '../kernel/route/table.js';
import {
  addAddress, addRoute, createBridge, createVeth, createVxlan, defaultBroadcast, deleteDevice, moveDevice, rename, setMaster, setUp,
  RtnlError,
} from '../kernel/rtnl.js';
import { Vxlan } from '../kernel/vxlan.js';
import type { Daemon } from './daemon.js';
import { DOCKER_NETNS_DIR } from './model.js';
import { DaemonError } from './errors.js';
import { encryptionNetwork, encryptionNetworkRemoved, encryptionPeerAdded, encryptionPeerRemoved } from './encryption.js';
import type { Container, Endpoint, Network } from './model.js';

/** Bytes the VXLAN encapsulation adds (14 inner Ethernet + 20 IP + 8 UDP + 8 VXLAN). */
export const VXLAN_ENCAP = 50;

/** ESP adds SPI 4 + sequence 4 + IV 8 + pad length 1 + next header 1 + ICV 8 (encryption.go). */
export const ESP_EXPANSION = 26;

export function overlayMtu(net: Network): number {
  const mtu = Number(net.options['com.docker.network.driver.mtu'] ?? 1500) - VXLAN_ENCAP;
  // --opt encrypted: room for ESP too, rounded down to a multiple of 4 (1424).
  return 'encrypted' in net.options ? (mtu - ESP_EXPANSION) & ~3 : mtu;
}

export function overlayNsKey(net: Network): string {
  return `1-${net.id.slice(0, 10)}`;
}

/** The address this node's VXLAN traffic comes from (its advertise address). */
export function vtepOf(d: Daemon): Ip4 {
  if (d.dataPathAddr !== null) return d.dataPathAddr;
  const adv = d.clusterAdvertise !== null ? parseIp4(d.clusterAdvertise.split(':')[0]!) : null;
  return adv ?? d.host.root.device('eth0')?.primaryAddr() ?? 0;
}

export interface RemotePeer {
  readonly ip: Ip4;
  readonly mac: number;
  readonly vtep: Ip4;
}

/** The overlay namespace of `net` on this node, created on first use. */
export function overlaySandbox(d: Daemon, net: Network, peers: RemotePeer[]): Netns {
  const key = overlayNsKey(net);
  const path = `${DOCKER_NETNS_DIR}/${key}`;
  const existing = d.host.nsfs.get(path);
  if (existing !== undefined) return existing;
  const ns = d.host.newNetns(key);
  d.host.nsfs.set(path, ns);
  const mtu = overlayMtu(net);
  const tag = `${net.vni.toString(16).padStart(6, '0')}-${net.id.slice(0, 5)}`;
  const br = createBridge(ns, `ov-${tag}`);
  rename(br, 'br0');
  br.mtu = mtu;
  addAddress(br, { addr: net.gateway!, len: net.subnet!.len, broadcast: defaultBroadcast(net.gateway!, net.subnet!.len), scope: 'global' });
  setUp(br);
  let vx: Vxlan;
  try {
    vx = createVxlan(d.host.root, `vx-${tag}`, { vni: net.vni, dstport: d.vxlanPort, local: 0, remote: 0, dev: null, learning: true, proxy: true, l2miss: true, l3miss: true, ttl: 0 });
  } catch (e) {
    if (!(e instanceof RtnlError)) throw e;
    // A device with this VNI and port is left on the host (a daemon that died, a hand-made one):
    // the kernel answers EEXIST, and libnetwork 19.03 (ov_network.go setupSubnetSandbox) fails the join.
    d.host.deleteNetns(ns);
    throw new DaemonError('system', `subnet sandbox join failed for "${formatCidr(net.subnet!.addr, net.subnet!.len)}": error creating vxlan interface: file exists`);
  }
  vx.mtu = mtu;
  moveDevice(vx, ns);
  rename(vx, 'vxlan0');
  setMaster(vx, br);
  setUp(vx);
  encryptionNetwork(d, net, ns, vtepOf(d));
  for (const p of peers) addPeer(d, ns, p);
  return ns;
}

export function removeOverlaySandbox(d: Daemon, net: Network): void {
  const path = `${DOCKER_NETNS_DIR}/${overlayNsKey(net)}`;
  const ns = d.host.nsfs.get(path);
  if (ns === undefined) return;
  encryptionNetworkRemoved(d, ns);
  d.host.deleteNetns(ns);
}

/** `ip neigh add IP lladdr MAC dev vxlan0 nud permanent` and `bridge fdb add MAC dev vxlan0 dst VTEP`. */
export function addPeer(d: Daemon, ns: Netns, p: RemotePeer): void {
  const vx = ns.device('vxlan0');
  if (!(vx instanceof Vxlan)) return;
  ns.neigh.setStatic(vx, p.ip, p.mac, 'PERMANENT');
  vx.addFdb(p.mac, p.vtep, true);
  // --opt encrypted: IPsec towards the peer's VTEP (peerAddOp → checkEncryption).
  encryptionPeerAdded(d, ns, p);
}

export function removePeer(d: Daemon, ns: Netns, p: RemotePeer): void {
  const vx = ns.device('vxlan0');
  if (!(vx instanceof Vxlan)) return;
  ns.neigh.delete(vx, p.ip);
  vx.fdb.delete(p.mac);
  encryptionPeerRemoved(d, ns, p);
}

/** Plugs an endpoint into the overlay: a veth between the sandbox and br0. */
export function attachOverlay(d: Daemon, net: Network, ep: Endpoint, peers: RemotePeer[]): void {
  const ons = overlaySandbox(d, net, peers);
  const br = ons.device('br0') as Bridge;
  const root = d.host.root;
  const mtu = overlayMtu(net);
  const host = createVeth(root, `veth${d.rng.hex(7)}`, `veth${d.rng.hex(7)}`);
  const inside = host.peer;
  host.txqlen = null;
  inside.txqlen = null;
  host.mtu = mtu;
  inside.mtu = mtu;
  moveDevice(inside, ep.sandbox);
  rename(inside, ep.ifname);
  moveDevice(host, ons);
  let n = 0;
  while (ons.device(`veth${n}`) !== undefined) n++;
  rename(host, `veth${n}`);
  setMaster(host, br);
  setUp(host);
  inside.mac = ep.mac;
  addAddress(inside, { addr: ep.ip, len: net.subnet!.len, broadcast: defaultBroadcast(ep.ip, net.subnet!.len), scope: 'global' });
  setUp(inside);
  ep.peer = host;
}

export function detachOverlay(d: Daemon, net: Network, ep: Endpoint): void {
  if (ep.peer !== null && ep.peer.ns.devices.has(ep.peer.ifindex)) deleteDevice(ep.peer);
  ep.peer = null;
  // The overlay namespace goes with the last local endpoint.
  if (net.endpoints.size <= 1) removeOverlaySandbox(d, net);
}

/** Gives a container without a gateway its docker_gwbridge leg and default route. */
export function attachGatewayBridge(d: Daemon, c: Container, ifname: string | null = null): void {
  if (c.endpoints.some((e) => e.network.name === 'docker_gwbridge')) return;
  const gw = d.gatewayBridge();
  // Named gateway_<first 12 of the sandbox ID> since 18.06 (default_gateway.go).
  const ep = d.connect(c, gw, [], null, `gateway_${c.sandboxKey ?? c.shortId}`, false, ifname);
  addRoute(c.sandbox, new Route('unicast', 0, 0, c.sandbox.device(ep.ifname)!, gw.gateway!, 0, 'global', 'boot', 0, TABLE_MAIN));
}

export function describePeer(p: RemotePeer): string {
  return `${formatIp4(p.ip)} via VTEP ${formatIp4(p.vtep)}`;
}
