// `netstat -s` (net-tools 2.0, statistics.c) and `nstat` (iproute2): the namespace's MIB counters
// read from /proc/net/snmp (snmp-file.ts). netstat words each known counter with its table's
// sentence, prints an unknown one only when non-zero ("try our best", at the current indent), and
// groups ICMP types under their histograms. Only /proc/net/snmp is modelled: the TcpExt and IpExt
// groups of /proc/net/netstat and IPv6's snmp6 are not.
import { formatIp4 } from '../core/addr.js';
import type { Program } from './program.js';
import { snmpGroups } from './snmp-file.js';
import type { SnmpGroup } from './snmp-file.js';

type Kind = 'number' | 'opt' | 'in' | 'out' | 'static' | 'silent';
type Entry = readonly [text: string, kind: Kind];

const IP: Record<string, Entry> = {
  DefaultTTL: ['Default TTL is %', 'static'], Forwarding: ['Forwarding is %', 'static'],
  ForwDatagrams: ['% forwarded', 'number'], FragCreates: ['% fragments created', 'opt'],
  FragFails: ['% outgoing packets failed fragmentation', 'opt'], FragOKs: ['% outgoing packets fragmented ok', 'opt'],
  InAddrErrors: ['% with invalid addresses', 'opt'], InDelivers: ['% incoming packets delivered', 'number'],
  InDiscards: ['% incoming packets discarded', 'number'], InHdrErrors: ['% with invalid headers', 'opt'],
  InReceives: ['% total packets received', 'number'], InUnknownProtos: ['% with unknown protocol', 'opt'],
  OutDiscards: ['% outgoing packets dropped', 'opt'], OutNoRoutes: ['% dropped because of missing route', 'opt'],
  OutRequests: ['% requests sent out', 'number'], ReasmFails: ['% packet reassemblies failed', 'opt'],
  ReasmOKs: ['% packets reassembled ok', 'opt'], ReasmReqds: ['% reassemblies required', 'opt'],
  ReasmTimeout: ['% fragments dropped after timeout', 'opt'],
};
const ICMP: Record<string, Entry> = {
  InAddrMaskReps: ['address mask replies: %', 'in'], InAddrMasks: ['address mask request: %', 'in'],
  InDestUnreachs: ['destination unreachable: %', 'in'], InEchoReps: ['echo replies: %', 'in'],
  InEchos: ['echo requests: %', 'in'], InErrors: ['% input ICMP message failed', 'number'],
  InMsgs: ['% ICMP messages received', 'number'], InParmProbs: ['wrong parameters: %', 'in'],
  InRedirects: ['redirects: %', 'in'], InSrcQuenchs: ['source quenches: %', 'in'],
  InTimeExcds: ['timeout in transit: %', 'in'], InTimestampReps: ['timestamp reply: %', 'in'],
  InTimestamps: ['timestamp request: %', 'in'], OutAddrMaskReps: ['address mask replies: %', 'out'],
  OutAddrMasks: ['address mask requests: %', 'out'], OutDestUnreachs: ['destination unreachable: %', 'out'],
  OutEchoReps: ['echo replies: %', 'out'], OutEchos: ['echo requests: %', 'out'],
  OutErrors: ['% ICMP messages failed', 'number'], OutMsgs: ['% ICMP messages sent', 'number'],
  OutParmProbs: ['wrong parameters: %', 'out'], OutRedirects: ['redirect: %', 'out'],
  OutSrcQuenchs: ['source quench: %', 'out'], OutTimeExcds: ['time exceeded: %', 'out'],
  OutTimestampReps: ['timestamp replies: %', 'out'], OutTimestamps: ['timestamp requests: %', 'out'],
};
const TCP: Record<string, Entry> = {
  ActiveOpens: ['% active connection openings', 'number'], AttemptFails: ['% failed connection attempts', 'number'],
  CurrEstab: ['% connections established', 'number'], EstabResets: ['% connection resets received', 'number'],
  InErrs: ['% bad segments received', 'number'], InSegs: ['% segments received', 'number'],
  MaxConn: ['', 'silent'], OutRsts: ['% resets sent', 'number'], OutSegs: ['% segments sent out', 'number'],
  PassiveOpens: ['% passive connection openings', 'number'], RetransSegs: ['% segments retransmitted', 'number'],
  RtoAlgorithm: ['RTO algorithm is %', 'static'], RtoMax: ['', 'silent'], RtoMin: ['', 'silent'],
};
const UDP: Record<string, Entry> = {
  InDatagrams: ['% packets received', 'number'], InErrors: ['% packet receive errors', 'number'],
  NoPorts: ['% packets to unknown port received', 'number'], OutDatagrams: ['% packets sent', 'number'],
  RcvbufErrors: ['% receive buffer errors', 'number'], SndbufErrors: ['% send buffer errors', 'number'],
};
const TABLES: Record<string, { entries: Record<string, Entry>; flag: 'raw' | 'tcp' | 'udp' }> = {
  Ip: { entries: IP, flag: 'raw' }, Icmp: { entries: ICMP, flag: 'raw' }, Tcp: { entries: TCP, flag: 'tcp' }, Udp: { entries: UDP, flag: 'udp' },
};

