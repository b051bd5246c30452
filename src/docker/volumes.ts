// Docker volumes on one engine (moby 19.03 volume/service, the `local` driver): named or anonymous,
// kept under /var/lib/docker/volumes/NAME/_data, created on first use by a container or a swarm
// task's mount on the node that runs it, and outliving the containers that used them. A volume
// is per node: a task rescheduled elsewhere finds a fresh, empty one under the same name.
//
// What a volume holds, for the models above it:
// - `files`: paths relative to the volume root ('/conf.d/x.cnf') → contents. A container's files
//   under a mount target are these (see MountedFiles), so `echo > /data/x` in one container is
//   `cat /data/x` in the next one that mounts the same volume on the same node.
// - `dirs`: application state a model keeps under a directory (mysql's databases under
//   /var/lib/mysql). Use dataDir(container, '/var/lib/mysql'): it is the volume's when a volume is
//   mounted there, and the container's own (gone with it) when not.
import type { Nanos } from '../sim/clock.js';

export class Volume {
  readonly files = new Map<string, string>();
  /** Application state by directory inside the volume ('/' = the volume root). */
  readonly dirs = new Map<string, Map<string, unknown>>();

  constructor(
    readonly name: string,
    readonly driver: string,
    /** null when the volume was created implicitly (inspect prints `null`, not `{}`). */
    readonly labels: Record<string, string> | null,
    readonly options: Record<string, string> | null,
    readonly createdAt: Nanos,
    /** Anonymous volumes (a 64-hex name) go with their container on `docker rm -v` and task removal. */
    readonly anonymous: boolean,
  ) {}

  get mountpoint(): string {
    return `/var/lib/docker/volumes/${this.name}/_data`;
  }

  /** Bytes held, for `docker volume prune`'s reclaimed space and `system df`. */
  get size(): number {
    let n = 0;
    for (const v of this.files.values()) n += Buffer.byteLength(v, 'utf8');
    return n;
  }
}

/** One mount of a container, as `docker inspect` Mounts shows it. */
export interface ContainerMount {
  readonly type: 'volume' | 'bind' | 'tmpfs';
  /** The volume (type volume). */
  readonly volume: Volume | null;
  /** The host path (type bind), or the volume's mountpoint. */
  readonly source: string;
  readonly destination: string;
  readonly rw: boolean;
  /** `-v` gives "z" for a volume (and the options written, e.g. "ro"); `--mount` and swarm give "". */
  readonly mode: string;
}

/** Where a container path lands: in a mounted volume (and the path inside it), or nowhere special. */
export function mountOf(mounts: readonly ContainerMount[], path: string): { mount: ContainerMount; rel: string } | null {
  let best: ContainerMount | null = null;
  for (const m of mounts) {
    if ((path === m.destination || path.startsWith(`${m.destination === '/' ? '' : m.destination}/`)) && (best === null || m.destination.length > best.destination.length)) best = m;
  }
  if (best === null) return null;
  return { mount: best, rel: path === best.destination ? '/' : path.slice(best.destination === '/' ? 0 : best.destination.length) };
}

/**
 * A container's files with its volume mounts laid over them: a path under a volume's mount target
 * reads and writes the volume's files. Writes under a read-only mount are dropped; callers that
 * want to print "Read-only file system" ask readOnly(path) first. Bind mounts are not routed (the
 * host's files belong to the shell layer).
 */
export class MountedFiles extends Map<string, string> {
  mounts: readonly ContainerMount[] = [];

  private route(path: string): { files: Map<string, string>; rel: string; rw: boolean } | null {
    const m = mountOf(this.mounts, path);
    if (m === null || m.mount.volume === null) return null;
    return { files: m.mount.volume.files, rel: m.rel, rw: m.mount.rw };
  }

  readOnly(path: string): boolean {
    const r = this.route(path);
    return r !== null && !r.rw;
  }

  override get(path: string): string | undefined {
    const r = this.route(path);
    return r === null ? super.get(path) : r.files.get(r.rel);
  }
  override has(path: string): boolean {
    const r = this.route(path);
    return r === null ? super.has(path) : r.files.has(r.rel);
  }
  override set(path: string, text: string): this {
    const r = this.route(path);
    if (r === null) super.set(path, text);
    else if (r.rw) r.files.set(r.rel, text);
    return this;
  }
  override delete(path: string): boolean {
    const r = this.route(path);
    return r === null ? super.delete(path) : r.rw && r.files.delete(r.rel);
  }
  override *entries(): MapIterator<[string, string]> {
    for (const [k, v] of super.entries()) if (this.route(k) === null) yield [k, v];
    for (const m of this.mounts) {
      if (m.volume === null) continue;
      for (const [rel, v] of m.volume.files) {
        const path = m.destination === '/' ? rel : `${m.destination}${rel}`;
        if (mountOf(this.mounts, path)?.mount === m) yield [path, v];
      }
    }
  }
  override *keys(): MapIterator<string> {
    for (const [k] of this.entries()) yield k;
  }
  override *values(): MapIterator<string> {
    for (const [, v] of this.entries()) yield v;
  }
  override [Symbol.iterator](): MapIterator<[string, string]> {
    return this.entries();
  }
  override forEach(fn: (value: string, key: string, map: Map<string, string>) => void): void {
    for (const [k, v] of this.entries()) fn(v, k, this);
  }
  override get size(): number {
    return [...this.entries()].length;
  }
}

/** The volumes of one engine, by name. */
export class VolumeStore {
  readonly volumes = new Map<string, Volume>();

  get(name: string): Volume | null {
    return this.volumes.get(name) ?? null;
  }

  /** `docker volume create`, or a mount's implicit creation: an existing name is returned as it is. */
  create(name: string, o: { driver?: string; labels?: Record<string, string> | null; options?: Record<string, string> | null; now: Nanos; anonymous?: boolean }): Volume {
    const old = this.volumes.get(name);
    if (old !== undefined) return old;
    const v = new Volume(name, o.driver ?? 'local', o.labels ?? null, o.options ?? null, o.now, o.anonymous ?? false);
    this.volumes.set(name, v);
    return v;
  }

  remove(v: Volume): void {
    this.volumes.delete(v.name);
  }
}

/** The state a model keeps under `path` in container `c` (see the header). */
export function dataDir(c: { readonly files: MountedFiles; readonly dirs: Map<string, Map<string, unknown>> }, path: string): Map<string, unknown> {
  const m = mountOf(c.files.mounts, path);
  const [dirs, key] = m === null || m.mount.volume === null ? [c.dirs, path] : [m.mount.volume.dirs, m.rel];
  let d = dirs.get(key);
  if (d === undefined) dirs.set(key, (d = new Map()));
  return d;
}
