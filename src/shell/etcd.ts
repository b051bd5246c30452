// etcd and etcdctl (3.3, v2 API as etcdctl defaults to) as seed 004 runs them from the release
// tarball's directory, and nohup.
import { parseIp4 } from '../core/addr.js';
import { memberId, startMember } from '../apps/etcd.js';
import { httpGet } from '../apps/http.js';
import type { Program } from './program.js';
import { eprintln, println } from './program.js';

function flagValues(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    if (eq > 0) out.set(a.slice(2, eq), a.slice(eq + 1));
    else out.set(a.slice(2), argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--') ? argv[++i]! : 'true');
  }
  return out;
}

/** http://ip:port → [ip, port] */
function hostPort(url: string): [number, number] | null {
  const m = /^https?:\/\/([\d.]+|localhost):(\d+)\/?$/.exec(url);
  if (m === null) return null;
  const ip = m[1] === 'localhost' ? 0x7f000001 : parseIp4(m[1]!);
  return ip === null ? null : [ip, Number(m[2])];
}

export const etcd: Program = (ctx, argv, exit) => {
  const f = flagValues(argv.slice(1));
  const name = f.get('name') ?? 'default';
  const peer = (f.get('initial-advertise-peer-urls') ?? 'http://localhost:2380').split(',');
  const client = (f.get('advertise-client-urls') ?? 'http://localhost:2379').split(',');
  const cluster = ctx.sim.etcd;
  const initial = f.get('initial-cluster');
  if (initial !== undefined && cluster.initial.size === 0) {
    for (const kv of initial.split(',')) {
      const [n, u] = kv.split('=');
      cluster.initial.set(n!, u!);
    }
  }
  const token = f.get('initial-cluster-token');
  if (token !== undefined) cluster.token = token;
  const port = hostPort((f.get('listen-client-urls') ?? client[0]!).split(',')[0]!)?.[1] ?? 2379;
  if (!startMember(cluster, { name, id: memberId(peer, cluster.token), peerUrls: peer, clientUrls: client, host: ctx.host }, port)) {
    println(ctx, `etcdmain: listen tcp :${port}: bind: address already in use`);
    return exit(1);
  }
  // It keeps running in the background (the seeds start it with nohup … &).
  exit(0);
};

export const nohup: Program = (ctx, argv, exit) => {
  if (argv.length < 2) {
    println(ctx, 'nohup: missing operand');
    return exit(125);
  }
  println(ctx, "nohup: ignoring input and appending output to 'nohup.out'");
  ctx.spawn(ctx.ns, argv.slice(1), exit);
};

export const etcdctl: Program = (ctx, argv, exit) => {
  const args = argv.slice(1).filter((a) => !a.startsWith('--endpoints'));
  const endpoint = (argv.find((a) => a.startsWith('--endpoints='))?.slice(12) ?? 'http://127.0.0.1:2379').split(',')[0]!;
  const ep = hostPort(endpoint);
  const [verb, path] = args;
  const unreachable = (): void => {
    eprintln(ctx, `Error:  client: etcd cluster is unavailable or misconfigured; error #0: dial tcp ${endpoint.replace(/^https?:\/\//, '')}: connect: connection refused`);
    println(ctx, '');
    println(ctx, `error #0: dial tcp ${endpoint.replace(/^https?:\/\//, '')}: connect: connection refused`);
    println(ctx, '');
    exit(4);
  };
  if (ep === null) return unreachable();
  if (verb === 'cluster-health') {
    httpGet(ctx.ns, ep[0], ep[1], endpoint.replace(/^https?:\/\//, ''), '/v2/members', 'etcdctl', (r) => {
      if (r.errno !== 0) return unreachable();
      const members = (JSON.parse(r.body) as { members: Array<{ id: string; clientURLs: string[] }> }).members;
      let healthy = 0;
      const next = (i: number): void => {
        if (i === members.length) {
          println(ctx, healthy === members.length ? 'cluster is healthy' : healthy > 0 ? 'cluster is degraded' : 'cluster is unavailable');
          return exit(healthy === members.length ? 0 : 5);
        }
        const m = members[i]!;
        const url = m.clientURLs[0]!;
        const hp = hostPort(url);
        if (hp === null) return next(i + 1);
        httpGet(ctx.ns, hp[0], hp[1], url.replace(/^https?:\/\//, ''), '/health', 'etcdctl', (h) => {
          if (h.errno !== 0) println(ctx, `member ${m.id} is unreachable: [${url}] are all unreachable`);
          else if (h.status === 200) {
            println(ctx, `member ${m.id} is healthy: got healthy result from ${url}`);
            healthy++;
          } else println(ctx, `member ${m.id} is unhealthy: got unhealthy result from ${url}`);
          next(i + 1);
        });
      };
      next(0);
    });
    return;
  }
  if (verb === 'ls') {
    httpGet(ctx.ns, ep[0], ep[1], endpoint.replace(/^https?:\/\//, ''), `/v2/keys${path ?? ''}`, 'etcdctl', (r) => {
      if (r.errno !== 0) return unreachable();
      const v = JSON.parse(r.body) as { errorCode?: number; message?: string; cause?: string; index?: number; node?: { nodes: Array<{ key: string }> } };
      if (v.errorCode !== undefined) {
        eprintln(ctx, `Error:  ${v.errorCode}: ${v.message} (${v.cause}) [${v.index}]`);
        return exit(4);
      }
      for (const n of v.node?.nodes ?? []) println(ctx, n.key);
      exit(0);
    });
    return;
  }
  println(ctx, `No help topic for '${verb ?? ''}'`);
  exit(3);
};
