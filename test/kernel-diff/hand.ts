// Hand-written cases: the seed 004 namespace/veth/bridge experiments (scenarios/netns-*.yaml),
// replayed inside a namespace that stands for the host, and an ingress-like path.
import { Rng } from '../../src/core/rng.js';
import { Builder } from './gen.js';
import { routedPair } from './tcp.js';
import type { Case } from './model.js';

function builder(prefix: string): Builder {
  return new Builder(prefix, new Rng(4));
}

/** scenarios/netns-veth.yaml: two namespaces, a veth pair, pings before and after each end is up. */
function seed004Veth(prefix: string): Case {
  const b = builder(prefix);
  b.netns('host');
  b.netns('test1', false);
  b.netns('test2', false);
  b.netns('test3', false);
  b.steps.push({ kind: 'cmd', line: `ip netns delete ${b.n('test3')}` });
  b.namespaces.splice(b.namespaces.indexOf(b.n('test3')), 1);
  b.x('host', 'ip link add veth-test1 type veth peer name veth-test2');
  b.x('host', `ip link set veth-test1 netns ${b.n('test1')}`);
  b.x('host', `ip link set veth-test2 netns ${b.n('test2')}`);
  b.x('test1', 'ip addr add 192.168.1.1/24 dev veth-test1');
  b.x('test2', 'ip addr add 192.168.1.2/24 dev veth-test2');
  b.ping('test1', '192.168.1.2');
  b.x('test1', 'ip link set dev veth-test1 up');
  // The scenario's ping here has no -W: it waits until ARP gives up (3 probes, FAILED after about
  // 3 s) and the next ping starts a fresh resolution. With -W 1 it would end on the second ARP
  // retransmission, which Linux sends 1004-1032 ms after the first (a timer-wheel timer: 250
  // jiffies at HZ=250 rounded up to 8), so whether that probe left before or after the peer came up
  // (about 12 ms later) would decide the next ping's answer: a race on Linux itself.
  b.ping('test1', '192.168.1.2', '', 4);
  b.x('test2', 'ip link set dev veth-test2 up');
  b.ping('test1', '192.168.1.2');
  b.ping('test2', '192.168.1.1');
  b.ping('test1', '192.168.1.1');
  b.x('test1', 'ip link set lo up');
  b.ping('test1', '192.168.1.1');
  return { id: 'hand/seed004-veth', family: 'seed004', namespaces: b.namespaces, steps: b.finish() };
}

/** scenarios/netns-bridge.yaml: a bridge in the host with two namespaces; a port going down and up. */
function seed004Bridge(prefix: string): Case {
  const b = builder(prefix);
  b.netns('host');
  b.netns('test1');
  b.netns('test2');
  b.x('host', 'brctl addbr br0');
  b.x('host', 'ip link set br0 up');
  b.x('host', 'ip link add veth-test1 type veth peer name veth1-br');
  b.x('host', 'ip link add veth-test2 type veth peer name veth2-br');
  b.x('host', 'brctl addif br0 veth1-br');
  b.x('host', 'ip link set veth2-br master br0');
  b.x('host', 'ip link set veth1-br up');
  b.x('host', 'ip link set veth2-br up');
  b.x('host', `ip link set veth-test1 netns ${b.n('test1')}`);
  b.x('host', `ip link set veth-test2 netns ${b.n('test2')}`);
  b.x('test1', 'ip addr add 10.10.0.1/24 dev veth-test1');
  b.x('test2', 'ip addr add 10.10.0.2/24 dev veth-test2');
  b.x('test1', 'ip link set veth-test1 up');
  b.x('test2', 'ip link set veth-test2 up');
  b.ping('test1', '10.10.0.2');
  b.x('host', 'ip link set veth2-br down');
  b.ping('test1', '10.10.0.2');
  b.x('host', 'ip link set veth2-br up');
  b.ping('test1', '10.10.0.2');
  b.x('host', 'ip addr add 10.10.0.254/24 dev br0');
  b.ping('host', '10.10.0.1');
  b.ping('test2', '10.10.0.254');
  b.x('host', 'brctl delif br0 veth1-br');
  b.ping('test1', '10.10.0.2');
  return { id: 'hand/seed004-bridge', family: 'seed004', namespaces: b.namespaces, steps: b.finish() };
}

