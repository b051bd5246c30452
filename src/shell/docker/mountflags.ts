// `docker run -v` and `--mount` as docker/cli 19.03 and the daemon read them: `-v` is
// [source:]target[:mode] (an absolute source is a bind, another a volume name, none an anonymous
// volume), `--mount` a comma list of key=value. Texts from moby's volume/mounts/linux_parser.go and
// daemon/volumes.go; a -v volume on the local driver gets the mode "z" (setBindModeIfNull).
import { DaemonError, UsageError } from '../../docker/errors.js';
import type { MountSpec } from '../../docker/daemon.js';

const MODES = new Set(['ro', 'rw', 'z', 'Z', 'nocopy', 'shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate', 'consistent', 'cached', 'delegated']);
/** volume/local: a name must match this (the error tells of a host directory). */
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

function validMode(mode: string): boolean {
  return mode === '' || mode.split(',').every((m) => MODES.has(m));
}

/** The daemon's refusal of a mount (volume/mounts parser: errdefs.InvalidParameter). */
const runError = (msg: string): DaemonError => new DaemonError('invalidParameter', msg);

export function parseVolumeFlag(raw: string): MountSpec {
  const parts = raw.split(':');
  if (parts[0] === '' || parts.length > 3) throw runError(`invalid volume specification: '${raw}'`);
  let source = '';
  let target: string;
  let mode = '';
  if (parts.length === 1) target = parts[0]!;
  else if (parts.length === 2) {
    if (validMode(parts[1]!)) throw runError(`invalid volume specification: '${raw}'`);
    [source, target] = parts as [string, string];
  } else [source, target, mode] = parts as [string, string, string];
  if (!validMode(mode)) throw runError(`invalid mode: ${mode}`);
  if (!target.startsWith('/')) throw runError(`invalid volume specification: '${raw}': invalid mount config for type "${source.startsWith('/') ? 'bind' : 'volume'}": invalid mount path: '${target}' mount path must be absolute`);
  const readOnly = mode.split(',').includes('ro');
  if (source.startsWith('/')) return { type: 'bind', source, target, readOnly, mode };
  if (source !== '' && !VOLUME_NAME.test(source)) {
    throw runError(`create ${source}: "${source}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
  }
  // An anonymous -v is the container config's Volumes (no mode); a named one a bind of the volume.
  return { type: 'volume', source, target, readOnly, mode: source === '' ? '' : mode === '' ? 'z' : mode };
}

export function parseMountFlag(raw: string): MountSpec {
  const kv = new Map<string, string>();
  for (const field of raw.split(',')) {
    const eq = field.indexOf('=');
    kv.set((eq < 0 ? field : field.slice(0, eq)).toLowerCase(), eq < 0 ? 'true' : field.slice(eq + 1));
  }
  const type = kv.get('type') ?? 'volume';
  const flagError = (why: string): UsageError => new UsageError(`invalid argument "${raw}" for "--mount" flag: ${why}`, true);
  if (type !== 'volume' && type !== 'bind') throw flagError(`invalid value for 'type': ${type}`);
  const target = kv.get('target') ?? kv.get('dst') ?? kv.get('destination') ?? '';
  if (target === '') throw runError('invalid mount config: field Target must not be empty');
  const source = kv.get('source') ?? kv.get('src') ?? '';
  const ro = kv.get('readonly') ?? kv.get('ro');
  const readOnly = ro === 'true' || ro === '1';
  if (type === 'bind' && source === '') throw runError('invalid mount config for type "bind": field Source must not be empty');
  return { type, source, target, readOnly, mode: '' };
}
