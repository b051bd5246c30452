import { describe, expect, it } from 'vitest';
import { formatIp4 } from '../../src/core/addr.js';
import { createVeth, setMaster, setUp } from '../../src/kernel/rtnl.js';
import { tcpConnect, tcpListen } from '../../src/kernel/tcp.js';
import type { Netns } from '../../src/kernel/netns.js';
import { World } from '../../src/kernel/world.js';
import { SEC } from '../../src/sim/clock.js';
import { Trace } from '../../src/sim/trace.js';
import { addr, attachNs, bridge, ip, sh, shAll } from '../netfilter/helpers.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** The routing mesh built by hand, as Docker programs it (dataplane.md §3, §4). */
function mesh() {
  const world = new World(3);
  const node = world.addHost('node1', ip('192.168.1.10'), 24);
  const client = world.addHost('client', ip('192.168.1.20'), 24);
  const root = node.root;
  root.setSysctl('net.ipv4.ip_forward', '1');
  const gw = bridge(root, 'docker_gwbridge', '172.18.0.1/16');
  const sbox = attachNs(node, gw, 'ingress_sbox', '172.18.0.2/16', '172.18.0.1');
  sbox.setSysctl('net.ipv4.ip_forward', '1');
  sbox.setSysctl('net.ipv4.vs.conntrack', '1');
  // The ingress network: a bridge in its own namespace with the sandbox and two tasks on it.
  const ovl = node.addNamedNetns('ovl');
  const br0 = bridge(ovl, 'br0', null);
  const leg = createVeth(ovl, 'vsbox', 'eth1', sbox);
  setMaster(leg, br0);
  setUp(leg);
  addr(sbox.device('eth1')!, '10.0.0.2/24');
  setUp(sbox.device('eth1')!);
  const task1 = attachNs(node, br0, 'task1', '10.0.0.5/24', null);
  const task2 = attachNs(node, br0, 'task2', '10.0.0.6/24', null);
  shAll(world, root, `
    iptables -t nat -N DOCKER-INGRESS
    iptables -t nat -A DOCKER-INGRESS -j RETURN
    iptables -t nat -I PREROUTING -m addrtype --dst-type LOCAL -j DOCKER-INGRESS
    iptables -t nat -I DOCKER-INGRESS -p tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:8080
  `);
  shAll(world, sbox, `
    iptables -t mangle -A PREROUTING -p tcp --dport 8080 -j MARK --set-mark 256
    iptables -t nat -A POSTROUTING -m ipvs --ipvs -d 10.0.0.0/24 -j SNAT --to-source 10.0.0.2
    ipvsadm -A -f 256 -s rr
    ipvsadm -a -f 256 -r 10.0.0.5 -m -w 1
    ipvsadm -a -f 256 -r 10.0.0.6 -m -w 1
  `);
  return { world, node, client, root, sbox, task1, task2 };
}

function server(ns: Netns, name: string, log: string[]): void {
  tcpListen(ns, 8080, 0, (c) => {
    log.push(`${name} from ${formatIp4(c.raddr)}`);
    return { onData: (conn, data) => conn.send(enc(`${name}:${dec(data)}`)) };
  });
}

