// One Docker Engine (19.03) on one host: its networks, containers and images, and the libnetwork
// work each command does on the host's kernel. Commands in shell/docker call this API; the
// drivers (bridge.ts, overlay.ts) and the embedded DNS (dns.ts) do the kernel programming.
import { formatIp4, macFromIp, parseCidr, parseIp4 } from '../core/addr.js';
import type { Ip4 } from '../core/addr.js';
import type { Host } from '../kernel/host.js';
import type { Netns } from '../kernel/netns.js';
import { addRoute, delRoute, setUp } from '../kernel/rtnl.js';
import { Route, TABLE_MAIN } from '../kernel/route/table.js';
import type { World } from '../kernel/world.js';
import { attachBridge, createBridgeNetwork, detachBridge, hostPortTaken, publishPorts, removeBridgeNetwork, setupDockerFirewall } from './bridge.js';
import { RESOLVER_IP, startEmbeddedDns } from './dns.js';
import { RestartManager } from './restart-manager.js';
import { DEFAULT_RESOLV_CONF, dnsGiven, filterResolvDns, rebuildDns, resolvConfPath, setupDns } from './resolvconf.js';
import type { DnsOptions } from './resolvconf.js';
import { ipt } from './firewall.js';
import { newId, randomName, shortId } from './ids.js';
import { imageMissing, noSuchImage, parseImageRef } from './images.js';
import { newImage } from './image-store.js';
import type { LocalImage } from './image-store.js';
import type { ImageRef, ImageSpec, Registry } from './images.js';
import type { ClusterStore, StoredEndpoint, StoredNetwork } from './store.js';
import { attachGatewayBridge, attachOverlay, detachOverlay, addPeer, removePeer, vtepOf, overlayNsKey } from './overlay.js';
import type { RemotePeer } from './overlay.js';
import { OverlayEncryption } from './encryption.js';
import { globalPoolCandidates } from '../core/ipam.js';
import { AddressPool, localPoolCandidates, overlaps } from '../core/ipam.js';
import type { Subnet } from '../core/ipam.js';
import { DaemonError, DockerError, UsageError } from './errors.js';
import { Container, DOCKER_NETNS_DIR, Endpoint, Network, gatewayEndpoint } from './model.js';
import type { Checkpointed, DriverName, PortBinding } from './model.js';
import { startProcess, stopProcess } from './process.js';
import { VolumeStore, mountOf } from './volumes.js';
import type { ContainerMount, Volume } from './volumes.js';

export interface RunOptions {
  readonly image: string;
  readonly name: string | null;
  readonly network: string | null;
  readonly links: string[];
  readonly publish: string[];
  readonly env: string[];
  readonly hostname: string | null;
  readonly cmd: string[];
  readonly tty: boolean;
  readonly labels: Record<string, string>;
  readonly aliases: string[];
  /** --dns servers, --dns-search domains, --dns-option options (empty: the daemon's, then the host's). */
  readonly dns?: string[];
  readonly dnsSearch?: string[];
  readonly dnsOptions?: string[];
  /** --rm */
  readonly rm?: boolean;
  /** --restart */
  readonly restart?: string;
  /** The CLI stays attached and runs the main process itself (foreground, or -it). */
  readonly attached?: boolean;
  /** -v / --mount, in the order given. */
  readonly mounts?: readonly MountSpec[];
  /** `docker create`: the container is made and left Created; its networks are joined at its
   *  first start (the daemon allocates endpoints in start, container_operations.go). */
  readonly createOnly?: boolean;
}

/** A mount asked for: a named volume (created on first use), an anonymous one (source ''), or a
 *  host path. `mode` is what `docker inspect` shows as Mode ("z" for `-v` volumes). */
export interface MountSpec {
  readonly type: 'volume' | 'bind' | 'tmpfs';
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
  readonly mode: string;
  /** For a volume created by this mount (a stack's VolumeOptions). */
  readonly labels?: Record<string, string> | null;
  readonly driver?: string;
  readonly driverOptions?: Record<string, string> | null;
}

export interface CreateNetworkOptions {
  readonly driver: string;
  readonly subnet: string | null;
  readonly gateway: string | null;
  readonly internal: boolean;
  readonly attachable: boolean;
  readonly options: Record<string, string>;
  readonly labels: Record<string, string>;
}

/** The directory where libnetwork binds sandbox namespaces. */
export class Daemon {
  readonly networks = new Map<string, Network>();
  readonly containers = new Map<string, Container>();
  /** repo:tag pulled, built or tagged so far, with the image ID. */
  readonly images = new Map<string, string>();
  readonly volumes = new VolumeStore();
  /** The overlay driver's IPsec state for `--opt encrypted` networks. */
  readonly encryption = new OverlayEncryption(this);
  /** The images themselves, by ID. */
  readonly imageById = new Map<string, LocalImage>();
  running = false;
  /** The UDP port overlays' VXLAN devices use (the swarm's data path port). */
  vxlanPort = 4789;
  /** The swarm data path address (VTEP), when set apart from the advertise address. */
  dataPathAddr: Ip4 | null = null;
  /** Told when a container's process ends (exit code) — the swarm agent watches its tasks this way. */
  readonly exitListeners: Array<(c: Container, code: number) => void> = [];
  /** Where overlay peers come from for networks not in the cluster store (swarm mode). */
  swarmPeers: ((net: Network) => RemotePeer[]) | null = null;
  /** Swarm mode: find an attachable network the managers know by name, and get (and give back)
   *  an address on it for a standalone container — swarmkit's network attachment. */
  swarmLookup: ((ref: string) => Network | null) | null = null;
  swarmAttach: ((net: Network, c: Container) => Ip4) | null = null;
  swarmDetach: ((c: Container) => void) | null = null;
  /** Options dockerd was started with (cluster store, advertise address). */
  clusterStore: string | null = null;
  clusterAdvertise: string | null = null;
  /** The host's own files (/etc/hosts, /etc/resolv.conf) the daemon copies or reads for
   *  containers; given by whoever installs the daemon (the docker layer does not own them). */
  hostFile: (path: string) => string | undefined = () => undefined;
  /** dockerd --dns/--dns-search/--dns-opt, daemon.json "dns"/"dns-search"/"dns-opts": the
   *  containers' defaults (daemon/container_operations.go buildSandboxOptions). */
  dnsDefaults: DnsOptions = { dns: [], search: [], options: [] };
  /** The host resolv.conf this daemon reads (config.ResolvConf, chosen as it starts). */
  private resolvConf = DEFAULT_RESOLV_CONF;

  /** That file's content (undefined: it does not exist). */
  hostResolvConf(): string | undefined {
    return this.hostFile(this.resolvConf);
  }
  /** --insecure-registry / daemon.json "insecure-registries": registries reached over plain HTTP. */
  insecureRegistries: string[] = [];
  /** Those of them daemon.json gave (replaced when it is read again). */
  daemonJsonRegistries: string[] = [];
  /** The engine ID `docker info` shows, made on first use. */
  engineId = '';
  /** Containers created so far (their creation sequence). */
  private created = 0;
  /** taskImageRef's answers, by the image as the task names it. */
  private readonly taskRefs = new Map<string, { parsed: ImageRef; ref: ImageRef }>();

  constructor(
    readonly world: World,
    readonly host: Host,
    readonly registry: Registry,
    readonly store: ClusterStore,
  ) {}

  get rng() {
    return this.host.rng;
  }

  get now(): number {
    return this.world.eq.now;
  }

