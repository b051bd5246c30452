// Generated sequences of docker commands: a small model of what exists (containers, their
// networks and ports, user networks) picks each next command so that most of them make sense
// and some are refused (a name in use, a running container removed, a network with endpoints),
// as a user's session goes. Same seed and index → same case.
import { Rng } from '../../src/core/rng.js';
import type { Case, Step } from './model.js';
import { HOST_IP } from './model.js';

interface C {
  name: string;
  image: 'busybox' | 'web';
  /** bridge (the default), host, none, or a user network's name. */
  mode: string;
  nets: string[];
  running: boolean;
  ports: number[];
}

interface N {
  name: string;
  internal: boolean;
}

export interface GenOptions {
  /** Families to draw from (all when empty). */
  families: string[];
}

export const FAMILIES = ['bridge', 'networks', 'publish', 'modes', 'restart', 'swarm'] as const;

class Gen {
  readonly steps: Step[] = [];
  readonly cs: C[] = [];
  readonly ns: N[] = [];
  private nextC = 1;
  private nextN = 1;
  private nextPort = 8080;

  constructor(readonly rng: Rng) {}

  chance(p: number): boolean {
    return this.rng.below(1_000_000) < p * 1_000_000;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.rng.below(xs.length)]!;
  }

  docker(line: string): void {
    this.steps.push({ kind: 'docker', line });
  }

  running(): C[] {
    return this.cs.filter((c) => c.running);
  }

  /** A new container, maybe named as an existing one (refused: the name is in use). */
  run(o: { mode?: string; image?: 'busybox' | 'web'; publish?: boolean; link?: boolean } = {}): C | null {
    const image = o.image ?? (this.chance(0.4) ? 'web' : 'busybox');
    const mode = o.mode ?? 'bridge';
    const reuse = this.cs.length > 0 && this.chance(0.06);
    const name = reuse ? this.pick(this.cs).name : `c${this.nextC++}`;
    const flags: string[] = ['-d', '--name', name];
    if (mode !== 'bridge' || this.chance(0.2)) flags.push('--network', mode);
    const ports: number[] = [];
    if (o.publish && image === 'web' && mode !== 'host' && mode !== 'none') {
      const form = this.pick(['hp', 'hp', 'ip', 'udp', 'reuse']);
      const used = this.cs.flatMap((c) => (c.running ? c.ports : []));
      const port = form === 'reuse' && used.length > 0 ? this.pick(used) : this.nextPort++;
      if (form === 'ip') flags.push('-p', `${HOST_IP}:${port}:80`);
      else if (form === 'udp') flags.push('-p', `${port}:80/udp`);
      else flags.push('-p', `${port}:80`);
      if (form !== 'udp') ports.push(port);
    }
    if (o.link && mode === 'bridge') {
      const targets = this.running().filter((c) => c.mode === 'bridge');
      if (targets.length > 0) {
        const t = this.pick(targets);
        flags.push('--link', this.chance(0.5) ? `${t.name}:al${t.name}` : t.name);
      }
    }
    if (mode !== 'host' && this.chance(0.15)) flags.push('--hostname', `h${name}`);
    if (mode !== 'bridge' && mode !== 'host' && mode !== 'none' && this.chance(0.3)) flags.push('--network-alias', `a${name}`);
    const cmd = image === 'busybox' ? ' sh -c "while true; do sleep 3600; done"' : '';
    this.docker(`docker run ${flags.join(' ')} ${image}${cmd}`);
    if (reuse) return null;
    const c: C = { name, image, mode, nets: mode === 'host' || mode === 'none' ? [] : [mode], running: true, ports };
    // A port already taken fails the start: the container stays, created, not running.
    const clash = ports.some((p) => this.cs.some((o2) => o2.running && o2.ports.includes(p)));
    if (clash) {
      c.running = false;
      c.ports = [];
    }
    this.cs.push(c);
    return c;
  }

  network(): N {
    const name = `n${this.nextN++}`;
    const flags: string[] = [];
    if (this.chance(0.3)) flags.push('--subnet', `10.${10 + this.nextN}.0.0/24`);
    const internal = this.chance(0.15);
    if (internal) flags.push('--internal');
    if (this.chance(0.15)) flags.push('--label', `k=${name}`);
    if (this.chance(0.15)) flags.push('-o', `com.docker.network.bridge.name=b${name}`);
    this.docker(`docker network create${flags.length > 0 ? ' ' + flags.join(' ') : ''} ${name}`);
    const n = { name, internal };
    this.ns.push(n);
    return n;
  }

  probe(): void {
    const run = this.running().filter((c) => c.nets.length > 0);
    if (run.length >= 2 && this.chance(0.6)) {
      const a = this.pick(run);
      const b = this.pick(run.filter((x) => x !== a));
      const shared = a.nets.find((n) => b.nets.includes(n) && n !== 'bridge');
      const dst = shared !== undefined && this.chance(0.6) ? b.name : null;
      if (dst !== null) this.steps.push({ kind: 'ping', from: a.name, dst });
      else this.steps.push({ kind: 'ping', from: a.name, dst: `@ip:${b.name}` });
      return;
    }
    const pub = this.running().filter((c) => c.ports.length > 0);
    if (pub.length > 0) {
      const c = this.pick(pub);
      this.steps.push({ kind: 'wget', from: 'lan', url: `http://${HOST_IP}:${this.pick(c.ports)}/` });
    }
  }

  lifecycle(): void {
    if (this.cs.length === 0) return;
    const c = this.pick(this.cs);
    const what = this.pick(['stop', 'start', 'rm', 'rmf', 'restart']);
    if (what === 'stop') {
      this.docker(`docker stop -t 1 ${c.name}`);
      c.running = false;
    } else if (what === 'start') {
      this.docker(`docker start ${c.name}`);
      c.running = c.running || !c.ports.some((p) => this.cs.some((o) => o !== c && o.running && o.ports.includes(p)));
    } else if (what === 'restart') {
      this.docker(`docker restart -t 1 ${c.name}`);
      c.running = true;
    } else if (what === 'rm') {
      this.docker(`docker rm ${c.name}`);
      if (!c.running) this.cs.splice(this.cs.indexOf(c), 1);
    } else {
      this.docker(`docker rm -f ${c.name}`);
      this.cs.splice(this.cs.indexOf(c), 1);
    }
  }

  connect(): void {
    const c = this.cs.filter((x) => x.mode !== 'host' && x.mode !== 'none');
    if (c.length === 0 || this.ns.length === 0) return;
    const x = this.pick(c);
    const n = this.pick(this.ns);
    if (x.nets.includes(n.name) && this.chance(0.7)) {
      this.docker(`docker network disconnect ${n.name} ${x.name}`);
      x.nets.splice(x.nets.indexOf(n.name), 1);
    } else {
      this.docker(`docker network connect${this.chance(0.3) ? ` --alias b${x.name}` : ''} ${n.name} ${x.name}`);
      if (!x.nets.includes(n.name)) x.nets.push(n.name);
    }
  }

  rmNetwork(): void {
    if (this.ns.length === 0) return;
    const n = this.pick(this.ns);
    this.docker(`docker network rm ${n.name}`);
    if (!this.cs.some((c) => c.nets.includes(n.name))) this.ns.splice(this.ns.indexOf(n), 1);
  }
}

