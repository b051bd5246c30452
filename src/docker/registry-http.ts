// A Docker registry (registry:2) and the daemon's side of push and pull, over the simulated TCP:
// the Registry HTTP API v2 routes the exchange needs (`GET /v2/`, blob checks and uploads, manifest
// PUT and GET). The bytes of blobs are not modelled: a blob stands for itself by digest in the
// world's content store (Registry.blobs), the manifest names the image config by its digest.
import { createHash } from 'node:crypto';
import type { Ip4 } from '../core/addr.js';
import { httpServe } from '../apps/http.js';
import type { HttpRequest, HttpResponse } from '../apps/http.js';
import type { Netns } from '../kernel/netns.js';
import { tcpConnect } from '../kernel/tcp.js';
import type { Daemon } from './daemon.js';
import type { LocalImage } from './image-store.js';
import type { Container } from './model.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** What one registry container stores: manifests by `name:tag` (the image ID their config names)
 *  and the layer blobs it has received. */
interface RegistryState {
  readonly manifests: Map<string, string>;
  readonly blobs: Set<string>;
}

/** registry:2 listening on 5000 in its container. */
export function serveRegistry(d: Daemon, c: Container, port: number): boolean {
  const state: RegistryState = { manifests: new Map(), blobs: new Set() };
  const served: string[] = [];
  c.stops.push(() => {
    for (const k of served) d.registry.served.delete(k);
  });
  return httpServe(c.sandbox, port, (req, respond) => respond(handle(d, state, served, req)), 'registry/2.0');
}

function handle(d: Daemon, state: RegistryState, served: string[], req: HttpRequest): HttpResponse {
  if (req.path === '/v2/') return { status: 200, body: '{}', contentType: 'application/json; charset=utf-8' };
  const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/?]+)$/.exec(req.path);
  if (m === null) return { status: 404, body: '404 page not found\n' };
  const [, name, kind, ref] = m as unknown as [string, string, string, string];
  if (kind === 'blobs') {
    if (req.method === 'PUT') state.blobs.add(ref);
    return state.blobs.has(ref) ? { status: 200, body: '' } : { status: 404, body: '{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}\n' };
  }
  const key = `${name}:${ref}`;
  if (req.method === 'PUT') {
    const id = (req.headers.get('docker-content-digest') ?? '').replace(/^sha256:/, '');
    state.manifests.set(key, id);
    // What a pull by this address finds (swarm tasks resolve images through it).
    const addr = `${req.headers.get('host') ?? ''}/${key}`;
    d.registry.served.set(addr, id);
    served.push(addr);
    return { status: 201, body: '' };
  }
  const id = state.manifests.get(key);
  if (id === undefined) return { status: 404, body: '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}\n' };
  return { status: 200, body: JSON.stringify({ config: { digest: `sha256:${id}` } }), contentType: 'application/vnd.docker.distribution.manifest.v2+json' };
}

export interface RegistryReply {
  /** errno when the connection failed. */
  readonly errno: number;
  readonly status: number;
  readonly body: string;
}

/** One HTTP/1.1 request to the registry (one connection, closed by the server after answering). */
export function registryRequest(ns: Netns, ip: Ip4, port: number, host: string, method: string, path: string, headers: Record<string, string>, done: (r: RegistryReply) => void): void {
  let raw = '';
  let finished = false;
  const finish = (r: RegistryReply): void => {
    if (!finished) {
      finished = true;
      done(r);
    }
  };
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  const c = tcpConnect(ns, ip, port, {
    onConnect: (conn) => conn.send(enc.encode(`${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: docker/19.03.13 go/go1.13.15\r\n${extra}\r\n`)),
    onData: (_conn, data) => {
      raw += dec.decode(data);
    },
    onPeerClose: (conn) => {
      conn.close();
      const end = raw.indexOf('\r\n\r\n');
      finish({ errno: 0, status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(raw)?.[1] ?? 0), body: end < 0 ? '' : raw.slice(end + 4) });
    },
    onError: (_conn, errno) => finish({ errno, status: 0, body: '' }),
  });
  if (typeof c === 'number') finish({ errno: c, status: 0, body: '' });
}

/** The schema2 manifest of an image as the daemon pushes it (3-space indented JSON), whose
 *  sha256 is the digest push prints and size its length. */
export function manifestOf(img: LocalImage): { text: string; digest: string } {
  const per = Math.round((img.spec.size ?? 5_000_000) / Math.max(1, img.layers.length) / 2.5);
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 7503, digest: `sha256:${img.id}` },
    layers: img.layers.map((l) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: per, digest: `sha256:${createHash('sha256').update(l).digest('hex')}` })),
  };
  const text = JSON.stringify(manifest, null, 3);
  return { text, digest: `sha256:${createHash('sha256').update(text).digest('hex')}` };
}
