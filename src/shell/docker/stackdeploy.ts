// What `docker stack deploy` does with a loaded stack, step by step as docker/cli 19.03.13's
// cli/command/stack/swarm/deploy_composefile.go: external networks checked, the stack's networks
// created, then every secret's and config's file read (convert.Secrets / convert.Configs) and the
// objects created or updated, then the services converted (convert.Services: its errors, and
// ParseSecrets' / ParseConfigs' `secret not found`), then each service created or updated. An error
// stops the deploy where it happens; what was created before stays.
import { parseCidr } from '../../core/addr.js';
import type { SwarmCluster } from '../../swarm/cluster.js';
import type { ReadFile, Stack, StackFileObject } from '../../swarm/compose.js';
import type { FileObjectKind } from '../../swarm/model.js';
import { isDir } from '../builtins.js';
import type { Ctx } from '../program.js';
import { println } from '../program.js';
import { createFileObject, findFileObject, updateFileObject } from './fileobjcmd.js';
import { validateSpec } from './servicecmd.js';

/** A deploy that stopped: the message is what the CLI prints (exit status 1). */
export class DeployError extends Error {}

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

function createFileObjects(ctx: Ctx, cluster: SwarmCluster, kind: FileObjectKind, objects: StackFileObject[]): void {
  const read = hostFileReader(ctx);
  const wanted = objects.filter((o) => !o.external).map((o) => {
    const data = o.file === null ? '' : read(o.file);
    if (typeof data !== 'string') throw new DeployError(data.error);
    return { o, data };
  });
  for (const { o, data } of wanted) {
    const existing = findFileObject(cluster, kind, o.name);
    if (existing !== null && existing.name === o.name) {
      try {
        updateFileObject(cluster, existing, data, o.labels);
      } catch (e) {
        throw new DeployError(`failed to update ${kind} ${o.name}: ${daemonText(e)}`);
      }
      continue;
    }
    println(ctx, `Creating ${kind} ${o.name}`);
    try {
      createFileObject(cluster, kind, o.name, data, o.labels);
    } catch (e) {
      throw new DeployError(`failed to create ${kind} ${o.name}: ${daemonText(e)}`);
    }
  }
}

/** `localScope(name)`: the scope of a network of that name on the manager's own engine, if any. */
export function deployStack(ctx: Ctx, cluster: SwarmCluster, stack: Stack, localScope: (name: string) => string | null = () => null): void {
  for (const n of stack.networks) {
    if (!n.external || BUILTIN_NETWORKS.includes(n.name)) continue;
    if (cluster.findNetwork(n.name) === null) {
      const scope = localScope(n.name);
      if (scope !== null) throw new DeployError(`network "${n.name}" is declared as external, but it is not in the right scope: "${scope}" instead of "swarm"`);
      throw new DeployError(`network "${n.name}" is declared as external, but could not be found. You need to create a swarm-scoped network before the stack is deployed`);
    }
  }
  for (const n of stack.networks) {
    if (n.external || cluster.findNetwork(n.name) !== null) continue;
    println(ctx, `Creating network ${n.name}`);
    const sub = n.subnet === null ? null : parseCidr(n.subnet);
    try {
      cluster.createNetwork(n.name, {
        subnet: sub === null ? null : { addr: sub.addr, len: sub.len }, gateway: null, ingress: false, attachable: n.attachable,
        encrypted: 'encrypted' in n.driverOpts, internal: false, labels: n.labels, options: n.driverOpts,
      });
    } catch (e) {
      throw new DeployError(`failed to create network ${n.name}: ${daemonText(e)}`);
    }
  }
  createFileObjects(ctx, cluster, 'secret', stack.secrets);
  createFileObjects(ctx, cluster, 'config', stack.configs);

  for (const s of stack.services) {
    if (stack.convertError !== null && stack.convertError.key === s.key) throw new DeployError(stack.convertError.message);
    for (const [kind, refs] of [['secret', s.spec.secrets], ['config', s.spec.configs]] as const) {
      for (const r of refs) if (findFileObject(cluster, kind, r.source) === null) throw new DeployError(`service ${s.key}: ${kind} not found: ${r.source}`);
    }
  }

  for (const { spec, daemonError } of stack.services) {
    const existing = [...cluster.services.values()].find((x) => x.spec.name === spec.name);
    const verb = existing === undefined ? 'create' : 'update';
    println(ctx, existing === undefined ? `Creating service ${spec.name}` : `Updating service ${spec.name} (id: ${existing.id})`);
    try {
      if (daemonError !== null) throw new Error(daemonError);
      validateSpec(cluster, spec);
      // Stack deploy has no --force: the existing ForceUpdate is kept, and only a changed spec
      // makes a new version (and so a rolling update).
      if (existing === undefined) cluster.addService(spec);
      else if (JSON.stringify(existing.spec) !== JSON.stringify({ ...spec, forceUpdate: existing.spec.forceUpdate })) cluster.updateService(existing, { ...spec, forceUpdate: existing.spec.forceUpdate });
    } catch (e) {
      throw new DeployError(`failed to ${verb} service ${spec.name}: ${daemonText(e)}`);
    }
  }
}
