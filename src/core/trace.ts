// The contract between the model and whoever records a packet's journey. The kernel calls these
// only when `pkt.trace !== null`, so tracing costs one null check per hop when nobody listens.
// The recorder lives in sim/trace.ts; rendering lives in trace/.

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

export interface TraceLeg {
  /** Records one hop at a place (host, namespace, device may be empty). */
  hop(kind: HopKind, host: string, ns: string, dev: string, text: string): void;
  /** Ends this leg. */
  end(verdict: Verdict, reason: string, host: string, ns: string, dev: string, text: string): void;
  /** A copy of the packet goes another way (bridge flood): its own leg, under this one. */
  branch(): TraceLeg;
  /** The answer this packet provoked (echo reply, TCP reply, ICMP error): a new leg, reply direction;
   *  null when the answer is not to be traced. */
  reply(): TraceLeg | null;
}
