// libnetwork's bridge driver as in Docker 19.03: the Linux bridge per network (docker0,
// br-<id>, docker_gwbridge), a veth pair per endpoint, and the iptables rules it writes — the
// filter FORWARD block and isolation chains, the nat MASQUERADE and DOCKER chain, and for
// published ports the DNAT, the filter ACCEPT and the hairpin MASQUERADE (with docker-proxy for
// traffic from the host itself).
import { formatCidr, formatIp4 } from '../core/addr.js';
import { Bridge } from '../kernel/bridge.js';
import type { NetDevice } from '../kernel/device.js';
import type { Netns } from '../kernel/netns.js';
import { Route, TABLE_MAIN } from '../kernel/route/table.js';
import {
  addAddress, addRoute, createBridge, createVeth, defaultBroadcast, deleteDevice, moveDevice, rename, setMaster, setUp,
} from '../kernel/rtnl.js';
import { tcpProxy } from '../apps/proxy.js';
import type { Veth } from '../kernel/veth.js';
import type { Daemon } from './daemon.js';
import { gatewayEndpoint } from './model.js';
import { DaemonError } from './errors.js';
import { ensureChain, ipt, programRule, removeRule } from './firewall.js';
import { shortId } from './ids.js';
import type { Container, Endpoint, Network } from './model.js';

/** The chains and jumps dockerd creates at start (ProgramChain for DOCKER, isolation, DOCKER-USER). */
export function setupDockerFirewall(root: Netns): void {
  ensureChain(root, 'nat', 'DOCKER');
  programRule(root, 'nat', '-A', 'PREROUTING', '-m addrtype --dst-type LOCAL -j DOCKER');
  programRule(root, 'nat', '-A', 'OUTPUT', '! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER');
  ensureChain(root, 'filter', 'DOCKER');
  ensureChain(root, 'filter', 'DOCKER-ISOLATION-STAGE-1');
  ensureChain(root, 'filter', 'DOCKER-ISOLATION-STAGE-2');
  ensureChain(root, 'filter', 'DOCKER-USER');
  programRule(root, 'filter', '-A', 'DOCKER-ISOLATION-STAGE-1', '-j RETURN');
  programRule(root, 'filter', '-A', 'DOCKER-ISOLATION-STAGE-2', '-j RETURN');
  programRule(root, 'filter', '-A', 'DOCKER-USER', '-j RETURN');
}

/** The FORWARD jumps sit on top: DOCKER-USER first, then the isolation stage (re-asserted each time). */
function assertForwardJumps(root: Netns): void {
  removeRule(root, 'filter', 'FORWARD', '-j DOCKER-ISOLATION-STAGE-1');
  ipt(root, '-I FORWARD -j DOCKER-ISOLATION-STAGE-1');
  removeRule(root, 'filter', 'FORWARD', '-j DOCKER-USER');
  ipt(root, '-I FORWARD -j DOCKER-USER');
}

export function bridgeNameOf(net: Network): string {
  return net.options['com.docker.network.bridge.name'] ?? `br-${shortId(net.id)}`;
}

