// What a generated case is: a list of steps run in order on both sides (the real kernel and the
// simulator), and what each step produces, normalised to one comparable line.
export type Step =
  /** A command line, always starting with `ip` (`ip netns add X` or `ip netns exec X …`). */
  | { kind: 'cmd'; line: string }
  /** A listener started in a namespace (the real side's agent, the simulator's sockets). */
  | { kind: 'listen'; ns: string; proto: 'tcp' | 'udp'; port: number }
  /** `ping -n -c 1 -W wait OPTS DST` in a namespace. */
  | { kind: 'ping'; ns: string; dst: string; opts: string; wait: number }
  /** A TCP connect or a UDP datagram from a fixed source port; the answer and what listeners saw. */
  | { kind: 'tcp' | 'udp'; ns: string; dst: string; dport: number; sport: number }
  /** `iptables -t TABLE -nvxL` in a namespace: the packet counters of every chain and rule. */
  | { kind: 'counters'; ns: string; table: string }
  /** `cat /proc/net/snmp` and `ip -s link` in a namespace: the MIB counters and each device's packets. */
  | { kind: 'snmp'; ns: string }
  /**
   * Before the counters: wait until no namespace of the case is resolving a neighbour, then
   * SETTLE_MARGIN_MS more. An ARP retransmission runs 1004-1032 ms after the one before it, where
   * in that window depends on the phase of the machine's jiffies (src/kernel/timer.ts), so a
   * counter read inside the window would count the probe or not by chance, on Linux and here.
   */
  | { kind: 'settle' }
  /**
   * A command run on the real side only, for what the simulator has no notion of: turning off the
   * veths' segmentation offloads (TSO/GSO/GRO), so that Linux puts one MSS-sized segment per skb
   * on the wire as the simulator does, and setting tcp_rmem to Linux's default (window scale 7).
   */
  | { kind: 'real'; line: string }
  /**
   * A TCP transfer: `server` listens on `port`; `client` connects to dst:port and sends one line;
   * the server answers `size` bytes; the client, having them all, sends one byte; the server then
   * closes (so its FIN leaves after everything was acknowledged: a segment of its own on both
   * sides); the client closes on the FIN. Gives up after `ms`. Outcome: bytes delivered and how it
   * ended, then each side's TcpOutSegs and TcpRetransSegs (/proc/net/snmp) `SNMP_WAIT_MS` later.
   * `sport`: the client binds this source port first (otherwise an ephemeral one).
   */
  | { kind: 'transfer'; client: string; server: string; dst: string; port: number; size: number; ms: number; compare: TransferCompare; sport?: number };

/**
 * What of a transfer's counters is compared. `exact`: both sides' segment counts (no loss, and few
 * enough segments that the receiver ACKs each one: Linux's quick ACKs). `sender`: the sender's
 * counts exactly, the receiver's not (past 16 segments a real receiver's ACKs depend on when its
 * process reads). `loss`: only whether the sender retransmitted (how many segments a loss costs
 * depends on when the ICMP or the timer comes back relative to the sender's loop on Linux).
 */
export type TransferCompare = 'exact' | 'sender' | 'loss';

/** How long after a transfer ends the counters are read (ms): the last ACKs and FINs settle. */
export const SNMP_WAIT_MS = 300;

/** The transfer's outcome lines from what each side measured. */
export function transferLines(
  s: Extract<Step, { kind: 'transfer' }>,
  got: number,
  end: string,
  client: { out: number; retrans: number },
  server: { out: number; retrans: number },
): string[] {
  const lines = [`got ${got} of ${s.size} bytes: ${end}`];
  if (s.compare === 'loss') lines.push(`server retransmitted: ${server.retrans > 0 ? 'yes' : 'no'}`);
  else lines.push(`server TcpOutSegs ${server.out} TcpRetransSegs ${server.retrans}`);
  if (s.compare === 'exact') lines.push(`client TcpOutSegs ${client.out} TcpRetransSegs ${client.retrans}`);
  else lines.push(`client TcpRetransSegs ${s.compare === 'loss' ? (client.retrans > 0 ? 'some' : 0) : client.retrans}`);
  return lines;
}

