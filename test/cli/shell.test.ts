// `swarmsim shell`: the interactive shell driven through streams, as a terminal or a pipe would.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { complete } from '../../src/cli/repl/complete.js';
import { ShellCore } from '../../src/cli/repl/core.js';
import { Recorder } from '../../src/cli/repl/save.js';
import { DEFAULT_CLUSTER } from '../../src/cli/repl/start.js';
import { runText } from '../helpers.js';

function tmp(name: string): string {
  return join(mkdtempSync(join(tmpdir(), 'swarmsim-shell-')), name);
}

/** Runs `swarmsim shell ARGS` with `input` typed (a pipe, or a terminal when tty); returns what it showed. */
async function shell(args: string[], input: string | string[], tty = false, historyFile: string | null = null): Promise<{ code: number; out: string; err: string }> {
  const inp = new PassThrough();
  const outp = new PassThrough();
  let out = '';
  let err = '';
  outp.on('data', (d: Buffer) => (out += d.toString()));
  const pending = main(['shell', ...args], { out: (s) => (out += s), err: (s) => (err += s) }, { input: inp, output: outp, tty, historyFile });
  // Keys arrive one chunk at a time, as a person types them, each after the previous was read.
  for (const chunk of Array.isArray(input) ? input : [input]) {
    inp.write(chunk);
    await new Promise((r) => setTimeout(r, 20));
  }
  inp.end();
  const code = await pending;
  return { code, out, err };
}

function coreOn(yaml: string, first: string, wait: () => Promise<void> = async () => undefined, speed = 0): { core: ShellCore; out: () => string } {
  const { res } = runText(yaml);
  let out = '';
  const core = new ShellCore(res.sim, res.sessions, first, (t) => (out += t), { speed, wait }, new Recorder(yaml));
  return { core, out: () => out };
}

