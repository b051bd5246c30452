// swarmsim's side: the same host in a fresh World (docker-node1 on a LAN with its gateway), the
// same two images, the steps typed into the emulated shell, and the same observations made with
// the emulated commands (in the host's namespace and in each container's).
import { World } from '../../src/kernel/world.js';
import type { Host } from '../../src/kernel/host.js';
import type { Netns } from '../../src/kernel/netns.js';
import { addRoute } from '../../src/kernel/rtnl.js';
import { Route, TABLE_MAIN } from '../../src/kernel/route/table.js';
import { parseIp4 } from '../../src/core/addr.js';
import { startCommand } from '../../src/shell/exec.js';
import { Simulation } from '../../src/scenario/simulation.js';
import '../../src/shell/commands.js';
import type { Daemon } from '../../src/docker/daemon.js';
import { MS, SEC } from '../../src/sim/clock.js';
import type { Names, Outcome, Step } from './model.js';
import { HOST_HOSTS, HOST_IP, HOST_NAME, HOST_RESOLV, LAN_IP, WEB_BODY, wgetLine } from './model.js';
import type { Observation } from './observe.js';

export class SimDocker {
  readonly world: World;
  readonly sim: Simulation;
  readonly host: Host;
  readonly lan: Host;
  readonly daemon: Daemon;

  constructor(seed: number) {
    this.world = new World(seed);
    this.sim = new Simulation(this.world);
    this.host = this.world.addHost(HOST_NAME, parseIp4(HOST_IP)!, 24);
    this.lan = this.world.addHost('lan', parseIp4(LAN_IP)!, 24);
    const eth0 = this.host.root.device('eth0')!;
    addRoute(this.host.root, new Route('unicast', 0, 0, eth0, parseIp4(LAN_IP)!, 0, 'global', 'boot', 0, TABLE_MAIN));
    const files = this.sim.userland(this.host).files;
    files.set('/etc/hosts', HOST_HOSTS);
    files.set('/etc/resolv.conf', HOST_RESOLV);
    const docker = this.sim.docker;
    docker.registry.declare('web', {
      repo: 'web', shell: 'busybox', cmd: ['httpd', '-f', '-p', '80', '-h', '/www'], daemon: true, layers: 1,
      ports: [{ port: 80, proto: 'tcp', behaviour: { kind: 'http', body: WEB_BODY } }], exposed: ['80/tcp'], pid1IgnoresTerm: true,
    });
    this.daemon = docker.install(this.host, false);
    this.daemon.hostFile = (path) => files.get(path);
    // The real side's daemon has always run before the case (main.ts resets it first).
    this.daemon.start({ ranBefore: true });
    // Imported on the real side before the case: present, nothing to pull.
    for (const img of ['busybox:latest', 'web:latest']) this.daemon.images.set(img, this.world.rng.hex(64));
  }

  private sh(line: string, ns: Netns = this.host.root, host: Host = this.host): { out: string; code: number } {
    let out = '';
    const c = startCommand(this.sim, host, ns, line, { write: (t) => (out += t) });
    this.world.eq.runWhile(() => !c.done, this.world.eq.now + 3600 * SEC);
    if (!c.done) return { out: out + '(did not finish)', code: -1 };
    return { out, code: c.code };
  }

  step(s: Step): Outcome {
    // The real side takes about a second a step; so does the simulated clock.
    this.world.eq.runWhile(() => true, this.world.eq.now + SEC);
    let r: { out: string; code: number };
    switch (s.kind) {
      case 'docker':
        r = this.sh(s.line);
        break;
      case 'restart':
        r = this.sh('systemctl restart docker');
        break;
      case 'ping':
        r = this.sh(`docker exec ${s.from} ping -c 1 -W 1 ${s.dst}`);
        break;
      case 'wget':
        r = s.from === 'lan' ? this.sh(wgetLine(s.url), this.lan.root, this.lan) : this.sh(`docker exec ${s.from} ${wgetLine(s.url)}`);
        break;
    }
    // What happens just after a command (a process that exits at once) has happened on the
    // real side by the time it is observed.
    this.world.eq.runWhile(() => true, this.world.eq.now + 100 * MS);
    return [`exit ${r.code}`, ...r.out.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '')];
  }

  observe(): { obs: Observation; names: Names } {
    const host: Record<string, string> = {};
    for (const c of ['iptables-save', 'ip -d link', 'ip addr', 'ip route', 'brctl show', 'bridge fdb']) host[c] = this.sh(c).out;
    const d = this.daemon;
    const list = [...d.containers.values()];
    const ids = list.map((c) => c.id);
    const containerJson = ids.length === 0 ? [] : (JSON.parse(this.sh(`docker inspect ${ids.join(' ')}`).out) as unknown[]);
    const nets = [...d.networks.values()];
    const networkJson = nets.length === 0 ? [] : (JSON.parse(this.sh(`docker network inspect ${nets.map((n) => n.id).join(' ')}`).out) as unknown[]);
    const containers: Observation['containers'] = list.map((c) => {
      const files: Record<string, string> = {};
      // The real side reads each container's own directory; one that joined another's namespace
      // has no files there (its HostsPath is the other's: initializeNetworkingPaths).
      for (const f of ['/etc/hosts', '/etc/resolv.conf']) files[f] = c.joined !== null ? '(none)' : c.files.get(f) ?? '(none)';
      const net: Record<string, string> = {};
      if (c.state === 'running' && c.networkMode !== 'host') {
        for (const cmd of ['ip -d link', 'ip addr', 'ip route']) net[cmd] = this.sh(cmd, c.sandbox).out;
      }
      return { name: c.name, running: c.state === 'running', files, net };
    });
    return {
      obs: { host, containers, containerJson, networkJson },
      names: { containers: list.map((c) => ({ id: c.id, name: c.name })), networks: nets.map((n) => ({ id: n.id, name: n.name })) },
    };
  }
}
