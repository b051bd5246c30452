// What the daemon does for docker build, tag, rmi, push and pull from a registry of the world's:
// the classic builder's steps (builder/dockerfile), the reference rules (a first component with
// a dot, a colon or `localhost` names a registry), dockerd's insecure-registries rule (plain HTTP
// only to loopback and the registries it was told of), and push/pull as HTTP over the simulated
// TCP to a registry container. The progress lines are the daemon's JSON stream as the CLI prints it.
import { formatIp4, parseIp4 } from '../core/addr.js';
import type { Ip4 } from '../core/addr.js';
import { parseCidr } from '../core/addr.js';
import { humanSize } from '../core/units.js';
import { DaemonError } from './errors.js';
import type { Daemon } from './daemon.js';
import { addFiles, contextTarSize, execForm, newImage, parseDockerfile } from './image-store.js';
import type { LocalImage } from './image-store.js';
import { parseImageRef } from './images.js';
import type { ImageSpec } from './images.js';
import { manifestOf, registryRequest } from './registry-http.js';
import type { RegistryReply } from './registry-http.js';

/** `repo:tag` with the default tag. */
export function imageKey(text: string): string {
  const r = parseImageRef(text);
  return `${r.repo}:${r.tag}`;
}

/** A RUN step as the classic builder runs it: a container from the image built so far
 *  (builder/dockerfile/dispatchers.go dispatchRun → containerManager.Run), its command, its
 *  environment and working directory, and a copy of the image's files the command may change. */
export interface BuildStep {
  readonly argv: readonly string[];
  readonly spec: ImageSpec;
  readonly files: Map<string, string>;
  readonly env: ReadonlyMap<string, string>;
  readonly workdir: string;
  /** The build container's short ID (its hostname). */
  readonly cid: string;
}

/** Runs a RUN step's command (the shell knows how); `out` gets what it prints, `done` its status. */
export type BuildRunner = (step: BuildStep, out: (text: string) => void, done: (code: number) => void) => void;

/** How the build ended: 0, or the failing RUN command's status (the CLI exits with the code of
 *  the daemon's JSONError), or 1; `error` is the message the CLI prints on stderr. */
export interface BuildEnd {
  readonly code: number;
  readonly error?: string;
}

/** docker build: runs the Dockerfile's steps on its base, printing the daemon's progress lines
 *  through `out` as they come; RUN commands go to `run`. */
