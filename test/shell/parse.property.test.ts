// Properties of the command-line parser and the quoting rules, over generated input (fast-check):
// whatever is quoted comes back byte for byte, lists run in order, unquoted expansions split as
// bash splits them, and no input makes the parser throw or the interpreter hang.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UnknownCommand } from '../../src/shell/exec.js';
import { parseLine } from '../../src/shell/parse.js';
import { sh, world } from '../helpers.js';

const text = fc.string({ unit: fc.oneof(fc.constantFrom(' ', '\t', "'", '"', '\\', '$', '`', '|', '&', ';', '(', ')', '<', '>', '#', '*', '~', '{', '}', '\n'), fc.string({ minLength: 1, maxLength: 1 })), maxLength: 40 })
  .filter((s) => !s.includes('\0'));

/** bash's single-quote form: close the quote, an escaped quote, reopen. */
const singleQuoted = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
/** Double quotes keep everything but " \ $ ` literal once those are escaped. */
const doubleQuoted = (s: string): string => `"${s.replace(/(["\\$`])/g, '\\$1')}"`;

function run(line: string): { out: string; code: number } {
  const w = world([['n1', '192.168.205.10/24']]);
  return sh(w, w.hosts.get('n1')!, line);
}

describe('shell parsing properties', () => {
  it('a single-quoted or double-quoted string is echoed back unchanged', () => {
    fc.assert(fc.property(text.filter((s) => !/^-[neE]+$/.test(s)), (s) => {
      expect(run(`echo ${singleQuoted(s)}`).out).toBe(`${s}\n`);
      expect(run(`echo ${doubleQuoted(s)}`).out).toBe(`${s}\n`);
    }), { numRuns: 300 });
  });

  it('commands joined by ; and && run in order, each once', () => {
    const word = fc.stringMatching(/^[a-z0-9]{1,8}$/);
    fc.assert(fc.property(fc.array(fc.tuple(word, fc.constantFrom(';', '&&', '\n')), { minLength: 1, maxLength: 12 }), (items) => {
      const line = items.map(([w, sep], i) => `echo ${w}${i < items.length - 1 ? ` ${sep} ` : ''}`).join('');
      expect(run(line).out).toBe(items.map(([w]) => `${w}\n`).join(''));
    }), { numRuns: 200 });
  });

  it('an unquoted expansion splits on blanks into the words bash would give', () => {
    const value = fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\t', '\n', 'x'), maxLength: 20 });
    fc.assert(fc.property(value, (v) => {
      const expected = v.split(/[ \t\n]+/).filter((w) => w !== '').map((w) => `[${w}]\n`).join('');
      expect(run(`X=${singleQuoted(v)}; for w in $X; do echo "[$w]"; done`).out).toBe(expected);
      expect(run(`X=${singleQuoted(v)}; echo "$X"`).out).toBe(`${v}\n`);
    }), { numRuns: 200 });
  });

  it('no input makes the parser throw: it returns a command list or bash\'s syntax error', () => {
    fc.assert(fc.property(text, (s) => {
      const r = parseLine(s);
      if ('error' in r) expect(r.error).toMatch(/syntax error|unexpected EOF|bad substitution|not a valid identifier|swarmsim:/);
      else expect(Array.isArray(r.list.items)).toBe(true);
    }), { numRuns: 2000 });
  });

  it('deep nesting is refused instead of exhausting the stack, and long lists run without growing it', () => {
    expect(parseLine('('.repeat(5000) + 'true' + ')'.repeat(5000))).toEqual({ error: 'swarmsim: commands nested more than 200 deep are refused' });
    const r = run(Array.from({ length: 20000 }, () => 'true').join(' | ') + '; echo done');
    expect(r.out).toBe('done\n');
    expect(run(Array.from({ length: 20000 }, (_, i) => `X=${i}`).join('; ') + '; echo $X').out).toBe('19999\n');
  });

  it('any line made of the shell\'s pieces finishes with a status, never an internal error or a hang', () => {
    const piece = fc.constantFrom('echo', 'true', 'false', 'cat', 'grep', 'a', 'wc -l', '"', "'", '|', '&&', '||', ';', '&', '(', ')', '{', '}',
      '$(', '`', '>', '>>', '<', '<<', '2>&1', '2>/dev/null', 'EOF', '\n', 'while', 'until', 'do', 'done', 'for', 'x', 'in', 'if', 'then',
      'else', 'fi', '$X', '${X:-a}', '${', '$((1+2))', '$((', '*', '!', 'X=1', 'export', 'unset', 'exit', '\\', '#', 'timeout 1', 'sh -c');
    fc.assert(fc.property(fc.array(piece, { maxLength: 14 }), (pieces) => {
      const line = pieces.join(' ');
      try {
        const r = run(line);
        expect(Number.isInteger(r.code) && r.code >= 0 && r.code <= 255).toBe(true);
      } catch (e) {
        if (!(e instanceof UnknownCommand)) throw e;
      }
    }), { numRuns: 1500 });
  });
});
