// Rules as iptables prints them: the -L table (print_firewall of iptables 1.4.21, column for
// column) and the -S / iptables-save form. Not on the packet path.
import { formatIp4 } from '../../core/addr.js';
import {
  ADDRTYPES, CT_STATE_NAMES, ICMP_TYPES, PROTO_NAMES, SERVICES,
} from '../../kernel/netfilter/rule.js';
import type { Match, PolicyElem, PolicyMatch, PortsMatch, Rule, Target } from '../../kernel/netfilter/rule.js';
import { u32Text } from '../../kernel/netfilter/u32.js';

export interface ListFormat {
  numeric: boolean;
  verbose: boolean;
  exact: boolean;
  lineNumbers: boolean;
}

/** xtables_print_num: counters with K/M/G/T unless exact. */
export function printNum(n: number, f: ListFormat, notable = false): string {
  if (notable) {
    if (f.exact) return `${n} `;
  } else if (f.exact) return `${String(n).padStart(8)} `;
  if (n <= 99999) return notable ? `${n} ` : `${String(n).padStart(5)} `;
  let v = n;
  for (const unit of ['K', 'M', 'G', 'T']) {
    v = Math.floor((v + 500) / 1000);
    if (v <= 9999 || unit === 'T') return notable ? `${v}${unit} ` : `${String(v).padStart(4)}${unit} `;
  }
  return '';
}

function maskLen(mask: number): number {
  let len = 0;
  let m = mask >>> 0;
  while (m & 0x80000000) {
    len++;
    m = (m << 1) >>> 0;
  }
  return m === 0 ? len : -1;
}

/** xtables_ipaddr_to_numeric + xtables_ipmask_to_numeric. */
export function addrText(addr: number, mask: number, save: boolean): string {
  const len = maskLen(mask);
  if (len === 32 && !save) return formatIp4(addr);
  if (len < 0) return `${formatIp4(addr)}/${formatIp4(mask)}`;
  return `${formatIp4(addr)}/${len}`;
}

function portName(p: number, numeric: boolean): string {
  if (!numeric) {
    const s = SERVICES[p];
    if (s !== undefined) return s;
  }
  return String(p);
}

function printPorts(name: string, min: number, max: number, inv: boolean, numeric: boolean): string {
  if (min === 0 && max === 0xffff && !inv) return '';
  const i = inv ? '!' : '';
  if (min === max) return ` ${name}:${i}${portName(min, numeric)}`;
  return ` ${name}s:${i}${portName(min, numeric)}:${portName(max, numeric)}`;
}

const TCP_FLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [0x01, 'FIN'], [0x02, 'SYN'], [0x04, 'RST'], [0x08, 'PSH'], [0x10, 'ACK'], [0x20, 'URG'],
];

function tcpFlagsText(bits: number): string {
  if (bits === 0) return 'NONE';
  if (bits === 0x3f) return 'ALL';
  return TCP_FLAG_NAMES.filter(([b]) => bits & b).map(([, n]) => n).join(',');
}

function statesText(states: number): string {
  return CT_STATE_NAMES.filter(([b]) => states & b).map(([, n]) => n).join(',');
}

function addrtypesText(bits: number): string {
  return ADDRTYPES.filter((_, i) => bits & (1 << i)).join(',');
}

function icmpName(type: number, codeMin: number, codeMax: number): string | null {
  for (const [name, t, lo, hi] of ICMP_TYPES) if (t === type && lo === codeMin && hi === codeMax) return name;
  return null;
}

function markText(mark: number, mask: number): string {
  return mask !== 0xffffffff ? `0x${(mark >>> 0).toString(16)}/0x${(mask >>> 0).toString(16)}` : `0x${(mark >>> 0).toString(16)}`;
}

function multiportText(m: { ranges: number[] }, numeric: boolean): string {
  const parts: string[] = [];
  for (let i = 0; i < m.ranges.length; i += 2) {
    const lo = m.ranges[i]!;
    const hi = m.ranges[i + 1]!;
    parts.push(lo === hi ? portName(lo, numeric) : `${portName(lo, numeric)}:${portName(hi, numeric)}`);
  }
  return parts.join(',');
}

const XFRM_PROTO_NAMES: Record<number, string> = { 50: 'esp', 51: 'ah', 108: 'ipcomp' };

