// Martians as ip_route_input_slow drops them (checked against the real kernel by the kernel-diff
// case hand/martians): a loopback destination or source arriving on a non-loopback device,
// unless route_localnet is on for it.
import { describe, expect, it } from 'vitest';
import { runText } from '../helpers.js';

const SETUP = `name: martians
hosts:
  - { name: h, ip: 192.168.99.100/24, docker: false }
steps:
  - run: ip netns add a
  - run: ip netns add b
  - run: ip link add va type veth peer name vb
  - run: ip link set va netns a
  - run: ip link set vb netns b
  - run: ip netns exec a ip addr add 10.77.0.1/24 dev va
  - run: ip netns exec b ip addr add 10.77.0.2/24 dev vb
  - run: ip netns exec a ip link set va up
  - run: ip netns exec b ip link set vb up
  - run: ip netns exec a ip link set lo up
  - run: ip netns exec b ip link set lo up
  - run: ip netns exec b iptables -A INPUT -i vb -p icmp
  - run: ip netns exec a ip route del local 127.0.0.0/8 dev lo table local
  - run: ip netns exec a ip route add 127.0.0.0/8 via 10.77.0.2
`;

describe('martian packets', () => {
  it('drops a loopback destination from a veth until route_localnet is on, with the reason in the trace', () => {
    const { res } = runText(SETUP
      + '  - trace: { on: h, ns: a, to: 127.0.0.2, proto: icmp }\n    expect: { verdict: dropped, reason: "martian destination" }\n'
      + '  - run: ip netns exec b sysctl -w net.ipv4.conf.vb.route_localnet=1\n'
      + '  - run: ip netns exec a sysctl -w net.ipv4.conf.all.route_localnet=1\n'
      + '  - run: ip netns exec a ping -c 1 -W 1 127.0.0.2\n    expect: { stdout: "1 received" }\n'
      + '  - run: ip netns exec b iptables -nvL INPUT\n    expect: { stdout: "/^\\\\s+1\\\\s+84\\\\s+icmp/m" }\n');
    for (const st of res.steps) expect(st.failures, `${st.command}\n${st.output}`).toEqual([]);
  });

  it('drops a reply from 127.0.0.2 at the sender unless its device allows route_localnet (martian source)', () => {
    const { res } = runText(SETUP
      + '  - run: ip netns exec b sysctl -w net.ipv4.conf.vb.route_localnet=1\n'
      + '  - run: ip netns exec a ping -c 1 -W 1 127.0.0.2\n    expect: { exit: 1, stdout: "0 received" }\n'
      + '  - run: ip netns exec b iptables -nvL INPUT\n    expect: { stdout: "/^\\\\s+1\\\\s+84\\\\s+icmp/m" }\n');
    for (const st of res.steps) expect(st.failures, `${st.command}\n${st.output}`).toEqual([]);
  });
});
