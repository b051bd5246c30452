// The compose-file model of `docker stack deploy -c FILE [-c FILE2] NAME`, as the Docker 19.03 CLI
// reads it (docker/cli v19.03.13 cli/compose/{loader,interpolation,template,schema,convert},
// cli/command/stack/swarm/deploy_composefile.go): each file is parsed, checked for forbidden keys,
// interpolated with the deploying shell's environment (compose/template.ts, compose/interpolate.ts),
// checked against the 3.x schema and merged in order; the result is turned into the ServiceSpecs,
// networks, secrets, configs and volumes that the deploy would create (shell/docker/stackdeploy.ts).
//
// No swarm state; the only I/O is the `ReadFile` given for env_file. A mistake of the loader is an
// InputError with Docker's message alone (the CLI prints no file name) and the line/column of the
// offending node. Mistakes Docker meets later are kept, not thrown: the first error of
// convert.Services (`service web: undefined network "x"`, met after the networks were created) is
// `Stack.convertError`, and what the daemon refuses at ServiceCreate is each service's `daemonError`.
//
// What is and is not Docker's:
// - Texts copied from Docker 19.03: `unsupported Compose file version: X`, `version mismatched between
//   two composefiles : A and B`, the interpolation errors, the schema messages (gojsonschema of that
//   era, whose additional-property errors name the property itself: `foo Additional property foo is
//   not allowed`; `P must be a integer`; `P Does not match format 'duration'`; `P P must be one of
//   the following: ...`), `Compose file contains unsupported options:`, `Ignoring unsupported
//   options: ...`, `Ignoring deprecated options:`, `service web: undefined network "x"` (secret,
//   config, volume), `service web: Unknown mode: x`, `service web: replicas can only be used with
//   replicated mode`, `conflicting parameters "external" and "driver" specified for volume "x"`,
//   and the daemon's texts for the checks Docker leaves to it (no image, bad restart condition,
//   bad endpoint mode). YAML mistakes in yaml.v2's words where compose/yaml-errors.ts knows them.
// - `depends_on` and `sysctls` are accepted and ignored silently, as 19.03 does: they are in none of
//   its warning lists (types.go UnsupportedProperties / DeprecatedProperties).
// - Not modelled: healthcheck, logging and the other container options (accepted, ignored).
//   `entrypoint` and npipe mounts are ignored with a note of this simulator's own wording.
//
// Merging several -c files (19.03.13's merge.go: mergo with WithAppendSlice and WithOverride, checked
// against the real loader): top-level networks, volumes, secrets and configs entries are replaced
// whole by a later file; services are merged key by key: mappings merge recursively (later scalars
// win); environment, labels, deploy.labels, extra_hosts and networks are merged per key (list and
// mapping forms mix); ports merge by published port (unpublished ones collide), secrets and configs
// by source, each sorted; every other list is APPENDED, duplicates kept: a command's words, volumes,
// placement constraints (so a service in both files gets its mounts twice, as Docker's does).
//
// Paths: bind-mount sources and secret `file:` paths are resolved, as Docker does, against the
// directory of the FIRST compose file (path.posix.join(dirname(files[0].path), p)), so they are
// absolute when that file's path is; absolute sources are kept, others cleaned as filepath.Join
// does. StackFileObject.file holds that resolved path; a secret or config with no `file:` gets the
// directory itself, as loadFileObjectConfig does.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import { posix } from 'node:path';
import { InputError } from '../core/errors.js';
import type { Nanos } from '../sim/clock.js';
import { castError, casterFor, invalidInterpolation } from './compose/interpolate.js';
import { substitute } from './compose/template.js';
import { yamlV2Error } from './compose/yaml-errors.js';
import type { Lookup } from './compose/template.js';
import { defaultSpec, DEFAULT_RESTART, DEFAULT_UPDATE, NO_RESOURCES, parseBytes, parseGoDuration, replicasLimit } from './spec.js';
import type { FileRef, Mount, NetworkAttachment, PortConfig, Resources, RestartPolicy, ServiceSpec, UpdateConfig } from './spec.js';

export interface ComposeFile { readonly path: string; readonly text: string }
export interface StackNetwork { readonly key: string; readonly name: string; readonly driver: string; readonly external: boolean; readonly attachable: boolean; readonly driverOpts: Record<string, string>; readonly labels: Record<string, string>; readonly subnet: string | null }
/** A secret or config of the stack: `file` is the path its data is read from (null: external, or
 *  a secret's driver provides it). */
export interface StackFileObject { readonly key: string; readonly name: string; readonly external: boolean; readonly file: string | null; readonly labels: Record<string, string> }
export type StackSecret = StackFileObject;
export type StackConfig = StackFileObject;
export interface StackVolume { readonly key: string; readonly name: string; readonly external: boolean; readonly driver: string; readonly driverOpts: Record<string, string>; readonly labels: Record<string, string> }
/** daemonError: what ServiceCreate answers (`rpc error: ...`), null when the daemon takes the spec. */
export interface StackService { readonly key: string; readonly spec: ServiceSpec; readonly daemonError: string | null }
export interface Stack {
  readonly name: string;
  readonly services: StackService[];
  readonly networks: StackNetwork[];
  readonly secrets: StackSecret[];
  readonly configs: StackConfig[];
  readonly volumes: StackVolume[];
  /** What the CLI prints on stderr before it deploys (each followed by a blank line). */
  readonly warnings: string[];
  /** The first error of convert.Services (`service web: undefined network "x"`): the deploy
   *  creates the networks, secrets and configs, then stops with it. */
  readonly convertError: { readonly key: string; readonly message: string } | null;
}

/** The label every stack object carries (convert/compose.go LabelNamespace). */
export const LABEL_NAMESPACE = 'com.docker.stack.namespace';
/** The service label holding the image as written (convert/service.go LabelImage). */
export const LABEL_IMAGE = 'com.docker.stack.image';

/** Compose file versions the 19.03 CLI has a schema for. */
const SUPPORTED_VERSIONS = ['3.0', '3.1', '3.2', '3.3', '3.4', '3.5', '3.6', '3.7', '3.8'];

/** types.go UnsupportedProperties (19.03): warned about and ignored. */
const UNSUPPORTED = ['build', 'cap_add', 'cap_drop', 'cgroup_parent', 'devices', 'domainname', 'external_links', 'ipc', 'links', 'mac_address', 'network_mode', 'pid', 'privileged', 'restart', 'security_opt', 'shm_size', 'ulimits', 'userns_mode'];
/** types.go DeprecatedProperties. */
const DEPRECATED: Record<string, string> = {
  container_name: 'Setting the container name is not supported.',
  expose: "Exposing ports is unnecessary - services on the same network can access each other's containers on any port.",
};
/** types.go ForbiddenProperties: the deploy is refused. */
const FORBIDDEN: Record<string, string> = {
  extends: 'Support for `extends` is not implemented yet.',
  volume_driver: 'Instead of setting the volume driver on the service, define a volume using the top-level `volumes` option and specify the driver there.',
  volumes_from: 'To share a volume between services, define it using the top-level `volumes` option and reference it from each service that shares it using the service-level `volumes` option.',
  cpu_quota: 'Set resource limits using deploy.resources',
  cpu_shares: 'Set resource limits using deploy.resources',
  cpuset: 'Set resource limits using deploy.resources',
  mem_limit: 'Set resource limits using deploy.resources',
  memswap_limit: 'Set resource limits using deploy.resources',
};

// ---------------------------------------------------------------------------------------------
// Values: the YAML tree with positions and the file each node came from, so that merged files
// still report errors where they were written.

type Scalar = string | number | boolean | null;
interface VBase { readonly node: Node | null; readonly file: File }
interface VMap extends VBase { readonly kind: 'map'; readonly entries: Map<string, { readonly key: Node | null; readonly val: V }> }
interface VSeq extends VBase { readonly kind: 'seq'; readonly items: V[] }
interface VScalar extends VBase { readonly kind: 'scalar'; readonly value: Scalar }
type V = VMap | VSeq | VScalar;

/** `expanded` counts the nodes read, aliases included, against EXPANSION_LIMIT. */
interface File { readonly path: string; readonly lc: LineCounter; expanded: number }

/** A "billion laughs" document is stopped as yaml.v2's decoder stops it (its alias-ratio check,
 *  whose upper range is 400,000 decoded nodes): `yaml: document contains excessive aliasing`. */
const EXPANSION_LIMIT = 400_000;

class ComposeError extends InputError {}
/** An error of convert.Services: the 19.03 CLI meets it only after it has created the stack's
 *  networks, secrets and configs. */
class ConvertError extends ComposeError {}

function fail(file: File, node: Node | null | undefined, msg: string): never {
  const p = file.lc.linePos(node?.range?.[0] ?? 0);
  throw new ComposeError(msg, p.line, p.col);
}
function failAt(v: { node: Node | null; file: File }, msg: string): never {
  return fail(v.file, v.node, msg);
}
function convertFail(v: { node: Node | null; file: File }, msg: string): never {
  const p = v.file.lc.linePos(v.node?.range?.[0] ?? 0);
  throw new ConvertError(msg, p.line, p.col);
}