/** print_entry of libxt_policy: `prefix` is '' for -L and '--' for -S. */
function policyElemText(e: PolicyElem, prefix: string, numeric: boolean): string {
  const inv = (b: boolean): string => (b ? ' !' : '');
  let s = '';
  if (e.reqid !== null) s += `${inv(e.reqidInv)} ${prefix}reqid ${e.reqid >>> 0}`;
  if (e.spi !== null) s += `${inv(e.spiInv)} ${prefix}spi 0x${(e.spi >>> 0).toString(16)}`;
  if (e.proto !== null) s += `${inv(e.protoInv)} ${prefix}proto ${numeric ? e.proto : XFRM_PROTO_NAMES[e.proto] ?? e.proto}`;
  if (e.mode !== null) s += `${inv(e.modeInv)} ${prefix}mode ${e.mode === 0 ? 'transport' : 'tunnel'}`;
  // xtables_ipmask_to_numeric: "we don't want to see /32".
  if (e.tunnelDst !== null) s += `${inv(e.tunnelDstInv)} ${prefix}tunnel-dst ${addrText(e.tunnelDst, e.tunnelDstMask, false)}`;
  if (e.tunnelSrc !== null) s += `${inv(e.tunnelSrcInv)} ${prefix}tunnel-src ${addrText(e.tunnelSrc, e.tunnelSrcMask, false)}`;
  return s;
}

/** print_flags then the elements: ` dir in pol ipsec` (-L) or ` --dir in --pol ipsec` (-S). */
function policyText(m: PolicyMatch, prefix: string, numeric: boolean): string {
  let s = ` ${prefix}dir ${m.dir} ${prefix}pol ${m.none ? 'none' : 'ipsec'}`;
  if (m.strict) s += ` ${prefix}strict`;
  m.elems.forEach((e, i) => {
    if (prefix === '' && m.elems.length > 1) s += ` [${i}]`;
    s += policyElemText(e, prefix, numeric);
    if (prefix !== '' && i + 1 < m.elems.length) s += ' --next';
  });
  return s;
}

/** A match as -L shows it (leading space included). */
function matchList(m: Match, numeric: boolean): string {
  switch (m.kind) {
    case 'tcp':
    case 'udp': {
      let s = ` ${m.kind}` + printPorts('spt', m.spMin, m.spMax, m.spInv, numeric) + printPorts('dpt', m.dpMin, m.dpMax, m.dpInv, numeric);
      if (m.kind === 'tcp' && (m.flagMask !== 0 || m.flagInv)) {
        s += ` flags:${m.flagInv ? '!' : ''}0x${m.flagMask.toString(16).padStart(2, '0')}/0x${m.flagCmp.toString(16).padStart(2, '0')}`;
      }
      return s;
    }
    case 'icmp': {
      if (numeric) {
        let s = ` icmptype ${m.inv ? '!' : ''}${m.type}`;
        if (m.codeMin === m.codeMax) s += ` code ${m.codeMin}`;
        else if (m.codeMin !== 0 || m.codeMax !== 0xff) s += ` codes ${m.codeMin}-${m.codeMax}`;
        return s;
      }
      const name = icmpName(m.type, m.codeMin, m.codeMax);
      if (m.type === 0xff && !m.inv) return ' icmp any';
      return ` icmp ${m.inv ? '!' : ''}${name ?? `type ${m.type}`}`;
    }
    case 'addrtype': {
      let s = ' ADDRTYPE match';
      if (m.src) s += ` src-type ${m.srcInv ? '!' : ''}${addrtypesText(m.src)}`;
      if (m.dst) s += ` dst-type ${m.dstInv ? '!' : ''}${addrtypesText(m.dst)}`;
      return s;
    }
    case 'mark':
      return ` mark match${m.inv ? ' !' : ''} ${markText(m.mark, m.mask)}`;
    case 'state':
      return `${m.inv ? ' !' : ''} state ${statesText(m.states)}`;
    case 'conntrack':
      return `${m.inv ? ' !' : ''} ctstate ${statesText(m.states)}`;
    case 'ipvs':
      return `${m.inv ? ' !' : ''} ipvs`;
    case 'multiport':
      return ` multiport ${m.dir}${m.inv ? '  !' : ' '}${multiportText(m, numeric)}`;
    case 'comment':
      return ` /* ${m.text} */`;
    case 'u32':
      return ` u32${m.inv ? ' !' : ''} ${u32Text(m.tests)}`;
    case 'policy':
      return ` policy match${policyText(m, '', numeric)}`;
  }
}

function rangeText(t: Target): string {
  let s = '';
  if (t.addrMin !== 0 || t.addrMax !== 0) {
    s += formatIp4(t.addrMin);
    if (t.addrMax !== t.addrMin) s += `-${formatIp4(t.addrMax)}`;
  }
  if (t.hasPorts) {
    s += `:${t.portMin}`;
    if (t.portMax !== t.portMin) s += `-${t.portMax}`;
  }
  return s;
}

