// docker stack deploy | ls | services | ps | rm: a compose file (swarm/compose.ts) turned into
// networks, secrets and services, named <stack>_<name>; re-deploying updates what changed.
import type { Daemon } from '../../docker/daemon.js';
import { InputError } from '../../core/errors.js';
import { loadStack } from '../../swarm/compose.js';
import type { SwarmCluster } from '../../swarm/cluster.js';
import type { FileObject, Service, SwarmNetwork } from '../../swarm/model.js';
import type { Ctx } from '../program.js';
import { eprintln, println, resolvePath } from '../program.js';
import { formatRows, tabwrite, TASK_CONTEXT } from '../table.js';
import { collect, parseFlags, subcommand } from './common.js';
import { checkRemoveFileObject, fileObjectMethod, removeFileObject } from './fileobjcmd.js';
import { deployStack, hostFileReader } from './stackdeploy.js';
import { inTurn, removeCall, whenCommitted } from './raftwait.js';
import { PS_FIELDS, psRows, taskFilter } from './servicecmd.js';
import { managerCluster } from './swarmcmd.js';

type Exit = (code: number) => void;

const NS_LABEL = 'com.docker.stack.namespace';

function stackServices(cluster: SwarmCluster, name: string): Service[] {
  return [...cluster.services.values()].filter((s) => s.spec.labels[NS_LABEL] === name).sort((a, b) => (a.spec.name < b.spec.name ? -1 : 1));
}

/**
 * docker/cli 19.03 stack/swarm/remove.go: the services (by name), then the secrets, configs and
 * networks, each `Removing …` line printed before its call and the call answered once committed.
 * A failure is printed as `Failed to remove <kind> <ID>: <error>` with no newline after it, as
 * remove.go's Fprintf writes it, and the others are still removed; `done(true)` if any failed.
 */
function removeStack(ctx: Ctx, d: Daemon, cluster: SwarmCluster, svcs: Service[], files: FileObject[], nets: SwarmNetwork[], done: (failed: boolean) => void): void {
  let failed = false;
  const fail = (kind: string, id: string, err: string): void => {
    failed = true;
    ctx.err.write(`Failed to remove ${kind} ${id}: ${err}`);
  };
  const services = (next: () => void): void => inTurn(svcs, (s, step) => {
    println(ctx, `Removing service ${s.spec.name}`);
    whenCommitted(ctx, d, removeCall('RemoveService', `service rm ${s.spec.name}`), (err) => {
      if (err !== null) fail('service', s.id, err);
      else cluster.removeService(s);
      step();
    });
  }, next);
  const fileObjects = (next: () => void): void => inTurn(files, (s, step) => {
    println(ctx, `Removing ${s.kind} ${s.name}`);
    try {
      checkRemoveFileObject(cluster, s);
    } catch (e) {
      fail(s.kind, s.id, `Error response from daemon: ${(e as Error).message}`);
      return step();
    }
    whenCommitted(ctx, d, removeCall(fileObjectMethod('Remove', s.kind), `${s.kind} rm ${s.name}`), (err) => {
      if (err !== null) fail(s.kind, s.id, err);
      else {
        removeFileObject(cluster, s);
        cluster.commit();
      }
      step();
    });
  }, next);
  const networks = (next: () => void): void => inTurn(nets, (n, step) => {
    println(ctx, `Removing network ${n.name}`);
    whenCommitted(ctx, d, removeCall('RemoveNetwork', `network rm ${n.name}`), (err) => {
      if (err !== null) fail('network', n.id, err);
      else {
        try {
          cluster.removeNetwork(n);
        } catch (e) {
          fail('network', n.id, `Error response from daemon: ${(e as Error).message}`);
        }
      }
      step();
    });
  }, next);
  services(() => fileObjects(() => networks(() => done(failed))));
}

