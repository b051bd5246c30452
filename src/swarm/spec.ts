// What a user asks of the swarm: the specs of services (from `docker service create|update` or a
// compose file), as swarmkit's api.ServiceSpec holds them. Durations are simulated nanoseconds.
import type { Nanos } from '../sim/clock.js';
import { SEC } from '../sim/clock.js';

export type ServiceMode = { readonly kind: 'replicated'; readonly replicas: number } | { readonly kind: 'global' };

export interface PortConfig {
  /** null: assigned from 30000–32767 (ingress mode). */
  readonly published: number | null;
  readonly target: number;
  readonly protocol: 'tcp' | 'udp';
  readonly mode: 'ingress' | 'host';
}

export interface NetworkAttachment {
  /** Network name or ID as the user wrote it. */
  readonly target: string;
  readonly aliases: string[];
}

export interface UpdateConfig {
  readonly parallelism: number;
  readonly delay: Nanos;
  readonly failureAction: 'pause' | 'continue' | 'rollback';
  readonly monitor: Nanos;
  readonly maxFailureRatio: number;
  readonly order: 'stop-first' | 'start-first';
}

export interface RestartPolicy {
  readonly condition: 'none' | 'on-failure' | 'any';
  readonly delay: Nanos;
  /** 0: unlimited. */
  readonly maxAttempts: number;
  /** 0: unbounded. */
  readonly window: Nanos;
}

export interface Resources {
  /** NanoCPUs (1e9 = one CPU). */
  readonly reserveCpu: number;
  readonly reserveMemory: number;
  readonly limitCpu: number;
  readonly limitMemory: number;
}

/** A secret or config reference (api.SecretReference / api.ConfigReference, File target). */
export interface FileRef {
  /** The object's name. */
  readonly source: string;
  /** Secrets: a file name under /run/secrets (or an absolute path). Configs: a path, relative ones from /. */
  readonly target: string;
  /** File owner and mode; absent means Docker's defaults, "0", "0", 0444. */
  readonly uid?: string;
  readonly gid?: string;
  readonly mode?: number;
}
export type SecretRef = FileRef;
export type ConfigRef = FileRef;

export interface Mount {
  readonly type: 'volume' | 'bind' | 'tmpfs';
  /** A volume's name ('' for an anonymous volume) or a bind's host path. */
  readonly source: string;
  readonly target: string;
  /** `:ro` / `read_only: true`; absent means read-write. */
  readonly readOnly?: boolean;
  /** mount.VolumeOptions of a named volume: what the node creates it with on first use. */
  readonly volumeOptions?: { readonly labels: Record<string, string> | null; readonly driver: string | null; readonly driverOptions: Record<string, string> | null };
}

/** ContainerSpec.DNSConfig: the task's nameservers, search domains and resolver options. */
export interface DnsConfig {
  readonly nameservers: readonly string[];
  readonly search: readonly string[];
  readonly options: readonly string[];
}

export interface ServiceSpec {
  readonly name: string;
  readonly image: string;
  /** Command and arguments (empty: the image's). */
  readonly args: string[];
  readonly env: string[];
  readonly labels: Record<string, string>;
  readonly containerLabels: Record<string, string>;
  readonly hostname: string | null;
  readonly mode: ServiceMode;
  readonly networks: NetworkAttachment[];
  readonly endpointMode: 'vip' | 'dnsrr';
  readonly ports: PortConfig[];
  readonly constraints: string[];
  /** Placement preferences, e.g. `spread=node.labels.zone`. */
  readonly preferences: string[];
  /** 0: no limit. */
  readonly maxReplicasPerNode: number;
  readonly resources: Resources;
  readonly restart: RestartPolicy;
  readonly update: UpdateConfig;
  readonly rollback: UpdateConfig;
  readonly secrets: SecretRef[];
  readonly configs: ConfigRef[];
  readonly mounts: Mount[];
  /** null when the spec has none (a stack's service without dns or dns_search: compose convert
   *  convertDNSConfig), else set, possibly empty (`docker service create` always sends one:
   *  cli/command/service/opts.go ToService). */
  readonly dns: DnsConfig | null;
  /** Bumped by `--force` so that an unchanged spec still redeploys. */
  readonly forceUpdate: number;
}

/** swarmkit's defaults (api/defaults): update 1 at a time, no delay, pause on failure, 5 s monitor. */
export const DEFAULT_UPDATE: UpdateConfig = { parallelism: 1, delay: 0, failureAction: 'pause', monitor: 5 * SEC, maxFailureRatio: 0, order: 'stop-first' };
export const DEFAULT_ROLLBACK: UpdateConfig = DEFAULT_UPDATE;
export const DEFAULT_RESTART: RestartPolicy = { condition: 'any', delay: 5 * SEC, maxAttempts: 0, window: 0 };
export const NO_RESOURCES: Resources = { reserveCpu: 0, reserveMemory: 0, limitCpu: 0, limitMemory: 0 };

export function defaultSpec(name: string, image: string): ServiceSpec {
  return {
    name, image, args: [], env: [], labels: {}, containerLabels: {}, hostname: null,
    mode: { kind: 'replicated', replicas: 1 }, networks: [], endpointMode: 'vip', ports: [], constraints: [], preferences: [],
    maxReplicasPerNode: 0, resources: NO_RESOURCES, restart: DEFAULT_RESTART, update: DEFAULT_UPDATE, rollback: DEFAULT_ROLLBACK,
    secrets: [], configs: [], mounts: [], dns: null, forceUpdate: 0,
  };
}

/** Parses Docker's duration syntax (`10s`, `1m30s`, `500ms`, `1h`); null when invalid. */
export function parseGoDuration(text: string): Nanos | null {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  const unit: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * unit[m[2]!]!;
    matched = re.lastIndex;
  }
  return matched === text.length && text.length > 0 ? Math.round(total) : null;
}

/** Parses `512M`, `1G`, `1024` (bytes) as docker does for memory; null when invalid. */
export function parseBytes(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)b?$/i.exec(text.trim());
  if (m === null) return null;
  const mult: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
  return Math.round(Number(m[1]) * mult[m[2]!.toLowerCase()]!);
}

/** The most replicas one service may ask for. Docker 19.03 takes any uint64 (swarmkit then creates
 *  a task per slot, and the scheduler leaves what fits nowhere pending); the simulator refuses a
 *  count it could not schedule within seconds. 10,000 is the benchmark's size (1,000 nodes). */
export const MAX_REPLICAS = 10_000;

/** Why `replicas` is refused, or null. */
export function replicasLimit(replicas: number): string | null {
  return replicas > MAX_REPLICAS ? `swarmsim: a service may have at most ${MAX_REPLICAS} replicas in the simulator (asked for ${replicas})` : null;
}

/** The most services one swarm may hold in the simulator (Docker sets no limit): 2,000 are
 *  created one command at a time in about a second; 10,000 would take a minute. */
export const MAX_SERVICES = 2_000;
