// docker secret | config  create | ls | inspect | rm. Both live in the managers' Raft store and
// reach a task as a file; swarmkit and docker/cli 19.03 treat them alike except that a config's
// data is shown back (`inspect` JSON Spec.Data, `inspect --pretty`'s Data:) and a secret's never is,
// and that only secrets have a driver column. Texts: cli/command/{secret,config} and swarmkit's
// controlapi (secret.go, config.go).
import { rfc3339Nano } from '../../sim/clock.js';
import type { Daemon } from '../../docker/daemon.js';
import { FileObject } from '../../swarm/model.js';
import type { FileObjectKind } from '../../swarm/model.js';
import type { SwarmCluster } from '../../swarm/cluster.js';
import type { Ctx } from '../program.js';
import { eprintln, println, resolvePath } from '../program.js';
import { formatRows, goJson, goTemplate, humanDuration } from '../table.js';
import { CONFIG, SECRET } from './gotypes.js';
import { collect, labelsOf, parseFlags, subcommand } from './common.js';
import { managerCluster } from './swarmcmd.js';
import { controlCall, inTurn, removeCall, whenCommitted } from './raftwait.js';
import type { ControlCall } from './raftwait.js';

type Exit = (code: number) => void;

const MAX_FILE_OBJECT_SIZE = 500 * 1024;

const NAME_RULE = /^[a-zA-Z0-9]+(?:[a-zA-Z0-9-_.]*[a-zA-Z0-9])?$/;

/**
 * Checks a new secret or config as controlapi CreateSecret / CreateConfig does before proposing it
 * (validateSecretSpec, then the store's name conflict); throws the daemon's refusal text. Returns
 * the size of the log entry it makes: the object with its data (swarm/raft-entry.ts gives a small
 * object ≈ 100 bytes of Meta and annotations).
 */
export function checkNewFileObject(cluster: SwarmCluster, kind: FileObjectKind, name: string, data: string): number {
  if (name.length > 64 || !NAME_RULE.test(name)) {
    throw new Error('rpc error: code = InvalidArgument desc = invalid name, only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]');
  }
  // swarmkit api/validation: MaxSecretSize and MaxConfigSize are both 500 KiB.
  const size = new TextEncoder().encode(data).length;
  if (size >= MAX_FILE_OBJECT_SIZE || size < 1) throw new Error(`rpc error: code = InvalidArgument desc = ${kind} data must be larger than 0 and less than ${MAX_FILE_OBJECT_SIZE} bytes`);
  if ([...cluster.fileObjects(kind).values()].some((s) => s.name === name)) throw new Error(`rpc error: code = AlreadyExists desc = ${kind} ${name} already exists`);
  return fileObjectBytes(name, data);
}

/** A Secret's or Config's log entry: its data and name, and ≈ 100 bytes of Meta and labels (the
 *  small object of swarm/raft-entry.ts). */
export function fileObjectBytes(name: string, data: string): number {
  return 100 + name.length + new TextEncoder().encode(data).length;
}

/** Stores a secret or config; throws the daemon's refusal text. */
export function createFileObject(cluster: SwarmCluster, kind: FileObjectKind, name: string, data: string, labels: Record<string, string>): FileObject {
  checkNewFileObject(cluster, kind, name, data);
  const s = new FileObject(kind, cluster.newId(), name, data, labels, cluster.now, cluster.storeIndex);
  cluster.fileObjects(kind).set(s.id, s);
  return s;
}

/** The Control method that writes a secret or config. */
export function fileObjectMethod(verb: 'Create' | 'Update' | 'Remove', kind: FileObjectKind): ControlCall['method'] {
  return `${verb}${kind === 'secret' ? 'Secret' : 'Config'}`;
}

/** By name, full ID or unique ID prefix. */
export function findFileObject(cluster: SwarmCluster, kind: FileObjectKind, ref: string): FileObject | null {
  const store = cluster.fileObjects(kind);
  for (const s of store.values()) if (s.name === ref || s.id === ref) return s;
  const byId = [...store.values()].filter((s) => s.id.startsWith(ref));
  return byId.length === 1 ? byId[0]! : null;
}

/** The services whose spec references the object. */
function usersOf(cluster: SwarmCluster, s: FileObject): string[] {
  return [...cluster.services.values()].filter((svc) => (s.kind === 'secret' ? svc.spec.secrets : svc.spec.configs).some((r) => r.source === s.name)).map((svc) => svc.spec.name);
}

/** Throws controlapi RemoveSecret / RemoveConfig's refusal while a service uses the object
 *  (checked in the store transaction, before anything is proposed). */
