// Why a packet was discarded. Every drop names one of these, with the place and a detail, so a
// trace can always say why. The human text is what traces show; DROP_REASON gives Linux's own
// name for it, enum skb_drop_reason (include/net/dropreason-core.h, what pwru and
// `perf trace -e skb:kfree_skb` print), where Linux has one.
export const Drop = {
  NoRoute: 'no route to host',
  Unreachable: 'unreachable route',
  Blackhole: 'blackhole route',
  Prohibit: 'prohibit route',
  ForwardingDisabled: 'ip_forward disabled',
  TtlExceeded: 'TTL exceeded',
  LinkDown: 'link down',
  NoCarrier: 'no carrier (peer down)',
  FragNeeded: 'packet larger than MTU with DF set',
  FragTimeout: 'fragment reassembly timed out',
  UnderlayMtu: 'frame larger than the underlay path MTU',
  FrameTooLong: 'frame longer than the receiving NIC MTU',
  NeighFailed: 'no ARP answer',
  NoListener: 'no listener',
  OtherHost: 'frame not addressed to this host',
  Martian: 'martian source',
  MartianDest: 'martian destination',
  NoVxlanDest: 'no VXLAN FDB entry for destination',
  NoVxlanDevice: 'no VXLAN device for VNI',
  // XFRM's own counters (/proc/net/xfrm_stat): Linux has no skb_drop_reason for them.
  XfrmInNoStates: 'no IPsec SA for the SPI (XfrmInNoStates)',
  XfrmInStateProtoError: 'ESP payload failed to decrypt (XfrmInStateProtoError)',
  XfrmOutNoStates: 'no IPsec SA for the policy template (XfrmOutNoStates)',
  XfrmPolicyBlock: 'IPsec policy blocks (XfrmOutPolBlock)',
  HostDown: 'host is down',
  Partitioned: 'LAN partition',
  LanBlocked: 'blocked between hosts (security group)',
  LanLoss: 'lost between hosts (packet loss)',
  Loop: 'forwarding loop (hop limit)',
  Netfilter: 'netfilter',
  NoSocketBuffer: 'socket closed',
  Unsupported: 'unsupported protocol',
} as const;
export type Drop = (typeof Drop)[keyof typeof Drop];

/**
 * The skb_drop_reason Linux gives each drop by default (without the SKB_DROP_REASON_ prefix);
 * null where the kernel has none (the simulated LAN, XFRM's counters) or frees the skb without a
 * reason. A call site that knows better passes its own (IP_OUTNOROUTES for a local send,
 * NEIGH_QUEUEFULL for an overflowing ARP queue, IP_NOPROTO for an unknown IP protocol).
 */
export const DROP_REASON: Readonly<Record<Drop, string | null>> = {
  [Drop.NoRoute]: 'IP_INNOROUTES', // ip_error, ENETUNREACH
  [Drop.Unreachable]: 'NOT_SPECIFIED', // ip_error, EHOSTUNREACH with forwarding on
  [Drop.Blackhole]: 'NOT_SPECIFIED', // dst_discard
  [Drop.Prohibit]: 'NOT_SPECIFIED', // ip_error, EACCES
  [Drop.ForwardingDisabled]: 'IP_INADDRERRORS', // ip_error, !IN_DEV_FORWARD
  [Drop.TtlExceeded]: 'IP_INHDR', // ip_forward: too_many_hops
  [Drop.LinkDown]: 'DEV_READY',
  [Drop.NoCarrier]: 'DEV_READY',
  [Drop.FragNeeded]: 'PKT_TOO_BIG',
  [Drop.FragTimeout]: 'FRAG_REASM_TIMEOUT',
  [Drop.UnderlayMtu]: null, // the simulated LAN (a switch) drops it, not a kernel
  [Drop.FrameTooLong]: null, // the receiving NIC's driver (rx_length_errors): no skb is made
  [Drop.NeighFailed]: 'NEIGH_FAILED',
  [Drop.NoListener]: 'NO_SOCKET',
  [Drop.OtherHost]: 'OTHERHOST',
  [Drop.Martian]: 'IP_LOCAL_SOURCE', // fib_validate_source: the source is one of ours
  [Drop.MartianDest]: 'IP_LOCALNET', // ip_route_input_slow: a loopback destination without route_localnet
  [Drop.NoVxlanDest]: 'VXLAN_NO_REMOTE',
  [Drop.NoVxlanDevice]: 'VXLAN_VNI_NOT_FOUND',
  [Drop.XfrmInNoStates]: null,
  [Drop.XfrmInStateProtoError]: null,
  [Drop.XfrmOutNoStates]: null,
  [Drop.XfrmPolicyBlock]: 'XFRM_POLICY',
  [Drop.HostDown]: null,
  [Drop.Partitioned]: null,
  [Drop.LanBlocked]: null, // the cloud network's filter, not a kernel
  [Drop.LanLoss]: null,
  [Drop.Loop]: null,
  [Drop.Netfilter]: 'NETFILTER_DROP',
  [Drop.NoSocketBuffer]: 'SOCKET_CLOSE',
  [Drop.Unsupported]: 'UNHANDLED_PROTO',
};
