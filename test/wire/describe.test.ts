import { describe as suite, it, expect } from 'vitest';
import { parseIp4 } from '../../src/core/addr.js';
import { describe, describeL3, tcpFlagsString } from '../../src/wire/describe.js';
import { decodeFrame, encodeFrame } from '../../src/wire/encode.js';
import {
  ARPOP_REPLY,
  ARPOP_REQUEST,
  ETH_P_ARP,
  ICMP_DEST_UNREACH,
  ICMP_ECHO,
  ICMP_ECHOREPLY,
  ICMP_FRAG_NEEDED,
  ICMP_HOST_UNREACH,
  ICMP_NET_UNREACH,
  ICMP_PKT_FILTERED,
  ICMP_PORT_UNREACH,
  ICMP_PROT_UNREACH,
  ICMP_TIME_EXCEEDED,
  IPPROTO_ESP,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  Packet,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  VXLAN_PORT,
} from '../../src/wire/packet.js';

const ip = (s: string): number => parseIp4(s)!;

function arpRequest(): Packet {
  const p = new Packet();
  p.ethType = ETH_P_ARP;
  p.ethSrc = 0x0242ac110002;
  p.ethDst = 0xffffffffffff;
  p.arpOp = ARPOP_REQUEST;
  p.arpSha = 0x0242ac110002;
  p.arpSpa = ip('172.17.0.2');
  p.arpTpa = ip('172.17.0.3');
  return p;
}

function ipv4(proto: number, src = '10.0.0.2', dst = '10.0.0.3'): Packet {
  const p = new Packet();
  p.ethSrc = 0x02420a000002;
  p.ethDst = 0x02420a000003;
  p.ipSrc = ip(src);
  p.ipDst = ip(dst);
  p.ipProto = proto;
  return p;
}

function echo(): Packet {
  const p = ipv4(IPPROTO_ICMP);
  p.icmpType = ICMP_ECHO;
  p.icmpId = 1;
  p.icmpSeq = 1;
  p.payloadLen = 56;
  return p;
}

function dns(): Packet {
  const p = ipv4(IPPROTO_UDP);
  p.sport = 5353;
  p.dport = 53;
  p.payloadLen = 30;
  return p;
}

function icmpError(type: number, code: number, inner: Packet, src = '10.0.0.1'): Packet {
  const p = ipv4(IPPROTO_ICMP, src, '10.0.0.2');
  p.icmpType = type;
  p.icmpCode = code;
  p.inner = inner;
  return p;
}