export function checkRemoveFileObject(cluster: SwarmCluster, s: FileObject): void {
  const users = usersOf(cluster, s);
  if (users.length > 0) {
    throw new Error(`rpc error: code = InvalidArgument desc = ${s.kind} '${s.name}' is in use by the following service${users.length > 1 ? 's' : ''}: ${users.join(', ')}`);
  }
}

/** Removes the object unless a service still uses it (controlapi RemoveSecret / RemoveConfig). */
export function removeFileObject(cluster: SwarmCluster, s: FileObject): void {
  checkRemoveFileObject(cluster, s);
  cluster.fileObjects(s.kind).delete(s.id);
}

/** controlapi UpdateSecret / UpdateConfig's refusal, before anything is proposed: only the labels
 *  may change. */
export function checkUpdateFileObject(s: FileObject, data: string): void {
  if (data !== s.data) throw new Error('rpc error: code = InvalidArgument desc = only updates to Labels are allowed');
}

/** UpdateSecret / UpdateConfig as `stack deploy` sends them: only the labels may change. */
export function updateFileObject(cluster: SwarmCluster, s: FileObject, data: string, labels: Record<string, string>): void {
  checkUpdateFileObject(s, data);
  if (JSON.stringify(labels) === JSON.stringify(s.labels)) return;
  cluster.fileObjects(s.kind).set(s.id, new FileObject(s.kind, s.id, s.name, s.data, labels, s.createdAt, cluster.storeIndex));
}

/** Go's time.Time String() through command.PrettyPrint (first letter up, the rest down). */
function prettyTime(t: number): string {
  // Layout "2006-01-02 15:04:05.999999999 -0700 MST": trailing zeros of the fraction dropped.
  return rfc3339Nano(t).replace('T', ' ').replace(/Z$/, ' +0000 utc');
}

function labelLines(labels: Record<string, string>): string[] {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? [] : ['Labels:', ...keys.map((k) => ` - ${k}${labels[k] !== '' ? `=${labels[k]}` : ''}`)];
}

/** secretInspectPrettyTemplate / configInspectPrettyTemplate, spacing as written there. */
function pretty(s: FileObject): string {
  const at = prettyTime(s.createdAt);
  if (s.kind === 'secret') {
    return [`ID:              ${s.id}`, `Name:              ${s.name}`, ...labelLines(s.labels), 'Driver:            ', `Created at:        ${at}`, `Updated at:        ${at}`].join('\n');
  }
  return [`ID:\t\t\t${s.id}`, `Name:\t\t\t${s.name}`, ...labelLines(s.labels), `Created at:            \t${at}`, `Updated at:            \t${at}`, 'Data:', s.data].join('\n');
}

function inspectJson(s: FileObject): object {
  const spec = s.kind === 'config' ? { Name: s.name, Labels: s.labels, Data: Buffer.from(s.data, 'utf8').toString('base64') } : { Name: s.name, Labels: s.labels };
  return { ID: s.id, Version: { Index: s.version }, CreatedAt: rfc3339Nano(s.createdAt), UpdatedAt: rfc3339Nano(s.createdAt), Spec: spec };
}

export function dockerSecret(ctx: Ctx, d: Daemon, args: string[], exit: Exit): void {
  fileObjectCommand(ctx, d, 'secret', args, exit);
}

export function dockerConfig(ctx: Ctx, d: Daemon, args: string[], exit: Exit): void {
  fileObjectCommand(ctx, d, 'config', args, exit);
}

