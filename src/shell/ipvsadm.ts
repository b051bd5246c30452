// `ipvsadm` (1.27, the CentOS 7 one): add, edit and delete virtual services and real servers,
// list them (-L -n, --stats, --timeout, -c), zero counters, set timeouts. Output follows
// ipvsadm.c's printf formats column for column.
import { formatIp4, parseIp4 } from '../core/addr.js';
import { TCP_STATE_NAMES } from '../kernel/ipvs/conn.js';
import { IpvsError } from '../kernel/ipvs/ipvs.js';
import type { Ipvs, ServiceKey } from '../kernel/ipvs/ipvs.js';
import type { FwdMethod, IpvsService, IpvsStats } from '../kernel/ipvs/service.js';
import { nfOf } from '../kernel/netfilter/netfilter.js';
import { SEC } from '../sim/clock.js';
import type { Program } from './program.js';

class Usage extends Error {}

function serviceName(s: IpvsService): string {
  if (s.fwmark !== 0) return `FWM  ${s.fwmark}`;
  return `${s.proto === 6 ? 'TCP' : 'UDP'}  ${formatIp4(s.addr)}:${s.port}`.slice(0, 33);
}

/** print_largenum of ipvsadm. */
function largenum(n: number, exact: boolean): string {
  if (exact) {
    const t = String(n);
    return t.padStart(t.length <= 8 ? 9 : t.length + 1);
  }
  if (n < 100000000) return String(n).padStart(9);
  if (n < 1000000000) return `${String(Math.floor(n / 1000)).padStart(8)}K`;
  if (n < 1000000000000) return `${String(Math.floor(n / 1000000)).padStart(8)}M`;
  return `${String(Math.floor(n / 1000000000)).padStart(8)}G`;
}

function statsCols(s: IpvsStats, exact: boolean): string {
  return largenum(s.conns, exact) + largenum(s.inpkts, exact) + largenum(s.outpkts, exact) + largenum(s.inbytes, exact) + largenum(s.outbytes, exact);
}

function sortedServices(ipvs: Ipvs): IpvsService[] {
  return [...ipvs.services].sort((a, b) => (a.fwmark !== 0) !== (b.fwmark !== 0) ? (a.fwmark !== 0 ? 1 : -1)
    : a.fwmark !== b.fwmark ? a.fwmark - b.fwmark : a.proto !== b.proto ? a.proto - b.proto : a.addr !== b.addr ? a.addr - b.addr : a.port - b.port);
}

export function listIpvs(ipvs: Ipvs, opts: { stats: boolean; exact: boolean; only: IpvsService | null }): string {
  let s = 'IP Virtual Server version 1.2.1 (size=4096)\n';
  s += opts.stats
    ? 'Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n  -> RemoteAddress:Port\n'
    : 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';
  for (const svc of opts.only !== null ? [opts.only] : sortedServices(ipvs)) {
    if (opts.stats) s += `${serviceName(svc).padEnd(33)}${statsCols(svc.stats, opts.exact)}\n`;
    else s += `${serviceName(svc)} ${svc.sched.name}${svc.persistent > 0 ? ` persistent ${svc.persistent}` : ''}\n`;
    const dests = [...svc.dests].sort((a, b) => a.addr - b.addr || a.port - b.port);
    for (const d of dests) {
      const dname = `${formatIp4(d.addr)}:${d.port}`;
      if (opts.stats) s += `  -> ${dname.padEnd(28)}${statsCols(d.stats, opts.exact)}\n`;
      else s += `  -> ${dname.padEnd(28)} ${d.fwd.padEnd(7)} ${String(d.weight).padEnd(6)} ${String(d.activeConns).padEnd(10)} ${String(d.inactConns).padEnd(10)}\n`;
    }
  }
  return s;
}

export function listConns(ipvs: Ipvs, now: number): string {
  let s = 'IPVS connection entries\npro expire state       source             virtual            destination\n';
  for (const c of ipvs.conns.all) {
    const left = Math.max(0, Math.floor((c.expires - now) / SEC));
    const state = c.proto === 6 ? TCP_STATE_NAMES[c.state]! : 'UDP';
    const mm = String(Math.floor(left / 60)).padStart(2, '0');
    const ss = String(left % 60).padStart(2, '0');
    s += `${(c.proto === 6 ? 'TCP' : 'UDP').padEnd(3)} ${mm}:${ss}  ${state.padEnd(11)} ${`${formatIp4(c.caddr)}:${c.cport}`.padEnd(18)} ${`${formatIp4(c.vaddr)}:${c.vport}`.padEnd(18)} ${`${formatIp4(c.daddr)}:${c.dport}`.padEnd(18)}\n`;
  }
  return s;
}

