// docker service create | ls | ps | inspect | scale | rm | update | rollback, with the docker
// CLI's progress display (`overall progress: …`, `verify: Service converged`).
import { formatCidr, formatIp4 } from '../../core/addr.js';
import type { Daemon } from '../../docker/daemon.js';
import { parseImageRef } from '../../docker/images.js';
import { checkPortNumber, checkPortSpec, dnsFlagError } from './validate.js';
import { rfc3339Nano } from '../../sim/clock.js';
import { SwarmError } from '../../swarm/cluster.js';
import type { SwarmCluster } from '../../swarm/cluster.js';
import { parseConstraint } from '../../swarm/constraints.js';
import type { Service, Task } from '../../swarm/model.js';
import { DEFAULT_RESTART, defaultSpec, parseBytes, parseGoDuration, replicasLimit } from '../../swarm/spec.js';
import type { DnsConfig, FileRef, Mount, PortConfig, ServiceSpec, UpdateConfig } from '../../swarm/spec.js';
import type { Command } from 'commander';
import type { Ctx } from '../program.js';
import { eprintln, println } from '../program.js';
import { serviceProgress } from './progress.js';
import { formatRows, goJson, goTemplate, humanDuration, SERVICE_CONTEXT, TASK_CONTEXT } from '../table.js';
import { SERVICE } from './gotypes.js';
import { collect, labelsOf, parseFlags, subcommand } from './common.js';
import { daemonError, managerCluster } from './swarmcmd.js';
import { controlCall, whenCommitted } from './raftwait.js';
import { objectBytes, specBytes } from '../../swarm/raft-entry.js';

type Exit = (code: number) => void;

/** The flags `service create` and `service update` share. */
function serviceFlags(cmd: Command, update: boolean): Command {
  const c = cmd
    .option('--replicas <n>')
    .option('--mode <mode>')
    .option('--endpoint-mode <mode>')
    .option('--hostname <name>')
    .option('--restart-condition <c>')
    .option('--restart-delay <d>')
    .option('--restart-max-attempts <n>')
    .option('--restart-window <d>')
    .option('--reserve-cpu <n>')
    .option('--reserve-memory <b>')
    .option('--limit-cpu <n>')
    .option('--limit-memory <b>')
    .option('--update-parallelism <n>')
    .option('--update-delay <d>')
    .option('--update-failure-action <a>')
    .option('--update-monitor <d>')
    .option('--update-max-failure-ratio <r>')
    .option('--update-order <o>')
    .option('--rollback-parallelism <n>')
    .option('--rollback-delay <d>')
    .option('--rollback-failure-action <a>')
    .option('--rollback-monitor <d>')
    .option('--rollback-max-failure-ratio <r>')
    .option('--rollback-order <o>')
    .option('--max-replicas <n>')
    .option('-d, --detach')
    .option('-q, --quiet')
    .option('--with-registry-auth')
    .option('--no-resolve-image');
  if (!update) {
    return c
      .option('--name <name>')
      .option('-p, --publish <spec>', '', collect, [])
      .option('--network <net>', '', collect, [])
      .option('--constraint <c>', '', collect, [])
      .option('--placement-pref <p>', '', collect, [])
      .option('-e, --env <kv>', '', collect, [])
      .option('-l, --label <kv>', '', collect, [])
      .option('--container-label <kv>', '', collect, [])
      .option('--mount <m>', '', collect, [])
      .option('--secret <s>', '', collect, [])
      .option('--dns <ip>', '', collect, [])
      .option('--dns-search <domain>', '', collect, [])
      .option('--dns-option <option>', '', collect, []);
  }
  return c
    .option('--image <image>')
    .option('--args <args>')
    .option('--force')
    .option('--rollback')
    .option('--publish-add <spec>', '', collect, [])
    .option('--publish-rm <spec>', '', collect, [])
    .option('--network-add <net>', '', collect, [])
    .option('--network-rm <net>', '', collect, [])
    .option('--constraint-add <c>', '', collect, [])
    .option('--constraint-rm <c>', '', collect, [])
    .option('--env-add <kv>', '', collect, [])
    .option('--env-rm <k>', '', collect, [])
    .option('--secret-add <s>', '', collect, [])
    .option('--secret-rm <s>', '', collect, [])
    .option('--label-add <kv>', '', collect, [])
    .option('--label-rm <k>', '', collect, [])
    .option('--dns-add <ip>', '', collect, [])
    .option('--dns-rm <ip>', '', collect, [])
    .option('--dns-search-add <domain>', '', collect, [])
    .option('--dns-search-rm <domain>', '', collect, [])
    .option('--dns-option-add <option>', '', collect, [])
    .option('--dns-option-rm <option>', '', collect, []);
}

class FlagError extends Error {}

function duration(flag: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const d = parseGoDuration(v);
  if (d === null) throw new FlagError(`invalid argument "${v}" for "--${flag}" flag: time: invalid duration ${v}`);
  return d;
}

function integer(flag: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v)) throw new FlagError(`invalid argument "${v}" for "--${flag}" flag: strconv.ParseUint: parsing "${v}": invalid syntax`);
  if (BigInt(v) > 0xffffffffffffffffn) throw new FlagError(`invalid argument "${v}" for "--${flag}" flag: strconv.ParseUint: parsing "${v}": value out of range`);
  return Number(v);
}

/** `-p 8080:80[/udp]` or `--publish published=8080,target=80,mode=host,protocol=udp`. */
export function parsePort(text: string): PortConfig {
  if (text.includes('=')) {
    const kv = labelsOf(text.split(','));
    for (const k of ['published', 'target']) {
      const bad = kv[k] === undefined ? null : checkPortNumber(kv[k]!);
      if (bad !== null) throw new FlagError(`invalid argument "${text}" for "-p, --publish" flag: ${bad}`);
    }
    const target = Number(kv['target']);
    if (!Number.isInteger(target) || target <= 0) throw new FlagError(`invalid argument "${text}" for "-p, --publish" flag: missing mandatory field "target"`);
    return {
      published: kv['published'] === undefined ? null : Number(kv['published']), target,
      protocol: (kv['protocol'] ?? 'tcp') as 'tcp' | 'udp', mode: (kv['mode'] ?? 'ingress') as 'ingress' | 'host',
    };
  }
  const bad = checkPortSpec(text);
  if (bad !== null) throw new FlagError(`invalid argument "${text}" for "-p, --publish" flag: ${bad}`);
  const m = /^(?:(\d+):)?(\d+)(?:\/(tcp|udp))?$/.exec(text);
  if (m === null) throw new FlagError(`invalid argument "${text}" for "-p, --publish" flag: invalid port format`);
  return { published: m[1] === undefined ? null : Number(m[1]), target: Number(m[2]), protocol: (m[3] ?? 'tcp') as 'tcp' | 'udp', mode: 'ingress' };
}

