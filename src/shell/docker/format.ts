// The docker CLI's text and JSON for containers and networks.
import { formatCidr, formatIp4, formatMac } from '../../core/addr.js';
import type { Daemon } from '../../docker/daemon.js';
import { gatewayEndpoint } from '../../docker/model.js';
import type { Checkpointed, Container, Network } from '../../docker/model.js';
import { rfc3339Nano } from '../../sim/clock.js';
import { CONTAINER_CONTEXT, formatRows, humanDuration, NETWORK_CONTEXT, tabwrite } from '../table.js';

/** COMMAND as `docker ps` quotes it: arguments with spaces in single quotes, cut to 20 with "…". */
export function commandText(cmd: string[]): string {
  const text = cmd.map((a) => (/[\s"'$]/.test(a) ? `'${a}'` : a)).join(' ');
  const chars = [...text];
  return `"${chars.length > 20 ? chars.slice(0, 19).join('') + '…' : text}"`;
}

function portsText(c: Container): string {
  // Ports come from the running container's network settings: none before it starts or after it stops.
  if (c.state !== 'running') return '';
  if (c.publish.length > 0) {
    return c.publish.map((p) => `${p.hostIp === 0 ? '0.0.0.0' : formatIp4(p.hostIp)}:${p.hostPort}->${p.containerPort}/${p.proto}`).join(', ');
  }
  return c.spec.exposed.join(', ');
}

function statusText(c: Container, now: number): string {
  if (c.state === 'running') return `Up ${humanDuration(now - c.started)}`;
  // state.go String: a container waiting to restart is Running and Restarting.
  if (c.restartTimer !== null) return `Restarting (${c.exitCode}) ${humanDuration(now - c.finished)} ago`;
  if (c.state === 'created') return 'Created';
  return `Exited (${c.exitCode}) ${humanDuration(now - c.finished)} ago`;
}

export function psTable(d: Daemon, all: boolean, quiet: boolean, last = -1, keep: (c: Container) => boolean = () => true, format?: string): string {
  const now = d.now;
  let list = [...d.containers.values()].filter((c) => (all || c.state === 'running' || c.restartTimer !== null) && keep(c)).sort((a, b) => b.created - a.created || b.seq - a.seq);
  if (last >= 0) list = list.slice(0, last);
  if (quiet) return list.map((c) => c.shortId + '\n').join('');
  // --format fields are the Go names of these columns, plus Labels.
  const rows = [['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES', 'LABELS']];
  for (const c of list) {
    rows.push([c.shortId, c.image.text, commandText(c.cmd), `${humanDuration(now - c.created)} ago`, statusText(c, now), portsText(c), c.name, Object.entries(c.labels).map(([k, v]) => `${k}=${v}`).join(',')]);
  }
  if (format === undefined) return tabwrite(rows.map((r) => r.slice(0, 7)));
  return formatRows(rows, ['ID', 'Image', 'Command', 'RunningFor', 'Status', 'Ports', 'Names', 'Labels'], format, CONTAINER_CONTEXT);
}

export function networkLs(d: Daemon, quiet: boolean, keep: (n: Network) => boolean = () => true, format?: string): string {
  const list = [...d.networks.values()].filter(keep).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (quiet) return list.map((n) => n.id.slice(0, 12) + '\n').join('');
  const rows = [['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE']];
  for (const n of list) rows.push([n.id.slice(0, 12), n.name, n.driver, n.scope]);
  return formatRows(rows, ['ID', 'Name', 'Driver', 'Scope'], format, NETWORK_CONTEXT);
}

function sorted<T>(entries: Array<[string, T]>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) out[k] = v;
  return out;
}

/** A node of a network's gossip cluster, as `network inspect` lists it (networkdb PeerInfo). */
export interface NetworkPeer {
  readonly Name: string;
  readonly IP: string;
}

/** `peers`: for a swarm-scoped network, the nodes it is attached on (libnetwork network.Peers). */
export function networkJson(d: Daemon, n: Network, peers: NetworkPeer[] | null = null): object {
  const containers: Array<[string, object]> = [];
  for (const ep of n.endpoints.values()) {
    containers.push([ep.key, {
      Name: ep.name,
      EndpointID: ep.id,
      MacAddress: formatMac(ep.mac),
      IPv4Address: formatCidr(ep.ip, n.subnet!.len),
      IPv6Address: '',
    }]);
  }
  // Endpoints on other hosts (from the cluster store) are listed under ep-<endpoint ID>.
  for (const r of n.remote.values()) {
    containers.push([`ep-${r.id}`, { Name: r.name, EndpointID: r.id, MacAddress: formatMac(r.mac), IPv4Address: formatCidr(r.ip, n.subnet!.len), IPv6Address: '' }]);
  }
  if (n.driver === 'host' || n.driver === 'null') {
    for (const c of d.containers.values()) {
      if (c.state === 'running' && c.networkMode === (n.driver === 'host' ? 'host' : 'none')) containers.push([c.id, { Name: c.name, EndpointID: c.modeEndpointId, MacAddress: '', IPv4Address: '', IPv6Address: '' }]);
    }
  }
  return {
    Name: n.name,
    Id: n.id,
    Created: rfc3339Nano(n.created),
    Scope: n.scope,
    Driver: n.driver,
    EnableIPv6: false,
    IPAM: {
      Driver: 'default',
      Options: n.flags.ipamOptions,
      Config: n.subnet === null ? [] : [n.configGateway ? { Subnet: formatCidr(n.subnet.addr, n.subnet.len), Gateway: formatIp4(n.gateway!) } : { Subnet: formatCidr(n.subnet.addr, n.subnet.len) }],
    },
    Internal: n.flags.internal,
    Attachable: n.flags.attachable,
    Ingress: n.flags.ingress,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: sorted(containers),
    Options: sorted(Object.entries(n.options)),
    Labels: sorted(Object.entries(n.flags.labels)),
    ...(peers !== null ? { Peers: peers } : {}),
  };
}

/** The address fields of a released network's entry: empty, or what the disk held. */
function loadedFields(l: Checkpointed | undefined): { Gateway: string; IPAddress: string; IPPrefixLen: number; MacAddress: string } {
  if (l === undefined) return { Gateway: '', IPAddress: '', IPPrefixLen: 0, MacAddress: '' };
  return { Gateway: l.gateway === null ? '' : formatIp4(l.gateway), IPAddress: formatIp4(l.ip), IPPrefixLen: l.len, MacAddress: formatMac(l.mac) };
}

export function containerJson(d: Daemon, c: Container): object {
  const networks: Array<[string, object]> = c.endpoints.map((ep) => [ep.network.name, {
    IPAMConfig: null,
    Links: null,
    // updateNetworkConfig appends the short ID to the user's aliases on user-defined networks.
    Aliases: ep.network.isDefaultBridge ? null : [...ep.aliases, c.shortId],
    NetworkID: ep.network.id,
    EndpointID: ep.id,
    Gateway: ep.network.gateway === null || ep.network.driver === 'overlay' ? '' : formatIp4(ep.network.gateway),
    IPAddress: formatIp4(ep.ip),
    IPPrefixLen: ep.network.subnet!.len,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    MacAddress: formatMac(ep.mac),
    DriverOpts: null,
  }]);
  // A stopped container keeps its networks' entries, emptied (its endpoints are released) —
  // or, after a daemon restart, as its last failed start left them on disk.
  for (const j of c.releasedNets) {
    if (networks.some(([name]) => name === j.name)) continue;
    const l = loadedFields(c.loadedCheckpoint?.nets.get(j.name));
    networks.push([j.name, {
      IPAMConfig: null, Links: null, Aliases: j.name === 'bridge' ? null : [...j.aliases, c.shortId], NetworkID: d.findNetworkByName(j.name)?.id ?? '', EndpointID: '', Gateway: l.Gateway, IPAddress: l.IPAddress,
      IPPrefixLen: l.IPPrefixLen, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, MacAddress: l.MacAddress, DriverOpts: null,
    }]);
  }
  // --network host|none: the container is on that network, with no address of its own.
  if (c.networkMode === 'host' || c.networkMode === 'none') {
    const n = d.findNetworkByName(c.networkMode);
    networks.push([c.networkMode, {
      IPAMConfig: null, Links: null, Aliases: null, NetworkID: n?.id ?? '', EndpointID: c.state === 'running' ? c.modeEndpointId : '', Gateway: '', IPAddress: '',
      IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, MacAddress: '', DriverOpts: null,
    }]);
  }
  const main = c.endpoints.find((e) => e.network.isDefaultBridge);
  // The top-level fields are the default bridge's entry (inspect.go getDefaultNetworkSettings).
  const top = main !== undefined
    ? { Gateway: formatIp4(main.network.gateway!), IPAddress: formatIp4(main.ip), IPPrefixLen: main.network.subnet!.len, MacAddress: formatMac(main.mac) }
    : loadedFields(c.loadedCheckpoint?.nets.get('bridge'));
  const exposed: Record<string, object> = {};
  for (const p of [...c.spec.exposed, ...c.publish.map((b) => `${b.containerPort}/${b.proto}`)]) exposed[p] = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const b of c.publish) (bindings[`${b.containerPort}/${b.proto}`] ??= []).push({ HostIp: b.hostIp === 0 ? '' : formatIp4(b.hostIp), HostPort: b.hostPort === 0 ? '' : String(b.hostPort) });
  // A running container's ports: each exposed one, with its host bindings or null.
  const ports: Record<string, Array<{ HostIp: string; HostPort: string }> | null> = {};
  const gw = gatewayEndpoint(c);
  // (or the port map a failed start left on disk, once a restarted daemon has loaded it)
  if ((c.state === 'running' && gw !== null && !gw.network.flags.internal) || c.loadedCheckpoint?.ports === true) {
    for (const p of Object.keys(exposed)) {
      const bs = c.publish.filter((b) => `${b.containerPort}/${b.proto}` === p);
      ports[p] = bs.length === 0 ? null : bs.map((b) => ({ HostIp: b.hostIp === 0 ? '0.0.0.0' : formatIp4(b.hostIp), HostPort: String(b.hostPort) }));
    }
  }
  return {
    Id: c.id,
    Created: rfc3339Nano(c.created),
    Path: c.cmd[0] ?? '',
    Args: c.cmd.slice(1),
    State: {
      Status: c.restartTimer !== null ? 'restarting' : c.state,
      Running: c.state === 'running' || c.restartTimer !== null,
      Paused: false,
      Restarting: c.restartTimer !== null,
      OOMKilled: false,
      Dead: false,
      ExitCode: c.exitCode,
      Error: '',
      StartedAt: rfc3339Nano(c.started),
      FinishedAt: c.state === 'exited' ? rfc3339Nano(c.finished) : '0001-01-01T00:00:00Z',
    },
    Image: `sha256:${c.imageId}`,
    Name: `/${c.name}`,
    RestartCount: c.restartCount,
    HostConfig: {
      NetworkMode: c.networkMode === 'swarm' ? c.networkMode : c.hostConfigMode,
      PortBindings: bindings,
      // --restart on-failure:N keeps N as the retry count (opts.ParseRestartPolicy).
      RestartPolicy: { Name: c.restartPolicy.split(':')[0], MaximumRetryCount: Number(c.restartPolicy.split(':')[1] ?? 0) },
      Links: c.links.length === 0 ? null : c.links.map((l) => `/${l.name}:/${c.name}/${l.alias}`),
      Dns: c.dns,
      DnsOptions: c.dnsOptions,
      DnsSearch: c.dnsSearch,
    },
    // types.MountPoint: Name and Driver only for volumes; binds propagate rprivate by default.
    Mounts: c.mounts.map((m) => ({
      Type: m.type, ...(m.volume !== null ? { Name: m.volume.name } : {}), Source: m.source, Destination: m.destination,
      ...(m.volume !== null ? { Driver: m.volume.driver } : {}), Mode: m.mode, RW: m.rw, Propagation: m.type === 'bind' ? 'rprivate' : '',
    })),
    Config: {
      Hostname: c.hostname,
      Env: [...c.env].map(([k, v]) => `${k}=${v}`),
      ExposedPorts: Object.keys(exposed).length === 0 ? undefined : exposed,
      Cmd: c.cmd,
      Image: c.image.text,
      Labels: c.labels,
    },
    NetworkSettings: {
      Ports: ports,
      SandboxKey: c.sandboxKey === null ? '' : `/var/run/docker/netns/${c.sandboxKey}`,
      ...top,
      Networks: sorted(networks),
    },
  };
}
