// Shell builtins and small utilities scenarios use around the network commands.
import { compileGrep, isPatternError } from '../core/regex.js';
import type { Program } from './program.js';
import { println, resolvePath } from './program.js';

export const builtins = new Map<string, Program>([
  ['echo', (ctx, argv, exit) => { println(ctx, argv.slice(1).join(' ')); exit(0); }],
  ['true', (_ctx, _argv, exit) => exit(0)],
  // Leaves a nested shell (nsenter, docker exec -it … sh); at the login shell it does nothing here.
  ['exit', (ctx, _argv, exit) => { ctx.session.leave(); exit(0); }],
  ['cd', (ctx, argv, exit) => {
    const dir = resolvePath(ctx, argv[1] ?? '/root');
    if (!isDir(ctx, dir)) {
      println(ctx, `${ctx.flavor === 'busybox' ? 'sh' : '-bash'}: cd: ${argv[1]}: No such file or directory`);
      return exit(1);
    }
    ctx.session.chdir(dir);
    exit(0);
  }],
  ['pwd', (ctx, _argv, exit) => { println(ctx, ctx.cwd); exit(0); }],
  ['rm', (ctx, argv, exit) => {
    let rc = 0;
    const force = argv.slice(1).some((a) => /^-[a-zA-Z]*f/.test(a));
    for (const arg of argv.slice(1).filter((a) => !a.startsWith('-'))) {
      if (!ctx.files.delete(resolvePath(ctx, arg)) && !force) {
        println(ctx, `rm: cannot remove '${arg}': No such file or directory`);
        rc = 1;
      }
    }
    exit(rc);
  }],
  ['ls', (ctx, argv, exit) => {
    let rc = 0;
    const args = argv.slice(1).filter((a) => !a.startsWith('-'));
    for (const arg of args.length === 0 ? ['.'] : args) {
      const dir = resolvePath(ctx, arg);
      const prefix = dir.endsWith('/') ? dir : `${dir}/`;
      const names = new Set<string>();
      for (const path of [...ctx.files.keys(), ...ctx.host.nsfs.keys()]) {
        if (path.startsWith(prefix)) names.add(path.slice(prefix.length).split('/')[0]!);
      }
      if (names.size === 0 && !ctx.files.has(dir)) {
        if (dir === '/root' || dir === '/') continue;
        println(ctx, `ls: cannot access ${arg}: No such file or directory`);
        rc = 2;
        continue;
      }
      if (ctx.files.has(dir)) println(ctx, arg);
      else if (names.size > 0) println(ctx, [...names].sort().join(ctx.tty ? '  ' : '\n'));
    }
    exit(rc);
  }],
  ['false', (_ctx, _argv, exit) => exit(1)],
  ['grep', (ctx, argv, exit) => {
    const flags = argv.slice(1).filter((a) => /^-[a-zA-Z]+$/.test(a)).join('');
    const pattern = argv.slice(1).find((a) => !/^-[a-zA-Z]+$/.test(a));
    if (pattern === undefined) {
      println(ctx, 'Usage: grep [OPTION]... PATTERN [FILE]...');
      return exit(2);
    }
    // Linear-time matching with GNU grep's syntax and error messages (core/regex.ts).
    const re = compileGrep(pattern, { extended: flags.includes('E'), fixed: flags.includes('F'), ignoreCase: flags.includes('i') });
    if (isPatternError(re)) {
      println(ctx, `grep: ${re.error}`);
      return exit(2);
    }
    const lines = ctx.stdin.split('\n').filter((l, i, all) => i < all.length - 1 || l !== '');
    const hits = lines.filter((l) => re.test(l) !== flags.includes('v'));
    if (flags.includes('c')) println(ctx, String(hits.length));
    else for (const l of hits) println(ctx, l);
    exit(hits.length > 0 ? 0 : 1);
  }],
  ['wc', (ctx, argv, exit) => {
    const lines = ctx.stdin.split('\n').length - 1;
    println(ctx, argv.includes('-l') ? String(lines) : `${String(lines).padStart(7)} ${String(ctx.stdin.split(/\s+/).filter((w) => w !== '').length).padStart(7)} ${String(ctx.stdin.length).padStart(7)}`);
    exit(0);
  }],
  ['head', (ctx, argv, exit) => {
    const n = Number(argv.find((a) => /^-?\d+$/.test(a))?.replace('-', '') ?? 10);
    ctx.term.write(ctx.stdin.replace(/\n$/, '').split('\n').slice(0, n).map((l) => l + '\n').join(''));
    exit(0);
  }],
  ['hostname', (ctx, _argv, exit) => { println(ctx, ctx.hostname); exit(0); }],
  ['cat', (ctx, argv, exit) => {
    let rc = 0;
    for (const path of argv.slice(1)) {
      const text = ctx.files.get(resolvePath(ctx, path));
      if (text === undefined) {
        println(ctx, `cat: ${path}: No such file or directory`);
        rc = 1;
      } else ctx.term.write(text);
    }
    if (argv.length === 1) ctx.term.write(ctx.stdin);
    exit(rc);
  }],
]);

/** A directory exists when it is the root, a home, or holds a file. */
export function isDir(ctx: Parameters<Program>[0], dir: string): boolean {
  if (dir === '/' || dir === '/root' || dir === '/tmp') return true;
  const prefix = `${dir}/`;
  for (const path of ctx.files.keys()) if (path.startsWith(prefix)) return true;
  return false;
}
