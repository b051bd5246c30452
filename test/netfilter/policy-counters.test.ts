// The policy counters of a built-in chain with no rules: such a hook is passed without walking
// (netfilter.ts), and what `iptables -L -v` shows must be what a walk would have counted, through
// rule changes, a flush and a policy change.
import { describe, expect, it } from 'vitest';
import { udpSend } from '../../src/kernel/udp.js';
import { World } from '../../src/kernel/world.js';
import { SEC } from '../../src/sim/clock.js';
import { ip, sh, shAll } from './helpers.js';

function twoHosts() {
  const world = new World(7);
  const server = world.addHost('server', ip('192.168.1.10'), 24);
  const client = world.addHost('client', ip('192.168.1.20'), 24);
  return { world, server: server.root, client: client.root };
}

/** `iptables -L INPUT -v -x -n`'s header line: "Chain INPUT (policy P N packets, M bytes)". */
function inputPolicy(world: World, ns: Parameters<typeof sh>[1]): string {
  return sh(world, ns, 'iptables -L INPUT -v -x -n').out.split('\n')[0]!;
}

describe('policy counters of an empty built-in chain', () => {
  it('counts every datagram once, before and after rules come and go, and drops once the policy is DROP', () => {
    const { world, server, client } = twoHosts();
    const send = (n: number): void => {
      for (let i = 0; i < n; i++) udpSend(client, ip('192.168.1.20'), 40000, ip('192.168.1.10'), 9999, new Uint8Array(10), null, world.eq.now);
      world.eq.runUntil(world.eq.now + SEC);
    };
    // Listing the table registers it: packets are counted from now on.
    expect(inputPolicy(world, server)).toBe('Chain INPUT (policy ACCEPT 0 packets, 0 bytes)');
    send(3); // 38-byte datagrams (20 IP + 8 UDP + 10); the closed port's ICMP errors leave through OUTPUT
    expect(inputPolicy(world, server)).toBe('Chain INPUT (policy ACCEPT 3 packets, 114 bytes)');
    shAll(world, server, 'iptables -A INPUT -p tcp --dport 22 -j ACCEPT');
    send(2);
    expect(inputPolicy(world, server)).toBe('Chain INPUT (policy ACCEPT 5 packets, 190 bytes)');
    shAll(world, server, 'iptables -D INPUT -p tcp --dport 22 -j ACCEPT');
    send(1);
    expect(inputPolicy(world, server)).toBe('Chain INPUT (policy ACCEPT 6 packets, 228 bytes)');
    shAll(world, server, 'iptables -Z INPUT');
    send(1);
    expect(inputPolicy(world, server)).toBe('Chain INPUT (policy ACCEPT 1 packets, 38 bytes)');
    const noPorts = server.snmp.Udp.NoPorts;
    shAll(world, server, 'iptables -P INPUT DROP');
    send(2);
    expect(inputPolicy(world, server)).toBe('Chain INPUT (policy DROP 3 packets, 114 bytes)');
    // Dropped in INPUT: UDP never saw them.
    expect(server.snmp.Udp.NoPorts).toBe(noPorts);
    shAll(world, server, 'iptables -P INPUT ACCEPT');
    send(1);
    expect(inputPolicy(world, server)).toBe('Chain INPUT (policy ACCEPT 4 packets, 152 bytes)');
    expect(server.snmp.Udp.NoPorts).toBe(noPorts + 1);
  });

  it('leaves an unlisted table uncounted, and counts the OUTPUT policy of the sender once it is listed', () => {
    const { world, server, client } = twoHosts();
    expect(inputPolicy(world, server)).toBe('Chain INPUT (policy ACCEPT 0 packets, 0 bytes)');
    udpSend(client, ip('192.168.1.20'), 40000, ip('192.168.1.10'), 9999, new Uint8Array(10), null, 0);
    world.eq.runUntil(SEC);
    expect(sh(world, client, 'iptables -L OUTPUT -v -x -n').out.split('\n')[0]).toBe('Chain OUTPUT (policy ACCEPT 0 packets, 0 bytes)');
    udpSend(client, ip('192.168.1.20'), 40000, ip('192.168.1.10'), 9999, new Uint8Array(10), null, world.eq.now);
    world.eq.runUntil(world.eq.now + SEC);
    expect(sh(world, client, 'iptables -L OUTPUT -v -x -n').out.split('\n')[0]).toBe('Chain OUTPUT (policy ACCEPT 1 packets, 38 bytes)');
    expect(inputPolicy(world, server)).toBe('Chain INPUT (policy ACCEPT 2 packets, 76 bytes)');
  });
});
