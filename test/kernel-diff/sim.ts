// The simulator's side: the same steps on a fresh World. Command lines run through the emulated
// shell exactly as written; the TCP/UDP probes and listeners use the kernel's socket API the way
// the real side's agent uses the Linux one (fixed source port, connected UDP socket).
import { formatIp4, parseIp4 } from '../../src/core/addr.js';
import { ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED } from '../../src/wire/packet.js';
import { icmpErrConvert } from '../../src/kernel/icmp.js';
import type { Packet } from '../../src/wire/packet.js';
import { World } from '../../src/kernel/world.js';
import type { Host } from '../../src/kernel/host.js';
import type { Netns } from '../../src/kernel/netns.js';
import { tcpConnect, tcpListen } from '../../src/kernel/tcp.js';
import { udpSend } from '../../src/kernel/udp.js';
import { routeConnectErrno } from '../../src/kernel/ipv4.js';
import { startCommand } from '../../src/shell/exec.js';
import { Simulation } from '../../src/scenario/simulation.js';
import { MS, SEC } from '../../src/sim/clock.js';
import type { Case, Outcome, Step } from './model.js';
import { NETNS_SYSCTLS, PROBE_MS, SNMP_WAIT_MS, describeStep, normaliseCounters, normalisePing, normaliseSnmp, transferLines } from './model.js';
import { seenLine } from './real.js';

export const ERRNO: Record<number, string> = {
  1: 'EPERM', 13: 'EACCES', 22: 'EINVAL', 90: 'EMSGSIZE', 101: 'ENETUNREACH', 104: 'ECONNRESET',
  110: 'ETIMEDOUT', 105: 'ENOBUFS', 95: 'EOPNOTSUPP', 111: 'ECONNREFUSED', 113: 'EHOSTUNREACH', 92: 'ENOPROTOOPT', 112: 'EHOSTDOWN', 64: 'ENONET',
};

/** What a connected UDP socket without IP_RECVERR reports for an ICMP error (__udp4_lib_err):
 *  hard errors only (icmp_err_convert), and EMSGSIZE for "fragmentation needed". */
function udpIcmpErrno(err: Packet): string | null {
  if (err.icmpType === ICMP_DEST_UNREACH && err.icmpCode === ICMP_FRAG_NEEDED) return 'EMSGSIZE';
  const c = icmpErrConvert(err.icmpType, err.icmpCode);
  if (c === null || !c.fatal) return null;
  return ERRNO[c.errno] ?? String(c.errno);
}

interface Seen {
  proto: string;
  peer: string;
  local: string;
}

/**
 * Runs the case in a fresh World. `times` (ms since the case started, per step, from the real
 * run) lets each step start at the same moment on the simulated clock as it did on the real one,
 * so that timers running across steps (ARP retries, retransmissions) line up on both sides.
 */
export function runSim(c: Case, seed: number, times: number[] = []): Outcome[] {
  const world = new World(seed);
  const sim = new Simulation(world);
  const host = world.addHost('kd', 0xc0a8fe01, 24);
  const seen: Seen[] = [];
  const outcomes: Outcome[] = [];
  c.steps.forEach((s, i) => {
    const t = times[i];
    if (t !== undefined && world.eq.now < t * MS) world.eq.runWhile(() => true, Math.round(t * MS));
    outcomes.push(step(sim, host, s, seen));
  });
  return outcomes;
}

function shell(sim: Simulation, host: Host, line: string): { out: string; code: number } {
  const world = sim.world;
  let out = '';
  const c = startCommand(sim, host, host.root, line, { write: (t) => (out += t) });
  world.eq.runWhile(() => !c.done, world.eq.now + 3600 * SEC);
  if (!c.done) return { out: out + '(did not finish)', code: -1 };
  return { out, code: c.code };
}

function nsOf(host: Host, name: string): Netns {
  const ns = host.named.get(name);
  if (ns === undefined) throw new Error(`no namespace ${name}`);
  return ns;
}

