// tcpdump as a scenario runs it: the lines for fixed packets (compared with tcpdump 4.99 reading
// the same frames, which prints these the same way as 4.9.2: test:pcap checks whole scenarios),
// -c, -w then -r, ^C, the filter, and the errors in tcpdump's words; the capture step's checks.
import { describe, expect, it } from 'vitest';
import dnsPacket from 'dns-packet';
import { printFrame, timestamp } from '../../src/shell/tcpdump/print.js';
import { LINKTYPE_ETHERNET } from '../../src/capture/linktype.js';
import { encodeFrame } from '../../src/wire/encode.js';
import { parseIp4 } from '../../src/core/addr.js';
import {
  ARPOP_REQUEST, ETH_P_ARP, ICMP_ECHO, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, Packet, TCPOPT_F_MSS, TCPOPT_F_SACK_PERM, TCPOPT_F_TS,
  TCPOPT_F_WSCALE, TCP_ACK, TCP_PSH, TCP_SYN,
} from '../../src/wire/packet.js';
import { runText } from '../helpers.js';
import { loadScenario } from '../../src/scenario/load.js';
import { readCapture } from '../../src/capture/pcap.js';
import type { InputError } from '../../src/core/errors.js';

function base(proto: number, src: string, dst: string): Packet {
  const p = new Packet();
  p.ethSrc = 0x0242ac110002;
  p.ethDst = 0x0242ac110003;
  p.ipProto = proto;
  p.ipSrc = parseIp4(src)!;
  p.ipDst = parseIp4(dst)!;
  p.ipId = 4660;
  p.ipDf = true;
  return p;
}

const line = (p: Packet, o = { e: false, v: false }, seqs = new Map()): string => printFrame(encodeFrame(p), LINKTYPE_ETHERNET, o, seqs);

describe('tcpdump line format', () => {
  it('prints ICMP, ARP, TCP with relative sequence numbers, DNS and VXLAN as tcpdump 4.9 does', () => {
    const ping = base(IPPROTO_ICMP, '172.17.0.2', '172.17.0.3');
    ping.icmpType = ICMP_ECHO;
    ping.icmpId = 7;
    ping.icmpSeq = 1;
    ping.payloadLen = 56;
    expect(line(ping)).toBe('IP 172.17.0.2 > 172.17.0.3: ICMP echo request, id 7, seq 1, length 64');
    expect(line(ping, { e: true, v: false })).toBe('02:42:ac:11:00:02 > 02:42:ac:11:00:03, ethertype IPv4 (0x0800), length 98: 172.17.0.2 > 172.17.0.3: ICMP echo request, id 7, seq 1, length 64');
    expect(line(ping, { e: false, v: true })).toBe('IP (tos 0x0, ttl 64, id 4660, offset 0, flags [DF], proto ICMP (1), length 84)\n    172.17.0.2 > 172.17.0.3: ICMP echo request, id 7, seq 1, length 64');

    const arp = new Packet();
    arp.ethType = ETH_P_ARP;
    arp.arpOp = ARPOP_REQUEST;
    arp.arpSha = 0x0242ac110002;
    arp.arpSpa = parseIp4('172.17.0.2')!;
    arp.arpTpa = parseIp4('172.17.0.3')!;
    expect(line(arp)).toBe('ARP, Request who-has 172.17.0.3 tell 172.17.0.2, length 28');

    const seqs = new Map();
    const syn = base(IPPROTO_TCP, '172.17.0.2', '172.17.0.3');
    Object.assign(syn, { sport: 40000, dport: 80, tcpFlags: TCP_SYN, tcpSeq: 1000, tcpOpts: TCPOPT_F_MSS | TCPOPT_F_SACK_PERM | TCPOPT_F_TS | TCPOPT_F_WSCALE, tcpMss: 1460, tcpWscale: 7, tcpTsVal: 5, tcpWindow: 64240 });
    expect(line(syn, undefined, seqs)).toBe('IP 172.17.0.2.40000 > 172.17.0.3.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 5 ecr 0,nop,wscale 7], length 0');
    const synack = base(IPPROTO_TCP, '172.17.0.3', '172.17.0.2');
    Object.assign(synack, { sport: 80, dport: 40000, tcpFlags: TCP_SYN | TCP_ACK, tcpSeq: 9000, tcpAck: 1001, tcpWindow: 65160 });
    expect(line(synack, undefined, seqs)).toBe('IP 172.17.0.3.80 > 172.17.0.2.40000: Flags [S.], seq 9000, ack 1001, win 65160, length 0');
    const get = base(IPPROTO_TCP, '172.17.0.2', '172.17.0.3');
    const req = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    Object.assign(get, { sport: 40000, dport: 80, tcpFlags: TCP_PSH | TCP_ACK, tcpSeq: 1001, tcpAck: 9001, tcpWindow: 502, payload: req, payloadLen: req.length });
    expect(line(get, undefined, seqs)).toBe(`IP 172.17.0.2.40000 > 172.17.0.3.80: Flags [P.], seq 1:${req.length + 1}, ack 1, win 502, length ${req.length}: HTTP: GET / HTTP/1.1`);

    const q = base(IPPROTO_UDP, '10.0.1.2', '127.0.0.11');
    const qb = dnsPacket.encode({ id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: 'web' }] });
    Object.assign(q, { sport: 50000, dport: 53, payload: new Uint8Array(qb), payloadLen: qb.length });
    expect(line(q)).toBe(`IP 10.0.1.2.50000 > 127.0.0.11.53: 4242+ A? web. (${qb.length})`);
    const r = base(IPPROTO_UDP, '127.0.0.11', '10.0.1.2');
    const rb = dnsPacket.encode({ id: 4242, type: 'response', flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE, questions: [{ type: 'A', name: 'web' }], answers: [{ type: 'A', name: 'web', ttl: 600, data: '10.0.1.5' }] });
    Object.assign(r, { sport: 53, dport: 50000, payload: new Uint8Array(rb), payloadLen: rb.length });
    expect(line(r)).toBe(`IP 127.0.0.11.53 > 10.0.1.2.50000: 4242 1/0/0 A 10.0.1.5 (${rb.length})`);

    const vx = base(IPPROTO_UDP, '192.168.205.10', '192.168.205.11');
    Object.assign(vx, { sport: 45000, dport: 4789, vni: 4097, inner: ping.clone() });
    expect(line(vx)).toBe('IP 192.168.205.10.45000 > 192.168.205.11.4789: VXLAN, flags [I] (0x08), vni 4097\nIP 172.17.0.2 > 172.17.0.3: ICMP echo request, id 7, seq 1, length 64');
    expect(timestamp(3_723_000_456_789)).toBe('01:02:03.000456');
  });
});

