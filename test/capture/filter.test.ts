// The pcap-filter subset: expressions compiled once, matched against encoded frames; what
// libpcap refuses is refused in its words.
import { describe, expect, it } from 'vitest';
import { compileFilter, filterError } from '../../src/capture/filter.js';
import { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, cookedFrame, PACKET_HOST } from '../../src/capture/linktype.js';
import { encodeFrame } from '../../src/wire/encode.js';
import { ARPOP_REQUEST, ETH_P_ARP, ICMP_ECHO, IPPROTO_ESP, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, Packet, TCP_SYN } from '../../src/wire/packet.js';
import { parseIp4 } from '../../src/core/addr.js';

function ip(s: string): number {
  return parseIp4(s)!;
}

function pkt(proto: number, src: string, dst: string, sport = 0, dport = 0): Packet {
  const p = new Packet();
  p.ethSrc = 0x0242ac110002;
  p.ethDst = 0x0242ac110003;
  p.ipProto = proto;
  p.ipSrc = ip(src);
  p.ipDst = ip(dst);
  p.sport = sport;
  p.dport = dport;
  if (proto === IPPROTO_TCP) p.tcpFlags = TCP_SYN;
  if (proto === IPPROTO_ICMP) p.icmpType = ICMP_ECHO;
  if (proto === IPPROTO_ESP) p.payloadLen = 40;
  return p;
}

const arp = new Packet();
arp.ethType = ETH_P_ARP;
arp.arpOp = ARPOP_REQUEST;
arp.arpSpa = ip('10.0.0.1');
arp.arpTpa = ip('10.0.0.2');
arp.ethDst = 0xffffffffffff;

const vxlan = pkt(IPPROTO_UDP, '192.168.205.10', '192.168.205.11', 40000, 4789);
vxlan.vni = 4097;
vxlan.inner = pkt(IPPROTO_ICMP, '10.0.1.2', '10.0.1.3');

const frames: Record<string, Packet> = {
  syn: pkt(IPPROTO_TCP, '10.0.0.1', '10.0.0.2', 40000, 80),
  dns: pkt(IPPROTO_UDP, '10.0.0.1', '127.0.0.11', 50000, 53),
  ping: pkt(IPPROTO_ICMP, '10.0.0.2', '10.0.0.1'),
  esp: pkt(IPPROTO_ESP, '192.168.205.10', '192.168.205.11'),
  vrrp: pkt(112, '10.0.0.5', '224.0.0.18'),
  arp,
  vxlan,
};

function matching(expr: string): string[] {
  const f = compileFilter(expr);
  return Object.entries(frames).filter(([, p]) => f(encodeFrame(p), LINKTYPE_ETHERNET)).map(([k]) => k);
}

describe('pcap-filter compiler', () => {
  it('matches protocols, hosts with directions, nets, ports and port ranges', () => {
    expect(matching('')).toEqual(Object.keys(frames));
    expect(matching('tcp')).toEqual(['syn']);
    expect(matching('udp')).toEqual(['dns', 'vxlan']);
    expect(matching('icmp or arp')).toEqual(['ping', 'arp']);
    expect(matching('vrrp')).toEqual(['vrrp']);
    expect(matching('ip proto 50')).toEqual(['esp']);
    expect(matching('udp port 4789')).toEqual(['vxlan']);
    expect(matching('port 53 or 80')).toEqual(['syn', 'dns']);
    expect(matching('tcp dst port 80')).toEqual(['syn']);
    expect(matching('src port 80')).toEqual([]);
    expect(matching('portrange 50-60')).toEqual(['dns']);
    // host matches IPv4 addresses and ARP's sender and target addresses.
    expect(matching('host 10.0.0.1')).toEqual(['syn', 'dns', 'ping', 'arp']);
    expect(matching('src host 10.0.0.1')).toEqual(['syn', 'dns', 'arp']);
    expect(matching('dst 10.0.0.1')).toEqual(['ping']);
    expect(matching('ip host 10.0.0.1 and not tcp')).toEqual(['dns', 'ping']);
    expect(matching('net 192.168.205.0/24')).toEqual(['esp', 'vxlan']);
    expect(matching('net 10')).toEqual(['syn', 'dns', 'ping', 'vrrp', 'arp']);
    expect(matching('!(udp || icmp) && !arp')).toEqual(['syn', 'esp', 'vrrp']);
    expect(matching('src 10.0.0.1 and dst 10.0.0.2')).toEqual(['syn', 'arp']);
  });

  it('reads the network layer after a Linux cooked header (tcpdump -i any)', () => {
    const f = compileFilter('tcp port 80 and host 10.0.0.2');
    expect(f(cookedFrame(frames.syn!, false, 3, 1, PACKET_HOST), LINKTYPE_LINUX_SLL)).toBe(true);
    expect(f(cookedFrame(frames.dns!, false, 3, 1, PACKET_HOST), LINKTYPE_LINUX_SLL)).toBe(false);
  });

  it('refuses bad expressions as libpcap does', () => {
    expect(filterError('tcp and')).toBe('syntax error');
    expect(filterError('(udp')).toBe('syntax error');
    expect(filterError('port')).toBe('syntax error');
    expect(filterError('udp port 70000')).toBe('illegal port number 70000 > 65535');
    expect(filterError('port foo')).toBe("unknown port 'foo'");
    expect(filterError('host web')).toBe("unknown host 'web'");
    expect(filterError('net 10.0.0.1/24')).toBe('non-network bits set in "10.0.0.1/24"');
    expect(filterError('tcp host 10.0.0.1')).toBe("'tcp' modifier applied to host");
    expect(filterError('udp port 53 and (host 10.0.0.1 or host 10.0.0.2)')).toBeNull();
  });
});
