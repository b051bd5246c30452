import { describe, expect, it } from 'vitest';
import { World } from '../../src/kernel/world.js';
import { ip, sh, shAll } from './helpers.js';

function setup() {
  const world = new World(1);
  const host = world.addHost('node1', ip('192.168.1.10'), 24);
  return { world, ns: host.root };
}

const H = 'target     prot opt source               destination         ';

describe('iptables output formats (iptables 1.4.21)', () => {
  it('lists the Docker ingress nat rules exactly as iptables -nL -t nat', () => {
    const { world, ns } = setup();
    shAll(world, ns, `
      iptables -t nat -N DOCKER-INGRESS
      iptables -t nat -N DOCKER
      iptables -t nat -I PREROUTING -m addrtype --dst-type LOCAL -j DOCKER-INGRESS
      iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
      iptables -t nat -A DOCKER-INGRESS -j RETURN
      iptables -t nat -I DOCKER-INGRESS -p tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:8080
      iptables -t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
      iptables -t nat -A OUTPUT -p udp -d 127.0.0.11 --dport 53 -j DNAT --to-destination 127.0.0.11:43210
      iptables -t nat -A POSTROUTING -s 127.0.0.11 -p udp --sport 43210 -j SNAT --to-source :53
      iptables -t nat -A PREROUTING -d 10.255.0.5 -p tcp --dport 80 -j REDIRECT --to-port 8080
    `);
    const r = sh(world, ns, 'iptables -nL -t nat');
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      `Chain PREROUTING (policy ACCEPT)
${H}
DOCKER-INGRESS  all  --  0.0.0.0/0            0.0.0.0/0            ADDRTYPE match dst-type LOCAL
DOCKER     all  --  0.0.0.0/0            0.0.0.0/0            ADDRTYPE match dst-type LOCAL
REDIRECT   tcp  --  0.0.0.0/0            10.255.0.5           tcp dpt:80 redir ports 8080

Chain INPUT (policy ACCEPT)
${H}

Chain OUTPUT (policy ACCEPT)
${H}
DNAT       udp  --  0.0.0.0/0            127.0.0.11           udp dpt:53 to:127.0.0.11:43210

Chain POSTROUTING (policy ACCEPT)
${H}
MASQUERADE  all  --  172.17.0.0/16        0.0.0.0/0           
SNAT       udp  --  127.0.0.11           0.0.0.0/0            udp spt:43210 to::53

Chain DOCKER (1 references)
${H}

Chain DOCKER-INGRESS (1 references)
${H}
DNAT       tcp  --  0.0.0.0/0            0.0.0.0/0            tcp dpt:8080 to:172.18.0.2:8080
RETURN     all  --  0.0.0.0/0            0.0.0.0/0           
`);
    // Without -n: names.
    expect(sh(world, ns, 'iptables -t nat -L DOCKER-INGRESS').out).toBe(
      `Chain DOCKER-INGRESS (1 references)
${H}
DNAT       tcp  --  anywhere             anywhere             tcp dpt:http-alt to:172.18.0.2:8080
RETURN     all  --  anywhere             anywhere            
`);
    expect(sh(world, ns, 'iptables -t nat -S').out).toBe(`-P PREROUTING ACCEPT
-P INPUT ACCEPT
-P OUTPUT ACCEPT
-P POSTROUTING ACCEPT
-N DOCKER
-N DOCKER-INGRESS
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER-INGRESS
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A PREROUTING -d 10.255.0.5/32 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 8080
-A OUTPUT -d 127.0.0.11/32 -p udp -m udp --dport 53 -j DNAT --to-destination 127.0.0.11:43210
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
-A POSTROUTING -s 127.0.0.11/32 -p udp -m udp --sport 43210 -j SNAT --to-source :53
-A DOCKER-INGRESS -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:8080
-A DOCKER-INGRESS -j RETURN
`);
  });

  it('prints -v counters, line numbers, marks, states, ipvs and goto like iptables', () => {
    const { world, ns } = setup();
    shAll(world, ns, `
      iptables -t mangle -A PREROUTING -p tcp --dport 8080 -j MARK --set-mark 256
      iptables -t mangle -A INPUT -d 10.0.0.3/32 -j MARK --set-mark 0x1/0xff
      iptables -t nat -A POSTROUTING -m ipvs --ipvs -d 10.0.0.0/24 -j SNAT --to-source 10.0.0.2
      iptables -N X
      iptables -A INPUT -g X
      iptables -A FORWARD -i eth0 -o veth+ -m state --state NEW -m conntrack ! --ctstate INVALID -j ACCEPT
      iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
      iptables -A INPUT -p icmp --icmp-type echo-request -j ACCEPT
      iptables -A INPUT -p tcp -j REJECT --reject-with tcp-reset
      iptables -A INPUT -m mark ! --mark 3 -m comment --comment "hi there" -j LOG --log-prefix "hey: "
    `);
    expect(sh(world, ns, 'iptables -t mangle -nL PREROUTING').out).toBe(`Chain PREROUTING (policy ACCEPT)
${H}
MARK       tcp  --  0.0.0.0/0            0.0.0.0/0            tcp dpt:8080 MARK set 0x100
`);
    expect(sh(world, ns, 'iptables -t mangle -S INPUT').out).toBe('-P INPUT ACCEPT\n-A INPUT -d 10.0.0.3/32 -j MARK --set-xmark 0x1/0xff\n');
    expect(sh(world, ns, 'iptables -t nat -S POSTROUTING').out).toBe('-P POSTROUTING ACCEPT\n-A POSTROUTING -d 10.0.0.0/24 -m ipvs --ipvs -j SNAT --to-source 10.0.0.2\n');
    expect(sh(world, ns, 'iptables -t nat -nL POSTROUTING').out).toContain('SNAT       all  --  0.0.0.0/0            10.0.0.0/24          ipvs to:10.0.0.2\n');
    const v = sh(world, ns, 'iptables -nvL --line-numbers');
    expect(v.out).toBe(`Chain INPUT (policy ACCEPT 0 packets, 0 bytes)
num   pkts bytes target     prot opt in     out     source               destination         
1        0     0 X          all  --  *      *       0.0.0.0/0            0.0.0.0/0           [goto] 
2        0     0 ACCEPT     icmp --  *      *       0.0.0.0/0            0.0.0.0/0            icmptype 8
3        0     0 REJECT     tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            reject-with tcp-reset
4        0     0 LOG        all  --  *      *       0.0.0.0/0            0.0.0.0/0            mark match ! 0x3 /* hi there */ LOG flags 0 level 4 prefix "hey: "

Chain FORWARD (policy ACCEPT 0 packets, 0 bytes)
num   pkts bytes target     prot opt in     out     source               destination         
1        0     0 ACCEPT     all  --  eth0   veth+   0.0.0.0/0            0.0.0.0/0            state NEW ! ctstate INVALID
2        0     0 ACCEPT     all  --  *      *       0.0.0.0/0            0.0.0.0/0            ctstate RELATED,ESTABLISHED

Chain OUTPUT (policy ACCEPT 0 packets, 0 bytes)
num   pkts bytes target     prot opt in     out     source               destination         

Chain X (1 references)
num   pkts bytes target     prot opt in     out     source               destination         
`);
    expect(sh(world, ns, 'iptables -S FORWARD').out).toBe(`-P FORWARD ACCEPT
-A FORWARD -i eth0 -o veth+ -m state --state NEW -m conntrack ! --ctstate INVALID -j ACCEPT
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
`);
    expect(sh(world, ns, 'iptables -S INPUT 4').out).toBe('-A INPUT -m mark ! --mark 0x3 -m comment --comment "hi there" -j LOG --log-prefix "hey: "\n');
  });

  it('iptables-save lists the loaded tables with policy counters', () => {
    const { world, ns } = setup();
    shAll(world, ns, `
      iptables -A INPUT -s 10.1.0.0/16 -j DROP
      iptables -t nat -N DOCKER
      iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
    `);
    const r = sh(world, ns, 'iptables-save');
    expect(r.code).toBe(0);
    const d = 'Mon Jan  1 00:00:00 2024';
    expect(r.out).toBe(`# Generated by iptables-save v1.4.21 on ${d}
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
COMMIT
# Completed on ${d}
# Generated by iptables-save v1.4.21 on ${d}
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -s 10.1.0.0/16 -j DROP
COMMIT
# Completed on ${d}
`);
  });
});

