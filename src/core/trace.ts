// The contract between the model and whoever records a packet's journey. The kernel calls these
// only when `pkt.trace !== null`, so tracing costs one null check per hop when nobody listens.
// A hop is data, as ns-3's trace sources carry typed arguments: the place, the packet's headers
// at that point, and the kind's own fields. The model never words a hop; trace/ records the
// events and renders them (text, JSON, the xtables TRACE lines). The JSON Schema of these events
// is trace/trace.schema.json.

/** What a hop did, named as the kernel names the step. */
export type HopKind =
  | 'send' // a socket or the kernel emitted the packet
  | 'route' // a FIB lookup and its result
  | 'arp' // neighbour resolution
  | 'xmit' // left a device
  | 'veth' // crossed a veth pair
  | 'bridge' // bridge decision: forward, flood, deliver up
  | 'vxlan' // encapsulation or decapsulation
  | 'xfrm' // an IPsec policy lookup, ESP transformation or decapsulation
  | 'lan' // crossed the physical LAN between hosts
  | 'rcv' // arrived on a device and entered the IP layer
  | 'nf' // a netfilter hook, table, chain or rule
  | 'nat' // an address or port rewrite
  | 'ct' // a conntrack decision
  | 'ipvs' // an IPVS scheduling decision
  | 'forward' // IP forwarding
  | 'icmp' // an ICMP message generated in answer
  | 'deliver' // handed to a socket
  | 'drop'; // discarded

export type Verdict = 'delivered' | 'dropped';

/** A packet's headers as they stand at one hop (addresses dotted, MACs colon-separated). */
export interface Headers {
  eth: { src: string; dst: string; type: number };
  arp?: { op: number; sha: string; spa: string; tha: string; tpa: string };
  ip?: { src: string; dst: string; proto: number; ttl: number; len: number; id: number; tos: number; df: boolean; frag?: { off: number; mf: boolean } };
  tcp?: { sport: number; dport: number; flags: number; seq: number; ack: number; window: number };
  udp?: { sport: number; dport: number };
  icmp?: { type: number; code: number; id: number; seq: number };
  vxlan?: { vni: number };
  esp?: { spi: number; seq: number };
  /** Application bytes after the transport header. */
  payloadLen: number;
  /** What a packet to or from port 7946 carries (memberlist / NetworkDB message kinds, wire/memberlist.ts). */
  gossip?: string[];
  /** What a TCP segment to or from port 2377 starts with: the gRPC method of the control plane's
   *  message, and the Raft message type (wire/swarmrpc.ts), e.g. "Raft.StreamRaftMessage MsgApp". */
  rpc?: string;
  /** The encapsulated frame (VXLAN), the quoted datagram (ICMP error), the protected one (ESP). */
  inner?: Headers;
  /** skb->mark. */
  mark: number;
  /** The conntrack state of the packet's entry (NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED), null without one. */
  ct: string | null;
}

/** A route as the FIB holds it. */
export interface RouteInfo {
  table: number;
  type: string;
  prefix: string;
  gateway: string | null;
  dev: string | null;
  src: string | null;
}

export interface HostPort {
  addr: string;
  /** null when the protocol has no ports. */
  port: number | null;
}

/** The kind's own fields, one shape per kind (and per step within a kind). */
export type HopFields =
  | { kind: 'send' }
  | { kind: 'rcv' }
  | { kind: 'route'; step: 'input'; local: true; dst: string }
  | { kind: 'route'; step: 'output' | 'reroute'; route: RouteInfo }
  | { kind: 'forward'; route: RouteInfo }
  | { kind: 'xmit'; out: string; neighbour: string | null; state: string | null }
  | { kind: 'arp'; op: 'is-at'; ip: string; mac: string }
  | { kind: 'arp'; op: 'who-has'; target: string; sender: string; pending: boolean }
  | { kind: 'veth'; peer: string; peerNetns: string }
  | { kind: 'fragment'; mtu: number; pieces: number }
  | { kind: 'defrag'; offset: number; len: number; more: boolean }
  | { kind: 'bridge'; action: 'local' }
  | { kind: 'bridge'; action: 'forward'; port: string; fdb: string }
  | { kind: 'bridge'; action: 'flood'; ports: string[]; mac: string; group: boolean }
  | { kind: 'lan'; fromHost: string; fromDev: string; toHost: string; toDev: string; /** Extra delay of a `fault: { delay }` on this path. */ delayNs?: number }
  | { kind: 'vxlan'; op: 'encap'; vni: number; local: string; remote: string; dstport: number; fdb: string }
  | { kind: 'vxlan'; op: 'decap'; vni: number; remote: string }
  | { kind: 'xfrm'; op: 'lookup'; policy: string; mark: string | null; proto: string; spi: number; reqid: number; mode: string }
  | { kind: 'xfrm'; op: 'encap' | 'decap'; mode: string; spi: number; seq: number; peer: string }
  | {
      kind: 'nf';
      table: string;
      /** The built-in chain (hook) the walk started from. */
      hook: string;
      chain: string;
      /** Rule number in `chain` (1-based), null for the built-in chain's policy. */
      rule: number | null;
      /** How many rules `chain` holds (a TRACE log numbers the policy after them). */
      chainRules: number;
      /** The hook's in and out devices, null where the hook has none. */
      in: string | null;
      out: string | null;
      /** The rule as `iptables -t TABLE -S` prints it; null for the policy. */
      spec: string | null;
      /** The target as the trace words it (`DNAT to:172.18.0.2:8080`), or the policy. */
      target: string;
      /** The rule's (or policy's) counters after this packet. */
      pkts: number;
      bytes: number;
    }
  | { kind: 'ct'; state: string; reply: boolean }
  | { kind: 'nat'; manip: 'DNAT' | 'SNAT' | 'un-DNAT' | 'un-SNAT'; by: 'conntrack' | 'ipvs'; before: HostPort; after: HostPort }
  | { kind: 'ipvs'; op: 'schedule'; service: string; scheduler: string; dest: HostPort; fwd: string }
  | { kind: 'ipvs'; op: 'reply'; before: HostPort; after: HostPort }
  | { kind: 'icmp'; op: 'send' | 'ratelimited'; type: number; code: number; to: string }
  | { kind: 'icmp'; op: 'rst'; addr: string; port: number }
  | {
      kind: 'deliver';
      /** Who took the packet (`udp socket`, `tcp listener`, `ping socket`, …): the trace's verdict reason. */
      reason: string;
      what: 'udp' | 'udp-error' | 'tcp-listener' | 'tcp' | 'tcp-error' | 'echo-request' | 'echo-reply' | 'ping-error';
      addr: string;
      port: number;
      state?: string;
    }
  | {
      kind: 'drop';
      /** The human reason (`no route to host`), the trace's verdict reason. */
      reason: string;
      /** Linux's enum skb_drop_reason without the SKB_DROP_REASON_ prefix, null where Linux has none. */
      skb: string | null;
      /** What the place adds (`no route to 10.9.9.9`). */
      detail: string;
      /** What was sent back about it, filled in by the recorder: an ICMP error, a TCP RST, nothing. */
      answered?: 'icmp' | 'rst' | null;
    };