export function build(d: Daemon, context: ReadonlyMap<string, string>, dockerfile: string, tags: string[], run: BuildRunner, out: (text: string) => void, done: (end: BuildEnd) => void): void {
  const line = (l: string): void => out(`${l}\n`);
  const steps = parseDockerfile(dockerfile);
  if (typeof steps === 'string') return done({ code: 1, error: `Error response from daemon: ${steps}` });
  line(`Sending build context to Docker daemon  ${humanSize(contextTarSize(context))}`);
  line('');
  let img: LocalImage | null = null;
  let spec: ImageSpec | null = null;
  let files = new Map<string, string>();
  let workdir = '/';
  let baseTag = 'latest';
  const env: string[] = [];
  const short = (id: string): string => id.slice(0, 12);
  const commit = (changed: ImageSpec, extraLayer: boolean): void => {
    const layers = extraLayer ? [...img!.layers, d.rng.hex(12)] : img!.layers;
    img = newImage(d.rng, changed, layers, d.now, img!.id);
    d.imageById.set(img.id, img);
    spec = changed;
    line(` ---> ${short(img.id)}`);
  };
  const intermediate = (): void => {
    const cid = d.rng.hex(12);
    line(` ---> Running in ${cid}`);
    line(`Removing intermediate container ${cid}`);
  };
  const finish = (): void => {
    const built = img! as LocalImage;
    line(`Successfully built ${short(built.id)}`);
    for (const t of tags) {
      d.addImage(imageKey(t), built);
      line(`Successfully tagged ${imageKey(t)}`);
    }
    done({ code: 0 });
  };
  const next = (i: number): void => {
    if (i === steps.length) return finish();
    const st = steps[i]!;
    line(`Step ${i + 1}/${steps.length} : ${st.text}`);
    if (st.verb === 'FROM') {
      const base = st.args.split(/\s+/)[0]!;
      const key = imageKey(base);
      let local = d.localImage(key);
      if (local === null) {
        const found = d.registry.find(parseImageRef(base));
        const r = parseImageRef(base);
        if (found === null) return done({ code: 1, error: `pull access denied for ${r.repo}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied` });
        for (const l of d.pull(key, found.layers)) line(l);
        local = d.localImage(key)!;
      }
      img = local;
      baseTag = parseImageRef(base).tag;
      spec = local.spec;
      files = new Map(local.spec.files ?? []);
      line(` ---> ${short(local.id)}`);
      return next(i + 1);
    }
    const s = spec!;
    switch (st.verb) {
      case 'ADD':
      case 'COPY': {
        const missing = addFiles(files, context, st.args, workdir);
        if (missing !== null) return done({ code: 1, error: `${st.verb} failed: stat /var/lib/docker/tmp/docker-builder${d.rng.hex(9).replace(/[a-f]/g, '7')}/${missing}: no such file or directory` });
        commit({ ...s, files: new Map(files) }, true);
        break;
      }
      case 'CMD':
        intermediate();
        commit({ ...s, cmd: execForm(st.args) }, false);
        break;
      case 'ENTRYPOINT':
        intermediate();
        commit({ ...s, cmd: execForm(st.args) }, false);
        break;
      case 'EXPOSE':
        intermediate();
        commit({ ...s, exposed: [...s.exposed, ...st.args.split(/\s+/).map((p) => (p.includes('/') ? p : `${p}/tcp`))] }, false);
        break;
      case 'ENV': {
        intermediate();
        const m = /^(\S+?)(?:=|\s+)(.*)$/.exec(st.args);
        if (m !== null) env.push(`${m[1]}=${m[2]!.replace(/^"(.*)"$/, '$1')}`);
        const before = s.env;
        const mine = [...env];
        commit({ ...s, env: (tag) => [...(before?.(tag) ?? []), ...mine] }, false);
        break;
      }
      case 'WORKDIR':
        workdir = st.args.trim();
        intermediate();
        commit(s, false);
        break;
      case 'RUN': {
        // dispatchRun: the command runs in a container of the image so far; what it prints is the
        // build's output; a non-zero status ends the build with "The command '…' returned a
        // non-zero code: N" (the container stays: no "Removing intermediate container" line).
        const cid = d.rng.hex(12);
        line(` ---> Running in ${cid}`);
        const argv = execForm(st.args);
        const changed = new Map(files);
        const vars = new Map<string, string>();
        for (const e of s.env?.(baseTag) ?? []) {
          const k = e.indexOf('=');
          vars.set(k < 0 ? e : e.slice(0, k), k < 0 ? '' : e.slice(k + 1));
        }
        run({ argv, spec: s, files: changed, env: vars, workdir, cid }, out, (code) => {
          if (code !== 0) return done({ code, error: `The command '${argv.join(' ')}' returned a non-zero code: ${code}` });
          line(`Removing intermediate container ${cid}`);
          files = changed;
          commit({ ...s, files: new Map(files) }, true);
          next(i + 1);
        });
        return;
      }
      default:
        intermediate();
        commit(s, false);
    }
    next(i + 1);
  };
  next(0);
}

/** docker tag SOURCE TARGET */
export function tag(d: Daemon, source: string, target: string): void {
  const img = d.localImage(imageKey(source)) ?? [...d.imageById.values()].find((i) => i.id.startsWith(source.replace(/^sha256:/, ''))) ?? null;
  if (img === null) throw new DaemonError('notFound', `No such image: ${imageKey(source)}`);
  d.addImage(imageKey(target), img);
}

