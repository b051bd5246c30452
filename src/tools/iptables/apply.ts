// Changing a namespace's rules with iptables' own command syntax: what the `iptables` command does
// for -A/-I/-R/-D/-C/-N/-X/-F/-Z/-P/-E, usable by anything that programs the firewall as Docker
// does (libnetwork runs the iptables binary with these same arguments).
import { nfOf } from '../../kernel/netfilter/netfilter.js';
import { paramError, parseIptables } from './parse.js';
import type { IptCommand } from './parse.js';
import { asIptables, iptcError } from './errors.js';
import type { Chain, Table } from '../../kernel/netfilter/table.js';
import { describeRule } from './format.js';
import type { Netns } from '../../kernel/netns.js';

/** Parses and applies one command; returns the parsed command (for -L/-S, which only read).
 *  Throws IptError with iptables' message and exit status. */
export function applyIptables(ns: Netns, args: readonly string[]): IptCommand {
  const nf = nfOf(ns);
  const c = parseIptables(args, nf.tables);
  const t = nf.tables.use(c.table);
  asIptables(c.cmd, c.num > 0, () => change(t, c));
  return c;
}

function change(t: Table, c: IptCommand): void {
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
      if (!t.check(chain!, c.rule!)) throw iptcError('TC_DELETE_ENTRY', 'ENOENT');
      break;
    case 'N':
      if (chain === null) throw paramError('option "-N" requires an argument');
      // iptables 1.4.21 do_command: the first character, a target's name (xtables_find_target:
      // '' is the standard target), then the length.
      if (chain.startsWith('-') || chain.startsWith('!')) throw paramError(`chain name not allowed to start with \`${chain[0]}'\n`);
      if (chain === '' || TARGET_NAMES.has(chain)) throw paramError('chain name may not clash with target name\n');
      if (chain.length > 28) throw paramError(`chain name \`${chain}' too long (must be under 29 chars)`);
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
      // TC_RENAME_CHAIN: EEXIST has no entry of its own in TC_STRERROR (strerror: "File exists").
      // A built-in chain is refused as EINVAL here (libiptc says ENOENT; not checked on a real host).
      if (old.builtin) throw iptcError('TC_RENAME_CHAIN', 'EINVAL');
      if (t.chains.has(c.arg)) throw iptcError('TC_RENAME_CHAIN', 'EEXIST');
      t.chains.delete(chain!);
      const renamed = Object.assign(Object.create(Object.getPrototypeOf(old) as object) as Chain, old, { name: c.arg });
      t.chains.set(c.arg, renamed);
      for (const ch of t.chains.values()) {
        for (const r of ch.rules) {
          if (r.target.chain !== chain || (r.target.kind !== 'jump' && r.target.kind !== 'goto')) continue;
          r.target.chain = c.arg;
          describeRule(r);
        }
      }
      t.changed();
      break;
    }
    case 'L':
    case 'S':
      break;
  }
}

/**
 * `iptables -C` for the rule of `args` (an -A, -I or -D command) and, only when the answer calls
 * for it, the command itself: what libnetwork's ProgramRule and DeleteRule do (iptables.Exists,
 * then Raw). The rule is parsed once for both (the check compares rules by their spec, which
 * does not depend on the command); true when the command ran.
 */
export function applyUnlessDone(ns: Netns, args: readonly string[]): boolean {
  const nf = nfOf(ns);
  const c = parseIptables(args, nf.tables);
  const t = nf.tables.use(c.table);
  if (t.check(c.chain!, c.rule!) === (c.cmd !== 'D')) return false;
  asIptables(c.cmd, c.num > 0, () => change(t, c));
  return true;
}

/** True when `iptables -t TABLE -C CHAIN RULE…` would succeed (the rule exists). */
export function ruleExists(ns: Netns, table: string, chain: string, rule: readonly string[]): boolean {
  // `iptables -C` without the throw: libnetwork checks every rule before it inserts one
  // (iptables.Exists), so a host with many networks asks this thousands of times, and an Error per
  // absent rule (its stack captured) was most of a 5,000-host start-up.
  const nf = nfOf(ns);
  const c = parseIptables(['-t', table, '-C', chain, ...rule], nf.tables);
  return nf.tables.use(c.table).check(c.chain!, c.rule!);
}

/** The standard verdicts and the target extensions iptables 1.4.21 ships (libxt_*, libipt_*). */
const TARGET_NAMES = new Set([
  'ACCEPT', 'DROP', 'QUEUE', 'RETURN', 'AUDIT', 'CHECKSUM', 'CLASSIFY', 'CLUSTERIP', 'CONNMARK', 'CONNSECMARK', 'CT', 'DNAT',
  'DNPT', 'HMARK', 'IDLETIMER', 'LED', 'LOG', 'MARK', 'MASQUERADE', 'MIRROR', 'NETMAP', 'NFLOG', 'NFQUEUE', 'NOTRACK', 'RATEEST',
  'REDIRECT', 'REJECT', 'SAME', 'SECMARK', 'SET', 'SNAT', 'SNPT', 'TCPMSS', 'TCPOPTSTRIP', 'TEE', 'TOS', 'TPROXY', 'TRACE', 'TTL', 'ULOG',
]);
