// curl over TCP that carries real traffic: bodies of any size, -w, -o, -H, several URLs over one
// kept-alive connection, and the errors curl 7.29 gives when a transfer fails midway.
import { describe, expect, it } from 'vitest';
import { tcpListen } from '../../src/kernel/tcp.js';
import { runText, sh, world } from '../helpers.js';

const TWO = `hosts:
  - { name: h1, ip: 192.168.205.10/24 }
  - { name: h2, ip: 192.168.205.11/24 }
steps:
  - serve: { on: h2, port: 80, reply: "0123456789", reply_size: 3000 }
  - serve: { on: h2, port: 8080, reply: "abc\\n", reply_size: 100000, keepalive: true }
`;

function run(steps: string) {
  const { res, transcript } = runText(TWO + steps);
  return { res, transcript, fails: res.steps.flatMap((s) => s.failures), out: res.steps.map((s) => s.output) };
}

describe('curl transfers', () => {
  it('delivers a 3000-byte body whole (the reported bug: nothing arrived past one segment)', () => {
    const r = run(`  - run: "curl -s -o /dev/null -w '%{http_code} %{size_download}\\\\n' http://192.168.205.11/"
    on: h1
    expect: { stdout: "200 3000" }
  - run: curl -s http://192.168.205.11/
    on: h1
`);
    expect(r.fails).toEqual([]);
    const body = r.out[3]!;
    expect(body.length).toBe(3000);
    expect(body.startsWith('0123456789012')).toBe(true);
  });

  it('writes the body to a file with -o and shows the progress meter', () => {
    const r = run(`  - run: curl -o /root/big http://192.168.205.11:8080/
    on: h1
  - run: cat /root/big
    on: h1
`);
    expect(r.fails).toEqual([]);
    expect(r.out[2]).toMatch(/% Total {4}% Received % Xferd {2}Average Speed {3}Time {4}Time {5}Time {2}Current\n/);
    expect(r.out[2]).toMatch(/\r100 {3}97k {2}100 {3}97k {4}0 {5}0 /);
    expect(r.out[3]!.length).toBe(100000);
  });

  it('sends -H headers and reuses one kept-alive connection for two URLs', () => {
    const r = run(`  - run: "curl -s -H 'X-Test: 1' -w '%{http_code} %{size_download}\\\\n' -o /dev/null http://192.168.205.11:8080/a http://192.168.205.11:8080/b"
    on: h1
  - run: conntrack -L -p tcp
    on: h2
`);
    expect(r.fails).toEqual([]);
    expect(r.out[2]).toBe('200 100000\n' + 'abc\n'.repeat(25000) + '200 100000\n');
  });

  it('reuses the connection: the server sees one client port for both requests', () => {
    const { res } = runText(`hosts:
  - { name: h1, ip: 192.168.205.10/24 }
  - { name: h2, ip: 192.168.205.11/24 }
steps:
  - serve: { on: h2, port: 80, reply: "port {client_port}\\n", keepalive: true }
  - serve: { on: h2, port: 81, reply: "port {client_port}\\n" }
  - run: curl -s http://192.168.205.11/ http://192.168.205.11/
    on: h1
  - run: curl -s http://192.168.205.11:81/ http://192.168.205.11:81/
    on: h1
`);
    const [ka, close] = [res.steps[2]!.output, res.steps[3]!.output];
    const ports = (s: string) => [...s.matchAll(/port (\d+)/g)].map((m) => m[1]);
    expect(ports(ka)).toHaveLength(2);
    expect(new Set(ports(ka)).size).toBe(1);
    expect(new Set(ports(close)).size).toBe(2);
  });

  it('exits 28 under --max-time when the body cannot arrive in time, saying how much did', () => {
    const r = run(`  - run: iptables -A INPUT -p tcp --sport 8080 -m u32 --u32 '0&0xFFFF=0x3E8:0xFFFF' -j DROP
    on: h1
  - run: curl -sS --max-time 3 http://192.168.205.11:8080/
    on: h1
    expect: { exit: 28, stdout: "/curl: \\\\(28\\\\) Operation timed out after 3000 milliseconds with 0 out of -1 bytes received/" }
`);
    expect(r.fails).toEqual([]);
  });

  it('exits 56 "Connection reset by peer" when the server resets mid-transfer', () => {
    const w = world([['h1', '192.168.205.10/24'], ['h2', '192.168.205.11/24']]);
    const h2 = w.hosts.get('h2')!;
    // A server that writes part of a response, then dies with the socket open (the kernel's RST).
    tcpListen(h2.root, 80, 0, () => ({
      onData: (c) => {
        c.send(new TextEncoder().encode('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n'));
        c.send(3000);
        c.reset();
      },
    }));
    expect(sh(w, w.hosts.get('h1')!, 'curl -sS http://192.168.205.11/')).toEqual({ out: 'curl: (56) Recv failure: Connection reset by peer\n', code: 56 });
  });

  it('nc at a terminal keeps its connection: the next step types a line, the answer shows, nc ends when the server closes', () => {
    const r = run(`  - run: nc 192.168.205.11 80
    on: h1
  - run: hello
    on: h1
  - run: echo shell again
    on: h1
    expect: { stdout: "shell again" }
`);
    expect(r.fails).toEqual([]);
    // The serve responder answers a bare (non-HTTP) request with the body alone, then closes.
    expect(r.out[3]).toBe('0123456789'.repeat(300));
    expect(r.transcript).toContain('[root@h1 ~]# nc 192.168.205.11 80\nhello\n');
  });
  it('carries text that is not ASCII as UTF-8 both ways: the body, its byte count, a request header', () => {
    const { res, transcript } = runText(`hosts:
  - { name: h1, ip: 192.168.205.10/24 }
  - { name: h2, ip: 192.168.205.11/24 }
steps:
  - serve: { on: h2, port: 80, reply: "h\u00e9llo w\u00f6rld \u2713\\n" }
  - run: curl -s http://192.168.205.11/
    on: h1
  - run: "curl -s -H 'X-Name: J\u00fcrgen' -o /dev/null -w '%{http_code} %{size_download} %{size_header}\\n' http://192.168.205.11/"
    on: h1
`);
    expect(res.steps.flatMap((s) => s.failures)).toEqual([]);
    expect(res.steps[1]!.output).toBe('h\u00e9llo w\u00f6rld \u2713\n');
    // 14 characters, 18 bytes; the head is the serve responder's 117 bytes, CRLF CRLF included.
    expect(res.steps[2]!.output).toBe('200 18 117\n');
    expect(transcript).toContain("-H 'X-Name: J\u00fcrgen'");
  });
});