describe('iptables commands and errors', () => {
  const cases: Array<[string, string, number]> = [
    ['iptables -A NOPE -j ACCEPT', 'iptables: No chain/target/match by that name.\n', 1],
    ['iptables -A INPUT -j NOPE', "iptables v1.4.21: Couldn't load target `NOPE':No such file or directory\n\nTry `iptables -h' or 'iptables --help' for more information.\n", 2],
    ['iptables -A INPUT --foo', 'iptables v1.4.21: unknown option "--foo"\nTry `iptables -h\' or \'iptables --help\' for more information.\n', 2],
    ['iptables -L NOPE', 'iptables: No chain/target/match by that name.\n', 1],
    ['iptables -t bogus -L', "iptables v1.4.21: can't initialize iptables table `bogus': Table does not exist (do you need to insmod?)\nPerhaps iptables or your kernel needs to be upgraded.\n", 3],
    ['iptables -D INPUT -j ACCEPT', 'iptables: Bad rule (does a matching rule exist in that chain?).\n', 1],
    ['iptables -D INPUT 3', 'iptables: Index of deletion too big.\n', 1],
    ['iptables -I INPUT 5 -j ACCEPT', 'iptables: Index of insertion too big.\n', 1],
    ['iptables -R INPUT 2 -j ACCEPT', 'iptables: Index of replacement too big.\n', 1],
    ['iptables -P INPUT FOO', "iptables: Bad policy name. Run `dmesg' for more information.\n", 1],
    // TC_STRERROR words the errno by the libiptc function that ran last: -C is delete_entry (dry run),
    // -X's built-in check runs TC_BUILTIN (no entry: strerror), -P on a user chain is ENOENT in TC_SET_POLICY.
    ['iptables -C INPUT -j ACCEPT', 'iptables: Bad rule (does a matching rule exist in that chain?).\n', 1],
    ['iptables -X INPUT', "iptables: Invalid argument. Run `dmesg' for more information.\n", 1],
    ['iptables -X NOPE', 'iptables: No chain/target/match by that name.\n', 1],
    ['iptables -Z NOPE', 'iptables: No chain/target/match by that name.\n', 1],
    ['iptables -S NOPE', 'iptables: No chain/target/match by that name.\n', 1],
    ['iptables -A INPUT -s 1.2.3.300 -j ACCEPT', "iptables v1.4.21: host/network `1.2.3.300' not found\nTry `iptables -h' or 'iptables --help' for more information.\n", 2],
    ['iptables -A INPUT --dport 80 -j ACCEPT', 'iptables v1.4.21: unknown option "--dport"\nTry `iptables -h\' or \'iptables --help\' for more information.\n', 2],
    ['iptables -A INPUT -p tcp --dport abc -j ACCEPT', "iptables v1.4.21: invalid port/service `abc' specified\nTry `iptables -h' or 'iptables --help' for more information.\n", 2],
    ['iptables -A INPUT -j DNAT --to-destination 1.2.3.4', "iptables: Invalid argument. Run `dmesg' for more information.\n", 1],
    ['iptables -t nat -A PREROUTING -o eth0 -j ACCEPT', "iptables v1.4.21: Can't use -o with PREROUTING\n\nTry `iptables -h' or 'iptables --help' for more information.\n", 2],
    ['iptables -A INPUT -m foo -j ACCEPT', "iptables v1.4.21: Couldn't load match `foo':No such file or directory\n\nTry `iptables -h' or 'iptables --help' for more information.\n", 2],
    ['iptables', "iptables v1.4.21: no command specified\nTry `iptables -h' or 'iptables --help' for more information.\n", 2],
    ['iptables -A INPUT -j ACCEPT extra', "Bad argument `extra'\nTry `iptables -h' or 'iptables --help' for more information.\n", 2],
    ['iptables -A INPUT -m conntrack --ctstate FOO -j ACCEPT', 'iptables v1.4.21: Bad ctstate "FOO"\nTry `iptables -h\' or \'iptables --help\' for more information.\n', 2],
    ['iptables -A INPUT -p foo -j ACCEPT', 'iptables v1.4.21: unknown protocol "foo" specified\nTry `iptables -h\' or \'iptables --help\' for more information.\n', 2],
  ];
  for (const [line, text, code] of cases) {
    it(`${line} → exit ${code}`, () => {
      const { world, ns } = setup();
      shAll(world, ns, 'iptables -A INPUT -s 10.0.0.1 -j ACCEPT');
      const r = sh(world, ns, line);
      expect(r.out).toBe(text);
      expect(r.code).toBe(code);
    });
  }

  it('a rule with a syntax error leaves the existing rules intact', () => {
    const { world, ns } = setup();
    shAll(world, ns, `
      iptables -A FORWARD -p tcp --dport 22 -j DROP
      iptables -A FORWARD -j ACCEPT
    `);
    const before = sh(world, ns, 'iptables -S').out;
    for (const bad of ['iptables -I FORWARD -p tcp --dport 99999 -j DROP', 'iptables -A FORWARD -j NOWHERE', 'iptables -R FORWARD 1 -s 300.1.1.1 -j DROP', 'iptables -D FORWARD -p tcp --dport 23 -j DROP']) {
      expect(sh(world, ns, bad).code).not.toBe(0);
    }
    expect(sh(world, ns, 'iptables -S').out).toBe(before);
  });

  it('chains: -N, -X refusals, -F, -D by spec and number, -R, -I position, -P', () => {
    const { world, ns } = setup();
    shAll(world, ns, `
      iptables -t nat -N DOCKER
      iptables -t nat -A PREROUTING -j DOCKER
      iptables -t nat -A DOCKER -j RETURN
    `);
    expect(sh(world, ns, 'iptables -t nat -N DOCKER')).toEqual({ out: 'iptables: Chain already exists.\n', code: 1 });
    expect(sh(world, ns, 'iptables -t nat -X DOCKER')).toEqual({ out: 'iptables: Too many links.\n', code: 1 });
    shAll(world, ns, 'iptables -t nat -D PREROUTING -j DOCKER');
    expect(sh(world, ns, 'iptables -t nat -X DOCKER')).toEqual({ out: 'iptables: Directory not empty.\n', code: 1 });
    shAll(world, ns, `
      iptables -t nat -F DOCKER
      iptables -t nat -X DOCKER
      iptables -A INPUT -p tcp --dport 1 -j DROP
      iptables -A INPUT -p tcp --dport 2 -j DROP
      iptables -A INPUT -p tcp --dport 3 -j DROP
      iptables -D INPUT -p tcp --dport 2 -j DROP
      iptables -I INPUT 2 -p udp --dport 53 -j ACCEPT
      iptables -R INPUT 1 -p tcp --dport 11 -j DROP
      iptables -D INPUT 3
      iptables -P FORWARD DROP
    `);
    expect(sh(world, ns, 'iptables -t nat -L DOCKER').code).toBe(1);
    expect(sh(world, ns, 'iptables -S').out).toBe(`-P INPUT ACCEPT
-P FORWARD DROP
-P OUTPUT ACCEPT
-A INPUT -p tcp -m tcp --dport 11 -j DROP
-A INPUT -p udp -m udp --dport 53 -j ACCEPT
`);
    expect(sh(world, ns, 'iptables -t nat -P DOCKER ACCEPT').out).toBe('iptables: No chain/target/match by that name.\n'.replace('No chain/target/match by that name.', 'Bad built-in chain name.'));
  });
});
