// The case generator: from a seed, topologies of namespaces, veth pairs, bridges, routes, a VXLAN
// pair and ip_forward on or off, optionally with iptables rule sets, then probes. Everything is
// created inside namespaces named PREFIX…, never in the namespace the harness runs in.
import { Rng } from '../../src/core/rng.js';
import type { Case, Step } from './model.js';

/** Builds one case's steps; namespace names get the case's prefix. */
export class Builder {
  readonly steps: Step[] = [];
  /** Steps a rule set wants after the family's probes (counters). */
  readonly tail: Step[] = [];
  readonly namespaces: string[] = [];
  private sport = 40000;

  constructor(
    readonly prefix: string,
    readonly rng: Rng,
  ) {}

  n(short: string): string {
    return this.prefix + short;
  }
  chance(p: number): boolean {
    return this.rng.below(1_000_000) < p * 1_000_000;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.rng.below(items.length)]!;
  }

  netns(short: string, loUp = true): void {
    this.namespaces.push(this.n(short));
    this.steps.push({ kind: 'cmd', line: `ip netns add ${this.n(short)}` });
    if (loUp) this.x(short, 'ip link set lo up');
  }
  /** A command inside a namespace. */
  x(ns: string, line: string): void {
    this.steps.push({ kind: 'cmd', line: `ip netns exec ${this.n(ns)} ${line}` });
  }
  /** A veth pair between two namespaces, created in the first (one of two ways iproute2 allows;
   *  only the first when both ends have one name, which cannot exist twice in one namespace). */
  veth(nsA: string, a: string, nsB: string, b: string): void {
    if (this.chance(0.5) || a === b) this.x(nsA, `ip link add ${a} type veth peer name ${b} netns ${this.n(nsB)}`);
    else {
      this.x(nsA, `ip link add ${a} type veth peer name ${b}`);
      this.x(nsA, `ip link set ${b} netns ${this.n(nsB)}`);
    }
  }
  addrUp(ns: string, dev: string, cidr: string, up = true): void {
    if (this.chance(0.5)) {
      this.x(ns, `ip addr add ${cidr} dev ${dev}`);
      if (up) this.x(ns, `ip link set ${dev} up`);
    } else {
      if (up) this.x(ns, `ip link set dev ${dev} up`);
      this.x(ns, `ip addr add ${cidr} dev ${dev}`);
    }
  }
  forwarding(ns: string, on: boolean): void {
    if (!on) {
      if (this.chance(0.3)) this.x(ns, 'sysctl -w net.ipv4.ip_forward=0');
      return;
    }
    this.x(ns, this.chance(0.7) ? 'sysctl -w net.ipv4.ip_forward=1' : 'sysctl -w net.ipv4.conf.all.forwarding=1');
  }
  listen(ns: string, proto: 'tcp' | 'udp', port: number): void {
    this.steps.push({ kind: 'listen', ns: this.n(ns), proto, port });
  }
  ping(ns: string, dst: string, opts = '', wait = 1): void {
    this.steps.push({ kind: 'ping', ns: this.n(ns), dst, opts, wait });
  }
  tcp(ns: string, dst: string, dport: number): void {
    this.steps.push({ kind: 'tcp', ns: this.n(ns), dst, dport, sport: ++this.sport });
  }
  udp(ns: string, dst: string, dport: number): void {
    this.steps.push({ kind: 'udp', ns: this.n(ns), dst, dport, sport: ++this.sport });
  }
  /** The four transport probes against a server: open and closed ports, TCP and UDP. */
  services(ns: string, dst: string): void {
    if (this.chance(0.8)) this.tcp(ns, dst, 80);
    if (this.chance(0.5)) this.tcp(ns, dst, 81);
    if (this.chance(0.7)) this.udp(ns, dst, 53);
    if (this.chance(0.4)) this.udp(ns, dst, 54);
  }
  counters(ns: string, table = 'filter'): void {
    this.tail.push({ kind: 'counters', ns: this.n(ns), table });
  }
  /** The case's steps: the probes, a settle step, the counters, then every namespace's MIB and device counters. */
  finish(mib = true): Step[] {
    const snmp: Step[] = mib ? this.namespaces.map((ns) => ({ kind: 'snmp', ns })) : [];
    return [...this.steps, { kind: 'settle' }, ...this.tail, ...snmp];
  }
  ipt(ns: string, rule: string): void {
    this.x(ns, `iptables ${rule}`);
  }
}

/** Rule sets plug in here: called once the topology is built and before the probes. */
export type RuleSet = (b: Builder, roles: Roles) => void;

