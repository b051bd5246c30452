import { describe, it, expect } from 'vitest';
import { parseMac } from '../../src/core/addr.js';
import { emitEthernet, ETH_OFF_PROTO, parseEthernet, readMac, writeMac } from '../../src/wire/ethernet.js';
import { ETH_HLEN, ETH_P_ARP, Packet } from '../../src/wire/packet.js';

function hex(s: string): Uint8Array {
  return Uint8Array.from(s.trim().split(/\s+/), (b) => parseInt(b, 16));
}
function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

describe('Ethernet header', () => {
  // dst ff:ff:ff:ff:ff:ff, src 02:42:ac:11:00:02, ethertype 0x0806 (ARP)
  const vector = hex('ff ff ff ff ff ff 02 42 ac 11 00 02 08 06');

  it('parses a hand-written header', () => {
    const pkt = new Packet();
    expect(parseEthernet(viewOf(vector), 0, pkt)).toBe(ETH_HLEN);
    expect(pkt.ethDst).toBe(0xffffffffffff);
    expect(pkt.ethSrc).toBe(parseMac('02:42:ac:11:00:02'));
    expect(pkt.ethType).toBe(ETH_P_ARP);
  });

  it('emits the same bytes, at an offset', () => {
    const pkt = new Packet();
    pkt.ethDst = 0xffffffffffff;
    pkt.ethSrc = parseMac('02:42:ac:11:00:02')!;
    pkt.ethType = ETH_P_ARP;
    const out = new Uint8Array(3 + ETH_HLEN);
    expect(emitEthernet(pkt, viewOf(out), 3)).toBe(3 + ETH_HLEN);
    expect(out.subarray(3)).toEqual(vector);
    expect(out[3 + ETH_OFF_PROTO]).toBe(0x08);
  });

  it('round-trips MACs with high bits set', () => {
    for (const text of ['00:00:00:00:00:00', 'ff:ff:ff:ff:ff:fe', '80:00:00:00:00:01', '02:42:0a:00:00:ff', 'fe:dc:ba:98:76:54']) {
      const mac = parseMac(text)!;
      const out = new Uint8Array(6);
      writeMac(viewOf(out), 0, mac);
      expect(Array.from(out, (b) => b.toString(16).padStart(2, '0')).join(':')).toBe(text);
      expect(readMac(viewOf(out), 0)).toBe(mac);
    }
  });

  it('reports a truncated header as an error string', () => {
    expect(parseEthernet(viewOf(vector.subarray(0, 13)), 0, new Packet())).toMatch(/truncated Ethernet header/);
    expect(parseEthernet(viewOf(vector), 0, new Packet(), 10)).toMatch(/truncated Ethernet header/);
  });
});
