// curl URL (curl 7.29, as on CentOS 7): GET over the simulated TCP, body to the terminal, errors
// with curl's codes: 6 cannot resolve, 7 cannot connect (refused, unreachable, timed out), 28
// timed out under -m. -s hides the error text unless -S; -i/-I show the response head.
import { Command, CommanderError } from 'commander';
import { httpGet } from '../apps/http.js';
import type { TcpConn } from '../kernel/tcp.js';
import { SEC } from '../sim/clock.js';
import type { Program } from './program.js';
import { println } from './program.js';
import { resolveHost } from '../apps/resolver.js';

export const ERRNO_TEXT: Record<number, string> = {
  111: 'Connection refused',
  110: 'Connection timed out',
  113: 'No route to host',
  101: 'Network is unreachable',
  104: 'Connection reset by peer',
  13: 'Permission denied',
  22: 'Invalid argument',
  105: 'No buffer space available',
  1: 'Operation not permitted',
};

export function parseUrl(url: string): { host: string; port: number; path: string } | null {
  const m = /^(?:http:\/\/)?([^/:]+)(?::(\d+))?(\/.*)?$/.exec(url);
  if (m === null) return null;
  const port = m[2] === undefined ? 80 : Number(m[2]);
  if (port < 1 || port > 65535) return null;
  return { host: m[1]!, port, path: m[3] ?? '/' };
}

export const curl: Program = (ctx, argv, exit) => {
  const cmd = new Command('curl')
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined })
    .option('-s, --silent')
    .option('-S, --show-error')
    .option('-i, --include')
    .option('-I, --head')
    .option('-v, --verbose')
    .option('-m, --max-time <seconds>')
    .option('--connect-timeout <seconds>')
    .option('-o, --output <file>')
    .option('-L, --location')
    .option('-H, --header <header>')
    .argument('[url]');
  try {
    cmd.parse(argv.slice(1), { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    const opt = /option '([^' ]+)/.exec(e.message)?.[1] ?? '';
    println(ctx, `curl: option ${opt}: is unknown`);
    println(ctx, `curl: try 'curl --help' or 'curl --manual' for more information`);
    return exit(2);
  }
  const o = cmd.opts<{ silent?: boolean; showError?: boolean; include?: boolean; head?: boolean; maxTime?: string; connectTimeout?: string; output?: string }>();
  const url = cmd.args[0];
  const showErr = !o.silent || !!o.showError;
  const fail = (code: number, msg: string): void => {
    if (showErr) println(ctx, `curl: (${code}) ${msg}`);
    exit(code);
  };
  if (url === undefined) {
    println(ctx, 'curl: no URL specified!');
    println(ctx, "curl: try 'curl --help' or 'curl --manual' for more information");
    return exit(2);
  }
  const u = parseUrl(url);
  if (u === null) return fail(3, `<url> malformed`);
  resolveHost(ctx, u.host, (dst) => {
    if (dst === null) return fail(6, `Could not resolve host: ${u.host}; Name or service not known`);
    fetch(dst, u);
  });

  function fetch(dst: number, u: { host: string; port: number; path: string }): void {
    const eq = ctx.world.eq;
    const start = eq.now;
    let done = false;
    let conn: TcpConn | null = null;
    let timer = -1;
    const maxTime = o.maxTime === undefined ? 0 : Number(o.maxTime);
    conn = httpGet(ctx.ns, dst, u.port, u.port === 80 ? u.host : `${u.host}:${u.port}`, u.path, 'curl/7.29.0', (r) => {
      if (done) return;
      done = true;
      if (timer >= 0) eq.cancel(timer);
      if (r.errno !== 0) return fail(7, `Failed connect to ${u.host}:${u.port}; ${ERRNO_TEXT[r.errno] ?? `errno ${r.errno}`}`);
      if (o.include || o.head) ctx.term.write(r.headers.replace(/\r\n/g, '\n') + '\n\n');
      if (!o.head && o.output === undefined) ctx.term.write(r.body);
      exit(0);
    });
    if (maxTime > 0 && !done) {
      timer = eq.after(maxTime * SEC, () => {
        if (done) return;
        done = true;
        const connected = conn !== null && conn.state !== 'SYN_SENT';
        conn?.abort();
        const ms = Math.round((eq.now - start) / 1e6) + 1;
        fail(28, connected ? `Operation timed out after ${ms - 1} milliseconds with 0 out of -1 bytes received` : `Connection timed out after ${ms} milliseconds`);
      });
    }
  }
};
