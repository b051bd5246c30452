// IGMPv3 membership reports (RFC 3376 4.2) as Linux sends them (igmpv3_newpack): an IPv4 header
// with the Router Alert option (RFC 2113; ihl 6), then the report. The Packet carries the option
// and the report together as its 20-byte payload (the option is what makes l4Length 20 and the
// datagram 40 bytes), so encoding puts the first 4 payload bytes in the header.
import { csumBytes, csumFold, internetChecksum } from './checksum.js';
import { IP_OFF_CHECK, IP_OFF_VER_IHL, emitPayload } from './ipv4.js';
import { IP_HLEN, type Packet } from './packet.js';

export const IPPROTO_IGMP = 2;
export const IGMPV3_HOST_MEMBERSHIP_REPORT = 0x22;
/** Group record types (RFC 3376 4.2.12). */
export const IGMPV3_CHANGE_TO_EXCLUDE = 4;
/** IPOPT_RA: type 148, length 4, value 0 ("routers examine this packet"). */
const ROUTER_ALERT = [0x94, 0x04, 0x00, 0x00];
export const IGMP_RA_LEN = 4;

/** The payload of a report with one record: Router Alert, then the report with its checksum. */
export function igmpv3ReportPayload(group: number, recordType = IGMPV3_CHANGE_TO_EXCLUDE): Uint8Array {
  const b = new Uint8Array(IGMP_RA_LEN + 16);
  b.set(ROUTER_ALERT, 0);
  const v = new DataView(b.buffer);
  v.setUint8(4, IGMPV3_HOST_MEMBERSHIP_REPORT);
  v.setUint16(10, 1); // one group record
  v.setUint8(12, recordType);
  v.setUint32(16, group >>> 0);
  v.setUint16(6, csumFold(csumBytes(b.subarray(4), 16)));
  return b;
}

/** True when the payload starts with the Router Alert option (a report built above, or parsed). */
export function hasRouterAlert(pkt: Packet): boolean {
  const p = pkt.payload;
  return p !== null && pkt.payloadLen >= IGMP_RA_LEN && p[0] === 0x94 && p[1] === 0x04;
}

/** After emitIpv4: the option goes into the header (ihl 6), whose checksum then covers it. */
export function emitIgmp(pkt: Packet, view: DataView, ipOff: number): number {
  const end = emitPayload(pkt, view, ipOff + IP_HLEN);
  if (!hasRouterAlert(pkt)) return end;
  view.setUint8(ipOff + IP_OFF_VER_IHL, 0x46);
  view.setUint16(ipOff + IP_OFF_CHECK, 0);
  view.setUint16(ipOff + IP_OFF_CHECK, internetChecksum(view, ipOff, IP_HLEN + IGMP_RA_LEN));
  return end;
}