function fileObjectCommand(ctx: Ctx, d: Daemon, kind: FileObjectKind, args: string[], exit: Exit): void {
  const [verb, ...rest] = args;
  const cluster = managerCluster(ctx, d, exit);
  if (cluster === null) return;
  const fail = (e: unknown): void => {
    eprintln(ctx, `Error response from daemon: ${(e as Error).message}`);
    exit(1);
  };
  switch (verb) {
    case 'create': {
      const cmd = subcommand('create').option('-l, --label <kv>', '', collect, []).argument('[name]').argument('[file]');
      if (kind === 'secret') cmd.option('-d, --driver <d>');
      else cmd.option('--template-driver <d>');
      if (!parseFlags(ctx, cmd, rest, `${kind} create`, exit)) return;
      const [name, file] = cmd.args;
      if (name === undefined || file === undefined) {
        println(ctx, `"docker ${kind} create" requires exactly 2 arguments.`);
        eprintln(ctx, `See 'docker ${kind} create --help'.`);
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
        const text = ctx.files.get(resolvePath(ctx, file));
        if (text === undefined) {
          println(ctx, `open ${file}: no such file or directory`);
          return exit(1);
        }
        data = text;
      }
      let bytes: number;
      try {
        bytes = checkNewFileObject(cluster, kind, name, data);
      } catch (e) {
        return fail(e);
      }
      // Written once the leader's log commits it; the answer returns the object.
      return whenCommitted(ctx, d, controlCall(fileObjectMethod('Create', kind), `${kind} create ${name}`, bytes), (err) => {
        if (err !== null) {
          eprintln(ctx, err);
          return exit(1);
        }
        try {
          const s = createFileObject(cluster, kind, name, data, labelsOf(cmd.opts<{ label: string[] }>().label));
          cluster.commit();
          println(ctx, s.id);
          return exit(0);
        } catch (e) {
          return fail(e);
        }
      });
    }
    case 'ls':
    case 'list': {
      const cmd = subcommand('ls').option('-q, --quiet').option('--format <tpl>').option('-f, --filter <f>', '', collect, []);
      if (!parseFlags(ctx, cmd, rest, `${kind} ls`, exit)) return;
      const o = cmd.opts<{ quiet?: boolean; format?: string }>();
      const all = [...cluster.fileObjects(kind).values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const rows = [kind === 'secret' ? ['ID', 'NAME', 'DRIVER', 'CREATED', 'UPDATED'] : ['ID', 'NAME', 'CREATED', 'UPDATED']];
      for (const s of all) {
        const age = `${humanDuration(cluster.now - s.createdAt)} ago`;
        rows.push(kind === 'secret' ? [s.id, s.name, '', age, age] : [s.id, s.name, age, age]);
      }
      const fields = kind === 'secret' ? ['ID', 'Name', 'Driver', 'CreatedAt', 'UpdatedAt'] : ['ID', 'Name', 'CreatedAt', 'UpdatedAt'];
      ctx.term.write(formatRows(rows, fields, o.quiet ? '{{.ID}}' : o.format));
      return exit(0);
    }
    case 'inspect': {
      const cmd = subcommand('inspect').option('-f, --format <tpl>').option('--pretty').argument('<names...>');
      if (!parseFlags(ctx, cmd, rest, `${kind} inspect`, exit)) return;
      const o = cmd.opts<{ format?: string; pretty?: boolean }>();
      // inspect.Inspect: the objects found are printed (`[]` if none), then one line per miss.
      const out: object[] = [];
      const errs: string[] = [];
      for (const ref of cmd.args) {
        const s = findFileObject(cluster, kind, ref);
        if (s === null) {
          errs.push(`Error: No such ${kind}: ${ref}`);
          if (o.pretty) break;
          continue;
        }
        if (o.pretty) println(ctx, pretty(s));
        else if (o.format !== undefined) println(ctx, goTemplate(o.format, inspectJson(s), undefined, kind === 'secret' ? SECRET : CONFIG));
        else out.push(inspectJson(s));
      }
      if (o.format === undefined && !o.pretty) println(ctx, goJson(out));
      for (const e of errs) println(ctx, e);
      return exit(errs.length > 0 ? 1 : 0);
    }
    case 'rm':
    case 'remove': {
      if (rest.length === 0) {
        println(ctx, `"docker ${kind} rm" requires at least 1 argument.`);
        eprintln(ctx, `See 'docker ${kind} rm --help'.`);
        return exit(1);
      }
      // RunSecretRemove / RunConfigRemove print the names removed, then every error at the end.
      const errs: string[] = [];
      const refused = (e: unknown): void => {
        errs.push(`Error response from daemon: ${(e as Error).message}`);
      };
      return inTurn(rest, (ref, next) => {
        const s = findFileObject(cluster, kind, ref);
        if (s === null) {
          errs.push(`Error: No such ${kind}: ${ref}`);
          return next();
        }
        try {
          checkRemoveFileObject(cluster, s);
        } catch (e) {
          refused(e);
          return next();
        }
        whenCommitted(ctx, d, removeCall(fileObjectMethod('Remove', kind), `${kind} rm ${s.name}`), (err) => {
          if (err !== null) errs.push(err);
          else {
            try {
              removeFileObject(cluster, s);
              cluster.commit();
              println(ctx, ref);
            } catch (e) {
              refused(e);
            }
          }
          next();
        });
      }, () => {
        for (const e of errs) eprintln(ctx, e);
        exit(errs.length > 0 ? 1 : 0);
      });
    }
  }
  println(ctx, '');
  println(ctx, `Usage:\tdocker ${kind} COMMAND`);
  exit(verb === undefined ? 0 : 1);
}
