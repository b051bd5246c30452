// The counters a namespace keeps, through the commands that print them. Outside truth: Linux 6.18
// in a fresh namespace after `ping -c 2 127.0.0.1` (real-proc-net-snmp-ping-lo.txt is its
// /proc/net/snmp); iproute2 3.10's `ip -s link` layout (CentOS 7); net-tools 2.0's netstat -s.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tcpListen } from '../../src/kernel/tcp.js';
import { sh, world } from '../helpers.js';

function pingedLo() {
  const w = world([['n1', '192.168.205.10/24']]);
  const h = w.hosts.get('n1')!;
  sh(w, h, 'ip netns add a');
  sh(w, h, 'ip netns exec a ip link set lo up');
  expect(sh(w, h, 'ip netns exec a ping -c 2 -q 127.0.0.1').code).toBe(0);
  return { w, h };
}

describe('counters', () => {
  it('cat /proc/net/snmp prints what Linux prints after two pings over lo', () => {
    const { w, h } = pingedLo();
    expect(sh(w, h, 'ip netns exec a cat /proc/net/snmp').out).toBe(readFileSync('test/trace/real-proc-net-snmp-ping-lo.txt', 'utf8'));
  });

  it('nstat -az names every counter as nstat does, and without -a prints what changed since the last nstat', () => {
    const { w, h } = pingedLo();
    const out = sh(w, h, 'ip netns exec a nstat -az').out.split('\n');
    expect(out[0]).toBe('#kernel');
    expect(out[1]).toBe('IpInReceives                    4                  0.0');
    expect(out).toContain('IcmpMsgOutType8                 2                  0.0');
    expect(out).not.toContain(expect.stringMatching(/^(IpForwarding|TcpRtoMin|TcpCurrEstab) /));
    expect(out.filter((l) => l.startsWith('Udp')).map((l) => l.split(' ')[0])).toEqual([
      'UdpInDatagrams', 'UdpNoPorts', 'UdpInErrors', 'UdpOutDatagrams', 'UdpRcvbufErrors', 'UdpSndbufErrors', 'UdpInCsumErrors', 'UdpIgnoredMulti', 'UdpMemErrors',
      'UdpLiteInDatagrams', 'UdpLiteNoPorts', 'UdpLiteInErrors', 'UdpLiteOutDatagrams', 'UdpLiteRcvbufErrors', 'UdpLiteSndbufErrors', 'UdpLiteInCsumErrors', 'UdpLiteIgnoredMulti', 'UdpLiteMemErrors',
    ]);
    sh(w, h, 'ip netns exec a ping -c 1 -q 127.0.0.1');
    expect(sh(w, h, 'ip netns exec a nstat').out).toContain('IpInReceives                    2                  0.0\n');
  });

  it('netstat -s words the counters as net-tools does, histograms and all', () => {
    const { w, h } = pingedLo();
    const out = sh(w, h, 'ip netns exec a netstat -s').out;
    expect(out.startsWith('Ip:\n    4 total packets received\n    0 forwarded\n    0 incoming packets discarded\n    4 incoming packets delivered\n    4 requests sent out\n    OutTransmits: 4\nIcmp:\n    4 ICMP messages received\n    0 input ICMP message failed\n    ICMP input histogram:\n        echo requests: 2\n        echo replies: 2\n    4 ICMP messages sent\n    0 ICMP messages failed\n    ICMP output histogram:\n        echo requests: 2\n        echo replies: 2\nIcmpMsg:\n        InType0: 2\n')).toBe(true);
    expect(out).toContain('Udp:\n    0 packets received\n    0 packets to unknown port received\n');
    expect(sh(w, h, 'ip netns exec a netstat -s -u').out).toBe('IcmpMsg:\n    InType0: 2\n    InType8: 2\n    OutType0: 2\n    OutType8: 2\nUdp:\n    0 packets received\n    0 packets to unknown port received\n    0 packet receive errors\n    0 packets sent\n    0 receive buffer errors\n    0 send buffer errors\nUdpLite:\n');
  });

  it('ip -s link prints each device\'s counters under it (lo counts the IP datagram, 84 bytes a ping)', () => {
    const { w, h } = pingedLo();
    expect(sh(w, h, 'ip netns exec a ip -s link').out).toBe([
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000',
      '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
      '    RX: bytes  packets  errors  dropped overrun mcast   ',
      '    336        4        0       0       0       0       ',
      '    TX: bytes  packets  errors  dropped carrier collsns ',
      '    336        4        0       0       0       0       ',
      '',
    ].join('\n'));
  });

  it('counts UDP to a closed port, forwarding and a missing route in the namespaces that saw them', () => {
    const w = world([['n1', '192.168.205.10/24']]);
    const h = w.hosts.get('n1')!;
    for (const l of [
      'ip netns add a', 'ip netns add r', 'ip netns add b',
      'ip link add a0 type veth peer name r0', 'ip link add r1 type veth peer name b0',
      'ip link set a0 netns a', 'ip link set r0 netns r', 'ip link set r1 netns r', 'ip link set b0 netns b',
      'ip netns exec a ip addr add 10.1.0.1/24 dev a0', 'ip netns exec r ip addr add 10.1.0.254/24 dev r0',
      'ip netns exec r ip addr add 10.2.0.254/24 dev r1', 'ip netns exec b ip addr add 10.2.0.2/24 dev b0',
      'ip netns exec a ip link set a0 up', 'ip netns exec r ip link set r0 up', 'ip netns exec r ip link set r1 up', 'ip netns exec b ip link set b0 up',
      'ip netns exec a ip route add default via 10.1.0.254', 'ip netns exec b ip route add default via 10.2.0.254',
      'ip netns exec r sysctl -w net.ipv4.ip_forward=1',
    ]) sh(w, h, l);
    sh(w, h, 'ip netns exec a ping -c 1 -q 10.2.0.2');
    sh(w, h, 'ip netns exec a ping -c 1 -q 10.9.9.9');
    const r = sh(w, h, 'ip netns exec r nstat -a').out;
    expect(r).toMatch(/IpForwDatagrams +2 /);
    expect(r).toMatch(/IcmpOutDestUnreachs +1 /);
    const a = sh(w, h, 'ip netns exec a nstat -a').out;
    expect(a).toMatch(/IcmpInDestUnreachs +1 /);
    expect(a).toMatch(/IcmpInEchoReps +1 /);
    sh(w, h, 'ip netns exec b ip route del default');
    expect(sh(w, h, 'ip netns exec b ping -c 1 10.9.9.9').code).not.toBe(0);
    expect(sh(w, h, 'ip netns exec b nstat -a').out).toMatch(/IpOutNoRoutes +1 /);
    // What the kernel answers by itself is not counted (icmp_reply, a closed port's RST by
    // ip_send_unicast_reply); a listener's SYN-ACK is (inet_csk_route_req), once per SYN: the SYN
    // is dropped with no request socket left to retransmit — as the real kernel counts in the
    // kernel-diff router cases.
    tcpListen(h.named.get('b')!, 80, 0, () => ({}));
    sh(w, h, 'ip netns exec b nstat -n');
    expect(sh(w, h, 'ip netns exec a ping -c 1 -W 1 10.2.0.2').code).toBe(1);
    expect(sh(w, h, 'ip netns exec a curl -s -m 2 http://10.2.0.2:81/').code).toBe(28);
    expect(sh(w, h, 'ip netns exec b nstat').out).not.toMatch(/IpOutNoRoutes/);
    expect(sh(w, h, 'ip netns exec a curl -s -m 2 http://10.2.0.2/').code).toBe(28);
    // The SYN at 0 s and its retransmission at 1 s (curl gives up at 2 s).
    expect(sh(w, h, 'ip netns exec b nstat').out).toMatch(/IpOutNoRoutes +2 /);
  });

  it('conntrack -S prints the table statistics as conntrack-tools does for a 3.10 kernel', () => {
    const w = world([['n1', '192.168.205.10/24']]);
    const h = w.hosts.get('n1')!;
    sh(w, h, 'iptables -A INPUT -m state --state ESTABLISHED -j ACCEPT');
    sh(w, h, 'ping -c 2 -q 127.0.0.1');
    expect(sh(w, h, 'conntrack -S').out).toMatch(/^cpu=0   \tsearched=\d+ found=\d+ new=1 invalid=0 ignore=\d+ delete=0 delete_list=0 insert=1 insert_failed=0 drop=0 early_drop=0 error=0 search_restart=0 \n$/);
  });
});
