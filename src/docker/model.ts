// The Docker objects one daemon keeps: networks with their endpoints, and containers with their
// sandboxes. Plain data; the daemon and the drivers change them.
import type { RestartManager } from './restart-manager.js';
import type { Ip4, Mac } from '../core/addr.js';
import type { ExtDns } from './resolvconf.js';
import type { Netns } from '../kernel/netns.js';
import type { Veth } from '../kernel/veth.js';
import type { Nanos } from '../sim/clock.js';
import type { ImageRef, ImageSpec } from './images.js';
import type { AddressPool, Subnet } from '../core/ipam.js';
import { MountedFiles } from './volumes.js';
import type { ContainerMount } from './volumes.js';

export type DriverName = 'bridge' | 'host' | 'null' | 'overlay';

export class Network {
  readonly endpoints = new Map<string, Endpoint>();
  /** The Linux bridge a bridge network owns (docker0, br-<id>, docker_gwbridge). */
  bridgeName: string | null = null;
  /** Overlay: the VXLAN network identifier. */
  vni = 0;
  /** Names the embedded DNS answers on this network beyond container names (swarm services:
   *  `web` → VIP or task IPs, `tasks.web` → task IPs). */
  readonly dnsRecords = new Map<string, Ip4[]>();
  /** Endpoints of a global network that live on other hosts, by endpoint ID (from the cluster store). */
  readonly remote = new Map<string, { readonly id: string; readonly name: string; readonly ip: Ip4; readonly mac: number }>();

  constructor(
    readonly id: string,
    readonly name: string,
    readonly driver: DriverName,
    readonly scope: 'local' | 'global' | 'swarm',
    readonly subnet: Subnet | null,
    readonly gateway: Ip4 | null,
    readonly pool: AddressPool | null,
    readonly options: Record<string, string>,
    readonly created: Nanos,
    readonly flags: { internal: boolean; attachable: boolean; ingress: boolean; ipamOptions: Record<string, string> | null; labels: Record<string, string> },
  ) {}

  /** Whether `docker network inspect` lists the gateway in IPAM.Config: always for networks a
   *  user creates; for the default bridge only when docker0 already had its address when the
   *  daemon started (daemon_unix.go initBridgeDriver: a pool elected from the predefined ones
   *  has no host part, so no Gateway is configured; the bridge's own address has one). */
  configGateway = true;

  get isDefaultBridge(): boolean {
    return this.options['com.docker.network.bridge.default_bridge'] === 'true';
  }
}

export class Endpoint {
  /** The interface inside the sandbox (eth0, eth1, …). */
  ifname = '';
  /** The host-side (or overlay-side) end of the veth pair. */
  peer: Veth | null = null;

  constructor(
    readonly id: string,
    readonly network: Network,
    /** Key in network.endpoints and in `docker network inspect` Containers: the container ID,
     *  or a sandbox name like `ingress-sbox`. */
    readonly key: string,
    /** Name shown by inspect (the container name, or gateway_<x>). */
    readonly name: string,
    readonly ip: Ip4,
    readonly mac: Mac,
    readonly aliases: string[],
    /** The sandbox namespace this endpoint's interface lives in. */
    readonly sandbox: Netns,
  ) {}
}

export interface PortBinding {
  readonly hostIp: Ip4;
  readonly hostPort: number;
  readonly containerPort: number;
  readonly proto: 'tcp' | 'udp';
}

export type ContainerState = 'created' | 'running' | 'exited';

/** An endpoint's operational data as a container's config.v2.json keeps it. */
export interface Checkpointed {
  readonly ip: number;
  readonly len: number;
  /** null where inspect shows no gateway (an overlay endpoint, or a join that failed). */
  readonly gateway: number | null;
  readonly mac: number;
}

/** The network part of a container's config.v2.json after a failed start. */
export interface FailedStart {
  /** Per network name. */
  readonly nets: ReadonlyMap<string, Checkpointed>;
  /** The published ports had been programmed (NetworkSettings.Ports filled). */
  readonly ports: boolean;
}

