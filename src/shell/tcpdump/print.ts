// tcpdump 4.9.2's one-line decode (CentOS 7's tcpdump; -n: numbers, not names) of a captured
// frame, read back from its bytes as tcpdump reads them: print-ether.c, print-arp.c, print-ip.c,
// print-icmp.c, print-udp.c, print-tcp.c, print-vxlan.c, print-esp.c, print-domain.c and
// util-print.c's txtproto_print for HTTP. The tcpdump-4.9.2 tag of the-tcpdump-group/tcpdump is
// the reference; test/capture/ compares these lines with the installed tcpdump reading the same pcap.
import dnsPacket from 'dns-packet';
import { formatIp4, formatMac } from '../../core/addr.js';
import { parseArp } from '../../wire/arp.js';
import { encodeDatagram, encodeFrame, parseDatagram, parseFrame } from '../../wire/encode.js';
import { describeEsp, hex8 } from '../../wire/esp.js';
import { IPPROTO_IGMP } from '../../wire/igmp.js';
import {
  ARPOP_REPLY, ARPOP_REQUEST, ETH_P_ARP, ETH_P_IP, ICMP_DEST_UNREACH, ICMP_ECHO, ICMP_ECHOREPLY, ICMP_TIME_EXCEEDED,
  IPPROTO_ESP, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, Packet, TCPOPT_F_MSS, TCPOPT_F_SACK_PERM, TCPOPT_F_TS, TCPOPT_F_WSCALE,
  TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, VXLAN_PORT,
} from '../../wire/packet.js';
import { isVxlan } from '../../wire/udp.js';
import { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, l3Of } from '../../capture/linktype.js';

export interface PrintOptions {
  /** -e: the link-level header. */
  readonly e: boolean;
  /** -v: the IP header's fields and checksums. */
  readonly v: boolean;
}

/** The relative-sequence table of print-tcp.c (tcp_seq_hash), one per tcpdump process. */
export type TcpSeqState = Map<string, { seq: number; ack: number }>;

