// What the text tools read: the files named on the command line (`-` is standard input), or
// standard input when none is named; a missing file is reported as coreutils does and skipped.
import type { Ctx } from '../program.js';
import { resolvePath } from '../program.js';
import { procFile } from '../snmp-file.js';

/** A file's text: the session's files, else a /proc file the kernel model writes. */
function fileText(ctx: Ctx, name: string): string | undefined {
  const path = resolvePath(ctx, name);
  return ctx.files.get(path) ?? procFile(ctx.ns, path);
}

export interface Input {
  readonly name: string;
  readonly text: string;
}

/** The inputs, in order; `missing` prints the tool's message for a file that does not exist. */
export function readInputs(ctx: Ctx, names: string[], missing: (name: string) => string): { inputs: Input[]; failed: boolean } {
  if (names.length === 0) return { inputs: [{ name: '-', text: ctx.stdin }], failed: false };
  const inputs: Input[] = [];
  let failed = false;
  for (const name of names) {
    if (name === '-') {
      inputs.push({ name, text: ctx.stdin });
      continue;
    }
    const text = fileText(ctx, name);
    if (text === undefined) {
      ctx.err.write(missing(name) + '\n');
      failed = true;
    } else inputs.push({ name, text });
  }
  return { inputs, failed };
}

/** Calls `fn` for each input in order, reporting a missing file at its turn (as grep, wc, head
 *  and cut do); true when one was missing. */
export function eachInput(ctx: Ctx, names: string[], missing: (name: string) => string, fn: (inp: Input, index: number) => void): boolean {
  if (names.length === 0) {
    fn({ name: '-', text: ctx.stdin }, 0);
    return false;
  }
  let failed = false;
  names.forEach((name, i) => {
    const text = name === '-' ? ctx.stdin : fileText(ctx, name);
    if (text === undefined) {
      ctx.err.write(missing(name) + '\n');
      failed = true;
    } else fn({ name, text }, i);
  });
  return failed;
}

/** The lines of a text, without the newline that ends the last one. */
export function linesOf(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Prints lines, each with its newline. */
export function printLines(ctx: Ctx, lines: readonly string[]): void {
  if (lines.length > 0) ctx.term.write(lines.join('\n') + '\n');
}

/** Splits argv into option letters (with their values, for those in `withValue`) and operands,
 *  as getopt does: `-n5`, `-n 5`, `-vc`; `--` ends the options. */
export function getopt(argv: string[], withValue: string): { opts: Array<[string, string]>; args: string[]; bad: string | null } {
  const opts: Array<[string, string]> = [];
  const args: string[] = [];
  let bad: string | null = null;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-' || a.startsWith('--')) {
      args.push(a);
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const o = a[j]!;
      if (withValue.includes(o)) {
        const v = j + 1 < a.length ? a.slice(j + 1) : argv[++i];
        if (v === undefined) bad ??= `option requires an argument -- '${o}'`;
        opts.push([o, v ?? '']);
        break;
      }
      opts.push([o, '']);
    }
  }
  return { opts, args, bad };
}
