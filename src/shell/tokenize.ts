// Splits a plain argument line into words with the shell's quoting rules (parse.ts), for the
// callers that hold a fixed command line rather than one typed into a shell (Docker's own iptables
// invocations). Operators and expansions have no place in such a line and are refused.
import { parseLine } from './parse.js';

export function tokenize(line: string): string[] | { error: string } {
  const parsed = parseLine(line);
  if ('error' in parsed) return parsed;
  const items = parsed.list.items;
  if (items.length === 0) return [];
  const cmd = items[0]!.andOr.first.cmds[0]!;
  if (items.length > 1 || items[0]!.background || items[0]!.andOr.rest.length > 0 || items[0]!.andOr.first.cmds.length > 1 || cmd.k !== 'simple' || cmd.redirs.length > 0 || cmd.assigns.length > 0) {
    return { error: `not a plain argument list: ${line}` };
  }
  // A leading `!` is a word here (iptables' `! -i br0`), not the shell's pipeline negation.
  const words: string[] = items[0]!.andOr.first.bang ? ['!'] : [];
  for (const w of cmd.words) {
    let text = '';
    for (const p of w) {
      if (p.k !== 'lit') return { error: `not a plain argument list: ${line}` };
      text += p.s;
    }
    words.push(text);
  }
  return words;
}
