// Embedded DNS forwarding and resolv.conf, as libnetwork 19.03 does them (sandbox_dns_unix.go
// setupDNS/updateDNS/rebuildDNS, resolver.go ServeDNS): checked by what `cat /etc/resolv.conf`
// and nslookup print inside containers, with a LAN DNS server declared by `dns_zone:`.
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { InputError } from '../../src/core/errors.js';
import { runText } from '../helpers.js';

const HOSTS = `hosts:
  - { name: h1, ip: 192.168.9.10/24, dns: [192.168.9.53] }
  - { name: ns1, ip: 192.168.9.53/24, docker: false, dns_zone: { db.lan: 192.168.9.20, two.lan: [192.168.9.21, 192.168.9.22] } }
  - { name: ns2, ip: 192.168.9.54/24, docker: false, dns_zone: { db.lan: 192.168.9.99 } }
`;

/** The output of each step of a scenario on h1. */
function outputs(steps: string, hosts = HOSTS, files = ''): string[] {
  const { res } = runText(`name: t\n${hosts}${files}steps:\n${steps}`);
  // The first run pulls the image first; what it printed for that is not the point here.
  return res.steps.map((s) => s.output.replace(/^Unable to find image[\s\S]*?Status: Downloaded newer image for \S+\n/, ''));
}

const onH1 = (...lines: string[]): string => lines.map((l) => `  - run: ${l}\n    on: h1\n`).join('');

describe('resolv.conf in containers', () => {
  it('is the host file on the default bridge and with --network host, and the embedded DNS on a user network', () => {
    const out = outputs(onH1(
      'cat /etc/resolv.conf',
      'docker network create net1',
      'docker run --rm busybox cat /etc/resolv.conf',
      'docker run --rm --network host busybox cat /etc/resolv.conf',
      'docker run --rm --network net1 busybox cat /etc/resolv.conf',
    ));
    expect(out[0]).toBe('nameserver 192.168.9.53\n');
    expect(out[2]).toBe('nameserver 192.168.9.53\n');
    expect(out[3]).toBe('nameserver 192.168.9.53\n');
    expect(out[4]).toBe('nameserver 127.0.0.11\noptions ndots:0\n');
  });

  it('builds the file from --dns, --dns-search and --dns-option, keeping the user ndots on a user network', () => {
    const out = outputs(onH1(
      'docker network create net1',
      'docker run --rm --dns 192.168.9.54 --dns-search corp.lan --dns-option ndots:2 busybox cat /etc/resolv.conf',
      'docker run --rm --network net1 --dns 192.168.9.54 --dns-search corp.lan --dns-option ndots:2 busybox cat /etc/resolv.conf',
      'docker run --rm --network net1 --dns-search corp.lan busybox cat /etc/resolv.conf',
    ));
    expect(out[1]).toBe('search corp.lan\nnameserver 192.168.9.54\noptions ndots:2\n');
    expect(out[2]).toBe('search corp.lan\nnameserver 127.0.0.11\noptions ndots:2\n');
    expect(out[3]).toBe('search corp.lan\nnameserver 127.0.0.11\noptions ndots:0\n');
  });

  it('filters out localhost nameservers, falling back to Google, and keeps the search line', () => {
    const hosts = `hosts:\n  - { name: h1, ip: 192.168.9.10/24 }\n`;
    // A local resolver such as dnsmasq (127.0.0.53 alone would mean systemd-resolved, below).
    const files = `files:\n  - { on: h1, path: /etc/resolv.conf, content: "search example.com\\nnameserver 127.0.0.1\\n" }\n`;
    const out = outputs(onH1('docker network create net1', 'docker run --rm busybox cat /etc/resolv.conf', 'docker run --rm --network net1 busybox cat /etc/resolv.conf'), hosts, files);
    expect(out[1]).toBe('search example.com\n\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n');
    expect(out[2]).toBe('search example.com\nnameserver 127.0.0.11\noptions ndots:0\n');
    // A host without any resolv.conf: Google's servers, after an empty first line.
    expect(outputs(onH1('docker run --rm busybox cat /etc/resolv.conf'), hosts)[0]).toBe('\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n');
  });

  it('on a systemd-resolved host (127.0.0.53 alone) reads /run/systemd/resolve/resolv.conf, for every network mode (19.03 resolvconf.Path, setupPathsAndSandboxOptions)', () => {
    const hosts = `hosts:\n  - { name: h1, ip: 192.168.9.10/24 }\n`;
    const files = `files:
  - { on: h1, path: /etc/resolv.conf, content: "nameserver 127.0.0.53\\noptions edns0\\n" }
  - { on: h1, path: /run/systemd/resolve/resolv.conf, content: "nameserver 192.168.9.54\\nsearch corp.lan\\n" }
`;
    const out = outputs(onH1('docker network create net1', 'docker run --rm busybox cat /etc/resolv.conf', 'docker run --rm --network host busybox cat /etc/resolv.conf',
      'docker run --rm --network net1 busybox cat /etc/resolv.conf', 'docker run --rm --dns-search x.lan busybox cat /etc/resolv.conf'), hosts, files);
    expect(out[1]).toBe('nameserver 192.168.9.54\nsearch corp.lan\n');
    expect(out[2]).toBe('nameserver 192.168.9.54\nsearch corp.lan\n');
    expect(out[3]).toBe('search corp.lan\nnameserver 127.0.0.11\noptions ndots:0\n');
    expect(out[4]).toBe('search x.lan\nnameserver 192.168.9.54\n');
    // Without that file (systemd-resolved not running after all) the daemon reads an empty one:
    // Google's servers on a bridge, an empty file in host mode, no nameserver when only a search
    // domain is given.
    const bare = `files:\n  - { on: h1, path: /etc/resolv.conf, content: "nameserver 127.0.0.53\\n" }\n`;
    const none = outputs(onH1('docker run --rm busybox cat /etc/resolv.conf', 'docker run --rm --network host busybox cat /etc/resolv.conf', 'docker run --rm --dns-search x.lan busybox cat /etc/resolv.conf'), hosts, bare);
    expect(none).toEqual(['\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n', '', 'search x.lan\n']);
  });

  it('takes the daemon\'s dns from daemon.json', () => {
    const files = `files:\n  - { on: h1, path: /etc/docker/daemon.json, content: '{"dns": ["192.168.9.54"], "dns-search": ["x.lan"]}' }\n`;
    expect(outputs(onH1('docker run --rm busybox cat /etc/resolv.conf'), HOSTS, files)[0]).toBe('search x.lan\nnameserver 192.168.9.54\n');
  });

  it('refuses a --dns that is not an address as the docker CLI does', () => {
    const { res } = runText(`name: t\n${HOSTS}steps:\n${onH1('docker run --dns abc busybox true')}`);
    expect(res.steps[0]!.output).toBe('docker: invalid argument "abc" for "--dns" flag: abc is not an ip address.\nSee \'docker run --help\'.\n');
    expect(res.steps[0]!.exit).toBe(125);
  });
});

