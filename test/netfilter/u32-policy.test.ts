// The two matches Docker 19.03's encrypted overlays rely on: u32 (parsed once into a program,
// evaluated on the datagram's bytes) and policy (what IPsec did to a packet), with iptables
// 1.4.21's syntax, errors, and -S / -L output.
import { describe, expect, it } from 'vitest';
import { parseU32, compileU32, u32Eval, u32Text } from '../../src/kernel/netfilter/u32.js';
import { nfOf } from '../../src/kernel/netfilter/netfilter.js';
import { World } from '../../src/kernel/world.js';
import { ICMP_ECHO, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, Packet, VXLAN_PORT } from '../../src/wire/packet.js';
import { ip, sh, shAll } from './helpers.js';

const DOCKER = '0>>22&0x3C@12&0xFFFFFF00=1048832'; // VNI 4097 << 8
const TRY = "Try `iptables -h' or 'iptables --help' for more information.";

function setup() {
  const world = new World(1);
  const host = world.addHost('node1', ip('192.168.205.10'), 24);
  return { world, ns: host.root };
}

function program(expr: string): Uint32Array {
  const t = parseU32(expr);
  if (typeof t === 'string') throw new Error(t);
  return compileU32(t);
}

function datagram(proto: number): Packet {
  const p = new Packet();
  p.ipSrc = ip('192.168.205.11');
  p.ipDst = ip('192.168.205.12');
  p.ipProto = proto;
  return p;
}

function vxlan(vni: number): Packet {
  const p = datagram(IPPROTO_UDP);
  p.sport = 40000;
  p.dport = VXLAN_PORT;
  p.vni = vni;
  const inner = new Packet();
  inner.ipProto = IPPROTO_ICMP;
  inner.icmpType = ICMP_ECHO;
  inner.payloadLen = 56;
  p.inner = inner;
  return p;
}

describe('u32 (xt_u32 / libxt_u32)', () => {
  it('prints the canonical form iptables shows: every number in hex', () => {
    const t = parseU32(DOCKER);
    if (typeof t === 'string') throw new Error(t);
    expect(u32Text(t)).toBe('"0x0>>0x16&0x3c@0xc&0xffffff00=0x100100"');
    const many = parseU32(' 6 & 0xFF = 1 , 6 ,17:18 && 0>>28=4&&0<<4>>28=05');
    if (typeof many === 'string') throw new Error(many);
    expect(u32Text(many)).toBe('"0x6&0xff=0x1,0x6,0x11:0x12&&0x0>>0x1c=0x4&&0x0<<0x4>>0x1c=0x5"');
  });

  it('refuses malformed expressions with libxt_u32 messages', () => {
    expect(parseU32('0>>22&')).toBe('u32: at char 6: expected number');
    expect(parseU32('=5')).toBe('u32: at char 0: location spec missing');
    expect(parseU32('0=')).toBe('u32: test ended with no value specified');
    expect(parseU32('0')).toBe('u32: abrupt end of input after location specifier');
    expect(parseU32('0>5=1')).toBe("u32: at char 2: a second '>' was expected");
    expect(parseU32('0=1&2')).toBe("u32: at char 4: a second '&' was expected");
    expect(parseU32('0=1 2')).toBe('u32: at char 4: expected "," or "&&"');
    expect(parseU32('0x=1')).toBe('u32: at char 1: operator expected');
    expect(parseU32('0=0x100000000')).toBe('u32: at char 2: expected number');
    expect(parseU32(Array.from({ length: 11 }, () => '0=0').join('&&'))).toMatch(/^u32: at char \d+: too many "&&"s$/);
  });

  it("matches a VXLAN datagram's VNI as Docker's expression does", () => {
    const prog = program(DOCKER);
    expect(u32Eval(prog, vxlan(4097))).toBe(true);
    expect(u32Eval(prog, vxlan(4098))).toBe(false);
    expect(u32Eval(prog, vxlan(0x1001ff))).toBe(false);
  });

  it('reads header fields, payload bytes and ranges, and fails out of bounds', () => {
    const udp = datagram(IPPROTO_UDP);
    udp.sport = 5353;
    udp.dport = 53;
    udp.payload = new TextEncoder().encode('abcd');
    udp.payloadLen = 4;
    expect(u32Eval(program('0>>28=4'), udp)).toBe(true);
    expect(u32Eval(program('0&0xFFFF=0:1500'), udp)).toBe(true); // total length 32
    expect(u32Eval(program('0&0xFFFF=33:1500'), udp)).toBe(false);
    expect(u32Eval(program('6&0xFF=1,6,17'), udp)).toBe(true); // protocol
    expect(u32Eval(program('6&0xFF=1,6,17&&0>>22&0x3C@0&0xFFFF=53'), udp)).toBe(true);
    expect(u32Eval(program('0>>22&0x3C@8=0x61626364'), udp)).toBe(true); // the data, after the UDP header
    expect(u32Eval(program('0>>22&0x3C@9=0'), udp)).toBe(false); // 20+9+4 > 32: out of the packet
    expect(u32Eval(program('29=0'), udp)).toBe(false);
    expect(u32Eval(program('0<<4>>28=5'), udp)).toBe(true); // IHL
    const tcp = datagram(IPPROTO_TCP);
    expect(u32Eval(program('6&0xFF=1,17'), tcp)).toBe(false);
    const echo = datagram(IPPROTO_ICMP);
    echo.icmpType = ICMP_ECHO;
    echo.payloadLen = 8;
    expect(u32Eval(program('0>>22&0x3C@0>>24=8'), echo)).toBe(true);
  });

  it('is parsed once, when the rule is made', () => {
    const { world, ns } = setup();
    shAll(world, ns, `iptables -A INPUT -p udp --dport 4789 -m u32 --u32 "${DOCKER}" -j DROP`);
    const m = nfOf(ns).tables.filter.chain('INPUT').rules[0]!.matches[1]!;
    expect(m.kind === 'u32' && m.prog).toEqual(program(DOCKER));
  });
});

