// The package managers of the images the catalogue models, on hosts without the Internet (the
// seeds' VirtualBox hosts reach nothing past their LANs): alpine 3.12's `apk add` and Debian
// buster's `apt-get update` / `apt-get install` fail as they do when no mirror resolves, so a
// Dockerfile's `RUN apk add …` or `RUN apt-get …` ends the build as the real one would.
import type { Ctx, Program } from './program.js';
import { eprintln, println } from './program.js';

const ALPINE = 'http://dl-cdn.alpinelinux.org/alpine/v3.12';
/** apk's cache file per repository (APKINDEX.<hash of the URL>.tar.gz) for v3.12 main and community. */
const APK_REPOS = [['main', '2c4ac24e'], ['community', '40a3604f']] as const;

/** apk-tools 2.10 (alpine 3.12), every mirror unreachable: each repository's fetch fails (an
 *  ERROR and the missing cache file, or with --no-cache/-U a WARNING for the URL), then the
 *  solver cannot find the packages; the status is the number of them. */
export const apk: Program = (ctx, argv, exit) => {
  const args = argv.slice(1);
  const verb = args.find((a) => !a.startsWith('-'));
  const names = args.slice(args.indexOf(verb ?? '') + 1).filter((a) => !a.startsWith('-'));
  const noCache = args.some((a) => a === '--no-cache' || a === '--update' || a === '-U');
  if (verb !== 'add' && verb !== 'update') {
    eprintln(ctx, `ERROR: applet '${verb ?? ''}' not modelled offline (apk add and apk update are)`);
    return exit(1);
  }
  for (const [repo, hash] of APK_REPOS) {
    println(ctx, `fetch ${ALPINE}/${repo}/x86_64/APKINDEX.tar.gz`);
    if (noCache && verb === 'add') println(ctx, `WARNING: Ignoring ${ALPINE}/${repo}/x86_64/APKINDEX.tar.gz: temporary error (try again later)`);
    else {
      println(ctx, `ERROR: ${ALPINE}/${repo}: temporary error (try again later)`);
      println(ctx, `WARNING: Ignoring APKINDEX.${hash}.tar.gz: No such file or directory`);
    }
  }
  if (verb === 'update') {
    // The 14 packages of the alpine:3.12 image are all apk knows of.
    println(ctx, `${APK_REPOS.length} errors; 14 distinct packages available`);
    return exit(APK_REPOS.length);
  }
  if (names.length === 0) return exit(0);
  println(ctx, 'ERROR: unsatisfiable constraints:');
  for (const n of [...names].sort()) {
    println(ctx, `  ${n} (missing):`);
    println(ctx, `    required by: world[${n}]`);
  }
  exit(names.length);
};

/** Debian buster's sources (the nginx, mysql, wordpress, python … images), as apt fetches them. */
const BUSTER = [
  ['http://deb.debian.org/debian', 'buster'],
  ['http://security.debian.org/debian-security', 'buster/updates'],
  ['http://deb.debian.org/debian', 'buster-updates'],
] as const;

function hostOf(url: string): string {
  return url.replace(/^http:\/\//, '').replace(/\/.*$/, '');
}

/** The images ship without package lists (rm -rf /var/lib/apt/lists/*), so without a mirror
 *  `apt-get update` warns and succeeds, and `apt-get install` locates nothing (status 100). */
export const aptGet: Program = (ctx: Ctx, argv, exit) => {
  // The hosts are CentOS: apt-get exists only in the Debian-based images.
  if (ctx.files === ctx.sim.userland(ctx.host).files) return notInstalled(ctx, argv, exit);
  const args = argv.slice(1).filter((a) => !a.startsWith('-'));
  const [verb, ...names] = args;
  if (verb === 'update') {
    BUSTER.forEach(([url, suite], i) => {
      println(ctx, `Err:${i + 1} ${url} ${suite} InRelease`);
      println(ctx, `  Temporary failure resolving '${hostOf(url)}'`);
    });
    println(ctx, 'Reading package lists...');
    for (const [url, suite] of BUSTER) eprintln(ctx, `W: Failed to fetch ${url}/dists/${suite}/InRelease  Temporary failure resolving '${hostOf(url)}'`);
    eprintln(ctx, 'W: Some index files failed to download. They have been ignored, or old ones used instead.');
    return exit(0);
  }
  if (verb === 'install') {
    println(ctx, 'Reading package lists...');
    println(ctx, 'Building dependency tree...');
    println(ctx, 'Reading state information...');
    for (const n of names) eprintln(ctx, `E: Unable to locate package ${n}`);
    return exit(names.length === 0 ? 0 : 100);
  }
  eprintln(ctx, `E: Invalid operation ${verb ?? ''}`);
  exit(100);
};

/** A package manager of another distribution: the hosts (CentOS) have neither, busybox images
 *  no apt-get, Debian images no apk — the shell finds no such command (status 127). */
export const notInstalled: Program = (ctx, argv, exit) => {
  const shell = ctx.flavor === 'busybox' ? 'sh' : ctx.files === ctx.sim.userland(ctx.host).files ? '-bash' : 'bash';
  eprintln(ctx, `${shell}: ${argv[0]}: ${shell === 'sh' ? 'not found' : 'command not found'}`);
  exit(127);
};