/** Reads TcpOutSegs and TcpRetransSegs from /proc/net/snmp's two Tcp: lines. */
export function parseSnmpTcp(text: string): { out: number; retrans: number } {
  const lines = text.split('\n').filter((l) => l.startsWith('Tcp:'));
  if (lines.length < 2) return { out: -1, retrans: -1 };
  const names = lines[0]!.split(/\s+/);
  const vals = lines[1]!.split(/\s+/);
  return { out: Number(vals[names.indexOf('OutSegs')]), retrans: Number(vals[names.indexOf('RetransSegs')]) };
}

export interface Case {
  /** `seed/index`: enough to regenerate the case. */
  id: string;
  family: string;
  /** Every namespace the case creates (removed afterwards). */
  namespaces: string[];
  steps: Step[];
}

/** Per step, one normalised line (several for counters). */
export type Outcome = string[];

/**
 * Sysctls the harness sets in every namespace it creates, on both sides, right after
 * `ip netns add` and before anything else happens there. A bridge coming up sends two IGMPv3
 * reports (src/kernel/igmp.ts), the second at a random time below the device's
 * igmpv3_unsolicited_report_interval (1000 ms): whether a leaf's counters see it would depend on
 * the run. At 1 ms the random part is always 0, so both reports leave 2 jiffies apart, before the
 * harness's next step. Only `default` matters: a new device copies it (`all` is not read).
 * IPv6 is off on new devices: the simulator has none, and Linux's DAD, MLD and router
 * solicitations would show in the device counters `ip -s link` compares.
 */
export const NETNS_SYSCTLS = ['net.ipv4.conf.default.igmpv3_unsolicited_report_interval=1', 'net.ipv6.conf.default.disable_ipv6=1'];

/** The settle step's wait after the last resolution ended (ms): more than the 28 ms by which the
 *  simulator's ARP timers may run after Linux's (timer-wheel phase), and any measurement skew. */
export const SETTLE_MARGIN_MS = 100;
/** The settle step gives up after this long (ms); ARP gives up after about 3.1 s. */
export const SETTLE_MAX_MS = 5000;

/** How long the real side waits for a TCP or UDP answer (ms); the simulator uses the same on its clock. */
export const PROBE_MS = 800;

export function describeStep(s: Step): string {
  switch (s.kind) {
    case 'cmd':
      return s.line;
    case 'listen':
      return `listen ${s.proto} ${s.port} in ${s.ns}`;
    case 'ping':
      return `ip netns exec ${s.ns} ping -n -c 1 -W ${s.wait}${s.opts ? ' ' + s.opts : ''} ${s.dst}`;
    case 'tcp':
    case 'udp':
      return `${s.kind} from ${s.ns} :${s.sport} to ${s.dst}:${s.dport}`;
    case 'counters':
      return `ip netns exec ${s.ns} iptables -t ${s.table} -nvxL`;
    case 'snmp':
      return `ip netns exec ${s.ns} cat /proc/net/snmp; ip netns exec ${s.ns} ip -s link`;
    case 'settle':
      return `settle: wait until no neighbour is INCOMPLETE, then ${SETTLE_MARGIN_MS} ms`;
    case 'real':
      return `(real side only) ${s.line}`;
    case 'transfer':
      return `transfer ${s.size} bytes from ${s.server} :${s.port} to ${s.client} via ${s.dst} (compare: ${s.compare})`;
  }
}

export function pingLine(s: Extract<Step, { kind: 'ping' }>): string {
  return describeStep(s);
}

/** Normalises ping's output (iputils on Debian and the simulator's CentOS 7 flavour) to one line. */
export function normalisePing(out: string, code: number): string {
  const parts: string[] = [];
  for (const raw of out.split('\n')) {
    const line = raw.trim();
    let m = /bytes from (\S+?):? icmp_seq=\d+ ttl=(\d+)/.exec(line);
    if (m) {
      parts.push(`reply from ${m[1]} ttl=${m[2]}`);
      continue;
    }
    m = /^From (\S+) icmp_seq=\d+ (.*)$/.exec(line);
    if (m) {
      parts.push(`error from ${m[1]}: ${m[2]}`);
      continue;
    }
    if (/Do you want to ping broadcast/.test(line)) {
      parts.push('connect refused (EACCES): "Do you want to ping broadcast?"');
      continue;
    }
    m = /(connect|sendmsg|sendto|local error): (.*)$/i.exec(line);
    if (m) {
      parts.push(`${m[1]!.toLowerCase()}: ${m[2]!.toLowerCase()}`);
      continue;
    }
  }
  if (parts.length === 0) parts.push(/ 0 received/.test(out) ? 'no answer' : `output: ${out.trim().split('\n').slice(-2).join(' | ')}`);
  // Where a send fails and an ICMP error arrives for it too, the two tools print them in either order.
  return `${parts.sort().join('; ')} (exit ${code})`;
}