/** What a family tells a rule set: which namespace plays which part, and the addresses. */
export interface Roles {
  client: string;
  clientIp: string;
  server: string;
  serverIp: string;
  /** The forwarding namespace between them, if any, with its address on each side. */
  router: string | null;
  routerIn: string;
  routerOut: string;
  serverDev: string;
  clientDev: string;
}

function listeners(b: Builder, ns: string): void {
  b.listen(ns, 'tcp', 80);
  b.listen(ns, 'udp', 53);
  b.listen(ns, 'tcp', 8080);
}

/** Two namespaces on one veth pair. */
function pair(b: Builder, rules: RuleSet | null): void {
  const loA = b.chance(0.8);
  b.netns('a', loA);
  b.netns('b', b.chance(0.8));
  b.veth('a', 'va', 'b', 'vb');
  b.addrUp('a', 'va', '10.1.0.1/24');
  const bOther = b.chance(0.1);
  const bIp = bOther ? '10.2.0.2' : '10.1.0.2';
  const bUp = rules !== null || b.chance(0.85);
  b.addrUp('b', 'vb', `${bIp}/24`, bUp);
  const mtu = rules === null && b.chance(0.2);
  if (mtu) b.x('b', 'ip link set vb mtu 1400');
  if (b.chance(0.15)) b.x('a', 'ip route add 10.7.0.0/16 dev va');
  listeners(b, 'b');
  if (rules !== null) rules(b, { client: 'a', clientIp: '10.1.0.1', server: 'b', serverIp: bIp, router: null, routerIn: '', routerOut: '', serverDev: 'vb', clientDev: 'va' });
  b.ping('a', bIp);
  b.services('a', bIp);
  if (mtu) b.ping('a', bIp, b.pick(['-s 1450 -M do', '-s 1372', '-s 1373 -M do']));
  if (b.chance(0.4)) b.ping('a', '10.1.0.1');
  if (b.chance(0.3)) b.ping('a', '127.0.0.1');
  if (b.chance(0.3)) b.ping('a', '10.9.9.9');
  if (b.chance(0.2)) b.tcp('a', '10.9.9.9', 80);
  if (b.chance(0.15)) b.ping('a', '10.7.1.1', '', 4);
  if (b.chance(0.1) && bUp) b.ping('b', '10.1.0.1');
  if (b.chance(0.07)) b.ping('a', '10.1.0.77', '', 4);
}

/** a — r — b: two subnets and a namespace that routes between them (or not). */
function router(b: Builder, rules: RuleSet | null): void {
  b.netns('a');
  b.netns('r', b.chance(0.8));
  b.netns('b');
  b.veth('a', 'va', 'r', 'ra');
  b.veth('r', 'rb', 'b', 'vb');
  b.addrUp('a', 'va', '10.1.0.2/24');
  b.addrUp('r', 'ra', '10.1.0.1/24');
  b.addrUp('r', 'rb', '10.2.0.1/24');
  b.addrUp('b', 'vb', '10.2.0.2/24');
  const fwd = rules !== null || b.chance(0.75);
  b.forwarding('r', fwd);
  const aRoute = rules !== null ? 'default' : b.pick(['default', 'default', 'specific', 'none']);
  if (aRoute === 'default') b.x('a', b.chance(0.7) ? 'ip route add default via 10.1.0.1' : 'ip route add 0.0.0.0/0 via 10.1.0.1 dev va');
  if (aRoute === 'specific') b.x('a', 'ip route add 10.2.0.0/24 via 10.1.0.1');
  if (rules !== null || b.chance(0.8)) b.x('b', 'ip route add default via 10.2.0.1');
  else if (b.chance(0.5)) b.x('b', 'ip route add 10.1.0.0/16 via 10.2.0.1');
  if (b.chance(0.1)) b.x('a', 'ip route add default via 10.3.0.1');
  const kinds = ['blackhole', 'unreachable', 'prohibit'] as const;
  const routeTypes: string[] = [];
  if (rules === null) {
    for (let i = 0; i < kinds.length; i++) {
      if (b.chance(0.3)) {
        b.x('r', `ip route add ${kinds[i]} 10.${3 + i}.0.0/24`);
        routeTypes.push(`10.${3 + i}.0.9`);
      }
    }
  }
  const localType = rules === null && b.chance(0.15) ? b.pick(kinds) : null;
  if (localType !== null) b.x('a', `ip route add ${localType} 10.8.0.0/24`);
  const mtu = rules === null && b.chance(0.25) ? b.pick([1400, 1280]) : 0;
  if (mtu > 0) {
    b.x('r', `ip link set rb mtu ${mtu}`);
    b.x('b', `ip link set vb mtu ${mtu}`);
  }
  if (b.chance(0.15)) b.x('r', 'ip route add 10.6.0.0/24 via 10.2.0.2');
  listeners(b, 'b');
  if (rules !== null) rules(b, { client: 'a', clientIp: '10.1.0.2', server: 'b', serverIp: '10.2.0.2', router: 'r', routerIn: '10.1.0.1', routerOut: '10.2.0.1', serverDev: 'vb', clientDev: 'va' });
  b.ping('a', '10.2.0.2');
  b.services('a', '10.2.0.2');
  if (b.chance(0.4)) b.ping('a', '10.2.0.1');
  if (b.chance(0.3)) b.ping('a', '10.2.0.2', `-t ${b.pick([1, 2])}`);
  for (const d of routeTypes) if (b.chance(0.7)) b.ping('a', d);
  for (const d of routeTypes) if (b.chance(0.3)) b[b.chance(0.5) ? 'tcp' : 'udp']('a', d, 80);
  if (localType !== null) {
    b.ping('a', '10.8.0.1');
    if (b.chance(0.5)) b.tcp('a', '10.8.0.1', 80);
    if (b.chance(0.5)) b.udp('a', '10.8.0.1', 53);
  }
  if (mtu > 0) {
    b.ping('a', '10.2.0.2', `-s ${b.pick([mtu - 28, mtu - 27, 1400])} -M ${b.pick(['do', 'want'])}`);
  }
  if (b.chance(0.2)) b.ping('a', '10.99.0.1');
  if (b.chance(0.15)) b.ping('a', '10.6.0.5');
  if (b.chance(0.1)) b.udp('a', '10.99.0.1', 53);
  if (b.chance(0.1)) b.tcp('a', '10.99.0.1', 80);
  if (b.chance(0.15)) b.ping('b', '10.1.0.2');
}

