// IPsec as Docker 19.03's encrypted overlays use it, seen through traces and commands: two hosts
// joined by a VXLAN pair (VNI 42), each with the SAs, the output policy and the iptables rules
// libnetwork's encryption.go programs (mangle MARK 0xD0C4E3 by u32 on the VNI, INPUT ACCEPT for
// --pol ipsec, DROP for the rest). What crosses the LAN is ESP; cleartext VXLAN for the VNI and
// ESP for an unknown SPI are dropped, each with its reason.
import { describe, expect, it } from 'vitest';
import { parseIp4 } from '../../src/core/addr.js';
import type { Host } from '../../src/kernel/host.js';
import type { World } from '../../src/kernel/world.js';
import {
  XFRM_MODE_TRANSPORT, XFRM_POLICY_OUT, XfrmPolicy, XfrmState, xfrmOf,
} from '../../src/kernel/xfrm.js';
import { sendProbe } from '../../src/scenario/probe.js';
import { hopText, summarize } from '../../src/trace/render.js';
import { IPPROTO_ESP, IPPROTO_UDP } from '../../src/wire/packet.js';
import { sh, world } from '../helpers.js';

const ip = (s: string): number => parseIp4(s)!;
const MARK = 0xd0c4e3;
const N1 = ip('192.168.205.10');
const N2 = ip('192.168.205.11');
/** The u32 expression Docker writes for VNI 42 (42 << 8 = 10752). */
const VNI42 = '"0>>22&0x3C@12&0xFFFFFF00=10752"';

/** A deterministic SPI per direction (Docker's is FNV-32a of the pair and the key tag). */
function spiFor(src: number, dst: number): number {
  return 0xa0000000 + ((src & 0xff) << 8) + (dst & 0xff);
}

function run(w: World, h: Host, line: string): string {
  const r = sh(w, h, line);
  if (r.code !== 0) throw new Error(`${line}: exit ${r.code}: ${r.out}`);
  return r.out;
}

/** What setupEncryption, programMangle and programInput leave in a host's root namespace. */
function encrypt(w: World, h: Host, local: number, remote: number): void {
  const x = xfrmOf(h.root);
  x.addState(new XfrmState(remote, local, IPPROTO_ESP, spiFor(remote, local), MARK, XFRM_MODE_TRANSPORT, null));
  x.addState(new XfrmState(local, remote, IPPROTO_ESP, spiFor(local, remote), MARK, XFRM_MODE_TRANSPORT, null));
  x.addPolicy(new XfrmPolicy(
    { src: local, srcLen: 32, dst: remote, dstLen: 32, proto: IPPROTO_UDP, sport: 0, sportMask: 0, dport: 4789, dportMask: 0xffff },
    XFRM_POLICY_OUT, 0, MARK, 0xffffffff,
    [{ src: local, dst: remote, proto: IPPROTO_ESP, spi: spiFor(local, remote), reqid: MARK, mode: XFRM_MODE_TRANSPORT }],
  ));
  run(w, h, `iptables -t mangle -A OUTPUT -p udp --dport 4789 -m u32 --u32 ${VNI42} -j MARK --set-mark 13681891`);
  run(w, h, `iptables -A INPUT -m policy --dir in --pol ipsec -p udp --dport 4789 -m u32 --u32 ${VNI42} -j ACCEPT`);
  run(w, h, `iptables -A INPUT -p udp --dport 4789 -m u32 --u32 ${VNI42} -j DROP`);
}

function pair() {
  const w = world([['n1', '192.168.205.10/24'], ['n2', '192.168.205.11/24']]);
  const h1 = w.hosts.get('n1')!;
  const h2 = w.hosts.get('n2')!;
  for (const [h, self, peer] of [[h1, '10.200.0.1', '192.168.205.11'], [h2, '10.200.0.2', '192.168.205.10']] as const) {
    run(w, h, `ip link add vxlan0 type vxlan id 42 remote ${peer} dstport 4789 dev eth0`);
    run(w, h, `ip addr add ${self}/24 dev vxlan0`);
    run(w, h, 'ip link set vxlan0 up');
  }
  encrypt(w, h1, N1, N2);
  encrypt(w, h2, N2, N1);
  return { w, h1, h2 };
}

function request(w: World, h: Host, to: string) {
  const t = sendProbe(w, h.root, ip(to), 0, 'icmp');
  const req = summarize(t.outcome('request'))!;
  const rep = summarize(t.outcome('reply'));
  return { req, rep, lines: req.hops.map(hopText), replyLines: rep?.hops.map(hopText) ?? [] };
}

function indexOf(lines: string[], text: string, from = 0): number {
  const i = lines.findIndex((l, k) => k >= from && l.includes(text));
  if (i < 0) throw new Error(`no hop with "${text}" after hop ${from}:\n${lines.join('\n')}`);
  return i;
}