describe('swarmsim shell', () => {
  it('takes commands from a pipe, prints them as the run transcript does, and exits with the last status', async () => {
    const r = await shell([], 'hostname\nip link show eth0\nfalse\n');
    expect(r.out).toContain('[root@swarm-manager ~]# hostname\nswarm-manager\n');
    expect(r.out).toContain('[root@swarm-manager ~]# ip link show eth0\n2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500');
    expect(r.code).toBe(1);
    // No prompt is echoed twice: each command line appears exactly once.
    expect(r.out.split('# hostname').length).toBe(2);
  });

  it('replays a scenario first and carries on from its state', async () => {
    const f = tmp('s.yaml');
    writeFileSync(f, 'hosts:\n  - { name: n1, ip: 10.0.0.1/24 }\nsteps:\n  - run: ip netns add red\n');
    const r = await shell([f], 'ip netns list\n');
    expect(r.out).toContain('[root@n1 ~]# ip netns add red\n');
    expect(r.out).toContain('[root@n1 ~]# ip netns list\nred\n');
    expect(r.code).toBe(0);
  });

  it('moves between hosts with ssh and comes back with exit', async () => {
    const r = await shell([], 'ssh swarm-worker2\nhostname\n:hosts\nexit\nhostname\nssh nowhere\n');
    expect(r.out).toContain('[root@swarm-worker2 ~]# hostname\nswarm-worker2\n');
    expect(r.out).toContain('* swarm-worker2        192.168.205.12');
    expect(r.out).toContain('[root@swarm-worker2 ~]# exit\nlogout\nConnection to swarm-worker2 closed.\n[root@swarm-manager ~]# hostname\nswarm-manager\n');
    expect(r.out).toContain('ssh: Could not resolve hostname nowhere: Name or service not known');
    expect(r.code).toBe(255);
  });

  it('advances the clock with :sleep and traces from where the user stands', async () => {
    const r = await shell([], 'ip netns add a\nip link add va type veth peer name vb\nip link set vb netns a\nip addr add 10.9.0.1/24 dev va\nip link set va up\nip netns exec a ip addr add 10.9.0.2/24 dev vb\nip netns exec a ip link set vb up\n:sleep 2s\n:trace 10.9.0.2\n:trace 10.9.0.2:80\n:trace nowhere\n');
    expect(r.out).toContain('trace icmp from swarm-manager/root to 10.9.0.2\nrequest:\n');
    expect(r.out).toContain('=> delivered: echo request answered by the kernel');
    expect(r.out).toContain('trace tcp from swarm-manager/root to 10.9.0.2:80');
    expect(r.out).toContain('usage: :trace IP[:PORT] [--proto icmp|tcp|udp]');
    expect(r.code).toBe(2);
  });

  it(':view writes the HTML view of the cluster now, with the packets traced in the session', async () => {
    const page = tmp('view.html');
    const r = await shell([], `ip netns add red\n:trace 192.168.205.11\n:view ${page}\n`);
    expect(r.out).toContain(`wrote ${page}: the topology now, and 1 trace from this session`);
    const html = readFileSync(page, 'utf8');
    expect(html).toContain('data-key="swarm-manager/red"');
    expect(html).toContain('>icmp from swarm-manager/root to 192.168.205.11</button>');
    expect(html).toContain('[root@swarm-manager ~]# ip netns add red');
  });

  it(':save writes a scenario that swarmsim run replays with every expectation holding', async () => {
    const saved = tmp('saved.yaml');
    const session = 'docker swarm init --advertise-addr 192.168.205.10\nssh swarm-worker1\nip addr show eth0\nping -c 1 192.168.205.99\nexit\n:sleep 3s\ndocker node ls\n:trace 192.168.205.12\n' + `:save ${saved} --expect\n`;
    const r = await shell([], session);
    expect(r.out).toContain(`saved 6 steps to ${saved}`);
    const text = readFileSync(saved, 'utf8');
    expect(text).toContain('  - run: ping -c 1 192.168.205.99\n    on: swarm-worker1\n    expect:\n      exit: 1\n');
    expect(text).toContain('  - sleep: 3s\n');
    const replay = runText(text, saved);
    expect(replay.res.passed).toBe(true);
    // The replay prints what the session printed for the same commands.
    const shown = (s: string): string => s.slice(s.indexOf('# docker node ls'), s.indexOf('ID ') + 200);
    expect(shown(replay.transcript)).toBe(shown(r.out));
  });

  it('^C sends SIGINT to the running command; the saved scenario interrupts it at the same instant', async () => {
    let waits = 0;
    const { core, out } = coreOn(DEFAULT_CLUSTER, 'swarm-manager', async () => {
      // The user presses ^C about half a simulated second into the ping.
      if (++waits === 10) core.interrupt();
    }, 1);
    const r = await core.line('ping -c 100 192.168.205.11');
    // SIGINT reaches ping, which prints its statistics as iputils does, and exits 1 (no loss
    // would be 0; here the first reply came, the second was not due yet).
    expect(out()).toContain('64 bytes from 192.168.205.11: icmp_seq=1 ttl=64');
    expect(out()).not.toContain('icmp_seq=2 ');
    expect(out()).toMatch(/\^C\n--- 192\.168\.205\.11 ping statistics ---\n1 packets transmitted, 1 received, 0% packet loss, time \d+ms\n/);
    expect(core.world.eq.now).toBeGreaterThan(400_000_000);
    expect(core.world.eq.now).toBeLessThan(1_000_000_000);
    expect((await core.line('hostname')).code).toBe(0);
    // Saved as a step with `interrupt:` at the instant ^C came; the replay prints the same.
    const text = core.record.text(true);
    expect(text).toMatch(new RegExp(`  - run: ping -c 100 192\\.168\\.205\\.11\\n    on: swarm-manager\\n    interrupt: [\\d.]+ms\\n    expect:\\n      exit: ${r.code}\\n`));
    expect(runText(text).res.passed).toBe(true);
  });

  it('keeps history in a dotfile and recalls it with the up arrow', async () => {
    const hist = tmp('history');
    await shell([], ['hostname\r', 'echo first-session\r'], true, hist);
    expect(readFileSync(hist, 'utf8')).toBe('hostname\necho first-session\n');
    // A new session: up arrow, then Enter, runs the last command of the previous one again.
    const r = await shell([], ['\x1b[A', '\r'], true, hist);
    expect(r.out).toMatch(/\nfirst-session\n/);
    expect(readFileSync(hist, 'utf8')).toBe('hostname\necho first-session\necho first-session\n');
  });

  it('completes with Tab on a terminal', async () => {
    const r = await shell([], ['docker swarm in\t', ' --advertise-addr 192.168.205.10\r'], true);
    expect(r.out).toContain('Swarm initialized: current node');
  });
});

describe('completion', () => {
  const { core } = coreOn(
    DEFAULT_CLUSTER.replace('steps: []', 'steps:\n  - run: docker swarm init --advertise-addr 192.168.205.10\n  - run: docker service create --name web -d nginx\n  - run: docker network create -d overlay backend\n  - run: ip netns add red\n  - run: docker run -d --name db busybox sleep 1000'),
    'swarm-manager',
  );
  const c = (line: string): string[] => complete(line, core.sim, core.host, [':trace', 'ssh'])[0];

  it('completes commands, subcommands and flags', () => {
    expect(c('ipvs')).toEqual(['ipvsadm']);
    expect(c(':tr')).toEqual([':trace']);
    expect(c('docker ser')).toEqual(['service']);
    expect(c('docker service ')).toContain('create');
    expect(c('docker run --r')).toEqual(['--restart', '--rm']);
    expect(c('ip link s')).toEqual(['set', 'show']);
  });

  it('completes the names the cluster holds now', () => {
    expect(c('ssh swarm-w')).toEqual(['swarm-worker1', 'swarm-worker2']);
    expect(c('docker service ps w')).toEqual(['web']);
    expect(c('docker network inspect b')).toEqual(['backend', 'bridge']);
    expect(c('docker exec -it d')).toEqual(['db']);
    expect(c('docker node inspect swarm-m')).toEqual(['swarm-manager']);
    expect(c('ip netns exec r')).toEqual(['red']);
    expect(c('ip link set d')).toEqual(['docker0', 'docker_gwbridge']);
  });
});
