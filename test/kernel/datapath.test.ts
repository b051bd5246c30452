// The Linux data path seen through the commands a user types: addressing, routing, ARP, bridges,
// MTU, ICMP errors, TCP and UDP endpoints, and the trace verdicts.
import { describe, expect, it } from 'vitest';
import { parseIp4 } from '../../src/core/addr.js';
import { tcpConnect, tcpListen } from '../../src/kernel/tcp.js';
import { sendProbe } from '../../src/scenario/probe.js';
import { SEC } from '../../src/sim/clock.js';
import { hopText, summarize } from '../../src/trace/render.js';
import { sh, vethPair, world } from '../helpers.js';

function pair() {
  return vethPair();
}

describe('links and addresses', () => {
  it('numbers a veth pair as the kernel does and names the peer across namespaces (seed 004)', () => {
    const w = world([['docker-node1', '192.168.205.10/24']]);
    const h = w.hosts.get('docker-node1')!;
    sh(w, h, 'ip netns add test1');
    sh(w, h, 'ip netns add test2');
    sh(w, h, 'ip link add veth-test1 type veth peer name veth-test2');
    const { out } = sh(w, h, 'ip link');
    // The peer is registered first, so it has the lower index.
    expect(out).toContain('3: veth-test2@veth-test1: <BROADCAST,MULTICAST,M-DOWN>');
    expect(out).toContain('4: veth-test1@veth-test2: <BROADCAST,MULTICAST,M-DOWN>');
    sh(w, h, 'ip link set veth-test1 netns test1');
    expect(sh(w, h, 'ip netns exec test1 ip link').out).toMatch(/4: veth-test1@if3: .*\n.* link-netnsid 0\n$/);
    sh(w, h, 'ip link set veth-test2 netns test2');
    expect(sh(w, h, 'ip netns exec test1 ip a').out).toContain('link-netnsid 1');
    expect(sh(w, h, 'ip netns exec test2 ip link').out).toMatch(/3: veth-test2@if4: .*\n.* link-netnsid 0\n$/);
  });

  it('shows the host as ip a does, with lo, eth0 and IPv6 link-local addresses', () => {
    const w = world([['n1', '192.168.205.10/24']]);
    const { out } = sh(w, w.hosts.get('n1')!, 'ip a');
    expect(out).toMatch(/^1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n    link\/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n    inet 127.0.0.1\/8 scope host lo\n       valid_lft forever preferred_lft forever\n    inet6 ::1\/128 scope host \n/);
    expect(out).toMatch(/2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP group default qlen 1000\n    link\/ether 52:54:00(:[0-9a-f]{2}){3} brd ff:ff:ff:ff:ff:ff\n    inet 192.168.205.10\/24 brd 192.168.205.255 scope global eth0\n/);
    expect(out).toMatch(/inet6 fe80::5054:ff:fe[0-9a-f]{2}:[0-9a-f]{1,4}\/64 scope link/);
  });

  it('gives iproute2 errors and exit codes for bad input, and keeps what was configured', () => {
    const { w, h } = pair();
    expect(sh(w, h, 'ip link set nodev up')).toEqual({ out: 'Cannot find device "nodev"\n', code: 1 });
    expect(sh(w, h, 'ip foo')).toEqual({ out: 'Object "foo" is unknown, try "ip help".\n', code: 255 });
    expect(sh(w, h, 'ip link foo')).toEqual({ out: 'Command "foo" is unknown, try "ip link help".\n', code: 255 });
    expect(sh(w, h, 'ip addr add 1.2.3/24 dev lo')).toEqual({ out: 'Error: any valid prefix is expected rather than "1.2.3/24".\n', code: 1 });
    expect(sh(w, h, 'ip netns add a').code).toBe(1);
    expect(sh(w, h, 'ip netns exec zz ip a')).toEqual({ out: 'Cannot open network namespace "zz": No such file or directory\n', code: 255 });
    expect(sh(w, h, 'ip netns exec a ip addr add 10.1.0.1/24 dev va')).toEqual({ out: 'RTNETLINK answers: File exists\n', code: 2 });
    expect(sh(w, h, 'ip -x a').code).toBe(255);
    expect(sh(w, h, 'ping -x 1.2.3.4')).toEqual({ out: "ping: invalid option -- 'x'\n", code: 2 });
    expect(sh(w, h, 'ping')).toEqual({ out: 'ping: usage error: Destination address required\n', code: 2 });
    expect(sh(w, h, 'brctl addif br9 va').out).toBe('bridge br9 does not exist!\n');
    expect(sh(w, h, 'sysctl -w net.ipv4.nope=1')).toEqual({ out: 'sysctl: cannot stat /proc/sys/net/ipv4/nope: No such file or directory\n', code: 255 });
    expect(sh(w, h, 'ip netns exec a ping -c 1 10.1.0.2').code).toBe(0);
  });
});

