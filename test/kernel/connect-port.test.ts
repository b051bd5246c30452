// The source port connect(2) picks (__inet_hash_connect, Linux >= 6.0): even ports first, from an
// offset hashed from (saddr, daddr, dport) plus a per-hash counter that each connect advances by
// 2 to 16. Measured on this project's machine (Linux 6.18): eight connects to one listener took
// 49062, 49064, 49076, 49080, 49092, 49100, 49108, 49114. The server that closes first keeps
// each 4-tuple in TIME_WAIT, so netstat on it shows the ports the client used.
import { describe, expect, it } from 'vitest';
import { parseIp4 } from '../../src/core/addr.js';
import { tcpConnect, tcpListen } from '../../src/kernel/tcp.js';
import type { TcpConn } from '../../src/kernel/tcp.js';
import { SEC } from '../../src/sim/clock.js';
import { runText, vethPair } from '../helpers.js';

describe('connect(2) source ports', () => {
  it('a curl loop walks up the range by small even steps, as netstat on the server shows', () => {
    const { res } = runText(`
hosts:
  - { name: a, ip: 192.168.99.2/24, docker: false }
  - { name: b, ip: 192.168.99.3/24, docker: false }
steps:
  - serve: { on: b, port: 80, reply: hello }
  - run: for i in 1 2 3 4 5 6 7 8; do curl -s http://192.168.99.3/; done
    on: a
  - sleep: 1s
  - run: netstat -tn
    on: b
`);
    const ports = [...res.steps[3]!.output.matchAll(/192\.168\.99\.2:(\d+) +TIME_WAIT/g)].map((m) => Number(m[1]));
    expect(ports).toHaveLength(8);
    // netstat lists sockets by hash bucket, not by age: compare in the order the loop made them.
    const span = 60999 - 32768 + 1;
    const sorted = [...ports].sort((x, y) => x - y);
    // Rotate so that a wrap past 60999 back to 32768 keeps the walk in order.
    const gapAt = sorted.findIndex((p, i) => i > 0 && p - sorted[i - 1]! > 16);
    const walk = gapAt < 0 ? sorted : [...sorted.slice(gapAt), ...sorted.slice(0, gapAt)];
    for (const p of walk) expect(p % 2).toBe(0);
    for (let i = 1; i < walk.length; i++) {
      const step = (walk[i]! - walk[i - 1]! + span) % span;
      expect(step).toBeGreaterThanOrEqual(2);
      expect(step).toBeLessThanOrEqual(16);
    }
  });

  it('shares a port between peers but never a 4-tuple, and skips a port bound before connect', () => {
    const { w, a, b } = vethPair();
    tcpListen(b, 80, 0, () => ({}));
    tcpListen(b, 81, 0, () => ({}));
    const open = (port: number, bind = 0): TcpConn => {
      const c = tcpConnect(a, parseIp4('10.1.0.2')!, port, {}, null, bind);
      if (typeof c === 'number') throw new Error(`connect: errno ${c}`);
      return c;
    };
    const to80 = Array.from({ length: 200 }, () => open(80));
    w.eq.runUntil(w.eq.now + SEC);
    expect(new Set(to80.map((c) => c.lport)).size).toBe(200);
    // A socket bound to a port before connect (nc -p, bind(2)) keeps it from connect's scan.
    const bound = open(81, to80[199]!.lport + 2);
    const next = open(80);
    expect(next.lport).not.toBe(bound.lport);
    expect(to80.some((c) => c.lport === next.lport)).toBe(false);
  });
});
