// IPv4 fragmentation and reassembly, by what ping prints and what the MIB counts. The figures are
// the ones Linux 6.18 gave for the same steps (test/kernel-diff/frag.ts compares them live).
import { describe, expect, it } from 'vitest';
import { SEC } from '../../src/sim/clock.js';
import { ipDefrag } from '../../src/kernel/frag.js';
import { Packet } from '../../src/wire/packet.js';
import { sh, vethPair, world } from '../helpers.js';

function mib(out: string, field: string): number {
  const lines = out.split('\n').filter((l) => l.startsWith('Ip:'));
  const names = lines[0]!.split(/\s+/);
  return Number(lines[1]!.split(/\s+/)[names.indexOf(field)]);
}

/** c (10.1.0.1) — r — s (10.2.0.2), the r–s link at MTU 1400. */
function routed(extra: string[] = []) {
  const w = world([['n1', '192.168.205.10/24']]);
  const h = w.hosts.get('n1')!;
  for (const line of [
    'ip netns add c', 'ip netns add r', 'ip netns add s',
    'ip netns exec c ip link add c0 type veth peer name r0 netns r',
    'ip netns exec s ip link add s0 type veth peer name r1 netns r',
    'ip netns exec c ip addr add 10.1.0.1/24 dev c0', 'ip netns exec c ip link set c0 up',
    'ip netns exec r ip addr add 10.1.0.254/24 dev r0', 'ip netns exec r ip link set r0 up',
    'ip netns exec r ip addr add 10.2.0.254/24 dev r1', 'ip netns exec r ip link set r1 up',
    'ip netns exec s ip addr add 10.2.0.2/24 dev s0', 'ip netns exec s ip link set s0 up',
    'ip netns exec r ip link set r1 mtu 1400', 'ip netns exec s ip link set s0 mtu 1400',
    'ip netns exec c ip route add default via 10.1.0.254', 'ip netns exec s ip route add default via 10.2.0.254',
    'ip netns exec r sysctl -w net.ipv4.ip_forward=1',
    ...extra,
  ]) expect(sh(w, h, line).code, line).toBe(0);
  return { w, h };
}

