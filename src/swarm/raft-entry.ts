// What a Raft log entry holds: an InternalRaftRequest with one StoreAction per object written in
// the transaction (swarmkit api/raft.proto StoreAction: kind, action create/update/delete, and
// the whole object). Here the object is a snapshot of its fields as plain data (structuredClone-
// and JSON-safe, never the live object: it crosses 2377 as the message's JSON and a follower's
// replica, swarm/replica.ts, keeps it). A spec is shared, not copied: specs are never changed in
// place (a new spec is a new object), so the snapshot holding it stays as it was.
//
// The objects here are not protobuf, so an action's size is estimated:
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
import type { Ip4 } from '../core/addr.js';
import { FileObject, Service, SwarmNetwork, SwarmNode, Task } from './model.js';
import type { Availability, FileObjectKind, NodeRole, NodeStatus, TaskState, UpdateStatus } from './model.js';
import type { PortConfig, ServiceSpec } from './spec.js';

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

export interface TaskSnapshot {
  readonly id: string;
  /** Meta.Version as the writer's store had it. */
  readonly version: number;
  readonly serviceId: string;
  readonly slot: number;
  readonly spec: ServiceSpec;
  readonly createdAt: number;
  readonly nodeId: string | null;
  readonly desiredState: TaskState;
  readonly state: TaskState;
  readonly message: string;
  readonly err: string;
  readonly stateSince: number;
  readonly addresses: ReadonlyArray<readonly [string, Ip4]>;
  readonly containerId: string | null;
  readonly exitCode: number | null;
}

export interface ServiceSnapshot {
  readonly id: string;
  readonly spec: ServiceSpec;
  readonly createdAt: number;
  readonly previousSpec: ServiceSpec | null;
  readonly version: number;
  readonly updatedAt: number;
  readonly vips: ReadonlyArray<readonly [string, Ip4]>;
  readonly ports: readonly PortConfig[];
  readonly updateStatus: UpdateStatus | null;
}

export interface NodeSnapshot {
  readonly id: string;
  /** Meta.Version as the writer's store had it. */
  readonly version: number;
  readonly hostname: string;
  readonly role: NodeRole;
  readonly availability: Availability;
  readonly status: NodeStatus;
  readonly labels: Readonly<Record<string, string>>;
  readonly addr: Ip4;
  readonly dataAddr: Ip4;
  readonly joinedAt: number;
  readonly cpus: number;
  readonly memory: number;
}

export interface NetworkSnapshot {
  readonly id: string;
  /** Meta.Version as the writer's store had it. */
  readonly version: number;
  readonly name: string;
  readonly subnet: { readonly addr: Ip4; readonly len: number };
  readonly gateway: Ip4;
  readonly vni: number;
  readonly ingress: boolean;
  readonly attachable: boolean;
  readonly encrypted: boolean;
  readonly internal: boolean;
  readonly labels: Readonly<Record<string, string>>;
  readonly options: Readonly<Record<string, string>>;
  readonly createdAt: number;
}

export interface FileObjectSnapshot {
  readonly kind: FileObjectKind;
  readonly id: string;
  readonly name: string;
  readonly data: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly createdAt: number;
  readonly version: number;
}

/** api.StoreAction: what one write did to one object, and the object as it was written. */
export type StoreAction =
  | { readonly kind: 'task'; readonly action: StoreActionKind; readonly id: string; readonly object: TaskSnapshot }
  | { readonly kind: 'service'; readonly action: StoreActionKind; readonly id: string; readonly object: ServiceSnapshot }
  | { readonly kind: 'node'; readonly action: StoreActionKind; readonly id: string; readonly object: NodeSnapshot }
  | { readonly kind: 'network'; readonly action: StoreActionKind; readonly id: string; readonly object: NetworkSnapshot }
  | { readonly kind: FileObjectKind; readonly action: StoreActionKind; readonly id: string; readonly object: FileObjectSnapshot };

export type StoreActionKind = 'create' | 'update' | 'delete';
export type StoreObjectKind = StoreAction['kind'];

export function snapshotTask(t: Task, version: number): TaskSnapshot {
  return {
    id: t.id, version, serviceId: t.serviceId, slot: t.slot, spec: t.spec, createdAt: t.createdAt,
    nodeId: t.nodeId, desiredState: t.desiredState, state: t.state, message: t.message, err: t.err, stateSince: t.stateSince,
    addresses: [...t.addresses], containerId: t.containerId, exitCode: t.exitCode,
  };
}

