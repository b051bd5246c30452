// A service's DNS settings reach its tasks, as docker/cli 19.03 and the executor carry them:
// `service create --dns/--dns-search/--dns-option` (opts.go ToService always sends a DNSConfig),
// `service update --dns-add/--dns-rm …` (update.go updateDNSConfig: merged, deduplicated,
// sorted; the tasks are replaced), a stack's `dns`/`dns_search` (convert/service.go
// convertDNSConfig: none unless given), and the executor's hostConfig DNS/DNSSearch/DNSOptions,
// which libnetwork turns into the task's resolv.conf and the embedded DNS's upstream servers.
import { describe, expect, it } from 'vitest';
import { runText } from '../helpers.js';

const HEAD = `name: t
hosts:
  - { name: m1, ip: 192.168.9.10/24, dns: [192.168.9.53] }
  - { name: ns1, ip: 192.168.9.53/24, docker: false, dns_zone: { db.lan: 192.168.9.20 } }
  - { name: ns2, ip: 192.168.9.54/24, docker: false, dns_zone: { db.lan: 192.168.9.99 } }
files:
  - on: m1
    path: /root/stack.yml
    content: |
      version: "3.7"
      services:
        app:
          image: busybox
          command: sleep 1d
          dns: 192.168.9.54
          dns_search: [corp.lan]
        plain:
          image: busybox
          command: sleep 1d
steps:
  - run: docker swarm init --advertise-addr 192.168.9.10
    on: m1
  - run: docker network create -d overlay net1
    on: m1
`;

function run(steps: string[]): { out: string[]; exit: number[] } {
  const { res } = runText(HEAD + steps.map((l) => (l.startsWith('sleep') ? `  - ${l.replace(' ', ': ')}\n` : `  - run: ${l}\n    on: m1\n`)).join(''));
  const own = res.steps.slice(2);
  return { out: own.map((s) => s.output), exit: own.map((s) => s.exit ?? 0) };
}

const RESOLV = (svc: string): string => `docker exec $(docker ps -q -f name=${svc}.1) cat /etc/resolv.conf`;
const LOOKUP = (svc: string): string => `docker exec $(docker ps -q -f name=${svc}.1) nslookup db.lan`;

describe('service DNS settings', () => {
  it('writes --dns, --dns-search and --dns-option into the task, and forwards to the given server', () => {
    const r = run([
      'docker service create -d --name web --network net1 --dns 192.168.9.54 --dns-search corp.lan --dns-option ndots:2 busybox sleep 1d',
      'docker service create -d --name def --network net1 busybox sleep 1d',
      'sleep 10',
      RESOLV('web'), LOOKUP('web'), RESOLV('def'), LOOKUP('def'),
      "docker service inspect --format '{{json .Spec.TaskTemplate.ContainerSpec.DNSConfig}}' web def",
    ]);
    expect(r.out[3]).toBe('search corp.lan\nnameserver 127.0.0.11\noptions ndots:2\n');
    // The embedded DNS asks the service's server (ns2), not the host's (ns1).
    expect(r.out[4]).toContain('Address: 192.168.9.99');
    expect(r.out[5]).toBe('nameserver 127.0.0.11\noptions ndots:0\n');
    expect(r.out[6]).toContain('Address: 192.168.9.20');
    expect(r.out[7]).toBe('{"Nameservers":["192.168.9.54"],"Search":["corp.lan"],"Options":["ndots:2"]}\n{}\n');
  });

  it('refuses a bad --dns or --dns-search value as the CLI does', () => {
    const r = run(['docker service create --dns 8.8.8 busybox', 'docker service create --dns-search -bad- busybox', 'docker service ls -q']);
    expect(r.exit[0]).toBe(125);
    expect(r.out[0]).toBe('invalid argument "8.8.8" for "--dns" flag: 8.8.8 is not an ip address\nSee \'docker service create --help\'.\n');
    expect(r.exit[1]).toBe(125);
    expect(r.out[1]).toContain('invalid argument "-bad-" for "--dns-search" flag: -bad- is not a valid domain');
    expect(r.out[2]).toBe('');
  });

  it('merges --dns-add/--dns-rm into a sorted list and replaces the tasks', () => {
    const r = run([
      'docker service create -d --name web --network net1 --dns 192.168.9.60 busybox sleep 1d',
      'sleep 10',
      'docker service update -d --dns-add 192.168.9.54 --dns-add 192.168.9.60 --dns-search-add corp.lan web',
      'sleep 10',
      "docker service inspect --format '{{json .Spec.TaskTemplate.ContainerSpec.DNSConfig}}' web",
      "docker service ps --format '{{.Name}} {{.DesiredState}}' web",
      'docker service update -d --dns-rm 192.168.9.60 web',
      'sleep 10',
      "docker service inspect --format '{{json .Spec.TaskTemplate.ContainerSpec.DNSConfig}}' web",
      LOOKUP('web'),
      'docker service update --dns-add nope web',
    ]);
    expect(r.out[4]).toBe('{"Nameservers":["192.168.9.54","192.168.9.60"],"Search":["corp.lan"]}\n');
    expect(r.out[5]).toBe('web.1 Running\n \\_ web.1 Shutdown\n');
    expect(r.out[8]).toBe('{"Nameservers":["192.168.9.54"],"Search":["corp.lan"]}\n');
    expect(r.out[9]).toContain('Address: 192.168.9.99');
    expect(r.exit[10]).toBe(125);
    expect(r.out[10]).toContain('invalid argument "nope" for "--dns-add" flag: nope is not an ip address');
  });

  it('gives a stack service dns and dns_search, and no DNSConfig without them', () => {
    const r = run([
      'docker stack deploy -c /root/stack.yml s',
      'sleep 10',
      RESOLV('s_app'), LOOKUP('s_app'),
      "docker service inspect --format '{{json .Spec.TaskTemplate.ContainerSpec.DNSConfig}}' s_app s_plain",
    ]);
    expect(r.out[2]).toBe('search corp.lan\nnameserver 127.0.0.11\noptions ndots:0\n');
    expect(r.out[3]).toContain('Address: 192.168.9.99');
    expect(r.out[4]).toBe('{"Nameservers":["192.168.9.54"],"Search":["corp.lan"]}\nnull\n');
  });
});
