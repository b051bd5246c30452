// A packet's headers as plain data (core/trace.ts Headers), for trace events, and back: the trace
// renderers rebuild a Packet from them to word it with describe.ts exactly as the hop saw it.
// A traced hop keeps its headers as numbers (snapHeaders); they are worded when the hop is read.
import { formatIp4, formatMac, parseIp4, parseMac } from '../core/addr.js';
import type { HeaderFields, Headers } from '../core/trace.js';
import { gossipKinds, streamGossipKind, GOSSIP_PORT } from './memberlist.js';
import { rpcLabel, SWARM_PORT } from './swarmrpc.js';
import { ETH_P_ARP, ETH_P_IP, IPPROTO_ESP, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, Packet } from './packet.js';

/** The headers of `pkt` now; `ct` is the conntrack state the kernel names for it (null: none). */
export function headersOf(pkt: HeaderFields, ct: string | null): Headers {
  const a: number[] = [];
  const lists: string[][] = [];
  snapHeaders(pkt, a, lists);
  return headersAt(a, lists, 0, ct);
}

/**
 * Appends the numbers of `pkt`'s headers to `out` (what a traced hop keeps): Ethernet, then ARP or
 * IPv4 and its transport, VXLAN's VNI, the inner packet (recursively), payload length, the
 * memberlist messages of a 7946 packet (their kinds are read from the payload now, into `lists`,
 * and the index goes to `out`; -1 for any other packet), likewise the RPC a 2377 segment starts,
 * and mark. headersAt() reads them back in
 * the same order. No strings and no objects for other packets: this runs per hop.
 */
export function snapHeaders(pkt: HeaderFields, out: number[], lists: string[][]): void {
  out.push(pkt.ethSrc, pkt.ethDst, pkt.ethType);
  if (pkt.ethType === ETH_P_ARP) {
    out.push(pkt.arpOp, pkt.arpSha, pkt.arpSpa, pkt.arpTha, pkt.arpTpa);
  } else if (pkt.ethType === ETH_P_IP) {
    out.push(pkt.ipSrc, pkt.ipDst, pkt.ipProto, pkt.ipTtl, pkt.ipTotalLength(), pkt.ipId, pkt.ipTos, pkt.ipDf ? 1 : 0);
    // A fragment: whether it is one, its offset and More Fragments (kept as numbers too).
    out.push(pkt.fragOf !== null ? 1 : 0, pkt.ipFragOff, pkt.ipMf ? 1 : 0);
    switch (pkt.ipProto) {
      case IPPROTO_TCP:
        out.push(pkt.sport, pkt.dport, pkt.tcpFlags, pkt.tcpSeq >>> 0, pkt.tcpAck >>> 0, pkt.tcpWindow);
        break;
      case IPPROTO_UDP:
        out.push(pkt.sport, pkt.dport);
        break;
      case IPPROTO_ICMP:
        out.push(pkt.icmpType, pkt.icmpCode, pkt.icmpId, pkt.icmpSeq);
        break;
      case IPPROTO_ESP:
        out.push(pkt.espSpi >>> 0, pkt.espSeq >>> 0);
        break;
    }
  }
  out.push(pkt.vni);
  if (pkt.inner !== null) {
    out.push(1);
    snapHeaders(pkt.inner, out, lists);
  } else out.push(0);
  const gossip = gossipOf(pkt);
  if (gossip !== null) lists.push(gossip);
  const gi = gossip === null ? -1 : lists.length - 1;
  const rpc = rpcOf(pkt);
  if (rpc !== null) lists.push([rpc]);
  out.push(pkt.payloadLen, gi, rpc === null ? -1 : lists.length - 1, pkt.mark);
}

/** The headers snapHeaders() wrote at `a[off]`, worded as trace events carry them. */
export function headersAt(a: readonly number[], lists: readonly string[][], off: number, ct: string | null): Headers {
  const pos = { i: off };
  return readHeaders(a, lists, pos, ct);
}

function readHeaders(a: readonly number[], lists: readonly string[][], pos: { i: number }, ct: string | null): Headers {
  let i = pos.i;
  const ethType = a[i + 2]!;
  const h = { eth: { src: formatMac(a[i]!), dst: formatMac(a[i + 1]!), type: ethType } } as Headers;
  i += 3;
  if (ethType === ETH_P_ARP) {
    h.arp = { op: a[i]!, sha: formatMac(a[i + 1]!), spa: formatIp4(a[i + 2]!), tha: formatMac(a[i + 3]!), tpa: formatIp4(a[i + 4]!) };
    i += 5;
  } else if (ethType === ETH_P_IP) {
    const proto = a[i + 2]!;
    h.ip = { src: formatIp4(a[i]!), dst: formatIp4(a[i + 1]!), proto, ttl: a[i + 3]!, len: a[i + 4]!, id: a[i + 5]!, tos: a[i + 6]!, df: a[i + 7] === 1 };
    if (a[i + 8] === 1) h.ip.frag = { off: a[i + 9]!, mf: a[i + 10] === 1 };
    i += 11;
    switch (proto) {
      case IPPROTO_TCP:
        h.tcp = { sport: a[i]!, dport: a[i + 1]!, flags: a[i + 2]!, seq: a[i + 3]!, ack: a[i + 4]!, window: a[i + 5]! };
        i += 6;
        break;
      case IPPROTO_UDP:
        h.udp = { sport: a[i]!, dport: a[i + 1]! };
        i += 2;
        break;
      case IPPROTO_ICMP:
        h.icmp = { type: a[i]!, code: a[i + 1]!, id: a[i + 2]!, seq: a[i + 3]! };
        i += 4;
        break;
      case IPPROTO_ESP:
        h.esp = { spi: a[i]!, seq: a[i + 1]! };
        i += 2;
        break;
    }
  }
  const vni = a[i++]!;
  if (vni !== 0) h.vxlan = { vni };
  if (a[i++] === 1) {
    pos.i = i;
    h.inner = readHeaders(a, lists, pos, null);
    i = pos.i;
  }
  h.payloadLen = a[i]!;
  const gossip = a[i + 1]!;
  if (gossip >= 0) h.gossip = [...lists[gossip]!];
  const rpc = a[i + 2]!;
  if (rpc >= 0) h.rpc = lists[rpc]![0]!;
  h.mark = a[i + 3]!;
  h.ct = ct;
  pos.i = i + 4;
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

/** The control plane's RPC a 2377 TCP segment starts (none for one in the middle of a frame). */
function rpcOf(pkt: HeaderFields): string | null {
  if (pkt.ethType !== ETH_P_IP || pkt.ipProto !== IPPROTO_TCP || pkt.payload === null || (pkt.sport !== SWARM_PORT && pkt.dport !== SWARM_PORT)) return null;
  return rpcLabel(pkt.payload);
}

/** The memberlist / NetworkDB messages in a 7946 packet: every UDP datagram, and the TCP segment
 *  that opens a push-pull or reliable send (later segments of the stream carry no header). */
function gossipOf(pkt: HeaderFields): string[] | null {
  if (pkt.ethType !== ETH_P_IP || pkt.payload === null || (pkt.sport !== GOSSIP_PORT && pkt.dport !== GOSSIP_PORT)) return null;
  if (pkt.ipProto === IPPROTO_UDP && pkt.vni === 0) return gossipKinds(pkt.payload);
  if (pkt.ipProto === IPPROTO_TCP) {
    const k = streamGossipKind(pkt.payload);
    return k === null ? null : [k];
  }
  return null;
}