function step(sim: Simulation, host: Host, s: Step, seen: Seen[]): Outcome {
  const world = sim.world;
  const eq = world.eq;
  switch (s.kind) {
    case 'cmd': {
      const code = shell(sim, host, s.line).code;
      const m = /^ip netns add (\S+)$/.exec(s.line);
      if (m && code === 0) {
        // As the real side does for every namespace it creates (NETNS_SYSCTLS in model.ts).
        const set = shell(sim, host, `ip netns exec ${m[1]} sysctl -qw ${NETNS_SYSCTLS.join(' ')}`);
        if (set.code !== 0) return [`exit ${code}`, `harness sysctls failed: ${set.out.trim()}`];
      }
      return [`exit ${code}`];
    }
    case 'listen': {
      const ns = host.named.get(s.ns);
      if (ns === undefined) return ['listen failed: no namespace'];
      if (s.proto === 'tcp') {
        const l = tcpListen(ns, s.port, 0, (conn) => {
          seen.push({ proto: 'tcp', peer: `${formatIp4(conn.raddr)}:${conn.rport}`, local: `${formatIp4(conn.laddr)}:${conn.lport}` });
          return {};
        });
        return [l !== null ? 'listening' : 'listen failed: EADDRINUSE'];
      }
      const ok = ns.sockets.bindUdp({
        port: s.port,
        addr: 0,
        kernel: false,
        onDatagram(pkt) {
          seen.push({ proto: 'udp', peer: `${formatIp4(pkt.ipSrc)}:${pkt.sport}`, local: `*:${s.port}` });
          // An unconnected socket bound to 0.0.0.0 answers from the address routing picks.
          udpSend(ns, 0, s.port, pkt.ipSrc, pkt.sport, new Uint8Array([0x72]), null, eq.now);
        },
      });
      return [ok ? 'listening' : 'listen failed: EADDRINUSE'];
    }
    case 'ping': {
      const r = shell(sim, host, describeStep(s));
      return [normalisePing(r.out, r.code)];
    }
    case 'tcp':
    case 'udp': {
      seen.length = 0;
      const ns = nsOf(host, s.ns);
      const dst = parseIp4(s.dst)!;
      let result: string | null = null;
      const start = eq.now;
      if (s.kind === 'tcp') {
        const c = tcpConnect(ns, dst, s.dport, {
          onConnect: () => (result ??= 'connected'),
          onError: (_c, errno) => (result ??= ERRNO[errno] ?? String(errno)),
        }, null, s.sport);
        if (typeof c === 'number') result = ERRNO[c] ?? String(c);
        else {
          eq.runWhile(() => result === null, start + PROBE_MS * MS);
          if (result === null) {
            result = 'timeout';
            c.abort();
          }
        }
      } else {
        const cerr = routeConnectErrno(ns, dst);
        if (cerr !== 0) result = ERRNO[cerr] ?? String(cerr);
        else {
          ns.sockets.bindUdp({
            port: s.sport,
            addr: 0,
            kernel: false,
            onDatagram: (pkt) => {
              if (pkt.ipSrc === dst && pkt.sport === s.dport) result ??= `reply from ${formatIp4(pkt.ipSrc)}:${pkt.sport}`;
            },
            onError: (err) => {
              const e = udpIcmpErrno(err);
              if (e !== null) result ??= e;
            },
          });
          const rc = udpSend(ns, 0, s.sport, dst, s.dport, new Uint8Array([0x78]), null, eq.now);
          if (rc !== 0) result = ERRNO[rc] ?? String(rc);
          eq.runWhile(() => result === null, start + PROBE_MS * MS);
          result ??= 'timeout';
          ns.sockets.unbindUdp(s.sport);
        }
      }
      // As the real side waits for listener reports, let the simulated clock run a little.
      eq.runWhile(() => true, eq.now + 40 * MS);
      return [`${result}; ${seenLine(seen)}`];
    }
    case 'counters': {
      const r = shell(sim, host, describeStep(s));
      return normaliseCounters(r.out, r.code);
    }
    case 'snmp': {
      const snmp = shell(sim, host, `ip netns exec ${s.ns} cat /proc/net/snmp`);
      const links = shell(sim, host, `ip netns exec ${s.ns} ip -s link`);
      return normaliseSnmp(snmp.out, snmp.code, links.out, links.code);
    }
    case 'settle':
      // The real side waited; the next step's time, taken after the wait, moves the clock here.
      return ['settled'];
    case 'real':
      return ['done'];
    case 'transfer':
      return transfer(world, host, s);
  }
}

/** The transfer step with the kernel's sockets, as the real side's agent does it with Linux's. */
function transfer(world: World, host: Host, s: Extract<Step, { kind: 'transfer' }>): Outcome {
  const eq = world.eq;
  const cns = nsOf(host, s.client);
  const sns = nsOf(host, s.server);
  const l = tcpListen(sns, s.port, 0, () => {
    let asked = false;
    return {
      onData: (c) => {
        if (!asked) {
          asked = true;
          c.send(s.size);
        } else c.close();
      },
      onPeerClose: (c) => c.close(),
    };
  });
  if (l === null) return ['harness transfer server failed: EADDRINUSE'];
  let got = 0;
  let said = false;
  let end: string | null = null;
  const start = eq.now;
  const c = tcpConnect(cns, parseIp4(s.dst)!, s.port, {
    onConnect: (cn) => cn.send(new TextEncoder().encode('GET\n')),
    onData: (cn, d) => {
      got += d.length;
      if (got >= s.size && !said) {
        said = true;
        cn.send(new TextEncoder().encode('d'));
      }
    },
    onPeerClose: (cn) => {
      end ??= 'closed';
      cn.close();
    },
    onError: (_c, errno) => (end ??= ERRNO[errno] ?? String(errno)),
  }, null, s.sport ?? 0);
  if (typeof c === 'number') end = ERRNO[c] ?? String(c);
  else {
    eq.runWhile(() => end === null, start + s.ms * MS);
    if (end === null) {
      end = 'timeout';
      // Node's destroy() on the real side: the socket goes.
      c.abort();
    }
  }
  eq.runWhile(() => true, eq.now + SNMP_WAIT_MS * MS);
  const counts = (ns: Netns) => ({ out: ns.snmp.Tcp.OutSegs, retrans: ns.snmp.Tcp.RetransSegs });
  return transferLines(s, got, end, counts(cns), counts(sns));
}
