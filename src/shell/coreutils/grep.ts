// GNU grep: basic or extended patterns (-E), -i, -v, -c, -o, -n, -q, -l, -w, -x, -e; a file name
// before each line when several files are read; exit 0 when a line was selected, 1 when none,
// 2 for an error (an invalid pattern: `grep: Unmatched ( or \(`).
import type { Program } from '../program.js';
import { compilePosix, matches, matchesIn } from '../regex.js';
import { eachInput, getopt, linesOf } from './input.js';

export const grep: Program = (ctx, argv, exit) => {
  const { opts, args, bad } = getopt(argv, 'efmABC');
  const usage = (): void => {
    ctx.err.write("Usage: grep [OPTION]... PATTERN [FILE]...\nTry 'grep --help' for more information.\n");
    exit(2);
  };
  if (bad !== null) {
    ctx.err.write(`grep: ${bad}\n`);
    return usage();
  }
  const f = new Set<string>();
  const patterns: string[] = [];
  // -E, -F, -G and -P each choose the matcher; GNU grep refuses a second, different one.
  let matcher: string | null = null;
  for (const [o, v] of opts) {
    if ('EFGP'.includes(o)) {
      if (matcher !== null && matcher !== o) {
        ctx.err.write('grep: conflicting matchers specified\n');
        return exit(2);
      }
      matcher = o;
    }
    if (o === 'e') patterns.push(v);
    else if ('EGFivcolnqswxhHrRPa'.includes(o)) f.add(o);
    else if ('mABC'.includes(o)) continue;
    else {
      ctx.err.write(`grep: invalid option -- '${o}'\n`);
      return usage();
    }
  }
  if (patterns.length === 0) {
    const p = args.shift();
    if (p === undefined) return usage();
    patterns.push(p);
  }
  const pattern = patterns.flatMap((p) => p.split('\n'));
  // One compile for the whole set; the first refused pattern is named in GNU grep's words
  // (core/regex.ts words them as grep 3.8 does).
  const compiled = compilePosix(pattern, {
    extended: f.has('E'), fixed: f.has('F'), ignoreCase: f.has('i'), whole: f.has('x') ? 'line' : f.has('w') ? 'word' : undefined,
  });
  if ('error' in compiled) {
    ctx.err.write(`grep: ${compiled.error}\n`);
    return exit(2);
  }
  const re = compiled;
  const prefix = (f.has('H') || args.length > 1) && !f.has('h');
  let any = false;
  let quit = false;
  const failed = eachInput(ctx, args, (n) => `grep: ${n}: No such file or directory`, (inp) => {
    if (quit) return;
    const name = inp.name === '-' ? '(standard input)' : inp.name;
    let count = 0;
    const lines = linesOf(inp.text);
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n]!;
      if (matches(re, line) === f.has('v')) continue;
      count++;
      any = true;
      if (f.has('q')) {
        quit = true;
        return;
      }
      if (f.has('c') || f.has('l')) continue;
      const lead = `${prefix ? `${name}:` : ''}${f.has('n') ? `${n + 1}:` : ''}`;
      if (f.has('o')) {
        if (!f.has('v')) for (const m of matchesIn(re, line)) ctx.term.write(`${lead}${m}\n`);
      } else ctx.term.write(`${lead}${line}\n`);
    }
    if (f.has('c')) ctx.term.write(`${prefix ? `${name}:` : ''}${count}\n`);
    else if (f.has('l') && count > 0) ctx.term.write(`${name}\n`);
  });
  if (quit) return exit(0);
  exit(failed && !(f.has('q') && any) ? 2 : any ? 0 : 1);
};
