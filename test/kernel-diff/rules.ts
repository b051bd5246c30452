// iptables rule sets the generator plugs into a topology: filter (ACCEPT, DROP, REJECT, conntrack
// states, user chains, policies), nat (DNAT, SNAT, MASQUERADE, REDIRECT, OUTPUT DNAT) and mangle
// (MARK, matched later by -m mark). Each adds its rules, the probes that exercise them, and the
// counters to compare at the end of the case.
import type { Builder, Roles, RuleSet } from './gen.js';

/** KD_OPEN=1 also generates the cases whose disagreements are known and still open. */
export const OPEN = process.env.KD_OPEN === '1';

const state = (b: Builder): string => (b.chance(0.5) ? '-m state --state' : '-m conntrack --ctstate');

/** INPUT on the server: per-port verdicts, maybe a DROP policy behind an ESTABLISHED rule. */
const serverInput: RuleSet = (b, r) => {
  const s = r.server;
  const policyDrop = b.chance(0.4);
  if (policyDrop) b.ipt(s, `-A INPUT ${state(b)} ESTABLISHED,RELATED -j ACCEPT`);
  b.ipt(s, `-A INPUT -p tcp --dport 80 ${state(b)} NEW -j ACCEPT`);
  b.ipt(s, `-A INPUT -p tcp --dport 81 -j REJECT${b.chance(0.5) ? ' --reject-with tcp-reset' : ''}`);
  b.ipt(s, `-A INPUT -p udp --dport 54 -j ${b.pick(['DROP', 'REJECT', 'REJECT --reject-with icmp-host-prohibited', 'REJECT --reject-with icmp-net-unreachable'])}`);
  if (b.chance(0.5)) b.ipt(s, `-A INPUT -p icmp --icmp-type echo-request -j ${b.pick(['DROP', 'REJECT', 'ACCEPT'])}`);
  if (b.chance(0.3)) b.ipt(s, `-A INPUT -s ${r.clientIp} -p udp --dport 53 -j ACCEPT`);
  if (policyDrop) {
    b.ipt(s, '-A INPUT -i lo -j ACCEPT');
    b.ipt(s, '-P INPUT DROP');
  }
  b.tcp(r.client, r.serverIp, 81);
  b.udp(r.client, r.serverIp, 54);
  b.counters(s);
};

/** A user chain jumped to from INPUT, with RETURN, REJECT and DROP. */
const userChain: RuleSet = (b, r) => {
  const s = r.server;
  b.ipt(s, '-N CHK');
  b.ipt(s, `-A INPUT -s ${r.clientIp} -j CHK`);
  b.ipt(s, '-A CHK -p tcp --dport 80 -j RETURN');
  b.ipt(s, `-A CHK -p udp --dport 53 -j ${b.pick(['RETURN', 'REJECT --reject-with icmp-port-unreachable', 'REJECT --reject-with icmp-host-prohibited'])}`);
  b.ipt(s, `-A CHK -p tcp -j ${b.pick(['DROP', 'REJECT --reject-with tcp-reset', 'ACCEPT'])}`);
  if (b.chance(0.5)) b.ipt(s, '-A CHK -p icmp -j DROP');
  b.ipt(s, '-A INPUT -p tcp --dport 80 -j ACCEPT');
  b.tcp(r.client, r.serverIp, 8080);
  b.counters(s);
};

/** REDIRECT on the server: a port redirected to a listening one. */
const redirect: RuleSet = (b, r) => {
  const s = r.server;
  b.ipt(s, '-t nat -A PREROUTING -p tcp --dport 8081 -j REDIRECT --to-ports 8080');
  b.ipt(s, `-t nat -A PREROUTING -p udp --dport 5454 -j REDIRECT --to-ports ${b.pick(['53', '55'])}`);
  if (b.chance(0.5)) b.ipt(s, `-t nat -A PREROUTING -p tcp --dport 81 -j REDIRECT --to-ports 80`);
  b.tcp(r.client, r.serverIp, 8081);
  b.udp(r.client, r.serverIp, 5454);
  b.tcp(r.client, r.serverIp, 81);
  b.counters(s, 'nat');
};