/** statistics.c's printing: `state` is the indent a histogram left, which later unknown lines keep. */
function netstatS(groups: SnmpGroup[], flags: { raw: boolean; tcp: boolean; udp: boolean }): string {
  let out = '';
  let state: 'normal' | 'in' | 'out' = 'normal';
  const indent = (s: typeof state): string => (s === 'normal' ? '    ' : '        ');
  for (const g of groups) {
    const t = TABLES[g.name];
    const on = t === undefined ? true : flags[t.flag];
    if (on) out += `${g.name}:\n`;
    if (t !== undefined) state = 'normal';
    if (!on) continue;
    g.fields.forEach((f, i) => {
      const v = g.values[i]!;
      const e = t?.entries[f];
      if (e === undefined) {
        if (v !== 0) out += `${indent(state)}${f}: ${v}\n`;
        return;
      }
      const [text, kind] = e;
      if (kind === 'static' || kind === 'silent') return;
      if (kind === 'in' || kind === 'out') {
        if (state !== kind) out += `${indent(state)}ICMP ${kind === 'in' ? 'input' : 'output'} histogram:\n`;
        if (v > 0) out += `${indent(kind)}${text.replace('%', String(v))}\n`;
        state = kind;
        return;
      }
      if (kind === 'number' || v !== 0) out += `${indent('normal')}${text.replace('%', String(v))}\n`;
      state = 'normal';
    });
  }
  return out;
}

/** netmax(23): the address columns' width in net-tools' tcp_do_one and udp_do_one. */
const NETSTAT_WIDTH = 23;

function endpoint(addr: number, port: number | null): string {
  return `${formatIp4(addr)}:${port === null ? '*' : port}`;
}

function socketLine(proto: string, local: string, remote: string, state: string): string {
  // "%-4s  %6ld %6ld %-*s %-*s %-11s": Recv-Q and Send-Q are 0 (the simulated readers keep up).
  return `${proto.padEnd(4)}  ${'0'.padStart(6)} ${'0'.padStart(6)} ${local.padEnd(NETSTAT_WIDTH)} ${remote.padEnd(NETSTAT_WIDTH)} ${state.padEnd(11)}\n`;
}

/** `netstat -[a|l]n[t][u]`: the namespace's TCP and UDP sockets as net-tools lists them. */
function netstatSockets(ctx: Parameters<Program>[0], want: { tcp: boolean; udp: boolean }, all: boolean, listening: boolean): string {
  const sk = ctx.ns.sockets;
  let s = `Active Internet connections (${all ? 'servers and established' : listening ? 'only servers' : 'w/o servers'})\n`;
  s += 'Proto Recv-Q Send-Q Local Address           Foreign Address         State      \n';
  const servers = all || listening;
  const others = all || !listening;
  if (want.tcp) {
    if (servers) for (const l of [...sk.tcpListeners.values()].sort((a, b) => a.port - b.port)) s += socketLine('tcp', endpoint(l.addr, l.port), endpoint(0, null), 'LISTEN');
    if (others) for (const m of sk.tcpConns.values()) for (const c of m.values()) s += socketLine('tcp', endpoint(c.laddr, c.lport), endpoint(c.raddr, c.rport), c.state === 'CLOSED' ? 'CLOSE' : c.state);
  }
  if (want.udp && servers) {
    for (const u of [...sk.udp.values()].sort((a, b) => a.port - b.port)) s += socketLine('udp', endpoint(u.addr, u.port), endpoint(0, null), '');
  }
  return s;
}

