// The bytes a capture records for a packet crossing a device, in the capture's link type.
import { encodeFrame } from '../wire/encode.js';
import type { Packet } from '../wire/packet.js';
import { IPPROTO_ESP } from '../wire/packet.js';
import { ARPHRD_ETHER, ARPHRD_LOOPBACK, LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2, cookedFrame, l3Of, pktType } from './linktype.js';
import { sealEsp } from './esp-gcm.js';

/** What a capture needs to know of the device (kernel devices satisfy it). */
export interface CapturedDevice {
  readonly kind: string;
  readonly ifindex: number;
  readonly mac: number;
}

/** The AEAD key (AES key + salt) of the SA with this SPI and destination, or null. */
export type EspKeys = (spi: number, dst: number) => Uint8Array | null;

/** The frame as `linktype` records it, or null for a packet the encoder cannot write. ESP whose
 *  SA key `espKeys` knows is written encrypted (esp-gcm.ts); other ESP stays as modelled. */
export function captureBytes(pkt: Packet, dev: CapturedDevice, outbound: boolean, linktype: number, espKeys: EspKeys | null = null): Uint8Array | null {
  let b: Uint8Array;
  try {
    if (linktype === LINKTYPE_ETHERNET) b = encodeFrame(pkt);
    else b = cookedFrame(pkt, linktype === LINKTYPE_LINUX_SLL2, dev.ifindex, dev.kind === 'loopback' ? ARPHRD_LOOPBACK : ARPHRD_ETHER, pktType(pkt, dev.mac, outbound));
  } catch {
    // An ethertype the wire codecs do not write: libpcap would record it, we cannot.
    return null;
  }
  if (pkt.ipProto === IPPROTO_ESP && pkt.inner !== null && espKeys !== null) {
    const key = espKeys(pkt.espSpi >>> 0, pkt.ipDst);
    const l3 = l3Of(linktype, b)!.off;
    if (key !== null) sealEsp(b, l3 + 20, l3 + pkt.ipTotalLength(), key);
  }
  return b;
}
