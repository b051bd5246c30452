// The control plane's frames on TCP 2377 (wire/swarmrpc.ts): read back whatever the segmenting,
// and named in traces by the gRPC method they belong to, as swarmkit's api/*.proto name them.
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import type { Host } from '../../src/kernel/host.js';
import type { TcpConn } from '../../src/kernel/tcp.js';
import { SEC } from '../../src/sim/clock.js';
import { Trace } from '../../src/trace/recorder.js';
import { renderTraceText, traceJson } from '../../src/trace/render.js';
import { emitFrame, FrameReader, RPC_KIND, rpcLabel, SWARM_PORT } from '../../src/wire/swarmrpc.js';
import { runText, sh } from '../helpers.js';

const validate = new Ajv2020({ allErrors: true }).compile(JSON.parse(readFileSync('src/trace/trace.schema.json', 'utf8')) as object);

describe('2377 frames', () => {
  it('are read back whole however the stream is cut, and only a frame\'s first segment is labelled', () => {
    const enc = new TextEncoder();
    const a = emitFrame(RPC_KIND.MsgApp, enc.encode('{"kind":"MsgApp","n":1}'), 300);
    const b = emitFrame(RPC_KIND.heartbeat, enc.encode('{"kind":"heartbeat"}'), 130);
    expect(a.length).toBe(300);
    expect(b.length).toBe(130);
    const stream = new Uint8Array([...a, ...b]);
    for (const cut of [1, 5, 9, 10, 40, 299, 300, 301, 429]) {
      const got: string[] = [];
      const r = new FrameReader((kind, body) => got.push(`${kind}:${new TextDecoder().decode(body)}`));
      r.push(stream.subarray(0, cut));
      r.push(stream.subarray(cut));
      expect(got).toEqual([`16:{"kind":"MsgApp","n":1}`, `6:{"kind":"heartbeat"}`]);
    }
    expect(rpcLabel(a)).toBe('Raft.StreamRaftMessage MsgApp');
    expect(rpcLabel(b)).toBe('Dispatcher.Heartbeat');
    // A segment starting inside a frame (its JSON, its padding) names nothing.
    for (const off of [3, 12, 200]) expect(rpcLabel(a.subarray(off))).toBeNull();
  });

  it('name a Control call by the method its body carries (gRPC\'s :path), the answer as its response', () => {
    const enc = new TextEncoder();
    const call = emitFrame(RPC_KIND.control, enc.encode('{"kind":"control","call":1,"method":"CreateNetwork"}'), 700);
    const answer = emitFrame(RPC_KIND['control-result'], enc.encode('{"kind":"control-result","call":1,"method":"CreateNetwork","error":null}'), 500);
    expect(rpcLabel(call)).toBe('Control.CreateNetwork');
    expect(rpcLabel(answer)).toBe('Control.CreateNetwork response');
    // A segment that starts the frame but ends inside its body still says it is a Control call.
    expect(rpcLabel(call.subarray(0, 30))).toBe('Control');
  });
});

/** The first data segment `conn` sends from now on, traced; the clock runs until it went. */
function traceNextData(h: Host, conn: TcpConn): Trace {
  for (let i = 0; i < 50; i++) {
    const t = new Trace();
    conn.trace = t.start();
    h.eq.runUntil(h.eq.now + SEC);
    const first = t.legs[0]?.path()[0];
    if (first !== undefined && first.pkt.payloadLen > 0) return t;
  }
  throw new Error('no data segment in 50 s');
}

function connTo(h: Host, port: number): TcpConn {
  for (const m of h.root.sockets.tcpConns.values()) for (const c of m.values()) if (c.rport === port && c.state === 'ESTABLISHED') return c;
  throw new Error(`no connection to port ${port} on ${h.name}`);
}

