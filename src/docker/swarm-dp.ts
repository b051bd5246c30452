// libnetwork's swarm side on one node (Docker 19.03): the ingress sandbox and its routing-mesh
// rules, one load-balancer sandbox per overlay, a service binding per (service, network) — VIP
// alias, mangle mark, -m ipvs SNAT, IPVS fwmark service and its real servers — the embedded DNS
// records, and the remote peers of every overlay. The swarm agent describes what it wants
// (DesiredDataplane, from the cluster state); apply() changes only what differs.
import { formatCidr, formatIp4 } from '../core/addr.js';
import type { Ip4 } from '../core/addr.js';
import { nfOf } from '../kernel/netfilter/netfilter.js';
import type { Netns } from '../kernel/netns.js';
import { Route, TABLE_MAIN } from '../kernel/route/table.js';
import { addAddress, addRoute, delAddress } from '../kernel/rtnl.js';
import { tcpListen } from '../kernel/tcp.js';
import type { Daemon } from './daemon.js';
import { startResolver } from './dns.js';
import { DOCKER_NETNS_DIR } from './model.js';
import { DaemonError } from './errors.js';
import { ensureChain, ipt, programRule, removeRule } from './firewall.js';
import type { Subnet } from '../core/ipam.js';
import type { Network } from './model.js';
import { addPeer, overlayNsKey, removePeer } from './overlay.js';
import type { RemotePeer } from './overlay.js';

export interface DesiredPort {
  readonly published: number;
  readonly target: number;
  readonly protocol: 'tcp' | 'udp';
}

export interface DesiredLb {
  /** Service ID. */
  readonly key: string;
  readonly name: string;
  readonly vip: Ip4 | null;
  /** Real servers: task addresses on this network; weight 0 while a task is being stopped. */
  readonly backends: Array<{ readonly ip: Ip4; readonly weight: number }>;
  /** Published ingress ports (ingress network only). */
  readonly ports: DesiredPort[];
}

/** A network's remote peers as the swarm agent sees them, versioned so that a node can apply changes only. */
export interface PeerFeed {
  /** Bumped whenever the list changes. */
  readonly version: number;
  /** The whole list. */
  list(): RemotePeer[];
  /** What changed from version - 1 to version (added in list order), or null when not known. */
  delta(): { readonly added: RemotePeer[]; readonly removed: RemotePeer[] } | null;
}

export interface DesiredNetwork {
  readonly id: string;
  readonly name: string;
  readonly subnet: Subnet;
  readonly gateway: Ip4;
  readonly vni: number;
  readonly ingress: boolean;
  readonly attachable: boolean;
  readonly internal: boolean;
  readonly encrypted: boolean;
  readonly labels: Record<string, string>;
  readonly options: Record<string, string>;
  readonly created: number;
  /** This node's address on the network (ingress-sbox or lb-<net>). */
  readonly nodeIp: Ip4;
  /** Bumped whenever peers, load balancers or DNS records may have changed: an applied version is skipped. */
  readonly version: number;
  readonly peers: PeerFeed;
  readonly lbs: DesiredLb[];
  /** Names the embedded DNS answers for this network. */
  readonly dns: Map<string, Ip4[]>;
}

interface Binding {
  readonly fwmark: number;
  vip: Ip4 | null;
  readonly dests: Map<Ip4, number>;
  ports: DesiredPort[];
}

const INGRESS_SBOX = 'ingress_sbox';

interface Applied {
  version: number;
  readonly nodeIp: Ip4;
  readonly net: Network;
  readonly lbs: DesiredLb[];
  readonly dns: Map<string, Ip4[]>;
}

/** A peer is its address: the neighbour table holds one entry per address, the FDB one per MAC (from the address). */
function samePeer(a: RemotePeer, b: RemotePeer): boolean {
  return a.mac === b.mac && a.vtep === b.vtep;
}

export class SwarmDataplane {
  /** libnetwork's fwMarkCtr: per daemon, from 256, never reused. */
  private nextFwmark = 256;
  private readonly bindings = new Map<string, Binding>();
  private readonly peers = new Map<string, Map<Ip4, RemotePeer>>();
  /** The peer-list version each network was last synced to (what `peers` then holds). */
  private readonly peerVersions = new Map<string, number>();
  /** What each network was last applied from: the same version on the same network is nothing new. */
  private readonly applied = new Map<string, Applied>();
  /** Where each network's overlay namespace is mounted (asked on every sync of its peers). */
  private readonly overlayPaths = new Map<string, string>();
  private readonly snat = new Set<string>();
  private readonly hostPorts = new Set<string>();
  private ingressReady = false;