/** Leaves on a bridge in a switch namespace, which may also route to a second subnet. */
function bridged(b: Builder, rules: RuleSet | null): void {
  b.netns('s', b.chance(0.8));
  const leaves = 2 + b.rng.below(2);
  if (b.chance(0.5)) b.x('s', 'ip link add br0 type bridge');
  else b.x('s', 'brctl addbr br0');
  const brIp = b.chance(0.6);
  if (brIp) b.addrUp('s', 'br0', '10.1.0.254/24');
  else b.x('s', 'ip link set br0 up');
  const downPort = b.chance(0.15) ? 1 + b.rng.below(leaves) : 0;
  for (let i = 1; i <= leaves; i++) {
    b.netns(`l${i}`);
    b.veth('s', `p${i}`, `l${i}`, 'eth0');
    b.x('s', b.chance(0.5) ? `brctl addif br0 p${i}` : `ip link set p${i} master br0`);
    if (i !== downPort) b.x('s', `ip link set p${i} up`);
    b.addrUp(`l${i}`, 'eth0', `10.1.0.${i}/24`);
    if (brIp && b.chance(0.7)) b.x(`l${i}`, 'ip route add default via 10.1.0.254');
  }
  const routed = brIp && b.chance(0.4);
  if (routed) {
    b.netns('x');
    b.veth('s', 'sx', 'x', 'eth0');
    b.addrUp('s', 'sx', '10.3.0.1/24');
    b.addrUp('x', 'eth0', '10.3.0.2/24');
    b.x('x', 'ip route add default via 10.3.0.1');
    b.forwarding('s', b.chance(0.7));
    listeners(b, 'x');
  }
  listeners(b, 'l2');
  if (rules !== null) rules(b, { client: 'l1', clientIp: '10.1.0.1', server: 'l2', serverIp: '10.1.0.2', router: null, routerIn: '', routerOut: '', serverDev: 'eth0', clientDev: 'eth0' });
  b.ping('l1', '10.1.0.2');
  b.services('l1', '10.1.0.2');
  if (leaves > 2) b.ping('l3', b.chance(0.5) ? '10.1.0.1' : '10.1.0.2');
  if (brIp) b.ping('l1', '10.1.0.254');
  if (brIp && b.chance(0.3)) b.tcp('l2', '10.1.0.254', 80);
  if (routed) {
    b.ping('l1', '10.3.0.2');
    b.services('l2', '10.3.0.2');
  }
}

/** Two underlay namespaces joined by a veth, a VXLAN device in each; optionally a bridge and a
 *  "container" namespace behind each VXLAN, as an overlay network is built. */