describe('iptables with -m u32 and -m policy (iptables 1.4.21)', () => {
  const RULES = `
    iptables -t mangle -A OUTPUT -p udp --dport 4789 -m u32 --u32 "${DOCKER}" -j MARK --set-mark 13681891
    iptables -A INPUT -m policy --dir in --pol ipsec -p udp --dport 4789 -m u32 --u32 "${DOCKER}" -j ACCEPT
    iptables -A INPUT -p udp --dport 4789 -m u32 --u32 "${DOCKER}" -j DROP
    iptables -I INPUT -m policy --dir in --pol none -p udp --dport 4789 -m u32 ! --u32 "${DOCKER}" -j DROP
    iptables -A FORWARD -m policy --dir in --strict --reqid 1 --proto esp --next --spi 0x10 --mode tunnel --tunnel-src 10.0.0.0/8 ! --tunnel-dst 10.1.2.3 -j ACCEPT
    iptables -t mangle -A POSTROUTING -m policy --dir out --pol ipsec --mode transport
  `;
  const U = '"0x0>>0x16&0x3c@0xc&0xffffff00=0x100100"';

  it('prints them with -S as iptables-save does, and the printed rules read back the same', () => {
    const { world, ns } = setup();
    shAll(world, ns, RULES);
    const filter = sh(world, ns, 'iptables -S').out;
    expect(filter).toBe(`-P INPUT ACCEPT
-P FORWARD ACCEPT
-P OUTPUT ACCEPT
-A INPUT -p udp -m policy --dir in --pol none -m udp --dport 4789 -m u32 ! --u32 ${U} -j DROP
-A INPUT -p udp -m policy --dir in --pol ipsec -m udp --dport 4789 -m u32 --u32 ${U} -j ACCEPT
-A INPUT -p udp -m udp --dport 4789 -m u32 --u32 ${U} -j DROP
-A FORWARD -m policy --dir in --pol ipsec --strict --reqid 1 --proto esp --next --spi 0x10 --mode tunnel ! --tunnel-dst 10.1.2.3 --tunnel-src 10.0.0.0/8 -j ACCEPT
`);
    const mangle = sh(world, ns, 'iptables -t mangle -S').out;
    expect(mangle).toContain(`-A OUTPUT -p udp -m udp --dport 4789 -m u32 --u32 ${U} -j MARK --set-xmark 0xd0c4e3/0xffffffff\n`);
    expect(mangle).toContain('-A POSTROUTING -m policy --dir out --pol ipsec --mode transport\n');
    // Round trip: each -A line, given back to iptables in a fresh namespace, prints the same.
    const other = setup();
    for (const [table, text] of [['filter', filter], ['mangle', mangle]] as const) {
      for (const line of text.split('\n').filter((l) => l.startsWith('-A '))) shAll(other.world, other.ns, `iptables -t ${table} ${line}`);
    }
    expect(sh(other.world, other.ns, 'iptables -S').out).toBe(filter);
    expect(sh(other.world, other.ns, 'iptables -t mangle -S').out).toBe(mangle);
  });

  it('lists them with -L as print_firewall does', () => {
    const { world, ns } = setup();
    shAll(world, ns, RULES);
    expect(sh(world, ns, 'iptables -nL INPUT').out).toBe(`Chain INPUT (policy ACCEPT)
target     prot opt source               destination         
DROP       udp  --  0.0.0.0/0            0.0.0.0/0            policy match dir in pol none udp dpt:4789 u32 ! ${U}
ACCEPT     udp  --  0.0.0.0/0            0.0.0.0/0            policy match dir in pol ipsec udp dpt:4789 u32 ${U}
DROP       udp  --  0.0.0.0/0            0.0.0.0/0            udp dpt:4789 u32 ${U}
`);
    expect(sh(world, ns, 'iptables -nL FORWARD').out).toContain(
      'ACCEPT     all  --  0.0.0.0/0            0.0.0.0/0            policy match dir in pol ipsec strict [0] reqid 1 proto 50 [1] spi 0x10 mode tunnel ! tunnel-dst 10.1.2.3 tunnel-src 10.0.0.0/8\n',
    );
    expect(sh(world, ns, 'iptables -L FORWARD').out).toContain('policy match dir in pol ipsec strict [0] reqid 1 proto esp [1] spi 0x10');
    expect(sh(world, ns, 'iptables -t mangle -nvL OUTPUT').out).toContain(`udp dpt:4789 u32 ${U} MARK set 0xd0c4e3\n`);
  });

  it('finds a rule to delete or check by its meaning, whatever spelling made it', () => {
    const { world, ns } = setup();
    shAll(world, ns, RULES);
    expect(sh(world, ns, `iptables -C INPUT -p udp --dport 4789 -m u32 --u32 ${U} -j DROP`).code).toBe(0);
    expect(sh(world, ns, `iptables -D INPUT -m policy --pol ipsec --dir in -p udp --dport 4789 -m u32 --u32 "0 >> 22 & 60 @ 12 & 0xffffff00 = 0x100100" -j ACCEPT`).code).toBe(0);
    expect(sh(world, ns, 'iptables -S INPUT').out).not.toContain('--pol ipsec');
    expect(sh(world, ns, `iptables -C INPUT -p udp --dport 4789 -m u32 --u32 "${DOCKER.replace('1048832', '1048833')}" -j DROP`).code).toBe(1);
  });

  it('refuses what iptables and the kernel refuse', () => {
    const { world, ns } = setup();
    const err = (line: string) => sh(world, ns, line);
    expect(err('iptables -A OUTPUT -m policy --dir in --pol ipsec -j ACCEPT')).toEqual({
      out: "iptables: Invalid argument. Run `dmesg' for more information.\n", code: 1,
    });
    expect(err('iptables -A INPUT -m policy --dir out -j ACCEPT').code).toBe(1);
    expect(err('iptables -A INPUT -m policy --pol ipsec -j ACCEPT')).toEqual({
      out: `iptables v1.4.21: policy match: neither --dir in nor --dir out specified\n${TRY}\n`, code: 2,
    });
    expect(err('iptables -A INPUT -m policy --dir in --pol none --strict -j ACCEPT').out).toContain('policy match: policy none but --strict given');
    expect(err('iptables -A INPUT -m policy --dir in --pol none --reqid 4 -j ACCEPT').out).toContain('policy match: policy none but policy given');
    expect(err('iptables -A INPUT -m policy --dir in --strict -j ACCEPT').out).toContain('policy match: empty policy element 0.');
    expect(err('iptables -A INPUT -m policy --dir in --spi 1 --next --spi 2 -j ACCEPT').out).toContain('policy match: multiple elements but no --strict');
    expect(err('iptables -A INPUT -m policy --dir in --proto udp -j ACCEPT').out).toContain('policy match: protocol must be ah/esp/ipcomp');
    expect(err('iptables -A INPUT -m policy --dir in --mode beet -j ACCEPT').out).toContain('policy match: invalid mode "beet"');
    expect(err('iptables -A INPUT -m policy --dir sideways -j ACCEPT').out).toContain('policy_match: invalid dir "sideways"');
    expect(err('iptables -A INPUT -m policy ! --dir in -j ACCEPT').out).toContain('policy: option "--dir" cannot be inverted.');
    expect(err('iptables -A INPUT -m u32 -j ACCEPT')).toEqual({ out: `iptables v1.4.21: u32: option "--u32" must be specified\n\n${TRY}\n`, code: 2 });
    expect(err('iptables -A INPUT -m u32 --u32 "0>>22&" -j ACCEPT')).toEqual({ out: `iptables v1.4.21: u32: at char 6: expected number\n${TRY}\n`, code: 2 });
    expect(sh(world, ns, 'iptables -S INPUT').out).toBe('-P INPUT ACCEPT\n');
  });
});