/** yaml.v2 (YAML 1.1) reads these plain scalars as booleans, and 0755 as octal. */
const YAML11_BOOL = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;

/** A plain key yaml.v2 does not read as a string, as Go's %#v prints it (null, bool, int, float). */
function nonStringKey(src: string): string | null {
  if (src === '' || src === '~' || /^(null|Null|NULL)$/.test(src)) return '<nil>';
  if (YAML11_BOOL.test(src)) return String(/^(y|yes|true|on)$/i.test(src));
  if (/^[-+]?(0|[1-9][0-9_]*)$/.test(src)) return String(Number(src.replace(/_/g, '')));
  if (/^0[0-7_]+$/.test(src)) return String(parseInt(src.replace(/_/g, ''), 8));
  if (/^0x[0-9a-fA-F_]+$/.test(src)) return String(parseInt(src.slice(2).replace(/_/g, ''), 16));
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(src)) return String(Number(src));
  return null;
}

function toV(node: unknown, file: File, doc: Document, depth = 0, prefix = ''): V {
  if (depth > 100) fail(file, node as Node, 'the document is nested too deeply');
  if (++file.expanded > EXPANSION_LIMIT) fail(file, node as Node, 'yaml: document contains excessive aliasing');
  if (isAlias(node)) return toV(node.resolve(doc), file, doc, depth + 1, prefix);
  if (isMap(node)) {
    const entries = new Map<string, { key: Node | null; val: V }>();
    const merges: V[] = [];
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const k = isScalar(keyNode) ? String(keyNode.value) : keyNode === null ? '' : String((keyNode as { toString(): string }).toString());
      // ParseYAML's convertToStringKeysRecursive: a key that is not a string stops the load.
      const bad = keyNode === null ? '<nil>' : isScalar(keyNode) && keyNode.type === 'PLAIN' && typeof keyNode.source === 'string' && k !== '<<' ? nonStringKey(keyNode.source) : null;
      if (bad !== null) fail(file, keyNode, `Non-string key ${prefix === '' ? 'at top level' : `in ${prefix}`}: ${bad}`);
      const val = pair.value === null ? { kind: 'scalar' as const, value: null, node: keyNode, file } : toV(pair.value, file, doc, depth + 1, prefix === '' ? k : `${prefix}.${k}`);
      if (k === '<<' && isScalar(keyNode) && keyNode.type === 'PLAIN') {
        merges.push(val);
        continue;
      }
      entries.set(k, { key: keyNode, val });
    }
    // YAML merge keys (`<<: *anchor`), which yaml.v2 supports: explicit keys win.
    for (const m of merges) {
      for (const src of m.kind === 'seq' ? m.items : [m]) {
        if (src.kind !== 'map') failAt(src, 'map merge requires map or sequence of maps as the value');
        for (const [k, e] of src.entries) if (!entries.has(k)) entries.set(k, e);
      }
    }
    return { kind: 'map', entries, node: node as Node, file };
  }
  if (isSeq(node)) return { kind: 'seq', items: node.items.map((n, i) => toV(n, file, doc, depth + 1, `${prefix}[${i}]`)), node: node as Node, file };
  if (isScalar(node)) {
    let value = node.value as unknown;
    const src = node.source;
    if (node.type === 'PLAIN' && typeof src === 'string') {
      if (YAML11_BOOL.test(src)) value = /^(y|yes|true|on)$/i.test(src);
      else if (/^[-+]?0[0-7]+$/.test(src)) value = parseInt(src, 8);
    }
    if (value instanceof Date) value = src;
    if (typeof value === 'bigint') value = Number(value);
    if (value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') value = String(value);
    return { kind: 'scalar', value: value as Scalar, node: node as Node, file };
  }
  return { kind: 'scalar', value: null, node: (node as Node | null) ?? null, file };
}

function get(m: VMap, key: string): V | undefined {
  return m.entries.get(key)?.val;
}
function keyNode(m: VMap, key: string): Node | null {
  return m.entries.get(key)?.key ?? m.node;
}
function isNull(v: V | undefined): boolean {
  return v === undefined || (v.kind === 'scalar' && v.value === null);
}
function str(v: V | undefined): string | null {
  if (v === undefined || v.kind !== 'scalar' || v.value === null) return null;
  return String(v.value);
}
function sub(m: VMap | undefined, key: string): VMap | undefined {
  if (m === undefined) return undefined;
  const v = get(m, key);
  return v !== undefined && v.kind === 'map' ? v : undefined;
}

// ---------------------------------------------------------------------------------------------
// Schema: the parts of config_schema_v3.x.json that matter, checked the way Docker's gojsonschema
// reports them. `since` gates a property by file version (older schemas do not have it).

type S =
  | { t: 'string' | 'integer' | 'number' | 'boolean' | 'duration' | 'any'; since?: string }
  | { t: 'types'; types: Array<'string' | 'number' | 'integer' | 'boolean' | 'null'>; since?: string }
  | { t: 'enum'; values: string[]; since?: string }
  | { t: 'obj'; props?: Record<string, S>; pattern?: [RegExp, S]; open?: boolean; nullable?: boolean; x?: boolean; since?: string }
  | { t: 'arr'; items: S; since?: string }
  | { t: 'oneOf'; of: S[]; since?: string };

