// The real side: a real dockerd (Debian's docker.io) in a network namespace of its own, with a
// veth to a second namespace as its LAN. Nothing runs in the root namespace: dockerd is started
// as `nsenter --net=/run/netns/NS unshare -m -u --propagation slave sh -c '…'`, which mounts a
// fresh sysfs (so /sys/class/net is the namespace's) with the cgroup hierarchy bound back, and
// binds the harness's own /etc/hosts and /etc/resolv.conf. Namespaces go into the kernel
// harness's `live` set the moment they are asked for; every process is stopped by PID (dockerd,
// then whatever is left in its namespace and in its cgroup parent) before they are deleted.
import { spawn, execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { cleanupSync as cleanupNamespaces, live, run } from '../kernel-diff/real.js';
import type { Names, Outcome, Step } from './model.js';
import { wgetLine } from './model.js';
import { HOST_HOSTS, HOST_IP, HOST_NAME, HOST_RESOLV, LAN_IP, WEB_BODY } from './model.js';
import { splitWords } from './words.js';
import { normaliseContainerJson } from './versions.js';
import type { Observation } from './observe.js';

export const DOCKER_CLI = '/usr/bin/docker';
const CGROUP_CONTROLLERS = ['pids', 'memory', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'blkio', 'systemd', 'unified'];

/** Every dockerd running now, for the signal and exit handlers. */
const daemons = new Set<RealDocker>();
/** Directories of this run to remove on the way out (the images' rootfs). */
export const scratch = new Set<string>();

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class RealDocker {
  readonly hostNs: string;
  readonly lanNs: string;
  readonly root: string;
  readonly cgroupParent: string;
  private proc: ChildProcess | null = null;
  private pid = 0;

  constructor(readonly tag: string) {
    this.hostNs = `kd${process.pid}-${tag}-h`;
    this.lanNs = `kd${process.pid}-${tag}-l`;
    this.root = `/tmp/kd${process.pid}-${tag}`;
    this.cgroupParent = `kd${process.pid}-${tag}`;
  }

  private get sock(): string {
    return `unix://${this.root}/docker.sock`;
  }

  /** Creates the namespaces, the files and the image rootfs, and starts dockerd. */
  async setUp(rootfs: string): Promise<string | null> {
    daemons.add(this);
    const r = this.root;
    for (const d of ['bin', 'data', 'exec', 'etc', 'cg']) mkdirSync(path.join(r, d), { recursive: true });
    for (const t of ['iptables', 'iptables-save', 'iptables-restore', 'ip6tables', 'ip6tables-save', 'ip6tables-restore']) {
      const legacy = `/usr/sbin/${t.replace(/^(ip6?tables)/, '$1-legacy')}`;
      if (existsSync(legacy)) symlinkSync(legacy, path.join(r, 'bin', t));
    }
    writeFileSync(path.join(r, 'etc', 'daemon.json'), '{}\n');
    writeFileSync(path.join(r, 'etc', 'hosts'), HOST_HOSTS);
    writeFileSync(path.join(r, 'etc', 'resolv.conf'), HOST_RESOLV);
    const ns = await this.createNamespaces();
    if (ns !== null) return ns;
    const err = await this.start();
    if (err !== null) return err;
    for (const [name, cmd, expose] of [['busybox', '["sh"]', false], ['web', '["httpd","-f","-p","80","-h","/www"]', true]] as const) {
      const script = `tar -C ${rootfs} -c . | ${DOCKER_CLI} -H ${this.sock} import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ${cmd}'${expose ? " -c 'EXPOSE 80'" : ''} - ${name}:latest`;
      const x = await run(['sh', '-c', script], 60_000);
      if (x.code !== 0) return `harness docker import ${name}: ${x.out.trim()}`;
    }
    return null;
  }

  /** The docker host's namespace and its LAN peer's, joined by a veth. */
  private async createNamespaces(): Promise<string | null> {
    for (const ns of [this.hostNs, this.lanNs]) {
      live.add(ns);
      const a = await run(['ip', 'netns', 'add', ns]);
      if (a.code !== 0) return `harness ip netns add ${ns}: ${a.out.trim()}`;
    }
    for (const argv of [
      ['ip', '-n', this.hostNs, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'lan0', 'netns', this.lanNs],
      ['ip', '-n', this.hostNs, 'addr', 'add', `${HOST_IP}/24`, 'brd', '192.168.205.255', 'dev', 'eth0'],
      ['ip', '-n', this.hostNs, 'link', 'set', 'eth0', 'up'],
      ['ip', '-n', this.hostNs, 'link', 'set', 'lo', 'up'],
      ['ip', '-n', this.lanNs, 'addr', 'add', `${LAN_IP}/24`, 'dev', 'lan0'],
      ['ip', '-n', this.lanNs, 'link', 'set', 'lan0', 'up'],
      ['ip', '-n', this.lanNs, 'link', 'set', 'lo', 'up'],
      ['ip', '-n', this.hostNs, 'route', 'add', 'default', 'via', LAN_IP],
    ]) {
      const x = await run(argv);
      if (x.code !== 0) return `harness ${argv.join(' ')}: ${x.out.trim()}`;
    }
    return null;
  }

  private async deleteNamespaces(): Promise<void> {
    killLeft(this.hostNs, this.cgroupParent);
    for (const ns of [this.hostNs, this.lanNs]) {
      if (!live.has(ns)) continue;
      await run(['ip', 'netns', 'delete', ns]);
      live.delete(ns);
    }
  }

  /** Starts dockerd and waits until it answers. */
  async start(): Promise<string | null> {
    const r = this.root;
    const script = [
      // The cgroup hierarchy, bound aside, then back over the fresh sysfs's empty /sys/fs/cgroup.
      `mount --rbind /sys/fs/cgroup ${r}/cg && mount -t sysfs sysfs /sys && mount --rbind ${r}/cg /sys/fs/cgroup && umount -l ${r}/cg`,
      `mount --bind ${r}/etc/hosts /etc/hosts && mount --bind ${r}/etc/resolv.conf /etc/resolv.conf`,
      `hostname ${HOST_NAME}`,
      `export PATH=${r}/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      `exec dockerd --storage-driver vfs --data-root ${r}/data --exec-root ${r}/exec --pidfile ${r}/dockerd.pid -H ${this.sock} --config-file ${r}/etc/daemon.json --cgroup-parent /${this.cgroupParent} --shutdown-timeout 1 >>${r}/dockerd.log 2>&1`,
    ].join('\n');
    rmSync(`${r}/docker.sock`, { force: true });
    const p = spawn('nsenter', [`--net=/run/netns/${this.hostNs}`, 'unshare', '-m', '-u', '--propagation', 'slave', 'sh', '-c', script], { stdio: 'ignore' });
    this.proc = p;
    this.pid = p.pid ?? 0;
    for (let i = 0; i < 300; i++) {
      if (p.exitCode !== null || p.signalCode !== null) break;
      if (existsSync(`${r}/docker.sock`)) {
        const v = await this.docker(['version', '--format', '{{.Server.Version}}']);
        if (v.code === 0) return null;
      }
      await sleep(100);
    }
    let log = '';
    try {
      log = readFileSync(`${r}/dockerd.log`, 'utf8').split('\n').slice(-5).join('\n');
    } catch {
      /* none */
    }
    return `dockerd did not start: ${log}`;
  }

  /** Stops dockerd (SIGTERM; it stops its containers within --shutdown-timeout), then SIGKILL. */
  async stop(): Promise<void> {
    const p = this.proc;
    if (p === null) return;
    this.proc = null;
    if (p.exitCode === null && p.signalCode === null) {
      const gone = new Promise<void>((res) => p.once('exit', () => res()));
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(t);
    }
  }

  async restart(): Promise<string | null> {
    await this.stop();
    return this.start();
  }

  /** A GET on the daemon's API socket, parsed. */
  api(p: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const req = http.get({ socketPath: `${this.root}/docker.sock`, path: p, timeout: 30_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          try {
            resolve(JSON.parse(body));
          } catch (e) {
            reject(new Error(`docker API ${p}: ${String(e)}: ${body.slice(0, 200)}`));
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error(`docker API ${p}: timed out`)));
      req.on('error', reject);
    });
  }

  docker(args: string[], timeoutMs = 60_000): Promise<{ out: string; code: number }> {
    return run([DOCKER_CLI, '-H', this.sock, ...args], timeoutMs);
  }

  /**
   * Back to a fresh daemon's state between cases: no containers, no user networks, no swarm.
   * `full` also restarts dockerd in new namespaces (after a case that restarted the daemon or
   * left state the removals do not clear); otherwise removing what the case made suffices.
   */
  async reset(full: boolean): Promise<string | null> {
    const info = await this.docker(['info', '--format', '{{.Swarm.LocalNodeState}}']);
    if (info.out.trim() !== 'inactive') await this.docker(['swarm', 'leave', '--force']);
    const ids = (await this.docker(['ps', '-aq'])).out.split('\n').filter((l) => l !== '');
    if (ids.length > 0) await this.docker(['rm', '-f', ...ids]);
    await this.docker(['network', 'prune', '-f']);
    if (!full) return null;
    // A first start on a fresh machine: new namespaces (no docker0, whose address a start would
    // adopt — daemon_unix.go initBridgeDriver —, no iptables table a case loaded), the images kept.
    await this.stop();
    await this.deleteNamespaces();
    const ns = await this.createNamespaces();
    return ns ?? this.start();
  }

  /** Runs one step; returns its outcome lines (exit status and output, not yet normalised). */
  async step(s: Step): Promise<Outcome> {
    switch (s.kind) {
      case 'docker': {
        const r = await this.docker(splitWords(s.line).slice(1));
        return [`exit ${r.code}`, ...lines(r.out)];
      }
      case 'restart': {
        const err = await this.restart();
        return err === null ? ['exit 0'] : [`harness ${err}`];
      }
      case 'ping': {
        const r = await this.docker(['exec', s.from, 'ping', '-c', '1', '-W', '1', s.dst]);
        return [`exit ${r.code}`, ...lines(r.out)];
      }
      case 'wget': {
        // The LAN peer is a Linux machine with GNU wget (as swarmsim's hosts are); containers
        // have busybox's.
        const r = s.from === 'lan' ? await run(['ip', 'netns', 'exec', this.lanNs, ...splitWords(wgetLine(s.url))]) : await this.docker(['exec', s.from, ...splitWords(wgetLine(s.url))]);
        return [`exit ${r.code}`, ...lines(r.out)];
      }
    }
  }

  /** What the harness compares after a step, read from the real host and containers. */
  async observe(): Promise<{ obs: Observation; names: Names }> {
    await this.settleLinks();
    const sections = ['iptables-save', 'ip -d link', 'ip addr', 'ip route', 'brctl show', 'bridge fdb'];
    const h = await run(['ip', 'netns', 'exec', this.hostNs, 'sh', '-c', sections.map((c) => `${c.replace('iptables-save', 'iptables-legacy-save')} 2>&1; echo @@@`).join('; ')]);
    const parts = h.out.split('@@@\n');
    const host: Record<string, string> = {};
    sections.forEach((c, i) => (host[c] = parts[i] ?? ''));
    // What `docker inspect` prints is the Engine API's answer; asked directly, without a CLI
    // process per question (the machine is shared: each one costs).
    const list = (await this.api('/containers/json?all=1')) as Array<{ Id: string }>;
    const containers = normaliseContainerJson(await Promise.all(list.map((c) => this.api(`/containers/${c.Id}/json`))) as Array<Record<string, any>>);
    const nets = (await this.api('/networks')) as Array<{ Id: string }>;
    const networks = (await Promise.all(nets.map((n) => this.api(`/networks/${n.Id}`)))) as Array<Record<string, any>>;
    const inside: Observation['containers'] = [];
    for (const c of containers) {
      const name = String(c.Name).replace(/^\//, '');
      const files: Record<string, string> = {};
      for (const f of ['hosts', 'resolv.conf']) {
        try {
          files[`/etc/${f}`] = readFileSync(path.join(this.root, 'data', 'containers', c.Id, f), 'utf8');
        } catch {
          files[`/etc/${f}`] = '(none)';
        }
      }
      const net: Record<string, string> = {};
      const pid = Number(c.State?.Pid ?? 0);
      if (pid > 0 && c.HostConfig?.NetworkMode !== 'host') {
        const x = await run(['nsenter', '-t', String(pid), '-n', 'sh', '-c', 'ip -d link; echo @@@; ip addr; echo @@@; ip route']);
        const p = x.out.split('@@@\n');
        net['ip -d link'] = p[0] ?? '';
        net['ip addr'] = p[1] ?? '';
        net['ip route'] = p[2] ?? '';
      }
      inside.push({ name, running: pid > 0, files, net });
    }
    return {
      obs: { host, containers: inside, containerJson: containers, networkJson: networks },
      names: {
        containers: containers.map((c) => ({ id: String(c.Id), name: String(c.Name).replace(/^\//, '') })),
        networks: networks.map((n) => ({ id: String(n.Id), name: String(n.Name) })),
      },
    };
  }

  /**
   * Waits (up to 2 s) until no link of the host is UP with its carrier gone but its operstate not
   * yet DOWN: the kernel's linkwatch applies a carrier change up to a second later
   * (linkwatch_fire_event), a moment swarmsim, which applies it at once, never shows.
   */
  private async settleLinks(): Promise<void> {
    for (let i = 0; i < 40; i++) {
      const r = await run(['ip', '-n', this.hostNs, '-o', 'link']);
      const pending = r.out.split('\n').some((l) => {
        const flags = /<([^>]*)>/.exec(l)?.[1]?.split(',') ?? [];
        // …and no bridge port whose peer is still down (a container's veth mid-setup or
        // mid-teardown: never a state Docker leaves a port in).
        return (flags.includes('UP') && !flags.includes('LOWER_UP') && !flags.includes('NO-CARRIER')) || (/ master \S+/.test(l) && / state LOWERLAYERDOWN/.test(l));
      });
      if (!pending) return;
      await sleep(50);
    }
  }

  /** Stops everything and removes the namespaces and files. */
  async tearDown(): Promise<void> {
    await this.stop();
    await this.deleteNamespaces();
    rmSync(this.root, { recursive: true, force: true });
    daemons.delete(this);
  }

  /** For the signal handlers: no awaiting. */
  killSync(): void {
    if (this.pid > 0) {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    killLeft(this.hostNs, this.cgroupParent);
  }
}

function lines(out: string): string[] {
  return out.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
}

/** Kills whatever still runs in a namespace (containerd, shims, docker-proxy) and in a cgroup
 *  parent (the containers' processes), by PID; removes the cgroup directories. */
function killLeft(ns: string, cgroupParent: string): void {
  const pids = new Set<number>();
  try {
    for (const l of execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')) if (l.trim() !== '') pids.add(Number(l));
  } catch {
    /* no namespace */
  }
  const dirs: string[] = [];
  for (const ctl of CGROUP_CONTROLLERS) {
    const base = `/sys/fs/cgroup/${ctl}/${cgroupParent}`;
    if (!existsSync(base)) continue;
    const walk = (d: string): void => {
      dirs.push(d);
      try {
        for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name));
        for (const l of readFileSync(path.join(d, 'cgroup.procs'), 'utf8').split('\n')) if (l.trim() !== '') pids.add(Number(l));
      } catch {
        /* raced */
      }
    };
    walk(base);
  }
  for (const p of pids) {
    if (p === process.pid || !Number.isInteger(p) || p <= 1) continue;
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  // Deepest first; a directory whose processes have not died yet stays (the sweep takes it next run).
  for (const d of dirs.reverse()) {
    for (let i = 0; i < 20; i++) {
      try {
        rmdirSync(d);
        break;
      } catch {
        execFileSync('sleep', ['0.05']);
      }
    }
  }
}

/** Signal and exit handlers: every dockerd and its processes killed, then the namespaces deleted. */
export function cleanupSync(): void {
  for (const d of daemons) d.killSync();
  cleanupNamespaces();
  for (const d of daemons) rmSync(d.root, { recursive: true, force: true });
  daemons.clear();
  for (const p of scratch) rmSync(p, { recursive: true, force: true });
  scratch.clear();
}

/** Leftovers of earlier runs (kd<pid>-dd…, whose process is gone): their processes killed, their
 *  cgroups, namespaces and files removed. The kernel harness's sweep then deletes the namespaces. */
export function sweepDockerLeftovers(): number {
  const tags = new Set<string>();
  const dead = (pid: number): boolean => {
    if (pid === process.pid) return false;
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  };
  try {
    for (const l of execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n')) {
      const m = /^kd(\d+)-(dd\d+)-[hl]\b/.exec(l);
      if (m && dead(Number(m[1]))) tags.add(`kd${m[1]}-${m[2]}`);
    }
  } catch {
    /* no ip netns */
  }
  for (const e of readdirSync('/tmp')) {
    const m = /^kd(\d+)-(dd\d+)$/.exec(e);
    if (m && dead(Number(m[1]))) tags.add(e);
    const r = /^kd(\d+)-rootfs-/.exec(e);
    if (r && dead(Number(r[1]))) rmSync(`/tmp/${e}`, { recursive: true, force: true });
  }
  for (const t of tags) {
    killLeft(`${t}-h`, t);
    for (const ns of [`${t}-h`, `${t}-l`]) {
      try {
        execFileSync('ip', ['netns', 'delete', ns], { stdio: 'ignore' });
      } catch {
        /* gone */
      }
    }
    rmSync(`/tmp/${t}`, { recursive: true, force: true });
  }
  return tags.size;
}

/** The images' root file system: Debian's busybox-static with its applet links, and the web
 *  page; built once per run. */
export function buildRootfs(dir: string): void {
  for (const d of ['bin', 'etc', 'www', 'tmp', 'proc', 'sys', 'dev']) mkdirSync(path.join(dir, d), { recursive: true });
  copyFileSync('/bin/busybox', path.join(dir, 'bin', 'busybox'));
  const applets = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a !== '' && a !== 'busybox');
  for (const a of applets) symlinkSync('busybox', path.join(dir, 'bin', a));
  writeFileSync(path.join(dir, 'www', 'index.html'), WEB_BODY);
}