describe('routing mesh: host DNAT → ingress sandbox → IPVS fwmark rr → -m ipvs SNAT', () => {
  it('sends three connections to the backends in turn and brings the replies back with the original addresses', () => {
    const { world, client, root, sbox, task1, task2 } = mesh();
    const log: string[] = [];
    server(task1, 'task1', log);
    server(task2, 'task2', log);
    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      world.eq.at(i * SEC, () => {
        const c = tcpConnect(client.root, ip('192.168.1.10'), 8080, {
          onConnect: (conn) => conn.send(enc(`req${i}`)),
          onData: (conn, data) => {
            got.push(`${formatIp4(conn.raddr)}:${conn.rport} ${dec(data)}`);
            conn.close();
          },
        });
        expect(typeof c).not.toBe('number');
      });
    }
    world.eq.runUntil(5 * SEC);
    // Each backend sees the sandbox's ingress address (the -m ipvs SNAT), in rr order: from the
    // server added last, the head of the kernel's list.
    expect(log).toEqual(['task2 from 10.0.0.2', 'task1 from 10.0.0.2', 'task2 from 10.0.0.2']);
    // The client's replies come from the address and port it dialled.
    expect(got).toEqual(['192.168.1.10:8080 task2:req0', '192.168.1.10:8080 task1:req1', '192.168.1.10:8080 task2:req2']);

    expect(sh(world, sbox, 'ipvsadm -ln')).toEqual({
      code: 0,
      out: `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
FWM  256 rr
  -> 10.0.0.5:0                   Masq    1      0          1         
  -> 10.0.0.6:0                   Masq    1      0          2         
`,
    });
    const stats = sh(world, sbox, 'ipvsadm -ln --stats').out.split('\n');
    expect(stats.slice(0, 3)).toEqual([
      'IP Virtual Server version 1.2.1 (size=4096)',
      'Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes',
      '  -> RemoteAddress:Port',
    ]);
    const svc = stats[3]!.split(/\s+/);
    expect(svc.slice(0, 3)).toEqual(['FWM', '256', '3']);
    expect(Number(svc[3])).toBeGreaterThanOrEqual(9); // SYN, ACK, data (and FIN/ACKs) per connection
    expect(Number(svc[4])).toBeGreaterThanOrEqual(9);
    expect(stats[4]).toBe('  -> 10.0.0.5:0                          1        5        4      272      226');
    expect(stats[5]).toBe('  -> 10.0.0.6:0                          2       10        8      544      452');
    expect(stats[3]).toBe('FWM  256                                 3       15       12      816      678');

    // iptables counters: one DNAT per connection on the host, one SNAT per connection in the
    // sandbox, every client packet marked.
    expect(sh(world, root, 'iptables -t nat -nvL DOCKER-INGRESS').out).toContain('    3   180 DNAT       tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            tcp dpt:8080 to:172.18.0.2:8080');
    expect(sh(world, sbox, 'iptables -t nat -nvL POSTROUTING').out).toContain('    3   180 SNAT       all  --  *      *       0.0.0.0/0            10.0.0.0/24          ipvs to:10.0.0.2');
    const mangle = sh(world, sbox, 'iptables -t mangle -nvL PREROUTING').out.split('\n')[2]!;
    expect(Number(mangle.trim().split(/\s+/)[0])).toBeGreaterThanOrEqual(9);
    expect(mangle).toContain('MARK       tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            tcp dpt:8080 MARK set 0x100');
    expect(sh(world, sbox, 'ipvsadm -L --timeout').out).toBe('Timeout (tcp tcpfin udp): 900 120 300\n');
    const conns = sh(world, sbox, 'ipvsadm -lnc').out.split('\n');
    expect(conns[0]).toBe('IPVS connection entries');
    expect(conns.filter((l) => l.startsWith('TCP ')).length).toBe(3);
  });

  it('traces the mark, the IPVS choice and both NATs; weight 0 takes no new connections', () => {
    const { world, client, sbox, task1, task2 } = mesh();
    const log: string[] = [];
    server(task1, 'task1', log);
    server(task2, 'task2', log);
    shAll(world, sbox, 'ipvsadm -e -f 256 -r 10.0.0.5 -m -w 0');
    const t = new Trace();
    tcpConnect(client.root, ip('192.168.1.10'), 8080, { onConnect: (c) => c.close() }, t.start());
    world.eq.runUntil(2 * SEC);
    expect(log).toEqual(['task2 from 10.0.0.2']);
    const hops = t.legs.filter((l) => l.direction === 'request').flatMap((l) => l.hops).map((h) => `${h.kind} ${h.ns}: ${h.text}`);
    expect(hops).toContain('nf root: nat DOCKER-INGRESS #1 DNAT to:172.18.0.2:8080');
    expect(hops).toContain('nf ingress_sbox: mangle PREROUTING #1 MARK set 0x100');
    expect(hops).toContain('ipvs ingress_sbox: IPVS FWM 256 rr → 10.0.0.6:8080 (Masq)');
    expect(hops).toContain('nf ingress_sbox: nat POSTROUTING #1 SNAT to:10.0.0.2');
    expect(hops.some((h) => h.startsWith('nat ingress_sbox: SNAT source 192.168.1.20:'))).toBe(true);
    const reply = t.legs.filter((l) => l.direction === 'reply').flatMap((l) => l.hops).map((h) => `${h.kind} ${h.ns}: ${h.text}`);
    expect(reply).toContain('ipvs ingress_sbox: IPVS reply: source 10.0.0.6:8080 → 172.18.0.2:8080');
    expect(reply.some((h) => h.startsWith('nat root: un-DNAT source 172.18.0.2:8080 → 192.168.1.10:8080'))).toBe(true);
    expect(t.outcome('reply')!.verdict).toBe('delivered');
    expect(sh(world, sbox, 'ipvsadm -ln').out).toContain('  -> 10.0.0.5:0                   Masq    0      0          0         \n');
  });

  it('without net.ipv4.vs.conntrack the -m ipvs SNAT cannot apply and the backend cannot answer', () => {
    const { world, client, sbox, task1, task2 } = mesh();
    sbox.setSysctl('net.ipv4.vs.conntrack', '0');
    const log: string[] = [];
    server(task1, 'task1', log);
    server(task2, 'task2', log);
    let connected = false;
    tcpConnect(client.root, ip('192.168.1.10'), 8080, { onConnect: () => (connected = true) });
    world.eq.runUntil(2 * SEC);
    expect(connected).toBe(false);
    expect(sh(world, sbox, 'iptables -t nat -nvL POSTROUTING').out).toContain('    0     0 SNAT');
  });

  it('ipvsadm errors and schedulers', () => {
    const { world, sbox } = mesh();
    expect(sh(world, sbox, 'ipvsadm -A -f 256 -s rr')).toEqual({ out: 'Service already exists\n', code: 1 });
    expect(sh(world, sbox, 'ipvsadm -a -f 999 -r 10.0.0.7 -m')).toEqual({ out: 'Service not defined\n', code: 1 });
    expect(sh(world, sbox, 'ipvsadm -d -f 256 -r 10.0.0.9')).toEqual({ out: 'No such destination\n', code: 1 });
    shAll(world, sbox, `
      ipvsadm -A -t 10.0.0.100:80 -s wrr
      ipvsadm -a -t 10.0.0.100:80 -r 10.0.0.5:8080 -m -w 3
      ipvsadm -a -t 10.0.0.100:80 -r 10.0.0.6 -m -w 1
      ipvsadm -D -f 256
    `);
    expect(sh(world, sbox, 'ipvsadm -L -n').out).toBe(`IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  10.0.0.100:80 wrr
  -> 10.0.0.5:8080                Masq    3      0          0         
  -> 10.0.0.6:80                  Masq    1      0          0         
`);
    shAll(world, sbox, 'ipvsadm -C');
    expect(sh(world, sbox, 'ipvsadm -ln').out.split('\n').length).toBe(4);
  });
});
