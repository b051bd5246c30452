// Docker's way of changing rules (libnetwork ProgramRule / DeleteRule: `iptables -C`, then the
// change only when it is needed), seen through iptables-save.
import { describe, expect, it } from 'vitest';
import { World } from '../../src/kernel/world.js';
import { ensureChain, programRule, removeRule } from '../../src/docker/firewall.js';
import { ip, sh } from './helpers.js';

function setup() {
  const world = new World(1);
  const host = world.addHost('node1', ip('192.168.1.10'), 24);
  return { world, ns: host.root };
}

const natRules = (world: World, ns: Parameters<typeof sh>[1]): string[] =>
  sh(world, ns, 'iptables-save -t nat').out.split('\n').filter((l) => l.startsWith('-A'));

describe('programRule and removeRule', () => {
  it('inserts or appends a rule once, at the position asked, and deletes only a rule that is there', () => {
    const { world, ns } = setup();
    ensureChain(ns, 'nat', 'DOCKER');
    ensureChain(ns, 'nat', 'DOCKER');
    programRule(ns, 'nat', '-A', 'DOCKER', '-i docker0 -j RETURN');
    programRule(ns, 'nat', '-A', 'DOCKER', '-i docker0 -j RETURN');
    programRule(ns, 'nat', '-I', 'DOCKER', '-p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80');
    programRule(ns, 'nat', '-I', 'DOCKER', '-i br-1 -j RETURN', 2);
    programRule(ns, 'nat', '-A', 'POSTROUTING', '-s 172.17.0.0/16 ! -o docker0 -j MASQUERADE');
    programRule(ns, 'nat', '-I', 'DOCKER', '-p tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80');
    expect(natRules(world, ns)).toEqual([
      '-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE',
      '-A DOCKER -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80',
      '-A DOCKER -i br-1 -j RETURN',
      '-A DOCKER -i docker0 -j RETURN',
    ]);
    removeRule(ns, 'nat', 'DOCKER', '-i br-1 -j RETURN');
    removeRule(ns, 'nat', 'DOCKER', '-i br-1 -j RETURN');
    removeRule(ns, 'nat', 'DOCKER', '-i br-2 -j RETURN');
    expect(natRules(world, ns)).toEqual([
      '-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE',
      '-A DOCKER -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80',
      '-A DOCKER -i docker0 -j RETURN',
    ]);
  });

  it('raises iptables\' error for a rule the kernel refuses, and adds nothing', () => {
    const { world, ns } = setup();
    expect(() => programRule(ns, 'filter', '-A', 'FORWARD', '-j MASQUERADE')).toThrow("iptables: Invalid argument. Run `dmesg' for more information.");
    expect(sh(world, ns, 'iptables-save -t filter').out).not.toContain('MASQUERADE');
  });
});