function vxlan(b: Builder, rules: RuleSet | null): void {
  const vni = 1 + b.rng.below(16000);
  const port = b.pick([4789, 4789, 8472]);
  b.netns('u1');
  b.netns('u2');
  b.veth('u1', 'e1', 'u2', 'e2');
  b.addrUp('u1', 'e1', '192.168.50.1/24');
  b.addrUp('u2', 'e2', '192.168.50.2/24');
  const withBridge = b.chance(0.4);
  const withDev = b.chance(0.7);
  for (const [i, me, peer] of [[1, '192.168.50.1', '192.168.50.2'], [2, '192.168.50.2', '192.168.50.1']] as const) {
    const u = `u${i}`;
    const local = b.chance(0.6) ? ` local ${me}` : '';
    b.x(u, `ip link add vx0 type vxlan id ${vni} remote ${peer}${local} dstport ${port}${withDev ? ` dev e${i}` : ''}`);
    if (withBridge) {
      b.x(u, 'ip link add br0 type bridge');
      b.x(u, 'ip link set vx0 master br0');
      b.x(u, 'ip link set vx0 up');
      b.x(u, 'ip link set br0 up');
      b.netns(`c${i}`);
      b.veth(u, `ve${i}`, `c${i}`, 'eth0');
      b.x(u, `ip link set ve${i} master br0`);
      b.x(u, `ip link set ve${i} up`);
      b.x(`c${i}`, `ip link set eth0 mtu ${withDev ? 1450 : 1500}`);
      b.addrUp(`c${i}`, 'eth0', `10.200.0.${i}/24`);
    } else {
      b.addrUp(u, 'vx0', `10.200.0.${i}/24`);
    }
  }
  const ov2 = withBridge ? 'c2' : 'u2';
  const ov1 = withBridge ? 'c1' : 'u1';
  listeners(b, ov2);
  if (rules !== null) rules(b, { client: ov1, clientIp: '10.200.0.1', server: ov2, serverIp: '10.200.0.2', router: null, routerIn: '', routerOut: '', serverDev: withBridge ? 'eth0' : 'vx0', clientDev: withBridge ? 'eth0' : 'vx0' });
  b.ping(ov1, '10.200.0.2');
  b.services(ov1, '10.200.0.2');
  if (withDev && b.chance(0.5)) b.ping(ov1, '10.200.0.2', `-s ${b.pick([1422, 1423])} -M do`);
  if (b.chance(0.2)) b.ping(ov1, '10.200.0.9', '', 4);
  if (b.chance(0.3)) b.ping('u1', '192.168.50.2');
}

/** Two routers pointing at each other: a packet for an unknown network loops until its TTL ends. */
function loop(b: Builder, _rules: RuleSet | null): void {
  b.netns('a');
  b.netns('r1');
  b.netns('r2');
  b.veth('a', 'va', 'r1', 'ra');
  b.veth('r1', 'x1', 'r2', 'x2');
  b.addrUp('a', 'va', '10.1.0.2/24');
  b.addrUp('r1', 'ra', '10.1.0.1/24');
  b.addrUp('r1', 'x1', '10.9.0.1/30');
  b.addrUp('r2', 'x2', '10.9.0.2/30');
  b.x('a', 'ip route add default via 10.1.0.1');
  b.forwarding('r1', true);
  b.forwarding('r2', b.chance(0.85));
  b.x('r1', 'ip route add default via 10.9.0.2');
  b.x('r2', 'ip route add default via 10.9.0.1');
  b.ping('a', '10.9.0.2');
  b.ping('a', '10.50.0.1', `-t ${1 + b.rng.below(8)}`);
  if (b.chance(0.5)) b.ping('a', '10.50.0.1');
  if (b.chance(0.3)) b.udp('a', '10.50.0.1', 53);
}

export const FAMILIES: Record<string, (b: Builder, rules: RuleSet | null) => void> = { pair, router, bridged, vxlan, loop };

export interface GenOptions {
  /** Rule sets to draw from; empty while the simulator has no iptables. */
  ruleSets: RuleSet[];
}

/** Case `index` of the run seeded `seed`; `prefix` names its namespaces. */
export function generate(seed: number, index: number, prefix: string, opts: GenOptions): Case {
  const rng = new Rng((seed * 0x9e3779b1 + index * 0x85ebca6b + 1) >>> 0);
  const b = new Builder(prefix, rng);
  const names = Object.keys(FAMILIES);
  const family = names[rng.below(names.length)]!;
  const withRules = opts.ruleSets.length > 0 && family !== 'loop' && b.chance(0.5);
  const rs = withRules ? opts.ruleSets[rng.below(opts.ruleSets.length)]! : null;
  FAMILIES[family]!(b, rs);
  return { id: `${seed}/${index}`, family: withRules ? `${family}+iptables` : family, namespaces: b.namespaces, steps: b.finish() };
}
