// A pcapng file (draft-ietf-opsawg-pcapng): a Section Header Block, one Interface Description
// Block per captured device and an Enhanced Packet Block per frame, little-endian. Interfaces
// carry if_name and if_description (swarmsim's `host/netns/dev`) and if_tsresol 9, so timestamps
// are the simulated clock's nanoseconds; each packet's epb_flags says inbound or outbound.

const SHB = 0x0a0d0d0a;
const IDB = 1;
const EPB = 6;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_SHB_USERAPPL = 4;
const OPT_IF_NAME = 2;
const OPT_IF_DESCRIPTION = 3;
const OPT_IF_TSRESOL = 9;
const OPT_EPB_FLAGS = 2;

/** epb_flags bits 0-1: the packet's direction. */
export const EPB_INBOUND = 1;
export const EPB_OUTBOUND = 2;

export const SNAPLEN = 262144;

const enc = new TextEncoder();

/** An option: code, length, value padded to 4 bytes. */
function option(code: number, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + ((value.length + 3) & ~3));
  const v = new DataView(out.buffer);
  v.setUint16(0, code, true);
  v.setUint16(2, value.length, true);
  out.set(value, 4);
  return out;
}

function block(type: number, body: Uint8Array[]): Uint8Array {
  const len = 12 + body.reduce((n, b) => n + b.length, 0);
  const out = new Uint8Array(len);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, len, true);
  let off = 8;
  for (const b of body) {
    out.set(b, off);
    off += b.length;
  }
  v.setUint32(len - 4, len, true);
  return out;
}

function u32s(...ns: number[]): Uint8Array {
  const out = new Uint8Array(ns.length * 4);
  const v = new DataView(out.buffer);
  ns.forEach((n, i) => v.setUint32(i * 4, n >>> 0, true));
  return out;
}

/** opt_endofopt. */
const END = new Uint8Array(4);

export class PcapngWriter {
  private readonly blocks: Uint8Array[] = [];
  private ifaces = 0;
  packets = 0;

  constructor(app = 'swarmsim') {
    const head = new Uint8Array(16);
    const v = new DataView(head.buffer);
    v.setUint32(0, BYTE_ORDER_MAGIC, true);
    v.setUint16(4, 1, true);
    v.setUint16(6, 0, true);
    // Section length -1: not given.
    v.setInt32(8, -1, true);
    v.setInt32(12, -1, true);
    this.blocks.push(block(SHB, [head, option(OPT_SHB_USERAPPL, enc.encode(app)), END]));
  }

  /** Adds an interface; returns its id for packet(). */
  addInterface(name: string, description: string, linktype: number, snaplen = SNAPLEN): number {
    const head = new Uint8Array(8);
    const v = new DataView(head.buffer);
    v.setUint16(0, linktype, true);
    v.setUint32(4, snaplen, true);
    this.blocks.push(block(IDB, [head, option(OPT_IF_NAME, enc.encode(name)), option(OPT_IF_DESCRIPTION, enc.encode(description)), option(OPT_IF_TSRESOL, Uint8Array.of(9)), END]));
    return this.ifaces++;
  }

  /** A frame seen on interface `iface` at `ns` nanoseconds, inbound or outbound. */
  packet(iface: number, ns: number, data: Uint8Array, outbound: boolean): void {
    const t = Math.max(0, Math.round(ns));
    const head = u32s(iface, Math.floor(t / 2 ** 32), t % 2 ** 32, data.length, data.length);
    const padded = new Uint8Array((data.length + 3) & ~3);
    padded.set(data);
    this.blocks.push(block(EPB, [head, padded, option(OPT_EPB_FLAGS, u32s(outbound ? EPB_OUTBOUND : EPB_INBOUND)), END]));
    this.packets++;
  }

  bytes(): Uint8Array {
    return concatBytes(this.blocks);
  }
}

/** The chunks one after the other (a file's blocks or records). */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, b) => n + b.length, 0));
  let off = 0;
  for (const b of chunks) {
    out.set(b, off);
    off += b.length;
  }
  return out;
}