/**
 * docker/cli service/update.go updateDNSConfig, run when any --dns-*-add/-rm flag is given: each
 * list is the current one plus the added values, duplicates dropped, minus the removed ones, then
 * sorted "so that result is predictable". The added values are validated as `--dns` and
 * `--dns-search` are (the same ListOpts), under their own flag names.
 */
function updateDns(cur: DnsConfig | null, o: { dnsAdd?: string[]; dnsRm?: string[]; dnsSearchAdd?: string[]; dnsSearchRm?: string[]; dnsOptionAdd?: string[]; dnsOptionRm?: string[] }): DnsConfig | null {
  const add = { ns: o.dnsAdd ?? [], search: o.dnsSearchAdd ?? [], opt: o.dnsOptionAdd ?? [] };
  const rm = { ns: o.dnsRm ?? [], search: o.dnsSearchRm ?? [], opt: o.dnsOptionRm ?? [] };
  if ([...Object.values(add), ...Object.values(rm)].every((l) => l.length === 0)) return cur;
  const bad = dnsFlagError(add.ns, add.search, '--dns-add', '--dns-search-add');
  if (bad !== null) throw new FlagError(bad);
  const merge = (have: readonly string[], plus: string[], minus: string[]): string[] =>
    [...new Set([...have, ...plus.map((x) => x.trim())])].filter((x) => !minus.includes(x)).sort();
  const base = cur ?? { nameservers: [], search: [], options: [] };
  return { nameservers: merge(base.nameservers, add.ns, rm.ns), search: merge(base.search, add.search, rm.search), options: merge(base.options, add.opt, rm.opt) };
}

function parseSecret(text: string): { source: string; target: string } {
  if (!text.includes('=')) return { source: text, target: text };
  const kv = labelsOf(text.split(','));
  const source = kv['source'] ?? kv['src'] ?? '';
  return { source, target: kv['target'] ?? source };
}

function updateConfig(o: Record<string, string | undefined>, prefix: 'update' | 'rollback', base: UpdateConfig): UpdateConfig {
  const get = (k: string): string | undefined => o[`${prefix}${k}`];
  const action = get('FailureAction');
  if (action !== undefined && !['pause', 'continue', 'rollback'].includes(action)) throw new FlagError(`invalid argument "${action}" for "--${prefix}-failure-action" flag: value must be one of pause, continue, rollback`);
  const order = get('Order');
  if (order !== undefined && order !== 'stop-first' && order !== 'start-first') throw new FlagError(`invalid argument "${order}" for "--${prefix}-order" flag: value must be one of stop-first, start-first`);
  return {
    parallelism: integer(`${prefix}-parallelism`, get('Parallelism'), base.parallelism),
    delay: duration(`${prefix}-delay`, get('Delay'), base.delay),
    failureAction: (action ?? base.failureAction) as UpdateConfig['failureAction'],
    monitor: duration(`${prefix}-monitor`, get('Monitor'), base.monitor),
    maxFailureRatio: get('MaxFailureRatio') === undefined ? base.maxFailureRatio : Number(get('MaxFailureRatio')),
    order: (order ?? base.order) as UpdateConfig['order'],
  };
}

/** Applies the shared flags to a spec (create starts from the defaults, update from the current spec). */
function applyFlags(spec: ServiceSpec, o: Record<string, string | undefined>): ServiceSpec {
  let mode = spec.mode;
  if (o['mode'] !== undefined) {
    if (o['mode'] !== 'replicated' && o['mode'] !== 'global') throw new FlagError(`invalid argument "${o['mode']}" for "--mode" flag: invalid mode ${o['mode']}`);
    mode = o['mode'] === 'global' ? { kind: 'global' } : { kind: 'replicated', replicas: 1 };
  }
  if (o['replicas'] !== undefined) {
    if (mode.kind === 'global') throw new FlagError('replicas can only be used with replicated mode');
    mode = { kind: 'replicated', replicas: integer('replicas', o['replicas'], 1) };
    const tooMany = replicasLimit(mode.replicas);
    if (tooMany !== null) throw new FlagError(tooMany);
  }
  const cpu = (v: string | undefined, dflt: number): number => (v === undefined ? dflt : Math.round(Number(v) * 1e9));
  const mem = (flag: string, v: string | undefined, dflt: number): number => {
    if (v === undefined) return dflt;
    const b = parseBytes(v);
    if (b === null) throw new FlagError(`invalid argument "${v}" for "--${flag}" flag: invalid size: '${v}'`);
    return b;
  };
  const cond = o['restartCondition'];
  if (cond !== undefined && !['none', 'on-failure', 'any'].includes(cond)) throw new FlagError(`invalid argument "${cond}" for "--restart-condition" flag: invalid RestartCondition: "${cond}"`);
  const endpointMode = o['endpointMode'] ?? spec.endpointMode;
  if (endpointMode !== 'vip' && endpointMode !== 'dnsrr') throw new FlagError(`invalid argument "${endpointMode}" for "--endpoint-mode" flag: invalid endpoint mode`);
  return {
    ...spec,
    mode,
    hostname: o['hostname'] ?? spec.hostname,
    endpointMode,
    maxReplicasPerNode: integer('max-replicas', o['maxReplicas'], spec.maxReplicasPerNode),
    resources: {
      reserveCpu: cpu(o['reserveCpu'], spec.resources.reserveCpu),
      reserveMemory: mem('reserve-memory', o['reserveMemory'], spec.resources.reserveMemory),
      limitCpu: cpu(o['limitCpu'], spec.resources.limitCpu),
      limitMemory: mem('limit-memory', o['limitMemory'], spec.resources.limitMemory),
    },
    restart: {
      condition: (cond ?? spec.restart.condition) as ServiceSpec['restart']['condition'],
      delay: duration('restart-delay', o['restartDelay'], spec.restart.delay),
      maxAttempts: integer('restart-max-attempts', o['restartMaxAttempts'], spec.restart.maxAttempts),
      window: duration('restart-window', o['restartWindow'], spec.restart.window),
    },
    update: updateConfig(o, 'update', spec.update),
    rollback: updateConfig(o, 'rollback', spec.rollback),
  };
}