function parseService(kind: string, text: string): ServiceKey {
  if (kind === 'f') {
    // ipvsadm 1.27 parse_fwmark: strtoul, 1..UINT_MAX.
    if (!/^\d+$/.test(text) || Number(text) === 0 || Number(text) > 0xffffffff) throw new Usage(`invalid fwmark value \`${text}' specified`);
    return { fwmark: Number(text), proto: 0, addr: 0, port: 0 };
  }
  const m = /^([\d.]+)(?::(\d+))?$/.exec(text);
  const addr = m === null ? null : parseIp4(m[1]!);
  if (m === null || addr === null || Number(m[2] ?? 0) > 65535) throw new Usage('illegal virtual server address[:port] specified');
  return { fwmark: 0, proto: kind === 't' ? 6 : 17, addr, port: m[2] === undefined ? 0 : Number(m[2]) };
}

function parseServer(text: string): [number, number] {
  const m = /^([\d.]+)(?::(\d+))?$/.exec(text);
  const addr = m === null ? null : parseIp4(m[1]!);
  if (m === null || addr === null || Number(m[2] ?? 0) > 65535) throw new Usage('illegal real server address[:port] specified');
  return [addr, m[2] === undefined ? 0 : Number(m[2])];
}

const LONG: Record<string, string> = {
  '--add-service': 'A', '--edit-service': 'E', '--delete-service': 'D', '--clear': 'C', '--add-server': 'a',
  '--edit-server': 'e', '--delete-server': 'd', '--list': 'L', '--zero': 'Z', '--tcp-service': 't',
  '--udp-service': 'u', '--fwmark-service': 'f', '--scheduler': 's', '--persistent': 'p', '--real-server': 'r',
  '--gatewaying': 'g', '--masquerading': 'm', '--ipip': 'i', '--weight': 'w', '--numeric': 'n', '--connection': 'c',
  '--save': 'S', '--set': 'set', '--stats': 'stats', '--rate': 'rate', '--timeout': 'timeout', '--exact': 'X',
};