  constructor(readonly d: Daemon) {}

  get root(): Netns {
    return this.d.host.root;
  }

  /** The sandbox that load-balances `net` on this node: ingress_sbox for ingress, lb_<id> otherwise. */
  lbSandbox(net: DesiredNetwork): Netns | undefined {
    const key = net.ingress ? INGRESS_SBOX : `lb_${net.id.slice(0, 9)}`;
    return this.d.host.nsfs.get(`${DOCKER_NETNS_DIR}/${key}`);
  }

  /**
   * `desired`: the networks this node takes part in. `listed`: swarm networks the node only knows
   * of (a manager lists every swarm network; a worker only those it uses).
   */
  apply(desired: DesiredNetwork[], listed: DesiredNetwork[] = []): void {
    const wanted = new Set(desired.map((n) => n.id));
    for (const dn of desired) {
      try {
        this.applyNetwork(dn);
      } catch (e) {
        // The network cannot be joined on this node (its VXLAN device clashes): nothing of it is
        // kept, so the next apply tries again; a task on it fails when its container connects.
        if (!(e instanceof DaemonError)) throw e;
        this.applied.delete(dn.id);
        const sbox = this.lbSandbox(dn);
        if (sbox !== undefined) this.d.removeSandbox(sbox);
      }
    }
    for (const dn of listed) {
      if (wanted.has(dn.id)) continue;
      this.d.addSwarmNetwork(dn.id, dn.name, dn.subnet, dn.gateway, dn.vni, dn.created, { internal: dn.internal, attachable: dn.attachable, ingress: dn.ingress, ipamOptions: null, labels: dn.labels }, dn.options);
    }
    const known = new Set([...wanted, ...listed.map((n) => n.id)]);
    // Networks this node no longer uses leave it (the overlay and LB sandboxes go with them).
    for (const net of [...this.d.networks.values()]) {
      if (net.scope === 'swarm' && !wanted.has(net.id)) this.leave(net, known.has(net.id));
    }
  }

  /** Whether the last apply programmed each of these networks at its version (none is left to retry). */
  settled(desired: readonly DesiredNetwork[]): boolean {
    for (const dn of desired) if (this.applied.get(dn.id)?.version !== dn.version) return false;
    return true;
  }

  private applyNetwork(dn: DesiredNetwork): void {
    const d = this.d;
    const net = d.addSwarmNetwork(dn.id, dn.name, dn.subnet, dn.gateway, dn.vni, dn.created, { internal: dn.internal, attachable: dn.attachable, ingress: dn.ingress, ipamOptions: null, labels: dn.labels }, dn.options);
    const last = this.applied.get(dn.id);
    if (last !== undefined && last.nodeIp === dn.nodeIp && last.net === net) {
      if (last.version === dn.version) return;
      // The same bindings and records (the agent hands the very same objects): only peers changed,
      // as on every node each time a node joins.
      if (last.lbs === dn.lbs && last.dns === dn.dns) {
        last.version = dn.version;
        this.syncPeers(net, dn.peers);
        return;
      }
    }
    this.applied.set(dn.id, { version: dn.version, nodeIp: dn.nodeIp, net, lbs: dn.lbs, dns: dn.dns });
    // No address was left for this node's load balancer on the network: no lb sandbox (its
    // tasks still reach each other; VIPs do not answer on this node).
    if (dn.nodeIp === 0) {
      this.syncPeers(net, dn.peers);
      return;
    }
    this.ensureLbSandbox(net, dn);
    this.syncPeers(net, dn.peers);
    net.dnsRecords.clear();
    if (!dn.ingress) for (const [k, v] of dn.dns) net.dnsRecords.set(k, v);
    const sbox = this.lbSandbox(dn)!;
    const live = new Set<string>();
    for (const lb of dn.lbs) {
      if (lb.backends.length === 0) continue;
      const key = `${lb.key}/${dn.id}`;
      live.add(key);
      this.bind(key, net, dn, sbox, lb);
    }
    for (const key of [...this.bindings.keys()]) if (key.endsWith(`/${dn.id}`) && !live.has(key)) this.unbind(key, dn, sbox);
  }