const STR: S = { t: 'string' };
const INT: S = { t: 'integer' };
const NUM: S = { t: 'number' };
const BOOL: S = { t: 'boolean' };
const DUR: S = { t: 'duration' };
const LIST_OF_STRINGS: S = { t: 'arr', items: STR };
const STRING_OR_LIST: S = { t: 'oneOf', of: [STR, LIST_OF_STRINGS] };
const LIST_OR_DICT: S = { t: 'oneOf', of: [{ t: 'obj', pattern: [/.+/, { t: 'types', types: ['string', 'number', 'null'] }] }, LIST_OF_STRINGS] };
const DRIVER_OPTS: S = { t: 'obj', pattern: [/^.+$/, { t: 'types', types: ['string', 'number'] }], open: true };
const EXTERNAL: S = { t: 'oneOf', of: [BOOL, { t: 'obj', props: { name: STR } }] };
const FILE_REF: S = { t: 'oneOf', of: [STR, { t: 'obj', props: { source: STR, target: STR, uid: STR, gid: STR, mode: NUM }, open: true }] };
const UPDATE: S = {
  t: 'obj',
  props: { parallelism: INT, delay: DUR, failure_action: STR, monitor: DUR, max_failure_ratio: NUM, order: { t: 'enum', values: ['start-first', 'stop-first'], since: '3.4' } },
};
const RESOURCE_LIMITS: S = { t: 'obj', props: { cpus: STR, memory: STR } };
const DEPLOY: S = {
  t: 'obj',
  nullable: true,
  props: {
    mode: STR, endpoint_mode: { t: 'string', since: '3.2' }, replicas: INT, labels: LIST_OR_DICT,
    update_config: UPDATE, rollback_config: { ...UPDATE, since: '3.7' } as S,
    resources: {
      t: 'obj',
      props: {
        limits: RESOURCE_LIMITS,
        reservations: { t: 'obj', props: { cpus: STR, memory: STR, generic_resources: { t: 'arr', items: { t: 'any' }, since: '3.5' } } },
      },
    },
    restart_policy: { t: 'obj', props: { condition: STR, delay: DUR, max_attempts: INT, window: DUR } },
    placement: {
      t: 'obj',
      props: {
        constraints: { t: 'arr', items: STR },
        preferences: { t: 'arr', items: { t: 'obj', props: { spread: STR } }, since: '3.3' },
        max_replicas_per_node: { t: 'integer', since: '3.8' },
      },
    },
  },
};
const SERVICE_NETWORKS: S = {
  t: 'oneOf',
  of: [LIST_OF_STRINGS, { t: 'obj', pattern: [/^[a-zA-Z0-9._-]+$/, { t: 'oneOf', of: [{ t: 'obj', props: { aliases: LIST_OF_STRINGS, ipv4_address: STR, ipv6_address: STR } }, { t: 'types', types: ['null'] }] }] }],
};
const PORTS: S = {
  t: 'arr',
  items: { t: 'oneOf', of: [NUM, STR, { t: 'obj', props: { mode: STR, target: INT, published: INT, protocol: STR }, since: '3.2' }] },
};
const VOLUMES: S = {
  t: 'arr',
  items: {
    t: 'oneOf',
    of: [STR, {
      t: 'obj', since: '3.2',
      props: { type: STR, source: STR, target: STR, read_only: BOOL, consistency: STR, bind: { t: 'obj', props: { propagation: STR }, open: true }, volume: { t: 'obj', props: { nocopy: BOOL }, open: true }, tmpfs: { t: 'obj', props: { size: INT }, open: true, since: '3.6' } },
    }],
  },
};
const ANY: S = { t: 'any' };
const SERVICE: S = {
  t: 'obj',
  x: true,
  props: {
    deploy: DEPLOY, build: ANY, cap_add: LIST_OF_STRINGS, cap_drop: LIST_OF_STRINGS, cgroup_parent: STR, command: STRING_OR_LIST,
    configs: { t: 'arr', items: FILE_REF, since: '3.3' }, container_name: STR, credential_spec: { t: 'obj', props: { file: STR, registry: STR, config: { t: 'string', since: '3.8' } }, since: '3.3' },
    depends_on: LIST_OF_STRINGS, devices: LIST_OF_STRINGS, dns: STRING_OR_LIST, dns_search: STRING_OR_LIST, domainname: STR, entrypoint: STRING_OR_LIST,
    env_file: STRING_OR_LIST, environment: LIST_OR_DICT, expose: { t: 'arr', items: { t: 'types', types: ['string', 'number'] } }, external_links: LIST_OF_STRINGS,
    extra_hosts: LIST_OR_DICT, healthcheck: ANY, hostname: STR, image: STR, init: { t: 'boolean', since: '3.7' }, ipc: STR, isolation: { t: 'string', since: '3.5' },
    labels: LIST_OR_DICT, links: LIST_OF_STRINGS, logging: ANY, mac_address: STR, network_mode: STR, networks: SERVICE_NETWORKS, pid: { t: 'types', types: ['string', 'null'] },
    ports: PORTS, privileged: BOOL, read_only: BOOL, restart: STR, security_opt: LIST_OF_STRINGS, shm_size: { t: 'types', types: ['number', 'string'] },
    secrets: { t: 'arr', items: FILE_REF, since: '3.1' }, sysctls: LIST_OR_DICT, stdin_open: BOOL, stop_grace_period: DUR, stop_signal: STR,
    tmpfs: STRING_OR_LIST, tty: BOOL, ulimits: ANY, user: STR, userns_mode: STR, volumes: VOLUMES, working_dir: STR,
  },
};
const NETWORK: S = {
  t: 'obj', nullable: true, x: true,
  props: {
    name: { t: 'string', since: '3.5' }, driver: STR, driver_opts: DRIVER_OPTS,
    ipam: { t: 'obj', props: { driver: STR, config: { t: 'arr', items: { t: 'obj', props: { subnet: STR } } } } },
    external: EXTERNAL, internal: BOOL, attachable: { t: 'boolean', since: '3.2' }, labels: LIST_OR_DICT,
  },
};
const VOLUME: S = { t: 'obj', nullable: true, x: true, props: { name: { t: 'string', since: '3.4' }, driver: STR, driver_opts: DRIVER_OPTS, external: EXTERNAL, labels: LIST_OR_DICT } };
const SECRET: S = { t: 'obj', x: true, props: { name: { t: 'string', since: '3.5' }, file: STR, external: EXTERNAL, labels: LIST_OR_DICT, driver: { t: 'string', since: '3.8' }, driver_opts: { ...DRIVER_OPTS, since: '3.8' } as S, template_driver: { t: 'string', since: '3.8' } } };
const CONFIG: S = { t: 'obj', x: true, props: { name: { t: 'string', since: '3.5' }, file: STR, external: EXTERNAL, labels: LIST_OR_DICT, template_driver: { t: 'string', since: '3.8' } } };
const NAME_RE = /^[a-zA-Z0-9._-]+$/;
const ROOT: S = {
  t: 'obj',
  x: true,
  props: {
    version: STR,
    services: { t: 'obj', pattern: [NAME_RE, SERVICE] },
    networks: { t: 'obj', pattern: [NAME_RE, NETWORK], open: true },
    volumes: { t: 'obj', pattern: [NAME_RE, VOLUME] },
    secrets: { t: 'obj', pattern: [NAME_RE, SECRET], since: '3.1' },
    configs: { t: 'obj', pattern: [NAME_RE, CONFIG], since: '3.3' },
  },
};

class SchemaError {
  constructor(readonly field: string, readonly desc: string, readonly at: { node: Node | null; file: File }) {}
}

function versionAtLeast(version: string, since: string | undefined): boolean {
  if (since === undefined) return true;
  return Number(version.split('.')[1]) >= Number(since.split('.')[1]);
}

function kindOf(v: V): string {
  if (v.kind === 'map') return 'object';
  if (v.kind === 'seq') return 'array';
  if (v.value === null) return 'null';
  if (typeof v.value === 'string') return 'string';
  if (typeof v.value === 'boolean') return 'boolean';
  return Number.isInteger(v.value) ? 'integer' : 'number';
}
function human(t: string): string {
  return t === 'object' ? 'mapping' : t === 'array' ? 'list' : t;
}
function humanTypes(ts: string[]): string {
  const h = ts.map(human);
  return h.length === 1 ? h[0]! : `${h.slice(0, -1).join(', ')} or ${h[h.length - 1]}`;
}
function typeOk(kind: string, t: string): boolean {
  return kind === t || (t === 'number' && kind === 'integer');
}
const specificity = (field: string): number => field.split('.').length;

function check(v: V, s: S, path: string, version: string): void {
  const kind = kindOf(v);
  const wrong = (types: string[]): never => {
    throw new SchemaError(path, `must be a ${humanTypes(types)}`, v);
  };
  switch (s.t) {
    case 'any':
      return;
    case 'string': case 'integer': case 'number': case 'boolean':
      if (!typeOk(kind, s.t)) wrong([s.t]);
      return;
    case 'duration':
      if (kind !== 'string') wrong(['string']);
      if (parseGoDuration(String((v as VScalar).value).replace(/^[-+]/, '')) === null) throw new SchemaError(path, "Does not match format 'duration'", v);
      return;
    case 'types':
      if (!s.types.some((t) => typeOk(kind, t))) wrong(s.types);
      return;
    case 'enum':
      if (kind !== 'string') wrong(['string']);
      if (!s.values.includes(String((v as VScalar).value))) throw new SchemaError(path, `${path} must be one of the following: ${s.values.map((x) => JSON.stringify(x)).join(', ')}`, v);
      return;
    case 'arr':
      if (kind !== 'array') wrong(['array']);
      (v as VSeq).items.forEach((item, i) => check(item, s.items, `${path}.${i}`, version));
      return;
    case 'oneOf': {
      const branch = s.of.find((b) => branchKind(b, version).some((t) => typeOk(kind, t)));
      if (branch === undefined) {
        const first = s.of.find((b) => branchKind(b, version).length > 0)!;
        wrong(branchKind(first, version).slice(0, 1));
      }
      try {
        check(v, branch!, path, version);
      } catch (e) {
        // gojsonschema reports the oneOf at its own path with the branch's description when the
        // branch's error names a less specific field (an additional property names only itself).
        if (e instanceof SchemaError && specificity(e.field) < specificity(path)) throw new SchemaError(path, e.desc, e.at);
        throw e;
      }
      return;
    }
    case 'obj': {
      if (kind === 'null' && s.nullable) return;
      if (kind !== 'object') wrong(s.nullable ? ['object', 'null'] : ['object']);
      for (const [k, e] of (v as VMap).entries) {
        const child = path === '' ? k : `${path}.${k}`;
        const ps = s.props?.[k];
        if (ps !== undefined && versionAtLeast(version, ps.since)) {
          check(e.val, ps, child, version);
        } else if (s.pattern !== undefined && s.pattern[0].test(k)) {
          check(e.val, s.pattern[1], child, version);
        } else if (s.x && k.startsWith('x-') && versionAtLeast(version, '3.4')) {
          continue;
        } else if (!s.open) {
          throw new SchemaError(k, `Additional property ${k} is not allowed`, { node: e.key, file: v.file });
        }
      }
      return;
    }
  }
}
function branchKind(s: S, version: string): string[] {
  if (!versionAtLeast(version, s.since)) return [];
  switch (s.t) {
    case 'arr': return ['array'];
    case 'obj': return s.nullable ? ['object', 'null'] : ['object'];
    case 'types': return s.types;
    case 'duration': case 'enum': return ['string'];
    case 'oneOf': return s.of.flatMap((b) => branchKind(b, version));
    case 'any': return ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'];
    default: return [s.t];
  }
}

// ---------------------------------------------------------------------------------------------
// Reading one file: YAML, version, forbidden keys, schema.

interface Parsed { readonly file: File; readonly root: VMap; readonly version: string; readonly versionNode: Node | null }

