// The four iptables tables of one namespace (raw, mangle, nat, filter): their chains, policies,
// rules and counters, and the changes iptables asks for, refused with an errno as the kernel's
// x_tables and libiptc's handle over it refuse them (tools/iptables/errors.ts words them). A change
// marks the table dirty; compile.ts rebuilds its compiled form before the next packet.
import { Rule } from './rule.js';
import type { CompiledTable } from './compile.js';
import { HOOK_NAMES } from './hooks.js';

/** The errnos a table change fails with (libiptc.c sets these; the kernel's do_replace adds ELOOP). */
export type NfErrno = 'ENOENT' | 'EEXIST' | 'E2BIG' | 'EINVAL' | 'EMLINK' | 'ENOTEMPTY' | 'ELOOP';

/** A refused table change: the errno, nothing a user reads (iptables words it). */
export class NfError extends Error {
  constructor(readonly errno: NfErrno) {
    super(errno);
  }
}

export type TableName = 'raw' | 'mangle' | 'nat' | 'filter';
export const TABLE_NAMES: readonly TableName[] = ['raw', 'mangle', 'nat', 'filter'];

/** Built-in chains per table, in hook order (as -L lists them). */
export const BUILTIN: Record<TableName, readonly string[]> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
};

export class Chain {
  readonly rules: Rule[] = [];
  /** Policy of a built-in chain; null for a user chain. */
  policy: 'ACCEPT' | 'DROP' | null;
  /** Policy counters. */
  pkts = 0;
  bytes = 0;

  constructor(
    readonly name: string,
    builtin: boolean,
  ) {
    this.policy = builtin ? 'ACCEPT' : null;
  }

  get builtin(): boolean {
    return this.policy !== null;
  }
}

export class Table {
  readonly chains = new Map<string, Chain>();
  /** Compiled form; null when a change has not been compiled yet. */
  compiled: CompiledTable | null = null;
  /** Set once anything touched the table (iptables-save lists only those). */
  used = false;
  /**
   * Whether the table is instantiated in this namespace, its hooks registered. Since Linux 4.10
   * ("netfilter: xtables: don't hook tables by default", b9e69e127397) an x_tables table exists in
   * a namespace only once something asks for it there (iptables -t TABLE with any command, -L
   * included: xt_find_table_lock → table_init). Until then packets do not pass it and nothing is
   * counted: a router whose filter table is first listed after the traffic shows 0 packets.
   */
  registered = false;
  /** The built-in chain of each hook (NF_INET_* order), or undefined; built-in chains are never
   *  replaced (only user chains can be renamed or deleted). */
  readonly hookChains: Array<Chain | undefined> = [];
  /**
   * Bit `1 << hook` for each hook whose built-in chain had no rules and policy ACCEPT when the
   * table was compiled (meaningful while `compiled` is not null): such a hook only counts the
   * policy, which the packet path does from here without the compiled form. Most tables of a
   * swarm host are that (filter INPUT and OUTPUT), and each object less read per hook is a load
   * from memory less on every packet.
   */
  passHooks = 0;

  constructor(readonly name: TableName) {
    for (const c of BUILTIN[name]) this.chains.set(c, new Chain(c, true));
    for (const h of HOOK_NAMES) this.hookChains.push(this.chains.get(h));
  }

  changed(): void {
    this.compiled = null;
    this.used = true;
  }

  chain(name: string): Chain {
    const c = this.chains.get(name);
    if (c === undefined) throw new NfError('ENOENT');
    return c;
  }

  /** Built-in chains in hook order, then user chains sorted by name (libiptc's order). */
  ordered(): Chain[] {
    const out: Chain[] = [];
    for (const n of BUILTIN[this.name]) out.push(this.chains.get(n)!);
    const user = [...this.chains.values()].filter((c) => !c.builtin).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return out.concat(user);
  }

  /** Rules in this table that jump or go to `name`. */
  references(name: string): number {
    let n = 0;
    for (const c of this.chains.values()) {
      for (const r of c.rules) if ((r.target.kind === 'jump' || r.target.kind === 'goto') && r.target.chain === name) n++;
    }
    return n;
  }

  append(chain: string, r: Rule): void {
    this.chain(chain).rules.push(r);
    this.changed();
  }