describe('the embedded DNS forwards what it does not know', () => {
  it('answers container names itself and forwards the rest to the host\'s server, from the container', () => {
    const out = outputs(onH1(
      'docker network create net1',
      'docker run -d --name web --network net1 nginx',
      'docker run -tid --name cli --network net1 busybox',
      'docker exec cli nslookup db.lan',
      'docker exec cli nslookup nosuch.lan',
      'docker exec cli ping -c 1 two.lan',
      'docker run --rm --network net1 --dns 192.168.9.54 busybox nslookup db.lan',
      'docker exec cli nslookup web',
    ));
    out.splice(2, 1);
    expect(out[2]).toBe('Server:\t\t127.0.0.11\nAddress:\t127.0.0.11:53\n\nName:\tdb.lan\nAddress: 192.168.9.20\n\n');
    expect(out[3]).toBe('Server:\t\t127.0.0.11\nAddress:\t127.0.0.11:53\n\n** server can\'t find nosuch.lan: NXDOMAIN\n\n');
    expect(out[4]).toContain('PING two.lan (192.168.9.21): 56 data bytes');
    // --dns replaces the host's servers as the upstream.
    expect(out[5]).toContain('Address: 192.168.9.99');
    expect(out[6]).toMatch(/Non-authoritative answer:\nName:\tweb\nAddress: 172\.18\.0\.2\n/);
  });

  it('leaves the client to time out when no upstream answers', () => {
    const hosts = `hosts:\n  - { name: h1, ip: 192.168.9.10/24, dns: [192.168.9.77] }\n`;
    const { res } = runText(`name: t\n${hosts}steps:\n${onH1('docker network create net1', 'docker run --rm --network net1 busybox nslookup db.lan', 'nslookup db.lan')}`);
    expect(res.steps[1]!.output).toMatch(/;; connection timed out; no servers could be reached\n\n$/);
    expect(res.steps[1]!.exit).toBe(1);
    expect(res.steps[2]!.output).toBe(';; connection timed out; no servers could be reached\n');
  });

  it('refuses a bad dns: or dns_zone: key at its line', () => {
    const bad = (hosts: string): InputError => {
      try {
        loadScenario('t.yaml', `name: t\nhosts:\n${hosts}steps: []\n`);
      } catch (e) {
        return e as InputError;
      }
      throw new Error('loaded');
    };
    expect(bad('  - { name: h1, ip: 10.0.0.1/24, dns: [abc] }\n')).toMatchObject({ line: 3, message: expect.stringContaining('"dns" of a host must be a list of IPv4 addresses ("abc" is not one)') });
    expect(bad('  - { name: h1, ip: 10.0.0.1/24, dns_zone: { "a b": 10.0.0.2 } }\n')).toMatchObject({ line: 3, message: expect.stringContaining('"a b" in "dns_zone" is not a domain name') });
  });
});
