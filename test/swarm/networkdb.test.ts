// NetworkDB and memberlist on the simulated LAN: failure detection on memberlist's LAN timings,
// recovery after a heal, the data plane following each node's own NetworkDB, and what a 7946
// packet says it carries in a trace.
import { describe, expect, it } from 'vitest';
import { MsgWriter, ML_COMPOUND, ML_USER, NDB_TABLE_EVENT, compound, encodeAlive, encodePing } from '../../src/wire/memberlist.js';
import { headersOf } from '../../src/wire/headers.js';
import { hopDetail } from '../../src/trace/hop-text.js';
import { IPPROTO_UDP, Packet } from '../../src/wire/packet.js';
import { SEC } from '../../src/sim/clock.js';
import type { World } from '../../src/kernel/world.js';
import { sh, simOf } from '../helpers.js';
import { swarm } from './helpers.js';

function states(w: World, host: string): Record<string, number> {
  const a = simOf(w).swarm.agents.get(host)!;
  const out: Record<string, number> = {};
  for (const m of a.networkDb.ml.members) out[simOf(w).swarm.cluster!.nodes.get(m.name)!.hostname] = m.state;
  return out;
}

const ALIVE = 0;
const SUSPECT = 1;
const DEAD = 2;

describe('memberlist over 7946', () => {
  it('every node learns every other by gossip, and a powered-off node is suspected, then declared dead', () => {
    const { res } = swarm('  - sleep: 3s\n', { workers: 2 });
    const w = res.world;
    expect(states(w, 'w1')).toEqual({ m1: ALIVE, w1: ALIVE, w2: ALIVE });
    w.hosts.get('w2')!.down = true;
    const t0 = w.eq.now;
    // Each of m1 and w1 probes its two peers in turn, one a second: within 2 s a probe of w2 goes
    // unanswered, and at the end of that probe interval w2 is suspect. Dead 4 s after the first
    // suspicion: SuspicionMult 4 × ProbeInterval for fewer than 10 nodes, and a 3-node cluster
    // expects no confirmations. (The other node may learn the suspicion a gossip round later, and
    // the dead message before its own timer ends: piggybacked on the next ping or ack, net.go sendMsg.)
    let suspectAt = -1;
    let deadAt = -1;
    for (let t = 0; t < 15 * SEC && deadAt < 0; t += SEC / 10) {
      w.eq.runUntil(t0 + t);
      const s = [states(w, 'm1').w2, states(w, 'w1').w2];
      if (s.includes(SUSPECT) && suspectAt < 0) suspectAt = t;
      if (s.includes(DEAD)) deadAt = t;
    }
    expect(suspectAt).toBeGreaterThan(0);
    expect(suspectAt).toBeLessThanOrEqual(3.1 * SEC);
    expect(deadAt - suspectAt).toBeGreaterThanOrEqual(3.9 * SEC);
    expect(deadAt - suspectAt).toBeLessThanOrEqual(4.1 * SEC);
    // Back on: it refutes (a higher incarnation) and is alive everywhere again.
    w.hosts.get('w2')!.down = false;
    w.eq.runUntil(w.eq.now + 5 * SEC);
    expect(states(w, 'm1').w2).toBe(ALIVE);
    expect(states(w, 'w2')).toEqual({ m1: ALIVE, w1: ALIVE, w2: ALIVE });
  });

  it('a node whose 7946 is blocked is declared dead on the others, and they on it; the heal brings them back', () => {
    const { res } = swarm('  - sleep: 3s\n', { workers: 2 });
    const w = res.world;
    const pf = w.lan.pathFaults(1);
    for (const other of ['m1', 'w1']) {
      for (const rule of [{ proto: 17, port: 7946, text: 'udp/7946' }, { proto: 6, port: 7946, text: 'tcp/7946' }]) {
        pf.block('w2', other, rule);
        pf.block(other, 'w2', rule);
      }
    }
    w.eq.runUntil(w.eq.now + 10 * SEC);
    expect(states(w, 'm1').w2).toBe(DEAD);
    expect(states(w, 'w2')).toEqual({ m1: DEAD, w1: DEAD, w2: ALIVE });
    // m1 and w1 still gossip with each other.
    expect(states(w, 'w1').m1).toBe(ALIVE);
    pf.clearAll();
    w.eq.runUntil(w.eq.now + 5 * SEC);
    expect(states(w, 'm1').w2).toBe(ALIVE);
    expect(states(w, 'w2')).toEqual({ m1: ALIVE, w1: ALIVE, w2: ALIVE });
  });
});

