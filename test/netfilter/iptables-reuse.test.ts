// The same iptables arguments given again — in another namespace, or in the same one later, as
// Docker gives every host the same commands: each command is checked against the chains its own
// table has then, and gives a rule of its own.
import { describe, expect, it } from 'vitest';
import { World } from '../../src/kernel/world.js';
import { ip, sh, shAll } from './helpers.js';

function twoHosts() {
  const world = new World(7);
  const a = world.addHost('a', ip('192.168.1.10'), 24).root;
  const b = world.addHost('b', ip('192.168.1.20'), 24).root;
  return { world, a, b };
}

describe('iptables arguments given again', () => {
  it('checks a jump against the chains of the table it is given to', () => {
    const { world, a, b } = twoHosts();
    shAll(world, a, `
      iptables -N FOO
      iptables -A INPUT -p tcp --dport 80 -j FOO
    `);
    const r = sh(world, b, 'iptables -A INPUT -p tcp --dport 80 -j FOO');
    expect(r.code).toBe(2);
    expect(r.out).toContain("Couldn't load target `FOO'");
    expect(sh(world, b, 'iptables -S INPUT').out).toBe('-P INPUT ACCEPT\n');
    shAll(world, b, `
      iptables -N FOO
      iptables -A INPUT -p tcp --dport 80 -j FOO
    `);
    expect(sh(world, b, 'iptables -S INPUT').out).toBe('-P INPUT ACCEPT\n-A INPUT -p tcp -m tcp --dport 80 -j FOO\n');
    // A goto to a built-in chain is refused wherever it is given.
    for (const ns of [a, b]) expect(sh(world, ns, 'iptables -A INPUT -g OUTPUT').out).toContain("goto 'OUTPUT' is not a chain");
  });

  it('gives each namespace a rule of its own: a renamed chain and zeroed counters stay there', () => {
    const { world, a, b } = twoHosts();
    for (const ns of [a, b]) shAll(world, ns, 'iptables -N FOO\niptables -A INPUT -s 10.0.0.0/8 -j FOO');
    shAll(world, a, 'iptables -E FOO BAR');
    expect(sh(world, a, 'iptables -S INPUT').out).toBe('-P INPUT ACCEPT\n-A INPUT -s 10.0.0.0/8 -j BAR\n');
    expect(sh(world, b, 'iptables -S INPUT').out).toBe('-P INPUT ACCEPT\n-A INPUT -s 10.0.0.0/8 -j FOO\n');
    // The same rule twice in one chain is two rules; -D takes one, -C finds the other.
    shAll(world, b, 'iptables -A INPUT -s 10.0.0.0/8 -j FOO');
    expect(sh(world, b, 'iptables -S INPUT').out).toBe('-P INPUT ACCEPT\n-A INPUT -s 10.0.0.0/8 -j FOO\n-A INPUT -s 10.0.0.0/8 -j FOO\n');
    shAll(world, b, 'iptables -D INPUT -s 10.0.0.0/8 -j FOO');
    expect(sh(world, b, 'iptables -C INPUT -s 10.0.0.0/8 -j FOO').code).toBe(0);
    expect(sh(world, b, 'iptables -C INPUT -s 10.0.0.0/8 -j BAR').code).toBe(2);
  });

  it('still refuses a NAT target where the table does not allow it', () => {
    const { world, a, b } = twoHosts();
    shAll(world, a, 'iptables -t nat -A POSTROUTING -s 172.17.0.0/16 -j MASQUERADE');
    for (const ns of [a, b]) {
      const r = sh(world, ns, 'iptables -t nat -A PREROUTING -s 172.17.0.0/16 -j MASQUERADE');
      expect(r.code).toBe(1);
      expect(r.out).toContain('Invalid argument');
    }
    expect(sh(world, b, 'iptables -t nat -S POSTROUTING').out).toBe('-P POSTROUTING ACCEPT\n');
  });
});
