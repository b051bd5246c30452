// `ip neigh` lists entries oldest first (neigh.ts keeps them in an array, not a Set): the order
// must survive deletions, a device going away, and new entries after both.
import { describe, expect, it } from 'vitest';
import { sh, world } from '../helpers.js';

function neighIps(out: string): string[] {
  return out.split('\n').filter((l) => l !== '').map((l) => `${l.split(' ')[0]} ${l.split(' ')[2]}`);
}

describe('ip neigh order', () => {
  it('keeps entries oldest first through del, a link going down and new entries', () => {
    const w = world([['h1', '10.9.0.1/24']]);
    const h1 = w.hosts.get('h1')!;
    for (const line of [
      'ip link add br0 type bridge',
      'ip link set br0 up',
      'ip neigh add 10.9.0.5 lladdr 02:00:00:00:00:05 dev eth0',
      'ip neigh add 10.1.0.7 lladdr 02:00:00:00:00:07 dev br0',
      'ip neigh add 10.9.0.3 lladdr 02:00:00:00:00:03 dev eth0',
      'ip neigh add 10.1.0.2 lladdr 02:00:00:00:00:02 dev br0',
      'ip neigh add 10.9.0.9 lladdr 02:00:00:00:00:09 dev eth0',
    ]) expect(sh(w, h1, line).code).toBe(0);
    expect(neighIps(sh(w, h1, 'ip neigh').out)).toEqual(['10.9.0.5 eth0', '10.1.0.7 br0', '10.9.0.3 eth0', '10.1.0.2 br0', '10.9.0.9 eth0']);
    expect(sh(w, h1, 'ip neigh del 10.9.0.3 dev eth0').code).toBe(0);
    expect(neighIps(sh(w, h1, 'ip neigh').out)).toEqual(['10.9.0.5 eth0', '10.1.0.7 br0', '10.1.0.2 br0', '10.9.0.9 eth0']);
    // A device that goes down forgets what it learned (neigh_ifdown), the rest keep their order.
    expect(sh(w, h1, 'ip link set br0 down').code).toBe(0);
    expect(sh(w, h1, 'ip neigh add 10.9.0.3 lladdr 02:00:00:00:00:33 dev eth0').code).toBe(0);
    expect(neighIps(sh(w, h1, 'ip neigh').out)).toEqual(['10.9.0.5 eth0', '10.9.0.9 eth0', '10.9.0.3 eth0']);
    expect(sh(w, h1, 'ip neigh').out).toContain('10.9.0.3 dev eth0 lladdr 02:00:00:00:00:33 PERMANENT');
  });
});
