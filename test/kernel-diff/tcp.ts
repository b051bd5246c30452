// TCP transfers compared with the real kernel (issue 11): sizes around the MSS and MTU boundaries
// (1, 1448, 1449, 3000, 100000 bytes) over a veth pair, a bridge, a router whose link towards the
// client carries 1400 (path MTU discovery on, and with the router's ICMP filtered: a black hole),
// and VXLAN. The real side turns off the segmentation offloads (one MSS-sized segment per skb on
// the wire, as the simulator sends them) and uses Linux's default tcp_rmem.
import { Rng } from '../../src/core/rng.js';
import { Builder } from './gen.js';
import type { Case, TransferCompare } from './model.js';

export const TRANSFER_SIZES = [1, 1448, 1449, 3000, 100000];
const OFFLOADS = 'tso off gso off gro off';

/** The receiver ACKs every segment while in quick-ACK mode (16 segments): counts exact up to there. */
function compareFor(size: number, mss: number, lossy: boolean): TransferCompare {
  if (lossy) return 'loss';
  return Math.ceil(size / mss) <= 16 ? 'exact' : 'sender';
}

function realSetup(b: Builder, ns: string, devs: string[]): void {
  for (const d of devs) b.steps.push({ kind: 'real', line: `ip netns exec ${b.n(ns)} ethtool -K ${d} ${OFFLOADS}` });
  b.steps.push({ kind: 'real', line: `ip netns exec ${b.n(ns)} sysctl -qw net.ipv4.tcp_rmem='4096 131072 6291456'` });
}

/**
 * c (10.1.0.1, c0) — r (r0 10.1.0.254, r1 10.2.0.254) — s (10.2.0.2, s0), default routes through r,
 * forwarding on; `onRouter` runs in r (or, prefixed `s:`, in s) before the routes are added.
 */
export function routedPair(b: Builder, onRouter: string[]): void {
  b.netns('c');
  b.netns('r');
  b.netns('s');
  b.x('c', `ip link add c0 type veth peer name r0 netns ${b.n('r')}`);
  b.x('s', `ip link add s0 type veth peer name r1 netns ${b.n('r')}`);
  b.addrUp('c', 'c0', '10.1.0.1/24');
  b.addrUp('r', 'r0', '10.1.0.254/24');
  b.addrUp('r', 'r1', '10.2.0.254/24');
  b.addrUp('s', 's0', '10.2.0.2/24');
  for (const line of onRouter) {
    if (line.startsWith('s:')) b.x('s', line.slice(2));
    else b.x('r', line);
  }
  b.x('c', 'ip route add default via 10.1.0.254');
  b.x('s', 'ip route add default via 10.2.0.254');
  b.x('r', 'sysctl -w net.ipv4.ip_forward=1');
}

/** u1 (e1 10.88.0.1) — veth — u2 (e2 10.88.0.2), and over it VXLAN 42 (vx0 10.89.0.1 / .2). */
export function vxlanPair(b: Builder): void {
    b.netns('u1');
    b.netns('u2');
    b.x('u1', `ip link add e1 type veth peer name e2 netns ${b.n('u2')}`);
    b.addrUp('u1', 'e1', '10.88.0.1/24');
    b.addrUp('u2', 'e2', '10.88.0.2/24');
    b.x('u1', 'ip link add vx0 type vxlan id 42 remote 10.88.0.2 dstport 4789 dev e1');
    b.x('u2', 'ip link add vx0 type vxlan id 42 remote 10.88.0.1 dstport 4789 dev e2');
    b.addrUp('u1', 'vx0', '10.89.0.1/24');
    b.addrUp('u2', 'vx0', '10.89.0.2/24');
}

type Topology = 'veth' | 'bridge' | 'router-pmtu' | 'router-icmp-filtered' | 'vxlan';
export const TOPOLOGIES: Topology[] = ['veth', 'bridge', 'router-pmtu', 'router-icmp-filtered', 'vxlan'];

function build(prefix: string, topo: Topology, size: number): Case {
  const b = new Builder(prefix, new Rng(11));
  let client = 'c';
  let server = 's';
  let dst = '10.77.0.2';
  let mss = 1448;
  let lossy = false;
  if (topo === 'veth') {
    b.netns('c');
    b.netns('s');
    b.x('c', `ip link add c0 type veth peer name s0 netns ${b.n('s')}`);
    b.addrUp('c', 'c0', '10.77.0.1/24');
    b.addrUp('s', 's0', '10.77.0.2/24');
    realSetup(b, 'c', ['c0']);
    realSetup(b, 's', ['s0']);
  } else if (topo === 'bridge') {
    b.netns('c');
    b.netns('s');
    b.netns('br');
    b.x('br', 'ip link add br0 type bridge');
    b.x('br', 'ip link set br0 up');
    b.x('c', `ip link add c0 type veth peer name p0 netns ${b.n('br')}`);
    b.x('s', `ip link add s0 type veth peer name p1 netns ${b.n('br')}`);
    b.x('br', 'ip link set p0 master br0');
    b.x('br', 'ip link set p1 master br0');
    b.x('br', 'ip link set p0 up');
    b.x('br', 'ip link set p1 up');
    b.addrUp('c', 'c0', '10.77.0.1/24');
    b.addrUp('s', 's0', '10.77.0.2/24');
    realSetup(b, 'c', ['c0']);
    realSetup(b, 's', ['s0']);
    realSetup(b, 'br', ['p0', 'p1']);
  } else if (topo === 'router-pmtu' || topo === 'router-icmp-filtered') {
    routedPair(b, ['ip link set r0 mtu 1400']);
    if (topo === 'router-icmp-filtered') b.x('r', 'iptables -A OUTPUT -p icmp -j DROP');
    realSetup(b, 'c', ['c0']);
    realSetup(b, 's', ['s0']);
    realSetup(b, 'r', ['r0', 'r1']);
    dst = '10.2.0.2';
    // A segment of 1448 bytes makes a 1500-byte datagram: over 1400 it is lost (and re-sent at 1348).
    lossy = size > 1348;
  } else {
    vxlanPair(b);
    realSetup(b, 'u1', ['e1', 'vx0']);
    realSetup(b, 'u2', ['e2', 'vx0']);
    client = 'u1';
    server = 'u2';
    dst = '10.89.0.2';
    mss = 1398; // VXLAN's MTU 1450 less 40 and 12 of timestamps
  }
  const ms = topo === 'router-icmp-filtered' && lossy ? 3000 : 10000;
  b.steps.push({ kind: 'transfer', client: b.n(client), server: b.n(server), dst, port: 8080, size, ms, compare: compareFor(size, mss, lossy) });
  // Not the whole-MIB comparison: Ip/Icmp counters count ACKs, whose number on a real receiver
  // depends on when its process reads; the transfer steps compare TcpOutSegs/RetransSegs instead.
  return { id: `tcp/${topo}/${size}`, family: `tcp-${topo}`, namespaces: b.namespaces, steps: b.finish(false) };
}

/** Every topology with every size. */
export function tcpCases(prefix: (tag: string) => string): Case[] {
  const out: Case[] = [];
  let i = 0;
  for (const topo of TOPOLOGIES) for (const size of TRANSFER_SIZES) out.push(build(prefix(`t${i++}`), topo, size));
  return out;
}
