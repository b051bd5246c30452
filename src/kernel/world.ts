// Everything that exists in one simulation: the hosts, the LAN between them, the clock and the RNG.
import { Rng } from '../core/rng.js';
import { EventQueue } from '../sim/clock.js';
import { Host } from './host.js';
import type { IfAddr } from './device.js';
import { Lan } from './lan.js';

export class World {
  readonly eq = new EventQueue();
  readonly rng: Rng;
  readonly lan = new Lan();
  readonly hosts = new Map<string, Host>();

  constructor(readonly seed: number) {
    this.rng = new Rng(seed);
  }

  /** A host named `name` with eth0 at `addr/len` on the LAN. */
  addHost(name: string, addr: number, len: number): Host {
    return this.addHostNics(name, [{ ifname: 'eth0', addr, len, lan: this.lan }]);
  }

  /** A host with these NICs, in ifindex order, each on its LAN (the shared one, or a private one). */
  addHostNics(name: string, nics: ReadonlyArray<{ ifname: string; addr: number; len: number; lan: Lan; opts?: Pick<IfAddr, 'noprefixroute' | 'lifetime'> }>): Host {
    // Each host draws from its own stream, so adding a host does not change the others' IDs.
    const host = new Host(name, this.eq, new Rng((this.seed * 0x9e3779b1 + this.hosts.size * 0x85ebca6b) >>> 0));
    for (const n of nics) host.attachLan(n.lan, n.ifname, n.addr, n.len, n.opts);
    this.hosts.set(name, host);
    return host;
  }
}