suite('describe', () => {
  it('ARP request and reply', () => {
    expect(describe(arpRequest())).toBe('02:42:ac:11:00:02 > ff:ff:ff:ff:ff:ff ARP who-has 172.17.0.3 tell 172.17.0.2');
    const reply = arpRequest();
    reply.arpOp = ARPOP_REPLY;
    reply.ethSrc = reply.arpSha = 0x0242ac110003;
    reply.ethDst = reply.arpTha = 0x0242ac110002;
    reply.arpSpa = ip('172.17.0.3');
    reply.arpTpa = ip('172.17.0.2');
    expect(describeL3(reply)).toBe('ARP reply 172.17.0.3 is-at 02:42:ac:11:00:03');
    expect(describe(reply)).toBe('02:42:ac:11:00:03 > 02:42:ac:11:00:02 ARP reply 172.17.0.3 is-at 02:42:ac:11:00:03');
    reply.arpOp = 9;
    expect(describeL3(reply)).toBe('ARP op 9');
  });

  it('ICMP echo request and reply (len is the IP total length)', () => {
    expect(describeL3(echo())).toBe('10.0.0.2 > 10.0.0.3: ICMP echo request id 1 seq 1 ttl 64 len 84');
    expect(describe(echo())).toBe('02:42:0a:00:00:02 > 02:42:0a:00:00:03 10.0.0.2 > 10.0.0.3: ICMP echo request id 1 seq 1 ttl 64 len 84');
    const reply = ipv4(IPPROTO_ICMP, '10.0.0.3', '10.0.0.2');
    reply.icmpType = ICMP_ECHOREPLY;
    reply.icmpId = 7;
    reply.icmpSeq = 2;
    reply.ipTtl = 63;
    expect(describeL3(reply)).toBe('10.0.0.3 > 10.0.0.2: ICMP echo reply id 7 seq 2 ttl 63 len 28');
  });

  it('TCP', () => {
    const syn = ipv4(IPPROTO_TCP);
    syn.sport = 34567;
    syn.dport = 80;
    syn.tcpFlags = TCP_SYN;
    syn.tcpSeq = 1;
    expect(describeL3(syn)).toBe('10.0.0.2.34567 > 10.0.0.3.80: TCP [S] seq 1 len 0 ttl 64');
    const data = ipv4(IPPROTO_TCP, '10.0.0.3', '10.0.0.2');
    data.sport = 80;
    data.dport = 34567;
    data.tcpFlags = TCP_PSH | TCP_ACK;
    data.tcpSeq = 0xffffffff;
    data.tcpAck = 2;
    data.payloadLen = 100;
    expect(describeL3(data)).toBe('10.0.0.3.80 > 10.0.0.2.34567: TCP [P.] seq 4294967295 ack 2 len 100 ttl 64');
  });

  it('UDP, and other protocols', () => {
    expect(describeL3(dns())).toBe('10.0.0.2.5353 > 10.0.0.3.53: UDP len 30 ttl 64');
    const esp = ipv4(IPPROTO_ESP);
    esp.payloadLen = 12;
    expect(describeL3(esp)).toBe('10.0.0.2 > 10.0.0.3: ESP len 12 ttl 64');
    const gre = ipv4(47);
    expect(describeL3(gre)).toBe('10.0.0.2 > 10.0.0.3: ip-proto-47 len 0 ttl 64');
    const v6 = new Packet();
    v6.ethType = 0x86dd;
    expect(describeL3(v6)).toBe('ethertype 0x86dd');
  });

  it('ICMP errors, named as tcpdump names them', () => {
    const fromDns = icmpError(ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, dns(), '10.0.0.3');
    expect(describeL3(fromDns)).toBe('10.0.0.3 > 10.0.0.2: ICMP 10.0.0.3 udp port 53 unreachable');
    const syn = ipv4(IPPROTO_TCP);
    syn.dport = 8080;
    expect(describeL3(icmpError(ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, syn))).toBe(
      '10.0.0.1 > 10.0.0.2: ICMP 10.0.0.3 tcp port 8080 unreachable',
    );
    expect(describeL3(icmpError(ICMP_TIME_EXCEEDED, 0, echo()))).toBe('10.0.0.1 > 10.0.0.2: ICMP time exceeded in-transit');
    const frag = icmpError(ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, echo());
    frag.icmpId = 1450;
    expect(describeL3(frag)).toBe('10.0.0.1 > 10.0.0.2: ICMP 10.0.0.3 unreachable - need to frag (mtu 1450)');
    expect(describeL3(icmpError(ICMP_DEST_UNREACH, ICMP_NET_UNREACH, echo()))).toContain('ICMP net 10.0.0.3 unreachable');
    expect(describeL3(icmpError(ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, echo()))).toContain('ICMP host 10.0.0.3 unreachable');
    expect(describeL3(icmpError(ICMP_DEST_UNREACH, ICMP_PROT_UNREACH, echo()))).toContain('ICMP 10.0.0.3 protocol 1 unreachable');
    expect(describeL3(icmpError(ICMP_DEST_UNREACH, ICMP_PKT_FILTERED, echo()))).toContain(
      'ICMP host 10.0.0.3 unreachable - admin prohibited filter',
    );
  });

  it('VXLAN, with the inner frame described after the VNI', () => {
    const p = ipv4(IPPROTO_UDP, '192.168.0.1', '192.168.0.2');
    p.sport = 40000;
    p.dport = VXLAN_PORT;
    p.vni = 4096;
    p.inner = echo();
    expect(describeL3(p)).toBe(
      '192.168.0.1.40000 > 192.168.0.2.4789: VXLAN vni 4096: ' +
        '02:42:0a:00:00:02 > 02:42:0a:00:00:03 10.0.0.2 > 10.0.0.3: ICMP echo request id 1 seq 1 ttl 64 len 84',
    );
    p.inner = arpRequest();
    expect(describeL3(p)).toBe(
      '192.168.0.1.40000 > 192.168.0.2.4789: VXLAN vni 4096: 02:42:ac:11:00:02 > ff:ff:ff:ff:ff:ff ARP who-has 172.17.0.3 tell 172.17.0.2',
    );
  });

  it('describes a decoded packet as it describes the original', () => {
    for (const p of [arpRequest(), echo(), dns(), icmpError(ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, dns(), '10.0.0.3')]) {
      const back = decodeFrame(encodeFrame(p));
      if (typeof back === 'string') throw new Error(back);
      expect(describe(back)).toBe(describe(p));
    }
  });
});

suite('tcpFlagsString', () => {
  it('spells flags as tcpdump does', () => {
    expect(tcpFlagsString(TCP_SYN)).toBe('[S]');
    expect(tcpFlagsString(TCP_SYN | TCP_ACK)).toBe('[S.]');
    expect(tcpFlagsString(TCP_ACK)).toBe('[.]');
    expect(tcpFlagsString(TCP_PSH | TCP_ACK)).toBe('[P.]');
    expect(tcpFlagsString(TCP_FIN | TCP_ACK)).toBe('[F.]');
    expect(tcpFlagsString(TCP_RST)).toBe('[R]');
    expect(tcpFlagsString(TCP_RST | TCP_ACK)).toBe('[R.]');
    expect(tcpFlagsString(TCP_FIN | TCP_PSH | TCP_ACK)).toBe('[FP.]');
    expect(tcpFlagsString(TCP_SYN | 0x40 | 0x80)).toBe('[SEW]');
    expect(tcpFlagsString(0)).toBe('[none]');
  });
});