function parseFile(cf: ComposeFile): Parsed {
  const lc = new LineCounter();
  const file: File = { path: cf.path, lc, expanded: 0 };
  const doc = parseDocument(cf.text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const p = lc.linePos(e.pos[0]);
    // yaml.v2 counts from the token the error is about: skip the blanks the yaml library points at.
    let at = e.pos[0];
    while (at < cf.text.length && /\s/.test(cf.text[at]!)) at++;
    const v2 = yamlV2Error(e, lc.linePos(Math.min(at, cf.text.length)).line);
    throw new ComposeError(`yaml: line ${v2.line}: ${v2.message}`, p.line, p.col);
  }
  const root = toV(doc.contents, file, doc);
  if (root.kind !== 'map') failAt(root, 'top-level object must be a mapping');
  // schema.Version: a missing version is "1.0", "3" is "3.0"; the value printed as Go's %v does.
  const vEntry = root.entries.get('version');
  let version = '1.0';
  if (vEntry !== undefined) {
    const raw = vEntry.val.kind === 'scalar' ? (vEntry.val.value === null ? '<nil>' : String(vEntry.val.value)) : 'map[]';
    version = raw === '3' ? '3.0' : raw;
  }
  return { file, root, version, versionNode: vEntry?.val.node ?? root.node };
}

/** validateForbidden: these keys refuse the deploy before anything else is looked at. */
function checkForbidden(p: Parsed): void {
  const services = get(p.root, 'services');
  if (services !== undefined && services.kind === 'map') {
    const found = new Map<string, Node | null>();
    for (const [, e] of services.entries) {
      if (e.val.kind !== 'map') continue;
      for (const prop of Object.keys(FORBIDDEN)) if (e.val.entries.has(prop) && !found.has(prop)) found.set(prop, keyNode(e.val, prop));
    }
    if (found.size > 0) {
      const msgs = [...found.keys()].map((k) => `${k}: ${FORBIDDEN[k]}`).sort();
      const first = [...found.values()].sort((a, b) => (a?.range?.[0] ?? 0) - (b?.range?.[0] ?? 0))[0] ?? null;
      fail(p.file, first, `Compose file contains unsupported options:\n\n${msgs.join('\n\n')}\n`);
    }
  }
}

function validateSchema(p: Parsed): void {
  try {
    check(p.root, ROOT, '', p.version);
  } catch (e) {
    if (e instanceof SchemaError) failAt(e.at, `${e.field} ${e.desc}`);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Interpolation (interpolation.Interpolate): every string value, keys excepted, goes through the
// template; a changed value at one of the typed paths is cast, so `replicas: ${N:-3}` is a number
// by the time the schema sees it. Paths are dotted, `[]` standing for any list item.

function interpolate(v: V, path: string, lookup: Lookup): V {
  if (v.kind === 'map') {
    const entries: VMap['entries'] = new Map();
    for (const [k, e] of v.entries) entries.set(k, { key: e.key, val: interpolate(e.val, path === '' ? k : `${path}.${k}`, lookup) });
    return { ...v, entries };
  }
  if (v.kind === 'seq') return { ...v, items: v.items.map((i) => interpolate(i, `${path}.[]`, lookup)) };
  if (typeof v.value !== 'string') return v;
  const r = substitute(v.value, lookup);
  if (r.invalid !== null) failAt(v, invalidInterpolation(path, r.invalid));
  if (r.value === v.value) return v;
  const cast = casterFor(path);
  if (cast === undefined) return { ...v, value: r.value };
  const c = cast(r.value);
  if ('error' in c) return failAt(v, castError(path, c.error));
  return { ...v, value: c.value };
}

// ---------------------------------------------------------------------------------------------
// Merging -c files.

function mk(kind: 'map', like: V, entries: VMap['entries']): VMap {
  return { kind, entries, node: like.node, file: like.file };
}

/** list_or_dict as a mapping: `K=V` → K: V; a bare `K` → null (environment) or "" (labels). */
function dictOf(v: V | undefined, bareIsNull: boolean): VMap | undefined {
  if (v === undefined || v.kind === 'map') return v;
  if (v.kind !== 'seq') return undefined;
  const entries: VMap['entries'] = new Map();
  for (const item of v.items) {
    const text = str(item) ?? '';
    const eq = text.indexOf('=');
    const k = eq < 0 ? text : text.slice(0, eq);
    const value: Scalar = eq < 0 ? (bareIsNull ? null : '') : text.slice(eq + 1);
    entries.set(k, { key: item.node, val: { kind: 'scalar', value, node: item.node, file: item.file } });
  }
  return mk('map', v, entries);
}

/** A service's `networks` as a mapping (the list form has no per-network options). */
function networksOf(v: V | undefined): VMap | undefined {
  if (v === undefined || v.kind === 'map') return v;
  if (v.kind !== 'seq') return undefined;
  const entries: VMap['entries'] = new Map();
  for (const item of v.items) entries.set(str(item) ?? '', { key: item.node, val: { kind: 'scalar', value: null, node: item.node, file: item.file } });
  return mk('map', v, entries);
}

function mergeDicts(a: VMap, b: VMap): VMap {
  const entries = new Map(a.entries);
  for (const [k, e] of b.entries) entries.set(k, e);
  return mk('map', b, entries);
}

function mergeKeyed(a: VSeq, b: VSeq, keyOf: (v: V) => string): VSeq {
  const out = new Map<string, V>();
  for (const item of [...a.items, ...b.items]) out.set(keyOf(item), item);
  return { kind: 'seq', items: [...out.values()], node: b.node, file: b.file };
}

function mergeService(a: V, b: V): V {
  if (a.kind !== 'map' || b.kind !== 'map') return b;
  const entries = new Map(a.entries);
  for (const [k, e] of b.entries) {
    const old = a.entries.get(k);
    if (old === undefined) {
      entries.set(k, e);
      continue;
    }
    let val: V;
    const x = old.val;
    const y = e.val;
    if (k === 'environment' || k === 'labels' || k === 'extra_hosts') {
      const dx = dictOf(x, k === 'environment');
      const dy = dictOf(y, k === 'environment');
      val = dx !== undefined && dy !== undefined ? mergeDicts(dx, dy) : y;
    } else if (k === 'networks') {
      const nx = networksOf(x);
      const ny = networksOf(y);
      val = nx !== undefined && ny !== undefined ? mergeDicts(nx, ny) : y;
    } else if (k === 'command' || k === 'entrypoint') {
      // ShellCommand is a []string: mergo's WithAppendSlice appends the later file's words.
      val = concat(wordsOf(x), wordsOf(y));
    } else if ((k === 'ports' || k === 'secrets' || k === 'configs') && x.kind === 'seq' && y.kind === 'seq') {
      // merge.go's specials: ports keyed by published port (unpublished ones collide), secrets and
      // configs by source, each sorted by that key.
      const keyOf = (item: V): string => {
        if (k !== 'ports') return item.kind === 'map' ? str(get(item, 'source')) ?? '' : str(item) ?? '';
        if (item.kind === 'map') return String(numOf(get(item, 'published')) ?? 0);
        const parts = String((item as VScalar).value).replace(/\/\w+$/, '').split(':');
        return parts.length >= 2 ? String(Number(parts[parts.length - 2]!.split('-')[0]) || 0) : '0';
      };
      const merged = mergeKeyed(x, y, keyOf);
      const num = k === 'ports';
      val = { ...merged, items: [...merged.items].sort((p, q) => (num ? Number(keyOf(p)) - Number(keyOf(q)) : keyOf(p) < keyOf(q) ? -1 : keyOf(p) > keyOf(q) ? 1 : 0)) };
    } else {
      val = mergeGeneric(x, y);
    }
    entries.set(k, { key: e.key, val });
  }
  return mk('map', b, entries);
}

function mergeGeneric(x: V, y: V): V {
  if (x.kind === 'map' && y.kind === 'map') {
    const entries = new Map(x.entries);
    for (const [k, e] of y.entries) {
      const old = x.entries.get(k);
      if (old !== undefined && k === 'labels') {
        const dx = dictOf(old.val, false);
        const dy = dictOf(e.val, false);
        entries.set(k, { key: e.key, val: dx !== undefined && dy !== undefined ? mergeDicts(dx, dy) : e.val });
      } else {
        entries.set(k, { key: e.key, val: old === undefined ? e.val : mergeGeneric(old.val, e.val) });
      }
    }
    return mk('map', y, entries);
  }
  // mergo.WithAppendSlice: every other list is the base's items then the override's, duplicates kept.
  if (x.kind === 'seq' && y.kind === 'seq') return concat(x, y);
  return y;
}

function concat(x: VSeq, y: VSeq): VSeq {
  return { kind: 'seq', items: [...x.items, ...y.items], node: y.node, file: y.file };
}

/** A command as the list of words the loader makes of it (a string is split like google/shlex). */
function wordsOf(v: V): VSeq {
  if (v.kind === 'seq') return v;
  const text = v.kind === 'scalar' && v.value !== null ? String(v.value) : '';
  let words: string[];
  try {
    words = shlexSplit(text);
  } catch {
    words = [text];
  }
  return { kind: 'seq', items: words.map((w) => ({ kind: 'scalar', value: w, node: v.node, file: v.file })), node: v.node, file: v.file };
}

function mergeFiles(files: Parsed[]): VMap {
  const base = files[0]!.root;
  const entries = new Map(base.entries);
  for (const f of files.slice(1)) {
    for (const [k, e] of f.root.entries) {
      const old = entries.get(k);
      if (old === undefined || old.val.kind !== 'map' || e.val.kind !== 'map' || !['services', 'networks', 'volumes', 'secrets', 'configs'].includes(k)) {
        entries.set(k, e);
        continue;
      }
      const sect = new Map(old.val.entries);
      for (const [name, item] of e.val.entries) {
        const prev = sect.get(name);
        sect.set(name, k === 'services' && prev !== undefined ? { key: prev.key, val: mergeService(prev.val, item.val) } : item);
      }
      entries.set(k, { key: old.key, val: mk('map', e.val, sect) });
    }
  }
  return mk('map', base, entries);
}

// ---------------------------------------------------------------------------------------------
// Conversion helpers.

/** google/shlex, which docker/cli uses to split a `command:` string. */
export function shlexSplit(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
      i++;
    } else if (c === '#' && !inWord) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '\\') {
      inWord = true;
      if (i + 1 < text.length) cur += text[i + 1];
      i += 2;
    } else if (c === "'") {
      inWord = true;
      i++;
      while (i < text.length && text[i] !== "'") cur += text[i++];
      if (i >= text.length) throw new Error('EOF found when expecting closing quote');
      i++;
    } else if (c === '"') {
      inWord = true;
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        cur += text[i++];
      }
      if (i >= text.length) throw new Error('EOF found when expecting closing quote');
      i++;
    } else {
      inWord = true;
      cur += c;
      i++;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/** loader/volume.go ParseVolume, without Windows paths: `[source:]target[:mode]`, mode a comma
 *  list where `ro` makes the mount read-only. */
function parseShortVolume(spec: string): { type: 'volume' | 'bind'; source: string; target: string; readOnly: boolean } | null {
  const parts = spec.split(':');
  if (parts.length === 0 || parts.some((p) => p === '') || parts.length > 3) return null;
  if (parts.length === 1) return { type: 'volume', source: '', target: parts[0]!, readOnly: false };
  const [source, target, mode] = parts as [string, string, string?];
  const bind = source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
  return { type: bind ? 'bind' : 'volume', source, target, readOnly: (mode ?? '').split(',').includes('ro') };
}

/** loader.go expandUser: a leading `~` is $HOME when the environment has one. */
function expandUser(p: string, lookup: Lookup): string {
  if (!p.startsWith('~')) return p;
  const home = lookup('HOME');
  return home === undefined ? p : p.replace('~', home);
}

/** absPath: absolute paths as written, others filepath.Join'ed (and so cleaned: no trailing /). */
function resolvePath(workingDir: string, p: string): string {
  if (p.startsWith('/') || p.startsWith('~')) return p;
  const joined = posix.join(workingDir, p);
  return joined.length > 1 && joined.endsWith('/') ? joined.slice(0, -1) : joined;
}

/** opts.ParseEnvFile: `KEY=value` lines, `#` comments, a bare `KEY` taken from the environment
 *  when set there (else dropped). */
function parseEnvFile(text: string, lookup: Lookup, at: V): Array<[string, string | null]> {
  const out: Array<[string, string | null]> = [];
  for (const raw of text.replace(/^\uFEFF/, '').split('\n')) {
    const line = raw.replace(/\r$/, '').replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const variable = (eq < 0 ? line : line.slice(0, eq)).replace(/^[ \t]+/, '');
    if (/[ \t]/.test(variable)) failAt(at, `poorly formatted environment: variable '${variable}' contains whitespaces`);
    if (variable === '') failAt(at, `poorly formatted environment: no variable name on line '${line}'`);
    if (eq >= 0) out.push([variable, line.slice(eq + 1)]);
    else {
      const v = lookup(line.trim());
      if (v !== undefined) out.push([line.trim(), v]);
    }
  }
  return out;
}

interface Ctx {
  readonly stack: string;
  readonly workingDir: string;
  readonly networks: VMap | undefined;
  readonly volumes: VMap | undefined;
  readonly secrets: VMap | undefined;
  readonly services: VMap | undefined;
  readonly configs: VMap | undefined;
  /** logrus warnings of the loader (deprecations). */
  readonly warnings: string[];
  /** This simulator's own notes on what it leaves out. */
  readonly notes: string[];
  readonly lookup: Lookup;
  readonly read: ReadFile;
  readonly daemonErrors: Map<string, { stage: 'daemon' | 'swarmkit'; msg: string }>;
}

function dictStrings(v: V | undefined, bareIsNull: boolean): Array<[string, string | null, V]> {
  const d = dictOf(v, bareIsNull);
  if (d === undefined) return [];
  return [...d.entries].map(([k, e]) => [k, e.val.kind === 'scalar' && e.val.value === null ? (bareIsNull ? null : '') : String((e.val as VScalar).value), e.val]);
}

function labelsOf(v: V | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of dictStrings(v, false)) out[k] = val ?? '';
  return out;
}

