// --opt encrypted on a two-node swarm, as libnetwork 19.03's encryption.go programs it: the SAs on
// both ends agree (same SPI, same key, SPI = FNV-32a of the 16-byte addresses and the key tag), the
// primary key is the second-oldest IPsec key (tag 5), and everything goes with the last peer.
import { describe, expect, it } from 'vitest';
import { buildSpi } from '../../src/docker/encryption.js';
import { parseIp4 } from '../../src/core/addr.js';
import { runText } from '../helpers.js';

const SCENARIO = `
name: encrypted overlay between two nodes
seed: 7
hosts:
  - { name: m1, ip: 192.168.1.10/24 }
  - { name: w1, ip: 192.168.1.11/24 }
steps:
  - run: docker swarm init --advertise-addr 192.168.1.10
    on: m1
  - run: docker swarm join-token worker -q
    on: m1
    save: TOKEN
  - run: docker swarm join --token \${TOKEN} 192.168.1.10:2377
    on: w1
  - run: docker network create -d overlay --opt encrypted sec
    on: m1
  - run: docker network create -d overlay plain
    on: m1
  - run: docker service create --replicas 2 --network sec --network plain --name web nginx
    on: m1
  - run: ip xfrm state
    on: m1
  - run: ip xfrm state
    on: w1
  - run: ip xfrm policy
    on: w1
  - run: iptables -t mangle -S OUTPUT
    on: w1
  - run: docker service scale web=1
    on: m1
  - sleep: 5s
  - run: ip xfrm state
    on: m1
  - run: ip xfrm policy
    on: m1
  - run: iptables -S INPUT
    on: m1
  - run: iptables -t mangle -S OUTPUT
    on: w1
`;

interface Sa {
  src: string;
  dst: string;
  spi: number;
  key: string;
}

function states(text: string): Sa[] {
  const re = /src (\S+) dst (\S+)\n\tproto esp spi 0x([0-9a-f]{8}) reqid 13681891 mode transport\n\treplay-window 0 \n\taead rfc4106\(gcm\(aes\)\) 0x([0-9a-f]{32})([0-9a-f]{8}) 64\n/g;
  const out: Sa[] = [];
  for (const m of text.matchAll(re)) {
    expect(m[5]).toBe(m[3]); // the salt is the SPI
    out.push({ src: m[1]!, dst: m[2]!, spi: parseInt(m[3]!, 16), key: m[4]! });
  }
  return out;
}

/** FNV-1a 32 over Go's net.IP (16 bytes, IPv4-mapped), the tag, the other address. */
function fnv(src: string, tag: number, dst: string): number {
  const bytes = [
    ...Array(10).fill(0), 0xff, 0xff, ...src.split('.').map(Number),
    (tag >>> 24) & 0xff, (tag >>> 16) & 0xff, (tag >>> 8) & 0xff, tag & 0xff,
    ...Array(10).fill(0), 0xff, 0xff, ...dst.split('.').map(Number),
  ];
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 16777619) >>> 0;
  return h;
}

describe('encrypted overlay (libnetwork encryption.go, Docker 19.03)', () => {
  const { res } = runText(SCENARIO);
  const out = (i: number): string => res.steps[i]!.output;

  it('programs matching SAs on both nodes: one outbound (primary key), three inbound', () => {
    expect(res.steps.flatMap((s) => s.failures)).toEqual([]);
    const m1 = states(out(6));
    const w1 = states(out(7));
    expect(m1).toHaveLength(4);
    expect(w1).toHaveLength(4);
    // Newest first: inbound for keys 6 and 4, then the primary key's outbound and inbound.
    expect(m1.map((s) => `${s.src}>${s.dst}`)).toEqual(['192.168.1.11>192.168.1.10', '192.168.1.11>192.168.1.10', '192.168.1.10>192.168.1.11', '192.168.1.11>192.168.1.10']);
    const [k6, k4, out5, in5] = m1;
    expect(out5!.spi).toBe(fnv('192.168.1.10', 5, '192.168.1.11'));
    expect(out5!.spi).toBe(buildSpi(parseIp4('192.168.1.10')!, parseIp4('192.168.1.11')!, 5));
    expect(in5!.spi).toBe(fnv('192.168.1.11', 5, '192.168.1.10'));
    expect(k4!.spi).toBe(fnv('192.168.1.11', 4, '192.168.1.10'));
    expect(k6!.spi).toBe(fnv('192.168.1.11', 6, '192.168.1.10'));
    expect(out5!.key).toBe(in5!.key);
    expect(new Set([k4!.key, k6!.key, out5!.key]).size).toBe(3);
    // The other end has the mirror image, with the same keys.
    for (const s of m1) {
      const peer = w1.find((x) => x.spi === s.spi);
      if (s.src === '192.168.1.11' && s.key !== out5!.key) continue; // w1 only sends with the primary key
      expect(peer, `spi 0x${s.spi.toString(16)}`).toMatchObject({ src: s.src, dst: s.dst, key: s.key });
    }
    expect(out(8)).toContain(`tmpl src 192.168.1.11 dst 192.168.1.10\n\t\tproto esp spi 0x${in5!.spi.toString(16).padStart(8, '0')} reqid 13681891 mode transport\n`);
  });

  it('marks only the secure network\'s VNI', () => {
    const rules = out(9).split('\n').filter((l) => l.startsWith('-A OUTPUT'));
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatch(/^-A OUTPUT -p udp -m udp --dport 4789 -m u32 --u32 "0x0>>0x16&0x3c@0xc&0xffffff00=0x10[0-9a-f]{4}" -j MARK --set-xmark 0xd0c4e3\/0xffffffff$/);
  });

  it('removes SAs, policy and rules when the last peer goes', () => {
    expect(out(12)).toBe('');
    expect(out(13)).toBe('');
    expect(out(14)).toBe('-P INPUT ACCEPT\n');
    expect(out(15)).toBe('-P OUTPUT ACCEPT\n');
  });
});
