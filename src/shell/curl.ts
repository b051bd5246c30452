// curl URL... (curl 7.29, as on CentOS 7): GET over the simulated TCP, body to the terminal (or -o
// FILE), errors with curl's codes: 6 cannot resolve, 7 cannot connect (refused, unreachable, timed
// out), 28 timed out under -m/--max-time, 52 empty reply, 18 transfer cut short, 56 the connection
// failed while receiving (reset by peer, timed out). -s hides the error text unless -S; -i/-I show
// the response head; -H adds or replaces a request header; -w prints %{http_code},
// %{size_download}, … after each transfer. Several URLs on one host:port go over one connection
// when the server keeps it alive (curl's connection cache); otherwise each opens its own.
import { textMemo } from '../core/memo.js';
import { Command, CommanderError } from 'commander';
import { HttpClient } from '../apps/http.js';
import type { HttpResult } from '../apps/http.js';
import { formatIp4 } from '../core/addr.js';
import { SEC } from '../sim/clock.js';
import type { Program } from './program.js';
import { println, resolvePath } from './program.js';
import { resolveHost } from '../apps/resolver.js';

export const ERRNO_TEXT: Record<number, string> = {
  111: 'Connection refused',
  110: 'Connection timed out',
  113: 'No route to host',
  101: 'Network is unreachable',
  104: 'Connection reset by peer',
  32: 'Broken pipe',
  13: 'Permission denied',
  22: 'Invalid argument',
  105: 'No buffer space available',
  1: 'Operation not permitted',
  99: 'Cannot assign requested address',
};

export function parseUrl(url: string): { host: string; port: number; path: string } | null {
  const m = /^(?:http:\/\/)?([^/:]+)(?::(\d+))?(\/.*)?$/.exec(url);
  if (m === null) return null;
  const port = m[2] === undefined ? 80 : Number(m[2]);
  if (port < 1 || port > 65535) return null;
  return { host: m[1]!, port, path: m[3] ?? '/' };
}

interface Opts {
  silent?: boolean;
  showError?: boolean;
  include?: boolean;
  head?: boolean;
  maxTime?: string;
  connectTimeout?: string;
  output?: string;
  header?: string[];
  writeOut?: string;
}

/** What -w's variables print for one transfer. */
interface Transfer {
  code: number;
  size: number;
  headerSize: number;
  seconds: number;
  ip: string;
  port: number;
  url: string;
}

/** curl's -w format: %{var} and the \n \r \t escapes; unknown variables print nothing. */
export function writeOut(fmt: string, t: Transfer): string {
  return fmt
    .replace(/%\{(\w+)\}/g, (_m, v: string) => {
      switch (v) {
        case 'http_code':
        case 'response_code':
          return String(t.code).padStart(3, '0');
        case 'size_download':
          return String(t.size);
        case 'size_header':
          return String(t.headerSize);
        case 'time_total':
          return t.seconds.toFixed(3);
        case 'remote_ip':
          return t.ip;
        case 'remote_port':
          return String(t.port);
        case 'url_effective':
          return t.url;
        default:
          return '';
      }
    })
    .replace(/\\n/g, '\n')
    .replace(/\\r/g, '\r')
    .replace(/\\t/g, '\t');
}

/** max5data (lib/progress.c): a byte count in five columns. */
function max5(n: number): string {
  const K = 1024;
  const M = K * K;
  if (n < 100000) return String(n).padStart(5);
  if (n < 10000 * K) return `${String(Math.floor(n / K)).padStart(4)}k`;
  if (n < 100 * M) return `${String(Math.floor(n / M)).padStart(2)}.${Math.floor((n % M) / (M / 10))}M`;
  return `${String(Math.floor(n / M)).padStart(4)}M`;
}

