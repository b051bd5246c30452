// docker swarm init | join | join-token | leave, and docker node ls | inspect | update | promote |
// demote | rm — the cluster as the docker CLI shows it.
import { formatIp4, parseIp4 } from '../../core/addr.js';
import { JOIN_TIMEOUT_MESSAGE } from '../../agent/swarm-world.js';
import type { Daemon } from '../../docker/daemon.js';
import { SwarmError } from '../../swarm/cluster.js';
import type { SwarmCluster } from '../../swarm/cluster.js';
import type { SwarmNode } from '../../swarm/model.js';
import { rfc3339Nano, SEC } from '../../sim/clock.js';
import type { Ctx } from '../program.js';
import { eprintln, println } from '../program.js';
import { formatRows, goJson, NODE_CONTEXT } from '../table.js';
import { collect, parseFlags, subcommand } from './common.js';
import { objectBytes } from '../../swarm/raft-entry.js';
import { controlCall, inTurn, removeCall, whenCommitted } from './raftwait.js';
import type { ControlCall } from './raftwait.js';

type Exit = (code: number) => void;

/** controlapi UpdateNode: the request carries the node's spec, the entry the whole Node
 *  (swarm/raft-entry.ts objectBytes), and the answer returns it. */
function updateNodeCall(n: SwarmNode): ControlCall {
  return controlCall('UpdateNode', `node update ${n.hostname}`, objectBytes(n));
}

/** moby 19.03 daemon/cluster/cluster.go swarmConnectTimeout. */
const JOIN_TIMEOUT = 20 * SEC;

/** `Joined at` as docker/cli prints it: command.PrettyPrint of the time, i.e. Go's
 *  time.Time.String() ("2006-01-02 15:04:05.999999999 -0700 MST": the fraction without trailing
 *  zeros) through capitalizeFirst, which lower-cases all but the first character — hence "utc"
 *  (cli/command/node/testdata/node-inspect-pretty.manager-leader.golden). */
function goTimeString(t: number): string {
  // rfc3339Nano has the same fraction (2020-10-21T02:43:59.755068648Z)
  return `${rfc3339Nano(t).replace('T', ' ').replace(/Z$/, '')} +0000 utc`;
}

export function daemonError(ctx: Ctx, exit: Exit, e: unknown): void {
  if (e instanceof SwarmError) {
    eprintln(ctx, `Error response from daemon: ${e.message}`);
    return exit(1);
  }
  throw e;
}

/** The cluster, when this host is a manager with quorum (else the error is printed). */
export function managerCluster(ctx: Ctx, d: Daemon, exit: Exit): SwarmCluster | null {
  const sw = ctx.sim.swarm;
  const cluster = sw.cluster;
  if (cluster === null || cluster.nodeFor(d.host.name) === null) {
    eprintln(ctx, 'Error response from daemon: This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.');
    exit(1);
    return null;
  }
  try {
    cluster.checkManager(d.host.name);
    return cluster;
  } catch (e) {
    daemonError(ctx, exit, e);
    return null;
  }
}

function joinHint(cluster: SwarmCluster, role: 'worker' | 'manager', addr: string): string {
  return `To add a ${role} to this swarm, run the following command:\n\n    docker swarm join --token ${role === 'worker' ? cluster.workerToken : cluster.managerToken} ${addr}:2377\n`;
}

function advertiseOf(cluster: SwarmCluster, d: Daemon): string {
  return formatIp4(cluster.nodeFor(d.host.name)?.addr ?? 0);
}

