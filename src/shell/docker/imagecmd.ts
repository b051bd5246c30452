// docker build | tag | push | pull | images | rmi | image <verb>, and the image side of inspect.
import { DaemonError } from '../../docker/errors.js';
import type { Daemon } from '../../docker/daemon.js';
import { humanSize } from '../../core/units.js';
import { build, imageKey, pullFromRegistry, push, registryOf, removeImage, tag } from '../../docker/image-ops.js';
import type { BuildStep } from '../../docker/image-ops.js';
import type { LocalImage } from '../../docker/image-store.js';
import { imageMissing, parseImageRef } from '../../docker/images.js';
import { rfc3339Nano } from '../../sim/clock.js';
import type { Ctx, Env } from '../program.js';
import { eprintln, println, resolvePath } from '../program.js';
import { formatRows, goJson, goTemplate, humanDuration } from '../table.js';
import { collect, daemonSaid, guard, parseFlags, subcommand, usageError } from './common.js';

type Exit = (code: number) => void;

/** A RUN step's container: the image's userland and files, the ENV so far, the WORKDIR, its ID as
 *  hostname, no terminal. It shares the host's network (the build's default bridge is not
 *  modelled), so a download from the Internet fails as on the seeds' offline hosts. */
function buildContainerEnv(d: Daemon, step: BuildStep): Env {
  return {
    host: d.host, ns: d.host.root, flavor: step.spec.shell, files: step.files, hostname: step.cid, cwd: step.workdir, tty: false,
    vars: new Map([['PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], ['HOSTNAME', step.cid], ...step.env]),
    missing: { names: imageMissing(step.spec), shell: '/bin/sh' },
  };
}

/** Handles the image commands; false when `sub` is not one. */
export function dockerImageCmd(ctx: Ctx, d: Daemon, sub: string, args: string[], exit: Exit): boolean {
  switch (sub) {
    case 'build': {
      const cmd = subcommand('build').option('-t, --tag <name>', '', collect, []).option('-f, --file <path>').option('-q, --quiet').option('--no-cache').option('--rm').argument('[path]');
      if (!parseFlags(ctx, cmd, args, 'build', exit)) return true;
      const o = cmd.opts<{ tag: string[]; file?: string; quiet?: boolean }>();
      const dir = cmd.args[0];
      if (dir === undefined) {
        usageError(ctx, 'build', 'exactly 1 argument', 'docker build [OPTIONS] PATH | URL | -', 'Build an image from a Dockerfile', exit);
        return true;
      }
      const root = resolvePath(ctx, dir);
      const dockerfilePath = o.file === undefined ? `${root}/Dockerfile` : resolvePath(ctx, o.file);
      const dockerfile = ctx.files.get(dockerfilePath);
      if (dockerfile === undefined) {
        println(ctx, `unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${dockerfilePath}: no such file or directory`);
        exit(1);
        return true;
      }
      // The CLI sends the directory as the build context.
      const context = new Map<string, string>();
      for (const [p, data] of ctx.files) if (p.startsWith(`${root}/`)) context.set(p.slice(root.length + 1), data);
      // -q keeps the daemon's stream back and prints the image ID, or the stream on stderr when
      // the build fails (cli/command/image/build.go: buildBuff).
      let kept = '';
      const out = (text: string): void => {
        if (o.quiet) kept += text;
        else ctx.term.write(text);
      };
      build(d, context, dockerfile, o.tag, (step, say, done) => ctx.spawnIn(buildContainerEnv(d, step), [...step.argv], done, { write: say }), out, (end) => {
        if (end.error !== undefined) {
          if (o.quiet) ctx.err.write(kept);
          eprintln(ctx, end.error);
        } else if (o.quiet) println(ctx, `sha256:${d.localImage(imageKey(o.tag[0] ?? ''))?.id ?? ''}`);
        exit(end.code);
      });
      return true;
    }
    case 'tag': {
      const [src, dst] = args.filter((a) => !a.startsWith('-'));
      if (src === undefined || dst === undefined) {
        eprintln(ctx, '"docker tag" requires exactly 2 arguments.');
        eprintln(ctx, "See 'docker tag --help'.");
        exit(1);
        return true;
      }
      guard(ctx, exit, () => {
        tag(d, src, dst);
        exit(0);
      });
      return true;
    }
    case 'push': {
      const ref = args.find((a) => !a.startsWith('-'));
      if (ref === undefined) return false;
      push(d, ref, (l) => println(ctx, l), exit);
      return true;
    }
    case 'pull': {
      const image = args.find((a) => !a.startsWith('-'));
      if (image === undefined) return false;
      const ref = parseImageRef(image);
      if (registryOf(ref.repo) !== null && d.registry.find(ref) === null || d.registry.served.has(`${ref.repo}:${ref.tag}`)) {
        pullFromRegistry(d, image, (l) => println(ctx, l), exit);
        return true;
      }
      const spec = d.registry.find(ref);
      const key = `${ref.repo}:${ref.tag}`;
      if (spec === null) {
        eprintln(ctx, `Error response from daemon: pull access denied for ${ref.repo}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`);
        exit(1);
        return true;
      }
      if (d.images.has(key)) {
        println(ctx, `${ref.tag}: Pulling from ${ref.repo.includes('/') ? ref.repo : `library/${ref.repo}`}`);
        println(ctx, `Status: Image is up to date for ${key}`);
      } else for (const l of d.pull(key, spec.layers)) println(ctx, l);
      println(ctx, ref.repo.includes('/') || ref.repo.includes('.') ? key : `docker.io/library/${key}`);
      exit(0);
      return true;
    }
    case 'images':
      return imagesList(ctx, d, args, exit);
    case 'rmi': {
      const cmd = subcommand('rmi').option('-f, --force').option('--no-prune').argument('[images...]');
      if (!parseFlags(ctx, cmd, args, 'rmi', exit)) return true;
      // remove.go: each image's error collected, printed on stderr; the Go client words a 404 as
      // `Error: No such image: X` (wrapResponseError), and with -f only such errors exit 0.
      const force = !!cmd.opts<{ force?: boolean }>().force;
      const errs: string[] = [];
      let fatal = false;
      for (const ref of cmd.args) {
        try {
          for (const l of removeImage(d, ref, force)) println(ctx, l);
        } catch (e) {
          if (!(e instanceof DaemonError)) throw e;
          if (e.kind !== 'notFound') fatal = true;
          errs.push(e.kind === 'notFound' ? `Error: ${e.message}` : daemonSaid(e));
        }
      }
      if (errs.length > 0) eprintln(ctx, errs.join('\n'));
      exit(errs.length > 0 && (!force || fatal) ? 1 : 0);
      return true;
    }
    case 'image': {
      const [verb, ...rest] = args;
      const map: Record<string, string> = { ls: 'images', list: 'images', rm: 'rmi', remove: 'rmi', build: 'build', tag: 'tag', push: 'push', pull: 'pull' };
      if (verb === 'inspect') {
        inspectImages(ctx, d, rest, exit);
        return true;
      }
      return verb !== undefined && map[verb] !== undefined && dockerImageCmd(ctx, d, map[verb]!, rest, exit);
    }
  }
  return false;
}

function imagesList(ctx: Ctx, d: Daemon, args: string[], exit: Exit): boolean {
  const cmd = subcommand('images').option('-q, --quiet').option('-a, --all').option('--no-trunc').option('--digests').option('--format <tpl>').argument('[repository]');
  if (!parseFlags(ctx, cmd, args, 'images', exit)) return true;
  const o = cmd.opts<{ quiet?: boolean; format?: string }>();
  const want = cmd.args[0];
  const now = d.now;
  const rows = [['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE']];
  const entries = [...d.images.entries()]
    .map(([k, id]) => ({ repo: k.slice(0, k.lastIndexOf(':')), tag: k.slice(k.lastIndexOf(':') + 1), img: d.imageById.get(id)! }))
    .filter((e) => want === undefined || e.repo === parseImageRef(want).repo && (want.lastIndexOf(':') < want.lastIndexOf('/') + 1 || e.tag === parseImageRef(want).tag))
    .sort((a, b) => b.img.created - a.img.created || (a.repo < b.repo ? -1 : a.repo > b.repo ? 1 : 0));
  for (const e of entries) rows.push([e.repo, e.tag, e.img.id.slice(0, 12), `${humanDuration(now - e.img.created)} ago`, humanSize(sizeOf(e.img))]);
  if (o.quiet) ctx.term.write([...new Set(entries.map((e) => e.img.id.slice(0, 12)))].map((i) => i + '\n').join(''));
  else ctx.term.write(formatRows(rows, ['Repository', 'Tag', 'ID', 'CreatedSince', 'Size'], o.format));
  exit(0);
  return true;
}

function sizeOf(img: LocalImage): number {
  let n = img.spec.size ?? 0;
  for (const f of img.spec.files?.values() ?? []) n += new TextEncoder().encode(f).length;
  return n;
}

/** `docker image inspect` (and `docker inspect` of a name that is an image): 19.03's fields. */
export function imageJson(d: Daemon, img: LocalImage): object {
  const tags = [...d.images.entries()].filter(([, v]) => v === img.id).map(([k]) => k);
  const env = img.spec.env?.('latest') ?? [];
  const config = {
    Hostname: '', Domainname: '', User: '', AttachStdin: false, AttachStdout: false, AttachStderr: false,
    ...(img.spec.exposed.length > 0 ? { ExposedPorts: Object.fromEntries(img.spec.exposed.map((p) => [p, {}])) } : {}),
    Tty: false, OpenStdin: false, StdinOnce: false,
    Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...env],
    Cmd: img.spec.cmd, Image: img.parent === '' ? '' : `sha256:${img.parent}`, Volumes: null, WorkingDir: '', Entrypoint: null, OnBuild: null, Labels: null,
  };
  return {
    Id: `sha256:${img.id}`,
    RepoTags: tags,
    RepoDigests: [...img.digests.entries()].map(([repo, dg]) => `${repo}@${dg}`),
    Parent: img.parent === '' ? '' : `sha256:${img.parent}`,
    Comment: '',
    Created: rfc3339Nano(img.created),
    Container: '',
    ContainerConfig: config,
    DockerVersion: '19.03.13',
    Author: '',
    Config: config,
    Architecture: 'amd64',
    Os: 'linux',
    Size: sizeOf(img),
    VirtualSize: sizeOf(img),
    GraphDriver: { Data: null, Name: 'overlay2' },
    RootFS: { Type: 'layers', Layers: img.layers.map((l) => `sha256:${l}${'0'.repeat(52)}`) },
    Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
  };
}

/** The image a reference names here: name[:tag] or an ID prefix. */
export function findImage(d: Daemon, ref: string): LocalImage | null {
  return d.localImage(imageKey(ref)) ?? [...d.imageById.values()].find((i) => ref.length >= 4 && i.id.startsWith(ref.replace(/^sha256:/, ''))) ?? null;
}

function inspectImages(ctx: Ctx, d: Daemon, args: string[], exit: Exit): void {
  const cmd = subcommand('inspect').option('-f, --format <tpl>');
  if (!parseFlags(ctx, cmd, args, 'image inspect', exit)) return;
  const format = cmd.opts<{ format?: string }>().format;
  const out: object[] = [];
  let rc = 0;
  for (const ref of cmd.args) {
    const img = findImage(d, ref);
    if (img === null) {
      eprintln(ctx, `Error: No such image: ${ref}`);
      rc = 1;
    } else if (format !== undefined) println(ctx, goTemplate(format, imageJson(d, img)));
    else out.push(imageJson(d, img));
  }
  if (format === undefined && (out.length > 0 || rc === 0)) println(ctx, goJson(out));
  exit(rc);
}
