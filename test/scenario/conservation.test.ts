// `conservation: true`: every frame put on a wire ends received or dropped, the transcript says how
// many, and the count is the one `ip -s link` gives (the TX packets of every veth, NIC and lo). A
// frame left on a wire fails the run, naming where it was last seen.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { Ledger } from '../../src/kernel/ledger.js';
import { ledgerFailures } from '../../src/scenario/conservation.js';
import { loadScenario } from '../../src/scenario/load.js';
import { ETH_P_IP, IPPROTO_UDP, Packet } from '../../src/wire/packet.js';
import { runText, world } from '../helpers.js';

const SCENARIO = `name: conservation
conservation: true
hosts:
  - { name: a, ip: 10.0.0.1/24, docker: false }
  - { name: b, ip: 10.0.0.2/24, docker: false }
  - { name: c, ip: 10.0.0.3/24, docker: false }
steps:
  - run: ip netns add n1
  - run: ip link add v1 type veth peer name v2
  - run: ip link set v2 netns n1
  - run: ip addr add 192.168.9.1/24 dev v1
  - run: ip link set v1 up
  - run: ip netns exec n1 ip addr add 192.168.9.2/24 dev v2
  - run: ip netns exec n1 ip link set v2 up
  - run: ping -c 2 192.168.9.2
  - run: ping -c 1 10.0.0.2
  - run: ping -c 1 10.0.0.3
  - run: iptables -A INPUT -s 10.0.0.1 -j DROP
    on: b
  - run: ping -c 1 -W 1 10.0.0.2
    expect: { exit: 1 }
  - fault: { host: c, down: true }
  - run: ping -c 1 -W 1 10.0.0.3
    expect: { exit: 1 }
`;

describe('packet conservation', () => {
  it('holds across a veth, the LAN, a firewall drop and a host that is down, with the counts ip -s link gives', () => {
    const { res, transcript } = runText(SCENARIO, 'c.yaml');
    expect(res.steps.flatMap((s) => s.failures)).toEqual([]);
    let tx = 0;
    let rx = 0;
    for (const h of res.world.hosts.values()) {
      for (const ns of h.namespaces) {
        for (const d of ns.devices.values()) {
          if (d.kind !== 'veth' && d.kind !== 'ether' && d.kind !== 'loopback') continue;
          tx += d.txPackets;
          rx += d.rxPackets;
        }
      }
    }
    const m = /# conservation: (\d+) frames put on a wire(?: \(\+(\d+) flooded cop(?:y|ies)\))?: (\d+) received, (\d+) dropped(?:, (\d+) unheard)?\n/.exec(transcript);
    expect(m, transcript).not.toBeNull();
    const [sent, copies, received, dropped] = [m![1], m![2] ?? '0', m![3], m![4]].map(Number) as [number, number, number, number];
    expect(sent).toBe(tx);
    // Every frame that arrived was counted in some device's RX packets; the ARP broadcasts the LAN
    // copied to two hosts arrived twice.
    expect(received).toBe(rx);
    expect(copies).toBeGreaterThan(0);
    // The firewall's DROP is not a wire drop (the frame arrived first); the echo request to the
    // powered-off host (its MAC still in a's neighbour table) is lost on the wire, and counted.
    expect(dropped).toBeGreaterThan(0);
    expect(sent + copies).toBe(received + dropped + Number(m![5] ?? '0'));
  });

  it('fails the run on a frame that neither arrived nor was dropped, naming where it was last seen', () => {
    const w = world([['a', '10.0.0.1/24']]);
    const nic = w.hosts.get('a')!.root.devices.get(2)!;
    const l = new Ledger();
    const p = new Packet();
    p.ethType = ETH_P_IP;
    p.ipSrc = 0x0a000001;
    p.ipDst = 0x0a000002;
    p.ipProto = IPPROTO_UDP;
    p.sport = 5000;
    p.dport = 53;
    p.tstamp = 1_500_000_000;
    l.send(p, nic);
    expect(l.holds()).toBe(false);
    const report = ledgerFailures(l);
    expect(report[0]).toBe('packet conservation does not hold: 1 frames put on a wire: 0 received, 0 dropped; 1 neither received nor dropped (in flight or lost)');
    expect(report[1]).toMatch(/^ {2}last seen leaving a \/ .* \/ eth0 at 1\.500000 s: .*10\.0\.0\.1.*10\.0\.0\.2/);
    l.drop(p);
    expect(ledgerFailures(l)).toEqual([]);
  });

  it('refuses a value that is not true or false, naming the line', () => {
    expect(() => loadScenario('x.yaml', 'conservation: yes\nhosts: [{ name: a, ip: 10.0.0.1/24 }]\nsteps: []\n')).toThrow(InputError);
    try {
      loadScenario('x.yaml', 'conservation: yes\nhosts: [{ name: a, ip: 10.0.0.1/24 }]\nsteps: []\n');
    } catch (e) {
      expect((e as InputError).message).toBe('"conservation" must be true or false');
      expect((e as InputError).line).toBe(1);
    }
  });
});
