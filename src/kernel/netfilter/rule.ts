// An iptables rule in its parsed form: the IP header matches every rule has (struct ipt_ip), the
// extension matches in the order given, a target, and the rule's packet and byte counters. Rules
// are data; compile.ts turns a chain of them into closures the packet path runs.
import type { Ip4 } from '../../core/addr.js';
import type { U32Test } from './u32.js';

/** Conntrack states as the state/conntrack matches name them (XT_STATE_BIT order). */
export const CT_INVALID = 1;
export const CT_NEW = 2;
export const CT_RELATED = 4;
export const CT_ESTABLISHED = 8;
export const CT_UNTRACKED = 16;
export const CT_SNAT = 32;
export const CT_DNAT = 64;
export const CT_STATE_NAMES: ReadonlyArray<readonly [number, string]> = [
  [CT_INVALID, 'INVALID'],
  [CT_NEW, 'NEW'],
  [CT_RELATED, 'RELATED'],
  [CT_ESTABLISHED, 'ESTABLISHED'],
  [CT_UNTRACKED, 'UNTRACKED'],
  [CT_SNAT, 'SNAT'],
  [CT_DNAT, 'DNAT'],
];

export interface PortsMatch {
  readonly kind: 'tcp' | 'udp';
  /** Source port range; [0, 65535] when not given. */
  spMin: number;
  spMax: number;
  spInv: boolean;
  dpMin: number;
  dpMax: number;
  dpInv: boolean;
  /** --tcp-flags mask comp (0/0: none). */
  flagMask: number;
  flagCmp: number;
  flagInv: boolean;
}
export interface IcmpMatch {
  readonly kind: 'icmp';
  /** 0xff: any type. */
  type: number;
  codeMin: number;
  codeMax: number;
  inv: boolean;
}
export interface AddrtypeMatch {
  readonly kind: 'addrtype';
  /** Bit set of ADDRTYPE_* (0: not given). */
  src: number;
  srcInv: boolean;
  dst: number;
  dstInv: boolean;
}
export interface MarkMatch {
  readonly kind: 'mark';
  mark: number;
  mask: number;
  inv: boolean;
}
export interface StateMatch {
  readonly kind: 'state' | 'conntrack';
  states: number;
  inv: boolean;
}
export interface IpvsMatch {
  readonly kind: 'ipvs';
  inv: boolean;
}
export interface MultiportMatch {
  readonly kind: 'multiport';
  dir: 'sports' | 'dports' | 'ports';
  /** Flattened [min, max] pairs. */
  ranges: number[];
  inv: boolean;
}
export interface CommentMatch {
  readonly kind: 'comment';
  text: string;
}
export interface U32Match {
  readonly kind: 'u32';
  /** As parsed (for -S/-L), and compiled once into the program the packet path runs. */
  tests: U32Test[];
  prog: Uint32Array;
  inv: boolean;
}
/** One element of a policy match (struct xt_policy_elem): null fields are not tested. */
export interface PolicyElem {
  reqid: number | null;
  reqidInv: boolean;
  spi: number | null;
  spiInv: boolean;
  proto: number | null;
  protoInv: boolean;
  /** XFRM_MODE_TRANSPORT (0) or XFRM_MODE_TUNNEL (1). */
  mode: number | null;
  modeInv: boolean;
  tunnelSrc: Ip4 | null;
  tunnelSrcMask: number;
  tunnelSrcInv: boolean;
  tunnelDst: Ip4 | null;
  tunnelDstMask: number;
  tunnelDstInv: boolean;
}
/** -m policy (xt_policy): what IPsec did (--dir in: the secpath) or will do (--dir out: the route's bundle). */
export interface PolicyMatch {
  readonly kind: 'policy';
  dir: 'in' | 'out' | null;
  /** --pol none: no IPsec at all; ipsec: elems describe it (one empty element: any). */
  none: boolean;
  strict: boolean;
  elems: PolicyElem[];
}
export type Match = PortsMatch | IcmpMatch | AddrtypeMatch | MarkMatch | StateMatch | IpvsMatch | MultiportMatch | CommentMatch | U32Match | PolicyMatch;

export const ADDRTYPES = ['UNSPEC', 'UNICAST', 'LOCAL', 'BROADCAST', 'ANYCAST', 'MULTICAST', 'BLACKHOLE', 'UNREACHABLE', 'PROHIBIT', 'THROW', 'NAT', 'XRESOLVE'] as const;
export const ADDRTYPE_UNICAST = 1 << 1;
export const ADDRTYPE_LOCAL = 1 << 2;
export const ADDRTYPE_BROADCAST = 1 << 3;
export const ADDRTYPE_MULTICAST = 1 << 5;

