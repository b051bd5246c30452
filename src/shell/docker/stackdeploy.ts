// What `docker stack deploy` does with a loaded stack, step by step as docker/cli 19.03.13's
// cli/command/stack/swarm/deploy_composefile.go: external networks checked, the stack's networks
// created, then every secret's and config's file read (convert.Secrets / convert.Configs) and the
// objects created or updated, then the services converted (convert.Services: its errors, and
// ParseSecrets' / ParseConfigs' `secret not found`), then each service created or updated. Each
// object is one control call, answered once the leader's log committed it (raftwait.ts), and its
// `Creating …` line is printed before the call. An error stops the deploy where it happens; what
// was created before stays, and so do the lines printed.
import { parseCidr } from '../../core/addr.js';
import type { SwarmCluster } from '../../swarm/cluster.js';
import type { ReadFile, Stack, StackFileObject } from '../../swarm/compose.js';
import type { FileObjectKind } from '../../swarm/model.js';
import { isDir } from '../builtins.js';
import type { Ctx } from '../program.js';
import { println } from '../program.js';
import type { Daemon } from '../../docker/daemon.js';
import { specBytes } from '../../swarm/raft-entry.js';
import { checkNewFileObject, checkUpdateFileObject, createFileObject, fileObjectBytes, fileObjectMethod, findFileObject, updateFileObject } from './fileobjcmd.js';
import { NETWORK_ENTRY_BYTES } from './networks.js';
import { controlCall, inTurn, whenCommitted } from './raftwait.js';
import { validateSpec } from './servicecmd.js';

/** Network modes that are not user-defined networks (container.NetworkMode.IsUserDefined). */
const BUILTIN_NETWORKS = ['default', 'bridge', 'host', 'none'];

const daemonText = (e: unknown): string => `Error response from daemon: ${(e as Error).message}`;

/** The CLI reading a file of the host it runs on, with ioutil.ReadFile's errors. */
export function hostFileReader(ctx: Ctx): ReadFile {
  return (path) => {
    const text = ctx.files.get(path);
    if (text !== undefined) return text;
    return { error: isDir(ctx, path) ? `read ${path}: is a directory` : `open ${path}: no such file or directory` };
  };
}

/** How a deploy ends: null when everything was written, else the text the CLI prints (exit 1). */
type Done = (err: string | null) => void;

/**
 * createSecrets / createConfigs: every file read first (convert.Secrets), then each object in
 * turn: UpdateSecret when one of that name exists (sent whether or not its labels changed), else
 * `Creating secret …` and CreateSecret, each once committed.
 */
function deployFileObjects(ctx: Ctx, d: Daemon, cluster: SwarmCluster, kind: FileObjectKind, objects: StackFileObject[], fail: Done, next: () => void): void {
  const read = hostFileReader(ctx);
  const wanted: Array<{ o: StackFileObject; data: string }> = [];
  for (const o of objects.filter((x) => !x.external)) {
    const data = o.file === null ? '' : read(o.file);
    if (typeof data !== 'string') return fail(data.error);
    wanted.push({ o, data });
  }
  inTurn(wanted, ({ o, data }, step) => {
    const existing = findFileObject(cluster, kind, o.name);
    const update = existing !== null && existing.name === o.name;
    const failed = (text: string): void => fail(`failed to ${update ? 'update' : 'create'} ${kind} ${o.name}: ${text}`);
    if (!update) println(ctx, `Creating ${kind} ${o.name}`);
    try {
      if (update) checkUpdateFileObject(existing, data);
      else checkNewFileObject(cluster, kind, o.name, data);
    } catch (e) {
      return failed(daemonText(e));
    }
    const call = controlCall(fileObjectMethod(update ? 'Update' : 'Create', kind), `${kind} ${update ? 'update' : 'create'} ${o.name}`, fileObjectBytes(o.name, data));
    whenCommitted(ctx, d, call, (err) => {
      if (err !== null) return failed(err);
      try {
        if (update) updateFileObject(cluster, existing, data, o.labels);
        else createFileObject(cluster, kind, o.name, data, o.labels);
        cluster.commit();
      } catch (e) {
        return failed(daemonText(e));
      }
      step();
    });
  }, next);
}

