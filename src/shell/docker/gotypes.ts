// The Go types of docker/docker api/types/swarm at v19.03 (service.go, task.go, container.go,
// network.go, secret.go, config.go, common.go; mount/mount.go), field for field in declaration
// order: what `docker service|secret|config inspect -f '{{.Spec}}'` prints is fmt's %v of these
// structs (`{{pw map[]} [] <nil> <nil>}`, checked with Go 1.19's text/template on the real types).
import type { GoField, GoType } from '../gotemplate.js';

const S: GoType = 'string';
const N: GoType = 'number';
const B: GoType = 'bool';

function struct(name: string, fields: Array<[string, GoType] | [string, GoType, 'embedded']>): GoType {
  return { struct: name, fields: fields.map(([n, type, e]): GoField => ({ name: n, type, ...(e !== undefined ? { embedded: true } : {}) })) };
}
const ptr = (t: GoType): GoType => ({ ptr: t });
const slice = (t: GoType): GoType => ({ slice: t });

const Version = struct('Version', [['Index', N]]);
const Meta = struct('Meta', [['Version', Version], ['CreatedAt', 'time'], ['UpdatedAt', 'time']]);
const Annotations = struct('Annotations', [['Name', S], ['Labels', 'map']]);
const Driver = struct('Driver', [['Name', S], ['Options', 'map']]);

const SecretSpec = struct('SecretSpec', [['Annotations', Annotations, 'embedded'], ['Data', 'bytes'], ['Driver', ptr(Driver)], ['Templating', ptr(Driver)]]);
export const SECRET: GoType = struct('Secret', [['ID', S], ['Meta', Meta, 'embedded'], ['Spec', SecretSpec]]);
const ConfigSpec = struct('ConfigSpec', [['Annotations', Annotations, 'embedded'], ['Data', 'bytes'], ['Templating', ptr(Driver)]]);
export const CONFIG: GoType = struct('Config', [['ID', S], ['Meta', Meta, 'embedded'], ['Spec', ConfigSpec]]);

