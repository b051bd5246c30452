// dockerd [OPTIONS] (& ): restarts the host's Docker daemon with these options, as the seeds do to
// point it at a cluster store; and `systemctl start|stop|restart docker`.
import type { Daemon } from '../docker/daemon.js';
import type { Program } from './program.js';
import { println } from './program.js';

/** Applies dockerd's options to a daemon; returns an error text or null. */
export function applyDockerdOptions(d: Daemon, args: string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, null];
    const value = (): string | null => inline ?? args[++i] ?? null;
    switch (flag) {
      case '--cluster-store':
        d.clusterStore = value();
        break;
      case '--cluster-advertise':
        d.clusterAdvertise = value();
        break;
      case '--insecure-registry':
        d.insecureRegistries.push(value() ?? '');
        break;
      // The containers' DNS defaults (daemon/config: --dns, --dns-search, --dns-opt).
      case '--dns':
        d.dnsDefaults = { ...d.dnsDefaults, dns: [...d.dnsDefaults.dns, value() ?? ''] };
        break;
      case '--dns-search':
        d.dnsDefaults = { ...d.dnsDefaults, search: [...d.dnsDefaults.search, value() ?? ''] };
        break;
      case '--dns-opt':
        d.dnsDefaults = { ...d.dnsDefaults, options: [...d.dnsDefaults.options, value() ?? ''] };
        break;
      case '-H':
      case '--host':
        value();
        break;
      case '&':
        break;
      default:
        return `unknown flag: ${flag}`;
    }
  }
  return null;
}

/** dockerd reads /etc/docker/daemon.json when it starts (the seeds' insecure-registries). */
export function applyDaemonJson(d: Daemon, files: ReadonlyMap<string, string>): void {
  const text = files.get('/etc/docker/daemon.json');
  if (text === undefined) return;
  try {
    const v = JSON.parse(text) as { 'insecure-registries'?: unknown; dns?: unknown; 'dns-search'?: unknown; 'dns-opts'?: unknown };
    const strings = (x: unknown): string[] | null => (Array.isArray(x) ? x.filter((y): y is string => typeof y === 'string') : null);
    d.dnsDefaults = {
      dns: strings(v.dns) ?? d.dnsDefaults.dns,
      search: strings(v['dns-search']) ?? d.dnsDefaults.search,
      options: strings(v['dns-opts']) ?? d.dnsDefaults.options,
    };
    const list = v['insecure-registries'];
    const cli = d.insecureRegistries.filter((r) => !d.daemonJsonRegistries.includes(r));
    d.daemonJsonRegistries = Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
    d.insecureRegistries = [...cli, ...d.daemonJsonRegistries];
  } catch {
    // dockerd refuses to start on a bad file; the simulator keeps the previous settings
  }
}

export const dockerd: Program = (ctx, argv, exit) => {
  const d = ctx.sim.docker.daemon(ctx.host);
  if (d === undefined) {
    println(ctx, '-bash: dockerd: command not found');
    return exit(127);
  }
  if (d.running) {
    println(ctx, 'failed to start daemon: pid file found, ensure docker is not running or delete /var/run/docker.pid');
    return exit(1);
  }
  const err = applyDockerdOptions(d, argv.slice(1));
  if (err !== null) {
    println(ctx, err);
    return exit(125);
  }
  d.start();
  exit(0);
};

export const systemctl: Program = (ctx, argv, exit) => {
  const [verb, unit] = [argv[1], argv[2]?.replace(/\.service$/, '')];
  const d = unit === 'docker' ? ctx.sim.docker.daemon(ctx.host) : undefined;
  if (d === undefined) {
    println(ctx, `Failed to ${verb} ${argv[2] ?? ''}: Unit not found.`);
    return exit(5);
  }
  const config = (): void => applyDaemonJson(d, ctx.sim.userland(ctx.host).files);
  if (verb === 'stop') d.stop();
  else if (verb === 'start') {
    config();
    d.start();
  } else if (verb === 'restart') {
    d.stop();
    config();
    d.start();
  } else if (verb === 'is-active') {
    println(ctx, d.running ? 'active' : 'inactive');
    return exit(d.running ? 0 : 3);
  } else {
    println(ctx, `Unknown operation '${verb}'.`);
    return exit(1);
  }
  exit(0);
};
