// Builds the simulated world a scenario declares: one host per entry, all on one LAN.
import { World } from '../kernel/world.js';
import { addRoute } from '../kernel/rtnl.js';
import { Route, TABLE_MAIN } from '../kernel/route/table.js';
import type { Scenario } from './model.js';
import { InputError } from '../core/errors.js';
import { filesOf } from '../shell/exec.js';
import { dockerOf } from '../docker/engine.js';
import { parseImageRef } from '../docker/images.js';
import { applyDockerdOptions } from '../shell/dockerd.js';

export function buildWorld(sc: Scenario): World {
  const world = new World(sc.seed);
  for (const h of sc.hosts) {
    const host = world.addHost(h.name, h.addr, h.len);
    if (h.gateway !== null) {
      const eth0 = host.root.device('eth0')!;
      addRoute(host.root, new Route('unicast', 0, 0, eth0, h.gateway, 0, 'global', 'boot', 0, TABLE_MAIN));
    }
  }
  const docker = dockerOf(world);
  for (const img of sc.images) {
    const ref = parseImageRef(img.name);
    const key = img.name.slice(img.name.lastIndexOf('/') + 1).includes(':') ? `${ref.repo}:${ref.tag}` : ref.repo;
    docker.registry.declare(key, {
      repo: ref.repo, shell: img.shell, cmd: ['/app/serve'], daemon: true, layers: 2,
      ports: img.ports.map((port) => ({ port, proto: 'tcp' as const, behaviour: { kind: 'http' as const, body: img.reply } })),
      exposed: img.ports.map((p) => `${p}/tcp`),
      ...(img.crash !== null ? { crash: { code: img.crash, after: img.crashAfter } } : {}),
    });
  }
  for (const h of sc.hosts) {
    const host = world.hosts.get(h.name)!;
    filesOf(host).set('/etc/hosts', `127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4\n::1         localhost localhost.localdomain localhost6 localhost6.localdomain6\n`);
    filesOf(host).set('/etc/hostname', `${h.name}\n`);
    if (!h.docker) continue;
    const d = docker.install(host, false);
    const files = filesOf(host);
    d.hostFile = (path) => files.get(path);
    const err = applyDockerdOptions(d, h.dockerd.split(/\s+/).filter((w) => w !== ''));
    if (err !== null) throw new InputError(`dockerd: ${err}`, h.line, h.col);
    // The seeds' machines had run dockerd before (their default bridge shows its Gateway).
    d.start({ ranBefore: true });
  }
  for (const f of sc.files) filesOf(world.hosts.get(f.on)!).set(f.path, f.content);
  return world;
}
