// The route cache answers what the tables answer, also right after they change: a route added,
// replaced or deleted, an address added or removed, a device going down — each seen by the very
// next packet (ping's output and exit code, as a user sees them).
import { describe, expect, it } from 'vitest';
import { sh, vethPair } from '../helpers.js';

describe('route cache', () => {
  it('follows route and address changes at once', () => {
    const { w, h } = vethPair();
    const ping = (dst: string): { out: string; code: number } => sh(w, h, `ip netns exec a ping -c 1 -W 1 ${dst}`);
    expect(ping('10.1.0.2').code).toBe(0);
    // An address b does not have yet: no route in a, then a route through b, then b takes it.
    expect(ping('10.9.0.1').out).toContain('Network is unreachable');
    expect(sh(w, h, 'ip netns exec a ip route add 10.9.0.0/24 via 10.1.0.2').code).toBe(0);
    expect(ping('10.9.0.1').code).toBe(1);
    expect(sh(w, h, 'ip netns exec b ip addr add 10.9.0.1/32 dev vb').code).toBe(0);
    expect(ping('10.9.0.1').code).toBe(0);
    expect(sh(w, h, 'ip netns exec b ip addr del 10.9.0.1/32 dev vb').code).toBe(0);
    expect(ping('10.9.0.1').code).toBe(1);
    // The route goes: unreachable again; a blackhole in its place: the sender's EINVAL.
    expect(sh(w, h, 'ip netns exec a ip route del 10.9.0.0/24').code).toBe(0);
    expect(ping('10.9.0.1').out).toContain('Network is unreachable');
    expect(sh(w, h, 'ip netns exec a ip route add blackhole 10.9.0.0/24').code).toBe(0);
    expect(ping('10.9.0.1').out).toContain('Invalid argument');
    // The link goes down: its connected route goes with it.
    expect(sh(w, h, 'ip netns exec a ip link set va down').code).toBe(0);
    expect(ping('10.1.0.2').out).toContain('Network is unreachable');
    expect(sh(w, h, 'ip netns exec a ip link set va up').code).toBe(0);
    expect(ping('10.1.0.2').code).toBe(0);
  });
});
