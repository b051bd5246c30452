// The bytes a capture records for a packet crossing a device, in the capture's link type.
import { encodeFrame } from '../wire/encode.js';
import type { Packet } from '../wire/packet.js';
import { ARPHRD_ETHER, ARPHRD_LOOPBACK, LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2, cookedFrame, pktType } from './linktype.js';

/** What a capture needs to know of the device (kernel devices satisfy it). */
export interface CapturedDevice {
  readonly kind: string;
  readonly ifindex: number;
  readonly mac: number;
}

/** The frame as `linktype` records it, or null for a packet the encoder cannot write. */
export function captureBytes(pkt: Packet, dev: CapturedDevice, outbound: boolean, linktype: number): Uint8Array | null {
  try {
    if (linktype === LINKTYPE_ETHERNET) return encodeFrame(pkt);
    const arphrd = dev.kind === 'loopback' ? ARPHRD_LOOPBACK : ARPHRD_ETHER;
    return cookedFrame(pkt, linktype === LINKTYPE_LINUX_SLL2, dev.ifindex, arphrd, pktType(pkt, dev.mac, outbound));
  } catch {
    // An ethertype the wire codecs do not write: libpcap would record it, we cannot.
    return null;
  }
}
