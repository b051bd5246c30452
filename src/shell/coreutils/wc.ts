// wc as coreutils prints it: the counts in the order lines, words, bytes; one column width for
// all, from the total size of the regular files read (7 when standard input is among them), and
// no padding at all for a single count of a single input (coreutils' compute_number_width).
import type { Program } from '../program.js';
import { resolvePath } from '../program.js';
import { eachInput, getopt } from './input.js';

export const wc: Program = (ctx, argv, exit) => {
  const { opts, args, bad } = getopt(argv, '');
  const flags = new Set(opts.map(([o]) => o));
  for (const f of flags) {
    if (!'lwcmL'.includes(f) || bad !== null) {
      ctx.err.write(`wc: invalid option -- '${f}'\nTry 'wc --help' for more information.\n`);
      return exit(1);
    }
  }
  const all = flags.size === 0;
  const want = { l: all || flags.has('l'), w: all || flags.has('w'), c: all || flags.has('c') || flags.has('m'), L: flags.has('L') };
  const shown = [want.l, want.w, want.c, want.L];
  // The column width comes from the sizes of the regular files (coreutils stats them first), 7
  // when standard input is read, none for a single count of a single input.
  const present = args.filter((a) => a === '-' || ctx.files.has(resolvePath(ctx, a)));
  let width = 1;
  if (!(shown.filter(Boolean).length === 1 && args.length <= 1)) {
    const regular = present.filter((a) => a !== '-').reduce((n, a) => n + Buffer.byteLength(ctx.files.get(resolvePath(ctx, a))!), 0);
    width = Math.max(String(regular).length, args.length === 0 || args.includes('-') ? 7 : 1);
  }
  const total = [0, 0, 0, 0];
  const row = (counts: number[], name: string | null): void => {
    const cols = counts.filter((_, i) => shown[i]).map((n) => String(n).padStart(width));
    ctx.term.write(cols.join(' ') + (name === null ? '' : ` ${name}`) + '\n');
  };
  const failed = eachInput(ctx, args, (n) => `wc: ${n}: No such file or directory`, (inp) => {
    const t = inp.text;
    const counts = [
      (t.match(/\n/g) ?? []).length,
      t.split(/[ \t\n\r\f\v]+/).filter((w) => w !== '').length,
      Buffer.byteLength(t),
      Math.max(0, ...t.split('\n').map((l) => l.length)),
    ];
    counts.forEach((n, i) => (total[i] = i === 3 ? Math.max(total[i]!, n) : total[i]! + n));
    row(counts, args.length === 0 ? null : inp.name);
  });
  if (args.length > 1) row(total, 'total');
  exit(failed ? 1 : 0);
};
