// Shell builtins and small utilities scenarios use around the network commands.
import type { Program } from './program.js';
import { procFile } from './snmp-file.js';
import { eprintln, println, resolvePath } from './program.js';
import { isDirectory } from './coreutils/misc.js';

/** bash's echo: -n drops the newline, -e reads backslash escapes. */
const echo: Program = (ctx, argv, exit) => {
  let i = 1;
  let newline = true;
  let escapes = false;
  while (i < argv.length && /^-[neE]+$/.test(argv[i]!)) {
    for (const f of argv[i]!.slice(1)) {
      if (f === 'n') newline = false;
      else escapes = f === 'e';
    }
    i++;
  }
  let text = argv.slice(i).join(' ');
  if (escapes) {
    const cut = text.indexOf('\\c');
    if (cut >= 0) {
      text = text.slice(0, cut);
      newline = false;
    }
    text = text.replace(/\\([nt\\ar0])/g, (_, c: string) => ({ n: '\n', t: '\t', '\\': '\\', a: '\x07', r: '\r', '0': '\0' })[c]!);
  }
  ctx.term.write(text + (newline ? '\n' : ''));
  exit(0);
};

export const builtins = new Map<string, Program>([
  ['echo', echo],
  ['true', (_ctx, _argv, exit) => exit(0)],
  ['cd', (ctx, argv, exit) => {
    const dir = resolvePath(ctx, argv[1] ?? '/root');
    if (!isDirectory(ctx, dir)) {
      eprintln(ctx, `${ctx.flavor === 'busybox' ? 'sh' : '-bash'}: cd: ${argv[1]}: No such file or directory`);
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
        eprintln(ctx, `rm: cannot remove '${arg}': No such file or directory`);
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
        if (path.startsWith(prefix) && path.length > prefix.length) names.add(path.slice(prefix.length).split('/')[0]!);
      }
      if (names.size === 0 && !ctx.files.has(dir) && !ctx.files.has(prefix)) {
        if (dir === '/root' || dir === '/') continue;
        eprintln(ctx, `ls: cannot access ${arg}: No such file or directory`);
        rc = 2;
        continue;
      }
      if (ctx.files.has(dir)) println(ctx, arg);
      else if (names.size > 0) println(ctx, [...names].sort().join(ctx.tty ? '  ' : '\n'));
    }
    exit(rc);
  }],
  ['false', (_ctx, _argv, exit) => exit(1)],
  ['hostname', (ctx, _argv, exit) => { println(ctx, ctx.hostname); exit(0); }],
  ['cat', (ctx, argv, exit) => {
    let rc = 0;
    for (const path of argv.slice(1)) {
      const text = path === '-' ? ctx.stdin : ctx.files.get(resolvePath(ctx, path)) ?? procFile(ctx.ns, resolvePath(ctx, path));
      if (text === undefined) {
        eprintln(ctx, ctx.flavor === 'busybox' ? `cat: can't open '${path}': No such file or directory` : `cat: ${path}: No such file or directory`);
        rc = 1;
      } else ctx.term.write(text);
    }
    if (argv.length === 1) ctx.term.write(ctx.stdin);
    exit(rc);
  }],
  // printenv [NAME…]: the command's environment (exported variables and NAME=V prefixes).
  ['printenv', (ctx, argv, exit) => {
    const names = argv.slice(1);
    if (names.length === 0) {
      for (const [k, v] of ctx.vars) println(ctx, `${k}=${v}`);
      return exit(0);
    }
    let rc = 0;
    for (const n of names) {
      const v = ctx.vars.get(n);
      if (v === undefined) rc = 1;
      else println(ctx, v);
    }
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