/** docker rmi: untags; the image goes with its last name unless a container uses it. */
export function removeImage(d: Daemon, ref: string, force: boolean): string[] {
  const key = imageKey(ref);
  let id = d.images.get(key);
  const byId = id === undefined ? [...d.imageById.values()].find((i) => i.id.startsWith(ref.replace(/^sha256:/, ''))) : undefined;
  if (id === undefined && byId !== undefined) id = byId.id;
  if (id === undefined) throw new DaemonError('notFound', `No such image: ${ref}`);
  const img = d.imageById.get(id)!;
  const names = [...d.images.entries()].filter(([, v]) => v === id).map(([k]) => k);
  const user = [...d.containers.values()].find((c) => c.imageId === id);
  const lines: string[] = [];
  if (byId !== undefined && names.length > 1 && !force) {
    // daemon/images/image_delete.go imageDeleteConflict: errdefs.Conflict.
    throw new DaemonError('conflict', `conflict: unable to delete ${id.slice(0, 12)} (must be forced) - image is referenced in multiple repositories`);
  }
  if (user !== undefined && names.length <= 1 && !force) {
    const state = user.state === 'running' ? 'running' : 'stopped';
    throw new DaemonError('conflict', `conflict: unable to remove repository reference "${ref}" (must force) - container ${user.shortId} is using its referenced image ${id.slice(0, 12)}`.replace('unable to remove repository reference', state === 'running' && byId !== undefined ? 'unable to delete' : 'unable to remove repository reference'));
  }
  for (const k of byId !== undefined ? names : [key]) {
    d.images.delete(k);
    lines.push(`Untagged: ${k}`);
    const repo = k.slice(0, k.lastIndexOf(':'));
    const dg = img.digests.get(repo);
    if (dg !== undefined && ![...d.images.keys()].some((n) => n.startsWith(`${repo}:`) && d.images.get(n) === id)) lines.push(`Untagged: ${repo}@${dg}`);
  }
  // An image a build started from stays while its child does (only the name goes).
  const parentOfOther = [...d.imageById.values()].some((i) => i.parent === id);
  if (![...d.images.values()].includes(id) && user === undefined && !parentOfOther) {
    d.imageById.delete(id);
    lines.push(`Deleted: sha256:${id}`);
  }
  return lines;
}

/** The registry a reference names (null: Docker Hub), as docker/distribution's reference splits it. */
export function registryOf(repo: string): { host: string; name: string } | null {
  const i = repo.indexOf('/');
  if (i < 0) return null;
  const first = repo.slice(0, i);
  if (!first.includes('.') && !first.includes(':') && first !== 'localhost') return null;
  return { host: first, name: repo.slice(i + 1) };
}

/** dockerd's rule: loopback and the configured registries/CIDRs may be spoken to over HTTP. */
function insecure(d: Daemon, host: string, ip: Ip4): boolean {
  if (ip >>> 24 === 127) return true;
  for (const r of d.insecureRegistries) {
    if (r === host) return true;
    const c = r.includes('/') ? parseCidr(r) : null;
    if (c !== null && c.len > 0 && (ip >>> (32 - c.len)) === (c.addr >>> (32 - c.len))) return true;
    if (c !== null && c.len === 0) return true;
  }
  return false;
}

const DIAL_ERRORS: Record<number, string> = { 111: 'connect: connection refused', 110: 'i/o timeout', 113: 'connect: no route to host', 101: 'connect: network is unreachable' };

/** Reaches the registry's /v2/ as the daemon would; calls `go` with the address, or `fail` with the error. */
function reachRegistry(d: Daemon, host: string, fail: (msg: string) => void, go: (ip: Ip4, port: number) => void): void {
  const [h, p] = host.split(':');
  const ip = h === 'localhost' ? 0x7f000001 : parseIp4(h!);
  if (ip === null) return fail(`Get https://${host}/v2/: dial tcp: lookup ${h}: no such host`);
  const secure = !insecure(d, host, ip);
  const port = p !== undefined ? Number(p) : secure ? 443 : 80;
  const scheme = secure ? 'https' : 'http';
  registryRequest(d.host.root, ip, port, host, 'GET', '/v2/', {}, (r) => {
    if (r.errno !== 0) return fail(`Get ${scheme}://${host}/v2/: dial tcp ${formatIp4(ip)}:${port}: ${DIAL_ERRORS[r.errno] ?? `errno ${r.errno}`}`);
    // A TLS client hello answered in plain HTTP: Go's net/http error.
    if (secure) return fail(`Get https://${host}/v2/: http: server gave HTTP response to HTTPS client`);
    go(ip, port);
  });
}