/** Checks a spec as the managers do (controlapi validation) before it is stored. */
export function validateSpec(cluster: SwarmCluster, spec: ServiceSpec): void {
  if (!/^[a-zA-Z0-9](?:[a-zA-Z0-9-_.]*[a-zA-Z0-9])?$/.test(spec.name) || spec.name.length > 63) {
    throw new SwarmError(`rpc error: code = InvalidArgument desc = name must be valid as a DNS name component`);
  }
  for (const c of spec.constraints) {
    const r = parseConstraint(c);
    if (typeof r === 'string') throw new SwarmError(`rpc error: code = InvalidArgument desc = ${r}`);
  }
  if (spec.endpointMode === 'dnsrr' && spec.ports.some((p) => p.mode === 'ingress')) {
    throw new SwarmError("rpc error: code = InvalidArgument desc = EndpointSpec: port published with ingress mode can't be used with dnsrr mode");
  }
  for (const n of spec.networks) {
    const net = cluster.findNetwork(n.target);
    if (net === null) throw new SwarmError(`network ${n.target} not found`);
    if (net.ingress) throw new SwarmError(`rpc error: code = InvalidArgument desc = Service cannot be explicitly attached to the ingress network "${net.name}"`);
  }
  for (const s of spec.secrets) {
    if (![...cluster.secrets.values()].some((x) => x.name === s.source)) throw new SwarmError(`secret not found: ${s.source}`);
  }
}

/**
 * MODE and REPLICAS as docker/cli 19.03 service/list.go GetServicesStatus counts them: running
 * tasks on nodes not Down (whatever their desired state), over the replicas asked for (with
 * "(max N per node)"), or for a global service over its tasks not desired shut down.
 */
function listInfo(cluster: SwarmCluster, svc: Service): { mode: string; replicas: string } {
  let run = 0;
  let notShutdown = 0;
  for (const t of cluster.tasksOf(svc)) {
    if (t.desiredState !== 'shutdown') notShutdown++;
    const n = t.nodeId === null ? undefined : cluster.nodes.get(t.nodeId);
    if (n !== undefined && n.status !== 'down' && t.state === 'running') run++;
  }
  const m = svc.spec.mode;
  if (m.kind === 'global') return { mode: 'global', replicas: `${run}/${notShutdown}` };
  const max = svc.spec.maxReplicasPerNode;
  return { mode: 'replicated', replicas: `${run}/${m.replicas}${max > 0 ? ` (max ${max} per node)` : ''}` };
}

/** sortorder.NaturalLess (docker/cli sorts `service ls` with it): runs of digits compare as
 *  numbers, everything else byte by byte. */
function naturalLess(a: string, b: string): boolean {
  const chunks = (x: string): string[] => x.match(/\d+|\D+/g) ?? [];
  const ca = chunks(a);
  const cb = chunks(b);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const x = ca[i]!;
    const y = cb[i]!;
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const nx = x.replace(/^0+/, '');
      const ny = y.replace(/^0+/, '');
      if (nx.length !== ny.length) return nx.length < ny.length;
      if (nx !== ny) return nx < ny;
      return x.length < y.length;
    }
    return x < y;
  }
  return ca.length < cb.length;
}

/** `service ls -f`: the filters daemon/cluster/services.go GetServices accepts — name and id by
 *  prefix, label (key or key=value), mode exactly, runtime (every service here is a container);
 *  one key's values are alternatives. */
function serviceFilter(filters: string[]): ((svc: Service) => boolean) | { bad: string } {
  const byKey = new Map<string, string[]>();
  for (const f of filters) {
    const i = f.indexOf('=');
    const k = (i < 0 ? f : f.slice(0, i)).toLowerCase();
    (byKey.get(k) ?? byKey.set(k, []).get(k)!).push(i < 0 ? '' : f.slice(i + 1));
  }
  const bad = [...byKey.keys()].find((k) => !['name', 'id', 'label', 'mode', 'runtime'].includes(k));
  if (bad !== undefined) return { bad };
  const one = (k: string, v: string, svc: Service): boolean => {
    if (k === 'name') return svc.spec.name.startsWith(v);
    if (k === 'id') return svc.id.startsWith(v);
    if (k === 'mode') return svc.spec.mode.kind === v;
    if (k === 'runtime') return v === 'container';
    const j = v.indexOf('=');
    return j < 0 ? v in svc.spec.labels : svc.spec.labels[v.slice(0, j)] === v.slice(j + 1);
  };
  // Labels must all match (ConvertKVStringsToMap then every label); the others are alternatives.
  return (svc) => [...byKey].every(([k, vs]) => (k === 'label' ? vs.every((v) => one(k, v, svc)) : vs.some((v) => one(k, v, svc))));
}

/** Prints the attached progress, then exits 0, or 1 with the CLI's error. */
export function waitConverged(ctx: Ctx, cluster: SwarmCluster, svc: Service, done: (code: number) => void): void {
  serviceProgress(ctx, cluster, svc, (err) => {
    if (err !== null) eprintln(ctx, err);
    done(err === null ? 0 : 1);
  });
}

function imageText(image: string): string {
  const r = parseImageRef(image);
  return `${r.repo}:${r.tag}`;
}

/**
 * The daemon pins a service's image to the digest its registry serves (QueryRegistry, 19.03
 * daemon/cluster/services.go imageWithDigestString: `name:tag@sha256:…`, the tag defaulting to
 * latest), so that every node runs the same image; an image no registry has keeps its name,
 * with the CLI's warning.
 */
function pinImage(ctx: Ctx, d: Daemon, image: string, resolve: boolean): string {
  const r = parseImageRef(image);
  if (!resolve || r.digest !== null && r.digest !== undefined) return image;
  if (d.registry.find(r) === null) {
    eprintln(ctx, `image ${image} could not be accessed on a registry to record\nits digest. Each node will access ${image} independently,\npossibly leading to different nodes running different\nversions of the image.\n`);
    return image;
  }
  return `${r.repo}:${r.tag}@${d.registry.identity(`${r.repo}:${r.tag}`).digest}`;
}

