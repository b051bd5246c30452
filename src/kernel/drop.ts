// Why a packet was discarded. Every drop names one of these, with the place and a detail, so a
// trace can always say why (the kernel's own list is enum skb_drop_reason; names follow it where
// one exists).
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
  Loop: 'forwarding loop (hop limit)',
  Netfilter: 'netfilter',
  NoSocketBuffer: 'socket closed',
  Unsupported: 'unsupported protocol',
} as const;
export type Drop = (typeof Drop)[keyof typeof Drop];
