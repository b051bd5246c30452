// Images as named behaviours: what a container of that image runs, which ports it listens on and
// what it answers, which userland `docker exec` finds in it. The catalogue covers the images the
// seeds use; a scenario can declare its own under `images:`.
import type { LocalImage } from './image-store.js';
import { createHash } from 'node:crypto';
import { manifestOf } from './registry-http.js';

/** What a listening port does when a client connects. */
export type PortBehaviour =
  // placeholders: {hostname}, {tag}, {client_ip}; with `root`, a file under it in the container
  // (an index.html an image build added) is served instead; `size` repeats the body to that many
  // bytes, `keepAlive` keeps connections for further requests (apps/http.ts)
  | { readonly kind: 'http'; readonly body: string; readonly root?: string; readonly size?: number | null; readonly keepAlive?: boolean }
  | { readonly kind: 'registry' } // the Docker Registry HTTP API v2 (registry:2)
  | { readonly kind: 'mysql' } // mysqld (apps/mysql-server.ts)
  | { readonly kind: 'wordpress' } // needs its database: answers an install page or a DB error
  | { readonly kind: 'tcp' }; // accepts and keeps the connection (mysql, redis)

export interface ImagePort {
  readonly port: number;
  readonly proto: 'tcp' | 'udp';
  readonly behaviour: PortBehaviour;
}

export interface ImageSpec {
  /** Repository without tag, e.g. `jwilder/whoami`. */
  readonly repo: string;
  /** The userland `docker exec` runs: busybox tools or GNU ones (centos, debian-based images). */
  readonly shell: 'busybox' | 'gnu';
  /** The default command, as `docker ps` shows it (entrypoint and cmd joined). */
  readonly cmd: string[];
  /** Keeps running without a terminal (a server); a shell exits at once unless given -t or a loop. */
  readonly daemon: boolean;
  readonly ports: ImagePort[];
  /** `EXPOSE`d ports, as `docker ps` lists them when unpublished. */
  readonly exposed: string[];
  /** Required environment: the container exits with this message when none of the keys is set. */
  readonly requireEnv?: { readonly anyOf: string[]; readonly error: string; readonly unlessFile?: string };
  /** Layers the first pull prints. */
  readonly layers: number;
  /** The image's VOLUME paths: each container gets an anonymous volume there unless a mount covers it. */
  readonly volumes?: readonly string[];
  /** The image's own ENV lines for a tag (mysql's MYSQL_VERSION tells its client which release it is). */
  readonly env?: (tag: string) => string[];
  /** A server that is PID 1 without a SIGTERM handler (busybox httpd): `docker stop` kills it. */
  readonly pid1IgnoresTerm?: boolean;
  /** A broken image: its process exits with this code this long after starting. */
  readonly crash?: { readonly code: number; readonly after: number };
  /** Files the image holds beyond the behaviour (what a build's ADD/COPY put in), by absolute path. */
  readonly files?: ReadonlyMap<string, string>;
  /** Commands the image lacks though its userland flavour has them (nginx has no ip or ping). */
  readonly missing?: readonly string[];
  /** The image has yum (CentOS-based; images built FROM one inherit it). Others lack the command. */
  readonly yum?: boolean;
  /** Bytes, as `docker images` shows the release the seeds pulled. */
  readonly size?: number;
}

const http = (port: number, body: string): ImagePort => ({ port, proto: 'tcp', behaviour: { kind: 'http', body } });
const tcp = (port: number): ImagePort => ({ port, proto: 'tcp', behaviour: { kind: 'tcp' } });

const NGINX_PAGE = '<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n<p>If you see this page, the nginx web server is successfully installed and\nworking. Further configuration is required.</p>\n</body>\n</html>\n';

/** What the mysql tags the seeds pull held then: `mysql:5.7` was 5.7.28 in October 2019 (seed 002),
 *  `mysql`/`latest` 8.0.22 in October 2020 (seed 004); an exact tag is its own release. */
function mysqlEnv(tag: string): string[] {
  const version = /^\d+\.\d+\.\d+$/.test(tag) ? tag : tag.startsWith('5') ? '5.7.28' : '8.0.22';
  const major = version.split('.').slice(0, 2).join('.');
  return [`MYSQL_MAJOR=${major}`, `MYSQL_VERSION=${version}-1debian${major === '5.7' ? 9 : 10}`];
}