/** Keeps, from `iptables -nvxL`, the chain headers' policy counters and each rule's packets and target. */
export function normaliseCounters(out: string, code: number): string[] {
  if (code !== 0) return [`iptables exit ${code}: ${out.trim().split('\n')[0] ?? ''}`];
  const lines: string[] = [];
  let chain = '';
  let n = 0;
  for (const raw of out.split('\n')) {
    const h = /^Chain (\S+) \((?:policy (\S+) (\d+) packets|(\d+) references)/.exec(raw);
    if (h) {
      chain = h[1]!;
      n = 0;
      if (h[2] !== undefined) lines.push(`${chain} policy ${h[2]} ${h[3]} pkts`);
      continue;
    }
    const r = /^\s*(\d+)\s+(\d+)\s+(\S+)?/.exec(raw);
    if (r && chain !== '') {
      n++;
      const target = r[3] !== undefined && !/^(all|tcp|udp|icmp|\d+)$/.test(r[3]) ? r[3] : '-';
      lines.push(`${chain}#${n} ${target} ${r[1]} pkts`);
    }
  }
  return lines;
}

/** The /proc/net/snmp counters compared (the ones the simulator keeps, by group and field). */
export const SNMP_COMPARED: Readonly<Record<string, readonly string[]>> = {
  Ip: [
    'InReceives', 'InHdrErrors', 'InAddrErrors', 'ForwDatagrams', 'InUnknownProtos', 'InDelivers', 'OutRequests', 'OutNoRoutes',
    'ReasmReqds', 'ReasmOKs', 'ReasmFails', 'FragOKs', 'FragFails', 'FragCreates', 'OutTransmits',
  ],
  Icmp: ['InMsgs', 'InDestUnreachs', 'InTimeExcds', 'InEchos', 'InEchoReps', 'OutMsgs', 'OutDestUnreachs', 'OutTimeExcds', 'OutEchos', 'OutEchoReps'],
  Udp: ['InDatagrams', 'NoPorts', 'OutDatagrams'],
};

/**
 * Keeps the compared counters of /proc/net/snmp (a names line and a values line per group) and,
 * from `ip -s link` (iproute2 3.10's layout here, a newer one on the real side: both put the
 * numbers under an "RX:"/"TX:" header, bytes then packets), each device's RX and TX packets.
 */
/**
 * Whether device packet counters are compared too (`--devices`). Off by default: they count ARP,
 * and the simulator's unicast ARP probes (NUD DELAY → PROBE) and IP fragments do not yet follow
 * Linux's timing and splitting, so about one case in twenty differs there by a frame or two.
 */
export const compare = { devices: false };

export function normaliseSnmp(snmp: string, snmpCode: number, links: string, linksCode: number): string[] {
  if (snmpCode !== 0) return [`cat exit ${snmpCode}: ${snmp.trim().split('\n')[0] ?? ''}`];
  const lines: string[] = [];
  const rows = snmp.split('\n');
  for (let i = 0; i + 1 < rows.length; i += 2) {
    const names = rows[i]!.split(' ');
    const values = rows[i + 1]!.split(' ');
    const group = names[0]!.replace(/:$/, '');
    for (const f of SNMP_COMPARED[group] ?? []) {
      const k = names.indexOf(f);
      lines.push(`${group}.${f} ${k < 0 ? 'absent' : values[k]}`);
    }
  }
  if (!compare.devices) return lines;
  if (linksCode !== 0) return [...lines, `ip -s link exit ${linksCode}`];
  let dev = '';
  const out = links.split('\n');
  for (let i = 0; i < out.length; i++) {
    const h = /^\d+: ([^:@]+)/.exec(out[i]!);
    if (h) dev = h[1]!;
    const s = /^\s+(RX|TX):/.exec(out[i]!);
    if (s && dev !== '') {
      const nums = (out[i + 1] ?? '').trim().split(/\s+/);
      lines.push(`${dev} ${s[1]} ${nums[1] ?? '?'} packets`);
    }
  }
  return lines;
}
