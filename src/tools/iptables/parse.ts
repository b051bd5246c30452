// iptables' command line, parsed as iptables 1.4.21 parses it (getopt_long with combined short
// options, `!` before an option, extension options after -m/-p/-j), with its error texts and exit
// statuses: 2 for a parameter problem, 1 for what the kernel refuses.
import { parseIp4, prefixMask } from '../../core/addr.js';
import {
  ADDRTYPES, CT_STATE_NAMES, ICMP_TYPES, PROTO_NUMBERS, REJECT_CODES, Rule, SERVICES,
} from '../../kernel/netfilter/rule.js';
import type { Match, MultiportMatch, PolicyElem, PolicyMatch, PortsMatch, Target } from '../../kernel/netfilter/rule.js';
import { TABLE_NAMES } from '../../kernel/netfilter/table.js';
import { IptError, iptcError, iptcStrerror } from './errors.js';
import { compileU32, parseU32 } from '../../kernel/netfilter/u32.js';
import type { TableName, Tables } from '../../kernel/netfilter/table.js';
import { describeRule } from './format.js';

export const IPT_VERSION = '1.4.21';
const TRY = "Try `iptables -h' or 'iptables --help' for more information.";

/** A parameter problem: "iptables v1.4.21: MSG" then the hint, exit status 2. */
export function paramError(msg: string): IptError {
  return new IptError(`iptables v${IPT_VERSION}: ${msg}\n${TRY}`, 2);
}

export type IptCmd = 'A' | 'I' | 'D' | 'R' | 'N' | 'X' | 'F' | 'P' | 'L' | 'S' | 'Z' | 'C' | 'E';

export interface IptCommand {
  table: TableName;
  cmd: IptCmd;
  /** A second command given with -L: -Z (list then zero). */
  zero: boolean;
  chain: string | null;
  /** Rule number (0 = none). */
  num: number;
  /** -P policy, -E new name. */
  arg: string;
  rule: Rule | null;
  numeric: boolean;
  verbose: boolean;
  exact: boolean;
  lineNumbers: boolean;
}

const BUILTIN_TARGETS = new Set(['ACCEPT', 'DROP', 'RETURN', 'DNAT', 'SNAT', 'MASQUERADE', 'REDIRECT', 'MARK', 'LOG', 'REJECT']);
const MATCHES = new Set(['tcp', 'udp', 'icmp', 'addrtype', 'mark', 'state', 'conntrack', 'ipvs', 'multiport', 'comment', 'u32', 'policy']);

const SHORT_WITH_ARG = new Set(['t', 'A', 'I', 'R', 'P', 'E', 'j', 'g', 'p', 's', 'd', 'i', 'o', 'm', 'w']);
const SHORT_OPT_ARG = new Set(['D', 'L', 'S', 'F', 'Z', 'X', 'N', 'C']);
const LONG: Record<string, string> = {
  '--table': 't', '--append': 'A', '--insert': 'I', '--delete': 'D', '--replace': 'R', '--new-chain': 'N', '--new': 'N',
  '--delete-chain': 'X', '--flush': 'F', '--policy': 'P', '--list': 'L', '--list-rules': 'S', '--zero': 'Z', '--check': 'C',
  '--rename-chain': 'E', '--jump': 'j', '--goto': 'g', '--protocol': 'p', '--source': 's', '--src': 's',
  '--destination': 'd', '--dst': 'd', '--in-interface': 'i', '--out-interface': 'o', '--match': 'm', '--numeric': 'n',
  '--verbose': 'v', '--exact': 'x', '--line-numbers': '0', '--wait': 'w',
};

function isOptionLike(a: string | undefined): boolean {
  return a === undefined || a.startsWith('-') || a === '!';
}