describe('fragmentation', () => {
  it('ping -s 3000 over a veth: three pieces each way, reassembled, and the reply is 3008 bytes', () => {
    const { w, h } = vethPair();
    const r = sh(w, h, 'ip netns exec a ping -n -c 1 -W 1 -s 3000 10.1.0.2');
    expect(r.out).toMatch(/^PING 10\.1\.0\.2 \(10\.1\.0\.2\) 3000\(3028\) bytes of data\.\n3008 bytes from 10\.1\.0\.2: icmp_seq=1 ttl=64 time=/);
    expect(r.code).toBe(0);
    for (const ns of ['a', 'b']) {
      const snmp = sh(w, h, `ip netns exec ${ns} cat /proc/net/snmp`).out;
      expect([mib(snmp, 'FragOKs'), mib(snmp, 'FragCreates'), mib(snmp, 'ReasmReqds'), mib(snmp, 'ReasmOKs')]).toEqual([1, 3, 3, 1]);
    }
  });

  it('-M do: 1472 bytes fit 1500, 1473 are refused before they leave', () => {
    const { w, h } = vethPair();
    expect(sh(w, h, 'ip netns exec a ping -n -c 1 -W 1 -M do -s 1472 10.1.0.2').out).toContain('1480 bytes from 10.1.0.2');
    const r = sh(w, h, 'ip netns exec a ping -n -c 1 -W 1 -M do -s 1473 10.1.0.2');
    expect(r.out).toContain('ping: local error: Message too long, mtu=1500\n');
    expect(r.out).toContain('1 packets transmitted, 0 received, +1 errors, 100% packet loss');
    expect(r.code).toBe(1);
  });

  it('a router re-fragments towards the smaller MTU; the receiver reassembles what the router cut', () => {
    const { w, h } = routed();
    expect(sh(w, h, 'ip netns exec c ping -n -c 1 -W 1 -s 3000 10.2.0.2').out).toContain('3008 bytes from 10.2.0.2: icmp_seq=1 ttl=63');
    const rs = sh(w, h, 'ip netns exec r cat /proc/net/snmp').out;
    // The 1500-byte first and second pieces are each cut in two (1396 + 124); the echo reply leaves s in 1396-byte pieces.
    expect([mib(rs, 'FragOKs'), mib(rs, 'FragCreates'), mib(rs, 'ReasmReqds')]).toEqual([2, 4, 0]);
    const ss = sh(w, h, 'ip netns exec s cat /proc/net/snmp').out;
    expect([mib(ss, 'ReasmReqds'), mib(ss, 'ReasmOKs'), mib(ss, 'FragOKs'), mib(ss, 'FragCreates')]).toEqual([5, 1, 1, 3]);
  });

  it('-M do through the 1400 link: the router says "Frag needed", then the learnt path MTU refuses it locally, and a non-DF ping is cut to it', () => {
    const { w, h } = routed();
    const first = sh(w, h, 'ip netns exec c ping -n -c 1 -W 1 -M do -s 1472 10.2.0.2');
    expect(first.out).toContain('From 10.1.0.254 icmp_seq=1 Frag needed and DF set (mtu = 1400)\n');
    expect(sh(w, h, 'ip netns exec c ping -n -c 1 -W 1 -M do -s 1472 10.2.0.2').out).toContain('ping: local error: Message too long, mtu=1400\n');
    expect(sh(w, h, 'ip netns exec c ip route get 10.2.0.2').out).toContain('mtu 1400');
    expect(sh(w, h, 'ip netns exec c ping -n -c 1 -W 1 -s 1400 10.2.0.2').out).toContain('1408 bytes from 10.2.0.2');
    // c cut the 1428-byte datagram to the path MTU itself: the router forwarded the pieces whole.
    const cs = sh(w, h, 'ip netns exec c cat /proc/net/snmp').out;
    expect([mib(cs, 'FragOKs'), mib(cs, 'FragCreates')]).toEqual([1, 2]);
    const rs = sh(w, h, 'ip netns exec r cat /proc/net/snmp').out;
    expect([mib(rs, 'FragOKs'), mib(rs, 'FragFails')]).toEqual([0, 1]);
  });

  it('a router with conntrack reassembles first (nf_defrag) and sends the datagram on in pieces no larger than it got', () => {
    const { w, h } = routed(['ip netns exec r iptables -A FORWARD -m conntrack --ctstate NEW,ESTABLISHED -j ACCEPT']);
    expect(sh(w, h, 'ip netns exec c ping -n -c 1 -W 1 -s 3000 10.2.0.2').out).toContain('3008 bytes from 10.2.0.2');
    const rs = sh(w, h, 'ip netns exec r cat /proc/net/snmp').out;
    expect([mib(rs, 'ReasmReqds'), mib(rs, 'ReasmOKs'), mib(rs, 'FragOKs'), mib(rs, 'FragCreates')]).toEqual([6, 2, 2, 6]);
    expect(sh(w, h, 'ip netns exec r iptables -nvxL FORWARD').out).toMatch(/^ +2 +6056 ACCEPT/m);
  });

  it('a datagram missing a piece is dropped after ipfrag_time (30 s), with ICMP "fragment reassembly time exceeded"', () => {
    const { w, h, b } = vethPair();
    const whole = new Packet();
    whole.ipProto = 1;
    whole.icmpType = 8;
    whole.payloadLen = 3000;
    whole.ipSrc = 0x0a010001;
    whole.ipDst = 0x0a010002;
    const first = new Packet();
    Object.assign(first, { ipProto: 1, ipSrc: whole.ipSrc, ipDst: whole.ipDst, ipId: 7, fragOf: whole, ipFragOff: 0, fragLen: 1480, ipMf: true, icmpType: 8 });
    expect(ipDefrag(b, null, first)).toBeNull();
    w.eq.runUntil(w.eq.now + 31 * SEC);
    const snmp = sh(w, h, 'ip netns exec b cat /proc/net/snmp').out;
    expect([mib(snmp, 'ReasmReqds'), mib(snmp, 'ReasmOKs'), mib(snmp, 'ReasmFails'), mib(snmp, 'ReasmTimeout')]).toEqual([1, 0, 1, 1]);
    expect(b.snmp.Icmp.OutTimeExcds).toBe(1);
  });
});

describe('a traced fragment', () => {
  it('the trace follows the first piece, words it as tcpdump does, and shows the cut and the reassembly', async () => {
    const { swarmsim } = await import('../helpers.js');
    const r = swarmsim('trace', 'test/kernel/frag-router.yaml', '--on', 'a', '--to', '10.2.0.2:53', '--proto', 'udp', '--size', '3028');
    expect(r.stdout).toMatch(/a \/ r \/ r0 +rcv: ip_rcv 10\.1\.0\.2\.\d+ > 10\.2\.0\.2\.53: UDP len 3000 ttl 64 \(frag \d+:1480@0\+\)/);
    expect(r.stdout).toContain('a / r / r1  fragment: fragment for mtu 1400: 2 pieces');
    expect(r.stdout).toMatch(/a \/ b \/ b0 +rcv: ip_rcv 10\.1\.0\.2\.\d+ > 10\.2\.0\.2\.53: UDP len 3000 ttl 63 \(frag \d+:1376@0\+\)/);
    expect(r.stdout).toContain('a / b / b0  defrag: reassembly queue: fragment offset 0 len 1376 MF');
    expect(r.stdout).toContain('drop: nothing listens on UDP 10.2.0.2:53');
  });
});
