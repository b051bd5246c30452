// A curl loop through the routing mesh reuses client ports within conntrack's and IPVS's
// TIME_WAIT (120 s): connect(2) walks up the 14,116 even ports about 9 at a time, so after about
// 3,000 connections (some 33 s of a loop every 10 ms) it is back at ports whose entries in
// ingress_sbox are still in TIME_WAIT. Each reuse is a SYN
// on a TIME_WAIT conntrack entry in ingress_sbox, which Linux kills and replaces by a fresh one
// (nf_conntrack_tcp_packet, -NF_REPEAT), so IPVS can point the new entry's reply at the task it
// schedules now (ip_vs_update_conntrack). Keeping the old entry kept the old task as the expected
// replier: the new task's SYN-ACK was answered with a RST, and curl -m 1 timed out.
import { describe, expect, it } from 'vitest';
import { swarm } from './helpers.js';

const LOOP = `  - run: docker service create --name web --replicas 4 --publish 8080:5000 xiaopeng163/python-flask-demo:1.0
    on: m1
  - traffic: { name: loop, on: m1, run: "curl -s -m 1 127.0.0.1:8080", every: 10ms }
  - sleep: 45s
  - traffic_report: loop
`;

describe('routing mesh under a curl loop', () => {
  it('answers every request when client ports are reused within TIME_WAIT', () => {
    const { out } = swarm(LOOP, { workers: 1, seed: 21 });
    const report = out[out.length - 1]!;
    const m = /requests: (\d+), failed: (\d+)/.exec(report);
    expect(m).not.toBeNull();
    expect(Number(m![2])).toBe(0);
    // About 10.7 ms a round (10 ms sleep + the request): no request waited for a 1 s timeout.
    expect(Number(m![1])).toBeGreaterThan(4000);
    expect(report).toMatch(/^\s+\d+ {2}hello docker, version 1\.0 /m);
    expect(report).not.toMatch(/failed, exit/);
  });
});