describe('encrypted VXLAN between two hosts (Docker 19.03 encryption.go)', () => {
  it('marks the VXLAN datagram, looks the policy up again, sends ESP and unwraps it on the far side', () => {
    const { w, h1, h2 } = pair();
    expect(run(w, h1, 'ping -c 2 10.200.0.2')).toContain('2 packets transmitted, 2 received, 0% packet loss');
    const { req, rep, lines, replyLines } = request(w, h1, '10.200.0.2');
    expect(req.verdict).toBe('delivered');
    expect(rep?.verdict).toBe('delivered');
    // Sequence 4: the ARP request and the two echo requests went first. Out: route without the mark, mangle OUTPUT sets it, ip_route_me_harder finds the policy,
    // POSTROUTING sees the cleartext, then ESP goes out through OUTPUT again.
    const mark = indexOf(lines, 'n1 / root / eth0  nf: mangle OUTPUT #1 MARK set 0xd0c4e3');
    const lookup = indexOf(lines, `n1 / root  xfrm: xfrm_lookup: policy out src 192.168.205.10/32 dst 192.168.205.11/32 proto udp dport 4789 mark 0xd0c4e3/0xffffffff → SA esp spi 0x${spiFor(N1, N2).toString(16)} reqid 13681891 mode transport`, mark);
    const esp = indexOf(lines, `n1 / root / eth0  xfrm: ESP transport spi 0x${spiFor(N1, N2).toString(16)} seq 4 → 192.168.205.11: 192.168.205.10 > 192.168.205.11: ESP(spi=0x${spiFor(N1, N2).toString(16)},seq=0x4)`, lookup);
    const wire = indexOf(lines, 'lan: LAN n1:eth0 → n2:eth0', esp);
    // In: ESP is delivered locally, unwrapped, passes PREROUTING and INPUT again as UDP.
    const rcv = indexOf(lines, 'n2 / root / eth0  rcv: ip_rcv 192.168.205.10 > 192.168.205.11: ESP(spi=', wire);
    const decap = indexOf(lines, `n2 / root / eth0  xfrm: ESP transport spi 0x${spiFor(N1, N2).toString(16)} seq 4 from 192.168.205.10: decapsulated, secpath set: 192.168.205.10.`, rcv);
    const accept = indexOf(lines, 'n2 / root / eth0  nf: filter INPUT #1 ACCEPT', decap);
    indexOf(lines, 'n2 / root / vxlan0  vxlan: decapsulate vni 42 from 192.168.205.10', accept);
    // The reply takes the same way back.
    indexOf(replyLines, `n2 / root / eth0  xfrm: ESP transport spi 0x${spiFor(N2, N1).toString(16)}`);
    indexOf(replyLines, 'n1 / root / eth0  nf: filter INPUT #1 ACCEPT');
    // Counters: ESP accepted, nothing dropped in clear.
    const input = run(w, h2, 'iptables -nvxL INPUT');
    expect(input).toMatch(/^ +[1-9]\d* +\d+ ACCEPT +udp .* policy match dir in pol ipsec udp dpt:4789 u32 "0x0>>0x16&0x3c@0xc&0xffffff00=0x2a00"$/m);
    expect(input).toMatch(/^ +0 +0 DROP +udp .* udp dpt:4789 u32 "0x0>>0x16&0x3c@0xc&0xffffff00=0x2a00"$/m);
    // Four for the ping and its ARP, and a fifth: n2's unicast re-probe of n1 ~5 s after first use
    // (NUD_DELAY → PROBE), which the clock reaches before this check.
    expect(xfrmOf(h2.root).state(N2, spiFor(N1, N2), IPPROTO_ESP)!.packets).toBe(5);
  });

  it('drops a cleartext VXLAN datagram for the secure VNI in INPUT, and --pol none catches it first', () => {
    const { w, h1, h2 } = pair();
    run(w, h1, 'ping -c 1 10.200.0.2');
    // The sender loses its policy: the same datagram now leaves in clear.
    run(w, h1, 'ip xfrm policy flush');
    const { req, lines } = request(w, h1, '10.200.0.2');
    expect(req.verdict).toBe('dropped');
    expect(req.reason).toBe('netfilter');
    expect(lines.some((l) => l.includes('xfrm:'))).toBe(false);
    indexOf(lines, 'n2 / root / eth0  rcv: ip_rcv 192.168.205.10.');
    expect(lines[lines.length - 2]).toBe('n2 / root / eth0  nf: filter INPUT #2 DROP');
    expect(lines[lines.length - 1]).toBe('n2 / root / eth0  drop: filter INPUT #2 DROP');
    // The rule Docker 20.10.24+ inserts instead: --pol none matches only what came without IPsec.
    run(w, h2, `iptables -I INPUT -m policy --dir in --pol none -p udp --dport 4789 -m u32 --u32 ${VNI42} -j DROP`);
    const again = request(w, h1, '10.200.0.2');
    expect(again.lines[again.lines.length - 1]).toBe('n2 / root / eth0  drop: filter INPUT #1 DROP');
    const back = pair();
    run(back.w, back.h2, `iptables -I INPUT -m policy --dir in --pol none -p udp --dport 4789 -m u32 --u32 ${VNI42} -j DROP`);
    expect(run(back.w, back.h1, 'ping -c 1 10.200.0.2')).toContain('1 received');
  });

  it('drops ESP whose SPI has no SA, as XfrmInNoStates', () => {
    const { w, h1, h2 } = pair();
    run(w, h1, 'ping -c 1 10.200.0.2');
    const x2 = xfrmOf(h2.root);
    x2.deleteState(N2, spiFor(N1, N2), IPPROTO_ESP);
    const { req, lines } = request(w, h1, '10.200.0.2');
    expect(req.verdict).toBe('dropped');
    expect(req.reason).toBe('no IPsec SA for the SPI (XfrmInNoStates)');
    expect(lines[lines.length - 1]).toBe(`n2 / root / eth0  drop: no SA for ESP spi 0x${spiFor(N1, N2).toString(16)} to 192.168.205.11 (XfrmInNoStates)`);
    expect(x2.stats.inNoStates).toBe(1);
    // ESP itself passed INPUT (no rule matches protocol 50): the drop is XFRM's.
    indexOf(lines, 'n2 / root / eth0  nf: filter INPUT policy ACCEPT');
  });

  it('drops a datagram whose policy has no SA to use, as XfrmOutNoStates', () => {
    const { w, h1 } = pair();
    run(w, h1, 'ping -c 1 10.200.0.2');
    xfrmOf(h1.root).deleteState(N2, spiFor(N1, N2), IPPROTO_ESP);
    const { req, lines } = request(w, h1, '10.200.0.2');
    expect(req.verdict).toBe('dropped');
    expect(req.reason).toBe('no IPsec SA for the policy template (XfrmOutNoStates)');
    expect(lines[lines.length - 1]).toContain('n1 / root  drop: XFRM policy out src 192.168.205.10/32 dst 192.168.205.11/32 proto udp dport 4789: no esp SA 192.168.205.10 → 192.168.205.11 reqid 13681891 (XfrmOutNoStates)');
  });

  it('matches -m policy --dir out in POSTROUTING against the SA the route carries', () => {
    const { w, h1 } = pair();
    run(w, h1, 'iptables -t mangle -A POSTROUTING -m policy --dir out --pol ipsec --reqid 13681891 --proto esp --mode transport');
    run(w, h1, `iptables -t mangle -A POSTROUTING -m policy --dir out --pol ipsec --spi 0x1`);
    run(w, h1, 'iptables -t mangle -A POSTROUTING -p esp');
    run(w, h1, 'ping -c 2 10.200.0.2');
    const list = run(w, h1, 'iptables -t mangle -nvxL POSTROUTING');
    // Two echo requests (and the ARP request's datagram) left through the SA; none with SPI 1;
    // the ESP packets themselves pass POSTROUTING once more.
    expect(list).toMatch(/^ +3 +\d+ +all +-- .* policy match dir out pol ipsec reqid 13681891 proto 50 mode transport$/m);
    expect(list).toMatch(/^ +0 +0 +all +-- .* policy match dir out pol ipsec spi 0x1$/m);
    expect(list).toMatch(/^ +3 +\d+ +esp +-- /m);
  });

  it('lists SAs and policies as ip xfrm (iproute2 3.10) does, newest first', () => {
    const { w, h1 } = pair();
    const out = spiFor(N1, N2).toString(16);
    const inn = spiFor(N2, N1).toString(16);
    expect(run(w, h1, 'ip xfrm state')).toBe(
      `src 192.168.205.10 dst 192.168.205.11\n\tproto esp spi 0x${out} reqid 13681891 mode transport\n\treplay-window 0 \n\tsel src 0.0.0.0/0 dst 0.0.0.0/0 \n`
      + `src 192.168.205.11 dst 192.168.205.10\n\tproto esp spi 0x${inn} reqid 13681891 mode transport\n\treplay-window 0 \n\tsel src 0.0.0.0/0 dst 0.0.0.0/0 \n`,
    );
    expect(run(w, h1, 'ip xfrm state list spi 0x' + inn)).toContain(`src 192.168.205.11 dst 192.168.205.10\n`);
    expect(run(w, h1, 'ip x policy')).toBe(
      'src 192.168.205.10/32 dst 192.168.205.11/32 proto udp dport 4789 \n\tdir out priority 0 ptype main \n\tmark 13681891/0xffffffff\n'
      + `\ttmpl src 192.168.205.10 dst 192.168.205.11\n\t\tproto esp spi 0x${out} reqid 13681891 mode transport\n`,
    );
    expect(run(w, h1, 'ip xfrm policy list dir in')).toBe('');
    expect(sh(w, h1, 'ip xfrm foo')).toEqual({ out: 'Object "foo" is unknown, try "ip xfrm help".\n', code: 255 });
    expect(sh(w, h1, 'ip xfrm state frob')).toEqual({ out: 'Command "frob" is unknown, try "ip xfrm state help".\n', code: 255 });
    run(w, h1, 'ip xfrm state flush');
    expect(run(w, h1, 'ip xfrm state')).toBe('');
    // A namespace that never had XFRM state lists nothing.
    run(w, h1, 'ip netns add blank');
    expect(run(w, h1, 'ip netns exec blank ip xfrm state')).toBe('');
  });
});
