// Trace hops are typed events: the JSON is those events and validates against the schema in the
// repo; drops name Linux's skb_drop_reason and what was sent back; the xtables format prints the
// lines `iptables -j TRACE` writes to the kernel log.
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parseIp4 } from '../../src/core/addr.js';
import type { HopEvent } from '../../src/core/trace.js';
import { sendProbe } from '../../src/scenario/probe.js';
import type { Trace } from '../../src/trace/recorder.js';
import { renderTraceText, summarize, traceJson } from '../../src/trace/render.js';
import { renderTraceXtables, xtablesLine } from '../../src/trace/xtables.js';
import { describeL3 } from '../../src/wire/describe.js';
import { headersOf, packetOf } from '../../src/wire/headers.js';
import { ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, IPPROTO_ICMP, IPPROTO_UDP, Packet } from '../../src/wire/packet.js';
import { sh, vethPair } from '../helpers.js';

const schema = JSON.parse(readFileSync('src/trace/trace.schema.json', 'utf8')) as object;
const validate = new Ajv2020({ allErrors: true }).compile(schema);

function valid(j: object): string[] {
  return validate(j) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

const pair = (rules: string[] = []): ReturnType<typeof vethPair> => vethPair(rules.map((r) => `ip netns exec b ${r}`));

function lastHop(t: Trace, dir: 'request' | 'reply'): HopEvent {
  return summarize(t.outcome(dir))!.hops.at(-1)!;
}

describe('trace events', () => {
  it('end a TCP connection to a REJECTed port in the socket the ICMP error reached, not "no verdict yet"', () => {
    const { w, a } = pair(['iptables -A INPUT -p tcp --dport 81 -j REJECT']);
    const t = sendProbe(w, a, parseIp4('10.1.0.2')!, 81, 'tcp');
    const drop = lastHop(t, 'request');
    expect(drop).toMatchObject({ kind: 'drop', reason: 'netfilter', skb: 'NETFILTER_DROP', answered: 'icmp', detail: 'filter INPUT #1 REJECT' });
    expect(summarize(t.outcome('reply'))).toMatchObject({ verdict: 'delivered', reason: 'tcp socket' });
    expect(lastHop(t, 'reply')).toMatchObject({ kind: 'deliver', what: 'tcp-error', host: 'n1', ns: 'a', dev: 'va' });
    const text = renderTraceText('tcp', t);
    expect(text).not.toContain('no verdict yet');
    expect(text).toContain('deliver: ICMP error to the TCP socket on port ');
    expect(valid(traceJson('tcp', t))).toEqual([]);
  });

  it('say a REJECT --reject-with tcp-reset answered with a RST, a closed port with a RST, a closed UDP port with ICMP', () => {
    const { w, a } = pair(['iptables -A INPUT -p tcp --dport 82 -j REJECT --reject-with tcp-reset']);
    const rst = sendProbe(w, a, parseIp4('10.1.0.2')!, 82, 'tcp');
    expect(lastHop(rst, 'request')).toMatchObject({ skb: 'NETFILTER_DROP', answered: 'rst' });
    expect(summarize(rst.outcome('reply'))!.verdict).toBe('delivered');
    const closed = sendProbe(w, a, parseIp4('10.1.0.2')!, 83, 'tcp');
    expect(lastHop(closed, 'request')).toMatchObject({ reason: 'no listener', skb: 'NO_SOCKET', answered: 'rst' });
    const udp = sendProbe(w, a, parseIp4('10.1.0.2')!, 53, 'udp');
    expect(lastHop(udp, 'request')).toMatchObject({ reason: 'no listener', skb: 'NO_SOCKET', answered: 'icmp' });
    const noroute = sendProbe(w, a, parseIp4('10.9.0.1')!, 0, 'icmp');
    expect(lastHop(noroute, 'request')).toMatchObject({ reason: 'no route to host', skb: 'IP_OUTNOROUTES', answered: null });
    for (const t of [rst, closed, udp, noroute]) expect(valid(traceJson('x', t))).toEqual([]);
  });

  it('carry the headers at each hop, the rule as iptables -S prints it and its counters after', () => {
    const { w, a } = pair(['iptables -A INPUT -s 10.1.0.1/32 -p icmp -j ACCEPT']);
    const t = sendProbe(w, a, parseIp4('10.1.0.2')!, 0, 'icmp');
    const hops = summarize(t.outcome('request'))!.hops;
    const nf = hops.find((h) => h.kind === 'nf')!;
    expect(nf).toMatchObject({ kind: 'nf', table: 'filter', hook: 'INPUT', chain: 'INPUT', rule: 1, spec: '-A INPUT -s 10.1.0.1/32 -p icmp -j ACCEPT', target: 'ACCEPT', pkts: 1, bytes: 84, in: 'vb', out: null });
    expect(nf.pkt.ip).toMatchObject({ src: '10.1.0.1', dst: '10.1.0.2', proto: 1, ttl: 64, len: 84, df: true });
    expect(nf.pkt.ct).toBe('NEW');
    expect(hops[0]).toMatchObject({ kind: 'send', host: 'n1', ns: 'a', dev: '', ifindex: 0 });
    expect(hops.find((h) => h.kind === 'rcv')).toMatchObject({ dev: 'vb', ifindex: expect.any(Number) });
  });

  it('are data the schema refuses when they are wrong', () => {
    const { w, a } = pair();
    const j = traceJson('x', sendProbe(w, a, parseIp4('10.1.0.2')!, 0, 'icmp')) as { request: { hops: Array<Record<string, unknown>> } };
    expect(valid(j)).toEqual([]);
    j.request.hops[0]!.surprise = 1;
    expect(valid(j)).not.toEqual([]);
    delete j.request.hops[0]!.surprise;
    j.request.hops[1]!.kind = 'teleport';
    expect(valid(j)).not.toEqual([]);
  });

  it('rebuild a packet that describes as the original did (ICMP error quoting UDP)', () => {
    const q = new Packet();
    q.ipSrc = parseIp4('10.1.0.1')!;
    q.ipDst = parseIp4('10.1.0.2')!;
    q.ipProto = IPPROTO_UDP;
    q.sport = 40000;
    q.dport = 53;
    q.payloadLen = 6;
    const e = new Packet();
    e.ipSrc = q.ipDst;
    e.ipDst = q.ipSrc;
    e.ipProto = IPPROTO_ICMP;
    e.icmpType = ICMP_DEST_UNREACH;
    e.icmpCode = ICMP_PORT_UNREACH;
    e.inner = q;
    const back = packetOf(headersOf(e, null));
    expect(describeL3(back)).toBe(describeL3(e));
    expect(back.ipTotalLength()).toBe(e.ipTotalLength());
  });
});

describe('the xtables format', () => {
  it('prints the TRACE lines of the kernel log (nf_log_ipv4), as iptables-legacy -j TRACE does on Linux 6.18', () => {
    const { w, a } = pair(['iptables -A INPUT -p udp -j ACCEPT']);
    const t = sendProbe(w, a, parseIp4('10.1.0.2')!, 53, 'udp');
    const text = renderTraceXtables('udp', t);
    const lines = text.split('\n');
    expect(lines[1]).toBe('# n1 (netns b)');
    // Real: "TRACE: filter:INPUT:policy:1 IN=lo OUT= MAC=00:00:00:00:00:00:00:00:00:00:00:00:08:00
    // SRC=127.0.0.1 DST=127.0.0.1 LEN=30 TOS=0x00 PREC=0x00 TTL=64 ID=6214 DF PROTO=UDP SPT=47188 DPT=82 LEN=10 "
    expect(lines[2]).toMatch(/^\[ {4}\d\.\d{6}\] TRACE: filter:INPUT:rule:1 IN=vb OUT= MAC=([0-9a-f]{2}:){12}08:00 SRC=10\.1\.0\.1 DST=10\.1\.0\.2 LEN=34 TOS=0x00 PREC=0x00 TTL=64 ID=0 PROTO=UDP SPT=\d+ DPT=53 LEN=14 $/);
  });

  it('numbers a policy after the chain\'s rules and quotes the offending datagram of an ICMP error', () => {
    const { w, a } = pair();
    sh(w, w.hosts.get('n1')!, 'ip netns exec a iptables -A INPUT -p tcp -j ACCEPT');
    const t = sendProbe(w, a, parseIp4('10.1.0.2')!, 53, 'udp');
    const reply = summarize(t.outcome('reply'))!.hops.filter((h) => h.kind === 'nf');
    expect(reply).toHaveLength(1);
    const line = xtablesLine(reply[0] as Extract<HopEvent, { kind: 'nf' }>);
    // Real: "TRACE: filter:INPUT:policy:1 IN=lo OUT= MAC=… SRC=127.0.0.1 DST=127.0.0.1 LEN=58 TOS=0x00 PREC=0xC0 TTL=64
    // ID=25360 PROTO=ICMP TYPE=3 CODE=3 [SRC=127.0.0.1 DST=127.0.0.1 LEN=30 TOS=0x00 PREC=0x00 TTL=64 ID=6214 DF PROTO=UDP SPT=47188 DPT=82 LEN=10 ] "
    expect(line).toMatch(/ TRACE: filter:INPUT:policy:2 IN=va OUT= MAC=\S+ SRC=10\.1\.0\.2 DST=10\.1\.0\.1 LEN=\d+ TOS=0x00 PREC=0x[0-9A-F]{2} TTL=64 ID=\d+ PROTO=ICMP TYPE=3 CODE=3 \[SRC=10\.1\.0\.1 DST=10\.1\.0\.2 LEN=34 .* PROTO=UDP SPT=\d+ DPT=53 LEN=14 \] $/);
  });
});