const CATALOGUE: ImageSpec[] = [
  { repo: 'busybox', shell: 'busybox', cmd: ['sh'], daemon: false, ports: [], exposed: [], layers: 1, size: 1_232_000 },
  { repo: 'alpine', shell: 'busybox', cmd: ['/bin/sh'], daemon: false, ports: [], exposed: [], layers: 1, size: 5_577_000 },
  { repo: 'centos', shell: 'gnu', cmd: ['/bin/bash'], daemon: false, ports: [], exposed: [], layers: 1, size: 215_000_000, yum: true },
  { repo: 'ubuntu', shell: 'gnu', cmd: ['/bin/bash'], daemon: false, ports: [], exposed: [], layers: 4, size: 72_900_000 },
  {
    repo: 'nginx', shell: 'gnu', cmd: ['nginx', '-g', 'daemon off;'], daemon: true, ports: [{ port: 80, proto: 'tcp', behaviour: { kind: 'http', body: NGINX_PAGE, root: '/usr/share/nginx/html' } }], exposed: ['80/tcp'], layers: 3, size: 132_900_000,
    files: new Map([['/usr/share/nginx/html/index.html', NGINX_PAGE]]),
    // Debian slim without iproute2, iputils or dnsutils (seed 003: "nginx镜像没有网络工具").
    missing: ['ip', 'ping', 'nslookup', 'ifconfig', 'netstat'],
  },
  { repo: 'registry', shell: 'busybox', cmd: ['/entrypoint.sh', '/etc/docker/registry/config.yml'], daemon: true, ports: [{ port: 5000, proto: 'tcp', behaviour: { kind: 'registry' } }], exposed: ['5000/tcp'], layers: 5, size: 26_200_000 },
  { repo: 'httpd', shell: 'gnu', cmd: ['httpd-foreground'], daemon: true, ports: [http(80, '<html><body><h1>It works!</h1></body></html>\n')], exposed: ['80/tcp'], layers: 5 },
  { repo: 'jwilder/whoami', shell: 'busybox', cmd: ['/app/http'], daemon: true, ports: [http(8000, "I'm {hostname}\n")], exposed: ['8000/tcp'], layers: 3 },
  { repo: 'xiaopeng163/python-flask-demo', shell: 'gnu', cmd: ['python', 'app.py'], daemon: true, ports: [http(5000, 'hello docker, version {tag}\n')], exposed: ['5000/tcp'], layers: 8 },
  {
    repo: 'mysql', shell: 'gnu', cmd: ['docker-entrypoint.sh', 'mysqld'], daemon: true, ports: [{ port: 3306, proto: 'tcp', behaviour: { kind: 'mysql' } }, tcp(33060)], exposed: ['3306/tcp', '33060/tcp'], layers: 12,
    env: mysqlEnv, volumes: ['/var/lib/mysql'],
    requireEnv: { anyOf: ['MYSQL_ROOT_PASSWORD', 'MYSQL_ROOT_PASSWORD_FILE', 'MYSQL_ALLOW_EMPTY_PASSWORD', 'MYSQL_RANDOM_ROOT_PASSWORD'], error: 'error: database is uninitialized and password option is not specified \n  You need to specify one of MYSQL_ROOT_PASSWORD, MYSQL_ALLOW_EMPTY_PASSWORD and MYSQL_RANDOM_ROOT_PASSWORD',
      // An initialised data directory (a kept volume) needs none of them.
      unlessFile: '/var/lib/mysql/mysql/user.MYD' },
  },
  { repo: 'redis', shell: 'gnu', cmd: ['docker-entrypoint.sh', 'redis-server'], daemon: true, ports: [tcp(6379)], exposed: ['6379/tcp'], layers: 6, volumes: ['/data'] },
  { repo: 'wordpress', shell: 'gnu', cmd: ['docker-entrypoint.sh', 'apache2-foreground'], daemon: true, ports: [{ port: 80, proto: 'tcp', behaviour: { kind: 'wordpress' } }], exposed: ['80/tcp'], layers: 20 },
  { repo: 'dockersamples/examplevotingapp_vote', shell: 'gnu', cmd: ['gunicorn', 'app:app', '-b', '0.0.0.0:80'], daemon: true, ports: [http(80, '<title>Cats vs Dogs!</title>\nProcessed by container ID {hostname}\n')], exposed: ['80/tcp'], layers: 9 },
  { repo: 'dockersamples/examplevotingapp_result', shell: 'gnu', cmd: ['node', 'server.js'], daemon: true, ports: [http(80, '<title>Cats vs Dogs -- Result</title>\n')], exposed: ['80/tcp'], layers: 9 },
  { repo: 'dockersamples/examplevotingapp_worker', shell: 'gnu', cmd: ['dotnet', 'Worker.dll'], daemon: true, ports: [], exposed: [], layers: 7 },
  { repo: 'dockersamples/visualizer', shell: 'busybox', cmd: ['npm', 'start'], daemon: true, ports: [http(8080, '<title>Visualizer</title>\n')], exposed: ['8080/tcp'], layers: 6 },
  { repo: 'postgres', shell: 'gnu', cmd: ['docker-entrypoint.sh', 'postgres'], daemon: true, ports: [tcp(5432)], exposed: ['5432/tcp'], layers: 13 },
];