export function dockerSwarm(ctx: Ctx, d: Daemon, args: string[], exit: Exit): void {
  const [verb, ...rest] = args;
  const sw = ctx.sim.swarm;
  switch (verb) {
    case 'init': {
      const cmd = subcommand('init').option('--advertise-addr <addr>').option('--listen-addr <addr>').option('--data-path-addr <addr>').option('--data-path-port <port>')
        .option('--default-addr-pool <cidr>', '', collect, []).option('--default-addr-pool-mask-length <n>').option('--force-new-cluster');
      if (!parseFlags(ctx, cmd, rest, 'swarm init', exit)) return;
      const o = cmd.opts<{ advertiseAddr?: string; dataPathAddr?: string; dataPathPort?: string; defaultAddrPool: string[]; defaultAddrPoolMaskLength?: string }>();
      // pflag's Uint32Var: a value that is not a number is refused before anything is sent.
      for (const [flag, v] of [['data-path-port', o.dataPathPort], ['default-addr-pool-mask-length', o.defaultAddrPoolMaskLength]] as const) {
        if (v !== undefined && !/^\d+$/.test(v)) {
          eprintln(ctx, `invalid argument "${v}" for "--${flag}" flag: strconv.ParseUint: parsing "${v}": invalid syntax`);
          eprintln(ctx, "See 'docker swarm init --help'.");
          return exit(125);
        }
      }
      const dataAddr = dataPathAddr(d, o.dataPathAddr);
      if (dataAddr === null) {
        eprintln(ctx, 'Error response from daemon: must specify a valid IP address or interface name');
        return exit(1);
      }
      const addrText = o.advertiseAddr?.split(':')[0];
      const addr = addrText === undefined ? d.host.root.device('eth0')?.primaryAddr() ?? null : parseIp4(addrText);
      if (addr === null) {
        eprintln(ctx, `Error response from daemon: advertise address must be a non-zero IP address or network interface (with optional port number)`);
        return exit(1);
      }
      try {
        const node = sw.init(d, addr, {
          pools: o.defaultAddrPool, maskLength: o.defaultAddrPoolMaskLength === undefined ? undefined : Number(o.defaultAddrPoolMaskLength),
          dataPathPort: o.dataPathPort === undefined ? undefined : Number(o.dataPathPort), dataPathAddr: dataAddr === undefined ? undefined : dataAddr,
        });
        const cluster = sw.cluster!;
        println(ctx, `Swarm initialized: current node (${node.id}) is now a manager.`);
        println(ctx, '');
        ctx.term.write(joinHint(cluster, 'worker', formatIp4(addr)));
        println(ctx, '');
        println(ctx, "To add a manager to this swarm, run 'docker swarm join-token manager' and follow the instructions.");
        println(ctx, '');
        exit(0);
      } catch (e) {
        daemonError(ctx, exit, e);
      }
      return;
    }
    case 'join': {
      const cmd = subcommand('join').option('--token <token>').option('--advertise-addr <addr>').option('--listen-addr <addr>').option('--data-path-addr <addr>').argument('[remote]');
      if (!parseFlags(ctx, cmd, rest, 'swarm join', exit)) return;
      const o = cmd.opts<{ token?: string; advertiseAddr?: string; dataPathAddr?: string }>();
      const dataAddr = dataPathAddr(d, o.dataPathAddr);
      if (dataAddr === null) {
        eprintln(ctx, 'Error response from daemon: must specify a valid IP address or interface name');
        return exit(1);
      }
      const remote = cmd.args[0];
      if (remote === undefined) {
        eprintln(ctx, '"docker swarm join" requires exactly 1 argument.');
        return exit(1);
      }
      // Without --advertise-addr the node is known by the address it reaches the manager from
      // (the interface its route to the manager leaves by: eth1 on the seeds' two-NIC hosts).
      const managerIp = parseIp4(remote.split(':')[0]!);
      const via = managerIp === null ? null : d.host.root.mainTable.lookup(managerIp)?.dev?.primaryAddr() ?? null;
      const addr = o.advertiseAddr !== undefined ? parseIp4(o.advertiseAddr.split(':')[0]!) : via ?? d.host.root.device('eth0')?.primaryAddr() ?? null;
      // The daemon waits swarmConnectTimeout (20 s, moby daemon/cluster/cluster.go) for the node
      // to join; past it the call fails and the node keeps trying in the background.
      let finished = false;
      const finish = (text: string, code: number): void => {
        if (finished) return;
        finished = true;
        (code === 0 ? println : eprintln)(ctx, text);
        exit(code);
      };
      try {
        sw.join(d, addr ?? 0, o.advertiseAddr !== undefined, o.token ?? '', remote, (r) => {
          if ('node' in r) finish(`This node joined a swarm as a ${r.node.role}.`, 0);
          else finish(`Error response from daemon: ${r.error}`, 1);
        }, dataAddr);
      } catch (e) {
        finished = true;
        daemonError(ctx, exit, e);
        return;
      }
      if (!finished) ctx.world.eq.after(JOIN_TIMEOUT, () => finish(`Error response from daemon: ${JOIN_TIMEOUT_MESSAGE}`, 1));
      return;
    }
    case 'join-token': {
      const role = rest.find((a) => !a.startsWith('-'));
      const cluster = managerCluster(ctx, d, exit);
      if (cluster === null) return;
      if (role !== 'worker' && role !== 'manager') {
        eprintln(ctx, `unknown role ${role ?? ''}`);
        return exit(1);
      }
      if (rest.includes('-q') || rest.includes('--quiet')) println(ctx, role === 'worker' ? cluster.workerToken : cluster.managerToken);
      else {
        ctx.term.write(joinHint(cluster, role, advertiseOf(cluster, d)));
        println(ctx, '');
      }
      return exit(0);
    }
    case 'leave': {
      try {
        sw.leave(d, rest.includes('--force') || rest.includes('-f'));
        println(ctx, 'Node left the swarm.');
        exit(0);
      } catch (e) {
        daemonError(ctx, exit, e);
      }
      return;
    }
  }
  eprintln(ctx, '');
  eprintln(ctx, 'Usage:\tdocker swarm COMMAND');
  exit(verb === undefined ? 0 : 1);
}