/** scenarios/netns-router.yaml: a router namespace between two subnets, ip_forward off then on. */
function seed004Router(prefix: string): Case {
  const b = builder(prefix);
  b.netns('host');
  b.netns('left');
  b.netns('router');
  b.netns('right');
  b.x('host', 'ip link add veth-l type veth peer name veth-rl');
  b.x('host', 'ip link add veth-r type veth peer name veth-rr');
  b.x('host', `ip link set veth-l netns ${b.n('left')}`);
  b.x('host', `ip link set veth-rl netns ${b.n('router')}`);
  b.x('host', `ip link set veth-rr netns ${b.n('router')}`);
  b.x('host', `ip link set veth-r netns ${b.n('right')}`);
  b.x('left', 'ip addr add 10.0.1.2/24 dev veth-l');
  b.x('router', 'ip addr add 10.0.1.1/24 dev veth-rl');
  b.x('router', 'ip addr add 10.0.2.1/24 dev veth-rr');
  b.x('right', 'ip addr add 10.0.2.2/24 dev veth-r');
  b.x('left', 'ip link set veth-l up');
  b.x('router', 'ip link set veth-rl up');
  b.x('router', 'ip link set veth-rr up');
  b.x('right', 'ip link set veth-r up');
  b.x('left', 'ip route add default via 10.0.9.1');
  b.x('left', 'ip route add default via 10.0.1.1');
  b.x('right', 'ip route add default via 10.0.2.1');
  b.ping('left', '10.0.2.2');
  b.x('router', 'sysctl -w net.ipv4.ip_forward=1');
  b.ping('left', '10.0.2.2');
  b.ping('left', '10.0.2.2', '-t 1');
  b.ping('left', '10.0.3.3');
  b.x('router', 'ip route add blackhole 10.0.4.0/24');
  b.ping('left', '10.0.4.4');
  return { id: 'hand/seed004-router', family: 'seed004', namespaces: b.namespaces, steps: b.finish() };
}

/** An ingress-like path without IPVS: a client reaches a published port on a node namespace,
 *  which marks the connection (mangle), DNATs it into a container namespace and SNATs it. */