function duration(v: V | undefined, dflt: Nanos): Nanos {
  const s = str(v);
  if (s === null) return dflt;
  return parseGoDuration(s.replace(/^[-+]/, '')) ?? 0;
}

function numOf(v: V | undefined): number | null {
  return v !== undefined && v.kind === 'scalar' && typeof v.value === 'number' ? v.value : null;
}

/** opts.ParseCPUs: a decimal number of CPUs → NanoCPUs, refusing more than 9 decimals. */
function parseCpus(v: V, svc: string): number {
  const text = str(v)!;
  if (!/^\d+(\.\d+)?$/.test(text.trim())) convertFail(v, `service ${svc}: invalid cpus value "${text}"`);
  const [whole, frac = ''] = text.trim().split('.') as [string, string?];
  if (frac.replace(/0+$/, '').length > 9) convertFail(v, `service ${svc}: value is too precise`);
  return Number(whole) * 1e9 + Number((frac + '000000000').slice(0, 9));
}

function memory(v: V | undefined, svc: string): number {
  const s = str(v);
  if (s === null) return 0;
  const n = parseBytes(s);
  if (n === null) return failAt(v!, `service ${svc}: invalid size: '${s}'`);
  return n;
}

/** A refusal of the daemon's (ServiceCreate): kept with the service, told when the deploy gets to
 *  it. Only the first one counts. */
function daemonError(ctx: Ctx, key: string, msg: string, stage: 'daemon' | 'swarmkit' = 'daemon'): void {
  // The daemon converts the spec (restart condition, failure action, resolution mode) before
  // swarmkit's validateServiceSpec (task spec, then endpoint spec) sees it.
  const old = ctx.daemonErrors.get(key);
  if (old === undefined || (old.stage === 'swarmkit' && stage === 'daemon')) ctx.daemonErrors.set(key, { stage, msg });
}

function updateConfig(v: V | undefined, ctx: Ctx, key: string): UpdateConfig {
  if (v === undefined || v.kind !== 'map') return DEFAULT_UPDATE;
  const fa = str(get(v, 'failure_action')) ?? '';
  if (!['', 'pause', 'continue', 'rollback'].includes(fa)) daemonError(ctx, key, `unrecognized update failure action ${fa}`);
  const monitor = duration(get(v, 'monitor'), 0);
  return {
    // convertUpdateConfig: an update_config without parallelism means 1.
    parallelism: numOf(get(v, 'parallelism')) ?? 1,
    delay: duration(get(v, 'delay'), 0),
    failureAction: (fa === '' ? 'pause' : fa) as UpdateConfig['failureAction'],
    // The daemon turns a zero monitor into swarmkit's default.
    monitor: monitor === 0 ? DEFAULT_UPDATE.monitor : monitor,
    maxFailureRatio: numOf(get(v, 'max_failure_ratio')) ?? 0,
    order: (str(get(v, 'order')) ?? 'stop-first') as UpdateConfig['order'],
  };
}

function restartPolicy(svc: VMap, ctx: Ctx, key: string): RestartPolicy {
  const rp = sub(sub(svc, 'deploy'), 'restart_policy');
  if (rp !== undefined) {
    const cond = str(get(rp, 'condition')) ?? '';
    if (!['', 'none', 'on-failure', 'any'].includes(cond)) daemonError(ctx, key, `invalid RestartCondition: ${JSON.stringify(cond)}`);
    return {
      condition: (cond === '' ? 'any' : cond) as RestartPolicy['condition'],
      delay: duration(get(rp, 'delay'), DEFAULT_RESTART.delay),
      maxAttempts: numOf(get(rp, 'max_attempts')) ?? 0,
      window: duration(get(rp, 'window'), 0),
    };
  }
  // convertRestartPolicy falls back on the legacy `restart:` (itself warned about as unsupported).
  const legacy = get(svc, 'restart');
  const text = str(legacy);
  if (text === null || text === '' || text === 'no') return DEFAULT_RESTART;
  const [name, count] = text.split(':') as [string, string?];
  if (name === 'always' || name === 'unless-stopped') return { ...DEFAULT_RESTART, condition: 'any' };
  if (name === 'on-failure') {
    const n = count === undefined ? 0 : Number(count);
    if (!Number.isInteger(n) || n < 0) convertFail(legacy!, `service ${key}: invalid restart policy format`);
    return { ...DEFAULT_RESTART, condition: 'on-failure', maxAttempts: n };
  }
  return convertFail(legacy!, `service ${key}: unknown restart policy: ${text}`);
}

