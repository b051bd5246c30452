// docker secret create | ls | inspect | rm: secrets live in the managers' Raft store; their data
// is never shown back.
import { rfc3339Nano } from '../../sim/clock.js';
import type { Daemon } from '../../docker/daemon.js';
import { Secret } from '../../swarm/model.js';
import type { SwarmCluster } from '../../swarm/cluster.js';
import type { Ctx } from '../program.js';
import { println } from '../program.js';
import { goJson, humanDuration, tabwrite } from '../table.js';
import { collect, labelsOf, parseFlags, subcommand } from './common.js';
import { managerCluster } from './swarmcmd.js';

type Exit = (code: number) => void;

const NAME_RULE = /^[a-zA-Z0-9]+(?:[a-zA-Z0-9-_.]*[a-zA-Z0-9])?$/;

/** Stores a secret; throws the daemon's refusal text. */
export function createSecret(cluster: SwarmCluster, name: string, data: string, labels: Record<string, string>): Secret {
  if (name.length > 64 || !NAME_RULE.test(name)) {
    throw new Error('rpc error: code = InvalidArgument desc = invalid name, only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]');
  }
  if ([...cluster.secrets.values()].some((s) => s.name === name)) throw new Error(`rpc error: code = AlreadyExists desc = secret ${name} already exists`);
  const s = new Secret(cluster.newId(), name, data, labels, cluster.now);
  cluster.secrets.set(s.id, s);
  return s;
}

export function findSecret(cluster: SwarmCluster, ref: string): Secret | null {
  for (const s of cluster.secrets.values()) if (s.name === ref || s.id === ref) return s;
  const byId = [...cluster.secrets.values()].filter((s) => s.id.startsWith(ref));
  return byId.length === 1 ? byId[0]! : null;
}

/** Removes a secret unless a service still uses it. */
export function removeSecret(cluster: SwarmCluster, s: Secret): void {
  const users = [...cluster.services.values()].filter((svc) => svc.spec.secrets.some((r) => r.source === s.name)).map((svc) => svc.spec.name);
  if (users.length > 0) {
    throw new Error(`rpc error: code = InvalidArgument desc = secret '${s.name}' is in use by the following service${users.length > 1 ? 's' : ''}: ${users.join(', ')}`);
  }
  cluster.secrets.delete(s.id);
}

export function dockerSecret(ctx: Ctx, d: Daemon, args: string[], exit: Exit): void {
  const [verb, ...rest] = args;
  const cluster = managerCluster(ctx, d, exit);
  if (cluster === null) return;
  const fail = (e: unknown): void => {
    println(ctx, `Error response from daemon: ${(e as Error).message}`);
    exit(1);
  };
  switch (verb) {
    case 'create': {
      const cmd = subcommand('create').option('-l, --label <kv>', '', collect, []).option('-d, --driver <d>').argument('[name]').argument('[file]');
      if (!parseFlags(ctx, cmd, rest, 'secret create', exit)) return;
      const [name, file] = cmd.args;
      if (name === undefined || file === undefined) {
        println(ctx, '"docker secret create" requires exactly 2 arguments.');
        println(ctx, "See 'docker secret create --help'.");
        return exit(1);
      }
      let data: string;
      if (file === '-') {
        if (ctx.stdin === '') {
          println(ctx, 'error reading from STDIN: data is empty');
          return exit(1);
        }
        data = ctx.stdin;
      } else {
        const path = file.startsWith('/') ? file : `/root/${file.replace(/^\.\//, '')}`;
        const text = ctx.files.get(path);
        if (text === undefined) {
          println(ctx, `open ${file}: no such file or directory`);
          return exit(1);
        }
        data = text;
      }
      try {
        const s = createSecret(cluster, name, data, labelsOf(cmd.opts<{ label: string[] }>().label));
        cluster.commit();
        println(ctx, s.id);
        return exit(0);
      } catch (e) {
        return fail(e);
      }
    }
    case 'ls':
    case 'list': {
      const rows = [['ID', 'NAME', 'DRIVER', 'CREATED', 'UPDATED']];
      for (const s of [...cluster.secrets.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const age = `${humanDuration(cluster.now - s.createdAt)} ago`;
        rows.push([s.id, s.name, '', age, age]);
      }
      ctx.term.write(tabwrite(rows));
      return exit(0);
    }
    case 'inspect': {
      const out: object[] = [];
      for (const ref of rest.filter((a) => !a.startsWith('-'))) {
        const s = findSecret(cluster, ref);
        if (s === null) {
          println(ctx, `Error: No such secret: ${ref}`);
          return exit(1);
        }
        out.push({ ID: s.id, Version: { Index: 11 }, CreatedAt: rfc3339Nano(s.createdAt), UpdatedAt: rfc3339Nano(s.createdAt), Spec: { Name: s.name, Labels: s.labels } });
      }
      println(ctx, goJson(out));
      return exit(0);
    }
    case 'rm':
    case 'remove': {
      let rc = 0;
      for (const ref of rest) {
        const s = findSecret(cluster, ref);
        if (s === null) {
          println(ctx, `Error: No such secret: ${ref}`);
          rc = 1;
          continue;
        }
        try {
          removeSecret(cluster, s);
          println(ctx, ref);
        } catch (e) {
          println(ctx, `Error response from daemon: ${(e as Error).message}`);
          rc = 1;
        }
      }
      return exit(rc);
    }
  }
  println(ctx, '');
  println(ctx, 'Usage:\tdocker secret COMMAND');
  exit(verb === undefined ? 0 : 1);
}
