// The classic libpcap file format (what `tcpdump -w` writes): a 24-byte global header with the
// microsecond magic, then a 16-byte record header before each frame. The reader takes both byte
// orders and the nanosecond magic, and pcapng sections too (libpcap's pcap_open_offline reads
// either), so `tcpdump -r` reads what `tcpdump -w` and a capture step wrote.
import { concatBytes } from './pcapng.js';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_SNAPLEN = 262144;

export interface CapturedFrame {
  /** Nanoseconds since the epoch (the simulated clock's zero). */
  readonly ns: number;
  readonly data: Uint8Array;
  /** The frame's length on the wire (more than data.length when the snapshot cut it). */
  readonly origLen: number;
  /** The link type of the interface it was captured on. */
  readonly linktype: number;
}

export class PcapWriter {
  private readonly recs: Uint8Array[] = [];

  constructor(readonly linktype: number, readonly snaplen = PCAP_SNAPLEN) {
    const h = new Uint8Array(24);
    const v = new DataView(h.buffer);
    v.setUint32(0, PCAP_MAGIC_US, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setUint32(16, snaplen, true);
    v.setUint32(20, linktype, true);
    this.recs.push(h);
  }

  packet(ns: number, data: Uint8Array): void {
    const t = Math.max(0, Math.round(ns));
    const us = Math.floor(t / 1000);
    const cap = Math.min(data.length, this.snaplen);
    const r = new Uint8Array(16 + cap);
    const v = new DataView(r.buffer);
    v.setUint32(0, Math.floor(us / 1e6), true);
    v.setUint32(4, us % 1e6, true);
    v.setUint32(8, cap, true);
    v.setUint32(12, data.length, true);
    r.set(data.subarray(0, cap), 16);
    this.recs.push(r);
  }

  bytes(): Uint8Array {
    return concatBytes(this.recs);
  }
}

/** Reads a pcap or pcapng file; a string says what is wrong (in libpcap's words where it has them). */
export function readCapture(b: Uint8Array): CapturedFrame[] | string {
  if (b.length < 4) return 'truncated dump file; tried to read 4 file header bytes, only got ' + b.length;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (v.getUint32(0, true) === 0x0a0d0d0a) return readPcapng(v);
  const le = v.getUint32(0, true);
  const be = v.getUint32(0, false);
  const little = le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS;
  if (!little && be !== PCAP_MAGIC_US && be !== PCAP_MAGIC_NS) return 'bad dump file format';
  if (b.length < 24) return `truncated dump file; tried to read 24 file header bytes, only got ${b.length}`;
  const nano = (little ? le : be) === PCAP_MAGIC_NS;
  const linktype = v.getUint32(20, little);
  const out: CapturedFrame[] = [];
  let off = 24;
  while (off < b.length) {
    if (b.length - off < 16) return `truncated dump file; tried to read 16 header bytes, only got ${b.length - off}`;
    const sec = v.getUint32(off, little);
    const frac = v.getUint32(off + 4, little);
    const cap = v.getUint32(off + 8, little);
    const orig = v.getUint32(off + 12, little);
    if (b.length - off - 16 < cap) return `truncated dump file; tried to read ${cap} captured bytes, only got ${b.length - off - 16}`;
    out.push({ ns: sec * 1e9 + frac * (nano ? 1 : 1000), data: b.slice(off + 16, off + 16 + cap), origLen: orig, linktype });
    off += 16 + cap;
  }
  return out;
}

function readPcapng(v: DataView): CapturedFrame[] | string {
  const ifaces: Array<{ linktype: number; unit: number }> = [];
  const out: CapturedFrame[] = [];
  let off = 0;
  let little = true;
  while (off + 12 <= v.byteLength) {
    if (v.getUint32(off, true) === 0x0a0d0d0a) little = v.getUint32(off + 8, true) === 0x1a2b3c4d;
    const type = v.getUint32(off, little);
    const len = v.getUint32(off + 4, little);
    if (len < 12 || off + len > v.byteLength) return 'truncated dump file';
    if (type === 1) {
      let unit = 1000; // default if_tsresol 6: microseconds
      for (let o = off + 16; o + 4 <= off + len - 4;) {
        const code = v.getUint16(o, little);
        const l = v.getUint16(o + 2, little);
        if (code === 0) break;
        if (code === 9) {
          const r = v.getUint8(o + 4);
          unit = r & 0x80 ? 1e9 / 2 ** (r & 0x7f) : 10 ** (9 - r);
        }
        o += 4 + ((l + 3) & ~3);
      }
      ifaces.push({ linktype: v.getUint16(off + 8, little), unit });
    } else if (type === 6) {
      const id = v.getUint32(off + 8, little);
      const iface = ifaces[id];
      if (iface === undefined) return `an Enhanced Packet Block refers to interface ${id}, which the file does not describe`;
      const ts = v.getUint32(off + 12, little) * 2 ** 32 + v.getUint32(off + 16, little);
      const cap = v.getUint32(off + 20, little);
      const orig = v.getUint32(off + 24, little);
      const start = v.byteOffset + off + 28;
      out.push({ ns: ts * iface.unit, data: new Uint8Array(v.buffer.slice(start, start + cap)), origLen: orig, linktype: iface.linktype });
    }
    off += len;
  }
  return out;
}