export class Container {
  state: ContainerState = 'created';
  exitCode = 0;
  started: Nanos = 0;
  finished: Nanos = 0;
  /** Network attachments in the order they were made (eth0 first). */
  readonly endpoints: Endpoint[] = [];
  /** The container's own files (/etc/hosts, /etc/resolv.conf, /etc/hostname, secrets), with its
   *  volumes' files under their mount targets. */
  readonly files = new MountedFiles();
  /** Application state kept in the container's own layer, by directory (see volumes.ts dataDir);
   *  made at first use (a swarm's task containers keep none). */
  private dirs_: Map<string, Map<string, unknown>> | null = null;
  get dirs(): Map<string, Map<string, unknown>> {
    return (this.dirs_ ??= new Map());
  }
  /** Things to undo when the process stops (listeners, loops). */
  readonly stops: Array<() => void> = [];
  /** Lines its process wrote (docker logs). */
  readonly logs: string[] = [];
  /** The embedded DNS server listens in the sandbox (started once, on the first user network). */
  dnsStarted = false;
  /** The endpoint a host- or none-mode container has on that network (no interface of its own). */
  modeEndpointId = '';
  /** `--restart`: no, always, unless-stopped, on-failure[:N]. */
  restartPolicy = 'no';
  /** Stopped with `docker stop`/`kill` (unless-stopped then leaves it stopped). */
  manuallyStopped = false;
  /** Restarts by the restart manager since the user last started it (inspect's RestartCount). */
  restartCount = 0;
  /** Made at the first exit after a user start (container.RestartManager). */
  restartManager: RestartManager | null = null;
  /** The pending restart while the back-off runs: Docker shows the container Restarting (Running
   *  and Restarting true) though it has no process and no network. */
  restartTimer: number | null = null;
  /** The image's ID (sha256 hex) at the time the container was created. */
  imageId = '';
  /** The next ethN the sandbox names an interface (osl nextIfIndex: never reused within a
   *  sandbox, so a network joined after a disconnect gets eth1; a new sandbox starts at 0). */
  nextIfIndex = 0;
  /** Removes the published ports' rules and proxies (set while they are programmed). */
  unpublish: (() => void) | null = null;
  /** HostConfig.NetworkMode as given: `default` when no --network was (it means the bridge). */
  hostConfigMode = 'default';
  /** --dns, --dns-search, --dns-option (empty: the daemon's, then the host's). */
  dns: string[] = [];
  dnsSearch: string[] = [];
  dnsOptions: string[] = [];
  /** The upstream servers the embedded DNS forwards to (sandbox extDNS). */
  extDns: readonly ExtDns[] = [];
  /** resolv.conf as libnetwork last wrote it itself (its hash file: a file changed since is the
   *  user's, and an endpoint join leaves it alone). */
  resolvWritten = '';
  /** The embedded DNS has rebuilt resolv.conf (startResolver runs once per sandbox). */
  resolverStarted = false;
  /** Creation order on this daemon: `docker ps` lists newest first even within one instant. */
  seq = 0;
  /** --rm: the daemon removes the container once its process ends. */
  autoRemove = false;
  /** The CLI runs the main process (a foreground `docker run` command, an interactive shell):
   *  the container ends when that does, not on its own. */
  attached = false;
  /** --network container:X: the container whose network namespace this one shares. */
  joined: Container | null = null;
  /** Networks a stopped standalone container left (released on stop, rejoined on start). */
  releasedNets: Array<{ readonly name: string; readonly aliases: string[] }> = [];
  /**
   * What the last start wrote to disk when it failed: containerStart's deferred error path
   * checkpoints the container (CheckpointTo, config.v2.json) before Cleanup releases its
   * network, so the file keeps the failed start's addresses (and its port map, when the failure
   * came after networking, as a link to a stopped container does) while memory shows none
   * (daemon/start.go, v19.03.15). null once a start succeeds (the exit path checkpoints after
   * Cleanup, monitor.go).
   */
  failedCheckpoint: FailedStart | null = null;
  /** What a restarted daemon loaded from that file and shows until the next start. */
  loadedCheckpoint: FailedStart | null = null;

  constructor(
    readonly id: string,
    public name: string,
    readonly image: ImageRef,
    readonly spec: ImageSpec,
    readonly cmd: string[],
    readonly env: Map<string, string>,
    readonly created: Nanos,
    public hostname: string,
    /** `bridge`, `host`, `none`, or a network name. */
    readonly networkMode: string,
    /** The network namespace; a new one when a start finds the old still held by containers
     *  that joined it (--network container:). */
    public sandbox: Netns,
    /** The sandbox's file under /var/run/docker/netns, null for --network host. */
    public sandboxKey: string | null,
    readonly tty: boolean,
    readonly publish: PortBinding[],
    readonly links: Array<{ name: string; alias: string }>,
    readonly labels: Record<string, string>,
  ) {}

  get mounts(): readonly ContainerMount[] {
    return this.files.mounts;
  }

  get shortId(): string {
    return this.id.slice(0, 12);
  }
}

/** Where Docker bind-mounts its sandboxes' namespaces (libnetwork's osl prefix). */
export const DOCKER_NETNS_DIR = '/var/run/docker/netns';

/**
 * The endpoint that gives a container its default route and published ports: of its endpoints
 * with a gateway, the first in libnetwork's order (sandbox.go endpoint.Less: not on
 * docker_gwbridge, not internal, then by network name) — so joining a network whose name sorts
 * before the current one's moves them (`back-tier` before `bridge`). Swarm tasks keep their
 * first network's (their legs are set up by the agent).
 */
export function gatewayEndpoint(c: Container): Endpoint | null {
  if (c.networkMode === 'swarm') return c.endpoints.find((e) => e.network.driver === 'bridge') ?? null;
  // An internal bridge network still gives its gateway (bridge.go Join sets it for every
  // bridge network); it only sorts after the others.
  const key = (e: Endpoint): string => `${e.network.flags.internal ? 1 : 0} ${e.network.name}`;
  let best: Endpoint | null = null;
  for (const e of c.endpoints) {
    if (e.network.driver !== 'bridge' || e.network.name === 'docker_gwbridge') continue;
    if (best === null || key(e) < key(best)) best = e;
  }
  return best;
}