/**
 * PORTS as docker/cli 19.03 service/formatter.go Ports writes them: the ingress ports sorted by
 * protocol then published port, consecutive ones grouped (`*:80-81->80-81/tcp`, `*:80-81->80/tcp`),
 * a new group when the protocol changes, a port is not next to the group's, or a group that is a
 * range would take a target port it already covers (the Go code compares uint32s, so a smaller
 * port also starts a new group).
 */
function portsText(svc: Service): string {
  const sorted = [...svc.ports].sort((a, b) => (a.protocol === b.protocol ? (a.published ?? 0) - (b.published ?? 0) : a.protocol < b.protocol ? -1 : 1));
  const out: string[] = [];
  let pr: { pStart: number; pEnd: number; tStart: number; tEnd: number; protocol: string } | null = null;
  const text = (r: NonNullable<typeof pr>): string =>
    `*:${r.pEnd > r.pStart ? `${r.pStart}-${r.pEnd}` : r.pStart}->${r.tEnd > r.tStart ? `${r.tStart}-${r.tEnd}` : r.tStart}/${r.protocol}`;
  for (const p of sorted) {
    if (p.mode !== 'ingress') continue;
    const pub = p.published ?? 0;
    const apart = (x: number, end: number): boolean => x < end || x - end > 1;
    if (pr === null || p.protocol !== pr.protocol || apart(pub, pr.pEnd) || apart(p.target, pr.tEnd) || (pr.tEnd !== pr.tStart && p.target <= pr.tEnd)) {
      if (pr !== null) out.push(text(pr));
      pr = { pStart: pub, pEnd: pub, tStart: p.target, tEnd: p.target, protocol: p.protocol };
      continue;
    }
    pr.pEnd = pub;
    pr.tEnd = p.target;
  }
  if (pr !== null) out.push(text(pr));
  return out.join(', ');
}

function stateText(t: Task, now: number): string {
  const names: Record<string, string> = { new: 'New', pending: 'Pending', assigned: 'Assigned', accepted: 'Accepted', preparing: 'Preparing', starting: 'Starting', running: 'Running', complete: 'Complete', shutdown: 'Shutdown', failed: 'Failed', rejected: 'Rejected', remove: 'Remove', orphaned: 'Orphaned' };
  return `${names[t.state]} ${humanDuration(now - t.stateSince).toLowerCase()} ago`;
}

function desiredText(t: Task): string {
  return t.desiredState === 'running' ? 'Running' : t.desiredState === 'ready' ? 'Ready' : t.desiredState === 'remove' ? 'Remove' : 'Shutdown';
}

/** The Go field names of `service ls` columns (service/formatter.go serviceContext), for --format. */
const SERVICE_LS_FIELDS = ['ID', 'Name', 'Mode', 'Replicas', 'Image', 'Ports'];

/** The Go field names of `service ps` / `stack ps` columns, for --format. */
export const PS_FIELDS = ['ID', 'Name', 'Image', 'Node', 'DesiredState', 'CurrentState', 'Error', 'Ports'];

/** `-f desired-state=running|shutdown|accepted`, `node=`, `id=`, `name=` as the daemon filters tasks;
 *  null (after printing the daemon's refusal) for an unknown filter. */
export function taskFilter(ctx: Ctx, cluster: SwarmCluster, filters: string[]): ((t: Task) => boolean) | null {
  const pairs = filters.map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)] as const);
  const bad = pairs.find(([k]) => !['desired-state', 'node', 'id', 'name'].includes(k));
  if (bad !== undefined) {
    eprintln(ctx, `Error response from daemon: Invalid filter '${bad[0]}'`);
    return null;
  }
  return (t) => pairs.every(([k, v]) => {
    if (k === 'desired-state') return v === 'accepted' ? t.desiredState === 'ready' || t.desiredState === 'running' : t.desiredState === v;
    if (k === 'node') {
      const n = t.nodeId === null ? undefined : cluster.nodes.get(t.nodeId);
      return n !== undefined && (n.hostname === v || n.id.startsWith(v));
    }
    if (k === 'id') return t.id.startsWith(v);
    // name: the task's name (`web.1`, or `agent.<node id>` for a global service), by prefix.
    const svc = cluster.services.get(t.serviceId);
    return svc !== undefined && `${svc.spec.name}.${svc.spec.mode.kind === 'replicated' ? t.slot : t.nodeId}`.startsWith(v);
  });
}

export function psRows(cluster: SwarmCluster, services: Service[], noTrunc = false, keep: (t: Task) => boolean = () => true): string[][] {
  const rows: string[][] = [['ID', 'NAME', 'IMAGE', 'NODE', 'DESIRED STATE', 'CURRENT STATE', 'ERROR', 'PORTS']];
  for (const svc of services) {
    const tasks = cluster.tasksOf(svc).filter(keep);
    const keyOf = (t: Task): string => (svc.spec.mode.kind === 'replicated' ? String(t.slot).padStart(6, '0') : t.nodeId ?? '');
    const groups = new Map<string, Task[]>();
    for (const t of tasks) (groups.get(keyOf(t)) ?? groups.set(keyOf(t), []).get(keyOf(t))!).push(t);
    for (const key of [...groups.keys()].sort()) {
      const ts = groups.get(key)!.sort((a, b) => (a.desiredState === 'running' ? 0 : 1) - (b.desiredState === 'running' ? 0 : 1) || b.createdAt - a.createdAt);
      ts.forEach((t, i) => {
        const name = `${svc.spec.name}.${svc.spec.mode.kind === 'replicated' ? t.slot : t.nodeId}`;
        const node = t.nodeId === null ? '' : cluster.nodes.get(t.nodeId)?.hostname ?? '';
        const ports = t.spec.ports.filter((p) => p.mode === 'host').map((p) => `*:${p.published ?? p.target}->${p.target}/${p.protocol}`).join(',');
        // The CLI cuts errors to 30 characters unless --no-trunc (task/formatter.go).
        const err = noTrunc || [...t.err].length <= 30 ? t.err : [...t.err].slice(0, 29).join('') + '…';
        rows.push([t.id.slice(0, 12), i === 0 ? name : ` \\_ ${name}`, imageText(t.spec.image), node, desiredText(t), stateText(t, cluster.now), t.err === '' ? '' : `"${err}"`, ports]);
      });
    }
  }
  return rows;
}

/** A secret's or config's File target, with Docker's defaults (root, 0444). */
function fileTarget(x: FileRef): object {
  return { Name: x.target, UID: x.uid ?? '0', GID: x.gid ?? '0', Mode: x.mode ?? 0o444 };
}