describe('routing', () => {
  it('prefers the longest prefix: a /32 host route beats the connected /24, the default catches the rest', () => {
    const { w, h, a } = pair();
    sh(w, h, 'ip netns exec a ip route add 10.9.9.9/32 via 10.1.0.2');
    sh(w, h, 'ip netns exec a ip route add default via 10.1.0.2 metric 100');
    sh(w, h, 'ip netns exec a ip route add blackhole 10.1.0.2/32');
    // A gateway must be reachable through a connected route: the blackhole now hides 10.1.0.2.
    expect(sh(w, h, 'ip netns exec a ip route add 10.8.0.0/16 via 10.1.0.2')).toEqual({ out: 'RTNETLINK answers: Network is unreachable\n', code: 2 });
    expect(sh(w, h, 'ip netns exec a ip route').out).toBe(
      'default via 10.1.0.2 dev va metric 100\n10.1.0.0/24 dev va proto kernel scope link src 10.1.0.1\nblackhole 10.1.0.2\n10.9.9.9 via 10.1.0.2 dev va\n',
    );
    expect(sh(w, h, 'ip netns exec a ip route get 10.1.0.7').out).toContain('10.1.0.7 dev va src 10.1.0.1');
    expect(sh(w, h, 'ip netns exec a ip route get 8.8.8.8').out).toContain('8.8.8.8 via 10.1.0.2 dev va src 10.1.0.1');
    const t = summarize(sendProbe(w, a, parseIp4('10.1.0.2')!, 0, 'icmp').outcome('request'))!;
    expect(t.verdict).toBe('dropped');
    expect(t.reason).toBe('blackhole route');
  });

  it('answers with ICMP host unreachable after three unanswered ARP requests', () => {
    const { w, h } = pair();
    const t0 = w.eq.now;
    const r = sh(w, h, 'ip netns exec a ping -c 1 10.1.0.99');
    expect(r.code).toBe(1);
    expect(r.out).toContain('From 10.1.0.1 icmp_seq=1 Destination Host Unreachable');
    expect(r.out).toContain('1 packets transmitted, 0 received, +1 errors, 100% packet loss');
    expect(w.eq.now - t0).toBeGreaterThanOrEqual(3 * SEC);
    expect(sh(w, h, 'ip netns exec a ip neigh').out).toBe('10.1.0.99 dev va  FAILED\n');
    // Listed for one device, the lines leave the device out (ipneigh.c print_neigh: `dev NAME` only
    // without a device filter), as `ip neigh show dev v0` prints on Linux.
    expect(sh(w, h, 'ip netns exec a ip neigh show dev va').out).toBe('10.1.0.99  FAILED\n');
    // The FAILED entry gave its queue back (neighbour queues are shared while empty): the next
    // packet queues afresh, is solicited for again, and fails the same way.
    const again = sh(w, h, 'ip netns exec a ping -c 1 10.1.0.99');
    expect(again.out).toContain('From 10.1.0.1 icmp_seq=1 Destination Host Unreachable');
    // A neighbour that answers takes what waited for it, and a later resolution of another one
    // starts from an empty queue too.
    expect(sh(w, h, 'ip netns exec a ping -c 2 10.1.0.2').out).toContain('2 packets transmitted, 2 received');
    expect(sh(w, h, 'ip netns exec a ip neigh del 10.1.0.2 dev va').code).toBe(0);
    expect(sh(w, h, 'ip netns exec a ping -c 1 10.1.0.2').out).toContain('1 packets transmitted, 1 received');
  });

  it('keeps one neighbour entry per device for the same address: listed in the order added, deleted one at a time', () => {
    const { w, h } = pair();
    for (const l of ['ip netns exec a ip link add vx type veth peer name vy', 'ip netns exec a ip neigh add 10.9.0.1 lladdr 02:00:00:00:00:01 dev va',
      'ip netns exec a ip neigh add 10.9.0.2 lladdr 02:00:00:00:00:02 dev vx', 'ip netns exec a ip neigh add 10.9.0.1 lladdr 02:00:00:00:00:03 dev vx',
      'ip netns exec a ip neigh add 10.9.0.1 lladdr 02:00:00:00:00:04 dev vy']) expect(sh(w, h, l).code).toBe(0);
    expect(sh(w, h, 'ip netns exec a ip neigh').out).toBe([
      '10.9.0.1 dev va lladdr 02:00:00:00:00:01 PERMANENT', '10.9.0.2 dev vx lladdr 02:00:00:00:00:02 PERMANENT',
      '10.9.0.1 dev vx lladdr 02:00:00:00:00:03 PERMANENT', '10.9.0.1 dev vy lladdr 02:00:00:00:00:04 PERMANENT', ''].join('\n'));
    expect(sh(w, h, 'ip netns exec a ip neigh add 10.9.0.1 lladdr 02:00:00:00:00:05 dev vx').out).toBe('RTNETLINK answers: File exists\n');
    expect(sh(w, h, 'ip netns exec a ip neigh del 10.9.0.1 dev vx').code).toBe(0);
    expect(sh(w, h, 'ip netns exec a ip neigh del 10.9.0.1 dev vx').out).toBe('RTNETLINK answers: No such file or directory\n');
    expect(sh(w, h, 'ip netns exec a ip neigh del 10.9.0.1 dev va').code).toBe(0);
    expect(sh(w, h, 'ip netns exec a ip neigh').out).toBe('10.9.0.2 dev vx lladdr 02:00:00:00:00:02 PERMANENT\n10.9.0.1 dev vy lladdr 02:00:00:00:00:04 PERMANENT\n');
    expect(sh(w, h, 'ip netns exec a ip neigh show dev vx').out).toBe('10.9.0.2 lladdr 02:00:00:00:00:02 PERMANENT\n');
    // A prefix (bare or after `to`) and `nud STATE` filter the listing, as recorded from iproute2
    // on this machine's Linux (which adds a trailing space CentOS 7's 3.10 does not print).
    expect(sh(w, h, 'ip netns exec a ip neigh show 10.9.0.0/24').out).toBe('10.9.0.2 dev vx lladdr 02:00:00:00:00:02 PERMANENT\n10.9.0.1 dev vy lladdr 02:00:00:00:00:04 PERMANENT\n');
    expect(sh(w, h, 'ip netns exec a ip neigh show to 10.9.0.1').out).toBe('10.9.0.1 dev vy lladdr 02:00:00:00:00:04 PERMANENT\n');
    expect(sh(w, h, 'ip netns exec a ip neigh show 10.9.0.1 dev vy').out).toBe('10.9.0.1 lladdr 02:00:00:00:00:04 PERMANENT\n');
    expect(sh(w, h, 'ip netns exec a ip neigh show nud permanent dev vx').out).toBe('10.9.0.2 lladdr 02:00:00:00:00:02 PERMANENT\n');
    expect(sh(w, h, 'ip netns exec a ip neigh show nud reachable')).toMatchObject({ code: 0, out: '' });
    expect(sh(w, h, 'ip netns exec a ip neigh show 10.9.1.300')).toMatchObject({ code: 1, out: 'Error: any valid prefix is expected rather than "10.9.1.300".\n' });
    // The entry left on vy is still found after those before it went; one added again comes last.
    expect(sh(w, h, 'ip netns exec a ip neigh add 10.9.0.1 lladdr 02:00:00:00:00:06 dev vy').out).toBe('RTNETLINK answers: File exists\n');
    expect(sh(w, h, 'ip netns exec a ip neigh add 10.9.0.1 lladdr 02:00:00:00:00:07 dev va').code).toBe(0);
    expect(sh(w, h, 'ip netns exec a ip neigh').out.split('\n')[2]).toBe('10.9.0.1 dev va lladdr 02:00:00:00:00:07 PERMANENT');
  });

  it('sends fragmentation-needed when a forwarded DF packet exceeds the next MTU', () => {
    const { w, h } = pair();
    sh(w, h, 'ip netns exec b sysctl -w net.ipv4.ip_forward=1');
    sh(w, h, 'ip netns add c');
    sh(w, h, 'ip link add vc type veth peer name vbc');
    sh(w, h, 'ip link set vc netns c');
    sh(w, h, 'ip link set vbc netns b');
    sh(w, h, 'ip netns exec b ip addr add 10.2.0.1/24 dev vbc');
    sh(w, h, 'ip netns exec b ip link set vbc mtu 1300');
    sh(w, h, 'ip netns exec b ip link set vbc up');
    sh(w, h, 'ip netns exec c ip addr add 10.2.0.2/24 dev vc');
    sh(w, h, 'ip netns exec c ip link set vc up');
    sh(w, h, 'ip netns exec c ip route add default via 10.2.0.1');
    sh(w, h, 'ip netns exec a ip route add 10.2.0.0/24 via 10.1.0.2');
    expect(sh(w, h, 'ip netns exec a ping -c 1 -s 1200 -M do 10.2.0.2').out).toContain('1 received');
    const r = sh(w, h, 'ip netns exec a ping -c 1 -s 1400 -M do 10.2.0.2');
    expect(r.out).toContain('From 10.1.0.2 icmp_seq=1 Frag needed and DF set (mtu = 1300)');
    expect(r.code).toBe(1);
  });
});