function findNode(cluster: SwarmCluster, ref: string, selfHost: string): SwarmNode | null {
  if (ref === 'self') return cluster.nodeFor(selfHost);
  for (const n of cluster.nodes.values()) if (n.hostname === ref || n.id === ref) return n;
  const byId = [...cluster.nodes.values()].filter((n) => n.id.startsWith(ref));
  return byId.length === 1 ? byId[0]! : null;
}

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

function nodeJson(cluster: SwarmCluster, n: SwarmNode): object {
  return {
    ID: n.id,
    Version: { Index: 9 },
    CreatedAt: rfc3339Nano(n.joinedAt),
    UpdatedAt: rfc3339Nano(cluster.now),
    Spec: { Labels: { ...n.labels }, Role: n.role, Availability: n.availability },
    Description: {
      Hostname: n.hostname,
      Platform: { Architecture: 'x86_64', OS: 'linux' },
      Resources: { NanoCPUs: n.cpus, MemoryBytes: n.memory },
      Engine: { EngineVersion: '19.03.13', Plugins: [{ Type: 'Network', Name: 'overlay' }] },
    },
    Status: { State: n.status, Addr: formatIp4(n.addr) },
    ...(n.role === 'manager' ? { ManagerStatus: { Leader: cluster.managerStatus(n) === 'Leader', Reachability: cluster.managerStatus(n) === 'Unreachable' ? 'unreachable' : 'reachable', Addr: `${formatIp4(n.addr)}:2377` } } : {}),
  };
}

function nodePretty(cluster: SwarmCluster, n: SwarmNode): string {
  const lines = [`ID:\t\t\t${n.id}`];
  const labels = Object.entries(n.labels);
  if (labels.length > 0) {
    lines.push('Labels:');
    for (const [k, v] of labels) lines.push(` - ${k}=${v}`);
  }
  lines.push(`Hostname:              \t${n.hostname}`, `Joined at:             \t${goTimeString(n.joinedAt)}`);
  lines.push('Status:', ` State:\t\t\t${cap(n.status)}`, ` Availability:         \t${cap(n.availability)}`, ` Address:\t\t${formatIp4(n.addr)}`);
  if (n.role === 'manager') lines.push('Manager Status:', ` Address:\t\t${formatIp4(n.addr)}:2377`, ` Raft Status:\t\t${cluster.managerStatus(n) === 'Unreachable' ? 'Unreachable' : 'Reachable'}`, ` Leader:\t\t${cluster.managerStatus(n) === 'Leader' ? 'Yes' : 'No'}`);
  lines.push('Platform:', ' Operating System:\tlinux', ' Architecture:\t\tx86_64', 'Resources:', ` CPUs:\t\t\t${n.cpus / 1e9}`, ` Memory:\t\t${(n.memory / 1024 ** 3).toFixed(3)}GiB`, 'Engine Version:\t\t19.03.13');
  return lines.join('\n') + '\n';
}

/**
 * `--data-path-addr`: an IPv4 address, or an interface whose address is taken (moby
 * listen_addr.go resolveDataPathAddr); undefined when not given, null when neither.
 */
function dataPathAddr(d: Daemon, v: string | undefined): number | undefined | null {
  if (v === undefined || v === '') return undefined;
  const ip = parseIp4(v);
  if (ip !== null) return ip;
  const dev = d.host.root.device(v);
  return dev?.primaryAddr() ?? null;
}