/** mount.Mount as the API prints it: Source, ReadOnly and VolumeOptions only when set. */
function mountJson(m: Mount): object {
  const vo = m.volumeOptions;
  return {
    Type: m.type, ...(m.source !== '' ? { Source: m.source } : {}), Target: m.target, ...(m.readOnly ? { ReadOnly: true } : {}),
    ...(vo !== undefined ? { VolumeOptions: { ...(vo.labels !== null ? { Labels: vo.labels } : {}), ...(vo.driver !== null || vo.driverOptions !== null ? { DriverConfig: { ...(vo.driver !== null ? { Name: vo.driver } : {}), ...(vo.driverOptions !== null ? { Options: vo.driverOptions } : {}) } } : {}) } } : {}),
  };
}

function serviceJson(cluster: SwarmCluster, svc: Service): object {
  const spec = (s: ServiceSpec): object => ({
    Name: s.name,
    Labels: s.labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: s.image,
        ...(s.args.length > 0 ? { Args: s.args } : {}),
        ...(s.env.length > 0 ? { Env: s.env } : {}),
        ...(s.hostname !== null ? { Hostname: s.hostname } : {}),
        Init: false,
        ...(s.mounts.length > 0 ? { Mounts: s.mounts.map(mountJson) } : {}),
        ...(s.secrets.length > 0 ? { Secrets: s.secrets.map((x) => ({ File: fileTarget(x), SecretID: [...cluster.secrets.values()].find((y) => y.name === x.source)?.id ?? '', SecretName: x.source })) } : {}),
        ...(s.configs.length > 0 ? { Configs: s.configs.map((x) => ({ File: fileTarget(x), ConfigID: [...cluster.configs.values()].find((y) => y.name === x.source)?.id ?? '', ConfigName: x.source })) } : {}),
        StopGracePeriod: 10000000000,
        ...(s.dns !== null ? { DNSConfig: { ...(s.dns.nameservers.length > 0 ? { Nameservers: s.dns.nameservers } : {}), ...(s.dns.search.length > 0 ? { Search: s.dns.search } : {}), ...(s.dns.options.length > 0 ? { Options: s.dns.options } : {}) } } : {}),
        Isolation: 'default',
      },
      Resources: { Limits: s.resources.limitCpu || s.resources.limitMemory ? { NanoCPUs: s.resources.limitCpu, MemoryBytes: s.resources.limitMemory } : {}, Reservations: s.resources.reserveCpu || s.resources.reserveMemory ? { NanoCPUs: s.resources.reserveCpu, MemoryBytes: s.resources.reserveMemory } : {} },
      RestartPolicy: { Condition: s.restart.condition, Delay: s.restart.delay, MaxAttempts: s.restart.maxAttempts },
      Placement: { ...(s.constraints.length > 0 ? { Constraints: s.constraints } : {}), ...(s.preferences.length > 0 ? { Preferences: s.preferences.map((p) => ({ Spread: { SpreadDescriptor: p.replace(/^spread=/, '') } })) } : {}), Platforms: [{ Architecture: 'amd64', OS: 'linux' }] },
      ...(s.networks.length > 0 ? { Networks: s.networks.map((n) => ({ Target: cluster.findNetwork(n.target)?.id ?? n.target, ...(n.aliases.length > 0 ? { Aliases: n.aliases } : {}) })) } : {}),
      ForceUpdate: s.forceUpdate,
      Runtime: 'container',
    },
    Mode: s.mode.kind === 'replicated' ? { Replicated: { Replicas: s.mode.replicas } } : { Global: {} },
    UpdateConfig: { Parallelism: s.update.parallelism, ...(s.update.delay > 0 ? { Delay: s.update.delay } : {}), FailureAction: s.update.failureAction, Monitor: s.update.monitor, MaxFailureRatio: s.update.maxFailureRatio, Order: s.update.order },
    RollbackConfig: { Parallelism: s.rollback.parallelism, FailureAction: s.rollback.failureAction, Monitor: s.rollback.monitor, MaxFailureRatio: s.rollback.maxFailureRatio, Order: s.rollback.order },
    EndpointSpec: { Mode: s.endpointMode, ...(s.ports.length > 0 ? { Ports: s.ports.map((p) => ({ Protocol: p.protocol, TargetPort: p.target, ...(p.published !== null ? { PublishedPort: p.published } : {}), PublishMode: p.mode })) } : {}) },
  });
  const ports = svc.ports.map((p) => ({ Protocol: p.protocol, TargetPort: p.target, PublishedPort: p.published, PublishMode: p.mode }));
  return {
    ID: svc.id,
    Version: { Index: svc.version },
    CreatedAt: rfc3339Nano(svc.createdAt),
    UpdatedAt: rfc3339Nano(svc.updatedAt),
    Spec: spec(svc.spec),
    ...(svc.previousSpec !== null ? { PreviousSpec: spec(svc.previousSpec) } : {}),
    Endpoint: {
      Spec: { Mode: svc.spec.endpointMode, ...(ports.length > 0 ? { Ports: svc.spec.ports.map((p) => ({ Protocol: p.protocol, TargetPort: p.target, ...(p.published !== null ? { PublishedPort: p.published } : {}), PublishMode: p.mode })) } : {}) },
      ...(ports.length > 0 ? { Ports: ports } : {}),
      ...(svc.vips.size > 0 ? { VirtualIPs: [...svc.vips].map(([netId, ip]) => ({ NetworkID: netId, Addr: formatCidr(ip, cluster.networks.get(netId)!.subnet.len) })) } : {}),
    },
    ...(svc.updateStatus !== null ? { UpdateStatus: { State: svc.updateStatus.state, StartedAt: rfc3339Nano(svc.updateStatus.startedAt), ...(svc.updateStatus.completedAt !== null ? { CompletedAt: rfc3339Nano(svc.updateStatus.completedAt) } : {}), Message: svc.updateStatus.message } } : {}),
  };
}