export const ipvsadm: Program = (ctx, argv, exit) => {
  const nf = nfOf(ctx.ns);
  const ipvs = nf.ipvs;
  try {
    let cmd: string | null = null;
    let svcKey: ServiceKey | null = null;
    let sched = 'wlc';
    let persistent = 0;
    let server: [number, number] | null = null;
    let fwd: FwdMethod = 'Route';
    let weight = 1;
    let stats = false;
    let timeout = false;
    let conns = false;
    let exact = false;
    let setArgs: number[] = [];
    const args = argv.slice(1);
    const setCmd = (c: string): void => {
      if (cmd !== null && cmd !== c) throw new Usage('Only one command may be specified');
      cmd = c;
    };
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      let opts: string[];
      if (a.startsWith('--')) {
        const o = LONG[a];
        if (o === undefined) throw new Usage(`unknown option ${a}`);
        opts = [o];
      } else if (a.startsWith('-') && a.length > 1) {
        opts = a.slice(1).split('');
      } else throw new Usage(`unexpected argument ${a}`);
      for (const o of opts) {
        const need = (): string => {
          const v = args[++i];
          if (v === undefined) throw new Usage(`option requires an argument -- '${o}'`);
          return v;
        };
        switch (o) {
          case 'A': case 'E': case 'D': case 'C': case 'a': case 'e': case 'd': case 'Z': case 'S':
            setCmd(o);
            break;
          case 'L': case 'l':
            setCmd('L');
            break;
          case 't': case 'u': case 'f':
            svcKey = parseService(o, need());
            break;
          case 's':
            sched = need();
            break;
          case 'p':
            persistent = 300;
            if (args[i + 1] !== undefined && /^\d+$/.test(args[i + 1]!)) {
              persistent = Number(args[++i]);
              // 1 s to MAX_TIMEOUT (31 days).
              if (persistent < 1 || persistent > 86400 * 31) throw new Usage('illegal timeout for persistent service');
            }
            break;
          case 'r':
            server = parseServer(need());
            break;
          case 'g':
            fwd = 'Route';
            break;
          case 'm':
            fwd = 'Masq';
            break;
          case 'i':
            fwd = 'Tunnel';
            break;
          case 'w': {
            const v = need();
            if (!/^\d+$/.test(v) || Number(v) > 65535) throw new Usage('illegal weight specified');
            weight = Number(v);
            break;
          }
          case 'n':
            break;
          case 'c':
            conns = true;
            break;
          case 'X':
            exact = true;
            break;
          case 'stats':
            stats = true;
            break;
          case 'rate':
            stats = true;
            break;
          case 'timeout':
            timeout = true;
            break;
          case 'set':
            setCmd('set');
            setArgs = [need(), need(), need()].map((v) => {
              // parse_timeout: a number of seconds up to INT_MAX (a NaN would reach the clock).
              if (!/^\d+$/.test(v) || Number(v) > 2147483647) throw new Usage(`invalid timeout value \`${v}' specified`);
              return Number(v);
            }) as [number, number, number];
            break;
          default:
            throw new Usage(`invalid option -- '${o}'`);
        }
      }
    }
    const c = cmd as string | null;
    if (c === null) {
      ctx.term.write(listIpvs(ipvs, { stats, exact, only: null }));
      exit(0);
      return;
    }
    const needSvc = (): ServiceKey => {
      if (svcKey === null) throw new Usage('Service address not specified');
      return svcKey;
    };
    const now = ctx.world.eq.now;
    switch (c) {
      case 'A':
        ipvs.addService(needSvc(), sched, persistent);
        break;
      case 'E':
        ipvs.editService(needSvc(), sched, persistent);
        break;
      case 'D':
        ipvs.delService(needSvc());
        break;
      case 'C':
        ipvs.clear();
        break;
      case 'a':
      case 'e': {
        const k = needSvc();
        if (server === null) throw new Usage('No destination specified');
        const [addr, port] = server;
        if (c === 'a') ipvs.addDest(k, addr, port, weight, fwd);
        else ipvs.editDest(k, addr, port, weight, fwd);
        break;
      }
      case 'd': {
        const k = needSvc();
        if (server === null) throw new Usage('No destination specified');
        ipvs.delDest(k, server[0], server[1]);
        break;
      }
      case 'Z':
        for (const s of ipvs.services) {
          s.stats.clear();
          for (const d of s.dests) d.stats.clear();
        }
        break;
      case 'set':
        if (setArgs[0]! > 0) ipvs.timeouts.tcp = setArgs[0]!;
        if (setArgs[1]! > 0) ipvs.timeouts.tcpfin = setArgs[1]!;
        if (setArgs[2]! > 0) ipvs.timeouts.udp = setArgs[2]!;
        break;
      case 'S':
        for (const s of sortedServices(ipvs)) {
          const sv = s.fwmark !== 0 ? `-f ${s.fwmark}` : `${s.proto === 6 ? '-t' : '-u'} ${formatIp4(s.addr)}:${s.port}`;
          ctx.term.write(`-A ${sv} -s ${s.sched.name}${s.persistent > 0 ? ` -p ${s.persistent}` : ''}\n`);
          for (const d of s.dests) {
            const f = d.fwd === 'Masq' ? '-m' : d.fwd === 'Tunnel' ? '-i' : '-g';
            ctx.term.write(`-a ${sv} -r ${formatIp4(d.addr)}:${d.port} ${f} -w ${d.weight}\n`);
          }
        }
        break;
      case 'L':
        if (timeout) {
          const t = ipvs.timeouts;
          ctx.term.write(`Timeout (tcp tcpfin udp): ${t.tcp} ${t.tcpfin} ${t.udp}\n`);
        } else if (conns) ctx.term.write(listConns(ipvs, now));
        else {
          let only: IpvsService | null = null;
          if (svcKey !== null) {
            only = ipvs.find(svcKey) ?? null;
            if (only === null) throw new IpvsError('No such service');
          }
          // The counts follow the entries: those whose timer ran out are gone (ip_vs_conn_expire).
          ctx.term.write(listIpvs(ipvs, { stats, exact, only }));
        }
        break;
    }
    exit(0);
  } catch (e) {
    if (e instanceof IpvsError) {
      ctx.term.write(`${e.message}\n`);
      exit(1);
      return;
    }
    if (e instanceof Usage) {
      ctx.term.write(`${e.message}\nTry \`ipvsadm -h' or 'ipvsadm --help' for more information.\n`);
      exit(2);
      return;
    }
    throw e;
  }
};
