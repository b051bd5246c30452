// A namespace's sysctls as `sysctl` shows them: the Linux defaults, what was written in it, and
// what a new namespace takes from the initial one (devconf_inherit_init_net = 0: the `all` and
// `default` IPv4 devconf and ip_forward are copied when the namespace is made, nothing else).
import { describe, expect, it } from 'vitest';
import { sh, world } from '../helpers.js';

describe('namespace sysctls', () => {
  it('starts a namespace from the defaults and the initial namespace\'s IPv4 devconf as it is then', () => {
    const w = world([['n1', '192.168.205.10/24']]);
    const h = w.hosts.get('n1')!;
    expect(sh(w, h, 'ip netns add before').code).toBe(0);
    sh(w, h, 'sysctl -w net.ipv4.ip_forward=1');
    sh(w, h, 'sysctl -w net.ipv4.conf.default.rp_filter=2');
    sh(w, h, 'sysctl -w net.ipv4.ip_nonlocal_bind=1');
    sh(w, h, 'sysctl -w net.ipv4.conf.eth0.route_localnet=1');
    sh(w, h, 'ip netns add after');
    const read = (ns: string, key: string): string => sh(w, h, `ip netns exec ${ns} sysctl -n ${key}`).out;
    expect(read('after', 'net.ipv4.ip_forward')).toBe('1\n');
    expect(read('after', 'net.ipv4.conf.all.forwarding')).toBe('1\n');
    expect(read('after', 'net.ipv4.conf.default.rp_filter')).toBe('2\n');
    // Not devconf: the new namespace has its own default.
    expect(read('after', 'net.ipv4.ip_nonlocal_bind')).toBe('0\n');
    // A namespace made before keeps what it was made with.
    expect(read('before', 'net.ipv4.ip_forward')).toBe('0\n');
    expect(read('before', 'net.ipv4.conf.default.rp_filter')).toBe('0\n');
    // eth0 is the initial namespace's: the key does not exist in the others.
    expect(sh(w, h, 'ip netns exec after sysctl net.ipv4.conf.eth0.route_localnet')).toEqual({
      out: 'sysctl: cannot stat /proc/sys/net/ipv4/conf/eth0/route_localnet: No such file or directory\n', code: 255,
    });
    expect(sh(w, h, 'sysctl net.ipv4.conf.eth0.route_localnet').out).toBe('net.ipv4.conf.eth0.route_localnet = 1\n');
  });

  it('lists every key once, sorted, with the values written (sysctl -a)', () => {
    const w = world([['n1', '192.168.205.10/24']]);
    const h = w.hosts.get('n1')!;
    sh(w, h, 'ip netns add a');
    sh(w, h, 'ip netns exec a sysctl -w net.ipv4.ip_forward=1');
    sh(w, h, 'ip netns exec a sysctl -w net.ipv4.conf.lo.route_localnet=1');
    const lines = sh(w, h, 'ip netns exec a sysctl -a').out.trimEnd().split('\n');
    expect(lines).toEqual([...lines].sort());
    expect(new Set(lines.map((l) => l.split(' = ')[0])).size).toBe(lines.length);
    expect(lines).toContain('net.ipv4.ip_forward = 1');
    expect(lines).toContain('net.ipv4.conf.all.forwarding = 1');
    expect(lines).toContain('net.ipv4.conf.lo.route_localnet = 1');
    expect(lines).toContain('net.ipv6.conf.all.disable_ipv6 = 0');
    expect(sh(w, h, 'sysctl -a').out).toContain('net.ipv4.ip_forward = 0\n');
  });
});
