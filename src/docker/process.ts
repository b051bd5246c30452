// What a container's main process does, from its image: servers listen on their ports (in the
// sandbox, or in the host for --network host), a shell without a terminal exits at once, a loop
// keeps running, and an image missing required settings (mysql without a password) exits with
// its error.
import { formatIp4 } from '../core/addr.js';
import { httpServe, sizedBody } from '../apps/http.js';
import { resolveHost } from '../apps/resolver.js';
import { tcpConnect, tcpListen } from '../kernel/tcp.js';
import { publishPorts } from './bridge.js';
import { serveRegistry } from './registry-http.js';
import { MysqlServer, serveMysql } from '../apps/mysql-server.js';
import type { Daemon } from './daemon.js';
import { fillBody } from './images.js';
import type { ImagePort } from './images.js';
import type { Container } from './model.js';

/** Commands that keep running without a terminal. */
export function longRunning(cmd: string[]): boolean {
  const text = cmd.join(' ');
  return /while\s+true|sleep\s+\d|tail\s+-f|\bping\b|\btop\b|sleep\s+infinity/.test(text);
}

/**
 * The exit status of a short command run detached, where it can be told without running it:
 * `false`, and a shell's `exit N` (what restart-policy examples use to make a container fail);
 * any other short command is taken to succeed.
 */
export function shortExitCode(cmd: readonly string[]): number {
  const text = cmd.join(' ').trim();
  if (/^(\/bin\/|\/usr\/bin\/)?false$/.test(text)) return 1;
  const exit = /^(?:\/bin\/)?(?:ba)?sh -c (?:exit (\d+)|(false))$/.exec(text);
  if (exit !== null) return exit[2] !== undefined ? 1 : Number(exit[1]) & 255;
  return 0;
}

function listen(d: Daemon, c: Container, p: ImagePort): boolean {
  const ns = c.sandbox;
  const b = p.behaviour;
  if (b.kind === 'tcp') return tcpListen(ns, p.port, 0, () => ({})) !== null;
  if (b.kind === 'http') {
    // The body with {hostname} and {tag} filled, kept while they stay the same (fillBody fills
    // {client_ip} last: filling it alone per request gives the same text); {client_ip} filled
    // with itself is left as it was.
    let filledHost: string | null = null;
    let filledTag: string | null = null;
    let filled = '';
    return httpServe(
      ns,
      p.port,
      (req, respond) => {
        // A document root serves the container's own file for the path (what a build added).
        const file = b.root === undefined ? undefined : c.files.get(`${b.root}${req.path.endsWith('/') ? `${req.path}index.html` : req.path}`);
        if (file !== undefined) return respond({ status: 200, body: file });
        if (c.hostname !== filledHost || c.image.tag !== filledTag) {
          filled = fillBody(b.body, { hostname: c.hostname, tag: c.image.tag, client: '{client_ip}' });
          filledHost = c.hostname;
          filledTag = c.image.tag;
        }
        respond({ status: 200, body: sizedBody(filled.replace(/\{client_ip\}/g, formatIp4(req.peer)), b.size ?? null) });
      },
      { keepAlive: b.keepAlive === true },
    );
  }
  if (b.kind === 'registry') return serveRegistry(d, c, p.port);
  if (b.kind === 'mysql') {
    const server = new MysqlServer((c.env.get('MYSQL_VERSION') ?? '8.0.22').replace(/-.*$/, ''), c.files);
    if (!server.initialized) c.logs.push(...server.initialize(c.env, d.rng));
    const stop = serveMysql(ns, p.port, server);
    if (stop !== null) c.stops.push(stop);
    return stop !== null;
  }
  // WordPress answers only once it reaches its database (WORDPRESS_DB_HOST, default mysql:3306).
  return httpServe(ns, p.port, (_req, respond) => {
    const [dbHost, dbPort] = (c.env.get('WORDPRESS_DB_HOST') ?? 'mysql').split(':');
    const broken = (): void => respond({ status: 500, body: '<h1>Error establishing a database connection</h1>\n', contentType: 'text/html' });
    resolveHost({ ns, files: c.files }, dbHost!, (ip) => {
      if (ip === null) return broken();
      const conn = tcpConnect(ns, ip, Number(dbPort ?? 3306), {
        onConnect: (db) => {
          db.close();
          respond({ status: 200, body: '<title>WordPress &rsaquo; Installation</title>\n', contentType: 'text/html' });
        },
        onError: () => broken(),
      });
      if (typeof conn === 'number') broken();
    });
  });
}

export function startProcess(d: Daemon, c: Container): void {
  const spec = c.spec;
  const req = spec.requireEnv;
  if (req !== undefined && !req.anyOf.some((k) => c.env.has(k)) && !(req.unlessFile !== undefined && c.files.has(req.unlessFile))) {
    c.logs.push(req.error);
    exitSoon(d, c, 1);
    return;
  }
  const ns = c.sandbox;
  for (const p of spec.ports) {
    if (!listen(d, c, p)) {
      c.logs.push(`bind() to 0.0.0.0:${p.port} failed (98: Address already in use)`);
      exitSoon(d, c, 1);
      return;
    }
    c.stops.push(() => {
      if (p.proto === 'tcp') ns.sockets.tcpListeners.delete(p.port);
      else ns.sockets.unbindUdp(p.port);
    });
  }
  c.unpublish = publishPorts(d, c);
  if (spec.crash !== undefined) {
    const crash = spec.crash;
    const t = d.world.eq.after(Math.max(1, crash.after), () => d.processExited(c, crash.code));
    c.stops.push(() => d.world.eq.cancel(t));
  }
  if (!spec.daemon && !c.tty && !c.attached && !longRunning(c.cmd)) exitSoon(d, c, shortExitCode(c.cmd));
}

/** The process ends right after starting (a shell with nothing to do, a failed check). */
function exitSoon(d: Daemon, c: Container, code: number): void {
  d.world.eq.after(1, () => d.processExited(c, code));
}

export function stopProcess(_d: Daemon, c: Container): void {
  c.unpublish?.();
  c.unpublish = null;
  for (const f of c.stops.splice(0)) f();
}
