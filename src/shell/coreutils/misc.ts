// sleep, mkdir, touch, clear, and the editors a scenario cannot drive (vim, vi, nano).
import { SEC } from '../../sim/clock.js';
import type { Ctx, Program } from '../program.js';
import { resolvePath } from '../program.js';
import { parseSeconds } from '../special.js';

/** sleep NUMBER[smhd]…: the arguments add up (coreutils); ^C ends it early (exit 130). */
export const sleep: Program = (ctx, argv, exit) => {
  const busybox = ctx.flavor === 'busybox';
  if (argv.length < 2) {
    ctx.err.write(busybox ? 'BusyBox v1.31.1 multi-call binary.\n\nUsage: sleep [N]...\n' : "sleep: missing operand\nTry 'sleep --help' for more information.\n");
    return exit(1);
  }
  let total = 0;
  for (const a of argv.slice(1)) {
    const s = parseSeconds(a);
    if (s === null) {
      ctx.err.write(busybox ? `sleep: invalid number '${a}'\n` : `sleep: invalid time interval ‘${a}’\nTry 'sleep --help' for more information.\n`);
      return exit(1);
    }
    total += s;
  }
  if (!Number.isFinite(total)) return; // `sleep inf` sleeps until it is interrupted.
  ctx.world.eq.after(Math.round(total * SEC), () => exit(0));
};

/** A directory is known by a marker key `DIR/` in the files (files themselves imply their parents). */
export function isDirectory(ctx: Ctx, dir: string): boolean {
  if (dir === '/' || dir === '/root' || dir === '/tmp') return true;
  const prefix = `${dir}/`;
  for (const path of ctx.files.keys()) if (path.startsWith(prefix)) return true;
  return false;
}

export const mkdir: Program = (ctx, argv, exit) => {
  const parents = argv.slice(1).some((a) => /^-[a-z]*p/.test(a) || a === '--parents');
  let rc = 0;
  for (const arg of argv.slice(1).filter((a) => !a.startsWith('-'))) {
    const dir = resolvePath(ctx, arg);
    if (isDirectory(ctx, dir) || ctx.files.has(dir)) {
      if (!parents) {
        ctx.err.write(`mkdir: cannot create directory ‘${arg}’: File exists\n`);
        rc = 1;
      }
      continue;
    }
    const parent = dir.slice(0, dir.lastIndexOf('/')) || '/';
    if (!parents && !isDirectory(ctx, parent)) {
      ctx.err.write(`mkdir: cannot create directory ‘${arg}’: No such file or directory\n`);
      rc = 1;
      continue;
    }
    ctx.files.set(`${dir}/`, '');
  }
  exit(rc);
};

export const touch: Program = (ctx, argv, exit) => {
  let rc = 0;
  for (const arg of argv.slice(1).filter((a) => !a.startsWith('-'))) {
    const path = resolvePath(ctx, arg);
    if (ctx.files.has(path) || isDirectory(ctx, path)) continue;
    const parent = path.slice(0, path.lastIndexOf('/')) || '/';
    if (!isDirectory(ctx, parent)) {
      ctx.err.write(`touch: cannot touch ‘${arg}’: No such file or directory\n`);
      rc = 1;
      continue;
    }
    ctx.files.set(path, '');
  }
  exit(rc);
};

/** clear: the terminal's screen is the transcript, which is not erased. */
export const clear: Program = (_ctx, _argv, exit) => exit(0);

/** A full-screen editor cannot be typed into by a scenario: say how to write the file instead. */
export const editor: Program = (ctx, argv, exit) => {
  ctx.err.write(`swarmsim: ${argv[0]} is a full-screen editor and cannot be driven by a scenario; write the file with the scenario's files: or with cat > FILE << EOF … EOF\n`);
  exit(1);
};
