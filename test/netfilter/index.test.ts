import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { NF_INET_PRE_ROUTING } from '../../src/kernel/netfilter/hooks.js';
import { nfOf } from '../../src/kernel/netfilter/netfilter.js';
import type { Netns } from '../../src/kernel/netns.js';
import { World } from '../../src/kernel/world.js';
import { IPPROTO_TCP, IPPROTO_UDP, Packet, TCP_SYN } from '../../src/wire/packet.js';
import { ip, sh, shAll } from './helpers.js';

/** A random rule set mixing port-indexable DNAT/MARK rules with rules that break the runs. */
function ruleset(seed: number, n: number): string[] {
  const rng = new Rng(seed);
  const lines = ['iptables -t nat -N SUB', 'iptables -t nat -A SUB -p tcp --dport 7 -j DNAT --to-destination 10.9.9.9', 'iptables -t nat -A SUB -j RETURN'];
  for (let i = 0; i < n; i++) {
    const port = 1 + rng.below(40);
    const x = rng.below(100);
    if (x < 60) lines.push(`iptables -t nat -A PREROUTING -p tcp --dport ${port} -j DNAT --to-destination 172.18.${i % 250}.${1 + rng.below(250)}:${port}`);
    else if (x < 70) lines.push(`iptables -t nat -A PREROUTING -p tcp --dport ${port} -s 10.0.0.${rng.below(8) * 32}/27 -j DNAT --to-destination 172.19.0.${1 + rng.below(250)}`);
    else if (x < 78) lines.push(`iptables -t nat -A PREROUTING -p udp --dport ${port} -j DNAT --to-destination 172.20.0.${1 + rng.below(250)}`);
    else if (x < 84) lines.push(`iptables -t nat -A PREROUTING -p tcp --dport ${port} -j SUB`);
    else if (x < 90) lines.push(`iptables -t mangle -A PREROUTING -p tcp --dport ${port} -j MARK --set-mark ${i}`);
    else if (x < 95) lines.push(`iptables -t nat -A PREROUTING -p tcp ! --dport ${port} -s 10.0.0.${rng.below(256)} -j DNAT --to-destination 172.21.0.1`);
    else lines.push(`iptables -t nat -A PREROUTING -p tcp --dport ${port}:${port + 3} -j RETURN`);
  }
  return lines;
}

function packets(seed: number, n: number): Packet[] {
  const rng = new Rng(seed);
  const out: Packet[] = [];
  for (let i = 0; i < n; i++) {
    const p = new Packet();
    p.ipProto = rng.below(5) === 0 ? IPPROTO_UDP : IPPROTO_TCP;
    p.ipSrc = ip('10.0.0.0') + rng.below(256);
    p.ipDst = ip('192.168.1.10');
    p.sport = 1024 + i;
    p.dport = 1 + rng.below(45);
    p.tcpFlags = TCP_SYN;
    out.push(p);
  }
  return out;
}

function node(seed: number): { world: World; ns: Netns } {
  const world = new World(seed);
  const host = world.addHost('node1', ip('192.168.1.10'), 24);
  return { world, ns: host.root };
}

describe('port-indexed chains keep first-match order and counters', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`randomized rule set ${seed}: same rewrites, marks and counters as a linear walk`, () => {
      const a = node(seed);
      const b = node(seed);
      const rules = ruleset(seed, 400);
      for (const l of rules) {
        expect(sh(a.world, a.ns, l).code).toBe(0);
        expect(sh(b.world, b.ns, l).code).toBe(0);
      }
      nfOf(b.ns).minRun = Infinity; // b walks every rule
      nfOf(b.ns).invalidate();
      const devA = a.ns.device('eth0')!;
      const devB = b.ns.device('eth0')!;
      const pa = packets(seed * 7, 3000);
      const pb = packets(seed * 7, 3000);
      for (let i = 0; i < pa.length; i++) {
        nfOf(a.ns).hook(NF_INET_PRE_ROUTING, pa[i]!, devA, null);
        nfOf(b.ns).hook(NF_INET_PRE_ROUTING, pb[i]!, devB, null);
        expect([pa[i]!.ipDst, pa[i]!.dport, pa[i]!.mark]).toEqual([pb[i]!.ipDst, pb[i]!.dport, pb[i]!.mark]);
      }
      for (const t of ['nat', 'mangle']) {
        const la = sh(a.world, a.ns, `iptables -t ${t} -nvxL`).out;
        expect(la).toBe(sh(b.world, b.ns, `iptables -t ${t} -nvxL`).out);
      }
      // The index was really used.
      const compiled = nfOf(a.ns).tables.nat.compiled!;
      expect(compiled.chains.get('PREROUTING')!.stepRun.some((r) => r !== null)).toBe(true);
    });
  }

  it('cost per packet stays nearly flat from 10 to 10,000 DNAT rules', () => {
    const cost = (n: number): number => {
      const { world, ns } = node(9);
      const lines: string[] = ['iptables -t nat -N DOCKER', 'iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER'];
      for (let i = 0; i < n; i++) lines.push(`iptables -t nat -A DOCKER -p tcp --dport ${10000 + i} -j DNAT --to-destination 172.17.${i >> 8}.${i & 255}:80`);
      shAll(world, ns, lines.join('\n'));
      const nf = nfOf(ns);
      const dev = ns.device('eth0')!;
      const pkts = packets(1, 20000);
      for (const p of pkts) p.dport = 10000 + (p.sport % n);
      for (let i = 0; i < 2000; i++) nf.hook(NF_INET_PRE_ROUTING, pkts[i]!, dev, null); // warm up
      const t0 = performance.now();
      for (let i = 2000; i < pkts.length; i++) nf.hook(NF_INET_PRE_ROUTING, pkts[i]!, dev, null);
      return (performance.now() - t0) / (pkts.length - 2000);
    };
    const small = Math.min(cost(10), cost(10));
    const big = Math.min(cost(10000), cost(10000));
    expect(big).toBeLessThan(small * 4 + 0.002);
  });
});