function resources(deploy: VMap | undefined, key: string): Resources {
  const r = sub(deploy, 'resources');
  if (r === undefined) return NO_RESOURCES;
  const lim = sub(r, 'limits');
  const res = sub(r, 'reservations');
  const cpu = (m: VMap | undefined): number => {
    const v = m === undefined ? undefined : get(m, 'cpus');
    return v === undefined || isNull(v) ? 0 : parseCpus(v, key);
  };
  return {
    limitCpu: cpu(lim), limitMemory: memory(lim === undefined ? undefined : get(lim, 'memory'), key),
    reserveCpu: cpu(res), reserveMemory: memory(res === undefined ? undefined : get(res, 'memory'), key),
  };
}

/** nat.ParsePortSpec for one compose `ports:` string: `[ip:][published[-range]:]target[-range][/proto]`. */
function parsePortSpec(item: V, key: string): PortConfig[] {
  const raw = String((item as VScalar).value);
  let spec = raw;
  let protocol = 'tcp';
  const slash = spec.lastIndexOf('/');
  if (slash >= 0) {
    protocol = spec.slice(slash + 1).toLowerCase();
    spec = spec.slice(0, slash);
  }
  if (protocol !== 'tcp' && protocol !== 'udp') failAt(item, `service ${key}: Invalid proto: ${protocol}`);
  const parts = spec.split(':');
  let pub = '';
  let tgt = parts[parts.length - 1]!;
  if (parts.length === 2) pub = parts[0]!;
  else if (parts.length === 3) pub = parts[1]!;
  else if (parts.length > 3) failAt(item, `service ${key}: Invalid port specification: "${raw}"`);
  const range = (text: string, what: string): [number, number] => {
    const m = /^(\d+)(?:-(\d+))?$/.exec(text);
    if (m === null) return failAt(item, `service ${key}: Invalid ${what}: ${text}`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo > 65535 || hi > 65535 || hi < lo) failAt(item, `service ${key}: Invalid ${what}: ${text}`);
    return [lo, hi];
  };
  const [tlo, thi] = range(tgt, 'containerPort');
  const [plo, phi] = pub === '' ? [0, 0] : range(pub, 'hostPort');
  if (pub !== '' && phi - plo !== thi - tlo) failAt(item, `service ${key}: Invalid ranges specified for container and host Ports: ${tgt} and ${pub}`);
  const out: PortConfig[] = [];
  for (let i = 0; i <= thi - tlo; i++) {
    out.push({ target: tlo + i, published: pub === '' ? null : plo + i, protocol: protocol as 'tcp' | 'udp', mode: 'ingress' });
  }
  return out;
}

function ports(svc: VMap, key: string): PortConfig[] {
  const v = get(svc, 'ports');
  if (v === undefined || v.kind !== 'seq') return [];
  const out: PortConfig[] = [];
  for (const item of v.items) {
    if (item.kind === 'map') {
      const mode = (str(get(item, 'mode')) ?? 'ingress') as PortConfig['mode'];
      const protocol = (str(get(item, 'protocol')) ?? 'tcp').toLowerCase() as PortConfig['protocol'];
      if (mode !== 'ingress' && mode !== 'host') failAt(get(item, 'mode')!, `service ${key}: invalid publish mode: ${mode}`);
      if (protocol !== 'tcp' && protocol !== 'udp') failAt(get(item, 'protocol')!, `service ${key}: Invalid proto: ${protocol}`);
      const target = numOf(get(item, 'target'));
      if (target === null || target === 0) return failAt(item, `service ${key}: a port needs a "target"`);
      const published = numOf(get(item, 'published'));
      out.push({ target, published: published === null || published === 0 ? null : published, protocol, mode });
    } else {
      out.push(...parsePortSpec(item, key));
    }
  }
  // convertEndpointSpec sorts by published port (stable here; unpublished first).
  return out.sort((a, b) => (a.published ?? 0) - (b.published ?? 0));
}

function networkName(ctx: Ctx, name: string): string {
  const cfg = ctx.networks === undefined ? undefined : get(ctx.networks, name);
  if (cfg !== undefined && cfg.kind === 'map') {
    const ext = get(cfg, 'external');
    const external = ext !== undefined && (ext.kind === 'map' || (ext.kind === 'scalar' && ext.value === true));
    const explicit = str(get(cfg, 'name')) ?? (ext !== undefined && ext.kind === 'map' ? str(get(ext, 'name')) : null);
    if (explicit !== null) return explicit;
    if (external) return name;
  }
  return `${ctx.stack}_${name}`;
}

function serviceNetworks(svc: VMap, key: string, ctx: Ctx, used: Set<string>): NetworkAttachment[] {
  const nets = networksOf(get(svc, 'networks'));
  const list: Array<[string, V | null, Node | null]> = nets === undefined || nets.entries.size === 0
    ? [['default', null, keyNode(svc, 'networks')]]
    : [...nets.entries].map(([n, e]) => [n, e.val, e.key]);
  const out: NetworkAttachment[] = [];
  for (const [name, cfg, at] of list) {
    if (name !== 'default' && (ctx.networks === undefined || !ctx.networks.entries.has(name))) convertFail({ file: svc.file, node: at }, `service ${key}: undefined network ${JSON.stringify(name)}`);
    used.add(name);
    const aliases = cfg !== null && cfg.kind === 'map' ? ((get(cfg, 'aliases') as VSeq | undefined)?.items ?? []).map((a) => str(a) ?? '') : [];
    // Docker adds the service's short name as an alias on every user-defined network.
    // convertServiceNetworks adds the service's short name as an alias on user-defined networks.
    const target = networkName(ctx, name);
    out.push({ target, aliases: ['bridge', 'host', 'none'].includes(target) ? aliases : [...aliases, key] });
  }
  return out.sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
}

function objectName(ctx: Ctx, section: VMap | undefined, key: string): { name: string; external: boolean } {
  const cfg = section === undefined ? undefined : get(section, key);
  if (cfg === undefined || cfg.kind !== 'map') return { name: `${ctx.stack}_${key}`, external: false };
  const ext = get(cfg, 'external');
  const external = ext !== undefined && (ext.kind === 'map' || (ext.kind === 'scalar' && ext.value === true));
  const explicit = str(get(cfg, 'name')) ?? (ext !== undefined && ext.kind === 'map' ? str(get(ext, 'name')) : null);
  if (explicit !== null) return { name: explicit, external };
  return { name: external ? key : `${ctx.stack}_${key}`, external };
}

/** convertServiceSecrets / convertServiceConfigObjs (convertFileObject): short syntax names the
 *  object, long syntax adds target, uid, gid and mode; sorted by name for idempotence. */
function fileRefs(svc: VMap, key: string, ctx: Ctx, kind: 'secret' | 'config'): FileRef[] {
  const v = get(svc, `${kind}s`);
  const section = kind === 'secret' ? ctx.secrets : ctx.configs;
  if (v === undefined || v.kind !== 'seq') return [];
  const out: FileRef[] = [];
  for (const item of v.items) {
    const long = item.kind === 'map' ? item : undefined;
    const source = long !== undefined ? str(get(long, 'source')) ?? '' : str(item) ?? '';
    if (section === undefined || !section.entries.has(source)) convertFail(long !== undefined ? get(long, 'source') ?? item : item, `service ${key}: undefined ${kind} ${JSON.stringify(source)}`);
    const target = (long === undefined ? null : str(get(long, 'target'))) ?? '';
    const uid = (long === undefined ? null : str(get(long, 'uid'))) ?? '';
    const gid = (long === undefined ? null : str(get(long, 'gid'))) ?? '';
    const mode = long === undefined ? null : numOf(get(long, 'mode'));
    out.push({
      source: objectName(ctx, section, source).name, target: target === '' ? source : target,
      ...(uid !== '' && uid !== '0' ? { uid } : {}), ...(gid !== '' && gid !== '0' ? { gid } : {}), ...(mode !== null && mode !== 0o444 ? { mode } : {}),
    });
  }
  return out.sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
}