/** `HH:MM:SS.uuuuuu` of a timestamp in ns (tcpdump's default -t; the simulated clock's day). */
export function timestamp(ns: number): string {
  const us = Math.floor(ns / 1000);
  const s = Math.floor(us / 1e6);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${p2(Math.floor(s / 3600) % 24)}:${p2(Math.floor(s / 60) % 60)}:${p2(s % 60)}.${String(us % 1e6).padStart(6, '0')}`;
}

const ETHERTYPE_NAMES: Record<number, string> = { [ETH_P_IP]: 'IPv4', [ETH_P_ARP]: 'ARP', 0x86dd: 'IPv6' };

function hex(n: number, w: number): string {
  return n.toString(16).padStart(w, '0');
}

/** One captured frame as tcpdump prints it after the timestamp (without the newline). */
export function printFrame(frame: Uint8Array, linktype: number, o: PrintOptions, seqs: TcpSeqState): string {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const l3 = l3Of(linktype, frame);
  if (l3 === null) return '[|ether]';
  if (linktype === LINKTYPE_ETHERNET) {
    const pkt = new Packet();
    const r = parseFrame(view, 0, pkt);
    const head = o.e ? `${formatMac(macAt(view, 6))} > ${formatMac(macAt(view, 0))}, ethertype ${ETHERTYPE_NAMES[l3.ethType] ?? 'Unknown'} (0x${hex(l3.ethType, 4)}), length ${frame.length}: ` : '';
    return head + (typeof r === 'string' ? `[|${r}]` : printL3(pkt, o, seqs, !o.e));
  }
  // Linux cooked: with -e, sll_print prints the packet type and the address.
  const pkt = new Packet();
  pkt.ethType = l3.ethType;
  const r = l3.ethType === ETH_P_ARP ? parseArp(view, l3.off, pkt) : parseDatagram(view, l3.off, pkt);
  let head = '';
  if (o.e) {
    const type = linktype === LINKTYPE_LINUX_SLL ? view.getUint16(0) : linktype === LINKTYPE_LINUX_SLL2 ? view.getUint8(10) : 0;
    const at = linktype === LINKTYPE_LINUX_SLL ? 6 : 12;
    // sll_print: "%3s " of the packet type.
    head = `${(['In', 'B', 'M', 'P', 'Out'][type] ?? '?').padStart(3)} ${formatMac(macAt(view, at))} ethertype ${ETHERTYPE_NAMES[l3.ethType] ?? 'Unknown'} (0x${hex(l3.ethType, 4)}), length ${frame.length}: `;
  }
  return head + (typeof r === 'string' ? `[|${r}]` : printL3(pkt, o, seqs, !o.e));
}

function macAt(view: DataView, off: number): number {
  return view.getUint16(off) * 2 ** 32 + view.getUint32(off + 2);
}

/** The network layer; `tag` prints the protocol's name first ("IP ", "ARP, ") as without -e. */
function printL3(pkt: Packet, o: PrintOptions, seqs: TcpSeqState, tag: boolean): string {
  // arp_print names the hardware and protocol with -v.
  if (pkt.ethType === ETH_P_ARP) return (tag ? 'ARP, ' : '') + (o.v ? 'Ethernet (len 6), IPv4 (len 4), ' : '') + printArp(pkt);
  if (pkt.ethType !== ETH_P_IP) return `ethertype 0x${hex(pkt.ethType, 4)}`;
  return (tag ? 'IP ' : '') + printIp(pkt, o, seqs);
}

function printArp(pkt: Packet): string {
  if (pkt.arpOp === ARPOP_REQUEST) return `Request who-has ${formatIp4(pkt.arpTpa)} tell ${formatIp4(pkt.arpSpa)}, length 28`;
  if (pkt.arpOp === ARPOP_REPLY) return `Reply ${formatIp4(pkt.arpSpa)} is-at ${formatMac(pkt.arpSha)}, length 28`;
  return `Unknown (${pkt.arpOp}), length 28`;
}

const PROTO_NAMES: Record<number, string> = { 1: 'ICMP', 2: 'IGMP', 6: 'TCP', 17: 'UDP', 50: 'ESP', 112: 'VRRP' };

function printIp(pkt: Packet, o: PrintOptions, seqs: TcpSeqState): string {
  const len = pkt.ipTotalLength();
  let head = '';
  if (o.v) {
    // ip_print's -v header: tos, ttl, id, offset, flags, proto, length (and options).
    const opts = pkt.ipProto === IPPROTO_IGMP && pkt.payload !== null && pkt.payload[0] === 0x94 ? ', options (RA)' : '';
    head = `(tos 0x${pkt.ipTos.toString(16)}, ttl ${pkt.ipTtl}, id ${pkt.ipId}, offset 0, flags [${pkt.ipDf ? 'DF' : 'none'}], proto ${PROTO_NAMES[pkt.ipProto] ?? 'unknown'} (${pkt.ipProto}), length ${len}${opts})\n    `;
  }
  const src = formatIp4(pkt.ipSrc);
  const dst = formatIp4(pkt.ipDst);
  switch (pkt.ipProto) {
    case IPPROTO_TCP:
      return head + printTcp(pkt, src, dst, o, seqs);
    case IPPROTO_UDP:
      return head + printUdp(pkt, src, dst, o, seqs);
    case IPPROTO_ICMP:
      return head + `${src} > ${dst}: ${printIcmp(pkt)}`;
    case IPPROTO_ESP:
      return head + `${src} > ${dst}: ${printEsp(pkt)}`;
    case IPPROTO_IGMP:
      return head + `${src} > ${dst}: ${printIgmp(pkt, o)}`;
    default:
      return head + `${src} > ${dst}: ip-proto-${pkt.ipProto} ${pkt.l4Length()}`;
  }
}

const UNREACH: Record<number, (q: Packet) => string> = {
  0: (q) => `net ${formatIp4(q.ipDst)} unreachable`,
  1: (q) => `host ${formatIp4(q.ipDst)} unreachable`,
  2: (q) => `${formatIp4(q.ipDst)} protocol ${q.ipProto} unreachable`,
  3: (q) => `${formatIp4(q.ipDst)} ${q.ipProto === IPPROTO_TCP ? 'tcp' : 'udp'} port ${q.dport} unreachable`,
  9: (q) => `net ${formatIp4(q.ipDst)} unreachable - admin prohibited`,
  10: (q) => `host ${formatIp4(q.ipDst)} unreachable - admin prohibited`,
  13: (q) => `host ${formatIp4(q.ipDst)} unreachable - admin prohibited filter`,
};

function printIcmp(pkt: Packet): string {
  const len = pkt.l4Length();
  if (pkt.icmpType === ICMP_ECHO || pkt.icmpType === ICMP_ECHOREPLY) {
    return `ICMP echo ${pkt.icmpType === ICMP_ECHO ? 'request' : 'reply'}, id ${pkt.icmpId}, seq ${pkt.icmpSeq}, length ${len}`;
  }
  const q = pkt.inner;
  if (pkt.icmpType === ICMP_DEST_UNREACH && q !== null) {
    if (pkt.icmpCode === 4) return `ICMP ${formatIp4(q.ipDst)} unreachable - need to frag (mtu ${pkt.icmpId}), length ${len}`;
    const f = UNREACH[pkt.icmpCode];
    return `ICMP ${f !== undefined ? f(q) : `${formatIp4(q.ipDst)} unreachable - #${pkt.icmpCode}`}, length ${len}`;
  }
  if (pkt.icmpType === ICMP_TIME_EXCEEDED) return `ICMP time exceeded in-${pkt.icmpCode === 0 ? 'transit' : 'reassembly'}, length ${len}`;
  return `ICMP type-#${pkt.icmpType}, length ${len}`;
}