/**
 * `node ls -f`: the daemon's node filters (19.03 daemon/cluster/filters.go newListNodesFilters:
 * id and name prefixes, label, membership, role); values of one key are alternatives, keys must
 * all hold. null (after the daemon's refusal) for an unknown key or role.
 */
function nodeFilter(ctx: Ctx, filters: string[]): ((n: SwarmNode) => boolean) | null {
  const byKey = new Map<string, string[]>();
  for (const f of filters) {
    const i = f.indexOf('=');
    const k = i < 0 ? f : f.slice(0, i);
    if (!['id', 'label', 'name', 'membership', 'role'].includes(k)) {
      eprintln(ctx, `Error response from daemon: Invalid filter '${k}'`);
      return null;
    }
    const v = i < 0 ? '' : f.slice(i + 1);
    if (k === 'role' && v !== '' && v.toLowerCase() !== 'manager' && v.toLowerCase() !== 'worker') {
      eprintln(ctx, `Error response from daemon: Invalid role filter: '${v}'`);
      return null;
    }
    byKey.set(k, [...(byKey.get(k) ?? []), v]);
  }
  const label = (labels: Record<string, string>, v: string): boolean => {
    const j = v.indexOf('=');
    return j < 0 ? v in labels : labels[v.slice(0, j)] === v.slice(j + 1);
  };
  return (n) => [...byKey].every(([k, vs]) => vs.some((v) => {
    if (k === 'role') return v === '' || n.role === v.toLowerCase();
    if (k === 'id') return n.id.startsWith(v);
    if (k === 'name') return n.hostname.startsWith(v);
    if (k === 'membership') return v === 'accepted';
    return label(n.labels, v);
  }));
}