function mounts(svc: VMap, key: string, ctx: Ctx): Mount[] {
  const v = get(svc, 'volumes');
  if (v === undefined || v.kind !== 'seq') return [];
  const out: Mount[] = [];
  for (const item of v.items) {
    let type: string;
    let source: string;
    let target: string;
    let readOnly: boolean;
    if (item.kind === 'map') {
      type = str(get(item, 'type')) ?? 'volume';
      source = str(get(item, 'source')) ?? '';
      target = str(get(item, 'target')) ?? '';
      readOnly = (get(item, 'read_only') as VScalar | undefined)?.value === true;
    } else {
      const p = parseShortVolume(str(item) ?? '');
      if (p === null) return failAt(item, `invalid spec: ${str(item) ?? ''}: empty section between colons`);
      ({ type, source, target, readOnly } = p);
    }
    const ro = readOnly ? { readOnly: true } : {};
    if (type === 'tmpfs') {
      // handleTmpfsToMount: no source allowed.
      if (source !== '') convertFail(item, `service ${key}: invalid tmpfs source, source must be empty`);
      out.push({ type: 'tmpfs', source: '', target, ...ro });
      continue;
    }
    if (type === 'npipe') {
      ctx.notes.push(`service ${key}: ${type} mount ${target} is not simulated; ignored`);
      continue;
    }
    if (type === 'bind') {
      if (source === '') failAt(item, 'invalid mount config for type "bind": field Source must not be empty');
      out.push({ type: 'bind', source: resolvePath(ctx.workingDir, expandUser(source, ctx.lookup)), target, ...ro });
      continue;
    }
    if (type !== 'volume') convertFail(item, `service ${key}: volume type must be volume, bind, tmpfs or npipe`);
    if (source === '') {
      out.push({ type: 'volume', source: '', target, ...ro });
      continue;
    }
    if (ctx.volumes === undefined || !ctx.volumes.entries.has(source)) convertFail(item, `service ${key}: undefined volume ${JSON.stringify(source)}`);
    // convert/volume.go handleVolumeToMount: a stack volume carries its labels (with the stack's)
    // and driver; an external one nothing.
    const { name: vname, external } = objectName(ctx, ctx.volumes, source);
    const cfgV = get(ctx.volumes, source);
    const cfg = cfgV !== undefined && cfgV.kind === 'map' ? cfgV : undefined;
    const driver = str(cfg === undefined ? undefined : get(cfg, 'driver'));
    const opts = sub(cfg, 'driver_opts');
    const driverOptions = opts === undefined ? null : Object.fromEntries([...opts.entries].map(([k, o]) => [k, str(o.val) ?? '']));
    const volumeOptions = external ? { labels: null, driver: null, driverOptions: null } : { labels: { ...labelsOf(cfg === undefined ? undefined : get(cfg, 'labels')), [LABEL_NAMESPACE]: ctx.stack }, driver, driverOptions };
    out.push({ type: 'volume', source: vname, target, ...ro, volumeOptions });
  }
  return out;
}

function convertService(key: string, svc: VMap, ctx: Ctx, usedNetworks: Set<string>): ServiceSpec {
  const name = `${ctx.stack}_${key}`;
  const image = str(get(svc, 'image')) ?? '';
  const deploy = sub(svc, 'deploy');
  if (image === '') daemonError(ctx, key, 'rpc error: code = InvalidArgument desc = ContainerSpec: image reference must be provided', 'swarmkit');

  // convertDeployMode.
  const modeText = str(deploy === undefined ? undefined : get(deploy, 'mode')) ?? '';
  const replicasV = deploy === undefined ? undefined : get(deploy, 'replicas');
  let mode: ServiceSpec['mode'];
  if (modeText === 'global') {
    if (replicasV !== undefined && !isNull(replicasV)) convertFail(replicasV, `service ${key}: replicas can only be used with replicated mode`);
    mode = { kind: 'global' };
  } else if (modeText === 'replicated' || modeText === '') {
    const n = numOf(replicasV) ?? 1;
    if (n < 0) failAt(replicasV!, `services.${key}.deploy.replicas must be a integer`);
    const tooMany = replicasLimit(n);
    if (tooMany !== null) failAt(replicasV!, `service ${key}: ${tooMany}`);
    mode = { kind: 'replicated', replicas: n };
  } else {
    return convertFail(get(deploy!, 'mode')!, `service ${key}: Unknown mode: ${modeText}`);
  }

  const endpointText = (str(deploy === undefined ? undefined : get(deploy, 'endpoint_mode')) ?? 'vip').toLowerCase();
  if (endpointText !== 'vip' && endpointText !== 'dnsrr') daemonError(ctx, key, `invalid ResolutionMode: ${JSON.stringify(endpointText)}`);

  const portList = ports(svc, key);
  if (endpointText === 'dnsrr' && portList.some((p) => p.mode === 'ingress')) {
    daemonError(ctx, key, 'rpc error: code = InvalidArgument desc = EndpointSpec: port published with ingress mode can\'t be used with dnsrr mode', 'swarmkit');
  }

  const cmd = get(svc, 'command');
  let args: string[] = [];
  if (cmd !== undefined && cmd.kind === 'seq') args = cmd.items.map((i) => str(i) ?? '');
  else if (cmd !== undefined && cmd.kind === 'scalar' && cmd.value !== null) {
    try {
      args = shlexSplit(String(cmd.value));
    } catch (e) {
      failAt(cmd, `service ${key}: ${(e as Error).message}`);
    }
  }
  const entry = get(svc, 'entrypoint');
  if (entry !== undefined && !isNull(entry) && !(entry.kind === 'seq' && entry.items.length === 0) && !(entry.kind === 'scalar' && String(entry.value).trim() === '')) {
    ctx.notes.push(`service ${key}: entrypoint is not simulated; ignored`);
  }

  const envMap = new Map<string, string | null>();
  const envFiles = get(svc, 'env_file');
  const envFileList = envFiles === undefined ? [] : envFiles.kind === 'seq' ? envFiles.items : [envFiles];
  const fileVars: Array<[string, string | null]> = [];
  for (const item of envFileList) {
    const path = resolvePath(ctx.workingDir, str(item) ?? '');
    const text = ctx.read(path);
    if (typeof text !== 'string') failAt(item, text.error);
    fileVars.push(...parseEnvFile(text, ctx.lookup, item));
  }
  // resolveEnvironment: env_file first, then environment over it; a variable without a value (or
  // with an empty one) takes the deploying shell's value, if it has one.
  for (const [k, v] of [...fileVars, ...dictStrings(get(svc, 'environment'), true).map(([k2, v2]) => [k2, v2] as [string, string | null])]) {
    envMap.set(k, v === null || v === '' ? ctx.lookup(k) ?? v : v);
  }
  const env = [...envMap].map(([k, v]) => (v === null ? k : `${k}=${v}`)).sort();
  const labels = { ...labelsOf(deploy === undefined ? undefined : get(deploy, 'labels')), [LABEL_NAMESPACE]: ctx.stack, [LABEL_IMAGE]: image };
  const containerLabels = { ...labelsOf(get(svc, 'labels')), [LABEL_NAMESPACE]: ctx.stack };
  const placement = sub(deploy, 'placement');
  const constraints = ((placement === undefined ? undefined : get(placement, 'constraints')) as VSeq | undefined)?.items.map((c) => str(c) ?? '') ?? [];
  const prefs = ((placement === undefined ? undefined : get(placement, 'preferences')) as VSeq | undefined)?.items ?? [];
  const preferences = prefs.map((p) => str(p.kind === 'map' ? get(p, 'spread') : undefined)).filter((s): s is string => s !== null).map((s) => `spread=${s}`);

  const restart = restartPolicy(svc, ctx, key);
  const update = updateConfig(deploy === undefined ? undefined : get(deploy, 'update_config'), ctx, key);
  const rollback = updateConfig(deploy === undefined ? undefined : get(deploy, 'rollback_config'), ctx, key);
  const networks = serviceNetworks(svc, key, ctx, usedNetworks);
  const secrets = fileRefs(svc, key, ctx, 'secret');
  const configs = fileRefs(svc, key, ctx, 'config');
  const mountList = mounts(svc, key, ctx);
  // convert/service.go convertDNSConfig: a DNSConfig only when dns or dns_search is given (a
  // string is a one-item list, types.StringList); dns_opt is not in the v3 format.
  const listOf = (v: ReturnType<typeof get>): string[] | null =>
    v === undefined || isNull(v) ? null : v.kind === 'seq' ? v.items.map((i) => str(i) ?? '') : [str(v) ?? ''];
  const dnsServers = listOf(get(svc, 'dns'));
  const dnsSearch = listOf(get(svc, 'dns_search'));
  const dns = dnsServers === null && dnsSearch === null ? null : { nameservers: dnsServers ?? [], search: dnsSearch ?? [], options: [] };

  return {
    ...defaultSpec(name, image),
    args, env, labels, containerLabels,
    hostname: str(get(svc, 'hostname')),
    mode, networks, endpointMode: endpointText as 'vip' | 'dnsrr', ports: portList, constraints, preferences,
    maxReplicasPerNode: numOf(placement === undefined ? undefined : get(placement, 'max_replicas_per_node')) ?? 0,
    resources: resources(deploy, key), restart, update, rollback, secrets, configs, mounts: mountList, dns,
  };
}