function printUdp(pkt: Packet, src: string, dst: string, o: PrintOptions, seqs: TcpSeqState): string {
  const ends = `${src}.${pkt.sport} > ${dst}.${pkt.dport}: `;
  const ulen = pkt.l4Length() - 8;
  // udp_print checks the checksum only with -vv, which this tcpdump does not take.
  if (pkt.dport === VXLAN_PORT && isVxlan(pkt)) {
    // vxlan_print hands the inner frame to ether_print: the same decode, on the next line.
    return `${ends}VXLAN, flags [I] (0x08), vni ${pkt.vni}\n${printFrame(encodeFrame(pkt.inner!), LINKTYPE_ETHERNET, o, seqs)}`;
  }
  if ((pkt.sport === 53 || pkt.dport === 53) && pkt.payload !== null) return `${ends}${printDns(pkt.payload.subarray(0, pkt.payloadLen), o.v)} (${ulen})`;
  return `${ends}UDP, length ${ulen}`;
}

const TCP_FLAG_CHARS: Array<[number, string]> = [[TCP_FIN, 'F'], [TCP_SYN, 'S'], [TCP_RST, 'R'], [TCP_PSH, 'P'], [TCP_ACK, '.']];

/** The options as Linux writes them (tcp_options_write), named as print-tcp.c names them. */
function tcpOptions(pkt: Packet): string {
  const f = pkt.tcpOpts;
  const out: string[] = [];
  if (f & TCPOPT_F_MSS) out.push(`mss ${pkt.tcpMss}`);
  if (f & TCPOPT_F_TS) out.push(...(f & TCPOPT_F_SACK_PERM ? ['sackOK'] : ['nop', 'nop']), `TS val ${pkt.tcpTsVal >>> 0} ecr ${pkt.tcpTsEcr >>> 0}`);
  else if (f & TCPOPT_F_SACK_PERM) out.push('nop', 'nop', 'sackOK');
  if (f & TCPOPT_F_WSCALE) out.push('nop', `wscale ${pkt.tcpWscale}`);
  return out.length === 0 ? '' : `, options [${out.join(',')}]`;
}