export function dockerStack(ctx: Ctx, d: Daemon, args: string[], exit: Exit): void {
  const [verb, ...rest] = args;
  const cluster = managerCluster(ctx, d, exit);
  if (cluster === null) return;
  switch (verb) {
    case 'deploy':
    case 'up': {
      const cmd = subcommand('deploy').option('-c, --compose-file <file>', '', collect, []).option('--prune').option('--with-registry-auth').option('--resolve-image <r>').argument('[stack]');
      if (!parseFlags(ctx, cmd, rest, 'stack deploy', exit)) return;
      const files = cmd.opts<{ composeFile: string[] }>().composeFile;
      const name = cmd.args[0];
      if (name === undefined) {
        println(ctx, '"docker stack deploy" requires exactly 1 argument.');
        println(ctx, "See 'docker stack deploy --help'.");
        return exit(1);
      }
      if (files.length === 0) {
        println(ctx, 'Please specify only one compose file (with --compose-file).');
        return exit(1);
      }
      const inputs = [];
      for (const f of files) {
        const path = resolvePath(ctx, f);
        const text = ctx.files.get(path);
        if (text === undefined) {
          println(ctx, `open ${path}: no such file or directory`);
          return exit(1);
        }
        inputs.push({ path, text });
      }
      let stack;
      try {
        stack = loadStack(name, inputs, ctx.vars, hostFileReader(ctx));
      } catch (e) {
        if (e instanceof InputError) {
          println(ctx, e.message);
          return exit(1);
        }
        throw e;
      }
      for (const w of stack.warnings) {
        println(ctx, w);
        println(ctx, '');
      }
      // deploy.go: the first error ends the deploy, printed by the CLI's main (exit 1); what was
      // created before it stays created, as in Docker.
      return deployStack(ctx, d, cluster, stack, (n) => d.findNetworkByName(n)?.scope ?? null, (err) => {
        if (err !== null) eprintln(ctx, err);
        exit(err === null ? 0 : 1);
      });
    }
    case 'ls':
    case 'list': {
      const names = new Map<string, number>();
      for (const s of cluster.services.values()) {
        const n = s.spec.labels[NS_LABEL];
        if (n !== undefined) names.set(n, (names.get(n) ?? 0) + 1);
      }
      const rows = [['NAME', 'SERVICES', 'ORCHESTRATOR']];
      for (const n of [...names.keys()].sort()) rows.push([n, String(names.get(n)), 'Swarm']);
      ctx.term.write(tabwrite(rows));
      return exit(0);
    }
    case 'services': {
      const name = rest.find((a) => !a.startsWith('-'))!;
      const svcs = stackServices(cluster, name);
      if (svcs.length === 0) {
        println(ctx, `Nothing found in stack: ${name}`);
        return exit(0);
      }
      const rows = [['ID', 'NAME', 'MODE', 'REPLICAS', 'IMAGE', 'PORTS']];
      for (const svc of svcs) {
        const run = cluster.tasksOf(svc).filter((t) => t.state === 'running' && t.nodeId !== null && cluster.nodes.get(t.nodeId)?.status !== 'down').length;
        const want = svc.spec.mode.kind === 'replicated' ? svc.spec.mode.replicas : cluster.tasksOf(svc).filter((t) => t.desiredState === 'running').length;
        const ports = svc.ports.filter((p) => p.mode === 'ingress').map((p) => `*:${p.published}->${p.target}/${p.protocol}`).join(', ');
        const image = svc.spec.image.includes(':') && !svc.spec.image.endsWith(']') && svc.spec.image.lastIndexOf(':') > svc.spec.image.lastIndexOf('/') ? svc.spec.image : `${svc.spec.image}:latest`;
        rows.push([svc.id.slice(0, 12), svc.spec.name, svc.spec.mode.kind, `${run}/${want}`, image, ports]);
      }
      ctx.term.write(tabwrite(rows));
      return exit(0);
    }
    case 'ps': {
      const cmd = subcommand('ps').option('--no-trunc').option('-q, --quiet').option('--format <tpl>').option('-f, --filter <f>', '', collect, []).argument('<stack>');
      if (!parseFlags(ctx, cmd, rest, 'stack ps', exit)) return;
      // Commander reads --no-trunc as the negation of a `trunc` flag.
      const o = cmd.opts<{ trunc?: boolean; quiet?: boolean; format?: string; filter: string[] }>();
      const keep = taskFilter(ctx, cluster, o.filter);
      if (keep === null) return exit(1);
      const name = cmd.args[0] ?? '';
      const svcs = stackServices(cluster, name);
      if (svcs.length === 0) {
        println(ctx, `nothing found in stack: ${name}`);
        return exit(1);
      }
      ctx.term.write(formatRows(psRows(cluster, svcs, o.trunc === false, keep), PS_FIELDS, o.quiet ? '{{.ID}}' : o.format, TASK_CONTEXT));
      return exit(0);
    }
    case 'rm':
    case 'remove':
    case 'down': {
      const name = rest.find((a) => !a.startsWith('-'))!;
      const svcs = stackServices(cluster, name);
      const secrets = [...cluster.secrets.values()].filter((s) => s.labels[NS_LABEL] === name);
      const configs = [...cluster.configs.values()].filter((s) => s.labels[NS_LABEL] === name);
      const nets = [...cluster.networks.values()].filter((n) => n.labels[NS_LABEL] === name);
      if (svcs.length + secrets.length + configs.length + nets.length === 0) {
        eprintln(ctx, `Nothing found in stack: ${name}`);
        return exit(0);
      }
      return removeStack(ctx, d, cluster, svcs, [...secrets, ...configs], nets, (failed) => {
        if (failed) eprintln(ctx, `Failed to remove some resources from stack: ${name}`);
        exit(failed ? 1 : 0);
      });
    }
  }
  println(ctx, '');
  println(ctx, 'Usage:\tdocker stack [OPTIONS] COMMAND');
  exit(verb === undefined ? 0 : 1);
}