/** Where a hop happened. `dev` is '' and `ifindex` 0 when no device is involved. */
export interface Place {
  host: string;
  ns: string;
  dev: string;
  ifindex: number;
  /** Simulated time the packet had reached (ns since the simulation began). */
  time: number;
}

/** One recorded hop, as trace/ hands it to renderers and programs. */
export type HopEvent = Place & { pkt: Headers } & HopFields;

/**
 * The packet fields a hop records (wire's Packet has them all). The recorder copies the numbers
 * at the hop and words them (dotted addresses, colon MACs) only when the hop is read: a traced
 * packet pays a few numeric stores per hop, not a header snapshot of strings.
 */
export interface HeaderFields {
  readonly ethSrc: number;
  readonly ethDst: number;
  readonly ethType: number;
  readonly arpOp: number;
  readonly arpSha: number;
  readonly arpSpa: number;
  readonly arpTha: number;
  readonly arpTpa: number;
  readonly ipSrc: number;
  readonly ipDst: number;
  readonly ipProto: number;
  readonly ipTtl: number;
  readonly ipId: number;
  readonly ipTos: number;
  readonly ipDf: boolean;
  /** Set on a fragment (the datagram it is a piece of); its offset and More Fragments. */
  readonly fragOf: object | null;
  readonly ipFragOff: number;
  readonly ipMf: boolean;
  readonly sport: number;
  readonly dport: number;
  readonly tcpFlags: number;
  readonly tcpSeq: number;
  readonly tcpAck: number;
  readonly tcpWindow: number;
  readonly icmpType: number;
  readonly icmpCode: number;
  readonly icmpId: number;
  readonly icmpSeq: number;
  readonly espSpi: number;
  readonly espSeq: number;
  readonly vni: number;
  readonly payloadLen: number;
  /** Application bytes, where the model carries them (7946's memberlist messages are read from them). */
  readonly payload: Uint8Array | null;
  readonly mark: number;
  readonly inner: HeaderFields | null;
  /** Simulated time the packet has reached (the hop's `time`). */
  readonly tstamp: number;
  ipTotalLength(): number;
}

/** The namespace a hop happened in, as the recorder reads it (the kernel's Netns). */
export interface TraceNetns {
  readonly host: { readonly name: string };
  readonly label: string;
}

/** The device a hop happened on, as the recorder reads it (the kernel's NetDevice). */
export interface TraceDevice {
  readonly name: string;
  readonly ifindex: number;
}

export interface TraceLeg {
  /**
   * Records one hop (any kind but deliver and drop): the kind's fields, where (`dev` null when no
   * device is involved), the packet as it stands now, and its conntrack state (null: none).
   */
  hop(f: HopFields, ns: TraceNetns, dev: TraceDevice | null, pkt: HeaderFields, ct: string | null): void;
  /** Ends this leg with a deliver or drop event (same arguments as hop). */
  end(f: HopFields, ns: TraceNetns, dev: TraceDevice | null, pkt: HeaderFields, ct: string | null): void;
  /** A copy of the packet goes another way (bridge flood): its own leg, under this one. */
  branch(): TraceLeg;
  /** The answer this packet provoked (echo reply, TCP reply, ICMP error): a new leg, reply direction;
   *  null when the answer is not to be traced. */
  reply(): TraceLeg | null;
}
