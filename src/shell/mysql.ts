// The mysql client as far as the seeds use it: log in as root with -p<password>, checked against
// the server container's MYSQL_ROOT_PASSWORD or MYSQL_ROOT_PASSWORD_FILE (a secret).
import type { Program } from './program.js';
import { println } from './program.js';

export const mysql: Program = (ctx, argv, exit) => {
  let user = 'root';
  let password: string | null = null;
  let execute: string | null = null;
  const args = argv.slice(1);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
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
    if (/show\s+databases/i.test(execute)) {
      const dbs = ['information_schema', ...(ctx.vars.get('MYSQL_DATABASE') !== undefined ? [ctx.vars.get('MYSQL_DATABASE')!] : []), 'mysql', 'performance_schema', 'sys'].sort();
      const w = Math.max(8, ...dbs.map((d) => d.length));
      const line = `+${'-'.repeat(w + 2)}+`;
      println(ctx, line);
      println(ctx, `| ${'Database'.padEnd(w)} |`);
      println(ctx, line);
      for (const d of dbs) println(ctx, `| ${d.padEnd(w)} |`);
      println(ctx, line);
    }
    return exit(0);
  }
  println(ctx, 'Welcome to the MySQL monitor.  Commands end with ; or \\g.');
  println(ctx, 'Server version: 5.7.32 MySQL Community Server (GPL)');
  exit(0);
};
