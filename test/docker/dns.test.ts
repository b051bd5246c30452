// The embedded DNS server at 127.0.0.11 speaks real DNS: a query built with dns-packet, sent over
// the simulated UDP from inside a container, comes back as a wire-format answer.
import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { parseIp4 } from '../../src/core/addr.js';
import { udpSend } from '../../src/kernel/udp.js';
import { SEC } from '../../src/sim/clock.js';
import { runText } from '../helpers.js';

const SCENARIO = `name: dns
hosts:
  - { name: h1, ip: 10.1.0.10/24 }
steps:
  - run: docker network create mynet
    on: h1
  - run: docker run -d --name web --network mynet --network-alias www nginx
    on: h1
  - run: docker run -tid --name client --network mynet busybox
    on: h1
`;

function ask(name: string, type: 'A' | 'AAAA', id: number, wait = SEC): { reply: dnsPacket.Packet | null; webIp: string; from: string } {
  const { res } = runText(SCENARIO);
  expect(res.passed).toBe(true);
  const w = res.world;
  const d = res.sim.docker.daemon(w.hosts.get('h1')!)!;
  const client = d.findContainer('client')!;
  const web = d.findContainer('web')!;
  const ns = client.sandbox;
  let reply: dnsPacket.Packet | null = null;
  let from = '';
  ns.sockets.bindUdp({
    port: 40000, addr: 0, kernel: false,
    onDatagram: (pkt) => {
      reply = dnsPacket.decode(Buffer.from(pkt.payload!));
      from = `${pkt.ipSrc === parseIp4('127.0.0.11') ? '127.0.0.11' : pkt.ipSrc}:${pkt.sport}`;
    },
    onError: () => undefined,
  });
  const query = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] });
  expect(udpSend(ns, 0, 40000, parseIp4('127.0.0.11')!, 53, new Uint8Array(query), null, w.eq.now)).toBe(0);
  w.eq.runWhile(() => reply === null, w.eq.now + wait);
  const webIp = [...web.endpoints][0]!.ip;
  return { reply, from, webIp: `${webIp >>> 24}.${(webIp >>> 16) & 255}.${(webIp >>> 8) & 255}.${webIp & 255}` };
}

describe('embedded DNS (127.0.0.11)', () => {
  it('answers a container name with its address, TTL 600, the id and question echoed, from port 53', () => {
    const { reply, webIp, from } = ask('web', 'A', 4242);
    expect(reply).not.toBeNull();
    // The server listens on a random port; the SNAT rule makes the answer come from :53.
    expect(from).toBe('127.0.0.11:53');
    const r = reply!;
    expect(r.id).toBe(4242);
    expect(r.type).toBe('response');
    expect(r.rcode).toBe('NOERROR');
    expect(r.questions).toEqual([{ name: 'web', type: 'A', class: 'IN' }]);
    expect(r.answers).toEqual([{ name: 'web', type: 'A', class: 'IN', ttl: 600, flush: false, data: webIp }]);
  });

  it('answers a network alias', () => {
    const { reply, webIp } = ask('www', 'A', 7);
    expect(reply!.answers!.map((a) => a.data)).toEqual([webIp]);
  });

  it('gives an empty NOERROR for AAAA of a name it knows, and no reply for one only unreachable upstreams could know', () => {
    const aaaa = ask('web', 'AAAA', 8).reply!;
    expect(aaaa.rcode).toBe('NOERROR');
    expect(aaaa.answers).toEqual([]);
    // The host has no resolv.conf: the sandbox forwards to Google's 8.8.8.8 and 8.8.4.4, which
    // this LAN does not reach (resolver.go ServeDNS writes nothing when every server failed).
    expect(ask('nosuchname', 'A', 9, 20 * SEC).reply).toBeNull();
  });

  it('is reached through the NAT rules Docker puts in the container namespace', () => {
    const { res } = runText(`${SCENARIO}  - run: docker inspect --format '{{.NetworkSettings.SandboxKey}}' client\n    on: h1\n    save: KEY\n  - run: nsenter --net=\${KEY} iptables -t nat -S DOCKER_OUTPUT\n    on: h1\n`);
    const rules = res.steps[res.steps.length - 1]!.output;
    expect(rules).toMatch(/^-N DOCKER_OUTPUT\n-A DOCKER_OUTPUT -d 127\.0\.0\.11\/32 -p tcp -m tcp --dport 53 -j DNAT --to-destination 127\.0\.0\.11:\d+\n-A DOCKER_OUTPUT -d 127\.0\.0\.11\/32 -p udp -m udp --dport 53 -j DNAT --to-destination 127\.0\.0\.11:\d+\n$/);
  });
});
