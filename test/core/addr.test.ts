// parseIp4 keeps the addresses it parsed (a traffic loop's curl parses one every few ms): with
// the memo, it must still accept exactly what ipaddr.js's IPv4.isValidFourPartDecimal accepts
// and give the same number, the second time a text comes as the first.
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import '../fc-seed.js';
import { parseIp4 } from '../../src/core/addr.js';

function reference(text: string): number | null {
  if (!ipaddr.IPv4.isValidFourPartDecimal(text)) return null;
  const b = ipaddr.IPv4.parse(text).octets;
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

describe('parseIp4', () => {
  it('reads dotted quads and refuses what is not one', () => {
    expect(parseIp4('10.0.0.1')).toBe(0x0a000001);
    expect(parseIp4('255.255.255.255')).toBe(0xffffffff);
    expect(parseIp4('0.0.0.0')).toBe(0);
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '1.2.3.256', '01.2.3.4', '1.2.3.00', '1..3.4', '.1.2.3', '1.2.3.4.', '0x1.2.3.4', ' 1.2.3.4', '1.2.3.4\n', '1.2.3.-4', '٣.2.3.4']) {
      expect(parseIp4(bad), bad).toBeNull();
    }
  });

  it('agrees with ipaddr.js on generated text', () => {
    const octet = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom('00', '01', '007', '0x1f', '', '1e2', '+1', ' 1'));
    const quadish = fc.array(octet, { minLength: 2, maxLength: 6 }).map((parts) => parts.join('.'));
    const noise = fc.string({ unit: fc.constantFrom('0', '1', '2', '5', '9', '.', 'x', 'a', ' ', '-'), maxLength: 18 });
    fc.assert(fc.property(fc.oneof(quadish, noise), (text) => {
      expect(parseIp4(text)).toBe(reference(text));
      expect(parseIp4(text)).toBe(reference(text));
    }), { numRuns: 5000 });
  });
});
