// IPv4 and MAC addresses as numbers. IPv4 is an unsigned 32-bit integer (use `>>> 0` after bit
// operations); a MAC is a 48-bit integer held exactly in a double. Parsing and formatting happen at
// the edges only (scenario files, commands, rendering); the packet path never sees a string.
import ipaddr from 'ipaddr.js';
import { textMemo } from './memo.js';

export type Ip4 = number;
export type Mac = number;

/** Parses a dotted quad ("10.0.0.1"); null when it is not one (ipaddr.js's
 *  IPv4.isValidFourPartDecimal: four decimal parts, no leading zero, each at most 255). Kept by
 *  text: a curl in a traffic loop parses the same address every few milliseconds. */
export const parseIp4: (text: string) => Ip4 | null = textMemo((text) => {
  if (!ipaddr.IPv4.isValidFourPartDecimal(text)) return null;
  const o = ipaddr.IPv4.parse(text).octets;
  return ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
}, 4096);

export function formatIp4(ip: Ip4): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

/** The netmask of a prefix length: 24 → 0xffffff00. */
export function prefixMask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

export interface Cidr {
  readonly addr: Ip4;
  readonly len: number;
}

/** Parses "10.0.0.1/24" (the host bits are kept: `ip addr add` needs them). A bare address is /32. */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  if (slash < 0) {
    const addr = parseIp4(text);
    return addr === null ? null : { addr, len: 32 };
  }
  const addr = parseIp4(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (addr === null || !/^\d{1,2}$/.test(lenText)) return null;
  const len = Number(lenText);
  return len > 32 ? null : { addr, len };
}

export function networkOf(addr: Ip4, len: number): Ip4 {
  return (addr & prefixMask(len)) >>> 0;
}

export function broadcastOf(addr: Ip4, len: number): Ip4 {
  return (addr | ~prefixMask(len)) >>> 0;
}

export function formatCidr(addr: Ip4, len: number): string {
  return `${formatIp4(addr)}/${len}`;
}

export function isMulticast(ip: Ip4): boolean {
  return ip >>> 28 === 0xe;
}

export const BROADCAST_MAC: Mac = 0xffffffffffff;
const TWO32 = 0x100000000;

/** "00".."ff": formatMac builds a MAC's text from these without arrays (a traced hop words MACs). */
const HEX2 = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

export function formatMac(mac: Mac): string {
  const hi = Math.floor(mac / TWO32);
  const lo = mac % TWO32;
  return `${HEX2[hi >>> 8]}:${HEX2[hi & 255]}:${HEX2[lo >>> 24]}:${HEX2[(lo >>> 16) & 255]}:${HEX2[(lo >>> 8) & 255]}:${HEX2[lo & 255]}`;
}

export function parseMac(text: string): Mac | null {
  if (!/^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/.test(text)) return null;
  return text.split(':').reduce((acc, part) => acc * 256 + parseInt(part, 16), 0);
}

export function macFromBytes(b: ArrayLike<number>, off: number): Mac {
  return (b[off]! * 256 + b[off + 1]!) * TWO32 + ((b[off + 2]! << 24) | (b[off + 3]! << 16) | (b[off + 4]! << 8) | b[off + 5]!) >>> 0;
}

export function macToBytes(mac: Mac, out: Uint8Array, off: number): void {
  const hi = Math.floor(mac / TWO32);
  const lo = mac % TWO32;
  out[off] = hi >>> 8;
  out[off + 1] = hi & 255;
  out[off + 2] = lo >>> 24;
  out[off + 3] = (lo >>> 16) & 255;
  out[off + 4] = (lo >>> 8) & 255;
  out[off + 5] = lo & 255;
}

/** Docker derives a container's MAC from its IPv4 address: 02:42 followed by the four octets. */
export function macFromIp(ip: Ip4): Mac {
  return 0x0242 * TWO32 + (ip >>> 0);
}

/** True for a group (multicast or broadcast) MAC: the low bit of the first octet. */
export function isGroupMac(mac: Mac): boolean {
  // mac / 2^40 is below 256 and not negative: `& 1` truncates it as Math.floor would, in fewer
  // bytes of bytecode (at most 27 are inlined by V8 wherever it is called).
  return ((mac / 0x10000000000) & 1) === 1;
}
