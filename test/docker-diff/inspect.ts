// The keys of `docker inspect` and `docker network inspect` that both sides can agree on: what
// the user configured and what libnetwork derived from it. Random values (IDs, timestamps, PIDs,
// sandbox keys) are left out or normalised afterwards; keys 20.10 added are not read.

type Json = unknown;

function at(o: Json, path: string): Json {
  let v: Json = o;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, Json>)[k];
  }
  return v;
}

const show = (v: Json): string => (v === undefined ? '(absent)' : JSON.stringify(v));

const CONTAINER_KEYS = [
  'Name', 'Path', 'Args', 'State.Status', 'State.Running', 'State.Restarting', 'State.ExitCode',
  'HostConfig.NetworkMode', 'HostConfig.RestartPolicy.Name', 'HostConfig.PortBindings', 'HostConfig.Links', 'HostConfig.Dns', 'HostConfig.DnsSearch', 'HostConfig.DnsOptions',
  'Config.Hostname', 'Config.ExposedPorts',
  'NetworkSettings.Ports', 'NetworkSettings.Gateway', 'NetworkSettings.IPAddress', 'NetworkSettings.IPPrefixLen', 'NetworkSettings.MacAddress',
];
const ENDPOINT_KEYS = ['Aliases', 'Links', 'Gateway', 'IPAddress', 'IPPrefixLen', 'MacAddress'];

/** One line per key for each container, sorted by name. */
export function containerLines(list: Json[]): string[] {
  const out: string[] = [];
  const sorted = [...list].sort((a, b) => String(at(a, 'Name')).localeCompare(String(at(b, 'Name'))));
  for (const c of sorted) {
    const name = String(at(c, 'Name'));
    for (const k of CONTAINER_KEYS) out.push(`${name} ${k}=${show(normaliseValue(k, at(c, k)))}`);
    const nets = (at(c, 'NetworkSettings.Networks') ?? {}) as Record<string, Json>;
    for (const n of Object.keys(nets).sort()) {
      for (const k of ENDPOINT_KEYS) out.push(`${name} Networks.${n}.${k}=${show(at(nets[n], k))}`);
    }
  }
  return out;
}

/** Keys whose empty forms differ in JSON alone ({} vs null for "nothing here") read the same. */
function normaliseValue(key: string, v: Json): Json {
  if ((key === 'HostConfig.PortBindings' || key === 'NetworkSettings.Ports' || key === 'Config.ExposedPorts') && (v === null || (typeof v === 'object' && Object.keys(v as object).length === 0))) return {};
  if ((key === 'HostConfig.Links' || key === 'HostConfig.Dns' || key === 'HostConfig.DnsSearch' || key === 'HostConfig.DnsOptions') && (v === null || (Array.isArray(v) && v.length === 0))) return [];
  if (key === 'NetworkSettings.Ports' && v !== null && typeof v === 'object') {
    // 20.10 binds published ports on IPv6 too (moby/moby#41805, in 20.10.0): 19.03 lists only the
    // IPv4 binding, so the `::` entries are left out.
    const o: Record<string, Json> = {};
    for (const [p, b] of Object.entries(v as Record<string, Json>)) o[p] = Array.isArray(b) ? b.filter((x) => at(x, 'HostIp') !== '::') : b;
    return o;
  }
  return v;
}

const NETWORK_KEYS = ['Scope', 'Driver', 'EnableIPv6', 'IPAM.Driver', 'IPAM.Config', 'Internal', 'Attachable', 'Ingress', 'Options', 'Labels'];

/** One line per key for each network, sorted by name; Containers by name with address and MAC. */
export function networkLines(list: Json[]): string[] {
  const out: string[] = [];
  const sorted = [...list].sort((a, b) => String(at(a, 'Name')).localeCompare(String(at(b, 'Name'))));
  for (const n of sorted) {
    const name = String(at(n, 'Name'));
    for (const k of NETWORK_KEYS) out.push(`${name} ${k}=${show(at(n, k))}`);
    const eps = Object.values((at(n, 'Containers') ?? {}) as Record<string, Json>)
      .map((e) => `${name} Containers: ${String(at(e, 'Name'))} ${String(at(e, 'IPv4Address'))} ${String(at(e, 'MacAddress'))}`)
      .sort();
    out.push(...eps);
  }
  return out;
}
