// test / [ as bash's builtin evaluates them: string and integer comparisons, -z/-n, file tests
// on the command's files, !, and -a/-o between two tests.
import type { Ctx, Program } from '../program.js';
import { resolvePath } from '../program.js';
import { isDirectory } from './misc.js';

class TestError extends Error {}

function evaluate(ctx: Ctx, args: string[]): boolean {
  const or = args.indexOf('-o');
  if (or > 0) return evaluate(ctx, args.slice(0, or)) || evaluate(ctx, args.slice(or + 1));
  const and = args.indexOf('-a');
  if (and > 0 && args.length > 3) return evaluate(ctx, args.slice(0, and)) && evaluate(ctx, args.slice(and + 1));
  if (args[0] === '!' && args.length > 1) return !evaluate(ctx, args.slice(1));
  if (args.length === 0) return false;
  if (args.length === 1) return args[0] !== '';
  if (args.length === 2) {
    const [op, v] = args as [string, string];
    const path = resolvePath(ctx, v);
    switch (op) {
      case '-z': return v === '';
      case '-n': return v !== '';
      case '-e': return ctx.files.has(path) || isDirectory(ctx, path);
      case '-f': return ctx.files.has(path);
      case '-d': return isDirectory(ctx, path);
      case '-s': return (ctx.files.get(path) ?? '') !== '';
      default: throw new TestError(`${op}: unary operator expected`);
    }
  }
  if (args.length === 3) {
    const [a, op, b] = args as [string, string, string];
    if (op === '=' || op === '==') return a === b;
    if (op === '!=') return a !== b;
    const int = (s: string): number => {
      if (!/^\s*-?\d+\s*$/.test(s)) throw new TestError(`${s}: integer expression expected`);
      return Number(s);
    };
    switch (op) {
      case '-eq': return int(a) === int(b);
      case '-ne': return int(a) !== int(b);
      case '-lt': return int(a) < int(b);
      case '-le': return int(a) <= int(b);
      case '-gt': return int(a) > int(b);
      case '-ge': return int(a) >= int(b);
      default: throw new TestError(`${op}: binary operator expected`);
    }
  }
  throw new TestError('too many arguments');
}

export const test: Program = (ctx, argv, exit) => {
  let args = argv.slice(1);
  const name = argv[0] === '[' ? '[' : 'test';
  const shell = ctx.flavor === 'busybox' ? 'sh' : '-bash';
  if (name === '[') {
    if (args[args.length - 1] !== ']') {
      ctx.err.write(ctx.flavor === 'busybox' ? 'sh: missing ]\n' : `${shell}: [: missing \`]'\n`);
      return exit(2);
    }
    args = args.slice(0, -1);
  }
  try {
    exit(evaluate(ctx, args) ? 0 : 1);
  } catch (e) {
    if (!(e instanceof TestError)) throw e;
    ctx.err.write(`${shell}: ${name}: ${e.message}\n`);
    exit(2);
  }
};