  /** dockerd starting: sysctls, the default networks, docker0 and the base iptables rules. */
  start(o: { ranBefore?: boolean } = {}): void {
    if (this.running) return;
    this.poolStart = 0;
    this.running = true;
    const root = this.host.root;
    // setupIPForwarding: when dockerd has to turn forwarding on, it also sets FORWARD's policy
    // to DROP (Docker 1.13+), so that only what its rules accept is forwarded.
    if (root.sysctl.get('net.ipv4.ip_forward') === '0') {
      root.setSysctl('net.ipv4.ip_forward', '1');
      ipt(root, '-P FORWARD DROP');
    }
    root.setSysctl('net.bridge.bridge-nf-call-iptables', '1');
    this.resolvConf = resolvConfPath(this.hostFile(DEFAULT_RESOLV_CONF));
    setupDockerFirewall(root);
    if (this.clusterStore !== null) this.joinClusterStore();
    // Clear stale bridge network (daemon_unix.go initNetworkController): every start makes the
    // default bridge anew, with a new ID; docker0 itself stays, and if it has its address the
    // new network adopts it, Gateway and all (initBridgeDriver, ElectInterfaceAddresses).
    const stale = this.findNetworkByName('bridge');
    if (stale !== null) {
      // Its rules go with it (docker0 stays): the new network's are inserted on top again,
      // above those of the user networks restored before it.
      removeBridgeNetwork(this, stale, true);
      this.networks.delete(stale.id);
    }
    const docker0 = root.device('docker0');
    // A daemon that ran before has a stale bridge network in its store: the bridge driver
    // restores it at start (populateNetworks), making docker0 with 172.17.0.1/16 again before
    // the daemon deletes the network, so initBridgeDriver finds that address. ranBefore says
    // this boot's first start is such a one, as on the seeds' hosts (their inspect shows it).
    const adopted = o.ranBefore === true || stale !== null || (docker0 !== undefined && docker0.addrs.some((a) => a.addr === 0xac110001));
    {
      const bridge = this.addNetwork('bridge', 'bridge', 'local', { addr: 0xac110000, len: 16 }, null, {
        'com.docker.network.bridge.default_bridge': 'true',
        'com.docker.network.bridge.enable_icc': 'true',
        'com.docker.network.bridge.enable_ip_masquerade': 'true',
        'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
        'com.docker.network.bridge.name': 'docker0',
        'com.docker.network.driver.mtu': '1500',
      }, { internal: false, attachable: false, ingress: false, ipamOptions: null, labels: {} });
      bridge.configGateway = adopted;
    }
    // A restart turns each local network's IPAM info into its config (the network is restored
    // from the store with the gateway it was given), so a --subnet network given no --gateway
    // now shows its gateway (moby/moby#26799, seen on 19.03 in #39793).
    for (const n of this.networks.values()) if (n.scope === 'local' && n.subnet !== null && n.gateway !== null && n.name !== 'bridge') n.configGateway = true;
    // daemon.restore loads each container from its config.v2.json: one whose last start failed
    // shows that start's addresses again (Container.failedCheckpoint).
    for (const c of this.containers.values()) if (c.state !== 'running') c.loadedCheckpoint = c.failedCheckpoint;
    // registerLinks at restore: a link to a container that no longer exists is dropped.
    for (const c of this.containers.values()) {
      for (let i = c.links.length - 1; i >= 0; i--) if (this.findContainer(c.links[i]!.name) === null) c.links.splice(i, 1);
    }
    if (this.findNetworkByName('host') === null) {
      this.addNetwork('host', 'host', 'local', null, null, {}, { internal: false, attachable: false, ingress: false, ipamOptions: null, labels: {} });
      this.addNetwork('none', 'null', 'local', null, null, {}, { internal: false, attachable: false, ingress: false, ipamOptions: null, labels: {} });
    }
    // daemon.restore: containers whose restart policy says so come back with the daemon —
    // always (even one the user stopped), unless-stopped (unless the user stopped it),
    // on-failure when its last exit was not 0, however it stopped (restartmanager.ShouldRestart:
    // a `docker stop` that ends in SIGKILL is exit 137, so it comes back) — and only one that
    // has been started before (daemon.go restore: `c.HasBeenStartedBefore`): a created one stays.
    for (const c of this.containers.values()) {
      if (c.state === 'running' || c.state === 'created' || c.networkMode === 'swarm') continue;
      const p = c.restartPolicy.split(':')[0];
      const again = p === 'always' || (p === 'unless-stopped' && !c.manuallyStopped) || (p === 'on-failure' && c.exitCode !== 0);
      if (!again) continue;
      // A start that fails here is logged ("Failed to start container …") and the restore goes on.
      try {
        this.startContainer(c);
      } catch (e) {
        if (!(e instanceof DaemonError)) throw e;
      }
    }
  }

  /** systemctl stop docker: containers stop (their namespaces go), networks stay defined. */
  stop(): void {
    if (!this.running) return;
    // A shutting-down daemon restarts nothing (daemon.go Shutdown cancels each manager).
    for (const c of this.containers.values()) this.cancelRestart(c);
    for (const c of this.containers.values()) {
      if (c.state !== 'running') continue;
      this.stopContainer(c, stopExitCode(c));
    }
    this.running = false;
  }

  private addNetwork(name: string, driver: DriverName, scope: Network['scope'], subnet: Subnet | null, gateway: Ip4 | null, options: Record<string, string>, flags: Network['flags'], id = newId(this.rng)): Network {
    let pool: AddressPool | null = null;
    let gw = gateway;
    if (subnet !== null) {
      pool = new AddressPool(subnet, false);
      if (gw === null) gw = (subnet.addr + 1) >>> 0;
      pool.take(gw);
    }
    const net = new Network(id, name, driver, scope, subnet, gw, pool, options, this.now, flags);
    this.networks.set(id, net);
    if (driver === 'bridge') createBridgeNetwork(this, net);
    return net;
  }

  // ---- lookups, as the docker CLI resolves references ----

  findNetwork(ref: string): Network | null {
    for (const n of this.networks.values()) if (n.name === ref) return n;
    const byId = [...this.networks.values()].filter((n) => n.id.startsWith(ref));
    return byId.length === 1 ? byId[0]! : null;
  }