describe('bridges', () => {
  it('tells apart MACs that share their last four bytes: each is learned on its own port and gets its own frames', () => {
    // The FDB is keyed by the MAC's low 32 bits (src/kernel/mac-map.ts) and tells such MACs apart by the whole address.
    const w = world([['n1', '192.168.205.10/24']]);
    const h = w.hosts.get('n1')!;
    for (const l of ['ip link add br0 type bridge', 'ip link set br0 up', 'ip link add x1 type veth peer name p1', 'ip link add x2 type veth peer name p2',
      'ip link add x3 type veth peer name p3', 'ip link set p1 master br0', 'ip link set p2 master br0', 'ip link set p3 master br0',
      'ip link set p1 up', 'ip link set p2 up', 'ip link set p3 up', 'ip netns add n1', 'ip netns add n2', 'ip netns add n3',
      'ip link set x1 netns n1', 'ip link set x2 netns n2', 'ip link set x3 netns n3',
      'ip netns exec n1 ip link set x1 address 02:42:0a:05:00:01', 'ip netns exec n2 ip link set x2 address 06:42:0a:05:00:01',
      'ip netns exec n3 ip link set x3 address 0a:42:0a:05:00:01',
      'ip netns exec n1 ip addr add 10.5.0.1/24 dev x1', 'ip netns exec n2 ip addr add 10.5.0.2/24 dev x2', 'ip netns exec n3 ip addr add 10.5.0.3/24 dev x3',
      'ip netns exec n1 ip link set x1 up', 'ip netns exec n2 ip link set x2 up', 'ip netns exec n3 ip link set x3 up']) expect(sh(w, h, l).code).toBe(0);
    expect(sh(w, h, 'ip netns exec n1 ping -c 1 10.5.0.2').out).toContain('1 received');
    expect(sh(w, h, 'ip netns exec n3 ping -c 1 10.5.0.1').out).toContain('1 received');
    const fdb = sh(w, h, 'bridge fdb show br br0').out;
    expect(fdb).toContain('02:42:0a:05:00:01 dev p1 master br0\n');
    expect(fdb).toContain('06:42:0a:05:00:01 dev p2 master br0\n');
    expect(fdb).toContain('0a:42:0a:05:00:01 dev p3 master br0\n');
    // Known now: a frame to n2 goes to p2 alone, not flooded and not to p1.
    const t = sendProbe(w, h.named.get('n1')!, parseIp4('10.5.0.2')!, 0, 'icmp');
    const path = summarize(t.outcome('request'))!.hops.map(hopText);
    expect(path.some((l) => l.includes('bridge: forward to p2 (fdb 06:42:0a:05:00:01)'))).toBe(true);
    expect(summarize(t.outcome('request'))!.verdict).toBe('delivered');
  });

  it('floods an unknown destination, learns, and ages entries out after 300 s', () => {
    const w = world([['n1', '192.168.205.10/24']]);
    const h = w.hosts.get('n1')!;
    for (const l of ['ip link add br0 type bridge', 'ip link set br0 up', 'ip link add x1 type veth peer name p1', 'ip link add x2 type veth peer name p2',
      'ip link set p1 master br0', 'ip link set p2 master br0', 'ip link set p1 up', 'ip link set p2 up', 'ip netns add n1', 'ip netns add n2',
      'ip link set x1 netns n1', 'ip link set x2 netns n2', 'ip netns exec n1 ip addr add 10.5.0.1/24 dev x1', 'ip netns exec n2 ip addr add 10.5.0.2/24 dev x2',
      'ip netns exec n1 ip link set x1 up', 'ip netns exec n2 ip link set x2 up']) expect(sh(w, h, l).code).toBe(0);
    const first = sendProbe(w, h.named.get('n1')!, parseIp4('10.5.0.2')!, 0, 'icmp');
    const lines = summarize(first.outcome('request'))!.hops.map(hopText);
    expect(lines.some((l) => l.includes('arp: who-has 10.5.0.2 tell 10.5.0.1'))).toBe(true);
    expect(summarize(first.outcome('request'))!.verdict).toBe('delivered');
    expect(sh(w, h, 'bridge fdb show br br0').out).toMatch(/dev p2 master br0\n/);
    w.eq.runUntil(w.eq.now + 301 * SEC);
    expect(sh(w, h, 'bridge fdb show br br0').out).not.toMatch(/dev p2 master br0\n/);
    // Unknown again: the frame is flooded; the copy to the right port is the one that arrives.
    const again = sendProbe(w, h.named.get('n1')!, parseIp4('10.5.0.2')!, 0, 'icmp');
    const path = summarize(again.outcome('request'))!.hops.map(hopText);
    expect(path.some((l) => l.includes('bridge: flood to p2'))).toBe(true);
    expect(summarize(again.outcome('request'))!.verdict).toBe('delivered');
  });
});

