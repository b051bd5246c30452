// A packet's headers as plain data (core/trace.ts Headers), for trace events, and back: the trace
// renderers rebuild a Packet from them to word it with describe.ts exactly as the hop saw it.
// Off the packet path: only traced packets are snapshotted.
import { formatIp4, formatMac, parseIp4, parseMac } from '../core/addr.js';
import type { Headers } from '../core/trace.js';
import { gossipKinds, streamGossipKind, GOSSIP_PORT } from './memberlist.js';
import { ETH_P_ARP, ETH_P_IP, IPPROTO_ESP, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, Packet } from './packet.js';

/** The headers of `pkt` now; `ct` is the conntrack state the kernel names for it (null: none). */
export function headersOf(pkt: Packet, ct: string | null): Headers {
  const h = { eth: { src: formatMac(pkt.ethSrc), dst: formatMac(pkt.ethDst), type: pkt.ethType } } as Headers;
  if (pkt.ethType === ETH_P_ARP) {
    h.arp = { op: pkt.arpOp, sha: formatMac(pkt.arpSha), spa: formatIp4(pkt.arpSpa), tha: formatMac(pkt.arpTha), tpa: formatIp4(pkt.arpTpa) };
  } else if (pkt.ethType === ETH_P_IP) {
    h.ip = { src: formatIp4(pkt.ipSrc), dst: formatIp4(pkt.ipDst), proto: pkt.ipProto, ttl: pkt.ipTtl, len: pkt.ipTotalLength(), id: pkt.ipId, tos: pkt.ipTos, df: pkt.ipDf };
    if (pkt.fragOf !== null) h.ip.frag = { off: pkt.ipFragOff, mf: pkt.ipMf };
    switch (pkt.ipProto) {
      case IPPROTO_TCP:
        h.tcp = { sport: pkt.sport, dport: pkt.dport, flags: pkt.tcpFlags, seq: pkt.tcpSeq >>> 0, ack: pkt.tcpAck >>> 0, window: pkt.tcpWindow };
        break;
      case IPPROTO_UDP:
        h.udp = { sport: pkt.sport, dport: pkt.dport };
        break;
      case IPPROTO_ICMP:
        h.icmp = { type: pkt.icmpType, code: pkt.icmpCode, id: pkt.icmpId, seq: pkt.icmpSeq };
        break;
      case IPPROTO_ESP:
        h.esp = { spi: pkt.espSpi >>> 0, seq: pkt.espSeq >>> 0 };
        break;
    }
  }
  if (pkt.vni !== 0) h.vxlan = { vni: pkt.vni };
  if (pkt.inner !== null) h.inner = headersOf(pkt.inner, null);
  h.payloadLen = pkt.payloadLen;
  const gossip = gossipOf(pkt);
  if (gossip !== null) h.gossip = gossip;
  h.mark = pkt.mark;
  h.ct = ct;
  return h;
}

/** A Packet with these headers (no payload bytes: only their length). */
export function packetOf(h: Headers): Packet {
  const p = new Packet();
  p.ethSrc = parseMac(h.eth.src) ?? 0;
  p.ethDst = parseMac(h.eth.dst) ?? 0;
  p.ethType = h.eth.type;
  if (h.arp !== undefined) {
    p.arpOp = h.arp.op;
    p.arpSha = parseMac(h.arp.sha) ?? 0;
    p.arpSpa = parseIp4(h.arp.spa) ?? 0;
    p.arpTha = parseMac(h.arp.tha) ?? 0;
    p.arpTpa = parseIp4(h.arp.tpa) ?? 0;
  }
  if (h.ip !== undefined) {
    p.ipSrc = parseIp4(h.ip.src) ?? 0;
    p.ipDst = parseIp4(h.ip.dst) ?? 0;
    p.ipProto = h.ip.proto;
    p.ipTtl = h.ip.ttl;
    p.ipId = h.ip.id;
    p.ipTos = h.ip.tos;
    p.ipDf = h.ip.df;
    if (h.ip.frag !== undefined) {
      // A piece: only its place and size in the datagram are known here.
      p.fragOf = new Packet();
      p.ipFragOff = h.ip.frag.off;
      p.ipMf = h.ip.frag.mf;
      p.fragLen = h.ip.len - 20;
    }
  }
  const l4 = h.tcp ?? h.udp;
  if (l4 !== undefined) {
    p.sport = l4.sport;
    p.dport = l4.dport;
  }
  if (h.tcp !== undefined) {
    p.tcpFlags = h.tcp.flags;
    p.tcpSeq = h.tcp.seq;
    p.tcpAck = h.tcp.ack;
    p.tcpWindow = h.tcp.window;
  }
  if (h.icmp !== undefined) {
    p.icmpType = h.icmp.type;
    p.icmpCode = h.icmp.code;
    p.icmpId = h.icmp.id;
    p.icmpSeq = h.icmp.seq;
  }
  if (h.esp !== undefined) {
    p.espSpi = h.esp.spi;
    p.espSeq = h.esp.seq;
  }
  if (h.vxlan !== undefined) p.vni = h.vxlan.vni;
  p.payloadLen = h.payloadLen;
  p.mark = h.mark;
  if (h.inner !== undefined) p.inner = packetOf(h.inner);
  return p;
}

/** The memberlist / NetworkDB messages in a 7946 packet: every UDP datagram, and the TCP segment
 *  that opens a push-pull or reliable send (later segments of the stream carry no header). */
function gossipOf(pkt: Packet): string[] | null {
  if (pkt.ethType !== ETH_P_IP || pkt.payload === null || (pkt.sport !== GOSSIP_PORT && pkt.dport !== GOSSIP_PORT)) return null;
  if (pkt.ipProto === IPPROTO_UDP && pkt.vni === 0) return gossipKinds(pkt.payload);
  if (pkt.ipProto === IPPROTO_TCP) {
    const k = streamGossipKind(pkt.payload);
    return k === null ? null : [k];
  }
  return null;
}