export function dockerNode(ctx: Ctx, d: Daemon, args: string[], exit: Exit): void {
  const [verb, ...rest] = args;
  const cluster = managerCluster(ctx, d, exit);
  if (cluster === null) return;
  const self = cluster.nodeFor(d.host.name)!;
  switch (verb) {
    case 'ls':
    case 'list': {
      const cmd = subcommand('ls').option('-q, --quiet').option('--format <tpl>').option('-f, --filter <f>', '', collect, []);
      if (!parseFlags(ctx, cmd, rest, 'node ls', exit)) return;
      const o = cmd.opts<{ quiet?: boolean; format?: string; filter: string[] }>();
      const keep = nodeFilter(ctx, o.filter);
      if (keep === null) return exit(1);
      const nodes = [...cluster.nodes.values()].filter(keep).sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0));
      if (o.quiet) {
        for (const n of nodes) println(ctx, n.id);
        return exit(0);
      }
      const rows = [['ID', 'HOSTNAME', 'STATUS', 'AVAILABILITY', 'MANAGER STATUS', 'ENGINE VERSION']];
      for (const n of nodes) {
        // The `*` marks the node answering; --format's {{.ID}} is the bare ID ({{.Self}} says which).
        rows.push([o.format === undefined && n === self ? `${n.id} *` : n.id, n.hostname, cap(n.status), cap(n.availability), cluster.managerStatus(n), '19.03.13']);
      }
      ctx.term.write(formatRows(rows, ['ID', 'Hostname', 'Status', 'Availability', 'ManagerStatus', 'EngineVersion'], o.format, NODE_CONTEXT));
      return exit(0);
    }
    case 'inspect': {
      const pretty = rest.includes('--pretty');
      const refs = rest.filter((a) => !a.startsWith('-'));
      const out: object[] = [];
      for (const ref of refs) {
        const n = findNode(cluster, ref, d.host.name);
        if (n === null) {
          eprintln(ctx, `Error: No such node: ${ref}`);
          return exit(1);
        }
        if (pretty) ctx.term.write(nodePretty(cluster, n));
        else out.push(nodeJson(cluster, n));
      }
      if (!pretty) println(ctx, goJson(out));
      return exit(0);
    }
    case 'promote':
    case 'demote': {
      // docker/cli node/promote.go, demote.go (updateNodes): each node in turn, NodeUpdate with
      // the new role; the first error ends the command.
      const role = verb === 'promote' ? 'manager' : 'worker';
      return inTurn(rest, (ref, next) => {
        const n = findNode(cluster, ref, d.host.name);
        if (n === null) {
          eprintln(ctx, `Error: No such node: ${ref}`);
          return exit(1);
        }
        if (n.role === role) {
          println(ctx, `Node ${n.id} is already a ${role}.`);
          return next();
        }
        // controlapi UpdateNode refuses this before proposing anything.
        if (role === 'worker' && cluster.managers().length === 1) {
          eprintln(ctx, 'Error response from daemon: rpc error: code = FailedPrecondition desc = attempting to demote the last manager of the swarm');
          return exit(1);
        }
        whenCommitted(ctx, d, updateNodeCall(n), (err) => {
          if (err !== null) {
            eprintln(ctx, err);
            return exit(1);
          }
          n.role = role;
          if (role === 'worker' && cluster.leaderId === n.id) cluster.leaderId = null;
          ctx.sim.swarm.roleChanged(n);
          cluster.commit();
          println(ctx, `Node ${ref} ${verb}d to a ${role} in the swarm.`);
          next();
        });
      }, () => exit(0));
    }
    case 'update': {
      const cmd = subcommand('update').option('--label-add <kv>', '', collect, []).option('--label-rm <k>', '', collect, []).option('--availability <a>').option('--role <r>').argument('[node]');
      if (!parseFlags(ctx, cmd, rest, 'node update', exit)) return;
      const o = cmd.opts<{ labelAdd: string[]; labelRm: string[]; availability?: string; role?: string }>();
      const ref = cmd.args[0];
      const n = ref === undefined ? null : findNode(cluster, ref, d.host.name);
      if (n === null) {
        eprintln(ctx, `Error: No such node: ${ref ?? ''}`);
        return exit(1);
      }
      if (o.availability !== undefined && !['active', 'pause', 'drain'].includes(o.availability)) {
        eprintln(ctx, `invalid argument "${o.availability}" for "--availability" flag: invalid value: ${o.availability}, expected active, pause or drain`);
        return exit(125);
      }
      // One NodeUpdate with the merged spec (node/update.go mergeNodeUpdate), applied once committed.
      return whenCommitted(ctx, d, updateNodeCall(n), (err) => {
        if (err !== null) {
          eprintln(ctx, err);
          return exit(1);
        }
        if (o.labelAdd.length + o.labelRm.length > 0) {
          cluster.store.updateNodeLabels(n, (labels) => {
            for (const kv of o.labelAdd) {
              const i = kv.indexOf('=');
              labels[i < 0 ? kv : kv.slice(0, i)] = i < 0 ? '' : kv.slice(i + 1);
            }
            for (const k of o.labelRm) delete labels[k];
          });
        }
        if (o.availability !== undefined) n.availability = o.availability as SwarmNode['availability'];
        if (o.role === 'manager' || o.role === 'worker') {
          n.role = o.role;
          ctx.sim.swarm.roleChanged(n);
        }
        cluster.commit();
        println(ctx, ref!);
        exit(0);
      });
    }
    case 'rm':
    case 'remove': {
      // docker/cli node/remove.go: each node in turn; the IDs removed printed, the errors after.
      const force = rest.includes('-f') || rest.includes('--force');
      const errs: string[] = [];
      return inTurn(rest.filter((a) => !a.startsWith('-')), (ref, next) => {
        const n = findNode(cluster, ref, d.host.name);
        if (n === null) {
          errs.push(`Error: No such node: ${ref}`);
          return next();
        }
        // controlapi RemoveNode's refusals, before anything is proposed.
        if (n.role === 'manager') {
          errs.push(`Error response from daemon: rpc error: code = FailedPrecondition desc = node ${n.id} is a cluster manager and is a member of the raft cluster. It must be demoted to worker before removal`);
          return next();
        }
        if (n.status !== 'down' && !force) {
          errs.push(`Error response from daemon: rpc error: code = FailedPrecondition desc = node ${n.id} is not down and can't be removed`);
          return next();
        }
        whenCommitted(ctx, d, removeCall('RemoveNode', `node rm ${n.hostname}`), (err) => {
          if (err !== null) errs.push(err);
          else {
            cluster.removeNode(n);
            println(ctx, ref);
          }
          next();
        });
      }, () => {
        for (const e of errs) eprintln(ctx, e);
        exit(errs.length > 0 ? 1 : 0);
      });
    }
  }
  eprintln(ctx, '');
  eprintln(ctx, 'Usage:\tdocker node COMMAND');
  exit(verb === undefined ? 0 : 1);
}