export const netstat: Program = (ctx, argv, exit) => {
  let stats = false;
  let numeric = false;
  let all = false;
  let listening = false;
  const want = { raw: false, tcp: false, udp: false };
  for (const a of argv.slice(1)) {
    const m = /^-([a-z]+)$/.exec(a) ?? (a === '--statistics' ? [a, 's'] : a === '--tcp' ? [a, 't'] : a === '--udp' ? [a, 'u'] : a === '--raw' ? [a, 'w'] : a === '--numeric' ? [a, 'n'] : a === '--all' ? [a, 'a'] : a === '--listening' ? [a, 'l'] : null);
    if (m === null || /[^stuwnal]/.test(m[1]!)) {
      ctx.term.write(`netstat: invalid option -- '${(m?.[1] ?? a.replace(/^-+/, '')).replace(/[stuwnal]/g, '')[0] ?? a}'\n`);
      return exit(1);
    }
    if (m[1]!.includes('s')) stats = true;
    if (m[1]!.includes('t')) want.tcp = true;
    if (m[1]!.includes('u')) want.udp = true;
    if (m[1]!.includes('w')) want.raw = true;
    if (m[1]!.includes('n')) numeric = true;
    if (m[1]!.includes('a')) all = true;
    if (m[1]!.includes('l')) listening = true;
  }
  if (!stats) {
    if (!numeric) {
      ctx.term.write('netstat: only numeric socket listings (-n) are emulated\n');
      return exit(1);
    }
    if (!want.tcp && !want.udp) want.tcp = want.udp = true;
    ctx.term.write(netstatSockets(ctx, want, all, listening));
    return exit(0);
  }
  // Without -t/-u/-w every protocol is shown (netstat.c: "if none set, set all").
  if (!want.raw && !want.tcp && !want.udp) want.raw = want.tcp = want.udp = true;
  ctx.term.write(netstatS(snmpGroups(ctx.ns), want));
  exit(0);
};

/** nstat's names: the group then the field; constants and gauges are left out (useless_number). */
const NSTAT_SKIP = new Set(['IpForwarding', 'IpDefaultTTL', 'TcpRtoAlgorithm', 'TcpRtoMin', 'TcpRtoMax', 'TcpMaxConn', 'TcpCurrEstab']);

export const nstat: Program = (ctx, argv, exit) => {
  let abs = false;
  let zeros = false;
  let keep = false;
  let reset = false;
  let quiet = false;
  for (const a of argv.slice(1)) {
    const m = /^-([azsrn]+)$/.exec(a);
    const long: Record<string, string> = { '--ignore': 'a', '--zeros': 'z', '--noupdate': 's', '--reset': 'r', '--nooutput': 'n' };
    const flags = m?.[1] ?? long[a];
    if (flags === undefined) {
      ctx.term.write(`Usage: nstat [OPTION] [ PATTERN [ PATTERN ] ]\n`);
      return exit(255);
    }
    abs ||= flags.includes('a');
    zeros ||= flags.includes('z');
    keep ||= flags.includes('s');
    reset ||= flags.includes('r');
    quiet ||= flags.includes('n');
  }
  const now = new Map<string, number>();
  for (const g of snmpGroups(ctx.ns)) g.fields.forEach((f, i) => { if (!NSTAT_SKIP.has(g.name + f)) now.set(g.name + f, g.values[i]!); });
  const history = ctx.sim.userland(ctx.host).nstat;
  const last = reset ? undefined : history.get(ctx.ns);
  let out = '#kernel\n';
  for (const [name, v] of now) {
    const shown = abs || last === undefined ? v : v - (last.get(name) ?? 0);
    if (shown === 0 && !zeros) continue;
    out += `${name.padEnd(32)}${String(shown).padEnd(19)}0.0\n`;
  }
  if (!keep) history.set(ctx.ns, now);
  if (!quiet) ctx.term.write(out);
  exit(0);
};