/** createNetworks: `Creating network …`, then NetworkCreate, for each network the stack lacks. */
function deployNetworks(ctx: Ctx, d: Daemon, cluster: SwarmCluster, stack: Stack, fail: Done, next: () => void): void {
  inTurn(stack.networks.filter((n) => !n.external && cluster.findNetwork(n.name) === null), (n, step) => {
    println(ctx, `Creating network ${n.name}`);
    const failed = (text: string): void => fail(`failed to create network ${n.name}: ${text}`);
    whenCommitted(ctx, d, controlCall('CreateNetwork', `network create ${n.name}`, NETWORK_ENTRY_BYTES), (err) => {
      if (err !== null) return failed(err);
      const sub = n.subnet === null ? null : parseCidr(n.subnet);
      try {
        cluster.createNetwork(n.name, {
          subnet: sub === null ? null : { addr: sub.addr, len: sub.len }, gateway: null, ingress: false, attachable: n.attachable,
          encrypted: 'encrypted' in n.driverOpts, internal: false, labels: n.labels, options: n.driverOpts,
        });
        cluster.commit();
      } catch (e) {
        return failed(daemonText(e));
      }
      step();
    });
  }, next);
}

/** deployServices: `Creating service …` / `Updating service … (id: …)`, then ServiceCreate or
 *  ServiceUpdate, each once committed. */
function deployServices(ctx: Ctx, d: Daemon, cluster: SwarmCluster, stack: Stack, done: Done): void {
  inTurn(stack.services, ({ spec, daemonError }, next) => {
    const existing = [...cluster.services.values()].find((x) => x.spec.name === spec.name);
    const verb = existing === undefined ? 'create' : 'update';
    println(ctx, existing === undefined ? `Creating service ${spec.name}` : `Updating service ${spec.name} (id: ${existing.id})`);
    const failed = (text: string): void => done(`failed to ${verb} service ${spec.name}: ${text}`);
    // Stack deploy has no --force: the existing ForceUpdate is kept, and only a changed spec
    // makes a new version (and so a rolling update).
    const updated = existing === undefined ? spec : { ...spec, forceUpdate: existing.spec.forceUpdate };
    try {
      if (daemonError !== null) throw new Error(daemonError);
      validateSpec(cluster, spec);
    } catch (e) {
      return failed(daemonText(e));
    }
    const call = existing === undefined
      ? controlCall('CreateService', `service create ${spec.name}`, 120 + specBytes(spec))
      : controlCall('UpdateService', `service update ${spec.name}`, 120 + specBytes(updated) + specBytes(existing.spec));
    whenCommitted(ctx, d, call, (err) => {
      if (err !== null) return failed(err);
      try {
        if (existing === undefined) cluster.addService(spec);
        else if (JSON.stringify(existing.spec) !== JSON.stringify(updated)) cluster.updateService(existing, updated);
      } catch (e) {
        return failed(daemonText(e));
      }
      next();
    });
  }, () => done(null));
}

/**
 * Deploys `stack` from the manager on `d`'s host, each write once the leader's log committed it
 * (on a follower that is a control call over 2377); `done` gets null, or the error the deploy
 * stopped with. `localScope(name)`: the scope of a network of that name on the manager's own
 * engine, if any.
 */
export function deployStack(ctx: Ctx, d: Daemon, cluster: SwarmCluster, stack: Stack, localScope: (name: string) => string | null, done: Done): void {
  for (const n of stack.networks) {
    if (!n.external || BUILTIN_NETWORKS.includes(n.name)) continue;
    if (cluster.findNetwork(n.name) === null) {
      const scope = localScope(n.name);
      if (scope !== null) return done(`network "${n.name}" is declared as external, but it is not in the right scope: "${scope}" instead of "swarm"`);
      return done(`network "${n.name}" is declared as external, but could not be found. You need to create a swarm-scoped network before the stack is deployed`);
    }
  }
  deployNetworks(ctx, d, cluster, stack, done, () =>
    deployFileObjects(ctx, d, cluster, 'secret', stack.secrets, done, () =>
      deployFileObjects(ctx, d, cluster, 'config', stack.configs, done, () => {
        // convert.Services: its first error, and ParseSecrets' / ParseConfigs' `not found`.
        for (const s of stack.services) {
          if (stack.convertError !== null && stack.convertError.key === s.key) return done(stack.convertError.message);
          for (const [kind, refs] of [['secret', s.spec.secrets], ['config', s.spec.configs]] as const) {
            for (const r of refs) if (findFileObject(cluster, kind, r.source) === null) return done(`service ${s.key}: ${kind} not found: ${r.source}`);
          }
        }
        deployServices(ctx, d, cluster, stack, done);
      })));
}