  private ensureLbSandbox(net: Network, dn: DesiredNetwork): void {
    const d = this.d;
    if (this.lbSandbox(dn) !== undefined) return;
    const key = dn.ingress ? INGRESS_SBOX : `lb_${dn.id.slice(0, 9)}`;
    const ns = d.newSandbox(key);
    if (dn.ingress) {
      // The ingress sandbox: eth0 on ingress, eth1 on docker_gwbridge with the default route.
      ns.setSysctl('net.ipv4.ip_forward', '1');
      d.attachSandbox(net, ns, 'ingress-sbox', 'ingress-endpoint', dn.nodeIp, 'eth0');
      const gw = d.gatewayBridge();
      const ep = d.attachSandbox(gw, ns, 'ingress-sbox', 'gateway_ingress-sbox', null, 'eth1');
      addRoute(ns, new Route('unicast', 0, 0, ns.device(ep.ifname)!, gw.gateway!, 0, 'global', 'boot', 0, TABLE_MAIN));
      // Its endpoints keep name resolution on, so it gets the embedded DNS and its NAT rules too.
      startResolver(d, ns, () => null, () => null);
    } else {
      // "Load balancing endpoints should never have a default gateway": one leg, no gwbridge.
      d.attachSandbox(net, ns, `lb-${dn.name}`, `${dn.name}-endpoint`, dn.nodeIp, 'eth0');
    }
  }

  private syncPeers(net: Network, feed: PeerFeed): void {
    let path = this.overlayPaths.get(net.id);
    if (path === undefined) this.overlayPaths.set(net.id, (path = `${DOCKER_NETNS_DIR}/${overlayNsKey(net)}`));
    const ons = this.d.host.nsfs.get(path);
    if (ons === undefined) {
      // Nothing programmed: the next apply must not take this version as done.
      this.applied.delete(net.id);
      return;
    }
    let have = this.peers.get(net.id);
    if (have === undefined) this.peers.set(net.id, (have = new Map<Ip4, RemotePeer>()));
    const last = this.peerVersions.get(net.id);
    if (last === feed.version) return;
    this.peerVersions.set(net.id, feed.version);
    // One version behind (the usual case): apply what changed rather than compare whole lists.
    const delta = last === feed.version - 1 ? feed.delta() : null;
    if (delta !== null) {
      for (const p of delta.removed) {
        const h = have.get(p.ip);
        if (h === undefined || !samePeer(h, p)) continue;
        removePeer(this.d, ons, h);
        have.delete(p.ip);
      }
      for (const p of delta.added) {
        if (have.has(p.ip)) continue;
        addPeer(this.d, ons, p);
        have.set(p.ip, p);
      }
      return;
    }
    const want = new Map<Ip4, RemotePeer>();
    for (const p of feed.list()) want.set(p.ip, p);
    for (const [ip, p] of have) {
      const w = want.get(ip);
      if (w !== undefined && samePeer(w, p)) continue;
      removePeer(this.d, ons, p);
      have.delete(ip);
    }
    for (const [ip, p] of want) if (!have.has(ip)) {
      addPeer(this.d, ons, p);
      have.set(ip, p);
    }
  }

  private bind(key: string, _net: Network, dn: DesiredNetwork, sbox: Netns, lb: DesiredLb): void {
    let b = this.bindings.get(key);
    const nf = nfOf(sbox);
    const eth0 = sbox.device('eth0')!;
    if (b === undefined) {
      b = { fwmark: this.nextFwmark++, vip: null, dests: new Map(), ports: [] };
      this.bindings.set(key, b);
      sbox.setSysctl('net.ipv4.vs.conntrack', '1');
      nf.ipvs.addService({ fwmark: b.fwmark, proto: 0, addr: 0, port: 0 }, 'rr', 0);
      if (!this.snat.has(dn.id)) {
        // Once per sandbox: replies from the real servers come back through us (NAT mode).
        this.snat.add(dn.id);
        ipt(sbox, `-t nat -A POSTROUTING -d ${formatCidr(dn.subnet.addr, dn.subnet.len)} -m ipvs --ipvs -j SNAT --to-source ${formatIp4(dn.nodeIp)}`);
      }
    }
    if (b.vip !== lb.vip) {
      if (b.vip !== null) {
        removeRule(sbox, 'mangle', 'INPUT', `-d ${formatIp4(b.vip)}/32 -j MARK --set-xmark 0x${b.fwmark.toString(16)}/0xffffffff`);
        delAddress(eth0, b.vip, 32);
      }
      if (lb.vip !== null) {
        addAddress(eth0, { addr: lb.vip, len: 32, broadcast: lb.vip, scope: 'global' });
        ipt(sbox, `-t mangle -A INPUT -d ${formatIp4(lb.vip)}/32 -j MARK --set-mark ${b.fwmark}`);
      }
      b.vip = lb.vip;
    }
    const k = { fwmark: b.fwmark, proto: 0, addr: 0, port: 0 };
    const want = new Map(lb.backends.map((x) => [x.ip, x.weight]));
    for (const [ip] of b.dests) if (!want.has(ip)) {
      nf.ipvs.delDest(k, ip, 0);
      b.dests.delete(ip);
    }
    for (const [ip, w] of want) {
      const cur = b.dests.get(ip);
      if (cur === undefined) nf.ipvs.addDest(k, ip, 0, w, 'Masq');
      else if (cur !== w) nf.ipvs.editDest(k, ip, 0, w, 'Masq');
      b.dests.set(ip, w);
    }
    if (dn.ingress) this.syncIngressPorts(sbox, b, lb.ports);
  }