export function createBridgeNetwork(d: Daemon, net: Network): void {
  const root = d.host.root;
  const name = bridgeNameOf(net);
  net.bridgeName = name;
  if (root.device(name) === undefined) {
    const br = createBridge(root, name);
    // Docker gives its bridges a 02:42 MAC of their own, so the address does not follow the ports.
    br.mac = 0x024200000000 + d.rng.nextU32();
    br.macFixed = true;
    br.txqlen = null;
    addAddress(br, { addr: net.gateway!, len: net.subnet!.len, broadcast: defaultBroadcast(net.gateway!, net.subnet!.len), scope: 'global' });
    setUp(br);
  }
  const icc = net.options['com.docker.network.bridge.enable_icc'] !== 'false';
  const masq = net.options['com.docker.network.bridge.enable_ip_masquerade'] !== 'false';
  const subnet = formatCidr(net.subnet!.addr, net.subnet!.len);
  if (net.flags.internal) {
    // setupInternalNetworkRules: the incoming DROP inserted first, then the outgoing one above it.
    programRule(root, 'filter', '-I', 'DOCKER-ISOLATION-STAGE-1', `! -d ${subnet} -i ${name} -j DROP`);
    programRule(root, 'filter', '-I', 'DOCKER-ISOLATION-STAGE-1', `! -s ${subnet} -o ${name} -j DROP`);
    iccRule(root, name, icc);
    assertForwardJumps(root);
    return;
  }
  // setupIPTablesInternal: each rule inserted at the top, so the last one ends up first.
  if (masq) {
    programRule(root, 'nat', '-I', 'POSTROUTING', `-s ${subnet} ! -o ${name} -j MASQUERADE`);
    programRule(root, 'nat', '-I', 'DOCKER', `-i ${name} -j RETURN`);
  }
  iccRule(root, name, icc);
  programRule(root, 'filter', '-I', 'FORWARD', `-i ${name} ! -o ${name} -j ACCEPT`);
  programRule(root, 'filter', '-I', 'FORWARD', `-o ${name} -j DOCKER`);
  programRule(root, 'filter', '-I', 'FORWARD', `-o ${name} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
  // Isolation between bridge networks.
  programRule(root, 'filter', '-I', 'DOCKER-ISOLATION-STAGE-1', `-i ${name} ! -o ${name} -j DOCKER-ISOLATION-STAGE-2`);
  programRule(root, 'filter', '-I', 'DOCKER-ISOLATION-STAGE-2', `-o ${name} -j DROP`);
  assertForwardJumps(root);
}

/** setup_ip_tables.go setIcc: the ACCEPT between a bridge's ports is inserted at the top of
 *  FORWARD, the DROP of icc=false appended at its end. */
function iccRule(root: Netns, name: string, icc: boolean): void {
  if (icc) programRule(root, 'filter', '-I', 'FORWARD', `-i ${name} -o ${name} -j ACCEPT`);
  else programRule(root, 'filter', '-A', 'FORWARD', `-i ${name} -o ${name} -j DROP`);
}

export function removeBridgeNetwork(d: Daemon, net: Network, keepDevice = false): void {
  const root = d.host.root;
  const name = net.bridgeName!;
  const subnet = formatCidr(net.subnet!.addr, net.subnet!.len);
  removeRule(root, 'nat', 'POSTROUTING', `-s ${subnet} ! -o ${name} -j MASQUERADE`);
  removeRule(root, 'nat', 'DOCKER', `-i ${name} -j RETURN`);
  for (const r of [`-i ${name} -o ${name} -j ACCEPT`, `-i ${name} -o ${name} -j DROP`, `-i ${name} ! -o ${name} -j ACCEPT`, `-o ${name} -j DOCKER`, `-o ${name} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`]) {
    removeRule(root, 'filter', 'FORWARD', r);
  }
  removeRule(root, 'filter', 'DOCKER-ISOLATION-STAGE-1', `-i ${name} ! -o ${name} -j DOCKER-ISOLATION-STAGE-2`);
  // An internal network's isolation DROPs (setupInternalNetworkRules with insert=false).
  removeRule(root, 'filter', 'DOCKER-ISOLATION-STAGE-1', `! -s ${subnet} -o ${name} -j DROP`);
  removeRule(root, 'filter', 'DOCKER-ISOLATION-STAGE-1', `! -d ${subnet} -i ${name} -j DROP`);
  removeRule(root, 'filter', 'DOCKER-ISOLATION-STAGE-2', `-o ${name} -j DROP`);
  const br = root.device(name);
  if (br !== undefined && !keepDevice) deleteDevice(br);
}

/** A veth pair named as libnetwork names them: vethXXXXXXX on the host, renamed ethN inside. */
export function plugVeth(d: Daemon, sandbox: Netns, ifname: string, mtu: number, master: Bridge): { host: Veth; inside: NetDevice } {
  const root = d.host.root;
  const hostName = `veth${d.rng.hex(7)}`;
  const tmpName = `veth${d.rng.hex(7)}`;
  const host = createVeth(root, hostName, tmpName);
  const inside = host.peer;
  host.txqlen = null;
  inside.txqlen = null;
  host.mtu = mtu;
  inside.mtu = mtu;
  moveDevice(inside, sandbox);
  rename(inside, ifname);
  setMaster(host, master);
  setUp(host);
  return { host, inside };
}

export function attachBridge(d: Daemon, net: Network, ep: Endpoint, gatewayEndpoint: boolean): void {
  const root = d.host.root;
  const br = root.device(net.bridgeName!);
  if (!(br instanceof Bridge)) throw new DaemonError('system', `bridge ${net.bridgeName} is missing`);
  const mtu = Number(net.options['com.docker.network.driver.mtu'] ?? 1500);
  const { host, inside } = plugVeth(d, ep.sandbox, ep.ifname, mtu, br);
  inside.mac = ep.mac;
  addAddress(inside, { addr: ep.ip, len: net.subnet!.len, broadcast: defaultBroadcast(ep.ip, net.subnet!.len), scope: 'global' });
  setUp(inside);
  ep.peer = host;
  if (gatewayEndpoint && !net.flags.internal) {
    addRoute(ep.sandbox, new Route('unicast', 0, 0, inside, net.gateway!, 0, 'global', 'boot', 0, TABLE_MAIN));
  }
}

export function detachBridge(_d: Daemon, _net: Network, ep: Endpoint): void {
  if (ep.peer !== null && ep.peer.ns.devices.has(ep.peer.ifindex)) deleteDevice(ep.peer);
  ep.peer = null;
}

/** What unpublishes a container without published ports (most swarm tasks): one for all. */
const NOTHING_PUBLISHED = (): void => undefined;

/** Publishes a container's ports on the host (the DOCKER chains) through its gateway endpoint
 *  and starts docker-proxy; returns what removes them again. */
export function publishPorts(d: Daemon, c: Container): () => void {
  const ep = gatewayEndpoint(c);
  // sbJoin programs external connectivity only when the network is not internal.
  if (ep === null || ep.network.flags.internal || c.publish.length === 0) return NOTHING_PUBLISHED;
  const undo: Array<() => void> = [];
  const root = d.host.root;
  const br = ep.network.bridgeName!;
  for (const p of c.publish) {
    const ip = formatIp4(ep.ip);
    const hostIp = p.hostIp === 0 ? '' : `-d ${formatIp4(p.hostIp)}/32 `;
    ipt(root, `-t nat -A POSTROUTING -s ${ip}/32 -d ${ip}/32 -p ${p.proto} -m ${p.proto} --dport ${p.containerPort} -j MASQUERADE`);
    ipt(root, `-t nat -A DOCKER ${hostIp}! -i ${br} -p ${p.proto} -m ${p.proto} --dport ${p.hostPort} -j DNAT --to-destination ${ip}:${p.containerPort}`);
    ipt(root, `-t filter -A DOCKER -d ${ip}/32 ! -i ${br} -o ${br} -p ${p.proto} -m ${p.proto} --dport ${p.containerPort} -j ACCEPT`);
    if (p.proto === 'tcp') {
      tcpProxy(root, p.hostPort, ep.ip, p.containerPort);
      undo.push(() => root.sockets.tcpListeners.delete(p.hostPort));
    }
    undo.push(() => {
      removeRule(root, 'nat', 'POSTROUTING', `-s ${ip}/32 -d ${ip}/32 -p ${p.proto} -m ${p.proto} --dport ${p.containerPort} -j MASQUERADE`);
      removeRule(root, 'nat', 'DOCKER', `${hostIp}! -i ${br} -p ${p.proto} -m ${p.proto} --dport ${p.hostPort} -j DNAT --to-destination ${ip}:${p.containerPort}`);
      removeRule(root, 'filter', 'DOCKER', `-d ${ip}/32 ! -i ${br} -o ${br} -p ${p.proto} -m ${p.proto} --dport ${p.containerPort} -j ACCEPT`);
    });
  }
  return () => {
    for (const f of undo.splice(0)) f();
  };
}

/** Host ports already published by running containers (a second -p on the same port fails). */
export function hostPortTaken(d: Daemon, port: number, proto: string): boolean {
  for (const c of d.containers.values()) if (c.state === 'running' && c.publish.some((p) => p.hostPort === port && p.proto === proto)) return true;
  return d.host.root.sockets.tcpListeners.has(port) && proto === 'tcp';
}
