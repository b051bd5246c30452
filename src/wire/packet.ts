// The packet as the simulated kernel carries it: one object of a fixed shape with numeric header
// fields, rewritten in place by NAT and routing (no copy per hop). It is the "repr" side of the wire
// codecs in this folder: encode.ts turns it into real bytes and back (for pcap export and the DNS
// payloads). Addresses are uint32 / 48-bit numbers (core/addr.ts).
//
// Field groups follow the headers: Ethernet, then ARP or IPv4, then ICMP/UDP/TCP. A VXLAN packet is
// an outer Ethernet/IPv4/UDP packet whose `inner` holds the encapsulated frame; an ICMP error quotes
// the offending datagram in `inner` (its IPv4 header and first 8 bytes of transport header); an ESP
// packet in transport mode (esp.ts) holds in `inner` the datagram it protects, in clear.
import type { TraceLeg } from '../core/trace.js';

export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ESP = 50;

export const ARPOP_REQUEST = 1;
export const ARPOP_REPLY = 2;

export const ICMP_ECHOREPLY = 0;
export const ICMP_DEST_UNREACH = 3;
export const ICMP_ECHO = 8;
export const ICMP_TIME_EXCEEDED = 11;
// Codes of ICMP_DEST_UNREACH.
export const ICMP_NET_UNREACH = 0;
export const ICMP_HOST_UNREACH = 1;
export const ICMP_PROT_UNREACH = 2;
export const ICMP_PORT_UNREACH = 3;
export const ICMP_FRAG_NEEDED = 4;
export const ICMP_NET_PROHIBITED = 9;
export const ICMP_HOST_PROHIBITED = 10;
export const ICMP_PKT_FILTERED = 13;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

// TCP options a segment carries (Packet.tcpOpts bits), written in Linux's order (tcp_options_write).
export const TCPOPT_F_MSS = 1;
export const TCPOPT_F_SACK_PERM = 2;
export const TCPOPT_F_TS = 4;
export const TCPOPT_F_WSCALE = 8;

/** Bytes of options the bits make, padded as Linux pads them: MSS 4; SACK-permitted and
 *  timestamps 12 together (or NOP NOP + either); NOP + window scale 4. */
export function tcpOptionsLength(opts: number): number {
  if (opts === 0) return 0;
  return (opts & TCPOPT_F_MSS ? 4 : 0) + (opts & TCPOPT_F_TS ? 12 : opts & TCPOPT_F_SACK_PERM ? 4 : 0) + (opts & TCPOPT_F_WSCALE ? 4 : 0);
}

export const VXLAN_PORT = 4789;

export const ETH_HLEN = 14;
export const IP_HLEN = 20;
export const UDP_HLEN = 8;
export const TCP_HLEN = 20;
export const ICMP_HLEN = 8;
export const VXLAN_HLEN = 8;
/** ESP header: SPI and sequence number (RFC 4303). */
export const ESP_HLEN = 8;
/** rfc4106(gcm(aes)) as Docker configures it: an 8-byte IV after the header, a 64-bit ICV at the end. */
export const ESP_IV_LEN = 8;
export const ESP_ICV_LEN = 8;

/** Bytes of padding so that the payload plus pad length and next header end on 4 bytes (esp4 with GCM). */
export function espPadLen(payloadLen: number): number {
  return (4 - ((payloadLen + 2) & 3)) & 3;
}


export class Packet {
  // Ethernet
  ethSrc = 0;
  ethDst = 0;
  ethType = ETH_P_IP;

  // ARP (ethType ETH_P_ARP), for Ethernet/IPv4 only
  arpOp = 0;
  arpSha = 0;
  arpSpa = 0;
  arpTha = 0;
  arpTpa = 0;

  // IPv4
  ipSrc = 0;
  ipDst = 0;
  ipTtl = 64;
  ipProto = 0;
  ipId = 0;
  ipTos = 0;
  ipDf = false;
  /** A fragment (kernel/frag.ts): the whole datagram it is a piece of; null for a whole datagram. */
  fragOf: Packet | null = null;
  /** A fragment's offset in its datagram's payload (bytes), the bytes it carries, and MF. */
  ipFragOff = 0;
  fragLen = 0;
  ipMf = false;
  /** IPCB(skb)->frag_max_size: a datagram reassembled here leaves in pieces no larger than this. */
  fragMax = 0;

  // TCP / UDP ports
  sport = 0;
  dport = 0;
  // TCP
  tcpFlags = 0;
  tcpSeq = 0;
  tcpAck = 0;
  tcpWindow = 64240;
  /** TCPOPT_F_* bits: which options the header carries (0: none, a 20-byte header). */
  tcpOpts = 0;
  tcpMss = 0;
  tcpWscale = 0;
  tcpTsVal = 0;
  tcpTsEcr = 0;
  // ICMP
  icmpType = 0;
  icmpCode = 0;
  /** Echo identifier, or for "fragmentation needed" the next-hop MTU. */
  icmpId = 0;
  icmpSeq = 0;

  // VXLAN (outer UDP to port 4789 carrying `inner`)
  vni = 0;
  // ESP (IP protocol 50 carrying `inner`)
  espSpi = 0;
  espSeq = 0;

  /** Application bytes (UDP/TCP data, ICMP echo data). Null with payloadLen > 0 means zero-filled. */
  payload: Uint8Array | null = null;
  payloadLen = 0;
  /** VXLAN: the encapsulated frame. ICMP error: the quoted datagram. */
  inner: Packet | null = null;

