// Changing a namespace's rules with iptables' own command syntax: what the `iptables` command does
// for -A/-I/-R/-D/-C/-N/-X/-F/-Z/-P/-E, usable by anything that programs the firewall as Docker
// does (libnetwork runs the iptables binary with these same arguments).
import { nfOf } from './netfilter.js';
import { paramError, parseIptables } from './parse.js';
import type { IptCommand } from './parse.js';
import { IptError } from './table.js';
import type { Chain } from './table.js';
import type { Netns } from '../netns.js';

/** Parses and applies one command; returns the parsed command (for -L/-S, which only read).
 *  Throws IptError with iptables' message and exit status. */
export function applyIptables(ns: Netns, args: readonly string[]): IptCommand {
  const nf = nfOf(ns);
  const c = parseIptables(args, nf.tables);
  const t = nf.tables.use(c.table);
  const chain = c.chain;
  switch (c.cmd) {
    case 'A':
      t.append(chain!, c.rule!);
      break;
    case 'I':
      t.insert(chain!, c.num, c.rule!);
      break;
    case 'R':
      t.replace(chain!, c.num, c.rule!);
      break;
    case 'D':
      if (c.num > 0) t.deleteNum(chain!, c.num);
      else t.deleteRule(chain!, c.rule!);
      break;
    case 'C':
      if (!t.check(chain!, c.rule!)) throw new IptError('iptables: Bad rule (does a matching rule exist in that chain?).', 1);
      break;
    case 'N':
      if (chain === null) throw paramError('option "-N" requires an argument');
      if (chain.length > 28) throw paramError(`chain name \`${chain}' too long (must be under 29 chars)`);
      if (['ACCEPT', 'DROP', 'RETURN', 'QUEUE'].includes(chain) || /^-/.test(chain)) throw paramError(`chain name not allowed to start with \`-'\n`);
      t.newChain(chain);
      break;
    case 'X':
      t.deleteChain(chain);
      break;
    case 'F':
      t.flush(chain);
      break;
    case 'Z':
      t.zero(chain);
      break;
    case 'P':
      t.setPolicy(chain!, c.arg);
      break;
    case 'E': {
      const old = t.chain(chain!);
      if (old.builtin) throw new IptError('iptables: Invalid argument. Run `dmesg\' for more information.', 1);
      if (t.chains.has(c.arg)) throw new IptError('iptables: File exists.', 1);
      t.chains.delete(chain!);
      const renamed = Object.assign(Object.create(Object.getPrototypeOf(old) as object) as Chain, old, { name: c.arg });
      t.chains.set(c.arg, renamed);
      for (const ch of t.chains.values()) for (const r of ch.rules) if (r.target.chain === chain && (r.target.kind === 'jump' || r.target.kind === 'goto')) r.target.chain = c.arg;
      t.changed();
      break;
    }
    case 'L':
    case 'S':
      break;
  }
  return c;
}

/** True when `iptables -t TABLE -C CHAIN RULE…` would succeed (the rule exists). */
export function ruleExists(ns: Netns, table: string, chain: string, rule: readonly string[]): boolean {
  try {
    applyIptables(ns, ['-t', table, '-C', chain, ...rule]);
    return true;
  } catch (e) {
    if (e instanceof IptError) return false;
    throw e;
  }
}
