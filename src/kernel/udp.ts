// UDP delivery and sending (net/ipv4/udp.c, much reduced): a datagram for a port nobody has bound
// is answered with ICMP port unreachable.
import { formatIp4 } from '../core/addr.js';
import type { Ip4 } from '../core/addr.js';
import type { TraceLeg } from '../core/trace.js';
import { ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, IPPROTO_UDP, Packet } from '../wire/packet.js';
import type { NetDevice } from './device.js';
import { Drop } from './drop.js';
import { icmpSend } from './icmp.js';
import { ipLocalOut } from './ipv4.js';
import { WAKEUP_NS } from './latency.js';
import type { Netns } from './netns.js';
import { dropPacket } from './kfree-skb.js';
import { traceEnd } from './tracepoint.js';

export function udpRcv(ns: Netns, dev: NetDevice, pkt: Packet): void {
  const sock = ns.sockets.udp.get(pkt.dport);
  if (sock === undefined || (sock.addr !== 0 && sock.addr !== pkt.ipDst)) {
    ns.snmp.Udp.NoPorts++;
    icmpSend(ns, pkt, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0, dev);
    return dropPacket(ns, dev, pkt, Drop.NoListener, `nothing listens on UDP ${formatIp4(pkt.ipDst)}:${pkt.dport}`);
  }
  ns.snmp.Udp.InDatagrams++;
  if (sock.kernel) return sock.onDatagram(pkt);
  if (pkt.trace !== null) traceEnd(pkt, ns, dev, { kind: 'deliver', reason: 'udp socket', what: 'udp', addr: formatIp4(pkt.ipDst), port: pkt.dport });
  ns.host.eq.at(pkt.tstamp + WAKEUP_NS, () => sock.onDatagram(pkt));
}

/** Sends one datagram from a socket in `ns`; returns 0 or an errno. */
export function udpSend(ns: Netns, src: Ip4, sport: number, dst: Ip4, dport: number, payload: Uint8Array, trace: TraceLeg | null, at: number): number {
  const p = new Packet();
  p.ipProto = IPPROTO_UDP;
  p.ipSrc = src;
  p.ipDst = dst;
  p.sport = sport;
  p.dport = dport;
  p.payload = payload;
  p.payloadLen = payload.length;
  p.tstamp = at;
  p.trace = trace;
  const err = ipLocalOut(ns, p);
  if (err === 0) ns.snmp.Udp.OutDatagrams++;
  return err;
}
