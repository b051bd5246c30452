// The seeds' VMs (`nics:`): NetworkManager's addresses (noprefixroute, prefix routes of its own) and
// the NAT NIC's DHCP lease as the address's lifetimes, counting down on the simulated clock and
// set back to the full lease at each renewal (T1, half the lease).
import { describe, expect, it } from 'vitest';
import { runText } from '../helpers.js';

const HOSTS = `hosts:
  - name: vm1
    docker: false
    nics:
      - { name: eth0, ip: 10.0.2.15/24, nat: true, gateway: 10.0.2.2 }
      - { name: eth1, ip: 192.168.205.10/24 }
  - { name: plain, ip: 192.168.205.20/24, docker: false }
`;

const lft = (n: number): string => `valid_lft ${n}sec preferred_lft ${n}sec`;

describe('NetworkManager addresses on nics: hosts', () => {
  it('counts the NAT address lease down and renews it at half the lease', () => {
    const { res, transcript } = runText(`${HOSTS}steps:
  - run: ip addr show eth0
    expect: { stdout: "inet 10.0.2.15/24 brd 10.0.2.255 scope global noprefixroute dynamic eth0\\n       ${lft(86400)}\\n" }
  - sleep: 100s
  - run: ip addr show eth0
    expect: { stdout: "${lft(86300)}" }
  - sleep: 43050s
  - run: ip addr show eth0
    expect: { stdout: "${lft(43250)}" }
  - sleep: 100s
  - run: ip addr show eth0
    expect: { stdout: "${lft(86350)}" }
  - run: ip addr show eth1
    expect: { stdout: "inet 192.168.205.10/24 brd 192.168.205.255 scope global noprefixroute eth1\\n       valid_lft forever preferred_lft forever\\n" }
`);
    expect(res.steps.flatMap((s) => s.failures)).toEqual([]);
    expect(transcript).not.toContain('valid_lft 0sec');
  });

  it('keeps the prefix routes (added by NetworkManager) and leaves an ip: host as the kernel configures it', () => {
    const { res } = runText(`${HOSTS}steps:
  - run: ip route
    expect: { stdout: "default via 10.0.2.2 dev eth0\\n10.0.2.0/24 dev eth0 proto kernel scope link src 10.0.2.15\\n192.168.205.0/24 dev eth1 proto kernel scope link src 192.168.205.10\\n" }
  - run: ping -c 1 192.168.205.20
    expect: { stdout: "1 received" }
  - run: ip addr show eth0
    on: plain
    expect: { stdout: "inet 192.168.205.20/24 brd 192.168.205.255 scope global eth0\\n       valid_lft forever preferred_lft forever\\n" }
`);
    expect(res.steps.flatMap((s) => s.failures)).toEqual([]);
  });
});
