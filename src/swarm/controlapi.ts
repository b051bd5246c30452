// The control API the CLI calls on a manager (swarmkit manager/controlapi/service.go): it checks
// the request, writes the store through its typed operations and lets the reconcilers do the
// rest. Service updates carry the version the CLI read; a stale one is refused as the store
// refuses it (ErrSequenceConflict, which gRPC words "code = Unknown").
import { Service } from './model.js';
import type { SwarmNetwork } from './model.js';
import { serviceNetworks } from './allocator.js';
import type { Allocator } from './allocator.js';
import { SwarmError } from './errors.js';
import type { UpdateSupervisor } from './orchestrator/update.js';
import { MAX_SERVICES } from './spec.js';
import type { ServiceSpec } from './spec.js';
import { SequenceConflict } from './store/memory.js';
import type { MemoryStore } from './store/memory.js';

export class ControlApi {
  constructor(
    private readonly store: MemoryStore,
    private readonly allocator: Allocator,
    private readonly updates: UpdateSupervisor,
    private readonly newId: () => string,
    private readonly now: () => number,
  ) {}

  /** CreateService: the name is free, the ports and VIPs are allocated, then the service is stored. */
  createService(spec: ServiceSpec): Service {
    const services = this.store.services;
    if (this.store.findService(spec.name) !== null && [...services.values()].some((s) => s.spec.name === spec.name)) {
      throw new SwarmError(`rpc error: code = AlreadyExists desc = name conflicts with an existing object: service ${spec.name} already exists`);
    }
    // Each commit visits every service: past MAX_SERVICES, creating them one by one grows
    // quadratically into minutes, so the simulator refuses (swarm/spec.ts).
    if (services.size >= MAX_SERVICES) throw new SwarmError(`rpc error: code = ResourceExhausted desc = swarmsim: a swarm may have at most ${MAX_SERVICES} services in the simulator`);
    const svc = new Service(this.newId(), spec, this.now());
    this.allocator.allocateService(svc);
    this.store.createService(svc);
    return svc;
  }

  /** UpdateService: the new spec, the old one kept as PreviousSpec; an update under way stops. */
  updateService(svc: Service, spec: ServiceSpec, version: number): void {
    this.write(svc, version, (s) => {
      s.previousSpec = s.spec;
      s.spec = spec;
      s.updatedAt = this.now();
      s.updateStatus = null;
    });
    this.updates.cancel(svc.id);
    this.allocator.allocateService(svc);
  }

  /** `service rollback` (an update with rollback set): Spec and PreviousSpec swap, so a second
   *  rollback goes forward again. */
  rollbackService(svc: Service, version: number): void {
    const previous = svc.previousSpec;
    if (previous === null) throw new SwarmError(`rpc error: code = FailedPrecondition desc = service ${svc.id} does not have a previous spec`);
    this.write(svc, version, (s) => {
      s.previousSpec = s.spec;
      s.spec = previous;
      s.updatedAt = this.now();
      s.updateStatus = { state: 'rollback_started', message: 'manually requested rollback', startedAt: this.now(), completedAt: null };
    });
    this.updates.cancel(svc.id);
    this.allocator.allocateService(svc);
  }

  /** `service scale`: the CLI's ServiceUpdate with the new replica count. */
  scaleService(svc: Service, replicas: number, version: number): void {
    if (svc.spec.mode.kind !== 'replicated') throw new SwarmError(`${svc.spec.name}: scale can only be used with replicated mode`);
    this.write(svc, version, (s) => {
      s.spec = { ...s.spec, mode: { kind: 'replicated', replicas } };
      s.updatedAt = this.now();
    });
  }

  /** RemoveService: its tasks are to be removed (the reaper deletes them once ended), its VIPs freed. */
  removeService(svc: Service): void {
    for (const t of [...this.store.serviceTasks(svc.id)]) this.store.updateTask(t, { desiredState: 'remove' });
    this.allocator.releaseVips(svc, false);
    this.store.deleteService(svc);
  }

  /** RemoveNetwork: refused while a service uses it. */
  removeNetwork(net: SwarmNetwork): void {
    const users = [...this.store.services.values()].filter((s) => serviceNetworks(this.store, s).includes(net));
    if (users.length > 0) throw new SwarmError(`rpc error: code = FailedPrecondition desc = network ${net.id} is in use by service ${users[0]!.id}`);
    this.store.deleteNetwork(net);
  }

  private write(svc: Service, version: number, write: (s: Service) => void): void {
    try {
      this.store.updateService(svc, version, write);
    } catch (e) {
      if (e instanceof SequenceConflict) throw new SwarmError(`rpc error: code = Unknown desc = ${e.message}`);
      throw e;
    }
  }
}
