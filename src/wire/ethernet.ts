// Ethernet II header (struct ethhdr): no 802.1Q tag, no FCS (as a capture on a Linux interface shows it).
import type { Mac } from '../core/addr.js';
import { ETH_HLEN, type Packet } from './packet.js';

export const ETH_OFF_DEST = 0;
export const ETH_OFF_SOURCE = 6;
export const ETH_OFF_PROTO = 12;

const TWO32 = 0x100000000;

/** A MAC from 6 bytes, without the byte array macFromBytes needs. */
export function readMac(view: DataView, off: number): Mac {
  return view.getUint16(off) * TWO32 + view.getUint32(off + 2);
}

export function writeMac(view: DataView, off: number, mac: Mac): void {
  view.setUint16(off, Math.floor(mac / TWO32));
  view.setUint32(off + 2, mac % TWO32);
}

export function parseEthernet(view: DataView, off: number, pkt: Packet, end = view.byteLength): number | string {
  if (end - off < ETH_HLEN) return `truncated Ethernet header (${end - off} of ${ETH_HLEN} bytes)`;
  pkt.ethDst = readMac(view, off + ETH_OFF_DEST);
  pkt.ethSrc = readMac(view, off + ETH_OFF_SOURCE);
  pkt.ethType = view.getUint16(off + ETH_OFF_PROTO);
  return off + ETH_HLEN;
}

export function emitEthernet(pkt: Packet, view: DataView, off: number): number {
  writeMac(view, off + ETH_OFF_DEST, pkt.ethDst);
  writeMac(view, off + ETH_OFF_SOURCE, pkt.ethSrc);
  view.setUint16(off + ETH_OFF_PROTO, pkt.ethType);
  return off + ETH_HLEN;
}