export function snapshotService(s: Service): ServiceSnapshot {
  return {
    id: s.id, spec: s.spec, createdAt: s.createdAt, previousSpec: s.previousSpec, version: s.version, updatedAt: s.updatedAt,
    vips: [...s.vips], ports: s.ports.map((p) => ({ ...p })), updateStatus: s.updateStatus === null ? null : { ...s.updateStatus },
  };
}

export function snapshotNode(n: SwarmNode, version: number): NodeSnapshot {
  return {
    id: n.id, version, hostname: n.hostname, role: n.role, availability: n.availability, status: n.status, labels: { ...n.labels },
    addr: n.addr, dataAddr: n.dataAddr, joinedAt: n.joinedAt, cpus: n.cpus, memory: n.memory,
  };
}

export function snapshotNetwork(n: SwarmNetwork, version: number): NetworkSnapshot {
  return {
    id: n.id, version, name: n.name, subnet: { addr: n.subnet.addr, len: n.subnet.len }, gateway: n.gateway, vni: n.vni, ingress: n.ingress,
    attachable: n.attachable, encrypted: n.encrypted, internal: n.internal, labels: { ...n.labels }, options: { ...n.options }, createdAt: n.createdAt,
  };
}

export function snapshotFileObject(o: FileObject): FileObjectSnapshot {
  return { kind: o.kind, id: o.id, name: o.name, data: o.data, labels: { ...o.labels }, createdAt: o.createdAt, version: o.version };
}

export type StoreObject = Task | Service | SwarmNode | SwarmNetwork | FileObject;

/** The StoreAction of one write of `o`, with the object as it is now and its Meta.Version
 *  (a service's and a secret's or config's are their own fields). */
export function storeAction(o: StoreObject, action: StoreActionKind, version: number): StoreAction {
  if (o instanceof Task) return { kind: 'task', action, id: o.id, object: snapshotTask(o, version) };
  if (o instanceof Service) return { kind: 'service', action, id: o.id, object: snapshotService(o) };
  if (o instanceof SwarmNode) return { kind: 'node', action, id: o.id, object: snapshotNode(o, version) };
  if (o instanceof SwarmNetwork) return { kind: 'network', action, id: o.id, object: snapshotNetwork(o, version) };
  return { kind: o.kind, action, id: o.id, object: snapshotFileObject(o) };
}

const taskBytes = (spec: ServiceSpec, networks: number): number => 420 + specBytes(spec) + NETWORK_ATTACHMENT * networks;
const serviceBytes = (spec: ServiceSpec, vips: number, ports: number): number => 120 + specBytes(spec) + 40 * (vips + ports);
const NODE_BYTES = 1500;
const NETWORK_BYTES = 400;
const OTHER_BYTES = 100;

/** One StoreAction's size in a log entry. */
export function actionBytes(a: StoreAction): number {
  switch (a.kind) {
    case 'task':
      return taskBytes(a.object.spec, a.object.addresses.length);
    case 'service':
      return serviceBytes(a.object.spec, a.object.vips.length, a.object.ports.length);
    case 'node':
      return NODE_BYTES;
    case 'network':
      return NETWORK_BYTES;
    default:
      return OTHER_BYTES;
  }
}

/** The size an object's StoreAction takes now (a control call's request or answer, an assignment). */
export function objectBytes(o: object): number {
  if (o instanceof Task) return taskBytes(o.spec, o.addresses.size);
  if (o instanceof Service) return serviceBytes(o.spec, o.vips.size, o.ports.length);
  if (o instanceof SwarmNode) return NODE_BYTES;
  if (o instanceof SwarmNetwork) return NETWORK_BYTES;
  return OTHER_BYTES;
}

const NAMES: Readonly<Record<StoreObjectKind, string>> = { task: 'task', service: 'service', node: 'node', network: 'network', secret: 'object', config: 'object' };

/** The entry of one commit: its actions inside the InternalRaftRequest (its ID), and a label. */
export function entryOf(actions: readonly StoreAction[]): { bytes: number; what: string; actions: readonly StoreAction[] } {
  let bytes = 10;
  const counts = new Map<string, number>();
  for (const a of actions) {
    bytes += actionBytes(a) + 4;
    const kind = NAMES[a.kind];
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return { bytes, what: [...counts].map(([k, n]) => `${n} ${k}${n > 1 ? 's' : ''}`).join(', '), actions };
}
