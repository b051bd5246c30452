// `swarmsim diff` compares hops on their typed fields: the same step in two runs has the same key
// whatever each run drew at random, and a different decision has a different key.
import { describe, expect, it } from 'vitest';
import type { HopEvent } from '../../src/core/trace.js';
import { hopDifference, hopKey } from '../../src/trace/hop-key.js';

const pkt = (sport: number, seq: number): HopEvent['pkt'] => ({
  eth: { src: '02:42:c0:a8:cd:32', dst: '02:42:c0:a8:cd:0a', type: 0x800 },
  ip: { src: '192.168.205.50', dst: '192.168.205.10', proto: 6, ttl: 64, len: 60, id: seq & 0xffff, tos: 0, df: true },
  tcp: { sport, dport: 8080, flags: 0x02, seq, ack: 0, window: 64240 },
  payloadLen: 0,
  mark: 0,
  ct: 'NEW',
});
const place = { host: 'm1', ns: 'root', dev: 'eth0', ifindex: 2, time: 1000 };
const rule = (target: string, spec: string | null, pkts: number, sport: number, seq: number): HopEvent =>
  ({ ...place, pkt: pkt(sport, seq), kind: 'nf', table: 'nat', hook: 'PREROUTING', chain: 'DOCKER-INGRESS', rule: 1, chainRules: 2, in: 'eth0', out: null, spec, target, pkts, bytes: pkts * 60 }) as HopEvent;

describe('hop keys', () => {
  it('ignore sequence numbers, ephemeral ports, counters and time', () => {
    const a = rule('DNAT to:172.18.0.2:8080', '-A DOCKER-INGRESS -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:8080', 1, 40001, 12345);
    const b = { ...rule('DNAT to:172.18.0.2:8080', '-A DOCKER-INGRESS -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:8080', 7, 51234, 999), time: 5000 } as HopEvent;
    expect(hopKey(a)).toBe(hopKey(b));
  });

  it('tell a different rule, a different NAT result and a different place apart, and say which', () => {
    const dnat = rule('DNAT to:172.18.0.2:8080', '-A DOCKER-INGRESS -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:8080', 1, 40001, 1);
    const ret = rule('RETURN', '-A DOCKER-INGRESS -j RETURN', 1, 40001, 1);
    expect(hopKey(dnat)).not.toBe(hopKey(ret));
    expect(hopDifference(dnat, ret)).toBe('the nf decision');
    const nat = (addr: string): HopEvent => ({ ...place, pkt: pkt(40001, 1), kind: 'nat', manip: 'DNAT', by: 'conntrack', before: { addr: '192.168.205.10', port: 8080 }, after: { addr, port: 8080 } }) as HopEvent;
    expect(hopKey(nat('172.18.0.2'))).not.toBe(hopKey(nat('172.18.0.3')));
    const elsewhere = { ...dnat, host: 'w1' } as HopEvent;
    expect(hopDifference(dnat, elsewhere)).toBe('the place (m1 / root / eth0 → w1 / root / eth0)');
    const drop = { ...place, pkt: pkt(40001, 1), kind: 'drop', reason: 'netfilter', skb: 'NETFILTER_DROP', detail: 'filter INPUT #1 DROP' } as HopEvent;
    expect(hopDifference(dnat, drop)).toBe('what happened there (nf → drop)');
  });
});
