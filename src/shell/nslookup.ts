// nslookup, as bind-utils prints it (`Address: 127.0.0.11#53`) and as busybox prints it
// (`Address: 127.0.0.11:53`): real DNS queries to the first nameserver of /etc/resolv.conf —
// bind's tried 3 times 5 s apart, busybox's for 5 s — and, when none is answered, only
// `;; connection timed out; no servers could be reached` (busybox adds an empty line), exit 1.
import { formatIp4, parseIp4 } from '../core/addr.js';
import { dnsLookup, nameserver } from '../apps/resolver.js';
import type { Ctx, Program } from './program.js';
import { println } from './program.js';

export const nslookup: Program = (ctx, argv, exit) => {
  const args = argv.slice(1).filter((a) => !a.startsWith('-'));
  const names = ctx.stdin !== '' && args.length === 0 ? ctx.stdin.split('\n').map((l) => l.trim()).filter((l) => l !== '') : args.slice(0, 1);
  const serverArg = args[1];
  const server = serverArg !== undefined ? parseIp4(serverArg) : nameserver(ctx);
  const busybox = ctx.flavor === 'busybox';
  const sep = busybox ? ':' : '#';
  if (names.length === 0 && args.length === 0 && ctx.tty && !busybox && server !== null) {
    // Interactive mode (bind-utils): the lines typed next are names to look up, after a `> ` prompt,
    // until `exit` (seed 003:86).
    const session = ctx.session;
    session.enter(session.env, '> ', (line, term, done) => {
      const name = line.trim();
      if (name === 'exit') {
        session.leave();
        return done(0);
      }
      if (name === '') return done(0);
      lookup({ ...ctx, term, err: term }, name, () => done(0));
    });
    return exit(0);
  }
  if (names.length === 0) {
    println(ctx, busybox ? 'BusyBox v1.31.1 multi-call binary.\n\nUsage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]' : 'Usage: nslookup [HOST [SERVER]]');
    return exit(1);
  }
  if (server === null) {
    println(ctx, ';; connection timed out; no servers could be reached');
    return exit(1);
  }
  let rc = 0;
  const next = (i: number): void => {
    if (i === names.length) return exit(rc);
    lookup(ctx, names[i]!, (ok) => {
      if (!ok) rc = 1;
      next(i + 1);
    });
  };
  next(0);

  function lookup(ctx: Ctx, name: string, done: (ok: boolean) => void): void {
    let ok = true;
    const at = server!;
    dnsLookup(ctx, at, name, (r) => {
      if (r === null) {
        println(ctx, ';; connection timed out; no servers could be reached');
        if (busybox) println(ctx, '');
        return done(false);
      }
      println(ctx, `Server:\t\t${formatIp4(at)}`);
      println(ctx, `Address:\t${formatIp4(at)}${sep}53`);
      println(ctx, '');
      if (r.rcode !== 'NOERROR' || r.addrs.length === 0) {
        println(ctx, `** server can't find ${name}: ${r.rcode === 'NOERROR' ? 'NXDOMAIN' : r.rcode}`);
        ok = false;
      } else {
        if (r.authoritative !== true) println(ctx, 'Non-authoritative answer:');
        for (const a of r.addrs) {
          println(ctx, `Name:\t${name}`);
          println(ctx, `Address: ${a}`);
        }
      }
      println(ctx, '');
      done(ok);
    }, 'A', busybox ? 1 : 3);
  }
};
