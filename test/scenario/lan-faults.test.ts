// Faults between two hosts, as a cloud network has them: a security group blocking a protocol or
// port, loss, delay. Checked by what a user sees: ping and curl outcomes, and the trace's verdict.
import { describe, expect, it } from 'vitest';
import { loadError, runText } from '../helpers.js';

const HOSTS = `hosts:
  - { name: a, ip: 192.168.205.10/24, docker: false }
  - { name: b, ip: 192.168.205.11/24, docker: false }
  - { name: c, ip: 192.168.205.12/24, docker: false }
steps:
  - serve: { on: b, port: 80, reply: hello }
`;

describe('fault: block between two hosts', () => {
  it('drops only the blocked port, both ways, until unblocked', () => {
    const { res, transcript } = runText(`${HOSTS}  - fault: { block: tcp/80, between: [a, b] }
  - run: curl -sS -m 2 http://192.168.205.11/
    on: a
    expect: { exit: 28, stdout: "Connection timed out" }
  - run: ping -c 1 -W 1 192.168.205.11
    on: a
    expect: { stdout: "1 received" }
  - run: curl -sS -m 2 http://192.168.205.11/
    on: c
    expect: { stdout: hello }
  - trace: { on: a, to: "192.168.205.11:80" }
    expect: { verdict: dropped, reason: "blocked between hosts (security group)", path: "tcp/80 blocked a → b" }
  - fault: { unblock: tcp/80, between: [a, b] }
  - run: curl -sS -m 2 http://192.168.205.11/
    on: a
    expect: { stdout: hello }
`);
    expect(res.steps.flatMap((s) => s.failures)).toEqual([]);
    expect(transcript).toContain('# fault: tcp/80 blocked between a and b');
    expect(res.passed).toBe(true);
  });

  it('one way blocks only from the first host to the second', () => {
    const { res } = runText(`${HOSTS}  - serve: { on: a, port: 80, reply: from-a }
  - fault: { block: tcp/80, between: [a, b], oneway: true }
  - run: curl -sS -m 2 http://192.168.205.11/
    on: a
    expect: { exit: 28 }
  - run: curl -sS -m 2 http://192.168.205.10/
    on: b
    expect: { stdout: from-a }
  - fault: { heal: true }
  - run: curl -sS -m 2 http://192.168.205.11/
    on: a
    expect: { stdout: hello }
`);
    expect(res.steps.flatMap((s) => s.failures)).toEqual([]);
  });

  it('blocks a whole protocol (icmp) and heals one path only', () => {
    const { res } = runText(`${HOSTS}  - fault: { block: icmp, between: [a, b] }
  - fault: { block: icmp, between: [a, c] }
  - run: ping -c 2 -W 1 192.168.205.11
    on: a
    expect: { exit: 1, stdout: "100% packet loss" }
  - fault: { heal: true, between: [a, b] }
  - run: ping -c 1 -W 1 192.168.205.11
    on: a
    expect: { stdout: "0% packet loss" }
  - run: ping -c 1 -W 1 192.168.205.12
    on: a
    expect: { exit: 1, stdout: "100% packet loss" }
`);
    expect(res.steps.flatMap((s) => s.failures)).toEqual([]);
  });
});

describe('fault: drop and delay', () => {
  it('loses about the given share of frames, the same ones on every run', () => {
    const yaml = `${HOSTS}  - fault: { drop: 0.3, between: [a, b] }
  - run: ping -c 100 -i 0.2 -q 192.168.205.11
    on: a
`;
    const one = runText(yaml).transcript;
    const two = runText(yaml).transcript;
    expect(one).toBe(two);
    // An echo and its reply each cross the lossy path: 1 - 0.7² ≈ 51% of the pings fail.
    const loss = Number(/received.*?(\d+)% packet loss/.exec(one)![1]);
    expect(loss).toBeGreaterThan(35);
    expect(loss).toBeLessThan(67);
  });

  it('adds the delay each way on the simulated clock, and says so in the trace', () => {
    const { res, transcript } = runText(`${HOSTS}  - fault: { delay: 50ms, between: [a, b] }
  - run: ping -c 2 192.168.205.11
    on: a
    expect: { stdout: ["/icmp_seq=1 ttl=64 time=200\\\\.\\\\d+ ms/", "/icmp_seq=2 ttl=64 time=100\\\\.\\\\d+ ms/"] }
  - run: ping -c 1 192.168.205.12
    on: a
    expect: { stdout: "/time=0\\\\.\\\\d+ ms/" }
  - trace: { on: a, to: "192.168.205.11:80" }
    expect: { verdict: delivered, path: "LAN a:eth0 → b:eth0 (+50ms path delay)" }
  - fault: { delay: 0ms, between: [a, b] }
  - run: ping -c 1 192.168.205.11
    on: a
    expect: { stdout: "/time=0\\\\.\\\\d+ ms/" }
`);
    expect(res.steps.flatMap((s) => s.failures)).toEqual([]);
    expect(transcript).toContain('# fault: 50ms extra delay between a and b');
  });
});

describe('fault: bad input', () => {
  const h = 'hosts:\n  - { name: a, ip: 192.168.205.10/24 }\n  - { name: b, ip: 192.168.205.11/24 }\nsteps:\n';
  it('names the line and what is wrong', () => {
    expect(loadError(`${h}  - fault: { block: tcp/99999, between: [a, b] }\n`).message).toContain('"tcp/99999" is not a protocol to block');
    expect(loadError(`${h}  - fault: { block: esp/50, between: [a, b] }\n`).message).toContain('"esp/50" is not a protocol to block');
    expect(loadError(`${h}  - fault: { block: udp/4789 }\n`).message).toContain('needs "between: [host1, host2]"');
    expect(loadError(`${h}  - fault: { drop: 1.5, between: [a, b] }\n`).message).toContain('loss probability from 0 to 1');
    expect(loadError(`${h}  - fault: { delay: soon, between: [a, b] }\n`).message).toContain('"soon" is not a path delay');
    expect(loadError(`${h}  - fault: { delay: 5ms, between: [a, z] }\n`)).toMatchObject({ line: 5, message: expect.stringContaining('no host named "z"') });
    expect(loadError(`${h}  - fault: { drop: 0.1, delay: 5ms, between: [a, b] }\n`).message).toContain('not drop and delay');
  });
});
