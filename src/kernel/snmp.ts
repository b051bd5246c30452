// The per-namespace MIB counters Linux keeps and `netstat -s`, `nstat` and /proc/net/snmp print
// (include/uapi/linux/snmp.h; net/ipv4/proc.c names the fields). One owner: the namespace; the
// packet path increments the fields by their Linux names, user-space tools only read them.
// Groups and field order follow /proc/net/snmp (snmp4_ipstats_list, snmp4_tcp_list, …).

// Each group is a class with its fields declared in /proc/net/snmp's order, so that every
// namespace's counters have one fixed shape and an increment is one property write. (An object
// built key by key, as these once were, goes to dictionary mode past a dozen properties: every
// Ip counter the packet path bumped, five to ten per packet, was a hash-table lookup.)
/** Ip: snmp4_ipstats_list. */
export class IpMib {
  Forwarding = 0; DefaultTTL = 0; InReceives = 0; InHdrErrors = 0; InAddrErrors = 0;
  ForwDatagrams = 0; InUnknownProtos = 0; InDiscards = 0; InDelivers = 0; OutRequests = 0;
  OutDiscards = 0; OutNoRoutes = 0; ReasmTimeout = 0; ReasmReqds = 0; ReasmOKs = 0; ReasmFails = 0;
  FragOKs = 0; FragFails = 0; FragCreates = 0; OutTransmits = 0;
}
/** Icmp: the ICMP_MIB_* fields in icmp_put order. */
export class IcmpMib {
  InMsgs = 0; InErrors = 0; InCsumErrors = 0; InDestUnreachs = 0; InTimeExcds = 0; InParmProbs = 0;
  InSrcQuenchs = 0; InRedirects = 0; InEchos = 0; InEchoReps = 0; InTimestamps = 0;
  InTimestampReps = 0; InAddrMasks = 0; InAddrMaskReps = 0; OutMsgs = 0; OutErrors = 0;
  OutRateLimitGlobal = 0; OutRateLimitHost = 0; OutDestUnreachs = 0; OutTimeExcds = 0;
  OutParmProbs = 0; OutSrcQuenchs = 0; OutRedirects = 0; OutEchos = 0; OutEchoReps = 0;
  OutTimestamps = 0; OutTimestampReps = 0; OutAddrMasks = 0; OutAddrMaskReps = 0;
}
/** Tcp: snmp4_tcp_list. */
export class TcpMib {
  RtoAlgorithm = 0; RtoMin = 0; RtoMax = 0; MaxConn = 0; ActiveOpens = 0; PassiveOpens = 0;
  AttemptFails = 0; EstabResets = 0; CurrEstab = 0; InSegs = 0; OutSegs = 0; RetransSegs = 0;
  InErrs = 0; OutRsts = 0; InCsumErrors = 0;
}
/** Udp (and UdpLite): snmp4_udp_list. */
export class UdpMib {
  InDatagrams = 0; NoPorts = 0; InErrors = 0; OutDatagrams = 0; RcvbufErrors = 0; SndbufErrors = 0;
  InCsumErrors = 0; IgnoredMulti = 0; MemErrors = 0;
}

export type IpField = keyof IpMib;
export type IcmpField = keyof IcmpMib;
export type TcpField = keyof TcpMib;
export type UdpField = keyof UdpMib;

/** Each group's fields in the order /proc/net/snmp prints them (their declaration order). */
export const IP_FIELDS = Object.keys(new IpMib()) as readonly IpField[];
export const ICMP_FIELDS = Object.keys(new IcmpMib()) as readonly IcmpField[];
export const TCP_FIELDS = Object.keys(new TcpMib()) as readonly TcpField[];
export const UDP_FIELDS = Object.keys(new UdpMib()) as readonly UdpField[];

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

/** One namespace's counters. */
export class Snmp {
  readonly Ip = new IpMib();
  readonly Icmp = new IcmpMib();
  // IcmpMsg by type: 4 KiB a namespace, allocated at its first ICMP message (most of a swarm's
  // namespaces, its tasks', never see one).
  private msgIn = NO_ICMP_MSGS;
  private msgOut = NO_ICMP_MSGS;
  readonly Tcp = new TcpMib();
  readonly Udp = new UdpMib();

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
