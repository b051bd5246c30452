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
  | { kind: 'counters'; ns: string; table: string };

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