function servicePretty(cluster: SwarmCluster, svc: Service): string {
  const s = svc.spec;
  const lines = ['', `ID:\t\t${svc.id}`, `Name:\t\t${s.name}`];
  if (Object.keys(s.labels).length > 0) {
    lines.push('Labels:');
    for (const [k, v] of Object.entries(s.labels)) lines.push(` ${k}=${v}`);
  }
  lines.push(`Service Mode:\t${s.mode.kind === 'replicated' ? 'Replicated' : 'Global'}`);
  if (s.mode.kind === 'replicated') lines.push(` Replicas:\t${s.mode.replicas}`);
  // docker/cli 19.03 serviceInspectPrettyTemplate: the UpdateStatus block, Completed only once
  // the state is "completed" (UpdateIsCompleted).
  const us = svc.updateStatus;
  if (us !== null) {
    lines.push('UpdateStatus:', ` State:\t\t${us.state}`, ` Started:\t${humanDuration(cluster.now - us.startedAt)} ago`);
    if (us.state === 'completed' && us.completedAt !== null) lines.push(` Completed:\t${humanDuration(cluster.now - us.completedAt)} ago`);
    lines.push(` Message:\t${us.message}`);
  }
  if (s.constraints.length > 0) lines.push('Placement:', ` Constraints:\t[${s.constraints.join(' ')}]`);
  else lines.push('Placement:');
  lines.push('UpdateConfig:', ` Parallelism:\t${s.update.parallelism}`);
  if (s.update.delay > 0) lines.push(` Delay:\t\t${humanGo(s.update.delay)}`);
  lines.push(` On failure:\t${s.update.failureAction}`, ` Monitoring Period: ${humanGo(s.update.monitor)}`, ` Max failure ratio: ${s.update.maxFailureRatio}`, ` Update order:      ${s.update.order}`);
  lines.push('RollbackConfig:', ` Parallelism:\t${s.rollback.parallelism}`, ` On failure:\t${s.rollback.failureAction}`, ` Monitoring Period: ${humanGo(s.rollback.monitor)}`, ` Max failure ratio: ${s.rollback.maxFailureRatio}`, ` Rollback order:    ${s.rollback.order}`);
  lines.push('ContainerSpec:', ` Image:\t\t${s.image}`);
  if (s.args.length > 0) lines.push(` Args:\t\t${s.args.join(' ')} `);
  if (s.env.length > 0) lines.push(` Env:\t\t${s.env.join(' ')}`);
  if (s.mounts.length > 0) lines.push('Mounts:', ...s.mounts.map((m) => ` Target:\t${m.target}\n  Source:\t${m.source}\n  ReadOnly:\t${m.readOnly === true}\n  Type:\t\t${m.type}`));
  if (s.configs.length > 0) lines.push('Configs:', ...s.configs.map((x) => ` Target:\t${x.target}\n  Source:\t${x.source}`));
  if (s.secrets.length > 0) lines.push('Secrets:', ...s.secrets.map((x) => ` Target:\t${x.target}\n  Source:\t${x.source}`));
  lines.push('Resources:');
  if (s.networks.length > 0) lines.push(`Networks:\t${s.networks.map((n) => n.target).join(' ')}`);
  lines.push(`Endpoint Mode:\t${s.endpointMode}`);
  if (svc.ports.length > 0) {
    lines.push('Ports:');
    for (const p of svc.ports) lines.push(` PublishedPort = ${p.published}`, `  Protocol = ${p.protocol}`, `  TargetPort = ${p.target}`, `  PublishMode = ${p.mode}`);
  }
  return lines.join('\n') + ' \n';
}

function humanGo(ns: number): string {
  if (ns % 60e9 === 0 && ns > 0) return `${ns / 60e9}m0s`;
  return `${ns / 1e9}s`;
}

