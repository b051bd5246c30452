import { describe, expect, it } from 'vitest';
import { formatIp4 } from '../../src/core/addr.js';
import { tcpConnect, tcpListen } from '../../src/kernel/tcp.js';
import type { TcpConn } from '../../src/kernel/tcp.js';
import { World } from '../../src/kernel/world.js';
import { addRoute } from '../../src/kernel/rtnl.js';
import { Route, TABLE_MAIN } from '../../src/kernel/route/table.js';
import type { NetDevice } from '../../src/kernel/device.js';
import { SEC } from '../../src/sim/clock.js';
import { Trace } from '../../src/sim/trace.js';
import { attachNs, bridge, ip, sh, shAll } from './helpers.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** node1 (192.168.1.10) with docker0 172.17.0.1/16 and container c1 172.17.0.2; client 192.168.1.20. */
function dockerHost() {
  const world = new World(7);
  const node = world.addHost('node1', ip('192.168.1.10'), 24);
  const client = world.addHost('client', ip('192.168.1.20'), 24);
  const root = node.root;
  root.setSysctl('net.ipv4.ip_forward', '1');
  const docker0 = bridge(root, 'docker0', '172.17.0.1/16');
  const c1 = attachNs(node, docker0, 'c1', '172.17.0.2/16', '172.17.0.1');
  return { world, node, client, root, c1 };
}

/** An echo server: answers each request with "echo:" + request. Records peers. */
function echoServer(ns: Parameters<typeof tcpListen>[0], port: number, peers: string[]): void {
  tcpListen(ns, port, 0, (c) => {
    peers.push(`${formatIp4(c.raddr)}:${c.rport}`);
    return { onData: (conn, data) => conn.send(enc('echo:' + dec(data))) };
  });
}

function request(ns: Parameters<typeof tcpConnect>[0], dst: string, port: number, msg: string, got: string[], trace: Trace | null = null): TcpConn {
  const c = tcpConnect(ns, ip(dst), port, {
    onConnect: (conn) => conn.send(enc(msg)),
    onData: (conn, data) => {
      got.push(`${formatIp4(conn.raddr)}:${conn.rport} ${dec(data)}`);
      conn.close();
    },
  }, trace === null ? null : trace.start());
  if (typeof c === 'number') throw new Error(`connect errno ${c}`);
  return c;
}

describe('published port: DNAT into a container behind a bridge, MASQUERADE out', () => {
  it('DNATs inbound, keeps the client address, un-NATs the reply, and masquerades outbound', () => {
    const { world, client, root, c1 } = dockerHost();
    shAll(world, root, `
      iptables -t nat -N DOCKER
      iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
      iptables -t nat -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
      iptables -t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
      iptables -t nat -A DOCKER -i docker0 -j RETURN
      iptables -t nat -A DOCKER ! -i docker0 -p tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
    `);
    const peers: string[] = [];
    echoServer(c1, 80, peers);
    const got: string[] = [];
    request(client.root, '192.168.1.10', 8080, 'hello', got);
    world.eq.runUntil(2 * SEC);
    // The container saw the real client; the client got its answer from the address it dialled.
    expect(peers).toHaveLength(1);
    expect(peers[0]).toMatch(/^192\.168\.1\.20:\d+$/);
    expect(got).toEqual(['192.168.1.10:8080 echo:hello']);
    // Only the first packet walks the nat table: one DNAT hit for the connection.
    const nat = sh(world, root, 'iptables -t nat -nvL DOCKER').out;
    expect(nat).toContain('    1    60 DNAT       tcp  --  !docker0 *       0.0.0.0/0            0.0.0.0/0            tcp dpt:8080 to:172.17.0.2:80');
    // conntrack shows the DNAT in the reply tuple.
    const ct = sh(world, root, 'conntrack -L -p tcp').out;
    expect(ct).toMatch(/^tcp      6 \d+ (FIN_WAIT|LAST_ACK|TIME_WAIT|CLOSE_WAIT) src=192\.168\.1\.20 dst=192\.168\.1\.10 sport=\d+ dport=8080 src=172\.17\.0\.2 dst=192\.168\.1\.20 sport=80 dport=\d+ \[ASSURED\] mark=0 use=1\n/);
    expect(ct).toContain('conntrack v1.4.4 (conntrack-tools): 1 flow entries have been shown.\n');

    // Outbound from the container: the client sees the host's address.
    const seen: string[] = [];
    echoServer(client.root, 9000, seen);
    const got2: string[] = [];
    request(c1, '192.168.1.20', 9000, 'out', got2);
    world.eq.runUntil(4 * SEC);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^192\.168\.1\.10:\d+$/);
    expect(got2).toEqual(['192.168.1.20:9000 echo:out']);
    expect(sh(world, root, 'iptables -t nat -nvL POSTROUTING').out).toContain('    1    60 MASQUERADE  all  --  *      !docker0  172.17.0.0/16        0.0.0.0/0');
  });

  it('the trace names the conntrack decision, the DNAT rule and the rewrite', () => {
    const { world, client, root, c1 } = dockerHost();
    shAll(world, root, `
      iptables -t nat -N DOCKER
      iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
      iptables -t nat -A DOCKER ! -i docker0 -p tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
    `);
    echoServer(c1, 80, []);
    const t = new Trace();
    request(client.root, '192.168.1.10', 8080, 'x', [], t);
    world.eq.runUntil(2 * SEC);
    const texts = t.legs.filter((l) => l.direction === 'request').flatMap((l) => l.hops).map((h) => `${h.kind} ${h.host}/${h.ns}: ${h.text}`);
    expect(texts).toContain('ct node1/root: conntrack NEW');
    expect(texts).toContain('nf node1/root: nat PREROUTING #1 DOCKER');
    expect(texts).toContain('nf node1/root: nat DOCKER #1 DNAT to:172.17.0.2:80');
    expect(texts.some((s) => s.startsWith('nat node1/root: DNAT destination 192.168.1.10:8080 → 172.17.0.2:80'))).toBe(true);
    expect(t.outcome('request')!.verdict).toBe('delivered');
    const reply = t.legs.filter((l) => l.direction === 'reply').flatMap((l) => l.hops).map((h) => `${h.kind} ${h.host}/${h.ns}: ${h.text}`);
    expect(reply).toContain('ct node1/root: conntrack ESTABLISHED (reply)');
    expect(reply.some((s) => s.startsWith('nat node1/root: un-DNAT source 172.17.0.2:80 → 192.168.1.10:8080'))).toBe(true);
  });
});

