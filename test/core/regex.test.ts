// User patterns on the linear-time engine: GNU grep's syntax and words, JavaScript-style
// expectations, and no catastrophic backtracking.
import { describe, expect, it } from 'vitest';
import { compileExpectation, compileGrep, isPatternError } from '../../src/core/regex.js';

const err = (p: string, extended: boolean): string | null => {
  const m = compileGrep(p, { extended });
  return isPatternError(m) ? m.error : null;
};

describe('grep patterns (GNU grep 3.8 on this machine gives the same words)', () => {
  it('refuses what grep refuses, with its message', () => {
    expect(err('(', true)).toBe('Unmatched ( or \\(');
    expect(err('\\(', false)).toBe('Unmatched ( or \\(');
    expect(err('a\\)', false)).toBe('Unmatched ) or \\)');
    expect(err('[a', true)).toBe('Unmatched [, [^, [:, [., or [=');
    expect(err('a\\', true)).toBe('Trailing backslash');
    expect(err('a{2,1}', true)).toBe('Invalid content of \\{\\}');
    expect(err('a\\{1', false)).toBe('Unmatched \\{');
    expect(err('[z-a]', true)).toBe('Invalid range end');
    expect(err('[[:foo:]]', true)).toBe('Invalid character class name');
    expect(err('a{1,99999}', true)).toBe('Regular expression too big');
  });

  it("keeps POSIX's literals and matches as grep does", () => {
    const m = (p: string, extended: boolean, text: string): boolean => {
      const r = compileGrep(p, { extended });
      if (isPatternError(r)) throw new Error(r.error);
      return r.test(text);
    };
    expect(m('a)', true, 'xa)y')).toBe(true); // an unmatched ) is a literal in ERE
    expect(m('(', false, 'a(b')).toBe(true); // ( is a literal in BRE
    expect(m('{1', true, 'x{1')).toBe(true); // { opening no interval is a literal
    expect(m('a**', true, 'aaa')).toBe(true); // RE2 wants (?:a*)*
    expect(m('*a', false, '*a')).toBe(true); // a leading * is a literal in BRE
    expect(m('x\\|y', false, 'y')).toBe(true); // GNU BRE alternation
    expect(m('[]a]', true, ']')).toBe(true);
    expect(m('[[:digit:]]\\{3\\}', false, 'port 8080')).toBe(true);
    expect(m('^a$', true, 'ab')).toBe(false);
  });

  it('answers a catastrophic pattern at once', () => {
    const t0 = performance.now();
    const r = compileGrep('(a+)+$', { extended: true });
    if (isPatternError(r)) throw new Error(r.error);
    expect(r.test(`${'a'.repeat(100_000)}!`)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('expectations', () => {
  it('compile /source/flags and refuse what needs backtracking', () => {
    const m = compileExpectation('^ID +NAME', 'm');
    expect(!isPatternError(m) && m.test('x\nID   NAME\n')).toBe(true);
    expect(compileExpectation('(a)\\1', '')).toEqual({ error: 'back-references cannot run in linear time' });
    expect(isPatternError(compileExpectation('a(?=b)', ''))).toBe(true);
    expect(compileExpectation('x', 'g')).toEqual({ error: 'unknown flag "g" (use i, m, s or u)' });
  });
});

describe('grep -x and -w', () => {
  it('match the whole line or whole words', () => {
    const t = (p: string, o: object, s: string): boolean => {
      const r = compileGrep(p, o);
      if (isPatternError(r)) throw new Error(r.error);
      return r.test(s);
    };
    expect(t('ab', { wholeLine: true }, 'ab')).toBe(true);
    expect(t('ab', { wholeLine: true }, 'abc')).toBe(false);
    expect(t('a|b', { extended: true, wholeLine: true }, 'b')).toBe(true);
    expect(t('web', { wholeWord: true }, 'my web_1')).toBe(false);
    expect(t('web', { wholeWord: true }, 'my web 1')).toBe(true);
    expect(t('a.b', { fixed: true }, 'axb')).toBe(false);
  });
});