describe('gossip to the dead', () => {
  it('goes on for GossipToTheDeadTime (30 s) after a node is declared dead, then stops', () => {
    const { res } = swarm('  - sleep: 3s\n', { workers: 2 });
    const w = res.world;
    const m1 = w.hosts.get('m1')!;
    // An iptables rule with no target counts what m1 sends w2 on UDP 7946 (the TCP 7946 connects
    // NetworkDB's reconnectNode tries each second go on, as in libnetwork).
    sh(w, m1, 'iptables -I OUTPUT -p udp -d 10.1.0.12 --dport 7946');
    const sent = (): number => Number(/^\s*(\d+)\s+\d+\s+udp/m.exec(sh(w, m1, 'iptables -L OUTPUT -v -n -x').out)![1]);
    w.hosts.get('w2')!.down = true;
    let t = w.eq.now;
    while (states(w, 'm1').w2 !== DEAD) w.eq.runUntil((t += SEC / 10));
    // m1 joining an overlay network queues a NetworkDB network event, which memberlist gossips to
    // three random members: w2 is still among those it picks from until 30 s after it was marked
    // dead (state.go gossip: a dead member whose StateChange is older than GossipToTheDeadTime is
    // left out; probes skip dead members at once).
    const sentAfterJoin = (at: number, net: string): number => {
      w.eq.runUntil(t + at * SEC);
      const n0 = sent();
      sh(w, m1, `docker network create -d overlay ${net}`);
      sh(w, m1, `docker service create -d --name s-${net} --network ${net} --constraint node.hostname==m1 nginx`);
      w.eq.runUntil(t + (at + 20) * SEC);
      return sent() - n0;
    };
    const early = sentAfterJoin(1, 'early');
    const late = sentAfterJoin(35, 'late');
    expect(states(w, 'm1').w2).toBe(DEAD);
    expect(early).toBeGreaterThan(0);
    expect(late).toBe(0);
  });
});

describe('the TCP fallback ping', () => {
  it('keeps a node whose UDP 7946 alone is blocked alive, while its gossip is lost', () => {
    const { res } = swarm('  - sleep: 3s\n', { workers: 2 });
    const w = res.world;
    const pf = w.lan.pathFaults(1);
    for (const other of ['m1', 'w1']) {
      pf.block('w2', other, { proto: 17, port: 7946, text: 'udp/7946' });
      pf.block(other, 'w2', { proto: 17, port: 7946, text: 'udp/7946' });
    }
    w.eq.runUntil(w.eq.now + 20 * SEC);
    expect(states(w, 'm1').w2).toBe(ALIVE);
    expect(states(w, 'w2')).toEqual({ m1: ALIVE, w1: ALIVE, w2: ALIVE });
  });
});

describe('the data plane follows the node\'s own NetworkDB', () => {
  it('a task started elsewhere reaches another node\'s DNS only after gossip, and a dead peer\'s entries go', () => {
    const { res } = swarm(`  - run: docker network create -d overlay app
    on: m1
  - run: docker service create -d --name client --mode global --network app busybox sh -c "while true; do sleep 3600; done"
    on: m1
  - sleep: 5s
`, { workers: 1, lanDns: true });
    const w = res.world;
    const m1 = w.hosts.get('m1')!;
    const w1 = w.hosts.get('w1')!;
    sh(w, m1, 'docker service create -d --name web --constraint node.hostname==w1 --network app nginx');
    const lookup = (): string => sh(w, m1, 'docker exec $(docker ps -q -f name=client) nslookup tasks.web').out;
    // Poll on the simulated clock: the task runs on w1 (pull + start), then w1 gossips its entry.
    let runningAt = -1;
    let knownAt = -1;
    const t0 = w.eq.now;
    for (let i = 0; i < 100 && knownAt < 0; i++) {
      w.eq.runUntil(w.eq.now + SEC / 20);
      const cluster = simOf(w).swarm.cluster!;
      if (runningAt < 0 && [...cluster.tasks.values()].some((t) => t.state === 'running' && cluster.services.get(t.serviceId)?.spec.name === 'web')) runningAt = w.eq.now - t0;
      if (runningAt >= 0 && /Address: 10\.0\.1\.\d+/.test(lookup())) knownAt = w.eq.now - t0;
    }
    expect(runningAt).toBeGreaterThan(0);
    expect(knownAt).toBeGreaterThan(runningAt);
    // The first gossip round after the entry (200 ms), plus the LAN.
    expect(knownAt - runningAt).toBeLessThanOrEqual(0.5 * SEC);
    // w1 loses power: once memberlist declares it dead, m1 drops its entries.
    w1.down = true;
    w.eq.runUntil(w.eq.now + 10 * SEC);
    expect(lookup()).toContain("can't find tasks.web");
  });
});

describe('a 7946 packet in a trace', () => {
  function udp7946(payload: Uint8Array): Packet {
    const p = new Packet();
    p.ethType = 0x0800;
    p.ipProto = IPPROTO_UDP;
    p.sport = 7946;
    p.dport = 7946;
    p.payload = payload;
    p.payloadLen = payload.length;
    return p;
  }

  it('says which memberlist or NetworkDB messages it carries', () => {
    // memberlist's msgpack'd ping{SeqNo, Node} for a 25-character node name: 40 bytes.
    const ping = encodePing(7, 'ad1gj7oqr1m72vzlpkzteipfi');
    expect(ping.length).toBe(40);
    const h = headersOf(udp7946(ping), null);
    expect(h.gossip).toEqual(['ping']);
    expect(hopDetail({ kind: 'send', pkt: h } as never)).toMatch(/UDP len \d+ ttl \d+ \(memberlist ping\)$/);
    const table = (): Uint8Array => {
      const t = new MsgWriter().u8(NDB_TABLE_EVENT).u8(1).u32(3).u32(0).str('n').str('net').str('endpoint_table').str('k').str('{}').done();
      const u = new Uint8Array(t.length + 1);
      u[0] = ML_USER;
      u.set(t, 1);
      return u;
    };
    const alive = encodeAlive(1, 'n', 1, 7946);
    const c = compound(ML_COMPOUND, [table(), table(), alive]);
    const hc = headersOf(udp7946(c), null);
    expect(hopDetail({ kind: 'rcv', pkt: hc } as never)).toMatch(/\(2 × NetworkDB table event, memberlist alive\)$/);
  });
});