function parseNum(text: string): number | null {
  if (!/^(0x[0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.test(text)) return null;
  const v = text.startsWith('0x') || text.startsWith('0X') ? parseInt(text.slice(2), 16) : text.length > 1 && text.startsWith('0') ? parseInt(text, 8) : Number(text);
  return v > 0xffffffff ? null : v;
}

function parseRuleNumber(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw paramError(`Invalid rule number \`${text}'`);
  return Number(text);
}

function parseAddr(text: string): { addr: number; mask: number } {
  const slash = text.indexOf('/');
  const a = parseIp4(slash < 0 ? text : text.slice(0, slash));
  if (a === null) throw paramError(`host/network \`${slash < 0 ? text : text.slice(0, slash)}' not found`);
  let mask = 0xffffffff;
  if (slash >= 0) {
    const m = text.slice(slash + 1);
    if (/^\d+$/.test(m) && Number(m) <= 32) mask = prefixMask(Number(m));
    else {
      const mm = parseIp4(m);
      if (mm === null) throw paramError(`invalid mask \`${m}' specified`);
      mask = mm;
    }
  }
  return { addr: (a & mask) >>> 0, mask };
}

function parsePort(text: string): number {
  if (/^\d+$/.test(text) && Number(text) <= 65535) return Number(text);
  for (const [num, name] of Object.entries(SERVICES)) if (name === text && !/^\d+$/.test(name)) return Number(num);
  throw paramError(`invalid port/service \`${text}' specified`);
}

function parsePortRange(text: string): [number, number] {
  const c = text.indexOf(':');
  if (c < 0) {
    const p = parsePort(text);
    return [p, p];
  }
  const lo = c === 0 ? 0 : parsePort(text.slice(0, c));
  const hi = c === text.length - 1 ? 65535 : parsePort(text.slice(c + 1));
  // libxt_tcp/libxt_udp parse_*_ports (1.4.21).
  if (lo > hi) throw paramError('invalid portrange (min > max)');
  return [lo, hi];
}

function parseStates(text: string, what: 'ctstate' | 'state'): number {
  let bits = 0;
  for (const s of text.split(',')) {
    const e = CT_STATE_NAMES.find(([, n]) => n === s);
    if (e === undefined || (what === 'state' && e[0] > 16)) throw paramError(`Bad ${what} "${s}"`);
    bits |= e[0];
  }
  return bits;
}

function parseAddrtypes(text: string): number {
  let bits = 0;
  for (const s of text.split(',')) {
    const i = ADDRTYPES.indexOf(s.toUpperCase() as (typeof ADDRTYPES)[number]);
    if (i < 0) throw paramError(`addrtype: invalid type "${s}"`);
    bits |= 1 << i;
  }
  return bits;
}

const TCP_FLAGS: Record<string, number> = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32, ALL: 0x3f, NONE: 0 };
function parseTcpFlags(text: string): number {
  let bits = 0;
  for (const s of text.split(',')) {
    const b = TCP_FLAGS[s.toUpperCase()];
    if (b === undefined) throw paramError(`Unknown TCP flag \`${s}'`);
    bits |= b;
  }
  return bits;
}

function parseMarkValue(text: string, what: string): [number, number | null] {
  const slash = text.indexOf('/');
  const v = parseNum(slash < 0 ? text : text.slice(0, slash));
  const m = slash < 0 ? null : parseNum(text.slice(slash + 1));
  if (v === null || (slash >= 0 && m === null)) throw paramError(`Bad ${what} value "${text}"`);
  return [v, m];
}

/** "ip[-ip][:port[-port]]" of DNAT/SNAT. */
function parseNatRange(t: Target, text: string): void {
  let addrPart = text;
  const colon = text.indexOf(':');
  if (colon >= 0) {
    addrPart = text.slice(0, colon);
    const ports = text.slice(colon + 1);
    const dash = ports.indexOf('-');
    const lo = Number(dash < 0 ? ports : ports.slice(0, dash));
    const hi = dash < 0 ? lo : Number(ports.slice(dash + 1));
    if (!/^\d+(-\d+)?$/.test(ports) || lo < 1 || hi > 65535 || hi < lo) throw paramError(`Port \`${ports}' not valid\n`);
    t.portMin = lo;
    t.portMax = hi;
    t.hasPorts = true;
  }
  if (addrPart !== '') {
    const dash = addrPart.indexOf('-');
    const lo = parseIp4(dash < 0 ? addrPart : addrPart.slice(0, dash));
    const hi = dash < 0 ? lo : parseIp4(addrPart.slice(dash + 1));
    if (lo === null || hi === null) throw paramError(`Bad IP address "${addrPart}"\n`);
    t.addrMin = lo;
    t.addrMax = hi;
  }
}

function parsePortsArg(t: Target, text: string): void {
  const dash = text.indexOf('-');
  const lo = Number(dash < 0 ? text : text.slice(0, dash));
  const hi = dash < 0 ? lo : Number(text.slice(dash + 1));
  if (!/^\d+(-\d+)?$/.test(text) || hi > 65535 || hi < lo) throw paramError(`Port "${text}" not valid\n`);
  t.portMin = lo;
  t.portMax = hi;
  t.hasPorts = true;
}

const TARGET_OPTS: Record<string, readonly string[]> = {
  DNAT: ['--to-destination', '--random', '--persistent'],
  SNAT: ['--to-source', '--random', '--persistent'],
  MASQUERADE: ['--to-ports', '--random'],
  REDIRECT: ['--to-ports', '--random'],
  MARK: ['--set-mark', '--set-xmark', '--and-mark', '--or-mark', '--xor-mark'],
  LOG: ['--log-prefix', '--log-level', '--log-tcp-sequence', '--log-tcp-options', '--log-ip-options', '--log-uid'],
  REJECT: ['--reject-with'],
};
const MATCH_OPTS: Record<string, readonly string[]> = {
  tcp: ['--sport', '--source-port', '--dport', '--destination-port', '--tcp-flags', '--syn'],
  udp: ['--sport', '--source-port', '--dport', '--destination-port'],
  icmp: ['--icmp-type'],
  addrtype: ['--src-type', '--dst-type', '--limit-iface-in', '--limit-iface-out'],
  mark: ['--mark'],
  state: ['--state'],
  conntrack: ['--ctstate'],
  ipvs: ['--ipvs'],
  multiport: ['--sports', '--source-ports', '--dports', '--destination-ports', '--ports'],
  comment: ['--comment'],
  u32: ['--u32'],
  policy: ['--dir', '--pol', '--strict', '--reqid', '--spi', '--tunnel-src', '--tunnel-dst', '--proto', '--mode', '--next'],
};
const NO_ARG = new Set(['--syn', '--random', '--persistent', '--ipvs', '--limit-iface-in', '--limit-iface-out', '--log-tcp-sequence', '--log-tcp-options', '--log-ip-options', '--log-uid', '--strict', '--next']);
/** Extension options that take `!` (XTOPT_INVERT); the others refuse it. */
const NO_INVERT = new Set(['--dir', '--pol', '--strict', '--next']);
/** XT_POLICY_MAX_ELEM. */
const POLICY_MAX_ELEM = 4;
/** The protocols a policy element may name (xt_policy: ah, esp, ipcomp). */
const XFRM_PROTOS: Record<string, number> = { esp: 50, ah: 51, ipcomp: 108 };

function newPolicyElem(): PolicyElem {
  return {
    reqid: null, reqidInv: false, spi: null, spiInv: false, proto: null, protoInv: false, mode: null, modeInv: false,
    tunnelSrc: null, tunnelSrcMask: 0, tunnelSrcInv: false, tunnelDst: null, tunnelDstMask: 0, tunnelDstInv: false,
  };
}

function policyElemEmpty(e: PolicyElem): boolean {
  return e.reqid === null && e.spi === null && e.proto === null && e.mode === null && e.tunnelSrc === null && e.tunnelDst === null;
}

/** policy_parse for one option of the current element (pol[len]). */
function applyPolicyOpt(m: PolicyMatch, opt: string, val: string, inv: boolean): void {
  if (inv && NO_INVERT.has(opt)) throw paramError(`policy: option "${opt}" cannot be inverted.\n`);
  const e = m.elems[m.elems.length - 1]!;
  const u32 = (): number => {
    const v = parseNum(val);
    if (v === null) throw paramError(`policy: bad value for option "${opt}", or out of range (0-4294967295).\n`);
    return v;
  };
  switch (opt) {
    case '--dir':
      if (m.dir !== null) throw paramError(`policy: option "--dir" can only be used once.\n`);
      if (val !== 'in' && val !== 'out') throw paramError(`policy_match: invalid dir "${val}"`);
      m.dir = val;
      return;
    case '--pol':
      if (val !== 'none' && val !== 'ipsec') throw paramError(`policy match: invalid policy "${val}"`);
      m.none = val === 'none';
      return;
    case '--strict':
      m.strict = true;
      return;
    case '--reqid':
      if (e.reqid !== null) throw paramError('policy match: double --reqid option');
      e.reqid = u32();
      e.reqidInv = inv;
      return;
    case '--spi':
      if (e.spi !== null) throw paramError('policy match: double --spi option');
      e.spi = u32();
      e.spiInv = inv;
      return;
    case '--tunnel-src':
    case '--tunnel-dst': {
      const src = opt === '--tunnel-src';
      if ((src ? e.tunnelSrc : e.tunnelDst) !== null) throw paramError(`policy match: double ${opt} option`);
      const a = parseAddr(val);
      if (src) {
        e.tunnelSrc = a.addr;
        e.tunnelSrcMask = a.mask;
        e.tunnelSrcInv = inv;
      } else {
        e.tunnelDst = a.addr;
        e.tunnelDstMask = a.mask;
        e.tunnelDstInv = inv;
      }
      return;
    }
    case '--proto': {
      if (e.proto !== null) throw paramError('policy match: double --proto option');
      const p = XFRM_PROTOS[val.toLowerCase()] ?? PROTO_NUMBERS[val.toLowerCase()] ?? (/^\d+$/.test(val) && Number(val) < 256 ? Number(val) : undefined);
      if (p === undefined) throw paramError(`unknown protocol "${val}" specified`);
      if (p !== 50 && p !== 51 && p !== 108) throw paramError('policy match: protocol must be ah/esp/ipcomp');
      e.proto = p;
      e.protoInv = inv;
      return;
    }
    case '--mode':
      if (e.mode !== null) throw paramError('policy match: double --mode option');
      if (val !== 'transport' && val !== 'tunnel') throw paramError(`policy match: invalid mode "${val}"`);
      e.mode = val === 'transport' ? 0 : 1;
      e.modeInv = inv;
      return;
    case '--next':
      if (m.elems.length >= POLICY_MAX_ELEM) throw paramError('policy match: maximum policy depth reached');
      m.elems.push(newPolicyElem());
      return;
  }
}

/** policy_check: the final checks once every option is read; pol ipsec keeps its last element. */
function checkPolicy(m: PolicyMatch): void {
  if (m.dir === null) throw paramError('policy match: neither --dir in nor --dir out specified');
  if (m.none) {
    if (m.strict) throw paramError('policy match: policy none but --strict given');
    if (m.elems.length > 1 || !policyElemEmpty(m.elems[0]!)) throw paramError('policy match: policy none but policy given');
    m.elems = [];
    return;
  }
  if (!m.strict && m.elems.length > 1) throw paramError('policy match: multiple elements but no --strict');
  m.elems.forEach((e, i) => {
    if (m.strict && policyElemEmpty(e)) {
      throw paramError(`policy match: empty policy element ${i}. --strict is in effect, but at least one of reqid, spi, tunnel-src, tunnel-dst, proto or mode is required.`);
    }
  });
}

/** getopt_long's unambiguous prefix matching within one extension's options. */
function resolveOpt(opts: readonly string[], name: string): string | null {
  if (opts.includes(name)) return name;
  const c = opts.filter((o) => o.startsWith(name));
  return c.length === 1 ? c[0]! : null;
}

function newMatch(kind: string): Match {
  switch (kind) {
    case 'tcp':
    case 'udp':
      return { kind, spMin: 0, spMax: 0xffff, spInv: false, dpMin: 0, dpMax: 0xffff, dpInv: false, flagMask: 0, flagCmp: 0, flagInv: false };
    case 'icmp':
      return { kind, type: 0xff, codeMin: 0, codeMax: 0xff, inv: false };
    case 'addrtype':
      return { kind, src: 0, srcInv: false, dst: 0, dstInv: false };
    case 'mark':
      return { kind, mark: 0, mask: 0xffffffff, inv: false };
    case 'state':
    case 'conntrack':
      return { kind, states: 0, inv: false };
    case 'ipvs':
      return { kind, inv: false };
    case 'multiport':
      return { kind, dir: 'ports', ranges: [], inv: false };
    case 'u32':
      return { kind, tests: [], prog: new Uint32Array(0), inv: false };
    case 'policy':
      return { kind, dir: null, none: false, strict: false, elems: [newPolicyElem()] };
    default:
      return { kind: 'comment', text: '' };
  }
}

function applyMatchOpt(m: Match, opt: string, val: string, inv: boolean): void {
  switch (m.kind) {
    case 'tcp':
    case 'udp': {
      if (opt === '--sport' || opt === '--source-port') {
        [m.spMin, m.spMax] = parsePortRange(val);
        m.spInv = inv;
      } else if (opt === '--dport' || opt === '--destination-port') {
        [m.dpMin, m.dpMax] = parsePortRange(val);
        m.dpInv = inv;
      } else if (opt === '--syn') {
        m.flagMask = 0x17;
        m.flagCmp = 0x02;
        m.flagInv = inv;
      } else if (opt === '--tcp-flags') {
        const [mask, cmp] = val.split('\u0000');
        m.flagMask = parseTcpFlags(mask!);
        m.flagCmp = parseTcpFlags(cmp!);
        m.flagInv = inv;
      }
      return;
    }
    case 'icmp': {
      m.inv = inv;
      const named = ICMP_TYPES.find(([n]) => n === val);
      if (named !== undefined) {
        [, m.type, m.codeMin, m.codeMax] = named;
        return;
      }
      const mm = /^(\d+)(?:\/(\d+))?$/.exec(val);
      if (mm === null || Number(mm[1]) > 255) throw paramError(`Invalid ICMP type \`${val}'\n`);
      m.type = Number(mm[1]);
      if (mm[2] !== undefined) m.codeMin = m.codeMax = Number(mm[2]);
      return;
    }
    case 'addrtype':
      if (opt === '--src-type') {
        m.src = parseAddrtypes(val);
        m.srcInv = inv;
      } else if (opt === '--dst-type') {
        m.dst = parseAddrtypes(val);
        m.dstInv = inv;
      }
      return;
    case 'mark': {
      const [v, k] = parseMarkValue(val, 'mark');
      m.mark = v;
      m.mask = k ?? 0xffffffff;
      m.inv = inv;
      return;
    }
    case 'state':
    case 'conntrack':
      m.states = parseStates(val, m.kind === 'state' ? 'state' : 'ctstate');
      m.inv = inv;
      return;
    case 'ipvs':
      m.inv = inv;
      return;
    case 'multiport': {
      m.dir = opt === '--sports' || opt === '--source-ports' ? 'sports' : opt === '--ports' ? 'ports' : 'dports';
      m.inv = inv;
      m.ranges = [];
      for (const part of val.split(',')) {
        const [lo, hi] = parsePortRange(part);
        m.ranges.push(lo, hi);
      }
      return;
    }
    case 'comment':
      m.text = val;
      return;
    case 'u32': {
      if (m.tests.length > 0) throw paramError('u32: option "--u32" can only be used once.\n');
      const t = parseU32(val);
      if (typeof t === 'string') throw paramError(t);
      m.tests = t;
      m.prog = compileU32(t);
      m.inv = inv;
      return;
    }
    case 'policy':
      applyPolicyOpt(m, opt, val, inv);
      return;
  }
}

function applyTargetOpt(t: Target, opt: string, val: string): void {
  switch (opt) {
    case '--to-destination':
    case '--to-source':
      parseNatRange(t, val);
      t.chain = 'set';
      return;
    case '--to-ports':
      parsePortsArg(t, val);
      return;
    case '--random':
      t.random = true;
      return;
    case '--set-mark':
    case '--set-xmark': {
      const [v, k] = parseMarkValue(val, 'mark');
      t.xmark = v;
      t.xmask = opt === '--set-mark' ? (k === null ? 0xffffffff : (v | k) >>> 0) : (k ?? 0xffffffff);
      return;
    }
    case '--and-mark': {
      const [v] = parseMarkValue(val, 'mark');
      t.xmark = 0;
      t.xmask = ~v >>> 0;
      return;
    }
    case '--or-mark': {
      const [v] = parseMarkValue(val, 'mark');
      t.xmark = v;
      t.xmask = v;
      return;
    }
    case '--xor-mark': {
      const [v] = parseMarkValue(val, 'mark');
      t.xmark = v;
      t.xmask = 0;
      return;
    }
    case '--log-prefix':
      t.logPrefix = val;
      return;
    case '--log-level': {
      // xtopt_parse_sysloglevel: 0-7 or a syslog level name (warn, err and panic as aliases).
      const levels = ['emerg', 'alert', 'crit', 'error', 'warning', 'notice', 'info', 'debug'];
      const alias: Record<string, number> = { panic: 0, err: 3, warn: 4 };
      const i = levels.indexOf(val);
      const n = i >= 0 ? i : alias[val] ?? (/^\d+$/.test(val) && Number(val) <= 7 ? Number(val) : -1);
      if (n < 0) throw paramError(`log level "${val}" unknown\n`);
      t.logLevel = n;
      return;
    }
    case '--reject-with': {
      const alias: Record<string, string> = { 'tcp-rst': 'tcp-reset', 'icmp-port-unreach': 'icmp-port-unreachable' };
      const name = alias[val] ?? val;
      if (REJECT_CODES[name] === undefined) throw paramError(`unknown reject type "${val}"`);
      t.rejectWith = name;
      return;
    }
  }
}

/** Parses iptables' arguments (argv without the program name). */
export function parseIptables(args: readonly string[], tables: Tables): IptCommand {
  const c: IptCommand = {
    table: 'filter', cmd: 'A', zero: false, chain: null, num: 0, arg: '', rule: null,
    numeric: false, verbose: false, exact: false, lineNumbers: false,
  };
  let cmd: IptCmd | null = null;
  const rule = new Rule();
  let ruleOpts = false;
  let jump: string | null = null;
  let isGoto = false;
  const loaded: Match[] = [];
  let inv = false;
  const seen = new Set<string>();
  const positional: string[] = [];
  let i = 0;

  const takeArg = (opt: string, inline: string | null): string => {
    if (inline !== null) return inline;
    const v = args[i++];
    if (v === undefined) throw paramError(`option "${opt}" requires an argument`);
    return v;
  };
  const setCmd = (k: IptCmd): void => {
    if (cmd !== null && !(cmd === 'L' && k === 'Z') && !(cmd === 'Z' && k === 'L')) {
      throw paramError(`Can't use -${k} with -${cmd}\n`);
    }
    if ((cmd === 'L' && k === 'Z') || (cmd === 'Z' && k === 'L')) {
      c.zero = true;
      cmd = 'L';
      return;
    }
    cmd = k;
  };
  const optChain = (): void => {
    if (!isOptionLike(args[i])) c.chain = args[i++]!;
  };
  const optNum = (): void => {
    if (!isOptionLike(args[i])) c.num = parseRuleNumber(args[i++]!);
  };

  const handle = (o: string, inline: string | null, optText: string): void => {
    switch (o) {
      case 't': {
        const t = takeArg(optText, inline);
        if (!(TABLE_NAMES as readonly string[]).includes(t)) {
          throw new IptError(`iptables v${IPT_VERSION}: can't initialize iptables table \`${t}': ${iptcStrerror('TC_INIT', 'ENOENT')}\nPerhaps iptables or your kernel needs to be upgraded.`, 3);
        }
        c.table = t as TableName;
        return;
      }
      case 'A':
      case 'C':
        setCmd(o);
        c.chain = inline ?? (isOptionLike(args[i]) ? (() => { throw paramError(`option "-${o}" requires an argument`); })() : args[i++]!);
        return;
      case 'I':
        setCmd('I');
        c.chain = takeArg('-I', inline);
        if (!isOptionLike(args[i])) c.num = parseRuleNumber(args[i++]!);
        else c.num = 1;
        return;
      case 'D':
        setCmd('D');
        c.chain = inline ?? (args[i] !== undefined ? args[i++]! : (() => { throw paramError('option "-D" requires an argument'); })());
        optNum();
        return;
      case 'R':
        setCmd('R');
        c.chain = takeArg('-R', inline);
        if (isOptionLike(args[i])) throw paramError('-R requires a rule number');
        c.num = parseRuleNumber(args[i++]!);
        return;
      case 'N':
        setCmd('N');
        c.chain = inline ?? (args[i] !== undefined ? args[i++]! : (() => { throw paramError('option "-N" requires an argument'); })());
        return;
      case 'E':
        setCmd('E');
        c.chain = takeArg('-E', inline);
        if (isOptionLike(args[i])) throw paramError('-E requires old-chain-name and new-chain-name');
        c.arg = args[i++]!;
        return;
      case 'P':
        setCmd('P');
        c.chain = takeArg('-P', inline);
        if (isOptionLike(args[i])) throw paramError('-P requires a chain and a policy');
        c.arg = args[i++]!;
        return;
      case 'L':
      case 'S':
        setCmd(o);
        if (inline !== null) c.chain = inline;
        else optChain();
        if (c.chain !== null) optNum();
        return;
      case 'F':
      case 'Z':
      case 'X':
        setCmd(o);
        if (inline !== null) c.chain = inline;
        else optChain();
        return;
      case 'n':
        c.numeric = true;
        return;
      case 'v':
        c.verbose = true;
        return;
      case 'x':
        c.exact = true;
        return;
      case '0':
        c.lineNumbers = true;
        return;
      case 'w':
        if (inline === null && !isOptionLike(args[i]) && /^\d+$/.test(args[i]!)) i++;
        return;
      case 'j':
      case 'g': {
        // set_option(): -j/-g has no inverse in inverse_for_options.
        if (inv) throw paramError(`cannot have ! before -${o}`);
        const v = takeArg(`-${o}`, inline);
        if (jump !== null) throw paramError('multiple -j flags not allowed');
        jump = v;
        isGoto = o === 'g';
        ruleOpts = true;
        if (BUILTIN_TARGETS.has(v) && !isGoto) {
          rule.target.kind = v as Target['kind'];
        }
        return;
      }
      case 'p': {
        const v = takeArg('-p', inline).toLowerCase();
        if (seen.has('p')) throw paramError('multiple -p flags not allowed');
        seen.add('p');
        const num = PROTO_NUMBERS[v] ?? (/^\d+$/.test(v) && Number(v) < 256 ? Number(v) : undefined);
        if (num === undefined) throw paramError(`unknown protocol "${v}" specified`);
        rule.proto = num;
        rule.protoInv = inv;
        if (inv && num === 0) throw paramError('rule would never match protocol');
        ruleOpts = true;
        return;
      }
      case 's':
      case 'd': {
        const v = takeArg(`-${o}`, inline);
        if (seen.has(o)) throw paramError(`multiple -${o} flags not allowed`);
        seen.add(o);
        const a = parseAddr(v);
        if (o === 's') {
          rule.src = a.addr;
          rule.srcMask = a.mask;
          rule.srcInv = inv;
        } else {
          rule.dst = a.addr;
          rule.dstMask = a.mask;
          rule.dstInv = inv;
        }
        ruleOpts = true;
        return;
      }
      case 'i':
      case 'o': {
        const v = takeArg(`-${o}`, inline);
        if (seen.has(o)) throw paramError(`multiple -${o} flags not allowed`);
        seen.add(o);
        if (v.length > 15) throw paramError(`interface name \`${v}' must be shorter than IFNAMSIZ (15)`);
        if (o === 'i') {
          rule.inIf = v;
          rule.inInv = inv;
        } else {
          rule.outIf = v;
          rule.outInv = inv;
        }
        ruleOpts = true;
        return;
      }
      case 'm': {
        const v = takeArg('-m', inline);
        if (!MATCHES.has(v)) throw paramError(`Couldn't load match \`${v}':No such file or directory\n`);
        const m = newMatch(v);
        loaded.push(m);
        rule.matches.push(m);
        ruleOpts = true;
        return;
      }
    }
  };

  while (i < args.length) {
    const a = args[i++]!;
    if (a === '!') {
      if (inv) throw paramError('multiple `!\' flags not allowed');
      inv = true;
      continue;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a : a.slice(0, eq);
      const inline = eq < 0 ? null : a.slice(eq + 1);
      const main = LONG[name];
      if (main !== undefined) {
        handle(main, inline, name);
        inv = false;
        continue;
      }
      // An extension option: the target's, then the matches' (newest first), then the
      // protocol's implicit match, loaded on demand as iptables 1.4 does.
      let done = false;
      if (rule.target.kind !== 'none' && !isGoto) {
        const opts = TARGET_OPTS[rule.target.kind];
        const o = opts === undefined ? null : resolveOpt(opts, name);
        if (o !== null) {
          const val = NO_ARG.has(o) ? '' : takeArg(name, inline);
          applyTargetOpt(rule.target, o, val);
          done = true;
        }
      }
      for (let k = loaded.length - 1; !done && k >= 0; k--) {
        const m = loaded[k]!;
        const o = resolveOpt(MATCH_OPTS[m.kind]!, name);
        if (o !== null) {
          let val = NO_ARG.has(o) ? '' : takeArg(name, inline);
          if (o === '--tcp-flags') val += '\u0000' + takeArg(name, null);
          applyMatchOpt(m, o, val, inv);
          done = true;
        }
      }
      if (!done && !rule.protoInv && (rule.proto === 6 || rule.proto === 17 || rule.proto === 1)) {
        const kind = rule.proto === 6 ? 'tcp' : rule.proto === 17 ? 'udp' : 'icmp';
        const o = resolveOpt(MATCH_OPTS[kind]!, name);
        if (o !== null) {
          const m = newMatch(kind);
          loaded.push(m);
          rule.matches.push(m);
          let val = NO_ARG.has(o) ? '' : takeArg(name, inline);
          if (o === '--tcp-flags') val += '\u0000' + takeArg(name, null);
          applyMatchOpt(m, o, val, inv);
          done = true;
        }
      }
      if (!done) throw paramError(`unknown option "${name}"`);
      ruleOpts = true;
      inv = false;
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let k = 1; k < a.length; k++) {
        const o = a[k]!;
        const rest = a.slice(k + 1);
        if (SHORT_WITH_ARG.has(o)) {
          handle(o, rest !== '' ? rest : null, `-${o}`);
          break;
        }
        if (SHORT_OPT_ARG.has(o)) {
          handle(o, rest !== '' ? rest : null, `-${o}`);
          break;
        }
        if (o === 'n' || o === 'v' || o === 'x') {
          handle(o, null, `-${o}`);
          continue;
        }
        throw paramError(`invalid option -- '${o}'`);
      }
      inv = false;
      continue;
    }
    positional.push(a);
  }

  if (positional.length > 0) throw new IptError(`Bad argument \`${positional[0]}'\n${TRY}`, 2);
  if (cmd === null) throw paramError('no command specified');
  // The extensions' final checks (x6_fcheck), in the order the matches were loaded.
  for (const m of rule.matches) {
    if (m.kind === 'u32' && m.tests.length === 0) throw paramError('u32: option "--u32" must be specified\n');
    if (m.kind === 'policy') checkPolicy(m);
  }
  c.cmd = cmd;

  const needsRule = cmd === 'A' || cmd === 'I' || cmd === 'R' || cmd === 'C' || (cmd === 'D' && c.num === 0);
  if (!needsRule && ruleOpts) {
    throw paramError(`Illegal option \`-${ruleOpts ? 'j' : ''}' with this command\n`);
  }
  if (!needsRule) return c;

  const table = tables.get(c.table)!;
  const chainName = c.chain!;
  // Interface restrictions of the built-in chains.
  if (rule.inIf !== '' && (chainName === 'OUTPUT' || chainName === 'POSTROUTING')) throw paramError(`Can't use -i with ${chainName}\n`);
  if (rule.outIf !== '' && (chainName === 'PREROUTING' || chainName === 'INPUT')) throw paramError(`Can't use -o with ${chainName}\n`);

  const j = jump as string | null;
  if (j !== null) {
    if (isGoto) {
      if (!table.chains.has(j) || table.chains.get(j)!.builtin) throw paramError(`goto '${j}' is not a chain\n`);
      rule.target.kind = 'goto';
      rule.target.chain = j;
    } else if (!BUILTIN_TARGETS.has(j)) {
      if (!table.chains.has(j) || table.chains.get(j)!.builtin) {
        throw paramError(`Couldn't load target \`${j}':No such file or directory\n`);
      }
      rule.target.kind = 'jump';
      rule.target.chain = j;
    }
  }
  const t = rule.target;
  if ((t.kind === 'DNAT' || t.kind === 'SNAT') && t.chain !== 'set') {
    throw paramError(`${t.kind}: option "--to-${t.kind === 'DNAT' ? 'destination' : 'source'}" must be specified\n`);
  }
  if (t.kind === 'DNAT' || t.kind === 'SNAT') t.chain = '';
  if (t.kind === 'MARK' && t.xmask === 0 && t.xmark === 0 && cmd !== 'D') {
    throw paramError('MARK target: Parameter --set/and/or/xor-mark is required');
  }
  // The kernel's checkentry refusals (xt_check_target / xt_check_match: -EINVAL) come back from
  // SO_SET_REPLACE in TC_COMMIT, which TC_STRERROR has no entry for: strerror's "Invalid argument".
  if (t.kind === 'REJECT' && t.rejectWith === 'tcp-reset' && (rule.proto !== 6 || rule.protoInv)) {
    throw iptcError('TC_COMMIT', 'EINVAL');
  }
  // What the kernel's targets accept (x_tables checks table and hooks).
  const natOnly: Record<string, readonly string[]> = {
    DNAT: ['PREROUTING', 'OUTPUT'],
    REDIRECT: ['PREROUTING', 'OUTPUT'],
    SNAT: ['POSTROUTING', 'INPUT'],
    MASQUERADE: ['POSTROUTING'],
  };
  const hooks = natOnly[t.kind];
  if (hooks !== undefined && cmd !== 'D' && cmd !== 'C') {
    const ch = table.chains.get(chainName);
    if (c.table !== 'nat' || (ch !== undefined && ch.builtin && !hooks.includes(chainName))) {
      throw iptcError('TC_COMMIT', 'EINVAL');
    }
  }
  if (t.kind === 'REJECT' && c.table !== 'filter' && c.table !== 'mangle' && cmd !== 'D') {
    throw iptcError('TC_COMMIT', 'EINVAL');
  }
  // policy_mt_check: an input policy has no meaning where packets leave, an output one where they arrive.
  for (const m of rule.matches) {
    if (m.kind !== 'policy' || cmd === 'D' || cmd === 'C') continue;
    const ch = table.chains.get(chainName);
    if (ch === undefined || !ch.builtin) continue;
    const bad = m.dir === 'in' ? ['POSTROUTING', 'OUTPUT'] : ['PREROUTING', 'INPUT'];
    if (bad.includes(chainName)) throw iptcError('TC_COMMIT', 'EINVAL');
  }
  describeRule(rule);
  c.rule = rule;
  return c;
}

export type { PortsMatch, MultiportMatch };
