// Shell builtins and small utilities scenarios use around the network commands.
import type { Program } from './program.js';
import { println } from './program.js';

export const builtins = new Map<string, Program>([
  ['echo', (ctx, argv, exit) => { println(ctx, argv.slice(1).join(' ')); exit(0); }],
  ['true', (_ctx, _argv, exit) => exit(0)],
  ['false', (_ctx, _argv, exit) => exit(1)],
  ['hostname', (ctx, _argv, exit) => { println(ctx, ctx.hostname); exit(0); }],
  ['cat', (ctx, argv, exit) => {
    let rc = 0;
    for (const path of argv.slice(1)) {
      const text = ctx.files.get(path);
      if (text === undefined) {
        println(ctx, `cat: ${path}: No such file or directory`);
        rc = 1;
      } else ctx.term.write(text);
    }
    if (argv.length === 1) ctx.term.write(ctx.stdin);
    exit(rc);
  }],
]);