/** docker push: the layers, then the manifest, each an HTTP request to the registry. */
export function push(d: Daemon, refText: string, out: (line: string) => void, done: (code: number) => void): void {
  const ref = parseImageRef(refText);
  const key = `${ref.repo}:${ref.tag}`;
  const img = d.localImage(key);
  const reg = registryOf(ref.repo);
  out(`The push refers to repository [${reg === null ? `docker.io/${ref.repo.includes('/') ? ref.repo : `library/${ref.repo}`}` : ref.repo}]`);
  if (img === null) {
    out(`An image does not exist locally with the tag: ${ref.repo}`);
    return done(1);
  }
  const layers = [...img.layers].reverse();
  if (reg === null) {
    for (const l of layers) out(`${l}: Preparing`);
    out('denied: requested access to the resource is denied');
    return done(1);
  }
  const fail = (msg: string): void => {
    out(msg);
    done(1);
  };
  reachRegistry(d, reg.host, fail, (ip, port) => {
    const call = (method: string, path: string, headers: Record<string, string>, then: (r: RegistryReply) => void): void =>
      registryRequest(d.host.root, ip, port, reg.host, method, path, headers, (r) => (r.errno !== 0 ? fail(`dial tcp ${formatIp4(ip)}:${port}: ${DIAL_ERRORS[r.errno] ?? r.errno}`) : then(r)));
    const next = (i: number): void => {
      if (i === layers.length) {
        const m = manifestOf(img);
        call('PUT', `/v2/${reg.name}/manifests/${ref.tag}`, { 'Docker-Content-Digest': `sha256:${img.id}` }, () => {
          d.registry.blobs.set(img.id, img);
          img.digests.set(ref.repo, m.digest);
          out(`${ref.tag}: digest: ${m.digest} size: ${new TextEncoder().encode(m.text).length}`);
          done(0);
        });
        return;
      }
      const l = layers[i]!;
      call('GET', `/v2/${reg.name}/blobs/${l}`, {}, (r) => {
        if (r.status === 200) {
          out(`${l}: Layer already exists`);
          return next(i + 1);
        }
        call('PUT', `/v2/${reg.name}/blobs/${l}`, {}, () => {
          out(`${l}: Pushed`);
          next(i + 1);
        });
      });
    };
    next(0);
  });
}

/** docker pull of an image a registry of the world serves: the manifest over HTTP, then the image. */
export function pullFromRegistry(d: Daemon, refText: string, out: (line: string) => void, done: (code: number) => void): void {
  const ref = parseImageRef(refText);
  const reg = registryOf(ref.repo)!;
  const key = `${ref.repo}:${ref.tag}`;
  const fail = (msg: string): void => {
    out(`Error response from daemon: ${msg}`);
    done(1);
  };
  reachRegistry(d, reg.host, fail, (ip, port) => {
    registryRequest(d.host.root, ip, port, reg.host, 'GET', `/v2/${reg.name}/manifests/${ref.tag}`, {}, (r) => {
      if (r.errno !== 0) return fail(`Get http://${reg.host}/v2/: dial tcp ${formatIp4(ip)}:${port}: ${DIAL_ERRORS[r.errno] ?? r.errno}`);
      if (r.status !== 200) return fail(`manifest for ${key} not found: manifest unknown: manifest unknown`);
      const id = (/"digest":"sha256:([0-9a-f]{64})"/.exec(r.body)?.[1]) ?? '';
      const img = d.registry.blobs.get(id);
      if (img === undefined) return fail(`manifest for ${key} not found: manifest unknown: manifest unknown`);
      const digest = manifestOf(img).digest;
      out(`${ref.tag}: Pulling from ${reg.name}`);
      if (d.images.get(key) === id) {
        out(`Digest: ${digest}`);
        out(`Status: Image is up to date for ${key}`);
      } else {
        const have = d.imageById.has(id);
        for (const l of img.layers) out(`${l}: ${have ? 'Already exists' : 'Pull complete'}`);
        out(`Digest: ${digest}`);
        out(`Status: Downloaded newer image for ${key}`);
        img.digests.set(ref.repo, digest);
        d.addImage(key, img);
      }
      out(key);
      done(0);
    });
  });
}