function targetList(t: Target): string {
  switch (t.kind) {
    case 'DNAT':
    case 'SNAT':
      return ` to:${rangeText(t)}${t.random ? ' random' : ''}`;
    case 'MASQUERADE':
      return t.hasPorts ? ` masq ports: ${t.portMin}${t.portMax !== t.portMin ? `-${t.portMax}` : ''}` : (t.random ? ' random' : '');
    case 'REDIRECT':
      return t.hasPorts ? ` redir ports ${t.portMin}${t.portMax !== t.portMin ? `-${t.portMax}` : ''}` : '';
    case 'MARK': {
      const m = t.xmark >>> 0;
      const k = t.xmask >>> 0;
      if (m === 0) return ` MARK and 0x${(~k >>> 0).toString(16)}`;
      if (m === k) return ` MARK or 0x${m.toString(16)}`;
      if (k === 0) return ` MARK xor 0x${m.toString(16)}`;
      if (k === 0xffffffff) return ` MARK set 0x${m.toString(16)}`;
      return ` MARK xset 0x${m.toString(16)}/0x${k.toString(16)}`;
    }
    case 'LOG':
      return ` LOG flags 0 level ${t.logLevel}${t.logPrefix !== null ? ` prefix "${t.logPrefix}"` : ''}`;
    case 'REJECT':
      return ` reject-with ${t.rejectWith}`;
    default:
      return '';
  }
}

export function targetName(t: Target): string {
  if (t.kind === 'jump' || t.kind === 'goto') return t.chain;
  return t.kind === 'none' ? '' : t.kind;
}

/** The header of a chain's -L table (after the "Chain" line). */
export function listHeader(f: ListFormat): string {
  let s = '';
  if (f.lineNumbers) s += 'num  ';
  if (f.verbose) s += f.exact ? `${'pkts'.padStart(8)} ${'bytes'.padStart(10)} ` : ' pkts bytes ';
  s += 'target     prot opt ';
  if (f.verbose) s += 'in     out     ';
  s += 'source               destination         ';
  return s;
}

function ifText(name: string, inv: boolean, numeric: boolean): string {
  return (inv ? '!' : '') + (name !== '' ? name : numeric ? '*' : 'any');
}

/** One rule as a line of the -L table (print_firewall). */
export function listRule(r: Rule, num: number, f: ListFormat): string {
  let s = '';
  if (f.lineNumbers) s += `${String(num).padEnd(4)} `;
  if (f.verbose) s += printNum(r.pkts, f) + printNum(r.bytes, f);
  s += `${targetName(r.target).padEnd(9)} `;
  s += r.protoInv ? '!' : ' ';
  const pname = PROTO_NAMES[r.proto];
  s += (pname ?? String(r.proto)).padEnd(5);
  s += '-- ';
  if (f.verbose) {
    s += ` ${ifText(r.inIf, r.inInv, f.numeric).padEnd(6)} `;
    s += `${ifText(r.outIf, r.outInv, f.numeric).padEnd(6)} `;
  }
  s += r.srcInv ? '!' : ' ';
  s += (r.srcMask === 0 && !f.numeric ? 'anywhere' : addrText(r.src, r.srcMask, false)).padEnd(19) + ' ';
  s += r.dstInv ? '!' : ' ';
  s += (r.dstMask === 0 && !f.numeric ? 'anywhere' : addrText(r.dst, r.dstMask, false)).padEnd(19) + ' ';
  if (r.target.kind === 'goto') s += '[goto] ';
  for (const m of r.matches) s += matchList(m, f.numeric);
  s += targetList(r.target);
  return s;
}

function savePorts(opt: string, min: number, max: number, inv: boolean): string {
  if (min === 0 && max === 0xffff && !inv) return '';
  return `${inv ? ' !' : ''} --${opt} ${min === max ? min : `${min}:${max}`}`;
}

