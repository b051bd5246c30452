// The docker CLI: dispatches `docker <command>` to the daemon of the host it runs on.
import type { Program } from '../program.js';
import { eprintln, println } from '../program.js';
import { dockerContainerCmd, dockerRun } from './containers.js';
import { NOT_RUNNING, daemonOf } from './common.js';
import { dockerNetwork } from './networks.js';
import { dockerNode, dockerSwarm } from './swarmcmd.js';
import { dockerService } from './servicecmd.js';
import { dockerConfig, dockerSecret } from './fileobjcmd.js';
import { dockerStack } from './stackcmd.js';
import { dockerVolume } from './volumecmd.js';
import { TemplateError } from '../gotemplate.js';
import { dockerInfo } from './info.js';
import { dockerImageCmd } from './imagecmd.js';

export const docker: Program = (ctx, argv, exit) => {
  const [sub, ...args] = argv.slice(1);
  if (sub === undefined || sub === '--help') {
    println(ctx, '');
    println(ctx, 'Usage:\tdocker [OPTIONS] COMMAND');
    println(ctx, '');
    println(ctx, 'A self-sufficient runtime for containers');
    return exit(0);
  }
  if (sub === '--version' || sub === 'version' && args.includes('--short')) {
    println(ctx, 'Docker version 19.03.13, build 4484c46d9d');
    return exit(0);
  }
  if (ctx.sim.docker.daemon(ctx.host) === undefined) {
    println(ctx, `-bash: docker: command not found`);
    return exit(127);
  }
  const d = daemonOf(ctx);
  if (d === null) {
    println(ctx, NOT_RUNNING);
    return exit(1);
  }
  if (sub === 'info' || sub === 'system' && args[0] === 'info') {
    dockerInfo(ctx, d);
    return exit(0);
  }
  try {
    if (sub === 'run' || sub === 'create') return dockerRun(ctx, d, args, exit, sub);
    if (sub === 'network') return dockerNetwork(ctx, d, args, exit);
    if (sub === 'swarm') return dockerSwarm(ctx, d, args, exit);
    if (sub === 'node') return dockerNode(ctx, d, args, exit);
    if (sub === 'service') return dockerService(ctx, d, args, exit);
    if (sub === 'secret') return dockerSecret(ctx, d, args, exit);
    if (sub === 'config') return dockerConfig(ctx, d, args, exit);
    if (sub === 'volume') return dockerVolume(ctx, d, args, exit);
    if (sub === 'stack') return dockerStack(ctx, d, args, exit);
    // `docker container <verb>`: the management command form of the same verbs (ls/list = ps).
    if (sub === 'container' && args[0] !== undefined) {
      const verb = args[0] === 'ls' || args[0] === 'list' ? 'ps' : args[0];
      if (verb === 'run' || verb === 'create') return dockerRun(ctx, d, args.slice(1), exit, verb);
      if (dockerContainerCmd(ctx, d, verb, args.slice(1), exit)) return;
    }
    if (dockerContainerCmd(ctx, d, sub, args, exit)) return;
    if (dockerImageCmd(ctx, d, sub, args, exit)) return;
  } catch (e) {
    // cli/command/formatter and inspect: `Template parsing error: template: :1: …`, exit 1.
    if (!(e instanceof TemplateError)) throw e;
    println(ctx, `Template parsing error: ${e.message}`);
    return exit(1);
  }
  eprintln(ctx, `docker: '${sub}' is not a docker command.`);
  eprintln(ctx, "See 'docker --help'");
  exit(1);
};
