// The mysql client as far as the seeds use it, run inside a mysql container: `mysql --version`,
// logging in as root with -p<password> (checked against the container's MYSQL_ROOT_PASSWORD or
// the secret file MYSQL_ROOT_PASSWORD_FILE names), `-e 'show databases'`, and the interactive
// monitor a `docker exec -it` session types into. The release comes from the image's
// MYSQL_VERSION, as the real client's banner does.
import type { Ctx, Program, Terminal } from './program.js';
import { println } from './program.js';

interface Server {
  readonly version: string;
  readonly major: string;
  readonly databases: string[];
}

function serverOf(ctx: Ctx): Server {
  const version = (ctx.vars.get('MYSQL_VERSION') ?? '8.0.22').replace(/-.*$/, '');
  const major = version.split('.').slice(0, 2).join('.');
  const db = ctx.vars.get('MYSQL_DATABASE');
  const databases = ['information_schema', 'mysql', 'performance_schema', 'sys', ...(db !== undefined && db !== '' ? [db] : [])].sort();
  return { version, major, databases };
}

/** Runs one statement; returns false for `exit`/`quit`. */
function statement(server: Server, sql: string, term: Terminal, monitor = true): boolean {
  const s = sql.trim().replace(/;$/, '').trim();
  if (s === '') return true;
  if (/^(exit|quit|\\q)$/i.test(s)) {
    term.write('Bye\n');
    return false;
  }
  if (/^show\s+databases$/i.test(s)) {
    table(term, 'Database', server.databases, monitor);
    return true;
  }
  if (/^select\s+version\(\)$/i.test(s)) {
    table(term, 'version()', [server.version], monitor);
    return true;
  }
  const use = /^use\s+`?(\w+)`?$/i.exec(s);
  if (use !== null) {
    term.write(server.databases.includes(use[1]!) ? 'Database changed\n' : `ERROR 1049 (42000): Unknown database '${use[1]}'\n`);
    return true;
  }
  const near = s.split(/\s+/).slice(1).join(' ');
  term.write(`ERROR 1064 (42000): You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '${near}' at line 1\n`);
  return true;
}

/** The monitor adds the row count; `-e` prints the box alone. */
function table(term: Terminal, head: string, rows: string[], monitor: boolean): void {
  const w = Math.max(head.length, ...rows.map((r) => r.length));
  const line = `+${'-'.repeat(w + 2)}+\n`;
  term.write(line + `| ${head.padEnd(w)} |\n` + line);
  for (const r of rows) term.write(`| ${r.padEnd(w)} |\n`);
  term.write(line);
  if (monitor) term.write(`${rows.length} ${rows.length === 1 ? 'row' : 'rows'} in set (0.00 sec)\n\n`);
}

function banner(ctx: Ctx, server: Server): void {
  const eight = server.major !== '5.7';
  println(ctx, 'Welcome to the MySQL monitor.  Commands end with ; or \\g.');
  // The thread id a freshly started server hands the first interactive client (the seeds' sessions).
  println(ctx, `Your MySQL connection id is ${eight ? 9 : 3}`);
  println(ctx, `Server version: ${server.version} MySQL Community Server ${eight ? '- GPL' : '(GPL)'}`);
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

export const mysql: Program = (ctx, argv, exit) => {
  let user = 'root';
  let password: string | null = null;
  let execute: string | null = null;
  const args = argv.slice(1);
  const server = serverOf(ctx);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--version' || a === '-V') {
      println(ctx, server.major === '5.7'
        ? `mysql  Ver 14.14 Distrib ${server.version}, for Linux (x86_64) using EditLine wrapper`
        : `mysql  Ver ${server.version} for Linux on x86_64 (MySQL Community Server - GPL)`);
      return exit(0);
    }
    if (a.startsWith('-u')) user = a.length > 2 ? a.slice(2) : args[++i] ?? '';
    else if (a.startsWith('-p')) password = a.slice(2);
    else if (a === '-e') execute = args[++i] ?? '';
  }
  const fileVar = ctx.vars.get('MYSQL_ROOT_PASSWORD_FILE');
  const expected = ctx.vars.get('MYSQL_ROOT_PASSWORD') ?? (fileVar === undefined ? undefined : ctx.files.get(fileVar)?.replace(/\n$/, ''));
  if (expected === undefined) {
    println(ctx, "ERROR 2002 (HY000): Can't connect to local MySQL server through socket '/var/run/mysqld/mysqld.sock' (2)");
    return exit(1);
  }
  if (password !== null) println(ctx, 'mysql: [Warning] Using a password on the command line interface can be insecure.');
  if (user !== 'root' || password !== expected) {
    println(ctx, `ERROR 1045 (28000): Access denied for user '${user}'@'localhost' (using password: ${password === null || password === '' ? 'NO' : 'YES'})`);
    return exit(1);
  }
  if (execute !== null) {
    for (const sql of execute.split(';')) statement(server, sql, ctx.term, false);
    return exit(0);
  }
  if (!ctx.tty) {
    // Standard input is not a terminal: batch mode, no banner; the statements come from it.
    for (const sql of ctx.stdin.split(';')) if (!statement(server, sql, ctx.term)) break;
    return exit(0);
  }
  banner(ctx, server);
  // The monitor takes over the terminal: the next lines typed are statements until `exit`.
  const session = ctx.session;
  session.enter(session.env, 'mysql> ', (line, term, done) => {
    if (!statement(server, line, term)) session.leave();
    done(0);
  });
  exit(0);
};
