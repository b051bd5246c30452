// docker network ls | inspect | create | rm | connect | disconnect
import type { Ctx } from '../program.js';
import { eprintln, println } from '../program.js';
import type { Daemon } from '../../docker/daemon.js';
import type { Network } from '../../docker/model.js';
import { createHash } from 'node:crypto';
import { formatIp4, parseIp4 } from '../../core/addr.js';
import { goJson, goTemplate } from '../table.js';
import { collect, guard, labelsOf, parseFlags, subcommand } from './common.js';
import { networkJson, networkLs } from './format.js';
import type { NetworkPeer } from './format.js';
import { networkOf, parseCidr } from '../../core/addr.js';
import { daemonError, managerCluster } from './swarmcmd.js';
import { controlCall, inTurn, removeCall, whenCommitted } from './raftwait.js';

/** docker network create -d overlay on a swarm node: the managers allocate it (swarm scope). */
function createSwarmNetwork(ctx: Ctx, d: Daemon, name: string, o: { subnet?: string; gateway?: string; internal?: boolean; attachable?: boolean; opt: string[]; label: string[] }, exit: Exit): void {
  const node = ctx.sim.swarm.nodeOf(d)!;
  if (node.role !== 'manager') {
    eprintln(ctx, 'Error response from daemon: Cannot create a multi-host network from a worker node. Please create the network from a manager node.');
    return exit(1);
  }
  const cluster = managerCluster(ctx, d, exit);
  if (cluster === null) return;
  const sub = o.subnet === undefined ? null : parseCidr(o.subnet);
  if (o.subnet !== undefined && (sub === null || !o.subnet.includes('/'))) {
    eprintln(ctx, `Error response from daemon: invalid CIDR address: ${o.subnet}`);
    return exit(1);
  }
  // The network is written once the leader's log commits it (controlapi CreateNetwork; moby
  // daemon/cluster/networks.go CreateNetwork waits for the answer as long as its 20 s request
  // context allows).
  whenCommitted(ctx, d, controlCall('CreateNetwork', `network create ${name}`, NETWORK_ENTRY_BYTES), (err) => {
    if (err !== null) {
      eprintln(ctx, err);
      return exit(1);
    }
    try {
      const opts = labelsOf(o.opt);
      const net = cluster.createNetwork(name, {
        subnet: sub === null ? null : { addr: sub.addr, len: sub.len }, gateway: o.gateway === undefined ? null : parseIp4(o.gateway),
        ingress: false, attachable: !!o.attachable, encrypted: 'encrypted' in opts, internal: !!o.internal, labels: labelsOf(o.label), options: opts,
      });
      cluster.commit();
      println(ctx, net.id);
      exit(0);
    } catch (e) {
      daemonError(ctx, exit, e);
    }
  });
}

/** A Network's StoreAction in the log: its spec, driver and IPAM state (swarm/raft-entry.ts
 *  objectBytes of a SwarmNetwork). */
export const NETWORK_ENTRY_BYTES = 400;

/** `docker network rm` of a swarm-scoped network: controlapi RemoveNetwork, once committed. */
function removeSwarmNetwork(ctx: Ctx, d: Daemon, n: Network, ref: string, fail: Exit, next: () => void): void {
  const cluster = managerCluster(ctx, d, fail);
  if (cluster === null) return next();
  whenCommitted(ctx, d, removeCall('RemoveNetwork', `network rm ${n.name}`), (err) => {
    if (err !== null) {
      eprintln(ctx, err);
      fail(1);
      return next();
    }
    try {
      const sn = cluster.findNetwork(n.id);
      if (sn !== null) cluster.removeNetwork(sn);
      println(ctx, ref);
    } catch (e) {
      daemonError(ctx, fail, e);
    }
    next();
  });
}

type Exit = (code: number) => void;