describe('a 2377 packet in a trace', () => {
  const yaml = `name: three managers
seed: 7
hosts:
  - { name: m1, ip: 10.1.0.10/24 }
  - { name: m2, ip: 10.1.0.11/24 }
  - { name: m3, ip: 10.1.0.12/24 }
  - { name: w1, ip: 10.1.0.13/24 }
steps:
  - run: docker swarm init --advertise-addr 10.1.0.10
    on: m1
  - run: docker swarm join-token manager -q
    on: m1
    save: MTOKEN
  - run: docker swarm join-token worker -q
    on: m1
    save: WTOKEN
  - run: docker swarm join --token \${MTOKEN} 10.1.0.10:2377
    on: m2
  - run: docker swarm join --token \${MTOKEN} 10.1.0.10:2377
    on: m3
  - run: docker swarm join --token \${WTOKEN} 10.1.0.10:2377
    on: w1
  - sleep: 5
`;

  it('says which gRPC call and Raft message it carries, in the text trace and in the JSON', () => {
    const { res } = runText(yaml);
    expect(res.passed).toBe(true);
    const w = res.world;
    const sw = res.sim.swarm;
    const leaderId = sw.cluster!.currentLeader()!.id;
    const leaderHost = w.hosts.get(sw.cluster!.nodes.get(leaderId)!.hostname)!;
    // The leader's Raft connection to another manager: a heartbeat each tick (or entries).
    const raft = traceNextData(leaderHost, connTo(leaderHost, SWARM_PORT));
    const text = renderTraceText('raft', raft);
    // raftpb.Message MsgHeartbeat in its call: 150 bytes on the wire (agent/rpc.ts WIRE_SIZE).
    expect(text).toMatch(/ 1\. m1 \/ root  send: 10\.1\.0\.10\.\d+ > 10\.1\.0\.1[12]\.2377: TCP \[P\.\] seq \d+ ack \d+ len 150 ttl 64 \(2377 Raft\.StreamRaftMessage MsgHeartbeat\)\n/);
    expect(text).toMatch(/rcv: ip_rcv .* \(2377 Raft\.StreamRaftMessage MsgHeartbeat\)\n/);
    const j = traceJson('raft', raft) as { request: { hops: Array<{ pkt: { rpc?: string } }> } };
    expect(j.request.hops.map((h) => h.pkt.rpc)).toEqual(j.request.hops.map(() => 'Raft.StreamRaftMessage MsgHeartbeat'));
    expect(validate(j) ? [] : validate.errors).toEqual([]);
    // A service created: the leader's next segment to that manager carries the entry (MsgApp),
    // as long as the spec's protobuf and the InternalRaftRequest around it (swarm/raft-entry.ts).
    const conn = connTo(leaderHost, SWARM_PORT);
    const app = new Trace();
    conn.trace = app.start();
    expect(sh(w, leaderHost, 'docker service create -d --name web nginx').code).toBe(0);
    const first = (traceJson('app', app) as { request: { hops: Array<{ pkt: { rpc?: string; payloadLen: number } }> } }).request.hops[0]!;
    expect(first.pkt.rpc).toBe('Raft.StreamRaftMessage MsgApp');
    // 160 bytes of call and message, the entry's 12, and the service: 120 + half its spec's JSON.
    expect(renderTraceText('app', app)).toMatch(/send: 10\.1\.0\.10\.\d+ > 10\.1\.0\.1[12]\.2377: TCP \[P\.\] seq \d+ ack \d+ len 680 ttl 64 \(2377 Raft\.StreamRaftMessage MsgApp\)\n/);
    // The worker's dispatcher session: its heartbeat every period (5 s ± jitter).
    const w1 = w.hosts.get('w1')!;
    const hb = traceNextData(w1, connTo(w1, SWARM_PORT));
    expect(renderTraceText('heartbeat', hb)).toMatch(/send: 10\.1\.0\.13\.\d+ > 10\.1\.0\.1[012]\.2377: TCP \[P\.\] .* len 130 ttl 64 \(2377 Dispatcher\.Heartbeat\)\n/);
    const hj = traceJson('heartbeat', hb) as { request: { hops: Array<{ pkt: { rpc?: string } }> } };
    expect(hj.request.hops.every((h) => h.pkt.rpc === 'Dispatcher.Heartbeat')).toBe(true);
    expect(validate(hj)).toBe(true);
  });
});
