// The size of the Raft log entries the store's changes make: an InternalRaftRequest holds one
// StoreAction per object written, each the whole object as protobuf (swarmkit api/raft.proto,
// api/objects.proto). The objects here are not protobuf, so their size is estimated:
//  - a ServiceSpec as protobuf is about half its JSON (field names become one-byte tags, numbers
//    varints; strings stay), plus ≈ 120 bytes of Meta (version, created/updated timestamps) and
//    the Endpoint (VIPs, ports): `docker service inspect` of a one-port service is ≈ 2.5 KB of
//    indented JSON, ≈ 0.9 KB as protobuf;
//  - a Task carries its own copy of the spec's TaskTemplate, the service's annotations, its status
//    (timestamps, message, container ID, exit code), and one NetworkAttachment per network, each
//    with the whole Network object (spec, driver state, IPAM: ≈ 350 bytes): ≈ 1–2 KB;
//  - a Node its description (hostname, platform, resources, the engine's plugin list ≈ 400 bytes),
//    status and its TLS info (the root CA and certificate issuer, ≈ 700 bytes): ≈ 1.5 KB;
//  - a Network (spec, driver and IPAM state): ≈ 400 bytes.
import { Service, SwarmNetwork, SwarmNode, Task } from './model.js';
import type { ServiceSpec } from './spec.js';

const SPEC_BYTES = new WeakMap<ServiceSpec, number>();

/** A ServiceSpec as protobuf, estimated from its JSON (cached: specs are not changed in place). */
export function specBytes(spec: ServiceSpec): number {
  let n = SPEC_BYTES.get(spec);
  if (n === undefined) {
    // No DNSConfig, or an empty one (every `service create` sends one), is at most a 2-byte empty
    // message, not its JSON.
    const json = JSON.stringify(spec, (k, v: unknown) => (k === 'dns' && isEmptyDns(v) ? undefined : v));
    SPEC_BYTES.set(spec, (n = Math.round(json.length * 0.5)));
  }
  return n;
}

function isEmptyDns(v: unknown): boolean {
  const d = v as ServiceSpec['dns'];
  return d === null || d === undefined || (d.nameservers.length === 0 && d.search.length === 0 && d.options.length === 0);
}

const NETWORK_ATTACHMENT = 350;

/** One object's StoreAction in a log entry. */
export function objectBytes(o: object): number {
  if (o instanceof Task) return 420 + specBytes(o.spec) + NETWORK_ATTACHMENT * o.addresses.size;
  if (o instanceof Service) return 120 + specBytes(o.spec) + 40 * (o.vips.size + o.ports.length);
  if (o instanceof SwarmNode) return 1500;
  if (o instanceof SwarmNetwork) return 400;
  return 100;
}

/** The entry of one commit: its objects' actions and the InternalRaftRequest around them (ID). */
export function entryBytes(objects: Iterable<object>): { bytes: number; what: string } {
  let bytes = 10;
  const counts = new Map<string, number>();
  for (const o of objects) {
    bytes += objectBytes(o) + 4;
    const kind = o instanceof Task ? 'task' : o instanceof Service ? 'service' : o instanceof SwarmNode ? 'node' : o instanceof SwarmNetwork ? 'network' : 'object';
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return { bytes, what: [...counts].map(([k, n]) => `${n} ${k}${n > 1 ? 's' : ''}`).join(', ') };
}
