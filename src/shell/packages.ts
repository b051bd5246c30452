// Which optional packages a host has installed (CentOS 7 minimal ships neither bridge-utils nor
// ipvsadm: the seeds `yum install` them before using brctl and ipvsadm), and `yum install`.
import type { Userland } from './sim.js';
import type { Program } from './program.js';
import { println } from './program.js';

/** The packages yum knows, with the commands each provides and the release CentOS 7 ships. */
export const PACKAGES: Record<string, { readonly commands: readonly string[]; readonly version: string }> = {
  'bridge-utils': { commands: ['brctl'], version: '1.5-9.el7' },
  ipvsadm: { commands: ['ipvsadm'], version: '1.27-8.el7' },
};

/** Where a package's commands land (both packages install into /usr/sbin). */
const binPath = (cmd: string): string => `/usr/sbin/${cmd}`;

/** The packages installed where yum runs: the host's set, or in a container (its own files, not
 *  the host's) the packages whose binaries its filesystem holds, written there by an install. */
function installedSet(ctx: Parameters<Program>[0]): { have: Set<string>; add(name: string): void } {
  const u = ctx.sim.userland(ctx.host);
  if (ctx.files === u.files) {
    const have = (u.packages ??= new Set(Object.keys(PACKAGES)));
    return { have, add: (n) => have.add(n) };
  }
  const have = new Set(Object.keys(PACKAGES).filter((n) => PACKAGES[n]!.commands.every((c) => ctx.files.has(binPath(c)))));
  return { have, add: (n) => { for (const c of PACKAGES[n]!.commands) ctx.files.set(binPath(c), ''); } };
}

export function setInstalled(u: Userland, names: readonly string[]): void {
  u.packages = new Set(names);
}

/** The commands a host lacks until their package is installed (asked at each lookup, so a
 *  `yum install` shows at once in a shell opened before it). */
export function missingCommands(u: Userland): { has(name: string): boolean } {
  return {
    has: (cmd) => {
      const have = u.packages;
      return have !== null && Object.entries(PACKAGES).some(([name, p]) => !have.has(name) && p.commands.includes(cmd));
    },
  };
}

/** yum install [-y] PKG...: from the host's repository cache (no mirror traffic is modelled). */
export const yum: Program = (ctx, argv, exit) => {
  const args = argv.slice(1).filter((a) => a !== '-y' && a !== '--assumeyes' && a !== '-q');
  const [verb, ...names] = args;
  if (verb !== 'install' || names.length === 0) {
    println(ctx, verb === undefined ? 'You need to give some command' : `No such command: ${verb}. Please use /usr/bin/yum --help`);
    return exit(1);
  }
  const target = installedSet(ctx);
  const have = target.have;
  println(ctx, 'Loaded plugins: fastestmirror');
  println(ctx, 'Loading mirror speeds from cached hostfile');
  const todo: string[] = [];
  for (const n of names) {
    const p = PACKAGES[n];
    if (p === undefined) println(ctx, `No package ${n} available.`);
    else if (have.has(n)) println(ctx, `Package ${n}-${p.version}.x86_64 already installed and latest version`);
    else todo.push(n);
  }
  if (todo.length === 0) {
    println(ctx, names.some((n) => PACKAGES[n] === undefined) ? 'Error: Nothing to do' : 'Nothing to do');
    return exit(names.some((n) => PACKAGES[n] === undefined) ? 1 : 0);
  }
  println(ctx, 'Resolving Dependencies');
  println(ctx, '--> Running transaction check');
  for (const n of todo) println(ctx, `---> Package ${n}.x86_64 0:${PACKAGES[n]!.version} will be installed`);
  println(ctx, '--> Finished Dependency Resolution');
  println(ctx, '');
  println(ctx, 'Installed:');
  println(ctx, `  ${todo.map((n) => `${n}.x86_64 0:${PACKAGES[n]!.version}`).join('  ')}`);
  println(ctx, '');
  println(ctx, 'Complete!');
  for (const n of todo) target.add(n);
  exit(0);
};
