// curl and nc against the scenario's `serve` responders, and the DNS server speaking real DNS.
import { describe, expect, it } from 'vitest';
import { parseIp4 } from '../../src/core/addr.js';
import { decodeDnsReply, dnsQuery, dnsServe } from '../../src/apps/dns.js';
import { udpSend } from '../../src/kernel/udp.js';
import { SEC } from '../../src/sim/clock.js';
import { runText, sh, world } from '../helpers.js';

const TWO = `hosts:
  - { name: h1, ip: 192.168.205.10/24 }
  - { name: h2, ip: 192.168.205.11/24 }
steps:
  - serve: { on: h2, port: 80, reply: "hello from {host}, you are {client_ip}\\n" }
  - serve: { on: h2, port: 53, proto: udp, reply: "udp answer to {client_ip}:{client_port}" }
`;

function run(steps: string) {
  const { res, transcript } = runText(TWO + steps);
  return { res, transcript, fails: res.steps.flatMap((s) => s.failures) };
}

describe('curl', () => {
  it('fetches the body over HTTP', () => {
    const r = run('  - run: curl -s http://192.168.205.11/\n    on: h1\n    expect: { stdout: "hello from h2, you are 192.168.205.10\\n" }\n');
    expect(r.fails).toEqual([]);
    expect(r.transcript).toContain('[root@h1 ~]# curl -s http://192.168.205.11/\nhello from h2, you are 192.168.205.10\n');
  });

  it('shows the response head with -i', () => {
    const r = run('  - run: curl -i http://192.168.205.11:80/x\n    on: h1\n    expect: { stdout: ["HTTP/1.1 200 OK\\nServer: swarmsim", "Content-Length: 38"] }\n');
    expect(r.fails).toEqual([]);
  });

  it('exits 7 when the port is closed, silently with -s', () => {
    const r = run(`  - run: curl http://192.168.205.11:8080/
    on: h1
    expect: { exit: 7, stdout: "curl: (7) Failed connect to 192.168.205.11:8080; Connection refused" }
  - run: curl -s http://192.168.205.11:8080/
    on: h1
    expect: { exit: 7, stdout_not: "curl" }
`);
    expect(r.fails).toEqual([]);
  });

  it('answers a repeated command line as the first time (parses are kept by argv), also an unknown option', () => {
    const r = run(`  - run: 'curl -s -H "X-A: 1" http://192.168.205.11/'
    on: h1
    expect: { stdout: "hello from h2" }
  - run: 'curl -s -H "X-A: 1" http://192.168.205.11/'
    on: h1
    expect: { stdout: "hello from h2" }
  - run: curl -s http://192.168.205.11:8080/
    on: h1
    expect: { exit: 7, stdout_not: "curl" }
  - run: curl -Z http://192.168.205.11/
    on: h1
    expect: { exit: 2, stdout: "curl: option -Z: is unknown" }
  - run: curl -Z http://192.168.205.11/
    on: h1
    expect: { exit: 2, stdout: "curl: option -Z: is unknown" }
`);
    expect(r.fails).toEqual([]);
  });

  it('exits 28 under -m when nothing answers the SYN, and 6 for an unknown name', () => {
    const r = run(`  - run: curl -m 2 http://192.168.205.99/
    on: h1
    expect: { exit: 28, stdout: "curl: (28) Connection timed out after 2001 milliseconds" }
  - run: curl http://nosuchhost/
    on: h1
    expect: { exit: 6, stdout: "curl: (6) Could not resolve host: nosuchhost; Name or service not known" }
`);
    expect(r.fails).toEqual([]);
  });
});

describe('nc', () => {
  it('reports an open and a closed TCP port with -z -v', () => {
    const r = run(`  - run: nc -z -v 192.168.205.11 80
    on: h1
    expect: { stdout: "Connection to 192.168.205.11 80 port [tcp/http] succeeded!" }
  - run: nc -z 192.168.205.11 81
    on: h1
    expect: { exit: 1, stdout: "nc: connect to 192.168.205.11 port 81 (tcp) failed: Connection refused" }
`);
    expect(r.fails).toEqual([]);
  });

  it('sends standard input over UDP and prints the answer', () => {
    const r = run(`  - run: nc -u -w 1 192.168.205.11 53
    on: h1
    stdin: "question"
    expect: { stdout: "/^udp answer to 192\\\\.168\\\\.205\\\\.10:\\\\d+$/" }
`);
    expect(r.fails).toEqual([]);
  });
});

describe('DNS server', () => {
  it('answers A queries with real DNS messages and NXDOMAIN otherwise', () => {
    const w = world([['h1', '192.168.205.10/24'], ['h2', '192.168.205.11/24']]);
    const h1 = w.hosts.get('h1')!;
    const h2 = w.hosts.get('h2')!;
    dnsServe(h2.root, 0, 53, (name) => (name === 'web' ? { addrs: [parseIp4('10.0.0.5')!, parseIp4('10.0.0.6')!], ttl: 600 } : null));
    const replies: Array<ReturnType<typeof decodeDnsReply>> = [];
    h1.root.sockets.bindUdp({ port: 40000, addr: 0, kernel: false, onDatagram: (p) => replies.push(decodeDnsReply(p.payload!)) });
    udpSend(h1.root, 0, 40000, parseIp4('192.168.205.11')!, 53, dnsQuery('web', 7), null, w.eq.now);
    w.eq.runUntil(w.eq.now + SEC);
    udpSend(h1.root, 0, 40000, parseIp4('192.168.205.11')!, 53, dnsQuery('nope', 8), null, w.eq.now);
    w.eq.runUntil(w.eq.now + SEC);
    expect(replies).toEqual([
      { rcode: 'NOERROR', addrs: ['10.0.0.5', '10.0.0.6'], ttl: 600 },
      { rcode: 'NXDOMAIN', addrs: [], ttl: 0 },
    ]);
    expect(sh(w, h1, 'nc -z -u 192.168.205.11 53').code).toBe(0);
  });
});
