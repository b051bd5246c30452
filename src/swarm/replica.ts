// One manager's copy of the swarm's state, as swarmkit keeps one MemoryStore per manager fed by
// its own Raft log (manager/state/raft/raft.go processCommitted → store.ApplyStoreActions; a
// snapshot from the leader replaces it, restoreFromSnapshot). Here it holds the objects' snapshots
// (swarm/raft-entry.ts), one map per kind, and the index it was applied to: it is fed only by the
// committed entries of that manager's log, in index order, and by a MsgSnap's data.
//
// The leader's live store (store/memory.ts) is what the reconcilers run on and the agents and
// views hold references into; a replica is data only. When a new leader takes over, the live
// store is put back to its replica (cluster.ts resetTo): what the old leader wrote and never got
// committed is lost, as it is in swarmkit. A single manager keeps no replica: every write commits
// at once there, so its store is its replica; one is made from the store when a second manager
// joins (fromStore).
import type { FileObjectSnapshot, NetworkSnapshot, NodeSnapshot, ServiceSnapshot, StoreAction, StoreObject, TaskSnapshot } from './raft-entry.js';
import { actionBytes, storeAction } from './raft-entry.js';
import type { MemoryStore } from './store/memory.js';

/** A replica as plain data: what a MsgSnap carries (api.StoreSnapshot). */
export interface ReplicaData {
  readonly index: number;
  readonly tasks: readonly TaskSnapshot[];
  readonly services: readonly ServiceSnapshot[];
  readonly nodes: readonly NodeSnapshot[];
  readonly networks: readonly NetworkSnapshot[];
  readonly secrets: readonly FileObjectSnapshot[];
  readonly configs: readonly FileObjectSnapshot[];
}

export class Replica {
  /** The last log index applied (swarmkit appliedIndex). */
  applied = 0;
  readonly tasks = new Map<string, TaskSnapshot>();
  readonly services = new Map<string, ServiceSnapshot>();
  readonly nodes = new Map<string, NodeSnapshot>();
  readonly networks = new Map<string, NetworkSnapshot>();
  readonly secrets = new Map<string, FileObjectSnapshot>();
  readonly configs = new Map<string, FileObjectSnapshot>();

  /** A committed entry's actions (store.ApplyStoreActions): created and updated objects are
   *  put, deleted ones removed (an unknown one is no error, as swarmkit's delete of a missing ID). */
  apply(index: number, actions: readonly StoreAction[] | undefined): void {
    if (index <= this.applied) return;
    this.applied = index;
    if (actions === undefined) return;
    for (const a of actions) {
      const table = this.table(a.kind) as Map<string, StoreAction['object']>;
      if (a.action === 'delete') table.delete(a.id);
      else table.set(a.id, a.object);
    }
  }

  private table(kind: StoreAction['kind']): Map<string, unknown> {
    switch (kind) {
      case 'task':
        return this.tasks;
      case 'service':
        return this.services;
      case 'node':
        return this.nodes;
      case 'network':
        return this.networks;
      case 'secret':
        return this.secrets;
      case 'config':
        return this.configs;
    }
  }

  /** The replica as a MsgSnap's data. */
  data(): ReplicaData {
    return {
      index: this.applied,
      tasks: [...this.tasks.values()],
      services: [...this.services.values()],
      nodes: [...this.nodes.values()],
      networks: [...this.networks.values()],
      secrets: [...this.secrets.values()],
      configs: [...this.configs.values()],
    };
  }

  /** Replaced by a leader's snapshot as of `index`. */
  install(index: number, d: ReplicaData | null): void {
    this.applied = index;
    for (const t of [this.tasks, this.services, this.nodes, this.networks, this.secrets, this.configs]) t.clear();
    if (d === null) return;
    for (const o of d.tasks) this.tasks.set(o.id, o);
    for (const o of d.services) this.services.set(o.id, o);
    for (const o of d.nodes) this.nodes.set(o.id, o);
    for (const o of d.networks) this.networks.set(o.id, o);
    for (const o of d.secrets) this.secrets.set(o.id, o);
    for (const o of d.configs) this.configs.set(o.id, o);
  }

  /** The store of a single manager (all of it committed) as a replica at `index`. */
  static fromStore(store: MemoryStore, index: number): Replica {
    const r = new Replica();
    r.apply(index, storeObjects(store).map((o) => storeAction(o, 'create', store.version(o))));
    return r;
  }

  /** Its size as a snapshot (api.StoreSnapshot): each object as its StoreAction would be. */
  bytes(): number {
    let n = 0;
    for (const [kind, table] of [['task', this.tasks], ['service', this.services], ['node', this.nodes], ['network', this.networks], ['secret', this.secrets], ['config', this.configs]] as const) {
      for (const object of table.values()) n += actionBytes({ kind, action: 'create', id: object.id, object } as StoreAction);
    }
    return n;
  }
}

/** Every object in a store, kind by kind. */
export function storeObjects(store: MemoryStore): StoreObject[] {
  return [...store.nodes.values(), ...store.networks.values(), ...store.services.values(), ...store.tasks.values(), ...store.secrets.values(), ...store.configs.values()];
}
