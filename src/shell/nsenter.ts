// nsenter --net=PATH [COMMAND]: runs COMMAND in the network namespace bound at PATH
// (/var/run/netns/NAME or Docker's /var/run/docker/netns/ID); without a command it opens a shell
// there, which the following commands use until `exit`.
import type { Program } from './program.js';
import { println } from './program.js';

export const nsenter: Program = (ctx, argv, exit) => {
  let path: string | null = null;
  let i = 1;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--net=')) path = a.slice(6);
    else if (a === '--net' || a === '-n') path = argv[++i] ?? null;
    else if (a.startsWith('-n') && a.length > 2) path = a.slice(2);
    else if (a === '--') {
      i++;
      break;
    } else if (a.startsWith('-')) {
      println(ctx, `nsenter: unrecognized option '${a}'`);
      println(ctx, "Try 'nsenter --help' for more information.");
      return exit(1);
    } else break;
  }
  if (path === null) {
    println(ctx, 'nsenter: neither filename nor target pid supplied for ns/net');
    return exit(1);
  }
  const ns = ctx.host.nsfs.get(path);
  if (ns === undefined) {
    println(ctx, `nsenter: cannot open ${path}: No such file or directory`);
    return exit(1);
  }
  const rest = argv.slice(i);
  if (rest.length === 0) {
    ctx.session.enter({ host: ctx.host, ns, flavor: ctx.flavor, files: ctx.files, hostname: ctx.hostname, cwd: ctx.cwd }, ctx.session.promptTemplate);
    return exit(0);
  }
  ctx.spawn(ns, rest, exit);
};