const FileTarget = struct('FileTarget', [['Name', S], ['UID', S], ['GID', S], ['Mode', 'filemode']]);
const SecretReference = struct('SecretReference', [['File', ptr(FileTarget)], ['SecretID', S], ['SecretName', S]]);
const ConfigReference = struct('ConfigReference', [['File', ptr(FileTarget)], ['Runtime', ptr(struct('ConfigReferenceRuntimeTarget', []))], ['ConfigID', S], ['ConfigName', S]]);
const Mount = struct('Mount', [
  ['Type', S], ['Source', S], ['Target', S], ['ReadOnly', B], ['Consistency', S],
  ['BindOptions', ptr(struct('BindOptions', [['Propagation', S], ['NonRecursive', B]]))],
  ['VolumeOptions', ptr(struct('VolumeOptions', [['NoCopy', B], ['Labels', 'map'], ['DriverConfig', ptr(Driver)]]))],
  ['TmpfsOptions', ptr(struct('TmpfsOptions', [['SizeBytes', N], ['Mode', 'filemode']]))],
]);
const HealthConfig = struct('HealthConfig', [['Test', 'strings'], ['Interval', 'duration'], ['Timeout', 'duration'], ['StartPeriod', 'duration'], ['Retries', N]]);
const Privileges = struct('Privileges', [
  ['CredentialSpec', ptr(struct('CredentialSpec', [['Config', S], ['File', S], ['Registry', S]]))],
  ['SELinuxContext', ptr(struct('SELinuxContext', [['Disable', B], ['User', S], ['Role', S], ['Type', S], ['Level', S]]))],
]);
const DNSConfig = struct('DNSConfig', [['Nameservers', 'strings'], ['Search', 'strings'], ['Options', 'strings']]);
const ContainerSpec = struct('ContainerSpec', [
  ['Image', S], ['Labels', 'map'], ['Command', 'strings'], ['Args', 'strings'], ['Hostname', S], ['Env', 'strings'],
  ['Dir', S], ['User', S], ['Groups', 'strings'], ['Privileges', ptr(Privileges)], ['Init', ptr(B)], ['StopSignal', S],
  ['TTY', B], ['OpenStdin', B], ['ReadOnly', B], ['Mounts', slice(Mount)], ['StopGracePeriod', ptr('duration')],
  ['Healthcheck', ptr(HealthConfig)], ['Hosts', 'strings'], ['DNSConfig', ptr(DNSConfig)], ['Secrets', slice(ptr(SecretReference))],
  ['Configs', slice(ptr(ConfigReference))], ['Isolation', S], ['Sysctls', 'map'],
]);
const GenericResource = struct('GenericResource', [
  ['NamedResourceSpec', ptr(struct('NamedGenericResource', [['Kind', S], ['Value', S]]))],
  ['DiscreteResourceSpec', ptr(struct('DiscreteGenericResource', [['Kind', S], ['Value', N]]))],
]);
const Resources = struct('Resources', [['NanoCPUs', N], ['MemoryBytes', N], ['GenericResources', slice(GenericResource)]]);
const Placement = struct('Placement', [
  ['Constraints', 'strings'], ['Preferences', slice(struct('PlacementPreference', [['Spread', ptr(struct('SpreadOver', [['SpreadDescriptor', S]]))]]))],
  ['MaxReplicas', N], ['Platforms', slice(struct('Platform', [['Architecture', S], ['OS', S]]))],
]);
const NetworkAttachmentConfig = struct('NetworkAttachmentConfig', [['Target', S], ['Aliases', 'strings'], ['DriverOpts', 'map']]);
const TaskSpec = struct('TaskSpec', [
  ['ContainerSpec', ptr(ContainerSpec)],
  ['PluginSpec', ptr(struct('PluginSpec', [['Name', S], ['Remote', S], ['Privileges', 'strings'], ['Disabled', B], ['Env', 'strings']]))],
  ['NetworkAttachmentSpec', ptr(struct('NetworkAttachmentSpec', [['ContainerID', S]]))],
  ['Resources', ptr(struct('ResourceRequirements', [['Limits', ptr(Resources)], ['Reservations', ptr(Resources)]]))],
  ['RestartPolicy', ptr(struct('RestartPolicy', [['Condition', S], ['Delay', ptr('duration')], ['MaxAttempts', ptr(N)], ['Window', ptr('duration')]]))],
  ['Placement', ptr(Placement)], ['Networks', slice(NetworkAttachmentConfig)], ['LogDriver', ptr(Driver)], ['ForceUpdate', N], ['Runtime', S],
]);
const UpdateConfig = struct('UpdateConfig', [['Parallelism', N], ['Delay', 'duration'], ['FailureAction', S], ['Monitor', 'duration'], ['MaxFailureRatio', N], ['Order', S]]);
const PortConfig = struct('PortConfig', [['Name', S], ['Protocol', S], ['TargetPort', N], ['PublishedPort', N], ['PublishMode', S]]);
const EndpointSpec = struct('EndpointSpec', [['Mode', S], ['Ports', slice(PortConfig)]]);
const ServiceSpec = struct('ServiceSpec', [
  ['Annotations', Annotations, 'embedded'], ['TaskTemplate', TaskSpec],
  ['Mode', struct('ServiceMode', [['Replicated', ptr(struct('ReplicatedService', [['Replicas', ptr(N)]]))], ['Global', ptr(struct('GlobalService', []))]])],
  ['UpdateConfig', ptr(UpdateConfig)], ['RollbackConfig', ptr(UpdateConfig)], ['Networks', slice(NetworkAttachmentConfig)], ['EndpointSpec', ptr(EndpointSpec)],
]);
export const SERVICE: GoType = struct('Service', [
  ['ID', S], ['Meta', Meta, 'embedded'], ['Spec', ServiceSpec], ['PreviousSpec', ptr(ServiceSpec)],
  ['Endpoint', struct('Endpoint', [['Spec', EndpointSpec], ['Ports', slice(PortConfig)], ['VirtualIPs', slice(struct('EndpointVirtualIP', [['NetworkID', S], ['Addr', S]]))]])],
  ['UpdateStatus', ptr(struct('UpdateStatus', [['State', S], ['StartedAt', ptr('time')], ['CompletedAt', ptr('time')], ['Message', S]]))],
]);