export interface ImageRef {
  /** As written by the user (shown by `docker ps` and services). */
  readonly text: string;
  readonly repo: string;
  readonly tag: string;
  /** `sha256:…` when the reference is pinned (`name:tag@sha256:…`), else null. */
  readonly digest?: string | null;
}

/** Splits `registry:5000/name:tag[@sha256:…]` into repository, tag (default `latest`) and digest. */
export function parseImageRef(text: string): ImageRef {
  const at = text.indexOf('@');
  const name = at < 0 ? text : text.slice(0, at);
  const digest = at < 0 ? null : text.slice(at + 1);
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) return { text, repo: name.slice(0, colon), tag: name.slice(colon + 1), digest };
  return { text, repo: name, tag: 'latest', digest };
}

/** The daemon's error for an image it does not have (moby 19.03 daemon/images ErrImageDoesNotExist:
 *  "No such image: " + reference.FamiliarString(ref)): the name, its tag (latest by default) and
 *  the digest a swarm task's image is pinned to (`nginx:latest@sha256:…`, moby#38315). */
/** The commands a container of the image lacks: its own list, and yum unless it is CentOS-based
 *  (busybox, alpine and the Debian-based images have no yum). */
export function imageMissing(spec: ImageSpec): Set<string> {
  const out = new Set(spec.missing ?? []);
  if (spec.yum !== true) out.add('yum');
  return out;
}

export function noSuchImage(ref: ImageRef): string {
  return `No such image: ${ref.repo}:${ref.tag}${ref.digest !== null && ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** What registries hold: the catalogue plus the scenario's own images (repo:tag or repo for all tags). */
export class Registry {
  private readonly own = new Map<string, ImageSpec>();
  /** The content store pushes and pulls move images through, by image ID (stands for the blobs). */
  readonly blobs = new Map<string, LocalImage>();
  /** `host:port/name:tag` → image ID, for each manifest a running registry container holds. */
  readonly served = new Map<string, string>();
  private readonly ids = new Map<string, { readonly digest: string; readonly id: string; readonly layers: readonly string[] }>();

  /**
   * The manifest digest the registry serves for `repo:tag`, its layers, and the image ID a pull
   * of it gives: one image has one digest, one set of layers and one ID on every node (a hash of the name: deterministic, and the
   * same whichever node pulls first).
   */
  identity(key: string, layers = 0): { readonly digest: string; readonly id: string; readonly layers: readonly string[] } {
    // An image pushed to a registry container is served under the digest its push printed (the
    // manifest's sha256), which is what a service's image is then pinned to.
    const pushed = this.blobs.get(this.served.get(key) ?? '');
    if (pushed !== undefined) return { digest: manifestOf(pushed).digest, id: pushed.id, layers: pushed.layers };
    let v = this.ids.get(key);
    if (v === undefined) {
      const ls = Array.from({ length: layers }, (_, i) => sha256(`layer ${i} ${key}`));
      this.ids.set(key, (v = { digest: `sha256:${sha256(`manifest ${key}`)}`, id: sha256(`config ${key}`), layers: ls }));
    }
    return v;
  }

  declare(nameTag: string, spec: ImageSpec): void {
    this.own.set(nameTag, spec);
  }

  find(ref: ImageRef): ImageSpec | null {
    const own = this.own.get(`${ref.repo}:${ref.tag}`) ?? this.own.get(ref.repo);
    if (own !== undefined) return own;
    const served = this.served.get(`${ref.repo}:${ref.tag}`);
    if (served !== undefined) return this.blobs.get(served)?.spec ?? null;
    const base = ref.repo.replace(/^library\//, '');
    return CATALOGUE.find((s) => s.repo === base) ?? null;
  }
}

/** Fills an HTTP body template. */
export function fillBody(body: string, vars: { hostname: string; tag: string; client: string }): string {
  return body.replace(/\{hostname\}/g, vars.hostname).replace(/\{tag\}/g, vars.tag).replace(/\{client_ip\}/g, vars.client);
}
