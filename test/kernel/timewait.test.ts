// TIME_WAIT: the side that closes first keeps the connection 60 s, netstat -tan lists it (the
// format net-tools 2.10 printed for the same exchange on Linux 6.18), and a new SYN with newer
// timestamps reopens the 4-tuple.
import { describe, expect, it } from 'vitest';
import { parseIp4 } from '../../src/core/addr.js';
import { tcpConnect, tcpListen } from '../../src/kernel/tcp.js';
import { SEC } from '../../src/sim/clock.js';
import { runText, sh, vethPair } from '../helpers.js';

describe('TIME_WAIT', () => {
  it('netstat -tan shows the server that closed first in TIME_WAIT, then not after 60 s', () => {
    const { transcript, res } = runText(`
name: time-wait
hosts:
  - { name: a, ip: 192.168.99.2/24, docker: false }
  - { name: b, ip: 192.168.99.3/24, docker: false }
steps:
  - serve: { on: b, port: 80, reply: hello }
  - run: curl -s http://192.168.99.3/
    on: a
  - sleep: 1s
  - run: netstat -tan
    on: b
    expect: { stdout: "/^Active Internet connections \\\\(servers and established\\\\)\\\\nProto Recv-Q Send-Q Local Address           Foreign Address         State      \\\\ntcp        0      0 0\\\\.0\\\\.0\\\\.0:80              0\\\\.0\\\\.0\\\\.0:\\\\*               LISTEN     \\\\ntcp        0      0 192\\\\.168\\\\.99\\\\.3:80         192\\\\.168\\\\.99\\\\.2:\\\\d+ +TIME_WAIT  \\\\n$/" }
  - run: netstat -tn
    on: a
    expect: { stdout: "Active Internet connections (w/o servers)\\nProto Recv-Q Send-Q Local Address           Foreign Address         State      \\n" }
  - sleep: 62s
  - run: netstat -tn
    on: b
    expect: { stdout_not: "TIME_WAIT" }
  - run: netstat -ta
    on: b
    expect: { exit: 1, stdout: "netstat: only numeric socket listings (-n) are emulated" }
`);
    expect(res.passed, transcript).toBe(true);
  });

  it('a SYN from the same port with newer timestamps reopens the connection in TIME_WAIT', () => {
    const { w, h, a, b } = vethPair();
    let served = 0;
    tcpListen(b, 80, 0, () => ({
      onData: (c) => {
        served++;
        c.send(new TextEncoder().encode('x'));
        c.close();
      },
    }));
    const once = (): string => {
      let got = '';
      const c = tcpConnect(a, parseIp4('10.1.0.2')!, 80, {
        onConnect: (cn) => cn.send(new TextEncoder().encode('q')),
        onData: (_c, d) => (got += new TextDecoder().decode(d)),
        onPeerClose: (cn) => cn.close(),
      }, null, 40000);
      expect(typeof c).not.toBe('number');
      w.eq.runUntil(w.eq.now + SEC);
      return got;
    };
    expect(once()).toBe('x');
    expect(sh(w, h, 'ip netns exec b netstat -tn').out).toMatch(/10\.1\.0\.2:80 +10\.1\.0\.1:40000 +TIME_WAIT/);
    w.eq.runUntil(w.eq.now + 5 * SEC);
    expect(once()).toBe('x');
    expect(served).toBe(2);
    expect(b.snmp.Tcp.OutRsts).toBe(0);
  });
});
