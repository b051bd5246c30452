// wget URL: busybox's (`wget -O - -q URL`, as in the seeds) and GNU wget's progress lines.
import { formatIp4 } from '../core/addr.js';
import { httpGet } from '../apps/http.js';
import { resolveHost } from '../apps/resolver.js';
import { WALL_EPOCH_MS } from '../sim/clock.js';
import { ERRNO_TEXT, parseUrl } from './curl.js';
import type { Program } from './program.js';
import { println } from './program.js';

export const wget: Program = (ctx, argv, exit) => {
  let toStdout = false;
  let quiet = false;
  let url: string | undefined;
  const args = argv.slice(1);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-q' || a === '--quiet') quiet = true;
    else if (a === '-O' || a === '--output-document') toStdout = args[++i] === '-';
    else if (a === '-O-' || a === '-O-q') {
      toStdout = true;
      if (a === '-O-q') quiet = true;
    } else if (a === '-qO-') {
      toStdout = true;
      quiet = true;
    } else if (a.startsWith('-')) continue;
    else url = a;
  }
  const busybox = ctx.flavor === 'busybox';
  if (url === undefined) {
    println(ctx, busybox ? 'BusyBox v1.31.1 multi-call binary.\n\nUsage: wget [-c|--continue] [--spider] [-q|--quiet] [-O|--output-document FILE] URL' : 'wget: missing URL');
    return exit(1);
  }
  const u = parseUrl(url);
  if (u === null) {
    println(ctx, `wget: bad address '${url}'`);
    return exit(1);
  }
  const full = `http://${u.host}${u.port === 80 ? '' : `:${u.port}`}${u.path}`;
  const stamp = (): string => new Date(WALL_EPOCH_MS + Math.floor(ctx.world.eq.now / 1e6)).toISOString().slice(0, 19).replace('T', ' ');
  if (!busybox && !quiet) println(ctx, `--${stamp()}--  ${full}`);
  resolveHost(ctx, u.host, (ip) => {
    if (ip === null) {
      if (busybox) println(ctx, `wget: bad address '${u.host}${u.port === 80 ? '' : `:${u.port}`}'`);
      // GNU wget -q says nothing on any failure (checked with wget 1.21 here); the status tells.
      else if (!quiet) println(ctx, `Resolving ${u.host} (${u.host})... failed: Name or service not known.\nwget: unable to resolve host address '${u.host}'`);
      return exit(busybox ? 1 : 4);
    }
    const addr = formatIp4(ip);
    if (!quiet) {
      if (busybox) println(ctx, `Connecting to ${u.host}${u.port === 80 ? '' : `:${u.port}`} (${addr}:${u.port})`);
      else {
        if (u.host !== addr) println(ctx, `Resolving ${u.host} (${u.host})... ${addr}`);
        ctx.term.write(`Connecting to ${u.host} (${u.host})|${addr}|:${u.port}... `);
      }
    }
    httpGet(ctx.ns, ip, u.port, u.port === 80 ? u.host : `${u.host}:${u.port}`, u.path, busybox ? 'Wget' : 'Wget/1.14 (linux-gnu)', (r) => {
      if (r.errno !== 0) {
        if (busybox) println(ctx, `wget: can't connect to remote host (${addr}): ${ERRNO_TEXT[r.errno] ?? r.errno}`);
        else if (!quiet) println(ctx, `failed: ${ERRNO_TEXT[r.errno] ?? r.errno}.`);
        return exit(busybox ? 1 : 4);
      }
      if (!quiet && !busybox) {
        println(ctx, 'connected.');
        println(ctx, `HTTP request sent, awaiting response... ${r.status} ${r.status === 200 ? 'OK' : 'Error'}`);
        const len = new TextEncoder().encode(r.body).length;
        println(ctx, `Length: ${len} (${len}) [${/Content-Type: ([^;\r\n]+)/.exec(r.headers)?.[1] ?? 'text/plain'}]`);
        println(ctx, `Saving to: 'STDOUT'`);
        println(ctx, '');
      } else if (!quiet && busybox) println(ctx, 'writing to stdout');
      if (r.status >= 400) {
        if (busybox) println(ctx, `wget: server returned error: HTTP/1.1 ${r.status} ${r.status === 500 ? 'Internal Server Error' : 'Error'}`);
        else println(ctx, `${stamp()} ERROR ${r.status}.`);
        return exit(busybox ? 1 : 8);
      }
      if (toStdout) ctx.term.write(r.body);
      if (!quiet && busybox) println(ctx, 'written to stdout');
      exit(0);
    });
  });
};