  private unbind(key: string, dn: DesiredNetwork, sbox: Netns): void {
    const b = this.bindings.get(key)!;
    const nf = nfOf(sbox);
    nf.ipvs.delService({ fwmark: b.fwmark, proto: 0, addr: 0, port: 0 });
    if (b.vip !== null) {
      removeRule(sbox, 'mangle', 'INPUT', `-d ${formatIp4(b.vip)}/32 -j MARK --set-xmark 0x${b.fwmark.toString(16)}/0xffffffff`);
      const eth0 = sbox.device('eth0');
      if (eth0 !== undefined && eth0.addrs.some((a) => a.addr === b.vip && a.len === 32)) delAddress(eth0, b.vip, 32);
    }
    if (dn.ingress) this.syncIngressPorts(sbox, b, []);
    this.bindings.delete(key);
  }

  /** The routing mesh for published ports (service_linux.go: programIngress / addIngressPorts). */
  private syncIngressPorts(sbox: Netns, b: Binding, ports: DesiredPort[]): void {
    const root = this.root;
    const gwIp = sbox.device('eth1')?.primaryAddr();
    if (gwIp === null || gwIp === undefined) return;
    const gw = formatIp4(gwIp);
    const same = (a: DesiredPort, c: DesiredPort): boolean => a.published === c.published && a.protocol === c.protocol;
    for (const p of b.ports) {
      if (ports.some((q) => same(p, q))) continue;
      removeRule(sbox, 'mangle', 'PREROUTING', `-p ${p.protocol} -m ${p.protocol} --dport ${p.published} -j MARK --set-xmark 0x${b.fwmark.toString(16)}/0xffffffff`);
      removeRule(root, 'nat', 'DOCKER-INGRESS', `-p ${p.protocol} -m ${p.protocol} --dport ${p.published} -j DNAT --to-destination ${gw}:${p.published}`);
      removeRule(root, 'filter', 'DOCKER-INGRESS', `-p ${p.protocol} -m ${p.protocol} --dport ${p.published} -j ACCEPT`);
      removeRule(root, 'filter', 'DOCKER-INGRESS', `-p ${p.protocol} -m state --state RELATED,ESTABLISHED -m ${p.protocol} --sport ${p.published} -j ACCEPT`);
      this.hostPorts.delete(`${p.protocol}/${p.published}`);
      if (p.protocol === 'tcp') root.sockets.tcpListeners.delete(p.published);
      else root.sockets.unbindUdp(p.published);
    }
    for (const p of ports) {
      if (b.ports.some((q) => same(p, q))) continue;
      this.initIngress(root);
      ipt(sbox, `-t mangle -A PREROUTING -p ${p.protocol} --dport ${p.published} -j MARK --set-mark ${b.fwmark}`);
      ipt(root, `-t nat -I DOCKER-INGRESS -p ${p.protocol} --dport ${p.published} -j DNAT --to-destination ${gw}:${p.published}`);
      ipt(root, `-t filter -I DOCKER-INGRESS -m state -p ${p.protocol} --sport ${p.published} --state ESTABLISHED,RELATED -j ACCEPT`);
      ipt(root, `-t filter -I DOCKER-INGRESS -p ${p.protocol} --dport ${p.published} -j ACCEPT`);
      // The daemon holds the port open on the host so no other process can take it.
      const k = `${p.protocol}/${p.published}`;
      if (!this.hostPorts.has(k)) {
        this.hostPorts.add(k);
        if (p.protocol === 'tcp') tcpListen(root, p.published, 0, () => ({}));
        else root.sockets.bindUdp({ port: p.published, addr: 0, kernel: false, onDatagram: () => undefined });
      }
    }
    b.ports = ports;
  }

