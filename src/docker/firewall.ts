// Docker programs netfilter by running iptables with these arguments (libnetwork's iptables
// package); the same argument lists are applied here. A failure would be a bug in the model, so
// it is raised rather than printed.
import { applyIptables, applyUnlessDone } from '../tools/iptables/apply.js';
import { nfOf } from '../kernel/netfilter/netfilter.js';
import type { Netns } from '../kernel/netns.js';

/** libnetwork builds its iptables argument lists with strings.Fields over a format string
 *  (iptables.go's ProgramRule and friends): no quoting, words split at white space. */
function words(line: string): string[] {
  const w = line.trim();
  return w === '' ? [] : w.split(/\s+/);
}

/** Runs `iptables <line>`. */
export function ipt(ns: Netns, line: string): void {
  applyIptables(ns, words(line));
}

/** Creates a chain if it does not exist (`iptables -N`, ignoring "exists"). */
export function ensureChain(ns: Netns, table: string, chain: string): void {
  if (nfOf(ns).tables.use(table as 'filter').chains.has(chain)) return;
  ipt(ns, `-t ${table} -N ${chain}`);
}

/** Inserts (`-I CHAIN [pos]`) or appends a rule unless the same rule is already there. */
export function programRule(ns: Netns, table: string, op: '-I' | '-A', chain: string, rule: string, pos = 0): void {
  applyUnlessDone(ns, words(`-t ${table} ${op} ${chain}${op === '-I' && pos > 0 ? ` ${pos}` : ''} ${rule}`));
}

/** Deletes a rule if present. */
export function removeRule(ns: Netns, table: string, chain: string, rule: string): void {
  applyUnlessDone(ns, words(`-t ${table} -D ${chain} ${rule}`));
}

/** Number of rules in a chain. */
export function chainLength(ns: Netns, table: string, chain: string): number {
  return nfOf(ns).tables.use(table as 'filter').chain(chain).rules.length;
}
