// Shell builtins and small utilities scenarios use around the network commands.
import type { Program } from './program.js';
import { println } from './program.js';

export const builtins = new Map<string, Program>([
  ['echo', (ctx, argv, exit) => { println(ctx, argv.slice(1).join(' ')); exit(0); }],
  ['true', (_ctx, _argv, exit) => exit(0)],
  ['false', (_ctx, _argv, exit) => exit(1)],
  ['hostname', (ctx, _argv, exit) => { println(ctx, ctx.host.name); exit(0); }],
]);
