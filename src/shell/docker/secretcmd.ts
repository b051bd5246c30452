// docker secret create | ls | inspect | rm: secrets live in the managers' Raft store; their data
// is never shown back.
import { rfc3339Nano } from '../../sim/clock.js';
import type { Daemon } from '../../docker/daemon.js';
import { Secret } from '../../swarm/model.js';
import type { SwarmCluster } from '../../swarm/cluster.js';
import type { Ctx } from '../program.js';
import { println, resolvePath } from '../program.js';
import { goJson, goTemplate, humanDuration, tabwrite } from '../table.js';
import { collect, labelsOf, parseFlags, subcommand } from './common.js';
import { managerCluster } from './swarmcmd.js';

type Exit = (code: number) => void;

const MAX_SECRET_SIZE = 500 * 1024;

const NAME_RULE = /^[a-zA-Z0-9]+(?:[a-zA-Z0-9-_.]*[a-zA-Z0-9])?$/;

/** Stores a secret; throws the daemon's refusal text. */
export function createSecret(cluster: SwarmCluster, name: string, data: string, labels: Record<string, string>): Secret {
  if (name.length > 64 || !NAME_RULE.test(name)) {
    throw new Error('rpc error: code = InvalidArgument desc = invalid name, only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]');
  }
  // swarmkit api/validation ValidateSecretPayload: MaxSecretSize = 500 KiB.
  const size = new TextEncoder().encode(data).length;
  if (size >= MAX_SECRET_SIZE || size < 1) throw new Error(`rpc error: code = InvalidArgument desc = secret data must be larger than 0 and less than ${MAX_SECRET_SIZE} bytes`);
  if ([...cluster.secrets.values()].some((s) => s.name === name)) throw new Error(`rpc error: code = AlreadyExists desc = secret ${name} already exists`);
  const s = new Secret(cluster.newId(), name, data, labels, cluster.now, cluster.storeIndex);
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
        const path = resolvePath(ctx, file);
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
      const cmd = subcommand('inspect').option('-f, --format <tpl>').option('--pretty').argument('<secrets...>');
      if (!parseFlags(ctx, cmd, rest, 'secret inspect', exit)) return;
      const o = cmd.opts<{ format?: string; pretty?: boolean }>();
      const out: object[] = [];
      for (const ref of cmd.args) {
        const s = findSecret(cluster, ref);
        if (s === null) {
          println(ctx, `Error: No such secret: ${ref}`);
          return exit(1);
        }
        const json = { ID: s.id, Version: { Index: s.version }, CreatedAt: rfc3339Nano(s.createdAt), UpdatedAt: rfc3339Nano(s.createdAt), Spec: { Name: s.name, Labels: s.labels } };
        if (o.format !== undefined) println(ctx, goTemplate(o.format, json));
        else if (o.pretty) {
          // Go's time.Time String(): "2006-01-02 15:04:05.999999999 +0000 utc" as docker prints it.
          const at = rfc3339Nano(s.createdAt).replace('T', ' ').replace('Z', ' +0000 utc');
          println(ctx, `ID:              ${s.id}`);
          println(ctx, `Name:            ${s.name}`);
          if (Object.keys(s.labels).length > 0) {
            println(ctx, 'Labels:');
            for (const [k, v] of Object.entries(s.labels)) println(ctx, ` - ${k}=${v}`);
          }
          println(ctx, 'Driver:          ');
          println(ctx, `Created at:      ${at}`);
          println(ctx, `Updated at:      ${at}`);
        } else out.push(json);
      }
      if (o.format === undefined && !o.pretty) println(ctx, goJson(out));
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
