// The per-namespace MIB counters Linux keeps and `netstat -s`, `nstat` and /proc/net/snmp print
// (include/uapi/linux/snmp.h; net/ipv4/proc.c names the fields). One owner: the namespace; the
// packet path increments the fields by their Linux names, user-space tools only read them.
// Groups and field order follow /proc/net/snmp (snmp4_ipstats_list, snmp4_tcp_list, …).

export const IP_FIELDS = [
  'Forwarding', 'DefaultTTL', 'InReceives', 'InHdrErrors', 'InAddrErrors', 'ForwDatagrams',
  'InUnknownProtos', 'InDiscards', 'InDelivers', 'OutRequests', 'OutDiscards', 'OutNoRoutes',
  'ReasmTimeout', 'ReasmReqds', 'ReasmOKs', 'ReasmFails', 'FragOKs', 'FragFails', 'FragCreates', 'OutTransmits',
] as const;
export const ICMP_FIELDS = [
  'InMsgs', 'InErrors', 'InCsumErrors', 'InDestUnreachs', 'InTimeExcds', 'InParmProbs', 'InSrcQuenchs',
  'InRedirects', 'InEchos', 'InEchoReps', 'InTimestamps', 'InTimestampReps', 'InAddrMasks',
  'InAddrMaskReps', 'OutMsgs', 'OutErrors', 'OutRateLimitGlobal', 'OutRateLimitHost', 'OutDestUnreachs',
  'OutTimeExcds', 'OutParmProbs', 'OutSrcQuenchs', 'OutRedirects', 'OutEchos', 'OutEchoReps',
  'OutTimestamps', 'OutTimestampReps', 'OutAddrMasks', 'OutAddrMaskReps',
] as const;
export const TCP_FIELDS = [
  'RtoAlgorithm', 'RtoMin', 'RtoMax', 'MaxConn', 'ActiveOpens', 'PassiveOpens', 'AttemptFails',
  'EstabResets', 'CurrEstab', 'InSegs', 'OutSegs', 'RetransSegs', 'InErrs', 'OutRsts', 'InCsumErrors',
] as const;
export const UDP_FIELDS = [
  'InDatagrams', 'NoPorts', 'InErrors', 'OutDatagrams', 'RcvbufErrors', 'SndbufErrors', 'InCsumErrors',
  'IgnoredMulti', 'MemErrors',
] as const;

export type IpField = (typeof IP_FIELDS)[number];
export type IcmpField = (typeof ICMP_FIELDS)[number];
export type TcpField = (typeof TCP_FIELDS)[number];
export type UdpField = (typeof UDP_FIELDS)[number];

function zeros<K extends string>(fields: readonly K[]): Record<K, number> {
  const r = {} as Record<K, number>;
  for (const f of fields) r[f] = 0;
  return r;
}

/** icmpmibmap (net/ipv4/proc.c): the Icmp field each message type counts in, by direction. */
const ICMP_IN: Readonly<Record<number, IcmpField>> = {
  0: 'InEchoReps', 3: 'InDestUnreachs', 4: 'InSrcQuenchs', 5: 'InRedirects', 8: 'InEchos', 11: 'InTimeExcds',
  12: 'InParmProbs', 13: 'InTimestamps', 14: 'InTimestampReps', 17: 'InAddrMasks', 18: 'InAddrMaskReps',
};
const ICMP_OUT: Readonly<Record<number, IcmpField>> = {
  0: 'OutEchoReps', 3: 'OutDestUnreachs', 4: 'OutSrcQuenchs', 5: 'OutRedirects', 8: 'OutEchos', 11: 'OutTimeExcds',
  12: 'OutParmProbs', 13: 'OutTimestamps', 14: 'OutTimestampReps', 17: 'OutAddrMasks', 18: 'OutAddrMaskReps',
};

/** What a namespace that never saw an ICMP message reads as its IcmpMsg counters (never written). */
const NO_ICMP_MSGS = new Float64Array(256);

/** One namespace's counters. Plain objects with fixed shapes: an increment is one property write. */
export class Snmp {
  readonly Ip = zeros(IP_FIELDS);
  readonly Icmp = zeros(ICMP_FIELDS);
  // IcmpMsg by type: 4 KiB a namespace, allocated at its first ICMP message (most of a swarm's
  // namespaces, its tasks', never see one).
  private msgIn = NO_ICMP_MSGS;
  private msgOut = NO_ICMP_MSGS;
  readonly Tcp = zeros(TCP_FIELDS);
  readonly Udp = zeros(UDP_FIELDS);

  /** IcmpMsg: messages by type, received and sent (ICMPMSG_IN_INC_STATS / ICMPMSG_OUT_INC_STATS). */
  get IcmpMsgIn(): Readonly<Float64Array> {
    return this.msgIn;
  }

  get IcmpMsgOut(): Readonly<Float64Array> {
    return this.msgOut;
  }

  /** icmp_rcv: one message of `type` received. */
  icmpIn(type: number): void {
    this.Icmp.InMsgs++;
    if (this.msgIn === NO_ICMP_MSGS) this.msgIn = new Float64Array(256);
    this.msgIn[type & 0xff]!++;
    const f = ICMP_IN[type];
    if (f !== undefined) this.Icmp[f]++;
  }

  /** icmp_out_count: one message of `type` sent. */
  icmpOut(type: number): void {
    this.Icmp.OutMsgs++;
    if (this.msgOut === NO_ICMP_MSGS) this.msgOut = new Float64Array(256);
    this.msgOut[type & 0xff]!++;
    const f = ICMP_OUT[type];
    if (f !== undefined) this.Icmp[f]++;
  }

  constructor() {
    // Constants Linux reports in these groups (net/ipv4/proc.c, tcp's RFC 2012 values).
    this.Ip.Forwarding = 2; // 1 when ip_forward is on; read through the namespace's sysctl
    this.Ip.DefaultTTL = 64;
    this.Tcp.RtoAlgorithm = 1;
    this.Tcp.RtoMin = 200;
    this.Tcp.RtoMax = 120000;
    this.Tcp.MaxConn = -1;
  }
}