export type TargetKind =
  | 'none' | 'ACCEPT' | 'DROP' | 'RETURN' | 'jump' | 'goto'
  | 'DNAT' | 'SNAT' | 'MASQUERADE' | 'REDIRECT' | 'MARK' | 'LOG' | 'REJECT';

export interface Target {
  kind: TargetKind;
  /** jump/goto: the user chain. */
  chain: string;
  /** NAT: address range (0/0 = keep the address), port range (0/0 = keep the port). */
  addrMin: Ip4;
  addrMax: Ip4;
  portMin: number;
  portMax: number;
  /** True when the NAT target was given a port part. */
  hasPorts: boolean;
  random: boolean;
  /** MARK --set-xmark value/mask: mark = (mark & ~mask) ^ value. */
  xmark: number;
  xmask: number;
  /** REJECT --reject-with. */
  rejectWith: string;
  logPrefix: string | null;
  logLevel: number;
}

export function emptyTarget(): Target {
  return {
    kind: 'none', chain: '', addrMin: 0, addrMax: 0, portMin: 0, portMax: 0, hasPorts: false, random: false,
    xmark: 0, xmask: 0, rejectWith: 'icmp-port-unreachable', logPrefix: null, logLevel: 4,
  };
}

export class Rule {
  src: Ip4 = 0;
  srcMask = 0;
  srcInv = false;
  dst: Ip4 = 0;
  dstMask = 0;
  dstInv = false;
  /** 0: all protocols. */
  proto = 0;
  protoInv = false;
  /** '' = any interface; a trailing '+' is a prefix wildcard. */
  inIf = '';
  inInv = false;
  outIf = '';
  outInv = false;
  matches: Match[] = [];
  target: Target = emptyTarget();
  pkts = 0;
  bytes = 0;
  /** The rule as iptables-save prints it (without "-A CHAIN") and what its target does, as the
   *  iptables program that installed it wrote them (tools/iptables/format.ts). The kernel keeps
   *  what user space handed it and never formats: traces show the rule as xtables-monitor would,
   *  and -D/-C compare rules by it, as libiptc compares the entries it reads back. */
  spec = '';
  targetText = '';
}

export const PROTO_NAMES: Record<number, string> = { 0: 'all', 1: 'icmp', 6: 'tcp', 17: 'udp', 50: 'esp', 51: 'ah', 132: 'sctp' };
export const PROTO_NUMBERS: Record<string, number> = { all: 0, icmp: 1, tcp: 6, udp: 17, esp: 50, ah: 51, sctp: 132 };

/** The few /etc/services names iptables -L (without -n) shows. */
export const SERVICES: Record<number, string> = {
  20: 'ftp-data', 21: 'ftp', 22: 'ssh', 23: 'telnet', 25: 'smtp', 53: 'domain', 67: 'bootps', 68: 'bootpc', 80: 'http',
  110: 'pop3', 123: 'ntp', 143: 'imap', 443: 'https', 2375: '2375', 2376: '2376', 2377: '2377', 3306: 'mysql',
  4789: '4789', 5432: 'postgres', 6379: '6379', 7946: '7946', 8080: 'http-alt', 8443: 'pcsync-https',
};

export const ICMP_TYPES: ReadonlyArray<readonly [string, number, number, number]> = [
  // name, type, code min, code max
  ['any', 0xff, 0, 0xff],
  ['echo-reply', 0, 0, 0xff],
  ['pong', 0, 0, 0xff],
  ['destination-unreachable', 3, 0, 0xff],
  ['network-unreachable', 3, 0, 0],
  ['host-unreachable', 3, 1, 1],
  ['protocol-unreachable', 3, 2, 2],
  ['port-unreachable', 3, 3, 3],
  ['fragmentation-needed', 3, 4, 4],
  ['source-quench', 4, 0, 0xff],
  ['redirect', 5, 0, 0xff],
  ['echo-request', 8, 0, 0xff],
  ['ping', 8, 0, 0xff],
  ['time-exceeded', 11, 0, 0xff],
  ['ttl-exceeded', 11, 0, 0],
  ['parameter-problem', 12, 0, 0xff],
  ['timestamp-request', 13, 0, 0xff],
  ['timestamp-reply', 14, 0, 0xff],
];

export const REJECT_CODES: Record<string, number> = {
  'icmp-net-unreachable': 0,
  'icmp-host-unreachable': 1,
  'icmp-proto-unreachable': 2,
  'icmp-port-unreachable': 3,
  'icmp-net-prohibited': 9,
  'icmp-host-prohibited': 10,
  'icmp-admin-prohibited': 13,
  'tcp-reset': -1,
};
