// ARP on a LAN of more hosts than are shown every who-has (lan.ts BIG_LAN): the request still
// reaches the host that has the address, wherever that address is now.
import { describe, expect, it } from 'vitest';
import { sh, world } from '../helpers.js';

const HOSTS = 70;

function bigLan() {
  const hosts: Array<[string, string]> = [];
  for (let k = 1; k <= HOSTS; k++) hosts.push([`h${k}`, `10.9.0.${k}/24`]);
  const w = world(hosts);
  return { w, h: (k: number) => w.hosts.get(`h${k}`)! };
}

function macOf(w: ReturnType<typeof world>, host: Parameters<typeof sh>[1]): string {
  return /link\/ether ([0-9a-f:]{17})/.exec(sh(w, host, 'ip link show eth0').out)![1]!;
}

describe('ARP on a big LAN', () => {
  it('resolves each host by its address, the answering host learning the asker from the request', () => {
    const { w, h } = bigLan();
    for (const k of [70, 35, 2]) {
      const { out, code } = sh(w, h(1), `ping -c 1 10.9.0.${k}`);
      expect(code).toBe(0);
      expect(out).toContain(`64 bytes from 10.9.0.${k}: icmp_seq=1`);
    }
    const mac1 = macOf(w, h(1));
    // STALE from the who-has (neigh_event_ns), then DELAY once the echo reply went out through it.
    expect(sh(w, h(70), 'ip neigh').out).toContain(`10.9.0.1 dev eth0 lladdr ${mac1} DELAY`);
  });

  it('finds an address on the host it moved to, and none for an address nobody has', () => {
    const { w, h } = bigLan();
    expect(sh(w, h(1), 'ping -c 1 10.9.0.70').code).toBe(0);
    sh(w, h(70), 'ip addr del 10.9.0.70/24 dev eth0');
    sh(w, h(69), 'ip addr add 10.9.0.70/24 dev eth0');
    const mac69 = macOf(w, h(69));
    const { out, code } = sh(w, h(2), 'ping -c 1 10.9.0.70');
    expect(code).toBe(0);
    expect(out).toContain('64 bytes from 10.9.0.70: icmp_seq=1');
    expect(sh(w, h(2), 'ip neigh show 10.9.0.70').out).toContain(`lladdr ${mac69} REACHABLE`);
    const none = sh(w, h(3), 'ping -c 1 10.9.0.200');
    expect(none.code).toBe(1);
    expect(none.out).toContain('Destination Host Unreachable');
  });
});
