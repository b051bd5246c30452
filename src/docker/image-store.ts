// The images one daemon holds: each an ID (the sha256 of its config), the behaviour it runs (its
// ImageSpec), its layers and the tags that name it. A build adds layers on a base image and
// carries the files its ADD/COPY lines put in (dockerd's classic builder, builder/dockerfile).
import type { Nanos } from '../sim/clock.js';
import type { Rng } from '../core/rng.js';
import type { ImageSpec } from './images.js';

export interface LocalImage {
  /** sha256 hex (64). */
  readonly id: string;
  readonly spec: ImageSpec;
  /** Layer IDs (12 hex, as pull and push print them), base first. */
  readonly layers: readonly string[];
  readonly created: Nanos;
  /** The image a build step started from ('' for a pulled image). */
  readonly parent: string;
  /** repo → manifest digest, once pulled from or pushed to a registry (RepoDigests). */
  readonly digests: Map<string, string>;
}

export function newImage(rng: Rng, spec: ImageSpec, layers: readonly string[], created: Nanos, parent = ''): LocalImage {
  return { id: rng.hex(64), spec, layers, created, parent, digests: new Map() };
}

/** One Dockerfile instruction as the parser reads it (line continuations joined). */
export interface Instruction {
  readonly line: number;
  readonly verb: string;
  readonly args: string;
  /** The instruction as `Step n/m :` echoes it. */
  readonly text: string;
}

const VERBS = new Set(['FROM', 'ADD', 'COPY', 'RUN', 'CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'MAINTAINER', 'WORKDIR', 'USER', 'VOLUME', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL']);

/** Parses a Dockerfile; a string is the daemon's parse error. */
export function parseDockerfile(text: string): Instruction[] | string {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i]!.trim();
    const start = i + 1;
    if (l === '' || l.startsWith('#')) continue;
    while (l.endsWith('\\') && i + 1 < lines.length) l = l.slice(0, -1).trimEnd() + ' ' + lines[++i]!.trim();
    const m = /^(\S+)\s*(.*)$/.exec(l)!;
    const verb = m[1]!.toUpperCase();
    if (!VERBS.has(verb)) return `dockerfile parse error line ${start}: unknown instruction: ${m[1]!.toUpperCase()}`;
    out.push({ line: start, verb, args: m[2]!, text: `${m[1]} ${m[2]}`.trim() });
  }
  if (out.length === 0) return 'the Dockerfile (Dockerfile) cannot be empty';
  if (out[0]!.verb !== 'FROM' && out[0]!.verb !== 'ARG') return 'failed to process "' + out[0]!.text + '": no build stage in current context';
  return out;
}

/** JSON-array or shell form of CMD/ENTRYPOINT/RUN, as the argv docker stores. */
export function execForm(args: string): string[] {
  const t = args.trim();
  if (t.startsWith('[')) {
    try {
      const v: unknown = JSON.parse(t);
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    } catch {
      // not JSON: the shell form below
    }
  }
  return ['/bin/sh', '-c', t];
}

/**
 * ADD/COPY `src... dest` from the build context into the image's files: a directory source copies
 * its contents, a file goes to dest (or into it when dest ends with `/` or there are several).
 * Returns the missing source, or null.
 */
export function addFiles(files: Map<string, string>, context: ReadonlyMap<string, string>, args: string, workdir: string): string | null {
  const words = args.trim().split(/\s+/);
  const dest0 = words.pop() ?? '';
  const dest = dest0.startsWith('/') ? dest0 : `${workdir.replace(/\/$/, '')}/${dest0}`;
  for (const raw of words) {
    const src = raw.replace(/^\.\//, '').replace(/\/$/, '');
    if (src === '.' || src === '') {
      for (const [p, data] of context) files.set(`${dest.replace(/\/$/, '')}/${p}`, data);
      continue;
    }
    const file = context.get(src);
    if (file !== undefined) {
      const into = dest.endsWith('/') || words.length > 1;
      files.set(into ? `${dest.replace(/\/$/, '')}/${src.slice(src.lastIndexOf('/') + 1)}` : dest, file);
      continue;
    }
    const under = [...context.keys()].filter((p) => p.startsWith(`${src}/`));
    if (under.length === 0) return src;
    for (const p of under) files.set(`${dest.replace(/\/$/, '')}/${p.slice(src.length + 1)}`, context.get(p)!);
  }
  return null;
}

/** The size `Sending build context` reports: the tar stream of the context (512-byte headers,
 *  contents padded to 512, directories as headers, two zero blocks at the end). */
export function contextTarSize(context: ReadonlyMap<string, string>): number {
  const enc = new TextEncoder();
  const dirs = new Set<string>();
  let size = 1024;
  for (const [p, data] of context) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
    size += 512 + Math.ceil(enc.encode(data).length / 512) * 512;
  }
  return size + dirs.size * 512;
}