function ingress(prefix: string): Case {
  const b = builder(prefix);
  b.netns('client');
  b.netns('node');
  b.netns('ctr');
  b.veth('client', 'eth0', 'node', 'eth0');
  b.veth('node', 'veth0', 'ctr', 'eth0');
  b.addrUp('client', 'eth0', '192.168.99.2/24');
  b.addrUp('node', 'eth0', '192.168.99.1/24');
  b.addrUp('node', 'veth0', '172.18.0.1/16');
  b.addrUp('ctr', 'eth0', '172.18.0.2/16');
  b.x('ctr', 'ip route add default via 172.18.0.1');
  b.x('client', 'ip route add 172.18.0.0/16 via 192.168.99.1');
  b.x('node', 'sysctl -w net.ipv4.ip_forward=1');
  b.x('node', 'iptables -t mangle -A PREROUTING -p tcp --dport 8080 -j MARK --set-mark 0x100');
  b.x('node', 'iptables -t mangle -A PREROUTING -p udp --dport 5353 -j MARK --set-mark 0x100');
  b.x('node', 'iptables -t nat -N INGRESS');
  b.x('node', 'iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j INGRESS');
  b.x('node', 'iptables -t nat -A INGRESS -p tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:80');
  b.x('node', 'iptables -t nat -A INGRESS -p udp --dport 5353 -j DNAT --to-destination 172.18.0.2:53');
  b.x('node', 'iptables -t nat -A INGRESS -j RETURN');
  b.x('node', 'iptables -t nat -A POSTROUTING -m mark --mark 0x100 -j SNAT --to-source 172.18.0.1');
  b.x('node', 'iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
  b.x('node', 'iptables -A FORWARD -o veth0 -p tcp --dport 80 -j ACCEPT');
  b.x('node', 'iptables -A FORWARD -o veth0 -p udp --dport 53 -j ACCEPT');
  b.x('node', 'iptables -P FORWARD DROP');
  b.listen('ctr', 'tcp', 80);
  b.listen('ctr', 'udp', 53);
  b.listen('ctr', 'tcp', 8080);
  b.tcp('client', '192.168.99.1', 8080);
  b.udp('client', '192.168.99.1', 5353);
  b.tcp('client', '192.168.99.1', 8081);
  b.ping('client', '192.168.99.1');
  b.ping('client', '172.18.0.2');
  b.tcp('client', '172.18.0.2', 8080);
  for (const t of ['filter', 'nat', 'mangle']) b.counters('node', t);
  return { id: 'hand/ingress', family: 'ingress', namespaces: b.namespaces, steps: b.finish() };
}

/**
 * Martians (ip_route_input_slow): a loopback destination arriving on a veth is dropped after
 * PREROUTING, before INPUT, until route_localnet is on for that device; the answer, from
 * 127.0.0.2, is accepted back only where route_localnet is on too (user-problem item 15).
 */
function martians(prefix: string): Case {
  const b = builder(prefix);
  b.netns('a');
  b.netns('b');
  b.veth('a', 'veth0', 'b', 'veth0');
  b.addrUp('a', 'veth0', '10.77.0.1/24');
  b.addrUp('b', 'veth0', '10.77.0.2/24');
  b.x('b', 'iptables -t raw -A PREROUTING -i veth0 -p icmp');
  b.x('b', 'iptables -A INPUT -i veth0 -p icmp');
  // a sends 127/8 to b instead of its own loopback.
  b.x('a', 'ip route del local 127.0.0.0/8 dev lo table local');
  b.x('a', 'ip route add 127.0.0.0/8 via 10.77.0.2');
  b.ping('a', '127.0.0.2');
  b.x('a', 'sysctl -w net.ipv4.conf.veth0.route_localnet=1');
  b.ping('a', '127.0.0.2');
  b.x('b', 'sysctl -w net.ipv4.conf.veth0.route_localnet=1');
  b.ping('a', '127.0.0.2');
  b.counters('b', 'raw');
  b.counters('b', 'filter');
  return { id: 'hand/martians', family: 'martians', namespaces: b.namespaces, steps: b.finish() };
}

/**
 * A SYN on a conntrack entry in TIME_WAIT (nf_conntrack_tcp_packet: "attempt to reopen a
 * closed/aborted connection"): the entry is killed and a fresh one made, so the nat table is
 * walked again. A connection from c's port 45000 is DNATed by r to s:80 and closed by s (r's
 * entry goes to TIME_WAIT); the rule is then replaced by one to s:81, where nothing listens, and
 * the same port connects again: the new rule applies (refused by s), not the old entry's binding.
 * A routing mesh whose client reuses a port within IPVS's and conntrack's TIME_WAIT meets this.
 */
function conntrackReopen(prefix: string): Case {
  const b = builder(prefix);
  routedPair(b, ['iptables -t nat -A PREROUTING -d 10.1.0.254 -p tcp --dport 80 -j DNAT --to-destination 10.2.0.2']);
  b.steps.push({ kind: 'transfer', client: b.n('c'), server: b.n('s'), dst: '10.1.0.254', port: 80, size: 1, ms: 800, compare: 'exact', sport: 45000 });
  b.x('r', 'iptables -t nat -R PREROUTING 1 -d 10.1.0.254 -p tcp --dport 80 -j DNAT --to-destination 10.2.0.2:81');
  b.steps.push({ kind: 'tcp', ns: b.n('c'), dst: '10.1.0.254', dport: 80, sport: 45000 });
  return { id: 'hand/conntrack-reopen', family: 'conntrack', namespaces: b.namespaces, steps: b.finish() };
}

export function handCases(prefix: (i: number) => string, withIptables: boolean): Case[] {
  const cs = [seed004Veth(prefix(0)), seed004Bridge(prefix(1)), seed004Router(prefix(2))];
  if (withIptables) cs.push(ingress(prefix(3)), martians(prefix(4)), conntrackReopen(prefix(5)));
  return cs;
}