export function dockerNetwork(ctx: Ctx, d: Daemon, args: string[], exit: Exit): void {
  const [verb, ...rest] = args;
  switch (verb) {
    case 'ls':
    case 'list': {
      const cmd = subcommand('ls').option('-q, --quiet').option('--no-trunc').option('--format <tpl>').option('-f, --filter <f>', '', collect, []);
      if (!parseFlags(ctx, cmd, rest, 'network ls', exit)) return;
      const o = cmd.opts<{ quiet?: boolean; format?: string; filter: string[] }>();
      // Filters as the daemon applies them: name and id match a substring / prefix, the rest exactly.
      const filters = o.filter.map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)] as const);
      const bad = filters.find(([k]) => !['name', 'id', 'driver', 'scope', 'label'].includes(k));
      if (bad !== undefined) {
        eprintln(ctx, `Error response from daemon: Invalid filter '${bad[0]}'`);
        return exit(1);
      }
      const keep = (n: Network): boolean => filters.every(([k, v]) => (k === 'name' ? n.name.includes(v) : k === 'id' ? n.id.startsWith(v) : k === 'driver' ? n.driver === v : k === 'scope' ? n.scope === v : v.split('=')[0]! in n.flags.labels));
      ctx.term.write(networkLs(d, !!o.quiet, keep, o.format));
      return exit(0);
    }
    case 'inspect': {
      const cmd = subcommand('inspect').option('-f, --format <tpl>').option('-v, --verbose').argument('[networks...]');
      if (!parseFlags(ctx, cmd, rest, 'network inspect', exit)) return;
      const format = cmd.opts<{ format?: string }>().format;
      const out: object[] = [];
      let rc = 0;
      for (const ref of cmd.args) {
        const n = d.findNetwork(ref);
        if (n === null) {
          eprintln(ctx, `Error: No such network: ${ref}`);
          rc = 1;
        } else if (format !== undefined) println(ctx, goTemplate(format, networkJson(d, n, networkPeers(ctx, d, n))));
        else out.push(networkJson(d, n, networkPeers(ctx, d, n)));
      }
      if (format === undefined && (out.length > 0 || rc === 0)) println(ctx, goJson(out));
      return exit(rc);
    }
    case 'create': {
      const cmd = subcommand('create')
        .option('-d, --driver <driver>', '', 'bridge')
        .option('--subnet <cidr>')
        .option('--gateway <ip>')
        .option('--internal')
        .option('--attachable')
        .option('-o, --opt <kv>', '', collect, [])
        .option('--label <kv>', '', collect, [])
        .argument('[name]');
      if (!parseFlags(ctx, cmd, rest, 'network create', exit)) return;
      const o = cmd.opts<{ driver: string; subnet?: string; gateway?: string; internal?: boolean; attachable?: boolean; opt: string[]; label: string[] }>();
      const name = cmd.args[0];
      if (name === undefined) {
        eprintln(ctx, '"docker network create" requires exactly 1 argument.');
        eprintln(ctx, "See 'docker network create --help'.");
        return exit(1);
      }
      if (o.gateway !== undefined && parseIp4(o.gateway) === null) {
        println(ctx, `invalid argument "${o.gateway}" for "--gateway" flag: invalid string being converted to IP address: ${o.gateway}`);
        return exit(125);
      }
      // docker/cli consolidateIpam: a gateway needs a subnet that holds it.
      if (o.gateway !== undefined) {
        const sub = o.subnet === undefined ? null : parseCidr(o.subnet);
        if (o.subnet === undefined) {
          println(ctx, 'every ip-range or gateway must have a corresponding subnet');
          return exit(1);
        }
        if (sub !== null && networkOf(parseIp4(o.gateway)!, sub.len) !== networkOf(sub.addr, sub.len)) {
          println(ctx, `no matching subnet for gateway ${o.gateway}`);
          return exit(1);
        }
      }
      // The bridge driver reads its MTU option with strconv.Atoi (libnetwork bridge.go fromLabels).
      const mtu = labelsOf(o.opt)['com.docker.network.driver.mtu'];
      if (mtu !== undefined && o.driver === 'bridge' && !/^[+-]?\d+$/.test(mtu)) {
        eprintln(ctx, `Error response from daemon: failed to parse com.docker.network.driver.mtu value: ${mtu} (strconv.Atoi: parsing ${JSON.stringify(mtu)}: invalid syntax)`);
        return exit(1);
      }
      if (o.driver === 'overlay' && ctx.sim.swarm.nodeOf(d) !== null) return createSwarmNetwork(ctx, d, name, o, exit);
      return guard(ctx, exit, () => {
        const n = d.createNetwork(name, {
          driver: o.driver, subnet: o.subnet ?? null, gateway: o.gateway ?? null, internal: !!o.internal, attachable: !!o.attachable,
          options: labelsOf(o.opt), labels: labelsOf(o.label),
        });
        println(ctx, n.id);
        exit(0);
      });
    }
    case 'rm':
    case 'remove': {
      // docker/cli network/remove.go: each network in turn, a failure printed and the rest still
      // removed, exit 1 if any failed.
      let rc = 0;
      const fail = (c: number): void => {
        rc = c;
      };
      return inTurn(rest, (ref, next) => {
        const n = d.findNetwork(ref);
        if (n === null) {
          eprintln(ctx, `Error: No such network: ${ref}`);
          rc = 1;
          return next();
        }
        if (n.scope === 'swarm') return removeSwarmNetwork(ctx, d, n, ref, fail, next);
        guard(ctx, fail, () => {
          d.removeNetwork(n);
          println(ctx, ref);
        });
        next();
      }, () => exit(rc));
    }
    case 'connect':
    case 'disconnect': {
      const cmd = subcommand(verb).option('--alias <alias>', '', collect, []).option('--ip <ip>').option('-f, --force').argument('[network]').argument('[container]');
      if (!parseFlags(ctx, cmd, rest, `network ${verb}`, exit)) return;
      const [netRef, cRef] = cmd.args;
      if (netRef === undefined || cRef === undefined) {
        println(ctx, `"docker network ${verb}" requires exactly 2 arguments.`);
        return exit(1);
      }
      const n = d.findNetwork(netRef);
      if (n === null) {
        eprintln(ctx, `Error response from daemon: network ${netRef} not found`);
        return exit(1);
      }
      const c = d.findContainer(cRef);
      if (c === null) {
        eprintln(ctx, `Error response from daemon: No such container: ${cRef}`);
        return exit(1);
      }
      const o = cmd.opts<{ alias: string[]; ip?: string }>();
      return guard(ctx, exit, () => {
        if (verb === 'connect') d.connect(c, n, o.alias, o.ip === undefined ? null : parseIp4(o.ip));
        else d.disconnect(c, n);
        exit(0);
      });
    }
  }
  println(ctx, '');
  println(ctx, 'Usage:\tdocker network COMMAND');
  println(ctx, '');
  println(ctx, 'Manage networks');
  exit(verb === undefined ? 0 : 1);
}

/**
 * The nodes in a swarm network's gossip cluster as this node's NetworkDB knows them: itself and
 * every node with an endpoint on it (its VTEPs). A node's NetworkDB name is a 12-hex ID made when
 * its daemon joins (networkdb DefaultConfig: TruncateID(GenerateRandomID())), derived here from
 * the node ID so that every node names a peer alike. Order: swarm join order (Go keeps its own).
 */
function networkPeers(ctx: Ctx, d: Daemon, n: Network): NetworkPeer[] | null {
  if (n.scope !== 'swarm' || n.driver !== 'overlay') return null;
  const cluster = ctx.sim.swarm.cluster;
  const self = ctx.sim.swarm.nodeOf(d);
  if (cluster === null || self === null) return null;
  const vteps = new Set<number>([self.addr]);
  for (const p of d.swarmPeers?.(n) ?? []) vteps.add(p.vtep);
  const out: NetworkPeer[] = [];
  for (const node of cluster.nodes.values()) {
    if (!vteps.has(node.addr)) continue;
    vteps.delete(node.addr);
    out.push({ Name: createHash('sha256').update(`networkdb ${node.id}`).digest('hex').slice(0, 12), IP: formatIp4(node.addr) });
  }
  return out;
}
