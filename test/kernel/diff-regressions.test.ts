// Regressions for what the kernel-diff harness (test/kernel-diff, issue 8) found: the simulator
// disagreed with Linux 6.18 on each of these until the model was fixed.
import { describe, expect, it } from 'vitest';
import { sh, world } from '../helpers.js';
import type { World } from '../../src/kernel/world.js';
import type { Host } from '../../src/kernel/host.js';
import { tcpConnect } from '../../src/kernel/tcp.js';
import { udpSend } from '../../src/kernel/udp.js';
import { parseIp4 } from '../../src/core/addr.js';
import { SEC } from '../../src/sim/clock.js';

function all(w: World, h: Host, lines: string): void {
  for (const l of lines.trim().split('\n')) {
    const r = sh(w, h, l.trim());
    if (r.code !== 0) throw new Error(`${l}: ${r.out}`);
  }
}

/** a — r — b, r forwarding, a's default route via r. */
function routed(): { w: World; h: Host } {
  const w = world([['n1', '192.168.205.10/24']]);
  const h = w.hosts.get('n1')!;
  all(w, h, `
    ip netns add a
    ip netns add r
    ip netns add b
    ip netns exec a ip link add va type veth peer name ra netns r
    ip netns exec r ip link add rb type veth peer name vb netns b
    ip netns exec a ip addr add 10.1.0.2/24 dev va
    ip netns exec a ip link set va up
    ip netns exec r ip addr add 10.1.0.1/24 dev ra
    ip netns exec r ip link set ra up
    ip netns exec r ip addr add 10.2.0.1/24 dev rb
    ip netns exec r ip link set rb up
    ip netns exec b ip addr add 10.2.0.2/24 dev vb
    ip netns exec b ip link set vb up
    ip netns exec a ip route add default via 10.1.0.1
    ip netns exec b ip route add default via 10.2.0.1
    ip netns exec r sysctl -w net.ipv4.ip_forward=1
  `);
  return { w, h };
}

describe('kernel-diff regressions', () => {
  it('a prohibit route on a router answers ICMP "packet filtered" (ip_error: EACCES → ICMP_PKT_FILTERED)', () => {
    const { w, h } = routed();
    all(w, h, 'ip netns exec r ip route add prohibit 10.5.0.0/24');
    expect(sh(w, h, 'ip netns exec a ping -c 1 -W 1 10.5.0.9').out).toContain('From 10.1.0.1 icmp_seq=1 Packet filtered');
  });

  it('ICMP errors for unroutable packets are rate limited per sender (ip_error and icmp_ratelimit share the bucket)', () => {
    const { w, h } = routed();
    all(w, h, 'ip netns exec r ip route add unreachable 10.4.0.0/24');
    const out = sh(w, h, 'ip netns exec a ping -c 20 -i 0.2 -W 1 10.4.0.9').out;
    expect(out.match(/Destination Host Unreachable/g)?.length).toBe(2);
    expect(out).toContain('icmp_seq=1 Destination Host Unreachable');
    expect(out).toContain('icmp_seq=2 Destination Host Unreachable');
  });

  it('time exceeded is limited too: a burst of 6, refilled at one per second (icmpv4_xrlim_allow)', () => {
    const { w, h } = routed();
    const out = sh(w, h, 'ip netns exec a ping -c 10 -i 0.2 -t 1 -W 1 10.2.0.2').out;
    expect(out.match(/Time to live exceeded/g)?.length).toBe(7); // 6 at once, a 7th from 1.2 s of refill
  });

  it('a connecting TCP socket fails with the errno of the ICMP code (net unreachable → ENETUNREACH)', () => {
    const { w, h } = routed();
    const errs: number[] = [];
    tcpConnect(h.named.get('a')!, parseIp4('10.99.0.1')!, 80, { onError: (_c, e) => errs.push(e) });
    w.eq.runUntil(w.eq.now + 2 * SEC);
    expect(errs).toEqual([101]);
  });

  it('connect(2) over an unreachable, prohibit or blackhole route fails at once (fib_props errors)', () => {
    const { w, h } = routed();
    all(w, h, `
      ip netns exec a ip route add blackhole 10.7.0.0/24
      ip netns exec a ip route add unreachable 10.8.0.0/24
      ip netns exec a ip route add prohibit 10.9.0.0/24
    `);
    expect(sh(w, h, 'ip netns exec a ping -c 1 10.7.0.1')).toEqual({ out: 'connect: Invalid argument\n', code: 2 });
    expect(sh(w, h, 'ip netns exec a ping -c 1 10.8.0.1')).toEqual({ out: 'connect: No route to host\n', code: 2 });
    expect(sh(w, h, 'ip netns exec a ping -c 1 10.9.0.1')).toEqual({ out: 'Do you want to ping broadcast? Then -b\n', code: 2 });
    const a = h.named.get('a')!;
    expect(tcpConnect(a, parseIp4('10.9.0.1')!, 80, {})).toBe(13);
  });

  it('a veth drops a frame longer than its peer\'s MTU, and the local sender gets ENOBUFS (veth_xmit)', () => {
    const w = world([['n1', '192.168.205.10/24']]);
    const h = w.hosts.get('n1')!;
    all(w, h, `
      ip netns add a
      ip netns add b
      ip netns exec a ip link add va type veth peer name vb netns b
      ip netns exec a ip addr add 10.1.0.1/24 dev va
      ip netns exec a ip link set va up
      ip netns exec b ip addr add 10.1.0.2/24 dev vb
      ip netns exec b ip link set vb up
      ip netns exec b ip link set vb mtu 1400
    `);
    expect(sh(w, h, 'ip netns exec a ping -c 1 -W 1 10.1.0.2').code).toBe(0);
    const r = sh(w, h, 'ip netns exec a ping -c 1 -W 1 -s 1450 -M do 10.1.0.2');
    expect(r.out).toContain('ping: sendmsg: No buffer space available');
    expect(sh(w, h, 'ip netns exec a ping -c 1 -W 1 -s 1376 -M do 10.1.0.2').code).toBe(0);
  });

  it('a packet dropped in OUTPUT fails the send with EPERM (nf_hook_slow)', () => {
    const w = world([['n1', '192.168.205.10/24']]);
    const h = w.hosts.get('n1')!;
    all(w, h, `
      ip netns add a
      ip netns exec a ip link set lo up
      ip netns exec a iptables -A OUTPUT -p udp --dport 54 -j DROP
    `);
    const a = h.named.get('a')!;
    expect(udpSend(a, 0, 40000, parseIp4('127.0.0.1')!, 54, new Uint8Array(1), null, w.eq.now)).toBe(1);
    expect(udpSend(a, 0, 40000, parseIp4('127.0.0.1')!, 55, new Uint8Array(1), null, w.eq.now)).toBe(0);
  });
});