describe('FORWARD policy DROP with ESTABLISHED,RELATED accepted', () => {
  it('replies pass, new inbound connections are dropped, and the trace names the policy', () => {
    const { world, client, root, c1 } = dockerHost();
    // The client reaches 172.17.0.0/16 through node1.
    shAll(world, root, `
      iptables -P FORWARD DROP
      iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
      iptables -A FORWARD -i docker0 ! -o docker0 -j ACCEPT
      iptables -A FORWARD -p tcp --dport 22 -j DROP
      iptables -t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
    `);
    addRoute(client.root, route(client.root.device('eth0')!, '172.17.0.0', 16, '192.168.1.10'));
    // Outbound from the container works, the replies come back through the ESTABLISHED rule.
    const seen: string[] = [];
    echoServer(client.root, 9000, seen);
    const got: string[] = [];
    request(c1, '192.168.1.20', 9000, 'hi', got);
    world.eq.runUntil(2 * SEC);
    expect(got).toEqual(['192.168.1.20:9000 echo:hi']);
    // A new connection from outside to the container is dropped by the policy.
    echoServer(c1, 80, []);
    const t = new Trace();
    const got2: string[] = [];
    request(client.root, '172.17.0.2', 80, 'in', got2, t);
    world.eq.runUntil(3 * SEC);
    expect(got2).toEqual([]);
    const leg = t.outcome('request')!;
    expect(leg.verdict).toBe('dropped');
    expect(leg.reason).toBe('netfilter');
    expect(leg.hops.at(-1)!.text).toBe('filter FORWARD policy DROP');
    expect(leg.hops.at(-1)!.host).toBe('node1');
    // A rule's drop names the rule.
    const t2 = new Trace();
    request(client.root, '172.17.0.2', 22, 'ssh', [], t2);
    world.eq.runUntil(4 * SEC);
    expect(t2.outcome('request')!.hops.at(-1)!.text).toBe('filter FORWARD #3 DROP');
    const list = sh(world, root, 'iptables -nvL FORWARD -x').out.split('\n');
    // The policy counted the SYN and its retransmissions; rule 1 counted the replies.
    expect(list[0]).toMatch(/^Chain FORWARD \(policy DROP [1-9]\d* packets, \d+ bytes\)$/);
    expect(Number(list[2]!.trim().split(/\s+/)[0])).toBeGreaterThanOrEqual(3);
  });

  it('REJECT answers with an ICMP port unreachable or a TCP reset', () => {
    const { world, client, root } = dockerHost();
    shAll(world, root, `
      iptables -A INPUT -p tcp --dport 81 -j REJECT --reject-with tcp-reset
      iptables -A INPUT -p tcp --dport 82 -j REJECT
    `);
    const errs: number[] = [];
    for (const port of [81, 82]) {
      tcpConnect(client.root, ip('192.168.1.10'), port, { onError: (_c, e) => errs.push(e) });
    }
    world.eq.runUntil(2 * SEC);
    // Both refuse the connection: a RST, and an ICMP port unreachable, which tcp_v4_err turns into
    // ECONNREFUSED as well (icmp_err_convert).
    expect(errs.sort()).toEqual([111, 111]);
    expect(sh(world, root, 'iptables -nvL INPUT').out).toContain('    1    60 REJECT     tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            tcp dpt:81 reject-with tcp-reset');
  });
});

function route(dev: NetDevice, dst: string, len: number, gw: string): Route {
  return new Route('unicast', ip(dst), len, dev, ip(gw), 0, 'global', 'static', 0, TABLE_MAIN);
}