  // skb metadata, not on the wire
  mark = 0;
  /** Conntrack entry attached by the kernel (kernel/netfilter/conntrack.ts). */
  ct: object | null = null;
  /** skb->sp: the XFRM state that decapsulated this datagram (kernel/xfrm.ts); null when it came in clear. */
  secpath: object | null = null;
  /** skb_dst(skb)->xfrm: the XFRM state the output route bundled, to be applied after POSTROUTING. */
  xfrm: object | null = null;
  /** Trace recorder when this packet is traced; null costs nothing. */
  trace: TraceLeg | null = null;
  /** Simulated time this packet has reached (ns): each hop adds its latency, see kernel/latency.ts. */
  tstamp = 0;
  /** Nested hops taken inside one synchronous walk; guards against forwarding loops. */
  depth = 0;

  /** Length of the IPv4 datagram (header included) this packet makes on the wire. */
  ipTotalLength(): number {
    if (this.fragOf !== null) return IP_HLEN + this.fragLen;
    return IP_HLEN + this.l4Length();
  }

  /** Length of the transport header and data. */
  l4Length(): number {
    // The common shapes first, the rest apart: this is inlined into nearly every hop, and V8
    // counts a callee's whole bytecode against the caller's inlining budget.
    const proto = this.ipProto;
    if (proto === IPPROTO_UDP && this.inner === null) return UDP_HLEN + this.payloadLen;
    if (proto === IPPROTO_TCP && this.tcpOpts === 0) return TCP_HLEN + this.payloadLen;
    return this.l4LengthOf();
  }

  private l4LengthOf(): number {
    switch (this.ipProto) {
      case IPPROTO_UDP:
        return UDP_HLEN + (this.inner !== null && this.vni !== 0 ? VXLAN_HLEN + this.inner.frameLength() : this.payloadLen);
      case IPPROTO_TCP:
        return TCP_HLEN + tcpOptionsLength(this.tcpOpts) + this.payloadLen;
      case IPPROTO_ICMP:
        return ICMP_HLEN + (this.inner !== null ? IP_HLEN + 8 : this.payloadLen);
      case IPPROTO_ESP: {
        if (this.inner === null) return this.payloadLen;
        const n = this.inner.l4Length();
        return ESP_HLEN + ESP_IV_LEN + n + espPadLen(n) + 2 + ESP_ICV_LEN;
      }
      default:
        return this.payloadLen;
    }
  }

  /** Length of the Ethernet frame without FCS. */
  frameLength(): number {
    return ETH_HLEN + (this.ethType === ETH_P_ARP ? 28 : this.ipTotalLength());
  }

  /** The IPv4 header's fields of `from` (addresses, TTL, TOS, ID, DF, protocol): what a packet
   *  built from another keeps — a fragment, an ESP datagram around its cleartext, the cleartext
   *  decrypted from one. The caller sets what differs (the protocol of ESP, DF of a fragment). */
  takeIpHeader(from: Packet): void {
    this.ethType = from.ethType;
    this.ipSrc = from.ipSrc;
    this.ipDst = from.ipDst;
    this.ipTtl = from.ipTtl;
    this.ipProto = from.ipProto;
    this.ipId = from.ipId;
    this.ipTos = from.ipTos;
    this.ipDf = from.ipDf;
  }

  /** A deep copy (the kernel copies only where Linux clones an skb: flooding, quoting in ICMP). */
  clone(): Packet {
    const p = new Packet();
    p.ethSrc = this.ethSrc;
    p.ethDst = this.ethDst;
    p.ethType = this.ethType;
    p.arpOp = this.arpOp;
    p.arpSha = this.arpSha;
    p.arpSpa = this.arpSpa;
    p.arpTha = this.arpTha;
    p.arpTpa = this.arpTpa;
    p.ipSrc = this.ipSrc;
    p.ipDst = this.ipDst;
    p.ipTtl = this.ipTtl;
    p.ipProto = this.ipProto;
    p.ipId = this.ipId;
    p.ipTos = this.ipTos;
    p.ipDf = this.ipDf;
    p.fragOf = this.fragOf;
    p.ipFragOff = this.ipFragOff;
    p.fragLen = this.fragLen;
    p.ipMf = this.ipMf;
    p.fragMax = this.fragMax;
    p.sport = this.sport;
    p.dport = this.dport;
    p.tcpFlags = this.tcpFlags;
    p.tcpSeq = this.tcpSeq;
    p.tcpAck = this.tcpAck;
    p.tcpWindow = this.tcpWindow;
    p.tcpOpts = this.tcpOpts;
    p.tcpMss = this.tcpMss;
    p.tcpWscale = this.tcpWscale;
    p.tcpTsVal = this.tcpTsVal;
    p.tcpTsEcr = this.tcpTsEcr;
    p.icmpType = this.icmpType;
    p.icmpCode = this.icmpCode;
    p.icmpId = this.icmpId;
    p.icmpSeq = this.icmpSeq;
    p.vni = this.vni;
    p.espSpi = this.espSpi;
    p.espSeq = this.espSeq;
    p.payload = this.payload;
    p.payloadLen = this.payloadLen;
    p.inner = this.inner === null ? null : this.inner.clone();
    p.mark = this.mark;
    p.ct = this.ct;
    p.secpath = this.secpath;
    p.xfrm = this.xfrm;
    p.trace = this.trace;
    p.tstamp = this.tstamp;
    p.depth = this.depth;
    return p;
  }
}