// ---------------------------------------------------------------------------------------------

/** The environment the loader reads `${VAR}` from: the shell's exported variables. */
export type Environment = ReadonlyMap<string, string>;

/** Reads a file the loader needs (env_file): its text, or the error Go's os.Open / read gives. */
export type ReadFile = (path: string) => string | { readonly error: string };
const NO_FILES: ReadFile = (path) => ({ error: `open ${path}: no such file or directory` });

export function loadStack(name: string, files: ComposeFile[], env: Environment = new Map(), read: ReadFile = NO_FILES): Stack {
  if (files.length === 0) throw new InputError('Please specify a Compose file (with --compose-file).');
  const lookup: Lookup = (k) => env.get(k);
  const raw = files.map(parseFile);
  // Load(), file by file: every file must carry the first file's version; forbidden keys; then
  // interpolation; then the schema of that version (which must exist).
  const version = raw[0]!.version;
  const parsed: Parsed[] = [];
  for (const p of raw) {
    if (p.version !== version) fail(p.file, p.versionNode, `version mismatched between two composefiles : ${version} and ${p.version}`);
    checkForbidden(p);
    const done: Parsed = { ...p, root: interpolate(p.root, '', lookup) as VMap };
    if (!SUPPORTED_VERSIONS.includes(p.version)) fail(p.file, p.versionNode, `unsupported Compose file version: ${p.version}`);
    validateSchema(done);
    parsed.push(done);
  }

  const warnings: string[] = [];
  const unsupported = new Set<string>();
  const deprecated = new Map<string, string>();
  // GetUnsupportedProperties / GetDeprecatedProperties read the files as written.
  for (const p of raw) {
    const services = sub(p.root, 'services');
    for (const [, e] of services?.entries ?? []) {
      if (e.val.kind !== 'map') continue;
      for (const prop of UNSUPPORTED) if (e.val.entries.has(prop)) unsupported.add(prop);
      for (const [prop, why] of Object.entries(DEPRECATED)) if (e.val.entries.has(prop)) deprecated.set(prop, why);
    }
  }

  const root = mergeFiles(parsed);
  const workingDir = posix.dirname(files[0]!.path);
  const ctx: Ctx = {
    stack: name, workingDir, warnings, notes: [], lookup, read, daemonErrors: new Map(),
    networks: sub(root, 'networks'), volumes: sub(root, 'volumes'), secrets: sub(root, 'secrets'), configs: sub(root, 'configs'), services: sub(root, 'services'),
  };

  // LoadServices comes first in loadSections; the conversion errors of convert.Services are kept
  // for the deploy to meet after it created networks, secrets and configs.
  const services: StackService[] = [];
  const used = new Set<string>();
  let convertError: { key: string; message: string } | null = null;
  for (const [key, e] of ctx.services?.entries ?? []) {
    if (e.val.kind !== 'map') failAt(e.val, `services.${key} must be a mapping`);
    try {
      services.push({ key, spec: convertService(key, e.val, ctx, used), daemonError: null });
    } catch (err) {
      if (!(err instanceof ConvertError)) throw err;
      convertError ??= { key, message: err.message };
      // getServicesDeclaredNetworks still sees this service's networks.
      for (const n of networksOf(get(e.val, 'networks'))?.entries.keys() ?? ['default']) used.add(n);
      services.push({ key, spec: defaultSpec(`${name}_${key}`, ''), daemonError: null });
    }
  }
  for (let i = 0; i < services.length; i++) {
    const d = ctx.daemonErrors.get(services[i]!.key);
    if (d !== undefined) services[i] = { ...services[i]!, daemonError: d.msg };
  }

  // Top-level objects (LoadNetworks / LoadVolumes / LoadSecrets / LoadConfigObjs checks).
  const volumes: StackVolume[] = [];
  for (const [key, e] of ctx.volumes?.entries ?? []) {
    const cfg = e.val.kind === 'map' ? e.val : undefined;
    const { name: vname, external } = objectName(ctx, ctx.volumes, key);
    if (external && cfg !== undefined) {
      for (const bad of ['driver', 'driver_opts', 'labels']) {
        if (cfg.entries.has(bad)) fail(cfg.file, keyNode(cfg, bad), `conflicting parameters "external" and ${JSON.stringify(bad)} specified for volume ${JSON.stringify(key)}`);
      }
    }
    const driverOpts: Record<string, string> = {};
    for (const [k, o] of sub(cfg, 'driver_opts')?.entries ?? []) driverOpts[k] = str(o.val) ?? '';
    volumes.push({
      key, name: vname, external, driver: str(cfg === undefined ? undefined : get(cfg, 'driver')) ?? 'local', driverOpts,
      labels: { ...labelsOf(cfg === undefined ? undefined : get(cfg, 'labels')), [LABEL_NAMESPACE]: name },
    });
  }
  for (const [kind, section] of [['network', ctx.networks], ['volume', ctx.volumes], ['secret', ctx.secrets], ['config', ctx.configs]] as const) {
    for (const [key, e] of section?.entries ?? []) {
      if (e.val.kind !== 'map') continue;
      const ext = get(e.val, 'external');
      if (ext !== undefined && ext.kind === 'map' && get(ext, 'name') !== undefined) {
        if (get(e.val, 'name') !== undefined) fail(e.val.file, keyNode(e.val, 'name'), `${kind} ${key}: ${kind}.external.name and ${kind}.name conflict; only use ${kind}.name`);
        if (versionAtLeast(version, kind === 'volume' ? '3.4' : '3.5')) warnings.push(`${kind} ${key}: ${kind}.external.name is deprecated in favor of ${kind}.name`);
      }
    }
  }
  const fileObjects = (kind: 'secret' | 'config', section: VMap | undefined): StackFileObject[] => {
    const out: StackFileObject[] = [];
    for (const [key, e] of section?.entries ?? []) {
      const cfg = e.val as VMap;
      const { name: oname, external } = objectName(ctx, section, key);
      const file = str(get(cfg, 'file'));
      const driver = kind === 'secret' ? str(get(cfg, 'driver')) : null;
      if (!external && driver !== null && file !== null) fail(cfg.file, keyNode(cfg, 'file'), `${kind} ${key}: ${kind}.driver and ${kind}.file conflict; only use ${kind}.driver`);
      // loadFileObjectConfig: neither external nor a driver means a file, `filepath.Join(workingDir,
      // "")` when none is given, which the deploy then fails to read as a directory.
      out.push({
        key, name: oname, external, file: external || driver !== null ? null : resolvePath(workingDir, file ?? ''),
        labels: { ...labelsOf(get(cfg, 'labels')), [LABEL_NAMESPACE]: name },
      });
    }
    return out;
  };
  const secrets = fileObjects('secret', ctx.secrets);
  const configs = fileObjects('config', ctx.configs);

  // convert.Networks: only the networks some service uses are created (or checked, if external).
  const networks: StackNetwork[] = [];
  for (const key of [...used].sort()) {
    const cfgV = ctx.networks === undefined ? undefined : get(ctx.networks, key);
    const cfg = cfgV !== undefined && cfgV.kind === 'map' ? cfgV : undefined;
    const ext = cfg === undefined ? undefined : get(cfg, 'external');
    const external = ext !== undefined && (ext.kind === 'map' || (ext.kind === 'scalar' && ext.value === true));
    const driverOpts: Record<string, string> = {};
    for (const [k, o] of sub(cfg, 'driver_opts')?.entries ?? []) driverOpts[k] = str(o.val) ?? '';
    const ipamConfig = sub(cfg, 'ipam') === undefined ? undefined : get(sub(cfg, 'ipam')!, 'config');
    const firstPool = ipamConfig !== undefined && ipamConfig.kind === 'seq' ? ipamConfig.items[0] : undefined;
    networks.push({
      key,
      name: networkName(ctx, key),
      driver: str(cfg === undefined ? undefined : get(cfg, 'driver')) ?? 'overlay',
      external,
      attachable: cfg !== undefined && (get(cfg, 'attachable') as VScalar | undefined)?.value === true,
      driverOpts,
      labels: external ? labelsOf(cfg === undefined ? undefined : get(cfg, 'labels')) : { ...labelsOf(cfg === undefined ? undefined : get(cfg, 'labels')), [LABEL_NAMESPACE]: name },
      subnet: firstPool !== undefined && firstPool.kind === 'map' ? str(get(firstPool, 'subnet')) : null,
    });
  }

  // LoadComposefile prints these once Load has succeeded.
  if (unsupported.size > 0) warnings.push(`Ignoring unsupported options: ${[...unsupported].sort().join(', ')}`);
  if (deprecated.size > 0) warnings.push(`Ignoring deprecated options:\n\n${[...deprecated].map(([k, v]) => `${k}: ${v}`).sort().join('\n\n')}`);
  warnings.push(...ctx.notes);

  return { name, services, networks, secrets, configs, volumes, warnings, convertError };
}
