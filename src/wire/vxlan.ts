// VXLAN header (RFC 7348): flags with the I bit, 24-bit VNI, then the inner Ethernet frame.
import { emitFrame, parseFrame } from './encode.js';
import { Packet, VXLAN_HLEN } from './packet.js';

export const VXLAN_OFF_FLAGS = 0;
/** VNI in the top 24 bits of the second word; the low byte is reserved. */
export const VXLAN_OFF_VNI = 4;
/** The I flag: the VNI is valid. */
export const VXLAN_F_VNI = 0x08;

/** Fills pkt.vni and a new pkt.inner from the frame in [off + 8, end). */
export function parseVxlan(view: DataView, off: number, pkt: Packet, end = view.byteLength): number | string {
  if (end - off < VXLAN_HLEN) return `truncated VXLAN header (${end - off} of ${VXLAN_HLEN} bytes)`;
  // vxlan_rcv() drops packets without the I flag.
  if ((view.getUint8(off + VXLAN_OFF_FLAGS) & VXLAN_F_VNI) === 0) return 'VXLAN header without the I flag';
  const vni = view.getUint32(off + VXLAN_OFF_VNI) >>> 8;
  // Packet uses vni 0 for "not VXLAN", so that VNI cannot be represented.
  if (vni === 0) return 'VXLAN vni 0 not supported';
  const inner = new Packet();
  const r = parseFrame(view, off + VXLAN_HLEN, inner, end);
  if (typeof r === 'string') return `VXLAN vni ${vni}: ${r}`;
  pkt.vni = vni;
  pkt.inner = inner;
  return r;
}

/** Writes the header and pkt.inner's frame. */
export function emitVxlan(pkt: Packet, view: DataView, off: number): number {
  view.setUint32(off + VXLAN_OFF_FLAGS, VXLAN_F_VNI << 24);
  view.setUint32(off + VXLAN_OFF_VNI, (pkt.vni << 8) >>> 0);
  return emitFrame(pkt.inner!, view, off + VXLAN_HLEN);
}