/** The `@ip:NAME` placeholder in a ping step: the container's first address, looked up on each
 *  side when the step runs (the same on both when the model agrees). */
export const IP_OF = /^@ip:(.+)$/;

export function generate(seed: number, index: number, families: readonly string[] = FAMILIES): Case {
  const rng = new Rng((seed * 0x9e3779b1 + index * 0x85ebca6b + 1) >>> 0);
  const g = new Gen(rng);
  const family = g.pick(families);
  const n = 4 + rng.below(5);
  switch (family) {
    case 'bridge':
      for (let i = 0; i < n; i++) {
        const r = rng.below(10);
        if (r < 4 || g.cs.length === 0) g.run({ link: true });
        else if (r < 6) g.lifecycle();
        else g.probe();
      }
      break;
    case 'networks':
      g.network();
      for (let i = 0; i < n; i++) {
        const r = rng.below(12);
        if (r < 3) g.run({ mode: g.ns.length > 0 && g.chance(0.7) ? g.pick(g.ns).name : 'bridge' });
        else if (r < 4) g.network();
        else if (r < 7) g.connect();
        else if (r < 8) g.rmNetwork();
        else if (r < 9) g.lifecycle();
        else g.probe();
      }
      break;
    case 'publish':
      for (let i = 0; i < n; i++) {
        const r = rng.below(10);
        if (r < 4 || g.cs.length === 0) g.run({ image: 'web', publish: true, mode: g.ns.length > 0 && g.chance(0.3) ? g.pick(g.ns).name : 'bridge' });
        else if (r < 5) g.network();
        else if (r < 7) g.lifecycle();
        else g.probe();
      }
      break;
    case 'modes':
      for (let i = 0; i < n; i++) {
        const r = rng.below(10);
        if (r < 5 || g.cs.length === 0) g.run({ mode: g.pick(['host', 'none', 'bridge']) });
        else if (r < 6) g.network();
        else if (r < 8) g.lifecycle();
        else g.probe();
      }
      break;
    case 'restart':
      for (let i = 0; i < n; i++) {
        const r = rng.below(10);
        if (r < 4 || g.cs.length === 0) g.run({ publish: true, link: true });
        else if (r < 5) g.steps.push({ kind: 'restart' });
        else if (r < 6) g.network();
        else if (r < 8) g.lifecycle();
        else g.probe();
      }
      if (!g.steps.some((s) => s.kind === 'restart')) g.steps.push({ kind: 'restart' });
      break;
    case 'swarm': {
      g.docker(`docker swarm init --advertise-addr ${HOST_IP}`);
      g.docker('docker network create -d overlay --attachable ov1');
      if (g.chance(0.5)) g.docker('docker service create --name s1 --replicas 1 --network ov1 busybox sh -c "while true; do sleep 3600; done"');
      g.run({ mode: 'ov1' });
      if (g.chance(0.5)) g.run({ mode: 'ov1' });
      g.probe();
      g.docker('docker swarm leave --force');
      break;
    }
  }
  return { id: String(index), family, steps: g.steps };
}
