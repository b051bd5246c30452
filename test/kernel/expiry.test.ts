// Conntrack and IPVS entries leave on their own timers on the simulated clock: nothing has to list
// or look them up for the counts to fall.
import { describe, expect, it } from 'vitest';
import { tcpConnect, tcpListen } from '../../src/kernel/tcp.js';
import { World } from '../../src/kernel/world.js';
import { nfOf } from '../../src/kernel/netfilter/netfilter.js';
import { SEC } from '../../src/sim/clock.js';
import { ExpiryHeap, NOT_FILED } from '../../src/kernel/expiry.js';
import { ip, sh } from '../netfilter/helpers.js';

function pair() {
  const world = new World(3);
  const a = world.addHost('a', ip('192.168.1.10'), 24);
  const b = world.addHost('b', ip('192.168.1.20'), 24);
  // A rule instantiates the filter table, so conntrack tracks b's traffic.
  sh(world, b.root, 'iptables -A INPUT -m conntrack --ctstate INVALID -j DROP');
  return { world, a, b };
}

describe('conntrack entries expire on their own timer', () => {
  it('an idle established entry leaves after nf_conntrack_tcp_timeout_established, with nothing looking', () => {
    const { world, a, b } = pair();
    b.root.setSysctl('net.netfilter.nf_conntrack_tcp_timeout_established', '300');
    tcpListen(b.root, 80, 0, () => ({}));
    const c = tcpConnect(a.root, ip('192.168.1.20'), 80, {});
    expect(typeof c).not.toBe('number');
    world.eq.runUntil(SEC);
    const ct = nfOf(b.root).conntrack;
    expect(ct.size).toBe(1);
    world.eq.runUntil(299 * SEC);
    expect(ct.size).toBe(1);
    world.eq.runUntil(302 * SEC);
    expect(ct.size).toBe(0);
  });

  it('a FIN moves the deadline earlier (FIN_WAIT 120 s): the entry leaves then, not at the old deadline', () => {
    const { world, a, b } = pair();
    tcpListen(b.root, 80, 0, () => ({}));
    const c = tcpConnect(a.root, ip('192.168.1.20'), 80, {});
    if (typeof c === 'number') throw new Error(`errno ${c}`);
    world.eq.runUntil(SEC);
    c.close();
    world.eq.runUntil(2 * SEC);
    const ct = nfOf(b.root).conntrack;
    expect(ct.size).toBe(1);
    // The server never closes: the entry sits in CLOSE_WAIT (60 s) and goes.
    world.eq.runUntil(70 * SEC);
    expect(ct.size).toBe(0);
  });

  it('a RST, SYN-ACK or FIN of no known connection opens no entry (tcp_new: INVALID)', () => {
    const { world, a, b } = pair();
    // A SYN to a closed port: b answers RST, which finds the SYN's entry; a RST alone finds none.
    const c = tcpConnect(a.root, ip('192.168.1.20'), 81, { onError: () => undefined });
    expect(typeof c).not.toBe('number');
    world.eq.runUntil(SEC);
    const ct = nfOf(b.root).conntrack;
    // "If only reply is a RST … delete the conntrack immediately": nothing is left.
    expect(ct.size).toBe(0);
    expect(sh(world, b.root, 'iptables -nvL INPUT').out).toMatch(/^ +0 +0 DROP/m);
  });
});

describe('the expiry heap', () => {
  it('runs each entry at its latest deadline with one armed event, and forgets removed entries', () => {
    const world = new World(1);
    const gone: string[] = [];
    type E = { name: string; at: number; filedAt: number };
    const heap = new ExpiryHeap<E>(world.eq, (e) => e.at, (e) => gone.push(`${e.name}@${world.eq.now / SEC}`));
    const x: E = { name: 'x', at: 10 * SEC, filedAt: NOT_FILED };
    const y: E = { name: 'y', at: 5 * SEC, filedAt: NOT_FILED };
    const z: E = { name: 'z', at: 7 * SEC, filedAt: NOT_FILED };
    for (const e of [x, y, z]) heap.watch(e, e.at);
    y.at = 12 * SEC; // refreshed: later
    heap.watch(y, y.at);
    x.at = 3 * SEC; // moved earlier
    heap.watch(x, x.at);
    heap.forget(z);
    world.eq.runUntil(20 * SEC);
    expect(gone).toEqual(['x@3', 'y@12']);
    expect(world.eq.pending).toBe(0);
  });
});