  /** initIngressConfiguration: the DOCKER-INGRESS chains and their jumps, once. */
  private initIngress(root: Netns): void {
    if (this.ingressReady) return;
    this.ingressReady = true;
    ensureChain(root, 'nat', 'DOCKER-INGRESS');
    ensureChain(root, 'filter', 'DOCKER-INGRESS');
    programRule(root, 'nat', '-A', 'DOCKER-INGRESS', '-j RETURN');
    programRule(root, 'filter', '-A', 'DOCKER-INGRESS', '-j RETURN');
    programRule(root, 'nat', '-I', 'PREROUTING', '-m addrtype --dst-type LOCAL -j DOCKER-INGRESS');
    programRule(root, 'nat', '-I', 'OUTPUT', '-m addrtype --dst-type LOCAL -j DOCKER-INGRESS');
    programRule(root, 'filter', '-I', 'FORWARD', '-j DOCKER-INGRESS');
    // arrangeUserFilterRule: DOCKER-USER stays first.
    removeRule(root, 'filter', 'FORWARD', '-j DOCKER-USER');
    ipt(root, '-I FORWARD -j DOCKER-USER');
    programRule(root, 'nat', '-I', 'POSTROUTING', '-m addrtype --src-type LOCAL -o docker_gwbridge -j MASQUERADE');
    root.setSysctl('net.ipv4.conf.docker_gwbridge.route_localnet', '1');
  }

  /** Redirect and protection rules inside a task that publishes through ingress (addRedirectRules). */
  taskIngressRules(ns: Netns, taskIp: Ip4, ports: Array<{ published: number; target: number; protocol: string }>): void {
    const ip = formatIp4(taskIp);
    for (const p of ports) {
      programRule(ns, 'nat', '-A', 'PREROUTING', `-d ${ip}/32 -p ${p.protocol} -m ${p.protocol} --dport ${p.published} -j REDIRECT --to-ports ${p.target}`);
      programRule(ns, 'filter', '-I', 'INPUT', `-d ${ip}/32 -p ${p.protocol} -m ${p.protocol} --dport ${p.target} -m conntrack --ctstate NEW,ESTABLISHED -j ACCEPT`);
      programRule(ns, 'filter', '-I', 'OUTPUT', `-s ${ip}/32 -p ${p.protocol} -m ${p.protocol} --sport ${p.target} -m conntrack --ctstate ESTABLISHED -j ACCEPT`);
    }
    for (const proto of ['sctp', 'udp', 'tcp']) {
      programRule(ns, 'filter', '-A', 'INPUT', `-d ${ip}/32 -p ${proto} -j DROP`);
      programRule(ns, 'filter', '-A', 'OUTPUT', `-s ${ip}/32 -p ${proto} -j DROP`);
    }
  }

  private leave(net: Network, stayListed: boolean): void {
    this.applied.delete(net.id);
    if (!this.d.host.nsfs.has(`${DOCKER_NETNS_DIR}/${net.flags.ingress ? INGRESS_SBOX : `lb_${net.id.slice(0, 9)}`}`) && net.endpoints.size === 0) {
      if (!stayListed) this.d.networks.delete(net.id);
      return;
    }
    const d = this.d;
    for (const key of [...this.bindings.keys()]) if (key.endsWith(`/${net.id}`)) this.bindings.delete(key);
    const lbKey = net.flags.ingress ? INGRESS_SBOX : `lb_${net.id.slice(0, 9)}`;
    const sbox = d.host.nsfs.get(`${DOCKER_NETNS_DIR}/${lbKey}`);
    for (const key of [...net.endpoints.keys()]) {
      const c = d.containers.get(key);
      if (c === undefined) d.detachSandbox(net, key);
    }
    if (sbox !== undefined) d.removeSandbox(sbox);
    this.peers.delete(net.id);
    this.peerVersions.delete(net.id);
    this.snat.delete(net.id);
    if (net.endpoints.size === 0 && !stayListed) d.networks.delete(net.id);
  }
}