function printTcp(pkt: Packet, src: string, dst: string, o: PrintOptions, seqs: TcpSeqState): string {
  const flags = pkt.tcpFlags;
  let fl = '';
  for (const [bit, c] of TCP_FLAG_CHARS) if (flags & bit) fl += c;
  let seq = pkt.tcpSeq >>> 0;
  let ack = pkt.tcpAck >>> 0;
  if (flags & TCP_ACK) {
    // tcp_seq_hash: one entry per conversation, keyed in a fixed order; a SYN (re)starts it.
    const rev = pkt.sport > pkt.dport || (pkt.sport === pkt.dport && (pkt.ipSrc >>> 0) > (pkt.ipDst >>> 0));
    const key = rev ? `${pkt.ipDst}:${pkt.ipSrc}:${pkt.dport}:${pkt.sport}` : `${pkt.ipSrc}:${pkt.ipDst}:${pkt.sport}:${pkt.dport}`;
    const th = seqs.get(key);
    if (th === undefined || flags & TCP_SYN) {
      seqs.set(key, rev ? { ack: seq, seq: (ack - 1) >>> 0 } : { seq, ack: (ack - 1) >>> 0 });
    } else if (rev) {
      seq = (seq - th.ack) >>> 0;
      ack = (ack - th.seq) >>> 0;
    } else {
      seq = (seq - th.seq) >>> 0;
      ack = (ack - th.ack) >>> 0;
    }
  }
  const len = pkt.payloadLen;
  let s = `${src}.${pkt.sport} > ${dst}.${pkt.dport}: Flags [${fl === '' ? 'none' : fl}]`;
  if (o.v) {
    // The decoder verified it (wire/tcp.ts refuses a bad one), so it is correct.
    const d = encodeDatagram(pkt);
    s += `, cksum 0x${hex((d[36]! << 8) | d[37]!, 4)} (correct)`;
  }
  if (len > 0 || flags & (TCP_SYN | TCP_FIN | TCP_RST)) s += `, seq ${seq}${len > 0 ? `:${(seq + len) >>> 0}` : ''}`;
  if (flags & TCP_ACK) s += `, ack ${ack}`;
  s += `, win ${pkt.tcpWindow}${tcpOptions(pkt)}, length ${len}`;
  if (len > 0 && pkt.payload !== null && [80, 8080].some((p) => p === pkt.sport || p === pkt.dport)) s += `: ${printHttp(pkt.payload.subarray(0, len), o.v)}`;
  return s;
}