describe('transport endpoints', () => {
  it('completes a TCP handshake with a listener and exchanges data', () => {
    const { w, a, b } = pair();
    const got: string[] = [];
    tcpListen(b, 80, 0, () => ({
      onData: (c, d) => {
        got.push(new TextDecoder().decode(d));
        c.send(new TextEncoder().encode('pong'));
        c.close();
      },
    }));
    let reply = '';
    const c = tcpConnect(a, parseIp4('10.1.0.2')!, 80, {
      onConnect: (conn) => conn.send(new TextEncoder().encode('ping')),
      onData: (_conn, d) => (reply += new TextDecoder().decode(d)),
      onPeerClose: (conn) => conn.close(),
    });
    expect(typeof c).not.toBe('number');
    w.eq.runUntil(w.eq.now + SEC);
    expect(got).toEqual(['ping']);
    expect(reply).toBe('pong');
    // The client's side is gone (LAST_ACK, then closed); the server closed first and keeps the
    // connection in TIME_WAIT for 60 s (and up to a timer-wheel bucket more).
    expect(a.sockets.tcpConns.size).toBe(0);
    expect([...b.sockets.tcpConns.values()].flatMap((m) => [...m.values()].map((x) => x.state))).toEqual(['TIME_WAIT']);
    w.eq.runUntil(w.eq.now + 59 * SEC);
    expect(b.sockets.tcpConns.size).toBe(1);
    w.eq.runUntil(w.eq.now + 3 * SEC);
    expect(b.sockets.tcpConns.size).toBe(0);
  });

  it('answers a closed TCP port with RST and a closed UDP port with ICMP port unreachable', () => {
    const { w, a } = pair();
    const tcp = sendProbe(w, a, parseIp4('10.1.0.2')!, 81, 'tcp');
    expect(summarize(tcp.outcome('request'))).toMatchObject({ verdict: 'dropped', reason: 'no listener' });
    expect(summarize(tcp.outcome('reply'))!.hops[0]!.text).toContain('[R.]');
    const udp = sendProbe(w, a, parseIp4('10.1.0.2')!, 53, 'udp');
    expect(summarize(udp.outcome('request'))).toMatchObject({ verdict: 'dropped', reason: 'no listener' });
    const rep = summarize(udp.outcome('reply'))!;
    expect(rep.verdict).toBe('delivered');
    expect(rep.hops[0]!.text).toContain('ICMP 10.1.0.2 udp port 53 unreachable');
  });
});