function hms(s: number): string {
  if (s < 1) return '--:--:--';
  const t = Math.floor(s);
  return `${String(Math.floor(t / 3600)).padStart(2)}:${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
}

/** The progress meter curl prints to stderr when the body goes to a file, in its final state. */
function progressMeter(total: number, got: number, seconds: number): string {
  const speed = seconds > 0 ? Math.floor(got / seconds) : got;
  const pct = (n: number): string => String(total > 0 ? Math.floor((n * 100) / total) : 0).padStart(3);
  return (
    '  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n' +
    '                                 Dload  Upload   Total   Spent    Left  Speed\n' +
    `\r${pct(got)} ${max5(total)}  ${pct(got)} ${max5(got)}    0     0  ${max5(speed)}      0 ${hms(seconds)} ${hms(seconds)} --:--:-- ${max5(speed)}\n`
  );
}

/** What parsing one argv gave: the options and URLs, or the unknown option commander reported. */
type Parsed = { opts: Readonly<Opts>; urls: readonly string[] } | { unknown: string };

/**
 * Parses are kept by argv: a `traffic` loop runs the same curl line every few milliseconds, and
 * building commander's Command (an EventEmitter with a listener per option) cost more than the
 * HTTP request through the simulated mesh. Parsing is a pure function of argv; what is kept is
 * never modified.
 */

/** The last argv parsed and its parse: a loop's curl is the same argv, compared without a join. */
let lastArgv: readonly string[] = [];
let lastParsed: Parsed | null = null;

function sameArgv(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function parseArgs(argv: string[]): Parsed {
  if (lastParsed !== null && sameArgv(argv, lastArgv)) return lastParsed;
  lastParsed = parseArgsKept(argv.join('\0'));
  lastArgv = argv.slice();
  return lastParsed;
}

/** argv joined by NUL (which no argument holds) to its parse. */
const parseArgsKept = textMemo((key: string): Parsed => {
  const argv = key.split('\0');
  let p: Parsed;
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
    .option('-H, --header <header>', 'header', (v: string, prev: string[] = []) => [...prev, v])
    .option('-w, --write-out <format>')
    .argument('[urls...]');
  try {
    cmd.parse(argv.slice(1), { from: 'user' });
    p = { opts: cmd.opts<Opts>(), urls: cmd.args };
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    p = { unknown: /option '([^' ]+)/.exec(e.message)?.[1] ?? '' };
  }
  return p;
}, 256);

export const curl: Program = (ctx, argv, exit) => {
  const p = parseArgs(argv);
  if ('unknown' in p) {
    println(ctx, `curl: option ${p.unknown}: is unknown`);
    println(ctx, `curl: try 'curl --help' or 'curl --manual' for more information`);
    return exit(2);
  }
  const o = p.opts;
  const urls = p.urls;
  const showErr = !o.silent || !!o.showError;
  const maxTime = o.maxTime === undefined ? 0 : Number(o.maxTime);
  if (o.maxTime !== undefined && !(maxTime >= 0)) {
    println(ctx, `curl: option --max-time: expected a proper numerical parameter`);
    return exit(2);
  }
  if (urls.length === 0) {
    println(ctx, 'curl: no URL specified!');
    println(ctx, "curl: try 'curl --help' or 'curl --manual' for more information");
    return exit(2);
  }
  const eq = ctx.world.eq;
  const start = eq.now;
  let last = 0;
  // curl's connection cache: one live connection per host:port that the server kept alive.
  const cache = new Map<string, HttpClient>();
  let deadline = -1;
  let active: HttpClient | null = null;
  let received = 0;
  let expected = -1;
  let finished = false;
  const done = (code: number): void => {
    if (finished) return;
    finished = true;
    if (deadline >= 0) eq.cancel(deadline);
    for (const c of cache.values()) c.close();
    exit(code);
  };
  const fail = (code: number, msg: string): void => {
    if (showErr) println(ctx, `curl: (${code}) ${msg}`);
    done(code);
  };
  if (maxTime > 0) {
    deadline = eq.after(maxTime * SEC, () => {
      deadline = -1;
      if (finished) return;
      const ms = Math.round((eq.now - start) / 1e6);
      const connected = active !== null && active.conn !== null && active.conn.state !== 'SYN_SENT';
      active?.conn?.abort();
      cache.clear();
      fail(28, connected ? `Operation timed out after ${ms} milliseconds with ${received} out of ${expected} bytes received` : `Connection timed out after ${ms + 1} milliseconds`);
    });
  }

  const next = (i: number): void => {
    if (finished) return;
    if (i >= urls.length) return done(last);
    const url = urls[i]!;
    const u = parseUrl(url);
    if (u === null) {
      last = 3;
      if (showErr) println(ctx, `curl: (3) <url> malformed`);
      return next(i + 1);
    }
    resolveHost(ctx, u.host, (dst) => {
      if (dst === null) {
        last = 6;
        if (showErr) println(ctx, `curl: (6) Could not resolve host: ${u.host}; Name or service not known`);
        return next(i + 1);
      }
      fetch(i, url, dst, u);
    });
  };

  function requestHeaders(u: { host: string; port: number }): string[] {
    const base: Array<[string, string]> = [
      ['User-Agent', 'curl/7.29.0'],
      ['Host', u.port === 80 ? u.host : `${u.host}:${u.port}`],
      ['Accept', '*/*'],
    ];
    for (const h of o.header ?? []) {
      const c = h.indexOf(':');
      if (c <= 0) continue;
      const name = h.slice(0, c).trim();
      const value = h.slice(c + 1).trim();
      const at = base.findIndex(([n]) => n.toLowerCase() === name.toLowerCase());
      // "Name:" with nothing after it removes curl's own header.
      if (at >= 0) {
        if (value === '') base.splice(at, 1);
        else base[at] = [name, value];
      } else if (value !== '') base.push([name, value]);
    }
    return base.map(([n, v]) => `${n}: ${v}`);
  }

  function fetch(i: number, url: string, dst: number, u: { host: string; port: number; path: string }): void {
    const key = `${dst}:${u.port}`;
    let client = cache.size === 0 ? undefined : cache.get(key);
    if (client === undefined || !client.reusable) {
      client = new HttpClient(ctx.ns, dst, u.port);
      cache.set(key, client);
    }
    active = client;
    received = 0;
    expected = -1;
    const t0 = eq.now;
    const c = client;
    c.get(u.path, requestHeaders(u), (r) => {
      if (finished) return;
      if (!r.keepAlive) {
        cache.delete(key);
        c.close();
      }
      received = r.size;
      expected = r.length;
      const code = outcome(r, u);
      if (code !== 0) {
        last = code;
        if (code === 7 || code === 56) return fail(code, errorText(r, u));
        if (showErr) println(ctx, `curl: (${code}) ${errorText(r, u)}`);
        return next(i + 1);
      }
      if (o.include || o.head) ctx.term.write(r.headers.replace(/\r\n/g, '\n') + '\n\n');
      const toFile = o.output !== undefined && i === 0;
      if (toFile) {
        ctx.files.set(resolvePath(ctx, o.output!), r.body);
        if (!o.silent) ctx.term.write(progressMeter(r.length >= 0 ? r.length : r.size, r.size, (eq.now - t0) / SEC));
      } else if (!o.head) ctx.term.write(r.body);
      if (o.writeOut !== undefined) {
        const headerSize = new TextEncoder().encode(r.headers).length + 4;
        ctx.term.write(writeOut(o.writeOut, { code: r.status, size: r.size, headerSize, seconds: (eq.now - t0) / SEC, ip: formatIp4(dst), port: u.port, url }));
      }
      last = 0;
      next(i + 1);
    });
  }

  /** curl's result code for a finished exchange. */
  function outcome(r: HttpResult, _u: { host: string; port: number }): number {
    if (r.errno !== 0) return r.connected ? 56 : 7;
    if (r.status === 0 && r.headers === '') return 52;
    if (r.length >= 0 && r.size < r.length) return 18;
    return 0;
  }

  function errorText(r: HttpResult, u: { host: string; port: number }): string {
    if (r.errno !== 0 && !r.connected) return `Failed connect to ${u.host}:${u.port}; ${ERRNO_TEXT[r.errno] ?? `errno ${r.errno}`}`;
    if (r.errno !== 0) return `Recv failure: ${ERRNO_TEXT[r.errno] ?? `errno ${r.errno}`}`;
    if (r.status === 0 && r.headers === '') return 'Empty reply from server';
    return `transfer closed with ${r.length - r.size} bytes remaining to read`;
  }

  next(0);
};
