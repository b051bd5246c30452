// IP fragmentation compared with the real kernel: pings larger than the MTU (no DF: fragmented by
// the sender, re-fragmented by a router towards a smaller MTU, reassembled by the receiver), `ping
// -M do` at the boundary (1472 fits 1500, 1473 is refused locally; through the 1400 link the
// router answers "Frag needed" and the next try is refused at the learnt path MTU), a router with
// conntrack (nf_defrag reassembles before PREROUTING and re-fragments to the sizes it got), and
// VXLAN whose underlay is smaller than the overlay (the outer datagram has no DF and is
// fragmented). Each case ends with the MIB comparison, frag counters included (IpFragOKs,
// IpFragCreates, IpReasmReqds, IpReasmOKs).
import { Rng } from '../../src/core/rng.js';
import { Builder } from './gen.js';
import type { Case } from './model.js';
import { routedPair, vxlanPair } from './tcp.js';

type Topology = 'veth' | 'bridge' | 'router' | 'router-conntrack' | 'vxlan';
const TOPOLOGIES: Topology[] = ['veth', 'bridge', 'router', 'router-conntrack', 'vxlan'];

function build(prefix: string, topo: Topology): Case {
  const b = new Builder(prefix, new Rng(12));
  if (topo === 'veth' || topo === 'bridge') {
    b.netns('c');
    b.netns('s');
    if (topo === 'veth') b.x('c', `ip link add c0 type veth peer name s0 netns ${b.n('s')}`);
    else {
      b.netns('br');
      b.x('br', 'ip link add br0 type bridge');
      b.x('br', 'ip link set br0 up');
      b.x('c', `ip link add c0 type veth peer name p0 netns ${b.n('br')}`);
      b.x('s', `ip link add s0 type veth peer name p1 netns ${b.n('br')}`);
      for (const p of ['p0', 'p1']) {
        b.x('br', `ip link set ${p} master br0`);
        b.x('br', `ip link set ${p} up`);
      }
    }
    b.addrUp('c', 'c0', '10.77.0.1/24');
    b.addrUp('s', 's0', '10.77.0.2/24');
    b.ping('c', '10.77.0.2');
    b.ping('c', '10.77.0.2', '-s 3000');
    b.ping('c', '10.77.0.2', '-s 1473');
    b.ping('c', '10.77.0.2', '-M do -s 1472');
    b.ping('c', '10.77.0.2', '-M do -s 1473');
    b.ping('s', '10.77.0.1', '-M dont -s 20000');
  } else if (topo === 'router' || topo === 'router-conntrack') {
    routedPair(b, ['ip link set r1 mtu 1400', 's:ip link set s0 mtu 1400']);
    if (topo === 'router-conntrack') b.x('r', 'iptables -A FORWARD -m conntrack --ctstate NEW,ESTABLISHED -j ACCEPT');
    b.ping('c', '10.2.0.2');
    b.ping('c', '10.2.0.2', '-s 3000');
    b.ping('c', '10.1.0.254', '-s 3000');
    b.ping('c', '10.2.0.2', '-M do -s 1472');
    b.ping('c', '10.2.0.2', '-M do -s 1472');
    b.ping('c', '10.2.0.2', '-s 1400');
    b.ping('s', '10.1.0.1', '-s 5000');
  } else {
    vxlanPair(b);
    // The underlay shrinks after the VXLAN devices took their MTU (1450) from it.
    b.x('u1', 'ip link set e1 mtu 1400');
    b.x('u2', 'ip link set e2 mtu 1400');
    b.ping('u1', '10.89.0.2');
    b.ping('u1', '10.89.0.2', '-M do -s 1422');
    b.ping('u1', '10.89.0.2', '-s 3000');
  }
  return { id: `frag/${topo}`, family: `frag-${topo}`, namespaces: b.namespaces, steps: b.finish() };
}

/** One case per topology. */
export function fragCases(prefix: (tag: string) => string): Case[] {
  return TOPOLOGIES.map((t, i) => build(prefix(`f${i}`), t));
}