const HTTP_CMDS = ['OPTIONS', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'TRACE', 'CONNECT', 'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'ORDERPATCH', 'ACL'];

/** util-print.c's print_txt_line: one CRLF- or LF-ended printable line from `idx`, after
 *  `prefix`; 0 as the next index when the text stops (not printable, or no line end). */
function txtLine(b: Uint8Array, idx: number, prefix: string): { text: string; next: number } {
  const start = idx;
  const line = (end: number): string => String.fromCharCode(...b.subarray(start, end));
  while (idx < b.length) {
    const c = b[idx]!;
    if (c === 0x0a) return { text: prefix + line(idx), next: idx + 1 };
    if (c === 0x0d) {
      if (idx + 1 < b.length && b[idx + 1] === 0x0a) return { text: prefix + line(idx), next: idx + 2 };
      return { text: '', next: 0 };
    }
    if ((c < 0x20 || c > 0x7e) && c !== 0x09) return { text: '', next: 0 };
    idx++;
  }
  return { text: `${prefix}${line(idx)}[!http]`, next: 0 };
}

/** txtproto_print for HTTP: "HTTP: " and the request or status line, or with -v the length
 *  and every text line; "HTTP" alone for what is neither (a body segment). */
function printHttp(b: Uint8Array, v: boolean): string {
  const first = new TextDecoder('latin1').decode(b.subarray(0, 512)).split(/\r?\n/)[0]!;
  const toks = first.split(' ');
  const isReq = HTTP_CMDS.includes((toks[0] ?? '').toUpperCase());
  const isResp = /^\d{3}$/.test(toks[1] ?? '');
  if (!isReq && !isResp) return 'HTTP';
  if (!v) return `HTTP${txtLine(b, 0, ': ').text}`;
  let s = `HTTP, length: ${b.length}`;
  for (let idx = 0; idx < b.length;) {
    const l = txtLine(b, idx, '\n\t');
    s += l.text;
    if (l.next === 0) break;
    idx = l.next;
  }
  return s;
}

const QTYPES: Record<string, string> = { A: 'A', AAAA: 'AAAA', PTR: 'PTR', CNAME: 'CNAME', SRV: 'SRV', TXT: 'TXT', MX: 'MX', NS: 'NS', SOA: 'SOA', ANY: 'ANY' };
const RCODES = ['', ' FormErr', ' ServFail', ' NXDomain', ' NotImp', ' Refused', ' YXDomain', ' YXRRSet', ' NXRRSet', ' NotAuth', ' NotZone'];

function dnsName(n: string): string {
  return n === '' || n === '.' ? '.' : `${n}.`;
}

/** ns_print without -vv: the header's id and flags, the question (queries) or the answers. */
function printDns(b: Uint8Array, verbose: boolean): string {
  let m: dnsPacket.Packet;
  try {
    m = dnsPacket.decode(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  } catch {
    return '[|domain]';
  }
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const id = v.getUint16(0);
  const f = v.getUint16(2);
  const qd = m.questions?.length ?? 0;
  const an = m.answers?.length ?? 0;
  const ns = m.authorities?.length ?? 0;
  const ar = m.additionals?.length ?? 0;
  if (f & 0x8000) {
    let s = `${id}${RCODES[f & 15] ?? ` Resp${f & 15}`}${f & 0x0400 ? '*' : ''}${f & 0x0080 ? '' : '-'}${f & 0x0200 ? '|' : ''}${f & 0x0020 ? '$' : ''}`;
    if (qd !== 1) s += ` [${qd}q]`;
    s += ` ${an}/${ns}/${ar}`;
    s += (m.answers ?? []).map((a) => ` ${printRr(a, verbose)}`).join(',');
    return s;
  }
  let s = `${id}${f & 0x0100 ? '+' : ''}${f & 0x0010 ? '%' : ''}`;
  if (f & 0x6cf) s += ` [b2&3=0x${(f & 0xffff).toString(16)}]`;
  if (an) s += ` [${an}a]`;
  if (qd !== 1) s += ` [${qd}q]`;
  if (ns) s += ` [${ns}n]`;
  if (ar) s += ` [${ar}au]`;
  for (const q of m.questions ?? []) s += ` ${QTYPES[q.type] ?? q.type}? ${dnsName(q.name)}`;
  return s;
}

function printRr(a: dnsPacket.Answer, v: boolean): string {
  // ns_rprint names the owner with -v.
  const t = (v ? `${dnsName(a.name)} ` : '') + (QTYPES[a.type] ?? a.type);
  if (a.type === 'A' || a.type === 'AAAA') return `${t} ${String(a.data)}`;
  if (a.type === 'CNAME' || a.type === 'PTR' || a.type === 'NS') return `${t} ${dnsName(String(a.data))}`;
  return t;
}

const IGMPV3_RECORD_TYPES = ['', 'is_in', 'is_ex', 'to_in', 'to_ex', 'allow', 'block'];

/** print_igmpv3_report: the record count, and with -v each group and its source count. The
 *  payload starts with the Router Alert option (wire/igmp.ts), then the report. */
function printIgmp(pkt: Packet, o: PrintOptions): string {
  const p = pkt.payload;
  const base = p !== null && p[0] === 0x94 ? 4 : 0;
  if (p === null || pkt.payloadLen < base + 8 || p[base] !== 0x22) return 'igmp';
  const v = new DataView(p.buffer, p.byteOffset, pkt.payloadLen);
  const n = v.getUint16(base + 6);
  let s = `igmp v3 report, ${n} group record(s)`;
  if (!o.v) return s;
  for (let i = 0, at = base + 8; i < n && at + 8 <= pkt.payloadLen; i++) {
    const nsrcs = v.getUint16(at + 2);
    s += ` [gaddr ${formatIp4(v.getUint32(at + 4))} ${IGMPV3_RECORD_TYPES[v.getUint8(at)] ?? `[v3-report-#${v.getUint8(at)}]`}, ${nsrcs} source(s)]`;
    at += 8 + 4 * nsrcs + 4 * v.getUint8(at + 1);
  }
  return s;
}

/** esp_print: SPI and sequence number from the header, whether the rest is the modelled clear
 *  segment or ciphertext (a capture seals it, capture/esp-gcm.ts: then it is an opaque payload). */
function printEsp(pkt: Packet): string {
  const p = pkt.payload;
  if (pkt.inner !== null || p === null || pkt.payloadLen < 8) return describeEsp(pkt);
  const v = new DataView(p.buffer, p.byteOffset, pkt.payloadLen);
  return `ESP(spi=0x${hex8(v.getUint32(0))},seq=0x${v.getUint32(4).toString(16)}), length ${pkt.payloadLen}`;
}
