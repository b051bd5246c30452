// The netfilter hops of a trace as the kernel logs them for `iptables -j TRACE` (ipt_do_table →
// nf_log_trace → nf_log_ip_packet, net/netfilter/nf_log_syslog.c), one line per rule or policy
// the packet met, so a trace can be held against a real host's `dmesg`:
//   [    1.000200] TRACE: nat:PREROUTING:rule:1 IN=eth0 OUT= MAC=… SRC=… DST=… LEN=60 TOS=0x00 …
// Checked against iptables-legacy TRACE on Linux 6.18. Not modelled: `return` lines for a user
// chain the packet fell off, PHYSIN=/PHYSOUT= of bridged packets, UID=/GID= of local senders,
// TCP options (OPT (…)): a simulated SYN carries none.
import type { Headers, HopEvent } from '../core/trace.js';
import type { Hop, Leg, Trace } from './recorder.js';

const IPTOS_TOS_MASK = 0x1e;
const IPTOS_PREC_MASK = 0xe0;

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

/** dump_mac_header: `MAC=` the destination, source and ethertype bytes. */
function macText(h: Headers): string {
  const bytes = [...h.eth.dst.split(':'), ...h.eth.src.split(':'), hex2(h.eth.type >> 8).toLowerCase(), hex2(h.eth.type & 0xff).toLowerCase()];
  return `MAC=${bytes.map((b) => b.padStart(2, '0')).join(':')} `;
}

const TCP_FLAG_WORDS: ReadonlyArray<readonly [number, string]> = [
  [0x80, 'CWR'], [0x40, 'ECE'], [0x20, 'URG'], [0x10, 'ACK'], [0x08, 'PSH'], [0x04, 'RST'], [0x02, 'SYN'], [0x01, 'FIN'],
];

/** dump_ipv4_packet with the TRACE logger's flags (NF_LOG_DEFAULT_MASK: TCP sequence numbers). */
function ipText(h: Headers, quoted: boolean): string {
  const ip = h.ip;
  if (ip === undefined) return '';
  let s = `SRC=${ip.src} DST=${ip.dst} LEN=${ip.len} TOS=0x${hex2(ip.tos & IPTOS_TOS_MASK)} PREC=0x${hex2(ip.tos & IPTOS_PREC_MASK)} TTL=${ip.ttl} ID=${ip.id} `;
  if (ip.df) s += 'DF ';
  if (h.tcp !== undefined) {
    const t = h.tcp;
    s += `PROTO=TCP SPT=${t.sport} DPT=${t.dport} SEQ=${t.seq} ACK=${t.ack} WINDOW=${t.window} RES=0x00 `;
    for (const [bit, word] of TCP_FLAG_WORDS) if (t.flags & bit) s += `${word} `;
    s += 'URGP=0 ';
  } else if (h.udp !== undefined) {
    s += `PROTO=UDP SPT=${h.udp.sport} DPT=${h.udp.dport} LEN=${ip.len - 20} `;
  } else if (h.icmp !== undefined) {
    const c = h.icmp;
    s += `PROTO=ICMP TYPE=${c.type} CODE=${c.code} `;
    if (c.type === 0 || c.type === 8) s += `ID=${c.id} SEQ=${c.seq} `;
    if ((c.type === 3 || c.type === 4 || c.type === 11) && h.inner !== undefined && !quoted) {
      s += `[${ipText(h.inner, true)}] `;
      if (c.type === 3 && c.code === 4) s += `MTU=${c.id} `;
    }
  } else if (h.esp !== undefined) {
    s += `PROTO=ESP SPI=0x${h.esp.spi.toString(16)} `;
  } else s += `PROTO=${ip.proto} `;
  if (!quoted && h.mark !== 0) s += `MARK=0x${h.mark.toString(16)} `;
  return s;
}

/** printk's time stamp: seconds and microseconds, the seconds right-aligned in five columns. */
function stamp(ns: number): string {
  const us = Math.floor(ns / 1000);
  return `[${String(Math.floor(us / 1e6)).padStart(5)}.${String(us % 1e6).padStart(6, '0')}]`;
}

/** One TRACE line for a netfilter hop. */
export function xtablesLine(ev: Extract<HopEvent, { kind: 'nf' }>): string {
  const what = ev.rule === null ? `policy:${ev.chainRules + 1}` : `rule:${ev.rule}`;
  const mac = ev.in !== null ? macText(ev.pkt) : '';
  return `${stamp(ev.time)} TRACE: ${ev.table}:${ev.chain}:${what} IN=${ev.in ?? ''} OUT=${ev.out ?? ''} ${mac}${ipText(ev.pkt, false)}`;
}

function legLines(leg: Leg | undefined, out: string[], place: { at: string }): void {
  if (leg === undefined) return;
  for (const h of leg.path() as Hop[]) {
    if (h.kind !== 'nf') continue;
    const at = `${h.host} (netns ${h.ns})`;
    if (at !== place.at) {
      out.push(`# ${at}`);
      place.at = at;
    }
    out.push(xtablesLine(h));
  }
}

/** The request's and the reply's netfilter hops, as each host's kernel log would show them. */
export function renderTraceXtables(title: string, trace: Trace): string {
  const lines = [`# trace ${title}: iptables -j TRACE log lines (nf_log_ipv4)`];
  const place = { at: '' };
  legLines(trace.outcome('request'), lines, place);
  legLines(trace.outcome('reply'), lines, place);
  return lines.join('\n') + '\n';
}
