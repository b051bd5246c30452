// The mysql client as far as the seeds use it: `mysql --version`, logging in with -u/-p to the
// server in the same container (the socket) or on another host with -h (TCP 3306, through the
// simulated network), `-e 'statements'`, statements on standard input, and the interactive
// monitor a `docker exec -it` session types into. The release comes from the image's
// MYSQL_VERSION, as the real client's banner does; the server side is apps/mysql-server.ts.
import { resolveHost } from '../apps/resolver.js';
import { socketListening } from '../apps/mysql-server.js';
import type { SqlResult } from '../apps/mysql-server.js';
import { tcpConnect } from '../kernel/tcp.js';
import type { TcpConn } from '../kernel/tcp.js';
import type { Ctx, Program, Terminal } from './program.js';
import { println } from './program.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** One client connection: the server's greeting, then one JSON answer per request. */
class Connection {
  private buf = '';
  private readonly waiting: Array<(r: unknown) => void> = [];
  greeting: { version: string; thread: number } | null = null;
  onGreeting: (() => void) | null = null;

  constructor(public conn: TcpConn | null = null) {}

  data(bytes: Uint8Array): void {
    this.buf += dec.decode(bytes);
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const msg: unknown = JSON.parse(this.buf.slice(0, i));
      this.buf = this.buf.slice(i + 1);
      if (this.greeting === null) {
        this.greeting = msg as { version: string; thread: number };
        this.onGreeting?.();
      } else this.waiting.shift()?.(msg);
    }
  }

  request(msg: object, then: (r: SqlResult) => void): void {
    this.waiting.push((r) => then(r as SqlResult));
    this.conn!.send(enc.encode(`${JSON.stringify(msg)}\n`));
  }
}

/** The monitor adds the row count and timing; batch mode (-e, stdin) prints the box alone. */
function print(term: Terminal, r: SqlResult, monitor: boolean): void {
  if (r.kind === 'error') {
    term.write(`ERROR ${r.code} (${r.state}): ${r.text}\n`);
    return;
  }
  if (r.kind === 'note') {
    term.write(`${r.text}\n`);
    return;
  }
  if (r.kind === 'ok') {
    if (monitor) term.write(`Query OK, ${r.affected} ${r.affected === 1 ? 'row' : 'rows'} affected (0.01 sec)\n\n`);
    return;
  }
  const w = Math.max(r.head.length, ...r.rows.map((x) => x.length));
  const line = `+${'-'.repeat(w + 2)}+\n`;
  term.write(line + `| ${r.head.padEnd(w)} |\n` + line);
  for (const x of r.rows) term.write(`| ${x.padEnd(w)} |\n`);
  term.write(line);
  if (monitor) term.write(`${r.rows.length} ${r.rows.length === 1 ? 'row' : 'rows'} in set (0.00 sec)\n\n`);
}

function banner(ctx: Ctx, version: string, thread: number): void {
  const eight = !version.startsWith('5.7');
  println(ctx, 'Welcome to the MySQL monitor.  Commands end with ; or \\g.');
  println(ctx, `Your MySQL connection id is ${thread}`);
  println(ctx, `Server version: ${version} MySQL Community Server ${eight ? '- GPL' : '(GPL)'}`);
  println(ctx);
  println(ctx, `Copyright (c) 2000, ${eight ? 2020 : 2019}, Oracle and/or its affiliates. All rights reserved.`);
  println(ctx);
  println(ctx, 'Oracle is a registered trademark of Oracle Corporation and/or its');
  println(ctx, 'affiliates. Other names may be trademarks of their respective');
  println(ctx, 'owners.');
  println(ctx);
  println(ctx, "Type 'help;' or '\\h' for help. Type '\\c' to clear the current input statement.");
  println(ctx);
}

/** Statements separated by `;`, run one after the other. */
function runAll(c: Connection, sqls: string[], term: Terminal, monitor: boolean, done: (quit: boolean) => void): void {
  const next = (i: number): void => {
    if (i === sqls.length) return done(false);
    const s = sqls[i]!.trim();
    if (s === '') return next(i + 1);
    if (/^(exit|quit|\\q)$/i.test(s)) {
      term.write('Bye\n');
      return done(true);
    }
    c.request({ sql: s }, (r) => {
      print(term, r, monitor);
      next(i + 1);
    });
  };
  next(0);
}