function matchSave(m: Match): string {
  switch (m.kind) {
    case 'tcp':
    case 'udp': {
      let s = ` -m ${m.kind}` + savePorts('sport', m.spMin, m.spMax, m.spInv) + savePorts('dport', m.dpMin, m.dpMax, m.dpInv);
      if (m.kind === 'tcp' && (m.flagMask !== 0 || m.flagInv)) {
        s += `${m.flagInv ? ' !' : ''} --tcp-flags ${tcpFlagsText(m.flagMask)} ${tcpFlagsText(m.flagCmp)}`;
      }
      return s;
    }
    case 'icmp': {
      let s = ` -m icmp${m.inv ? ' !' : ''} --icmp-type `;
      if (m.type === 0xff) return s + 'any';
      s += String(m.type);
      if (m.codeMin !== 0 || m.codeMax !== 0xff) s += `/${m.codeMin}`;
      return s;
    }
    case 'addrtype': {
      let s = ' -m addrtype';
      if (m.src) s += `${m.srcInv ? ' !' : ''} --src-type ${addrtypesText(m.src)}`;
      if (m.dst) s += `${m.dstInv ? ' !' : ''} --dst-type ${addrtypesText(m.dst)}`;
      return s;
    }
    case 'mark':
      return ` -m mark${m.inv ? ' !' : ''} --mark ${markText(m.mark, m.mask)}`;
    case 'state':
      return ` -m state${m.inv ? ' !' : ''} --state ${statesText(m.states)}`;
    case 'conntrack':
      return ` -m conntrack${m.inv ? ' !' : ''} --ctstate ${statesText(m.states)}`;
    case 'ipvs':
      return ` -m ipvs${m.inv ? ' !' : ''} --ipvs`;
    case 'multiport':
      return ` -m multiport${m.inv ? ' !' : ''} --${m.dir} ${multiportText(m, true)}`;
    case 'comment':
      return ` -m comment --comment ${/^[\w.:/-]+$/.test(m.text) ? m.text : `"${m.text}"`}`;
    case 'u32':
      return ` -m u32${m.inv ? ' !' : ''} --u32 ${u32Text(m.tests)}`;
    case 'policy':
      return ` -m policy${policyText(m, '--', false)}`;
  }
}

function targetSave(t: Target): string {
  switch (t.kind) {
    case 'none':
      return '';
    case 'goto':
      return ` -g ${t.chain}`;
    case 'jump':
      return ` -j ${t.chain}`;
    case 'DNAT':
      return ` -j DNAT --to-destination ${rangeText(t)}${t.random ? ' --random' : ''}`;
    case 'SNAT':
      return ` -j SNAT --to-source ${rangeText(t)}${t.random ? ' --random' : ''}`;
    case 'MASQUERADE':
      return ' -j MASQUERADE' + (t.hasPorts ? ` --to-ports ${t.portMin}${t.portMax !== t.portMin ? `-${t.portMax}` : ''}` : '') + (t.random ? ' --random' : '');
    case 'REDIRECT':
      return ' -j REDIRECT' + (t.hasPorts ? ` --to-ports ${t.portMin}${t.portMax !== t.portMin ? `-${t.portMax}` : ''}` : '');
    case 'MARK':
      return ` -j MARK --set-xmark 0x${(t.xmark >>> 0).toString(16)}/0x${(t.xmask >>> 0).toString(16)}`;
    case 'LOG':
      return ' -j LOG' + (t.logPrefix !== null ? ` --log-prefix "${t.logPrefix}"` : '') + (t.logLevel !== 4 ? ` --log-level ${t.logLevel}` : '');
    case 'REJECT':
      return ` -j REJECT --reject-with ${t.rejectWith}`;
    default:
      return ` -j ${t.kind}`;
  }
}

/** The rule's specification as -S and iptables-save print it (without "-A CHAIN"). */
export function saveRule(r: Rule): string {
  let s = '';
  if (r.srcMask !== 0 || r.srcInv) s += `${r.srcInv ? ' !' : ''} -s ${addrText(r.src, r.srcMask, true)}`;
  if (r.dstMask !== 0 || r.dstInv) s += `${r.dstInv ? ' !' : ''} -d ${addrText(r.dst, r.dstMask, true)}`;
  if (r.inIf !== '') s += `${r.inInv ? ' !' : ''} -i ${r.inIf}`;
  if (r.outIf !== '') s += `${r.outInv ? ' !' : ''} -o ${r.outIf}`;
  if (r.proto !== 0 || r.protoInv) s += `${r.protoInv ? ' !' : ''} -p ${PROTO_NAMES[r.proto] ?? r.proto}`;
  for (const m of r.matches) s += matchSave(m);
  s += targetSave(r.target);
  return s;
}

/** Records the rule's text on it before it goes to the kernel (Rule.spec, Rule.targetText). */
export function describeRule(r: Rule): void {
  r.spec = saveRule(r);
  r.targetText = describeTarget(r.target);
}

/** Short description of what a rule's target did, for traces: `DNAT to:172.18.0.2:8080`. */
export function describeTarget(t: Target): string {
  // MARK and LOG name themselves in their -L text ("MARK set 0x100", "LOG flags 0 level 4").
  if (t.kind === 'MARK' || t.kind === 'LOG') return targetList(t).slice(1);
  const name = targetName(t);
  return (t.kind === 'goto' ? `goto ${name}` : name) + targetList(t);
}

export type { PortsMatch };