  /** -I: `num` counts from 1. */
  insert(chain: string, num: number, r: Rule): void {
    const c = this.chain(chain);
    if (num < 1 || num > c.rules.length + 1) throw new NfError('E2BIG');
    c.rules.splice(num - 1, 0, r);
    this.changed();
  }

  replace(chain: string, num: number, r: Rule): void {
    const c = this.chain(chain);
    if (num < 1 || num > c.rules.length) throw new NfError('E2BIG');
    c.rules[num - 1] = r;
    this.changed();
  }

  deleteNum(chain: string, num: number): void {
    const c = this.chain(chain);
    if (num < 1 || num > c.rules.length) throw new NfError('E2BIG');
    c.rules.splice(num - 1, 1);
    this.changed();
  }

  /** -D with a rule specification: the first rule that is the same. */
  deleteRule(chain: string, r: Rule): void {
    const c = this.chain(chain);
    const i = c.rules.findIndex((x) => x.spec === r.spec);
    if (i < 0) throw new NfError('ENOENT');
    c.rules.splice(i, 1);
    this.changed();
  }

  /** -C: does a rule like this exist? */
  check(chain: string, r: Rule): boolean {
    return this.chain(chain).rules.some((x) => x.spec === r.spec);
  }

  newChain(name: string): void {
    if (this.chains.has(name)) throw new NfError('EEXIST');
    this.chains.set(name, new Chain(name, false));
    this.changed();
  }

  /** -X [chain]: without a name, every empty unreferenced user chain... as iptables: all user chains. */
  deleteChain(name: string | null): void {
    if (name === null) {
      const user = [...this.chains.values()].filter((c) => !c.builtin);
      for (const c of user) {
        if (this.references(c.name) > 0) throw new NfError('EMLINK');
        if (c.rules.length > 0) throw new NfError('ENOTEMPTY');
      }
      for (const c of user) this.chains.delete(c.name);
      this.changed();
      return;
    }
    const c = this.chain(name);
    if (c.builtin) throw new NfError('EINVAL');
    if (this.references(name) > 0) throw new NfError('EMLINK');
    if (c.rules.length > 0) throw new NfError('ENOTEMPTY');
    this.chains.delete(name);
    this.changed();
  }

  flush(name: string | null): void {
    const list = name === null ? [...this.chains.values()] : [this.chain(name)];
    for (const c of list) c.rules.length = 0;
    this.changed();
  }

  zero(name: string | null): void {
    const list = name === null ? [...this.chains.values()] : [this.chain(name)];
    for (const c of list) {
      c.pkts = 0;
      c.bytes = 0;
      for (const r of c.rules) {
        r.pkts = 0;
        r.bytes = 0;
      }
    }
    this.used = true;
  }

  setPolicy(name: string, policy: string): void {
    const c = this.chains.get(name);
    if (c === undefined || !c.builtin) throw new NfError('ENOENT');
    if (policy !== 'ACCEPT' && policy !== 'DROP') throw new NfError('EINVAL');
    c.policy = policy;
    this.changed();
  }
}

/** Tables.registeredMask bits. */
export const RAW_BIT = 1;
export const MANGLE_BIT = 2;
export const NAT_BIT = 4;
export const FILTER_BIT = 8;
const TABLE_BITS: Record<TableName, number> = { raw: RAW_BIT, mangle: MANGLE_BIT, nat: NAT_BIT, filter: FILTER_BIT };

export class Tables {
  /** A bit (RAW_BIT ...) for each registered table: the hooks skip the others without reading them. */
  registeredMask = 0;
  readonly raw = new Table('raw');
  readonly mangle = new Table('mangle');
  readonly nat = new Table('nat');
  readonly filter = new Table('filter');
  /** Order in which tables were first used (iptables-save lists the newest first). */
  readonly loadOrder: TableName[] = [];

  get(name: string): Table | null {
    switch (name) {
      case 'raw':
        return this.raw;
      case 'mangle':
        return this.mangle;
      case 'nat':
        return this.nat;
      case 'filter':
        return this.filter;
      default:
        return null;
    }
  }

  /** The table, registered as loaded (what iptables-save will list). */
  use(name: TableName): Table {
    if (!this.loadOrder.includes(name)) this.loadOrder.push(name);
    const t = this.get(name)!;
    if (!t.registered) {
      t.registered = true;
      t.compiled = null;
      this.registeredMask |= TABLE_BITS[name];
    }
    return t;
  }
}
