// docker volume create | ls | inspect | rm | prune, as docker/cli 19.03 prints them
// (cli/command/volume, formatter/volume.go) over one engine's volumes (docker/volumes.ts).
import type { Daemon } from '../../docker/daemon.js';
import { rfc3339Nano } from '../../sim/clock.js';
import type { Volume } from '../../docker/volumes.js';
import type { Ctx } from '../program.js';
import { eprintln, println } from '../program.js';
import { formatRows, goJson, goTemplate } from '../table.js';
import { collect, labelsOf, parseFlags, subcommand } from './common.js';

type Exit = (code: number) => void;

/** sortorder.NaturalLess: runs of digits compare as numbers. */
function naturalLess(a: string, b: string): number {
  const ta = a.match(/\d+|\D+/g) ?? [];
  const tb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    const x = ta[i]!;
    const y = tb[i]!;
    if (x === y) continue;
    if (/^\d/.test(x) && /^\d/.test(y)) return Number(x) - Number(y) || x.length - y.length;
    return x < y ? -1 : 1;
  }
  return ta.length - tb.length;
}

/** go-units HumanSize: four significant digits, decimal units. */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  let n = bytes;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${Number(n.toPrecision(4))}${units[i]}`;
}

/** The local driver's CreatedAt: the directory's mtime in RFC 3339, seconds. */
function createdAt(v: Volume): string {
  return `${rfc3339Nano(v.createdAt).slice(0, 19)}Z`;
}

function volumeJson(v: Volume): object {
  return { CreatedAt: createdAt(v), Driver: v.driver, Labels: v.labels, Mountpoint: v.mountpoint, Name: v.name, Options: v.options, Scope: 'local' };
}

/** `-f key=value` for ls and prune: dangling, name, driver, label. */
function matches(d: Daemon, v: Volume, filters: string[]): boolean {
  return filters.every((f) => {
    const eq = f.indexOf('=');
    const [k, val] = eq < 0 ? [f, ''] : [f.slice(0, eq), f.slice(eq + 1)];
    if (k === 'dangling') return (d.volumeUsers(v).length === 0) === (val === 'true' || val === '1');
    if (k === 'name') return v.name.includes(val);
    if (k === 'driver') return v.driver === val;
    if (k === 'label') {
      const le = val.indexOf('=');
      const [lk, lv] = le < 0 ? [val, null] : [val.slice(0, le), val.slice(le + 1)];
      return v.labels !== null && lk in v.labels && (lv === null || v.labels[lk] === lv);
    }
    return true;
  });
}

export function dockerVolume(ctx: Ctx, d: Daemon, args: string[], exit: Exit): void {
  const [verb, ...rest] = args;
  const store = d.volumes;
  switch (verb) {
    case 'create': {
      const cmd = subcommand('create').option('-d, --driver <d>', '', 'local').option('--label <kv>', '', collect, []).option('-o, --opt <kv>', '', collect, []).option('--name <name>').argument('[name]');
      if (!parseFlags(ctx, cmd, rest, 'volume create', exit)) return;
      const o = cmd.opts<{ driver: string; label: string[]; opt: string[]; name?: string }>();
      const name = cmd.args[0] ?? o.name ?? d.rng.hex(64);
      if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) {
        eprintln(ctx, `Error response from daemon: create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
        return exit(1);
      }
      if (o.driver !== 'local') {
        eprintln(ctx, `Error response from daemon: create ${name}: error looking up volume plugin ${o.driver}: plugin "${o.driver}" not found`);
        return exit(1);
      }
      // The CLI always sends the maps, so inspect shows {} rather than null.
      store.create(name, { driver: o.driver, labels: labelsOf(o.label), options: labelsOf(o.opt), now: d.now, anonymous: cmd.args[0] === undefined && o.name === undefined });
      println(ctx, name);
      return exit(0);
    }
    case 'ls':
    case 'list': {
      const cmd = subcommand('ls').option('-q, --quiet').option('--format <tpl>').option('-f, --filter <f>', '', collect, []);
      if (!parseFlags(ctx, cmd, rest, 'volume ls', exit)) return;
      const o = cmd.opts<{ quiet?: boolean; format?: string; filter: string[] }>();
      const vols = [...store.volumes.values()].filter((v) => matches(d, v, o.filter)).sort((a, b) => naturalLess(a.name, b.name));
      const rows = [['DRIVER', 'VOLUME NAME'], ...vols.map((v) => [v.driver, v.name])];
      ctx.term.write(formatRows(rows, ['Driver', 'Name'], o.quiet ? '{{.Name}}' : o.format));
      return exit(0);
    }
    case 'inspect': {
      const cmd = subcommand('inspect').option('-f, --format <tpl>').argument('<volumes...>');
      if (!parseFlags(ctx, cmd, rest, 'volume inspect', exit)) return;
      const o = cmd.opts<{ format?: string }>();
      const found: object[] = [];
      const errs: string[] = [];
      for (const ref of cmd.args) {
        const v = store.get(ref);
        if (v === null) errs.push(`Error: No such volume: ${ref}`);
        else if (o.format !== undefined) println(ctx, goTemplate(o.format, volumeJson(v)));
        else found.push(volumeJson(v));
      }
      if (o.format === undefined) println(ctx, goJson(found));
      for (const e of errs) eprintln(ctx, e);
      return exit(errs.length > 0 ? 1 : 0);
    }
    case 'rm':
    case 'remove': {
      const cmd = subcommand('rm').option('-f, --force').argument('[volumes...]');
      if (!parseFlags(ctx, cmd, rest, 'volume rm', exit)) return;
      if (cmd.args.length === 0) {
        eprintln(ctx, '"docker volume rm" requires at least 1 argument.');
        eprintln(ctx, "See 'docker volume rm --help'.");
        println(ctx, '');
        println(ctx, 'Usage:  docker volume rm [OPTIONS] VOLUME [VOLUME...]');
        println(ctx, '');
        println(ctx, 'Remove one or more volumes');
        return exit(1);
      }
      const force = !!cmd.opts<{ force?: boolean }>().force;
      const errs: string[] = [];
      for (const ref of cmd.args) {
        const v = store.get(ref);
        if (v === null) {
          if (force) println(ctx, ref);
          else errs.push(`Error: No such volume: ${ref}`);
          continue;
        }
        const users = d.volumeUsers(v);
        if (users.length > 0) {
          errs.push(`Error response from daemon: remove ${ref}: volume is in use - [${users.map((c) => c.id).join(', ')}]`);
          continue;
        }
        store.remove(v);
        println(ctx, ref);
      }
      for (const e of errs) eprintln(ctx, e);
      return exit(errs.length > 0 ? 1 : 0);
    }
    case 'prune': {
      const cmd = subcommand('prune').option('-f, --force').option('--filter <f>', '', collect, []);
      if (!parseFlags(ctx, cmd, rest, 'volume prune', exit)) return;
      const o = cmd.opts<{ force?: boolean; filter: string[] }>();
      if (!o.force) {
        ctx.term.write('WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ');
        if (!/^y(es)?$/i.test(ctx.stdin.split('\n')[0]!.trim())) {
          println(ctx, 'Total reclaimed space: 0B');
          return exit(0);
        }
      }
      // 19.03 prunes every unused volume of the local driver, named or anonymous.
      const gone = [...store.volumes.values()].filter((v) => v.driver === 'local' && d.volumeUsers(v).length === 0 && matches(d, v, o.filter));
      let space = 0;
      for (const v of gone) {
        space += v.size;
        store.remove(v);
      }
      if (gone.length > 0) println(ctx, `Deleted Volumes:\n${gone.map((v) => `${v.name}\n`).join('')}`);
      println(ctx, `Total reclaimed space: ${humanSize(space)}`);
      return exit(0);
    }
  }
  println(ctx, '');
  println(ctx, 'Usage:\tdocker volume COMMAND');
  println(ctx, '');
  println(ctx, 'Manage volumes');
  exit(verb === undefined ? 0 : 1);
}
