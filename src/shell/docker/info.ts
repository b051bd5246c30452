// docker info: the layout of docker/cli 19.03's prettyPrintInfo (cli/command/system/info.go), with
// what a CentOS 7 host running docker-ce 19.03.13 reports, and the Swarm part from the cluster
// (printSwarmInfo: nothing more while inactive; a worker shows no cluster details).
import { formatCidr, formatIp4 } from '../../core/addr.js';
import { SwarmError } from '../../swarm/cluster.js';
import { ELECTION_TICK, HEARTBEAT_TICK, SNAPSHOT_INTERVAL } from '../../swarm/raft.js';
import { bytesSize } from '../../core/units.js';
import type { Daemon } from '../../docker/daemon.js';
import type { Ctx } from '../program.js';
import { println } from '../program.js';

/** The engine ID dockerd generates once (a libtrust key ID: 12 groups of 4 base32 characters). */
function engineId(d: Daemon): string {
  if (d.engineId === '') {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    const groups: string[] = [];
    for (let g = 0; g < 12; g++) {
      let s = '';
      for (let i = 0; i < 4; i++) s += alphabet[d.rng.below(32)];
      groups.push(s);
    }
    d.engineId = groups.join(':');
  }
  return d.engineId;
}

export function dockerInfo(ctx: Ctx, d: Daemon): void {
  const out = (line: string): void => println(ctx, line);
  const cs = [...d.containers.values()];
  const running = cs.filter((c) => c.state === 'running').length;
  out('Client:');
  out(' Debug Mode: false');
  out('');
  out('Server:');
  out(` Containers: ${cs.length}`);
  out(`  Running: ${running}`);
  out('  Paused: 0');
  out(`  Stopped: ${cs.length - running}`);
  out(` Images: ${new Set(d.images.values()).size}`);
  out(' Server Version: 19.03.13');
  out(' Storage Driver: overlay2');
  out('  Backing Filesystem: xfs');
  out('  Supports d_type: true');
  out('  Native Overlay Diff: true');
  out(' Logging Driver: json-file');
  out(' Cgroup Driver: cgroupfs');
  out(' Plugins:');
  out('  Volume: local');
  out('  Network: bridge host ipvlan macvlan null overlay');
  out('  Log: awslogs fluentd gcplogs gelf journald json-file local logentries splunk syslog');
  swarmPart(ctx, d);
  out(' Runtimes: runc');
  out(' Default Runtime: runc');
  out(' Init Binary: docker-init');
  // The commits docker-ce 19.03.13 was released with (containerd.io 1.3.7, runc 1.0.0-rc10).
  out(' containerd version: 8fba4e9a7d01810a393d5d25a3621dc101981175');
  out(' runc version: dc9208a3303feef5b3839f4323d9beb36df0a9dd');
  out(' init version: fec3683');
  out(' Security Options:');
  out('  seccomp');
  out('   Profile: default');
  out(' Kernel Version: 3.10.0-1127.el7.x86_64');
  out(' Operating System: CentOS Linux 7 (Core)');
  out(' OSType: linux');
  out(' Architecture: x86_64');
  out(' CPUs: 2');
  out(` Total Memory: ${bytesSize(2 * 1024 ** 3)}`);
  out(` Name: ${d.host.name}`);
  out(` ID: ${engineId(d)}`);
  out(' Docker Root Dir: /var/lib/docker');
  out(' Debug Mode: false');
  out(' Registry: https://index.docker.io/v1/');
  out(' Labels:');
  out(' Experimental: false');
  if (d.clusterStore !== null) out(` Cluster Store: ${d.clusterStore}`);
  if (d.clusterAdvertise !== null) out(` Cluster Advertise: ${d.clusterAdvertise}`);
  // Registries named with --insecure-registry come first (IndexConfigs), then the CIDRs.
  out(' Insecure Registries:');
  for (const r of d.insecureRegistries) if (!r.includes('/')) out(`  ${r}`);
  for (const r of [...d.insecureRegistries.filter((x) => x.includes('/')), '127.0.0.0/8']) out(`  ${r}`);
  out(' Live Restore Enabled: false');
  out('');
}

function swarmPart(ctx: Ctx, d: Daemon): void {
  const out = (line: string): void => println(ctx, line);
  const sw = ctx.sim.swarm;
  const cluster = sw.cluster;
  const node = cluster?.nodeFor(d.host.name) ?? null;
  const local = sw.localState(d);
  if (local.state === 'pending') {
    // Joining: no node ID or certificate yet; the address is known once a manager saw the node
    // (unless --advertise-addr named it), the join address is the one manager it knows.
    out(' Swarm: pending');
    out('  NodeID: ');
    out('  Is Manager: false');
    out(`  Node Address: ${local.addr}`);
    out('  Manager Addresses:');
    out(`   ${local.joinAddr}`);
    return;
  }
  if (cluster === null || node === null) {
    out(' Swarm: inactive');
    return;
  }
  out(' Swarm: active');
  out(`  NodeID: ${node.id}`);
  const manager = node.role === 'manager';
  // moby Cluster.Info: a manager whose inspect fails (no leader) reports the error, and the CLI
  // then leaves out the cluster's details.
  let error = '';
  if (manager) {
    try {
      cluster.checkManager(d.host.name);
    } catch (e) {
      if (!(e instanceof SwarmError)) throw e;
      error = e.message;
      out(`  Error: ${error}`);
    }
  }
  out(`  Is Manager: ${manager}`);
  const managers = cluster.managers();
  if (manager && error === '') {
    out(`  ClusterID: ${cluster.id}`);
    out(`  Managers: ${managers.length}`);
    out(`  Nodes: ${cluster.nodes.size}`);
    // docker/cli info.go prints the pools on one line, each followed by two spaces.
    out(`  Default Address Pool: ${cluster.addrPools.map((p) => `${formatCidr(p.addr, p.len)}  `).join('')}`);
    out(`  SubnetSize: ${cluster.addrPoolMask}`);
    out(`  Data Path Port: ${cluster.dataPathPort}`);
    // swarmkit's defaults (api/defaults): what `docker swarm init` sets without flags.
    out('  Orchestration:');
    out('   Task History Retention Limit: 5');
    // docker/cli 19.03 prettyPrintInfo: the cluster spec's Raft part, the values the managers'
    // Raft runs with (swarm/raft.ts); KeepOldSnapshots defaults to 0.
    out('  Raft:');
    out(`   Snapshot Interval: ${SNAPSHOT_INTERVAL}`);
    out('   Number of Old Snapshots to Retain: 0');
    out(`   Heartbeat Tick: ${HEARTBEAT_TICK}`);
    out(`   Election Tick: ${ELECTION_TICK}`);
    out('  Dispatcher:');
    out('   Heartbeat Period: 5 seconds');
    out('  CA Configuration:');
    out('   Expiry Duration: 3 months');
    out('   Force Rotate: 0');
    out('  Autolock Managers: false');
    out('  Root Rotation In Progress: false');
  }
  out(`  Node Address: ${formatIp4(node.addr)}`);
  const addrs = managers.map((m) => `${formatIp4(m.addr)}:2377`).sort();
  if (addrs.length > 0) {
    out('  Manager Addresses:');
    for (const a of addrs) out(`   ${a}`);
  }
}
