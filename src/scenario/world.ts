// Builds the simulated world a scenario declares: one host per entry, all on one LAN.
import { World } from '../kernel/world.js';
import { addRoute } from '../kernel/rtnl.js';
import { Route, TABLE_MAIN } from '../kernel/route/table.js';
import type { Scenario } from './model.js';
import { filesOf } from '../shell/exec.js';

export function buildWorld(sc: Scenario): World {
  const world = new World(sc.seed);
  for (const h of sc.hosts) {
    const host = world.addHost(h.name, h.addr, h.len);
    if (h.gateway !== null) {
      const eth0 = host.root.device('eth0')!;
      addRoute(host.root, new Route('unicast', 0, 0, eth0, h.gateway, 0, 'global', 'boot', 0, TABLE_MAIN));
    }
  }
  for (const f of sc.files) filesOf(world.hosts.get(f.on)!).set(f.path, f.content);
  return world;
}