/** The client's own OUTPUT: DNAT of a local connection, REJECT and DROP of what it sends. */
const clientOutput: RuleSet = (b, r) => {
  const c = r.client;
  b.ipt(c, `-t nat -A OUTPUT -p tcp --dport 9999 -j DNAT --to-destination ${r.serverIp}:80`);
  b.ipt(c, `-A OUTPUT -p udp --dport 54 -j ${b.pick(['DROP', 'REJECT'])}`);
  // Open: ping (a raw socket) after an OUTPUT DROP prints nothing on Linux 6.18/iputils 20221126,
  // while a UDP socket gets EPERM; not yet explained, so only with KD_OPEN=1 (see the report).
  if (OPEN && b.chance(0.5)) b.ipt(c, `-A OUTPUT -p icmp -d ${r.serverIp} -j ${b.pick(['DROP', 'REJECT'])}`);
  b.ipt(c, `-A INPUT ${state(b)} ESTABLISHED -j ACCEPT`);
  b.tcp(c, r.serverIp, 9999);
  b.udp(c, r.serverIp, 54);
  b.counters(c);
  b.counters(c, 'nat');
};

/** mangle MARK on the server's PREROUTING, matched in filter INPUT. */
const mark: RuleSet = (b, r) => {
  const s = r.server;
  b.ipt(s, `-t mangle -A PREROUTING -p tcp --dport 80 -j MARK --set-mark ${b.pick(['7', '0x10', '0x100/0xf00'])}`);
  b.ipt(s, '-t mangle -A PREROUTING -p udp -j MARK --set-mark 3');
  b.ipt(s, `-A INPUT -m mark --mark 3 -p udp --dport 53 -j ${b.pick(['ACCEPT', 'DROP'])}`);
  b.ipt(s, '-A INPUT -m mark --mark 3 -j REJECT');
  b.ipt(s, '-A INPUT -m mark ! --mark 0 -j ACCEPT');
  b.counters(s, 'mangle');
  b.counters(s);
};

/** On a router: a stateful FORWARD, DNAT of a published port and SNAT or MASQUERADE out. */
const routerNat: RuleSet = (b, r) => {
  if (r.router === null) return serverInput(b, r);
  const rt = r.router;
  b.ipt(rt, `-t nat -A PREROUTING -d ${r.routerIn} -p tcp --dport 8080 -j DNAT --to-destination ${r.serverIp}${b.chance(0.5) ? ':80' : ''}`);
  b.ipt(rt, `-t nat -A PREROUTING -d ${r.routerIn} -p udp --dport 5353 -j DNAT --to-destination ${r.serverIp}:53`);
  const snat = b.pick(['none', 'masq', 'snat', 'snat-port']);
  if (snat === 'masq') b.ipt(rt, '-t nat -A POSTROUTING -o rb -j MASQUERADE');
  if (snat === 'snat') b.ipt(rt, `-t nat -A POSTROUTING -s ${r.clientIp} -j SNAT --to-source ${r.routerOut}`);
  if (snat === 'snat-port') b.ipt(rt, `-t nat -A POSTROUTING -p tcp -o rb -j SNAT --to-source ${r.routerOut}:2000-2100`);
  if (b.chance(0.6)) {
    b.ipt(rt, `-A FORWARD ${state(b)} RELATED,ESTABLISHED -j ACCEPT`);
    b.ipt(rt, '-A FORWARD -i ra -o rb -p tcp --dport 80 -j ACCEPT');
    if (b.chance(0.5)) b.ipt(rt, '-A FORWARD -p udp --dport 53 -j ACCEPT');
    if (b.chance(0.5)) b.ipt(rt, '-A FORWARD -p icmp -j ACCEPT');
    if (b.chance(0.5)) b.ipt(rt, '-P FORWARD DROP');
    else b.ipt(rt, `-A FORWARD -j REJECT${b.chance(0.5) ? ' --reject-with icmp-admin-prohibited' : ''}`);
  }
  b.tcp(r.client, r.routerIn, 8080);
  b.udp(r.client, r.routerIn, 5353);
  b.tcp(r.client, r.routerIn, 8081);
  b.counters(rt);
  b.counters(rt, 'nat');
};

/** mangle MARK on a router, then SNAT only the marked traffic (the ingress pattern). */
const routerMarkSnat: RuleSet = (b, r) => {
  if (r.router === null) return mark(b, r);
  const rt = r.router;
  b.ipt(rt, '-t mangle -A PREROUTING -i ra -p tcp -j MARK --set-mark 0x100');
  b.ipt(rt, '-t nat -A POSTROUTING -m mark --mark 0x100 -j SNAT --to-source 10.2.0.1');
  b.ipt(rt, '-A FORWARD -m mark --mark 0x100 -j ACCEPT');
  b.ipt(rt, `-A FORWARD -p udp -j ${b.pick(['DROP', 'REJECT', 'ACCEPT'])}`);
  b.counters(rt, 'mangle');
  b.counters(rt, 'nat');
  b.counters(rt);
};

export const RULE_SETS: RuleSet[] = [serverInput, userChain, redirect, clientOutput, mark, routerNat, routerMarkSnat, routerNat];
export type { Roles };
