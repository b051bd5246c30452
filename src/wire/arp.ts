// ARP for Ethernet/IPv4 (RFC 826, struct arphdr followed by the Ethernet/IPv4 addresses).
import { ARPOP_REPLY, ARPOP_REQUEST, ETH_P_IP, type Packet } from './packet.js';
import { readMac, writeMac } from './ethernet.js';

export const ARP_OFF_HRD = 0;
export const ARP_OFF_PRO = 2;
export const ARP_OFF_HLN = 4;
export const ARP_OFF_PLN = 5;
export const ARP_OFF_OP = 6;
export const ARP_OFF_SHA = 8;
export const ARP_OFF_SIP = 14;
export const ARP_OFF_THA = 18;
export const ARP_OFF_TIP = 24;
/** Length of an Ethernet/IPv4 ARP packet. */
export const ARP_HLEN = 28;

export const ARPHRD_ETHER = 1;

export function parseArp(view: DataView, off: number, pkt: Packet, end = view.byteLength): number | string {
  if (end - off < ARP_HLEN) return `truncated ARP packet (${end - off} of ${ARP_HLEN} bytes)`;
  const hrd = view.getUint16(off + ARP_OFF_HRD);
  const pro = view.getUint16(off + ARP_OFF_PRO);
  if (hrd !== ARPHRD_ETHER || pro !== ETH_P_IP) return `unsupported ARP hardware/protocol type ${hrd}/0x${pro.toString(16)}`;
  const hln = view.getUint8(off + ARP_OFF_HLN);
  const pln = view.getUint8(off + ARP_OFF_PLN);
  if (hln !== 6 || pln !== 4) return `bad ARP address lengths ${hln}/${pln}`;
  const op = view.getUint16(off + ARP_OFF_OP);
  // arp_process() drops anything but request and reply (no RARP/InARP).
  if (op !== ARPOP_REQUEST && op !== ARPOP_REPLY) return `unsupported ARP op ${op}`;
  pkt.arpOp = op;
  pkt.arpSha = readMac(view, off + ARP_OFF_SHA);
  pkt.arpSpa = view.getUint32(off + ARP_OFF_SIP);
  pkt.arpTha = readMac(view, off + ARP_OFF_THA);
  pkt.arpTpa = view.getUint32(off + ARP_OFF_TIP);
  return off + ARP_HLEN;
}

export function emitArp(pkt: Packet, view: DataView, off: number): number {
  view.setUint16(off + ARP_OFF_HRD, ARPHRD_ETHER);
  view.setUint16(off + ARP_OFF_PRO, ETH_P_IP);
  view.setUint8(off + ARP_OFF_HLN, 6);
  view.setUint8(off + ARP_OFF_PLN, 4);
  view.setUint16(off + ARP_OFF_OP, pkt.arpOp);
  writeMac(view, off + ARP_OFF_SHA, pkt.arpSha);
  view.setUint32(off + ARP_OFF_SIP, pkt.arpSpa);
  writeMac(view, off + ARP_OFF_THA, pkt.arpTha);
  view.setUint32(off + ARP_OFF_TIP, pkt.arpTpa);
  return off + ARP_HLEN;
}