const TWO = `
hosts:
  - { name: a, ip: 192.168.1.10/24, docker: false }
  - { name: b, ip: 192.168.1.11/24, docker: false }
steps:
`;

describe('tcpdump in a scenario', () => {
  it('prints the packets of the following steps until -c, then the counts; -w writes a pcap that -r reads', () => {
    const { res, transcript } = runText(`${TWO}
  - run: tcpdump -i eth0 -n -c 2 icmp &
    on: b
  - run: tcpdump -i eth0 -nn -w /tmp/all.pcap -c 3 &
    on: a
  - run: ping -c 2 192.168.1.11
    on: a
  - run: tcpdump -n -r /tmp/all.pcap
    on: a
    expect: { stdout: ["ARP, Request who-has 192.168.1.11 tell 192.168.1.10, length 28", "ARP, Reply 192.168.1.11 is-at", "IP 192.168.1.10 > 192.168.1.11: ICMP echo request"] }
  - run: tcpdump -n -r /tmp/all.pcap arp
    on: a
    expect: { stdout_not: [ICMP] }
`);
    expect(res.passed).toBe(true);
    expect(transcript).toContain('tcpdump: verbose output suppressed, use -v or -vv for full protocol decode\nlistening on eth0, link-type EN10MB (Ethernet), capture size 262144 bytes\n');
    expect(transcript).toContain('tcpdump: listening on eth0, link-type EN10MB (Ethernet), capture size 262144 bytes\n');
    expect(transcript).toMatch(/\d\d:\d\d:\d\d\.\d{6} IP 192\.168\.1\.10 > 192\.168\.1\.11: ICMP echo request, id \d+, seq 1, length 64\n\d\d:\d\d:\d\d\.\d{6} IP 192\.168\.1\.11 > 192\.168\.1\.10: ICMP echo reply, id \d+, seq 1, length 64\n2 packets captured\n2 packets received by filter\n0 packets dropped by kernel\n/);
    expect(transcript).toContain('3 packets captured\n3 packets received by filter\n0 packets dropped by kernel\n');
    expect(transcript).toContain('reading from file /tmp/all.pcap, link-type EN10MB (Ethernet)\n');
  });

  it('kill %1 stops a background tcpdump as SIGTERM does: a newline, the counts, and bash reports it Done (tcpdump 4.99 and bash 5.2 here)', () => {
    const { res, transcript } = runText(`${TWO}
  - run: tcpdump -i eth0 -n icmp &
    on: a
  - run: ping -c 1 192.168.1.11
    on: a
  - run: kill %1
    on: a
`);
    expect(res.passed).toBe(true);
    expect(transcript).toContain('# tcpdump -i eth0 -n icmp &\n[1] 2301\ntcpdump: verbose output suppressed');
    expect(transcript).toContain('# kill %1\n\n2 packets captured\n2 packets received by filter\n0 packets dropped by kernel\n[1]+  Done                    tcpdump -i eth0 -n icmp\n');
  });

  it('stops at the step\'s interrupt with the counts, captures on any as Linux cooked, and refuses what tcpdump refuses', () => {
    const { res, transcript } = runText(`${TWO}
  - run: tcpdump -i any -n -e icmp
    on: a
    interrupt: 3s
  - run: tcpdump -i eth9
    on: a
    expect: { exit: 1 }
  - run: tcpdump -n 'udp and'
    on: a
    expect: { exit: 1 }
  - run: tcpdump -n -r /tmp/none.pcap
    on: a
    expect: { exit: 1 }
`);
    expect(res.passed).toBe(true);
    expect(transcript).toContain('listening on any, link-type LINUX_SLL (Linux cooked), capture size 262144 bytes\n^C\n0 packets captured\n0 packets received by filter\n0 packets dropped by kernel\n');
    expect(transcript).toContain('tcpdump: eth9: No such device exists\n(SIOCGIFHWADDR: No such device)\n');
    expect(transcript).toContain('tcpdump: syntax error\n');
    expect(transcript).toContain('tcpdump: /tmp/none.pcap: No such file or directory\n');
  });
});