export const mysql: Program = (ctx, argv, exit) => {
  let user = 'root';
  let password: string | null = null;
  let execute: string | null = null;
  let host: string | null = null;
  let port = 3306;
  const args = argv.slice(1);
  const clientVersion = (ctx.vars.get('MYSQL_VERSION') ?? '8.0.22').replace(/-.*$/, '');
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--version' || a === '-V') {
      println(ctx, clientVersion.startsWith('5.7')
        ? `mysql  Ver 14.14 Distrib ${clientVersion}, for Linux (x86_64) using EditLine wrapper`
        : `mysql  Ver ${clientVersion} for Linux on x86_64 (MySQL Community Server - GPL)`);
      return exit(0);
    }
    if (a.startsWith('-u')) user = a.length > 2 ? a.slice(2) : args[++i] ?? '';
    else if (a.startsWith('--user=')) user = a.slice(7);
    else if (a.startsWith('-p')) password = a.slice(2);
    else if (a.startsWith('--password=')) password = a.slice(11);
    else if (a.startsWith('-h')) host = a.length > 2 ? a.slice(2) : args[++i] ?? '';
    else if (a.startsWith('--host=')) host = a.slice(7);
    else if (a.startsWith('-P')) port = Number(a.length > 2 ? a.slice(2) : args[++i] ?? '3306');
    else if (a === '-e') execute = args[++i] ?? '';
  }
  if (password !== null) println(ctx, 'mysql: [Warning] Using a password on the command line interface can be insecure.');
  const c = new Connection();
  const start = (): void => {
    c.request({ user, password: password ?? '' }, (r) => {
      if (r.kind === 'error') {
        print(ctx.term, r, false);
        return exit(1);
      }
      if (execute !== null) return runAll(c, execute.split(';'), ctx.term, false, () => finish(0));
      if (!ctx.tty) return runAll(c, ctx.stdin.split(';'), ctx.term, false, () => finish(0));
      banner(ctx, c.greeting!.version, c.greeting!.thread);
      // The monitor takes over the terminal: the next lines typed are statements until `exit`.
      const session = ctx.session;
      session.enter(session.env, 'mysql> ', (line, term, done) => {
        runAll(c, [line.replace(/;\s*$/, '')], term, true, (quit) => {
          if (quit) {
            c.conn?.close();
            session.leave();
          }
          done(0);
        });
      });
      exit(0);
    });
  };
  const finish = (code: number): void => {
    c.conn?.close();
    exit(code);
  };
  const open = (ip: number, hostText: string): void => {
    const conn = tcpConnect(ctx.ns, ip, port, {
      onConnect: () => undefined,
      onData: (_x, data) => c.data(data),
      onPeerClose: (x) => x.close(),
      onError: (_x, errno) => {
        println(ctx, `ERROR 2003 (HY000): Can't connect to MySQL server on '${hostText}' (${errno})`);
        exit(1);
      },
    });
    if (typeof conn === 'number') {
      println(ctx, `ERROR 2003 (HY000): Can't connect to MySQL server on '${hostText}' (${conn})`);
      return exit(1);
    }
    c.conn = conn;
    c.onGreeting = start;
  };
  if (host === null || host === 'localhost') {
    // The socket: the server of this container, if it runs (a loopback connection stands for it).
    if (!socketListening(ctx.files)) {
      println(ctx, "ERROR 2002 (HY000): Can't connect to local MySQL server through socket '/var/run/mysqld/mysqld.sock' (2)");
      return exit(1);
    }
    return open(0x7f000001, 'localhost');
  }
  resolveHost({ ns: ctx.ns, files: ctx.files }, host, (ip) => {
    if (ip === null) {
      println(ctx, `ERROR 2005 (HY000): Unknown MySQL server host '${host}' (-2)`);
      return exit(1);
    }
    open(ip, host!);
  });
};