  findContainer(ref: string): Container | null {
    const r = ref.replace(/^\//, '');
    for (const c of this.containers.values()) if (c.name === r) return c;
    const byId = [...this.containers.values()].filter((c) => c.id.startsWith(r));
    return byId.length === 1 ? byId[0]! : null;
  }

  /** Subnets in use: networks, and the host's own connected routes (libnetwork avoids them). */
  private usedSubnets(): Subnet[] {
    const used: Subnet[] = [];
    for (const n of this.networks.values()) if (n.subnet !== null) used.push(n.subnet);
    for (const r of this.host.root.mainTable.list()) if (r.len > 0) used.push({ addr: r.dst, len: r.len });
    return used;
  }

  // ---- networks ----

  createNetwork(name: string, o: CreateNetworkOptions): Network {
    if (this.findNetworkByName(name) !== null) throw new DaemonError('conflict', `network with name ${name} already exists`);
    const driver = o.driver as DriverName;
    if (driver !== 'bridge' && driver !== 'overlay') {
      if (driver === 'host' || driver === 'null') throw new DaemonError('forbidden', `only one instance of "${driver}" network is allowed`);
      throw new DaemonError('notFound', `plugin "${o.driver}" not found`);
    }
    let subnet: Subnet | null = null;
    if (o.subnet !== null) {
      const c = parseCidr(o.subnet);
      if (c === null || !o.subnet.includes('/')) throw new DockerError(`invalid CIDR address: ${o.subnet}`);
      subnet = { addr: (c.addr & (c.len === 0 ? 0 : (0xffffffff << (32 - c.len)) >>> 0)) >>> 0, len: c.len };
      for (const u of this.usedSubnets()) {
        if (overlaps(u, subnet)) throw new DaemonError('forbidden', 'Pool overlaps with other one on this address space');
      }
    }
    let gateway: Ip4 | null = null;
    if (o.gateway !== null) {
      gateway = parseIp4(o.gateway);
      if (gateway === null) throw new DaemonError('invalidParameter', `invalid gateway address ${o.gateway}`);
    }
    if (driver === 'overlay') {
      return this.createOverlayNetwork(name, subnet, gateway, o);
    }
    let auto: Subnet | null = null;
    if (subnet === null) {
      const used = this.usedSubnets();
      auto = this.predefinedPool(used);
      if (auto === null) throw new DaemonError('system', 'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
    }
    const id = newId(this.rng);
    const options = { ...o.options };
    const net = this.addNetwork(name, 'bridge', 'local', subnet ?? auto!, gateway, options, { internal: o.internal, attachable: o.attachable, ingress: false, ipamOptions: {}, labels: o.labels }, id);
    // buildIpamResources: a user's --subnet is shown as configured (with --gateway, if given);
    // a pool the daemon chose is shown with the gateway it allocated.
    net.configGateway = subnet === null || gateway !== null;
    return net;
  }

  /** Overlay networks need a cluster store (or swarm mode). */
  protected createOverlayNetwork(name: string, subnet: Subnet | null, gateway: Ip4 | null, o: CreateNetworkOptions): Network {
    if (this.clusterStore === null) {
      throw new DaemonError('unavailable', 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.');
    }
    for (const n of this.store.networks.values()) if (n.name === name) throw new DaemonError('conflict', `network with name ${name} already exists`);
    const used = [...this.store.networks.values()].map((n) => n.subnet);
    const sub = subnet ?? globalPoolCandidates().find((s) => !used.some((u) => overlaps(u, s))) ?? null;
    if (sub === null) throw new DaemonError('system', 'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
    const pool = new AddressPool(sub, false);
    const gw = gateway ?? (sub.addr + 1) >>> 0;
    pool.take(gw);
    const id = newId(this.rng);
    this.store.addNetwork({ id, name, subnet: sub, gateway: gw, vni: this.store.allocVni(), created: this.now, pool, options: { ...o.options }, labels: o.labels, attachable: o.attachable, internal: o.internal });
    return this.networks.get(id)!;
  }

  /** --cluster-store: register the node and follow the store's networks and endpoints. */
  private joinClusterStore(): void {
    const store = this.store;
    if (this.clusterAdvertise !== null) store.nodes.add(this.clusterAdvertise);
    const me = this;
    store.watch({
      networkAdded: (n) => me.addGlobalNetwork(n),
      networkRemoved: (id) => me.networks.delete(id),
      endpointAdded: (e) => me.remoteEndpoint(e, true),
      endpointRemoved: (e) => me.remoteEndpoint(e, false),
    });
    for (const n of store.networks.values()) this.addGlobalNetwork(n);
    for (const e of store.endpoints.values()) this.remoteEndpoint(e, true);
  }

  private addGlobalNetwork(s: StoredNetwork): void {
    if (this.networks.has(s.id)) return;
    const net = new Network(s.id, s.name, 'overlay', 'global', s.subnet, s.gateway, s.pool, s.options, s.created, { internal: s.internal, attachable: s.attachable, ingress: false, ipamOptions: {}, labels: s.labels });
    net.vni = s.vni;
    this.networks.set(s.id, net);
  }

  private remoteEndpoint(e: StoredEndpoint, added: boolean): void {
    if (e.hostName === this.host.name) return;
    const net = this.networks.get(e.networkId);
    if (net === undefined) return;
    const peer: RemotePeer = { ip: e.ip, mac: e.mac, vtep: e.vtep };
    const ns = this.host.nsfs.get(`${DOCKER_NETNS_DIR}/${overlayNsKey(net)}`);
    if (added) {
      net.remote.set(e.id, { id: e.id, name: e.name, ip: e.ip, mac: e.mac });
      if (ns !== undefined) addPeer(this, ns, peer);
    } else {
      net.remote.delete(e.id);
      if (ns !== undefined) removePeer(this, ns, peer);
    }
  }

  /** Remote endpoints of a global network, as peers to program. */
  private peersOf(net: Network): RemotePeer[] {
    if (net.scope === 'swarm') return this.swarmPeers?.(net) ?? [];
    return this.store.endpointsOf(net.id).filter((e) => e.hostName !== this.host.name).map((e) => ({ ip: e.ip, mac: e.mac, vtep: e.vtep }));
  }

  /**
   * A sandbox that is not a container (ingress-sbox, lb-<net>) joins a network: same plumbing,
   * listed under `key` with endpoint name `name` by `docker network inspect`.
   */
  attachSandbox(net: Network, sandbox: Netns, key: string, name: string, ip: Ip4 | null, ifname: string): Endpoint {
    const addr = ip ?? net.pool!.allocate()!;
    if (ip !== null && net.pool !== null) net.pool.take(ip);
    const ep = new Endpoint(newId(this.rng), net, key, name, addr, macFromIp(addr), [], sandbox);
    ep.ifname = ifname;
    if (net.driver === 'bridge') attachBridge(this, net, ep, false);
    else attachOverlay(this, net, ep, this.peersOf(net));
    net.endpoints.set(key, ep);
    return ep;
  }

  detachSandbox(net: Network, key: string): void {
    const ep = net.endpoints.get(key);
    if (ep === undefined) return;
    if (net.driver === 'bridge') detachBridge(this, net, ep);
    else detachOverlay(this, net, ep);
    net.pool?.release(ep.ip);
    net.endpoints.delete(key);
  }

  /** Registers a network the swarm manages (it appears on a node once the node needs it). */
  addSwarmNetwork(id: string, name: string, subnet: Subnet, gateway: Ip4, vni: number, created: number, flags: Network['flags'], options: Record<string, string>): Network {
    const existing = this.networks.get(id);
    if (existing !== undefined) return existing;
    const net = new Network(id, name, 'overlay', 'swarm', subnet, gateway, null, options, created, flags);
    net.vni = vni;
    this.networks.set(id, net);
    return net;
  }

  /** docker_gwbridge: created on first need, like libnetwork's defaultGwNetwork. */
  gatewayBridge(): Network {
    const existing = this.findNetworkByName('docker_gwbridge');
    if (existing !== null) return existing;
    const used = this.usedSubnets();
    const subnet = this.predefinedPool(used)!;
    return this.addNetwork('docker_gwbridge', 'bridge', 'local', subnet, null, {
      'com.docker.network.bridge.enable_icc': 'false',
      'com.docker.network.bridge.enable_ip_masquerade': 'true',
      'com.docker.network.bridge.name': 'docker_gwbridge',
    }, { internal: false, attachable: false, ingress: false, ipamOptions: null, labels: {} });
  }

  /** Where the next search of the predefined local pools starts (ipam allocator.go
   *  predefinedStartIndices): past the last pool given, so a pool freed by `network rm` is not
   *  given again until the list wraps. In memory: every daemon start begins at the first. */
  private poolStart = 0;

  /** getPredefinedPool: the first free predefined pool from the start index, which then moves
   *  past it (updateStartIndex). */
  private predefinedPool(used: Subnet[]): Subnet | null {
    const all = localPoolCandidates();
    const start = this.poolStart >= all.length ? 0 : this.poolStart;
    const rotated = [...all.slice(start), ...all.slice(0, start)];
    const i = rotated.findIndex((s) => !used.some((u) => overlaps(u, s)));
    if (i < 0) return null;
    const next = start + i + 1;
    this.poolStart = next >= all.length ? 0 : next;
    return rotated[i]!;
  }

  findNetworkByName(name: string): Network | null {
    for (const n of this.networks.values()) if (n.name === name) return n;
    return null;
  }

  removeNetwork(net: Network): void {
    if (net.name === 'bridge' || net.name === 'host' || net.name === 'none') {
      throw new DaemonError('forbidden', `${net.name} is a pre-defined network and cannot be removed`);
    }
    if (net.endpoints.size > 0) throw new DaemonError('forbidden', `error while removing network: network ${net.name} id ${net.id} has active endpoints`);
    if (net.driver === 'bridge') removeBridgeNetwork(this, net);
    this.networks.delete(net.id);
  }

  // ---- containers ----

  /** docker run: create the container, connect it and start its process. */
  run(o: RunOptions): { container: Container; pulled: string[] } {
    if (!this.running) throw new DockerError('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?', 1);
    const ref = parseImageRef(o.image);
    const key = `${ref.repo}:${ref.tag}`;
    const spec = this.localImage(key)?.spec ?? this.registry.find(ref);
    const pulled: string[] = [];
    if (!this.images.has(key)) {
      pulled.push(`Unable to find image '${key}' locally`);
      if (spec === null) {
        const repo = ref.repo.includes('/') ? ref.repo : ref.repo;
        throw new DaemonError('notFound', `pull access denied for ${repo}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`, 'create', null, [pulled[0]!]);
      }
      pulled.push(...this.pull(key, spec.layers));
    }
    if (o.name !== null && this.findContainer(o.name) !== null && [...this.containers.values()].some((c) => c.name === o.name)) {
      const other = [...this.containers.values()].find((c) => c.name === o.name)!;
      // daemon/names.go reserveName: errdefs.Conflict.
      throw new DaemonError('conflict', `Conflict. The container name "/${o.name}" is already in use by container "${other.id}". You have to remove (or rename) that container to be able to reuse that name.`);
    }
    const mode = o.network ?? 'bridge';
    let net: Network | null = null;
    // --network container:NAME joins that container's namespace (its ID is what HostConfig keeps:
    // adaptSharedNamespaceContainer); the namespace's devices and files are the other's.
    const joined = mode.startsWith('container:') ? this.findContainer(mode.slice('container:'.length)) : null;
    if (mode.startsWith('container:') && joined === null) throw new DaemonError('notFound', `No such container: ${mode.slice('container:'.length)}`);
    if (mode !== 'host' && mode !== 'none' && joined === null) {
      net = this.findNetwork(mode) ?? this.swarmLookup?.(mode) ?? null;
      if (net === null) throw new DaemonError('notFound', `network ${mode} not found`);
      if (net.scope === 'swarm' && !net.flags.attachable) {
        throw new DaemonError('forbidden', `Could not attach to network ${mode}: rpc error: code = PermissionDenied desc = network ${mode} not manually attachable`);
      }
    }
    for (const l of o.links) {
      const target = l.split(':')[0]!;
      const lc = this.findContainer(target);
      // daemon_unix.go registerLinks wraps GetContainer's objNotFoundError (made an invalid
      // parameter, moby#39823).
      if (lc === null) throw new DaemonError('invalidParameter', `could not get container for ${target}: No such container: ${target}`);
    }
    if (o.links.length > 0 && net !== null && !net.isDefaultBridge) {
      // Legacy links on a user network are resolved by the embedded DNS instead; Docker accepts them.
    }
    // -p CONTAINERPORT: the port allocator hands out the lowest free port of the kernel's
    // ephemeral range (ip_local_port_range starts at 32768).
    const publish = o.publish.map((p) => parsePublish(p, spec!)).map((p, i, all) => {
      if (p.hostPort !== 0) return p;
      let port = 32768;
      while (hostPortTaken(this, port, p.proto) || all.some((q, j) => j < i && q.hostPort === port)) port++;
      return { ...p, hostPort: port };
    });
    const id = newId(this.rng);
    const name = o.name ?? randomName(this.rng, (n) => [...this.containers.values()].some((c) => c.name === n));
    const env = containerEnv(spec!, ref.tag, o.env);
    const sandboxKey = mode === 'host' || joined !== null ? null : shortId(newId(this.rng));
    const sandbox = mode === 'host' ? this.host.root : joined !== null ? joined.sandbox : this.newSandbox(sandboxKey!);
    const hostname = o.hostname ?? (mode === 'host' ? this.host.name : shortId(id));
    const links = o.links.map((l) => {
      const [target, alias] = l.split(':');
      return { name: target!, alias: alias ?? target! };
    });
    const c = new Container(id, name, ref, spec!, o.cmd.length > 0 ? o.cmd : spec!.cmd, env, this.now, hostname, mode, sandbox, sandboxKey, o.tty, publish, links, o.labels);
    c.imageId = this.images.get(key)!;
    c.files.mounts = this.mount(o.mounts ?? [], spec!);
    c.dns = o.dns ?? [];
    c.dnsSearch = o.dnsSearch ?? [];
    c.dnsOptions = o.dnsOptions ?? [];
    c.hostConfigMode = joined !== null ? `container:${joined.id}` : o.network ?? 'default';
    c.joined = joined;
    c.autoRemove = o.rm === true;
    c.restartPolicy = o.restart ?? 'no';
    c.attached = o.attached === true;
    if (net === null) c.modeEndpointId = newId(this.rng);
    this.addContainer(c);
    this.copyImageFiles(c, spec!);
    // The hosts, hostname and resolv.conf files are made when the container first starts
    // (initializeNetworking): a container only created has none.
    if (o.createOnly !== true) this.writeFiles(c);
    if (o.createOnly === true) {
      if (net !== null) c.releasedNets.push({ name: net.name, aliases: o.aliases });
      return { container: c, pulled };
    }
    // docker run is create then start: a network that refuses the container fails the start,
    // leaving the container behind in the Created state (exit 125, no usage hint).
    if (net !== null) {
      try {
        const ip = net.scope === 'swarm' && this.swarmAttach !== null ? this.swarmAttach(net, c) : null;
        this.connect(c, net, o.aliases, ip);
      } catch (e) {
        if (!(e instanceof DaemonError)) throw e;
        throw new DaemonError(e.kind, e.message, 'start', null, pulled);
      }
    }
    this.writeFiles(c);
    try {
      this.startContainer(c);
    } catch (e) {
      if (!(e instanceof DaemonError)) throw e;
      // run is create then start: the CLI has printed the new ID.
      throw new DaemonError(e.kind, e.message, 'start', c, pulled);
    }
    return { container: c, pulled };
  }

  /** The lines `docker pull` prints for a first download (layer IDs and digest from the RNG). */
  pull(key: string, layers: number): string[] {
    const [repo, tag] = [key.slice(0, key.lastIndexOf(':')), key.slice(key.lastIndexOf(':') + 1)];
    // An image a registry container serves is the very image pushed there (same ID and layers);
    // any other has one digest, one set of layers and one ID on every node (Registry.identity).
    const served = this.registry.served.get(key);
    const pushed = served === undefined ? undefined : this.registry.blobs.get(served);
    const lines = [`${tag}: Pulling from ${pushed !== undefined ? repo.slice(repo.indexOf('/') + 1) : repo.includes('/') ? repo : `library/${repo}`}`];
    const known = pushed === undefined ? this.registry.identity(key, layers) : null;
    const ids = pushed !== undefined ? [...pushed.layers] : known!.layers.map((l) => l.slice(0, 12));
    for (const id of ids) lines.push(`${id}: Pull complete`);
    const digest = known?.digest ?? `sha256:${this.rng.hex(64)}`;
    lines.push(`Digest: ${digest}`, `Status: Downloaded newer image for ${key}`);
    const spec = pushed?.spec ?? this.registry.find(parseImageRef(key));
    const img = pushed ?? { ...newImage(this.rng, spec ?? { repo, shell: 'busybox', cmd: [], daemon: false, ports: [], exposed: [], layers }, ids, this.now), id: known!.id };
    img.digests.set(repo, digest);
    this.addImage(key, img);
    return lines;
  }

  /** The image `repo:tag` names here, if any. */
  localImage(key: string): LocalImage | null {
    const id = this.images.get(key);
    return id === undefined ? null : this.imageById.get(id) ?? null;
  }

  /** Names an image `repo:tag` (a pull, a build's -t, docker tag): the name moves to it. */
  addImage(key: string, img: LocalImage): void {
    this.imageById.set(img.id, img);
    this.images.set(key, img.id);
  }

  /** A new sandbox namespace, bound under /var/run/docker/netns as libnetwork does. */
  newSandbox(key: string): Netns {
    const ns = this.host.newNetns(key);
    ns.setSysctl('net.ipv6.conf.all.disable_ipv6', '1');
    setUp(ns.devices.get(1)!);
    this.host.nsfs.set(`${DOCKER_NETNS_DIR}/${key}`, ns);
    return ns;
  }

  removeSandbox(ns: Netns): void {
    this.host.deleteNetns(ns);
  }

  /**
   * A swarm task's container (the executor's work): created from a pulled image, joined to its
   * networks at the addresses the managers allocated (overlays first, then ingress, then the
   * docker_gwbridge leg), given its secrets as files, and started.
   */
  createTaskContainer(o: { name: string; image: string; cmd: string[]; env: string[]; hostname: string | null; labels: Record<string, string>; networks: Array<{ net: Network; ip: Ip4; aliases: string[] }>; files: Map<string, string>; publish: PortBinding[]; mounts?: readonly MountSpec[]; dns?: { readonly nameservers: readonly string[]; readonly search: readonly string[]; readonly options: readonly string[] } | null }): Container {
    const { parsed, ref } = this.taskImageRef(o.image);
    const spec = this.localImage(`${ref.repo}:${ref.tag}`)?.spec ?? this.registry.find(ref);
    // The executor's error names the task's pinned reference (repo:tag@sha256:… when the service was pinned).
    if (spec === null) throw new DaemonError('notFound', noSuchImage(parsed));
    const id = newId(this.rng);
    const key = shortId(newId(this.rng));
    const sandbox = this.newSandbox(key);
    const env = containerEnv(spec, ref.tag, o.env);
    const c = new Container(id, o.name, ref, spec, o.cmd.length > 0 ? o.cmd : spec.cmd, env, this.now, o.hostname ?? shortId(id), 'swarm', sandbox, key, false, o.publish, [], o.labels);
    c.imageId = this.images.get(`${ref.repo}:${ref.tag}`) ?? '';
    if (o.dns != null) {
      c.dns = [...o.dns.nameservers];
      c.dnsSearch = [...o.dns.search];
      c.dnsOptions = [...o.dns.options];
    }
    c.files.mounts = this.mount(o.mounts ?? [], spec);
    this.addContainer(c);
    // Names as libnetwork's sandbox orders its endpoints (the service's networks eth0…, then
    // ingress, then docker_gwbridge), devices made in the order 19.03 joins them: ingress, the
    // gateway leg, then the service's networks (seed 004: `ip a` lists eth1 ingress, eth2
    // gwbridge, eth0 the service network, by interface index).
    const own = o.networks.filter((n) => !n.net.flags.ingress);
    const ingress = o.networks.filter((n) => n.net.flags.ingress);
    const names = new Map<Network, string>();
    [...own, ...ingress].forEach((n, i) => names.set(n.net, `eth${i}`));
    const ordered = [...ingress, ...own];
    const gateway = ordered.some((n) => n.net.driver === 'overlay' && !n.net.flags.internal);
    for (const n of ingress) this.connect(c, n.net, n.aliases, n.ip, c.name, false, names.get(n.net)!);
    if (gateway) attachGatewayBridge(this, c, `eth${ordered.length}`);
    for (const n of own) this.connect(c, n.net, n.aliases, n.ip, c.name, false, names.get(n.net)!);
    // A task with no network attachment runs in the default network mode, the bridge docker0
    // (executor/container/container.go hostConfig sets NetworkMode only for predefined networks);
    // its host-mode ports are then published there, as `docker run -p` does.
    const bridge = this.findNetwork('bridge');
    if (ordered.length === 0 && bridge !== null) this.connect(c, bridge, [], null, c.name, true);
    this.copyImageFiles(c, spec);
    for (const [path, data] of o.files) c.files.set(path, data);
    this.writeFiles(c);
    this.startContainer(c);
    return c;
  }

  /** A task's image reference, parsed, and as swarm resolves it (repo:tag: what `docker ps`
   *  shows for task containers); one for all the tasks of a host that name the same image. */
  private taskImageRef(image: string): { parsed: ImageRef; ref: ImageRef } {
    let r = this.taskRefs.get(image);
    if (r === undefined) {
      const parsed = parseImageRef(image);
      this.taskRefs.set(image, (r = { parsed, ref: { ...parsed, text: `${parsed.repo}:${parsed.tag}` } }));
    }
    return r;
  }

  private addContainer(c: Container): void {
    c.seq = ++this.created;
    this.containers.set(c.id, c);
  }

  /** Attaches a container to a network (docker run --network, docker network connect). */
  connect(c: Container, net: Network, aliases: string[], ip: Ip4 | null, name: string = c.name, gateway = true, ifname: string | null = null): Endpoint {
    // daemon/container_operations.go and libnetwork's errors, with their errdefs classes.
    if (c.joined !== null) throw new DaemonError('forbidden', 'container sharing network namespace with another container or host cannot be connected to any other network');
    if (c.networkMode === 'host' || c.networkMode === 'none') {
      throw new DaemonError('forbidden', 'container cannot be disconnected from host network or connected to host network');
    }
    for (const e of c.endpoints) if (e.network === net) throw new DaemonError('forbidden', `endpoint with name ${c.name} already exists in network ${net.name}`);
    if (net.scope === 'global' && this.store.endpointsOf(net.id).some((e) => e.name === c.name)) {
      throw new DaemonError('forbidden', `endpoint with name ${c.name} already exists in network ${net.name}`);
    }
    if (net.pool === null && ip === null) throw new DaemonError('system', `network ${net.name} has no address pool`);
    const addr = ip ?? net.pool!.allocate();
    if (addr === null) throw new DaemonError('system', `no available IPv4 addresses on this network's address pools: ${net.name} (${net.id})`);
    if (ip !== null && net.pool !== null && !net.pool.take(ip)) throw new DaemonError('system', 'Address already in use');
    const ep = new Endpoint(newId(this.rng), net, c.id, name, addr, macFromIp(addr), aliases, c.sandbox);
    ep.ifname = ifname ?? `eth${c.nextIfIndex++}`;
    const before = gatewayEndpoint(c);
    if (net.driver === 'bridge') attachBridge(this, net, ep, c.networkMode === 'swarm' && gateway && c.endpoints.length === 0);
    else this.attachOther(net, ep, c);
    net.endpoints.set(c.id, ep);
    c.endpoints.push(ep);
    if (c.networkMode !== 'swarm') this.moveGateway(c, before);
    // An overlay provides no gateway: the sandbox gets a docker_gwbridge leg (needDefaultGW).
    if (gateway && net.driver === 'overlay' && !net.flags.internal) attachGatewayBridge(this, c);
    if (c.state === 'running') {
      // A running sandbox's files are edited, not rewritten: the join adds the address line
      // (sandbox.updateHostsFile), a first user network starts the embedded DNS and rebuilds
      // resolv.conf (startResolver → rebuildDNS).
      c.files.set('/etc/hosts', (c.files.get('/etc/hosts') ?? '') + `${formatIp4(ep.ip)}\t${c.hostname}\n`);
      this.joinDns(c, net);
    }
    if (!net.isDefaultBridge) startEmbeddedDns(this, c);
    return ep;
  }

  /** Overlay attachment: the overlay namespace, the veth into br0, the record in the cluster store. */
  protected attachOther(net: Network, ep: Endpoint, c: Container): void {
    attachOverlay(this, net, ep, this.peersOf(net));
    if (net.scope === 'global') {
      this.store.addEndpoint({ id: ep.id, networkId: net.id, name: c.name, containerId: c.id, ip: ep.ip, mac: ep.mac, vtep: vtepOf(this), hostName: this.host.name });
    }
  }

  protected detachOther(net: Network, ep: Endpoint): void {
    detachOverlay(this, net, ep);
    if (net.scope === 'global') this.store.removeEndpoint(ep.id);
  }

  disconnect(c: Container, net: Network): void {
    const i = c.endpoints.findIndex((e) => e.network === net);
    if (i < 0) throw new DaemonError('system', `container ${c.id} is not connected to network ${net.name}`);
    const ep = c.endpoints[i]!;
    if (c.state === 'running') c.files.set('/etc/hosts', hostsAfterLeave(c.files.get('/etc/hosts') ?? '', net, ep));
    this.releaseEndpoint(c, ep);
  }

  /** A start that fails: the container keeps its state, its endpoints are released (resolv.conf
   *  stays as setupDNS and the joins left it, before any embedded DNS), its exit code becomes 128 unless it has one
   *  (daemon/start.go: `if container.ExitCode() == 0 { SetExitCode(128) }`). */
  /** `afterNetworking`: the failure came once the sandbox was joined and its ports programmed
   *  (createSpec's checks), not during the join. */
  private failStart(c: Container, message: string, afterNetworking = false): never {
    const nets = new Map<string, Checkpointed>();
    for (const e of c.endpoints) {
      // The address and MAC come with the endpoint (buildEndpointInfo after CreateEndpoint); the
      // gateway only with the join's info (updateJoinInfo), which a failed join never gives.
      const gateway = afterNetworking && e.network.driver !== 'overlay' ? e.network.gateway : null;
      if (e.network.subnet !== null) nets.set(e.network.name, { ip: e.ip, len: e.network.subnet.len, gateway, mac: e.mac });
    }
    const gw = gatewayEndpoint(c);
    c.failedCheckpoint = { nets, ports: afterNetworking && gw !== null && !gw.network.flags.internal };
    c.loadedCheckpoint = null;
    for (const e of [...c.endpoints]) {
      if (e.network.name !== 'docker_gwbridge') c.releasedNets.push({ name: e.network.name, aliases: e.aliases });
      this.releaseEndpoint(c, e);
    }
    c.files.set('/etc/resolv.conf', c.resolvWritten);
    if (c.exitCode === 0) c.exitCode = 128;
    throw new DaemonError('system', message);
  }

  /** An endpoint's plumbing and address given back. */
  private releaseEndpoint(c: Container, ep: Endpoint): void {
    const net = ep.network;
    const before = gatewayEndpoint(c);
    if (before === ep) this.unpublish(c);
    if (net.driver === 'bridge') detachBridge(this, net, ep);
    else this.detachOther(net, ep);
    net.pool?.release(ep.ip);
    net.endpoints.delete(c.id);
    c.endpoints.splice(c.endpoints.indexOf(ep), 1);
    if (c.networkMode !== 'swarm') this.moveGateway(c, before === ep ? null : before);
  }

  /**
   * External connectivity follows the gateway endpoint (endpoint.go sbJoin/sbLeave: when
   * getGatewayEndpoint changes, RevokeExternalConnectivity on the old one and
   * ProgramExternalConnectivity on the new): the sandbox's default route and, for a running
   * container, its published ports move to the new one.
   */
  private moveGateway(c: Container, before: Endpoint | null): void {
    const after = gatewayEndpoint(c);
    if (after === before) return;
    if (before !== null) {
      this.unpublish(c);
      delRoute(c.sandbox, TABLE_MAIN, (r) => r.len === 0);
    }
    if (after === null) return;
    const dev = c.sandbox.device(after.ifname);
    if (dev !== undefined) addRoute(c.sandbox, new Route('unicast', 0, 0, dev, after.network.gateway!, 0, 'global', 'boot', 0, TABLE_MAIN));
    if (c.state === 'running') c.unpublish = publishPorts(this, c);
  }

  private unpublish(c: Container): void {
    c.unpublish?.();
    c.unpublish = null;
  }

  /** The DNS options a container's sandbox gets: its own, else the daemon's, one kind at a time. */
  private dnsOptionsOf(c: Container): DnsOptions {
    const dd = this.dnsDefaults;
    return { dns: c.dns.length > 0 ? c.dns : dd.dns, search: c.dnsSearch.length > 0 ? c.dnsSearch : dd.search, options: c.dnsOptions.length > 0 ? c.dnsOptions : dd.options };
  }

  /** setupDNS when the sandbox is made (resolvconf.ts), then what each endpoint already joined
   *  does to it. */
  private setupDns(c: Container): void {
    const sb = setupDns(this.hostResolvConf(), this.dnsOptionsOf(c), c.networkMode === 'host');
    c.extDns = sb.ext;
    c.resolvWritten = sb.resolvConf;
    c.resolverStarted = false;
    c.files.set('/etc/resolv.conf', sb.resolvConf);
    for (const ep of c.endpoints) this.joinDns(c, ep.network);
    // --network none is an endpoint on the null network: its join filters the file too
    // (updateDNS with IPv6 off drops the IPv6 defaults setupDNS added).
    // (The null network runs no embedded DNS.)
    if (c.networkMode === 'none' && !dnsGiven(this.dnsOptionsOf(c))) c.files.set('/etc/resolv.conf', (c.resolvWritten = filterResolvDns(sb.resolvConf, false)));
  }

  /** An endpoint join (endpoint.go sbJoin): updateDNS filters the file again for the network
   *  (no IPv6 here) unless the user owns it; then the first user network starts the embedded
   *  DNS, which rebuilds it (startResolver → rebuildDNS). */
  private joinDns(c: Container, net: Network): void {
    if (c.networkMode === 'host') return;
    let cur = c.files.get('/etc/resolv.conf') ?? '';
    if (!dnsGiven(this.dnsOptionsOf(c)) && cur === c.resolvWritten) {
      cur = c.resolvWritten = filterResolvDns(cur, false);
      c.files.set('/etc/resolv.conf', cur);
    }
    if (!usesEmbeddedDns(net) || c.resolverStarted) return;
    c.resolverStarted = true;
    const rb = rebuildDns({ resolvConf: cur, ext: c.extDns }, formatIp4(RESOLVER_IP));
    c.extDns = rb.ext;
    c.files.set('/etc/resolv.conf', rb.resolvConf);
  }

  /** /etc/hosts, /etc/resolv.conf and /etc/hostname, as the daemon writes them for a container. */
  writeFiles(c: Container): void {
    // --network container:X: the other's hosts, hostname and resolv.conf (initializeNetworkingPaths).
    if (c.joined !== null) {
      for (const f of ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf']) c.files.set(f, c.joined.files.get(f) ?? '');
      return;
    }
    // --network host: the host's own files, copied (buildHostsFile, setupDNS for the default sandbox).
    if (c.networkMode === 'host') {
      c.files.set('/etc/hosts', this.hostFile('/etc/hosts') ?? '');
      c.files.set('/etc/hostname', `${c.hostname}\n`);
      this.setupDns(c);
      return;
    }
    let hosts = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n';
    for (const l of c.links) {
      const t = this.findContainer(l.name);
      const ip = t?.endpoints.find((e) => e.network.isDefaultBridge)?.ip ?? t?.endpoints[0]?.ip;
      // container_operations.go buildSandboxOptions: "alias hostname", and the name unless it is the alias.
      if (t !== undefined && t !== null && ip !== undefined) hosts += `${formatIp4(ip)}\t${l.alias} ${t.hostname}${l.alias === t.name ? '' : ` ${t.name}`}\n`;
    }
    // One line per joined endpoint, in join order (sandbox.updateHostsFile at each join).
    for (const ep of c.endpoints) hosts += `${formatIp4(ep.ip)}\t${c.hostname}\n`;
    c.files.set('/etc/hosts', hosts);
    c.files.set('/etc/hostname', `${c.hostname}\n`);
    this.setupDns(c);
  }

  /** Starts a container. `byRestartManager`: the back-off's restart, which keeps the count; any
   *  other start begins anew (start.go containerStart → ResetRestartManager(true)), and one on
   *  a container already restarting changes nothing (it counts as running). */
  startContainer(c: Container, o: { byRestartManager?: boolean } = {}): void {
    if (c.state === 'running') return;
    if (o.byRestartManager !== true) {
      if (c.restartTimer !== null) return;
      c.restartManager?.cancel();
      c.restartManager = null;
      c.restartCount = 0;
    }
    c.manuallyStopped = false;
    // The networks released at the last stop are joined again in a new sandbox (new endpoints,
    // new addresses from IPAM; a swarm network through a new network attachment), the default
    // bridge first (container_operations.go allocateNetwork); the sandbox names interfaces from
    // eth0 again.
    const nets = c.releasedNets.splice(0);
    if (nets.length > 0) c.nextIfIndex = 0;
    // The sandbox went with the stop (releaseNetwork); containers still running in it (joined with
    // --network container:) keep that namespace, down to its loopback, so this start makes a new
    // one — the sidecars are cut off until they restart themselves.
    if (nets.length > 0 && c.sandboxKey !== null && [...this.containers.values()].some((o) => o.joined === c && o.state === 'running')) {
      this.host.nsfs.delete(`${DOCKER_NETNS_DIR}/${c.sandboxKey}`);
      c.sandboxKey = shortId(newId(this.rng));
      c.sandbox = this.newSandbox(c.sandboxKey);
    }
    for (const s of [...nets.filter((n) => n.name === 'bridge'), ...nets.filter((n) => n.name !== 'bridge')]) {
      const net = this.findNetwork(s.name) ?? this.swarmLookup?.(s.name) ?? null;
      if (net === null) throw new DaemonError('notFound', `network ${s.name} not found`);
      const ip = net.scope === 'swarm' && this.swarmAttach !== null ? this.swarmAttach(net, c) : null;
      this.connect(c, net, s.aliases, ip);
    }
    if (c.joined !== null) {
      // getNetworkedContainer: the namespace's owner must be running; its hostname becomes ours.
      if (c.joined.state !== 'running') this.failStart(c, `cannot join network of a non running container: ${c.joined.id}`);
      c.sandbox = c.joined.sandbox;
      c.hostname = c.joined.hostname;
    }
    if (nets.length > 0 || !c.files.has('/etc/hosts') || c.joined !== null) this.writeFiles(c);
    // ProgramExternalConnectivity: a host port another running container holds fails the start.
    const gw = gatewayEndpoint(c);
    if (gw !== null && !gw.network.flags.internal) {
      for (const p of c.publish) {
        if (p.hostPort !== 0 && hostPortTaken(this, p.hostPort, p.proto)) {
          this.failStart(c, `driver failed programming external connectivity on endpoint ${c.name} (${gw.id}): Bind for 0.0.0.0:${p.hostPort} failed: port is already allocated`);
        }
      }
    }
    // setupLinkedContainers (createSpec, after initializeNetworking): every linked container must
    // be running.
    for (const l of c.links) {
      const t = this.findContainer(l.name);
      if (t === null || t.state !== 'running') this.failStart(c, `Cannot link to a non running container: /${l.name} AS /${c.name}/${l.alias}`, true);
    }
    c.state = 'running';
    c.exitCode = 0;
    c.started = this.now;
    c.failedCheckpoint = null;
    c.loadedCheckpoint = null;
    for (const ep of c.endpoints) if (ep.peer !== null && !ep.peer.up) setUp(ep.peer);
    startProcess(this, c);
  }

  /**
   * The main process ended on its own (it exited, crashed, could not bind): the container stops,
   * and its restart policy may bring it back after the restart manager's back-off
   * (monitor.go ProcessEvent: ShouldRestart, RestartCount++, SetRestarting, Cleanup; the start
   * after the delay, and SetStopped if that start fails).
   */
  processExited(c: Container, code: number): void {
    if (c.state !== 'running') return;
    const ranFor = this.now - c.started;
    this.stopContainer(c, code);
    if (!this.containers.has(c.id)) return;
    const rm = (c.restartManager ??= new RestartManager(c.restartPolicy, c.restartCount));
    const delay = rm.shouldRestart(code, c.manuallyStopped, ranFor);
    if (delay === null) return;
    c.restartCount++;
    c.restartTimer = this.world.eq.after(delay, () => {
      c.restartTimer = null;
      try {
        this.startContainer(c, { byRestartManager: true });
      } catch (e) {
        // monitor.go: a failed restart leaves the container stopped (SetStopped).
        if (!(e instanceof DaemonError)) throw e;
      }
    });
  }

  /** A stop, kill or removal of a container waiting to restart: the restart is called off and
   *  the container stays stopped with its last exit code (ExitOnNext cancels the manager). */
  cancelRestart(c: Container): void {
    if (c.restartTimer === null) return;
    this.world.eq.cancel(c.restartTimer);
    c.restartTimer = null;
    c.restartManager?.cancel();
  }

  /** The main process ended (exit code), or was stopped. */
  stopContainer(c: Container, code: number): void {
    if (c.state !== 'running') return;
    stopProcess(this, c);
    c.state = 'exited';
    c.exitCode = code;
    c.finished = this.now;
    // A standalone container gives its network endpoints back when it stops (the daemon's
    // releaseNetwork): its addresses return to IPAM, its name leaves the embedded DNS, and a swarm
    // attachment is detached, so a worker drops an attachable overlay nothing else uses (it
    // leaves `docker network ls`, the overlay tutorial).
    if (c.networkMode !== 'swarm') {
      const swarm = c.endpoints.some((e) => e.network.scope === 'swarm');
      for (const ep of [...c.endpoints]) {
        // The docker_gwbridge leg serves the overlays; it comes back with them on start.
        if (ep.network.name !== 'docker_gwbridge') c.releasedNets.push({ name: ep.network.name, aliases: ep.aliases });
        // Each endpoint leaves as on a disconnect (sbLeave), editing the hosts file the same way.
        c.files.set('/etc/hosts', hostsAfterLeave(c.files.get('/etc/hosts') ?? '', ep.network, ep));
        this.disconnect(c, ep.network);
      }
      if (swarm) this.swarmDetach?.(c);
    }
    for (const l of this.exitListeners) l(c, code);
    // --rm: the daemon removes the container once it has exited (and its anonymous volumes).
    if (c.autoRemove) this.removeContainer(c, true);
  }

  /** The volumes a container's mounts need, created here on first use (the local driver). */
  mount(user: readonly MountSpec[], image: ImageSpec): ContainerMount[] {
    // The image's VOLUMEs not covered by a mount get anonymous volumes (no mode, as Config.Volumes).
    const fromImage = (image.volumes ?? []).filter((p) => !user.some((m) => m.target === p)).map((target): MountSpec => ({ type: 'volume', source: '', target, readOnly: false, mode: '' }));
    return [...user, ...fromImage].map((m) => {
      if (m.type !== 'volume') return { type: m.type, volume: null, source: m.source, destination: m.target, rw: !m.readOnly, mode: m.mode };
      const anonymous = m.source === '';
      const v = this.volumes.create(anonymous ? this.rng.hex(64) : m.source, { driver: m.driver, labels: m.labels ?? null, options: m.driverOptions ?? null, now: this.now, anonymous });
      return { type: 'volume', volume: v, source: v.mountpoint, destination: m.target, rw: !m.readOnly, mode: m.mode };
    });
  }

  /** The image's files into the container. Under a volume mount they land in the volume only when
   *  it is empty (the copy-up of a fresh volume, volume.CopyData); a volume that holds data keeps it. */
  private copyImageFiles(c: Container, image: ImageSpec): void {
    const empty = new Set(c.mounts.filter((m) => m.volume !== null && m.volume.files.size === 0).map((m) => m.volume));
    for (const [path, data] of image.files ?? []) {
      const at = mountOf(c.mounts, path);
      if (at !== null && at.mount.volume !== null && !empty.has(at.mount.volume)) continue;
      c.files.set(path, data);
    }
  }

  /** The containers (any state) that mount a volume. */
  volumeUsers(v: Volume): Container[] {
    return [...this.containers.values()].filter((c) => c.mounts.some((m) => m.volume === v));
  }

  /** `docker rm -v`, and the swarm executor's removal: the container's anonymous volumes go too. */
  removeAnonymousVolumes(c: Container): void {
    for (const m of c.mounts) {
      if (m.volume !== null && m.volume.anonymous && this.volumeUsers(m.volume).length === 0) this.volumes.remove(m.volume);
    }
  }

  removeContainer(c: Container, force: boolean): void {
    if ((c.state === 'running' || c.restartTimer !== null) && !force) {
      // rm.go cleanupContainer words the state (container.StateString).
      throw new DaemonError('conflict', `You cannot remove a ${c.restartTimer !== null ? 'restarting' : 'running'} container ${c.id}. Stop the container before attempting removal or force remove`);
    }
    this.cancelRestart(c);
    this.stopContainer(c, 137);
    for (const ep of [...c.endpoints]) this.disconnect(c, ep.network);
    if (c.endpoints.length === 0) this.swarmDetach?.(c);
    if (c.networkMode !== 'host' && c.joined === null) this.removeSandbox(c.sandbox);
    this.containers.delete(c.id);
  }

  /** Where `docker exec` runs a command: the container's namespace, files and userland. */
  execEnv(c: Container) {
    const missing = imageMissing(c.spec);
    return { host: this.host, ns: c.sandbox, flavor: c.spec.shell, files: c.files, hostname: c.hostname, vars: c.env, cwd: '/', missing: { names: missing, shell: c.spec.shell === 'busybox' ? 'sh' : 'bash' } };
  }
}

/** `-p [ip:]hostPort:containerPort[/proto]` or `-p containerPort`. */
function parsePublish(text: string, _spec: unknown): PortBinding {
  const m = /^(?:(\d+\.\d+\.\d+\.\d+):)?(?:(\d*):)?(\d+)(?:\/(tcp|udp))?$/.exec(text);
  // The CLI's own parse (nat.ParsePortSpec in opts.go), before it asks the daemon.
  if (m === null) throw new UsageError(`Invalid containerPort: ${text}`);
  const containerPort = Number(m[3]);
  const hostPort = m[2] === undefined || m[2] === '' ? 0 : Number(m[2]);
  return { hostIp: m[1] === undefined ? 0 : parseIp4(m[1])!, hostPort, containerPort, proto: (m[4] as 'tcp' | 'udp' | undefined) ?? 'tcp' };
}

/** The image's ENV lines, then the user's -e/--env over them (as `docker inspect` Config.Env). */
function containerEnv(spec: ImageSpec, tag: string, user: readonly string[]): Map<string, string> {
  const env = new Map<string, string>();
  for (const e of [...(spec.env?.(tag) ?? []), ...user]) {
    const i = e.indexOf('=');
    env.set(i < 0 ? e : e.slice(0, i), i < 0 ? '' : e.slice(i + 1));
  }
  return env;
}

/** Networks whose containers get the embedded DNS server: user-defined ones. */
function usesEmbeddedDns(net: Network): boolean {
  return !net.isDefaultBridge && !net.flags.ingress && net.name !== 'docker_gwbridge';
}

/**
 * /etc/hosts after an endpoint leaves a network with service discovery: libnetwork deletes the
 * records of every other name on that network (network.getSvcRecords skips only the endpoint's
 * own name), and etchosts.Delete drops each line that ends in a tab and such a name — so the
 * container's own lines go too when its hostname is one of its aliases (the short ID).
 */
function hostsAfterLeave(hosts: string, net: Network, leaving: Endpoint): string {
  if (net.isDefaultBridge) return hosts;
  const names = new Set<string>();
  for (const ep of net.endpoints.values()) for (const n of [ep.name, ...ep.aliases, ep.key.slice(0, 12)]) names.add(n);
  names.delete(leaving.name);
  return hosts.split('\n').filter((l) => l === '' || l.startsWith('#') || ![...names].some((n) => l.endsWith(`\t${n}`))).join('\n');
}

/** What a stop leaves as the exit code: a server exits on SIGTERM (0); a shell that is PID 1
 *  ignores it (the kernel drops default-action signals to a namespace's init), so after the
 *  timeout it is killed (137). */
export function stopExitCode(c: Container): number {
  return c.spec.daemon && !c.spec.pid1IgnoresTerm ? 0 : 137;
}