describe('capture step', () => {
  it('records one device, or any, from its step on, as pcapng with the device named host/netns/dev', () => {
    const { res } = runText(`${TWO}
  - capture: { on: a, dev: eth0, filter: icmp, file: a.pcapng }
  - capture: { on: b, file: b-any.pcapng }
  - run: ping -c 1 192.168.1.11
    on: a
`);
    expect(res.captures.map((c) => [c.file, c.packets])).toEqual([['a.pcapng', 2], ['b-any.pcapng', 4]]);
    const a = readCapture(res.captures[0]!.bytes());
    if (typeof a === 'string') throw new Error(a);
    expect(a.map((f) => f.linktype)).toEqual([1, 1]);
    expect(new TextDecoder('latin1').decode(res.captures[0]!.bytes())).toContain('a/root/eth0');
    const b = readCapture(res.captures[1]!.bytes());
    if (typeof b === 'string') throw new Error(b);
    expect(b.every((f) => f.linktype === 276)).toBe(true);
  });

  it('refuses a bad filter, an unknown key or a missing file at its line', () => {
    expect(() => loadScenario('t.yaml', `${TWO}  - capture: { on: a, filter: "tcp and", file: x }\n`)).toThrow(/bad capture filter "tcp and": syntax error/);
    expect(() => loadScenario('t.yaml', `${TWO}  - capture: { on: a, device: eth0, file: x }\n`)).toThrow(/unknown key "device"/);
    expect(() => loadScenario('t.yaml', `${TWO}  - capture: { on: a }\n`)).toThrow(/needs "file"/);
    const at = (yaml: string): unknown => {
      try {
        loadScenario('t.yaml', yaml);
      } catch (e) {
        return { line: (e as InputError).line, message: (e as InputError).message };
      }
      return null;
    };
    expect(at(`${TWO}  - capture: { on: a, filter: "port 99999", file: x }\n`)).toEqual({ line: 6, message: 'bad capture filter "port 99999": illegal port number 99999 > 65535' });
    expect(() => runText(`${TWO}  - capture: { on: a, dev: eth7, file: x }\n`, 't.yaml')).toThrow('a/root has no device "eth7" at this step (it has: lo, eth0)');
  });
});