export function dockerService(ctx: Ctx, d: Daemon, args: string[], exit: Exit): void {
  const [verb, ...rest] = args;
  const cluster = managerCluster(ctx, d, exit);
  if (cluster === null) return;
  const find = (ref: string): Service | null => cluster.findService(ref);
  try {
    switch (verb) {
      case 'create': {
        const cmd = serviceFlags(subcommand('create', true), false).argument('[image]').argument('[args...]');
        if (!parseFlags(ctx, cmd, rest, 'service create', exit)) return;
        const o = cmd.opts<Record<string, string | undefined> & { publish: string[]; network: string[]; constraint: string[]; placementPref: string[]; env: string[]; label: string[]; containerLabel: string[]; mount: string[]; secret: string[]; dns: string[]; dnsSearch: string[]; dnsOption: string[]; detach?: boolean; name?: string }>();
        const [image, ...cargs] = cmd.args;
        const badDns = dnsFlagError(o.dns, o.dnsSearch);
        if (badDns !== null) throw new FlagError(badDns);
        if (image === undefined) {
          eprintln(ctx, '"docker service create" requires at least 1 argument.');
          eprintln(ctx, "See 'docker service create --help'.");
          return exit(1);
        }
        const base = defaultSpec(o.name ?? '', pinImage(ctx, d, image, cmd.getOptionValue('resolveImage') !== false));
        const spec0: ServiceSpec = {
          ...base,
          args: cargs,
          env: o.env,
          labels: labelsOf(o.label),
          containerLabels: labelsOf(o.containerLabel),
          networks: o.network.map((n) => ({ target: n.includes('=') ? labelsOf(n.split(','))['name'] ?? labelsOf(n.split(','))['target'] ?? n : n, aliases: n.includes('alias=') ? [labelsOf(n.split(','))['alias']!] : [] })),
          ports: o.publish.map(parsePort),
          constraints: o.constraint,
          preferences: o.placementPref,
          secrets: o.secret.map(parseSecret),
          mounts: o.mount.map((m) => {
            const kv = labelsOf(m.split(','));
            // `readonly` alone, or readonly=true|1 (opts.MountOpt).
            const ro = m.split(',').some((f) => f === 'readonly' || f === 'ro') ? 'true' : kv['readonly'] ?? kv['ro'];
            return { type: (kv['type'] ?? 'volume') as 'volume' | 'bind', source: kv['source'] ?? kv['src'] ?? '', target: kv['target'] ?? kv['dst'] ?? kv['destination'] ?? '', ...(ro === 'true' || ro === '1' ? { readOnly: true } : {}) };
          }),
          restart: DEFAULT_RESTART,
          dns: { nameservers: o.dns.map((x) => x.trim()), search: o.dnsSearch.map((x) => x.trim()), options: o.dnsOption },
        };
        const spec = applyFlags(spec0, o);
        const named: ServiceSpec = spec.name === '' ? { ...spec, name: randomServiceName(cluster) } : spec;
        validateSpec(cluster, named);
        // The service object is written once the leader's log commits it (controlapi CreateService).
        return whenCommitted(ctx, d, controlCall('CreateService', `service create ${named.name}`, 120 + specBytes(named)), (err) => {
          if (err !== null) {
            eprintln(ctx, err);
            return exit(1);
          }
          let svc: Service;
          try {
            svc = cluster.addService(named);
          } catch (e) {
            return daemonError(ctx, exit, e);
          }
          println(ctx, svc.id);
          if (o.detach) return exit(0);
          return waitConverged(ctx, cluster, svc, exit);
        });
      }
      case 'ls':
      case 'list': {
        const cmd = subcommand('ls').option('-q, --quiet').option('--format <tpl>').option('-f, --filter <f>', '', collect, []);
        if (!parseFlags(ctx, cmd, rest, `service ${verb}`, exit)) return;
        const o = cmd.opts<{ quiet?: boolean; format?: string; filter: string[] }>();
        const keep = serviceFilter(o.filter);
        if ('bad' in keep) {
          eprintln(ctx, `Error response from daemon: Invalid filter '${keep.bad}'`);
          return exit(1);
        }
        const services = [...cluster.services.values()].filter(keep).sort((a, b) => (naturalLess(a.spec.name, b.spec.name) ? -1 : naturalLess(b.spec.name, a.spec.name) ? 1 : 0));
        const rows = [['ID', 'NAME', 'MODE', 'REPLICAS', 'IMAGE', 'PORTS']];
        for (const svc of services) {
          const info = listInfo(cluster, svc);
          rows.push([svc.id.slice(0, 12), svc.spec.name, info.mode, info.replicas, imageText(svc.spec.image), portsText(svc)]);
        }
        // NewListFormat: -q is `{{.ID}}` unless a --format is given.
        const format = o.format ?? (o.quiet ? '{{.ID}}' : undefined);
        ctx.term.write(formatRows(rows, SERVICE_LS_FIELDS, format, SERVICE_CONTEXT));
        return exit(0);
      }
      case 'ps': {
        const cmd = subcommand('ps').option('--no-trunc').option('-q, --quiet').option('--format <tpl>').option('-f, --filter <f>', '', collect, []).argument('[services...]');
        if (!parseFlags(ctx, cmd, rest, 'service ps', exit)) return;
        // Commander reads --no-trunc as the negation of a `trunc` flag.
        const o = cmd.opts<{ trunc?: boolean; quiet?: boolean; format?: string; filter: string[] }>();
        const keep = taskFilter(ctx, cluster, o.filter);
        if (keep === null) return exit(1);
        const services: Service[] = [];
        for (const ref of cmd.args) {
          const s = find(ref);
          if (s === null) {
            eprintln(ctx, `no such service: ${ref}`);
            return exit(1);
          }
          services.push(s);
        }
        ctx.term.write(formatRows(psRows(cluster, services, o.trunc === false, keep), PS_FIELDS, o.quiet ? '{{.ID}}' : o.format, TASK_CONTEXT));
        return exit(0);
      }
      case 'inspect': {
        const cmd = subcommand('inspect').option('--pretty').option('-f, --format <tpl>').argument('[services...]');
        if (!parseFlags(ctx, cmd, rest, 'service inspect', exit)) return;
        const o = cmd.opts<{ pretty?: boolean; format?: string }>();
        // cli/command/inspect: the objects found are printed (`[]` when none), then one
        // "Error: no such service: X" per reference missing, exit 1.
        const out: object[] = [];
        const missing: string[] = [];
        for (const ref of cmd.args) {
          const s = find(ref);
          if (s === null) missing.push(ref);
          else if (o.format !== undefined) println(ctx, goTemplate(o.format, serviceJson(cluster, s), undefined, SERVICE));
          else if (o.pretty) ctx.term.write(servicePretty(cluster, s));
          else out.push(serviceJson(cluster, s));
        }
        if (o.format === undefined && !o.pretty) println(ctx, goJson(out));
        for (const ref of missing) eprintln(ctx, `Error: no such service: ${ref}`);
        return exit(missing.length > 0 ? 1 : 0);
      }
      case 'scale': {
        const detach = rest.includes('-d') || rest.includes('--detach');
        const pairs = rest.filter((a) => !a.startsWith('-'));
        const scaled: Service[] = [];
        // docker/cli scale.go: a failed ServiceUpdate is reported as "<service>: <error>", exit 1.
        let rc = 0;
        const one = (k: number): void => {
          if (k === pairs.length) {
            if (detach) return exit(rc);
            const next = (i: number): void => (i === scaled.length ? exit(rc) : waitConverged(ctx, cluster, scaled[i]!, (r) => (r === 0 ? next(i + 1) : exit(r))));
            return next(0);
          }
          const p = pairs[k]!;
          const m = /^([^=]+)=(\d+)$/.exec(p);
          if (m === null) {
            eprintln(ctx, `Invalid scale specifier '${p}'.`);
            return exit(1);
          }
          const s = find(m[1]!);
          if (s === null) {
            eprintln(ctx, `Error: No such service: ${m[1]}`);
            return exit(1);
          }
          if (s.spec.mode.kind !== 'replicated') {
            eprintln(ctx, `${m[1]}: scale can only be used with replicated mode`);
            return exit(1);
          }
          const tooMany = replicasLimit(Number(m[2]));
          if (tooMany !== null) {
            eprintln(ctx, tooMany);
            return exit(1);
          }
          // The CLI sends ServiceUpdate with the version it read (scale.go runServiceScale).
          const version = s.version;
          whenCommitted(ctx, d, controlCall('UpdateService', `service update ${s.spec.name}`, objectBytes(s)), (err) => {
            if (err !== null) {
              eprintln(ctx, `${m[1]}: ${err}`);
              rc = 1;
            } else {
              try {
                cluster.scaleService(s, Number(m[2]), version);
              } catch (e) {
                return daemonError(ctx, exit, e);
              }
              println(ctx, `${m[1]} scaled to ${m[2]}`);
              scaled.push(s);
            }
            one(k + 1);
          });
        };
        return one(0);
      }
      case 'update': {
        const cmd = serviceFlags(subcommand('update'), true).argument('[service]');
        if (!parseFlags(ctx, cmd, rest, 'service update', exit)) return;
        const o = cmd.opts<Record<string, string | undefined> & { publishAdd: string[]; publishRm: string[]; networkAdd: string[]; networkRm: string[]; constraintAdd: string[]; constraintRm: string[]; envAdd: string[]; envRm: string[]; secretAdd: string[]; secretRm: string[]; labelAdd: string[]; labelRm: string[]; dnsAdd: string[]; dnsRm: string[]; dnsSearchAdd: string[]; dnsSearchRm: string[]; dnsOptionAdd: string[]; dnsOptionRm: string[]; detach?: boolean; force?: boolean; rollback?: boolean; image?: string; args?: string }>();
        const ref = cmd.args[0];
        if (ref === undefined) {
          eprintln(ctx, '"docker service update" requires exactly 1 argument.');
          eprintln(ctx, "See 'docker service update --help'.");
          return exit(1);
        }
        const svc = find(ref);
        // The CLI inspects the service, then sends ServiceUpdate with the version it read.
        const version = svc?.version;
        if (svc === null) {
          eprintln(ctx, `Error: No such service: ${ref}`);
          return exit(1);
        }
        if (o.rollback) {
          const others = rest.filter((a) => a.startsWith('-') && !['--rollback', '-d', '--detach', '-q', '--quiet'].includes(a));
          if (others.length > 0) {
            eprintln(ctx, 'other flags may not be combined with --rollback');
            return exit(1);
          }
          return rollback(ctx, d, cluster, svc, ref, !!o.detach, exit);
        }
        const cur = svc.spec;
        let spec: ServiceSpec = applyFlags(cur, o);
        const envMap = new Map(cur.env.map((e) => [e.split('=')[0]!, e]));
        for (const k of o.envRm) envMap.delete(k);
        for (const e of o.envAdd) envMap.set(e.split('=')[0]!, e);
        const labels = { ...cur.labels, ...labelsOf(o.labelAdd) };
        for (const k of o.labelRm) delete labels[k];
        const rmPorts = o.publishRm.map((p) => (/^\d+$/.test(p) ? { target: Number(p), published: Number(p) } : parsePort(p)));
        const ports = [...cur.ports.filter((p) => !rmPorts.some((r) => r.published === p.published || (r.published === null && r.target === p.target))), ...o.publishAdd.map(parsePort)];
        spec = {
          ...spec,
          image: o.image === undefined ? cur.image : pinImage(ctx, d, o.image, cmd.getOptionValue('resolveImage') !== false),
          args: o.args === undefined ? cur.args : (o.args.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((a) => a.replace(/^["']|["']$/g, '')),
          env: [...envMap.values()],
          labels,
          ports,
          networks: [...cur.networks.filter((n) => !o.networkRm.includes(n.target)), ...o.networkAdd.map((n) => ({ target: n, aliases: [] }))],
          constraints: [...cur.constraints.filter((c) => !o.constraintRm.includes(c)), ...o.constraintAdd],
          secrets: [...cur.secrets.filter((x) => !o.secretRm.includes(x.source)), ...o.secretAdd.map(parseSecret)],
          dns: updateDns(cur.dns, o),
          forceUpdate: cur.forceUpdate + (o.force ? 1 : 0),
        };
        validateSpec(cluster, spec);
        return whenCommitted(ctx, d, controlCall('UpdateService', `service update ${cur.name}`, 120 + specBytes(spec) + specBytes(cur)), (err) => {
          if (err !== null) {
            eprintln(ctx, err);
            return exit(1);
          }
          try {
            cluster.updateService(svc, spec, version);
          } catch (e) {
            return daemonError(ctx, exit, e);
          }
          println(ctx, ref);
          if (o.detach) return exit(0);
          return waitConverged(ctx, cluster, svc, exit);
        });
      }
      case 'rollback': {
        const detach = rest.includes('-d') || rest.includes('--detach');
        const ref = rest.find((a) => !a.startsWith('-'));
        const svc = ref === undefined ? null : find(ref);
        if (svc === null) {
          eprintln(ctx, `Error: No such service: ${ref ?? ''}`);
          return exit(1);
        }
        return rollback(ctx, d, cluster, svc, ref!, detach, exit);
      }
      case 'rm':
      case 'remove': {
        let rc = 0;
        const one = (k: number): void => {
          if (k === rest.length) return exit(rc);
          const ref = rest[k]!;
          const s = find(ref);
          if (s === null) {
            eprintln(ctx, `Error: No such service: ${ref}`);
            rc = 1;
            return one(k + 1);
          }
          // docker/cli remove.go: each failure printed, the others still removed, exit 1.
          whenCommitted(ctx, d, controlCall('RemoveService', `service rm ${s.spec.name}`, 60, 0), (err) => {
            if (err !== null) {
              eprintln(ctx, err);
              rc = 1;
            } else {
              cluster.removeService(s);
              println(ctx, ref);
            }
            one(k + 1);
          });
        };
        return one(0);
      }
    }
  } catch (e) {
    if (e instanceof FlagError) {
      eprintln(ctx, e.message);
      eprintln(ctx, `See 'docker service ${verb} --help'.`);
      return exit(125);
    }
    return daemonError(ctx, exit, e);
  }
  eprintln(ctx, '');
  eprintln(ctx, 'Usage:\tdocker service COMMAND');
  exit(verb === undefined ? 0 : 1);
}

/** `docker service rollback` (and `update --rollback`): the CLI's ServiceUpdate with the previous
 *  spec (rollback.go), which commits through the Raft log like any update. */
function rollback(ctx: Ctx, d: Daemon, cluster: SwarmCluster, svc: Service, ref: string, detach: boolean, exit: Exit): void {
  const version = svc.version;
  whenCommitted(ctx, d, controlCall('UpdateService', `service update ${svc.spec.name}`, objectBytes(svc)), (err) => {
    if (err !== null) {
      eprintln(ctx, err);
      return exit(1);
    }
    try {
      cluster.rollbackService(svc, version);
    } catch (e) {
      return daemonError(ctx, exit, e);
    }
    println(ctx, ref);
    if (detach) return exit(0);
    waitConverged(ctx, cluster, svc, exit);
  });
}

function randomServiceName(cluster: SwarmCluster): string {
  const left = ['admiring', 'brave', 'clever', 'eager', 'focused', 'happy', 'keen', 'nifty', 'quirky', 'zen'];
  const right = ['babbage', 'curie', 'darwin', 'euler', 'fermi', 'hopper', 'knuth', 'lovelace', 'turing', 'wozniak'];
  return `${left[cluster.rng.below(left.length)]}_${right[cluster.rng.below(right.length)]}`;
}

export { formatIp4, serviceFlags, applyFlags, FlagError, parseSecret, serviceJson };
