// Checking what a step produced against what the scenario expects of it.
import type { TextMatcher } from './model.js';

export function describeMatcher(m: TextMatcher): string {
  return 'text' in m ? JSON.stringify(m.text) : String(m.re);
}

export function matches(m: TextMatcher, text: string): boolean {
  return 'text' in m ? text.includes(m.text) : m.re.test(text);
}

/** The matchers each must match somewhere in `text`; returns a failure per miss. */
export function checkContains(what: string, ms: TextMatcher[], text: string): string[] {
  return ms.filter((m) => !matches(m, text)).map((m) => `${what} does not contain ${describeMatcher(m)}`);
}

export function checkLacks(what: string, ms: TextMatcher[], text: string): string[] {
  return ms.filter((m) => matches(m, text)).map((m) => `${what} contains ${describeMatcher(m)}, which it must not`);
}

/** The matchers must match lines in this order (each on a later line than the previous). */
export function checkInOrder(what: string, ms: TextMatcher[], lines: string[]): string[] {
  let i = 0;
  for (const m of ms) {
    while (i < lines.length && !matches(m, lines[i]!)) i++;
    if (i === lines.length) return [`${what} has no ${describeMatcher(m)} after the earlier matches`];
    i++;
  }
  return [];
}
