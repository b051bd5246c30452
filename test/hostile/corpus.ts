// A generated corpus of hostile inputs (fast-check, seeded: the same cases every run) and the
// runner that replays them: commands typed into a prepared host, and whole scenario files. Each
// case must end within its wall-time bound, never as an internal error or with a stack trace, and
// must fail where the real tool refuses it (the messages were checked against iproute2, iptables,
// bridge-utils, procps, iputils, GNU grep and Docker 19.03's source: see the commits).
import fc from 'fast-check';
import { InputError } from '../../src/core/errors.js';
import { loadScenario } from '../../src/scenario/load.js';
import { COMMAND_LIMIT, runScenario, STEP_EVENT_LIMIT } from '../../src/scenario/run.js';
import type { RunResult } from '../../src/scenario/run.js';
import { EventBudgetExceeded } from '../../src/sim/clock.js';
import { UnknownCommand, hostEnv, hostPrompt, startIn } from '../../src/shell/exec.js';
import { Session } from '../../src/shell/program.js';

export interface HostileCase {
  readonly id: string;
  /** A command typed on host n1 (prepared by SETUP), or a whole scenario file. */
  readonly command?: string;
  readonly scenario?: string;
  /** The real tool refuses it: the exit code must not be 0 (for a scenario: it must not pass). */
  readonly refused: boolean;
  /** Words the refusal must print. */
  readonly says?: string;
}

export interface CaseResult {
  readonly id: string;
  readonly ms: number;
  /** CPU time (user + system): the bound, since wall time on a shared machine says little. */
  readonly cpuMs: number;
  /** Exit code, or 'input' (refused as invalid input, exit 2) or 'internal' (an exception: exit 70). */
  readonly outcome: number | 'input' | 'internal';
  readonly output: string;
}

const HOST = 'hosts:\n  - { name: n1, ip: 192.168.205.10/24 }\n';
const SETUP = `${HOST}steps:
  - run: docker swarm init --advertise-addr 192.168.205.10
  - run: ip link add br0 type bridge
  - run: ip link add br1 type bridge
  - run: ip link add v1 type veth peer name v2
  - run: ip netns add x
  - run: docker service create -d --name web nginx
`;

// ---------------------------------------------------------------------------------------------
// Generators.

const word = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);
const notNumber = fc.oneof(word, fc.constantFrom('abc', '1x', '0x', '--', '1e3', '', ' ', '١٢'));
/** Words C's atoi reads as 0 (no leading digits). */
const notDigits = fc.oneof(fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/), fc.constantFrom('abc', '--', '', ' ', '١٢', 'x1'));
const short = fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/);
const bigPort = fc.integer({ min: 65536, max: 10_000_000 });
const unicastIp = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 })).filter(([a]) => a !== 127).map((t) => t.join('.'));
const badContainerName = fc.oneof(
  fc.tuple(word, fc.constantFrom('!', ' ', '$', '/', ':', '@', '#'), word).map(([a, c, b]) => `${a}${c}${b}`),
  fc.constantFrom('a', '-x', '.x', '_x'),
);
const catastrophic = fc.tuple(fc.constantFrom('(a+)+$', '(a*)*b', '(a|a)*c', '(a|aa)+$', '((a+)+)+$', '(.*a){12}$', '(a?){25}a{25}'), fc.integer({ min: 25, max: 5000 }));
const badGrep = fc.constantFrom(['(', 'Unmatched ( or \\('], ['a\\', 'Trailing backslash'], ['[a', 'Unmatched [, [^, [:, [., or [='], ['a{2,1}', 'Invalid content of \\{\\}'], ['[z-a]', 'Invalid range end'], ['[[:bogus:]]', 'Invalid character class name'], ['\\1', 'Invalid back reference']);

/** Commands the real tool refuses, with the words it prints. */
const refusals = fc.oneof(
  bigPort.map((p) => [`ip link add vx${p % 97} type vxlan id 42 dstport ${p}`, 'dst port']),
  unicastIp.map((ip) => [`ip link add vx type vxlan id 7 group ${ip} dev eth0`, 'group address']),
  fc.integer({ min: 256, max: 1_000_000 }).map((t) => [`ip link add vx type vxlan id 7 ttl ${t}`, 'TTL must be <= 255']),
  fc.integer({ min: 16_777_216, max: 2 ** 32 - 1 }).map((v) => [`ip link add vx type vxlan id ${v}`, 'invalid id']),
  fc.tuple(fc.nat(127).map((n) => n * 2 + 1), fc.nat(2 ** 40 - 1)).map(([o, r]) => [`ip link set v1 address ${[o, ...[4, 3, 2, 1, 0].map((i) => Math.floor(r / 256 ** i) % 256)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`, 'Cannot assign requested address']),
  fc.constant(['ip link set v1 address 00:00:00:00:00:00', 'Cannot assign requested address']),
  notNumber.filter((w) => w.trim() !== '').map((w) => [`ip link set v1 mtu '${w}'`, 'Invalid "mtu" value']),
  word.filter((w) => !['permanent', 'reachable', 'noarp', 'none', 'stale', 'incomplete', 'delay', 'probe', 'failed'].includes(w)).map((w) => [`ip neigh add 10.1.2.3 lladdr 02:00:00:00:00:01 dev v1 nud ${w}`, 'nud state is bad']),
  fc.oneof(fc.integer({ min: -1000, max: -1 }).map(String), word, fc.integer({ min: 2 ** 32, max: 2 ** 50 }).map(String)).map((m) => [`ip route add 10.77.0.0/16 dev eth0 metric ${m}`, '"metric" value is invalid']),
  fc.constant(['ip route flush', '"ip route flush" requires arguments.']),
  fc.tuple(word, word).map(([a, b]) => [`ip netns add ${a}/${b}`, 'Cannot create namespace file']),
  fc.constantFrom('.', '..').map((n) => [`ip netns add ${n}`, 'File exists']),
  fc.tuple(short, fc.constantFrom(' ', ':', '/'), short).map(([a, c, b]) => [`ip link add '${a}${c}${b}' type veth peer name p${a}`, 'Invalid argument']),
  fc.constantFrom('net.ipv4.ip_forward', 'net.ipv4.conf.all.rp_filter', 'net.bridge.bridge-nf-call-iptables').map((k) => [`sysctl -w ${k}`, 'must be of the form name=value']),
  fc.tuple(fc.constantFrom('net.ipv4.ip_forward', 'net.ipv4.ip_nonlocal_bind'), notNumber.filter((w) => w.trim() !== '')).map(([k, v]) => [`sysctl -w '${k}=${v}'`, 'Invalid argument']),
  fc.constant(['iptables -A INPUT ! -j ACCEPT', 'cannot have ! before -j']),
  fc.tuple(fc.integer({ min: 2, max: 65535 }), fc.integer({ min: 1, max: 65534 })).filter(([a, b]) => a > b).map(([a, b]) => [`iptables -A INPUT -p tcp --dport ${a}:${b} -j ACCEPT`, 'invalid portrange (min > max)']),
  fc.oneof(fc.integer({ min: 8, max: 100_000 }).map(String), word.filter((w) => !['emerg', 'alert', 'crit', 'error', 'warning', 'notice', 'info', 'debug', 'panic', 'err', 'warn'].includes(w))).map((l) => [`iptables -A INPUT -j LOG --log-level ${l}`, 'unknown']),
  fc.constantFrom("''", 'ACCEPT', 'DROP', 'DNAT', 'LOG', 'MASQUERADE').map((n) => [`iptables -N ${n}`, 'may not clash with target name']),
  fc.constantFrom('br0', 'br1').map((b) => [`brctl addif br0 ${b}`, "can't enslave a bridge device to a bridge device"]),
  fc.constant(['brctl addif br0 lo', 'Invalid argument']),
  fc.constant(['ip link set br1 master br0', 'Too many levels of symbolic links']),
  badContainerName.map((n) => [`docker run -d --name '${n}' nginx`, 'Invalid container name']),
  fc.constantFrom('nginx:', 'NGINX', 'nginx::1', ':latest', 'a//b', 'nginx@sha256:zz').map((r) => [`docker run -d '${r}'`, 'invalid reference format']),
  fc.tuple(bigPort, fc.boolean()).map(([p, host]) => [host ? `docker run -d -p ${p}:80 nginx` : `docker run -d -p 80:${p} nginx`, host ? 'Invalid hostPort' : 'Invalid containerPort']),
  fc.tuple(fc.integer({ min: 256, max: 999 }), fc.nat(255)).map(([a, b]) => [`docker run -d -p 10.0.${b}.${a}:80:80 nginx`, 'Invalid ip address']),
  word.filter((w) => !['no', 'always', 'on'].includes(w)).map((w) => [`docker run -d --restart ${w} nginx`, 'invalid restart policy']),
  bigPort.map((p) => [`docker service create -d -p ${p}:80 nginx`, 'Invalid hostPort']),
  bigPort.map((p) => [`docker service create -d --publish published=${p},target=80 nginx`, 'value out of range']),
  bigPort.map((p) => [`docker service update -d --publish-add ${p}:80 web`, 'Invalid hostPort']),
  fc.integer({ min: 10_001, max: 2 ** 40 }).map((n) => [`docker service create -d --replicas ${n} nginx`, 'replicas']),
  fc.integer({ min: 10_001, max: 2 ** 40 }).map((n) => [`docker service scale web=${n}`, 'replicas']),
  fc.tuple(fc.integer({ min: 0, max: 250 }), fc.integer({ min: 0, max: 250 })).map(([a, b]) => [`docker network create --subnet 10.${a}.0.0/16 --gateway 10.${(a + 1) % 256}.${b}.1 n${a}`, 'no matching subnet for gateway']),
  notNumber.filter((w) => !/^\s*[+-]?\d+\s*$/.test(w) && w !== '').map((w) => [`docker network create -o 'com.docker.network.driver.mtu=${w}' m${w.length}`, 'failed to parse com.docker.network.driver.mtu']),
  word.filter((w) => !['ID', 'Names', 'Image'].includes(w)).map((w) => [`docker ps --format '{{.X${w}}}'`, "can't evaluate field"]),
  fc.constantFrom('{{', '{{.ID', 'a {{ b').map((t) => [`docker ps --format '${t}'`, 'unclosed action']),
  fc.integer({ min: 65529, max: 10_000_000 }).map((s) => [`ping -c 1 -s ${s} 127.0.0.1`, 'packet size too large']),
  fc.integer({ min: 256, max: 100_000 }).map((t) => [`ping -c 1 -t ${t} 127.0.0.1`, 'out of range']),
  fc.constant(['ping -c 1 -t 0 127.0.0.1', "can't set unicast time-to-live"]),
  fc.constantFrom('192.168.205.255', '255.255.255.255').map((b) => [`ping -c 1 ${b}`, 'Then -b']),
  notDigits.map((w) => [`ping -c '${w}' 127.0.0.1`, 'bad number of packets']),
  bigPort.map((p) => [`ipvsadm -A -t 10.0.0.1:${p} -s rr`, 'illegal virtual server address']),
  fc.integer({ min: 2 ** 32, max: 2 ** 45 }).map((m) => [`ipvsadm -A -f ${m} -s rr`, 'invalid fwmark value']),
  fc.integer({ min: 65536, max: 2 ** 40 }).map((w) => [`ipvsadm -a -f 1 -r 10.0.0.2 -m -w ${w}`, 'illegal weight']),
  badGrep.map(([p, msg]) => [`echo a | grep -E '${p}'`, msg]),
  notNumber.filter((w) => !/^\d+$/.test(w.trim()) && w !== '').map((w) => [`nc -w '${w}' 127.0.0.1 80`, 'timeout']),
) as unknown as fc.Arbitrary<[string, string]>;

/** Commands that must simply finish quickly (their exit code is the tool's business). */
const VERBS = ['ip link add', 'ip link set', 'ip addr add', 'ip route add', 'ip route get', 'ip neigh add', 'ip netns exec x', 'iptables -A INPUT', 'iptables -t nat -A PREROUTING', 'iptables -N', 'ipvsadm -A -t', 'brctl addif br0', 'sysctl -w', 'ping -c 1', 'nc -w 1', 'curl -s -m 1', 'docker run -d', 'docker service create -d', 'docker network create', 'docker ps --format', 'docker secret create', 'grep -E', 'nslookup', 'wget -q -O -', 'echo'];
const junk = fc.oneof(word, fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).map(String), unicastIp, fc.constantFrom('-p', '-j', '!', '--dport', 'dev', 'eth0', 'lo', 'br0', 'type', 'vxlan', 'bridge', 'id', '0', '65536', '1e400', 'NaN', 'Infinity', '{{', '}}', '.*', '(a+)+', '999999999999999999999'));
const soup = fc.tuple(fc.constantFrom(...VERBS), fc.array(junk, { maxLength: 8 })).map(([v, args]) => `${v} ${args.map((a) => (/^[\w./:=-]+$/.test(a) ? a : `'${a.replace(/'/g, '')}'`)).join(' ')}`.trim());

/** Whole scenario files, each refused at load (exit 2) or run to the end within its bound:
 *  cheap ones, generated; `[text, refused]`. */
const scenarios = fc.oneof(
  fc.constantFrom('0s', '0ms', '0', '0.0s').map((e) => [`${HOST}steps:\n  - traffic: { name: l, run: "true", every: ${e} }\n  - sleep: 1s\n`, true]),
  fc.integer({ min: 721, max: 10 ** 12 }).map((h) => [`${HOST}steps:\n  - run: docker swarm init --advertise-addr 192.168.205.10\n  - sleep: ${h}h\n`, true]),
  fc.oneof(fc.integer({ min: 65536, max: 10 ** 9 }), fc.integer({ min: -(10 ** 9), max: 0 })).map((p) => [`${HOST}images:\n  - { name: "x:1", port: ${p} }\nsteps: []\n`, true]),
  fc.integer({ min: -(10 ** 6), max: 0 }).map((p) => [`${HOST}steps:\n  - trace: { on: n1, to: 10.0.0.1, port: ${p} }\n`, true]),
  catastrophic.map(([re, n]) => [`${HOST}steps:\n  - run: echo ${'a'.repeat(n)}!\n    expect: { stdout: "/${re}/" }\n`, false]),
  fc.tuple(fc.integer({ min: 65536, max: 10 ** 9 }), fc.boolean()).map(([p, pub]) => [stack(`version: '3.7'\nservices:\n  web:\n    image: nginx\n    ports:\n      - { target: ${pub ? 80 : p}, published: ${pub ? p : 8080} }\n`), true]),
  fc.integer({ min: 65536, max: 10 ** 9 }).map((p) => [stack(`version: '3.7'\nservices:\n  web:\n    image: nginx\n    ports: ['${p}:80']\n`), true]),
  fc.constantFrom('1000000000', '1e20').map((r) => [stack(`version: '3.7'\nservices:\n  web:\n    image: nginx\n    deploy:\n      replicas: ${r}\n`), true]),
) as unknown as fc.Arbitrary<[string, boolean]>;

function stack(compose: string): string {
  return `${HOST}files:\n  - on: n1\n    path: /root/s.yml\n    content: ${JSON.stringify(compose)}\nsteps:\n  - run: docker swarm init --advertise-addr 192.168.205.10\n  - run: docker stack deploy -c s.yml s\n`;
}

/** A YAML alias bomb in a compose file: each level repeats the one below ten times. */
function aliasBomb(depth: number): string {
  let doc = 'x-a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  for (let i = 1; i <= depth; i++) doc += `x-a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(',')}]\n`;
  return stack(`version: "3.7"\n${doc}services:\n  web:\n    image: nginx\n    command: *a${depth}\n`);
}

/** The expensive ones, once each: what the issue lists as hangs. */
const HEAVY: Array<[string, string, boolean]> = [
  ['crash-loop', `${HOST}images:\n  - { name: "bad:1", port: 80, crash: 1, crash_after: 0s }\nsteps:\n  - run: docker swarm init --advertise-addr 192.168.205.10\n  - run: docker service create -d --replicas 50 --restart-delay 0s --name c bad:1\n  - sleep: 1h\n`, true],
  ['every-1ms', `${HOST}steps:\n  - traffic: { name: l, run: "true", every: 1ms }\n  - sleep: 10h\n`, true],
  ['sleep-1000000h', `${HOST}steps:\n  - run: docker swarm init --advertise-addr 192.168.205.10\n  - sleep: 1000000h\n`, true],
  ['alias-bomb', aliasBomb(7), true],
  ['alias-small', aliasBomb(2), false],
  ['saved-100MB', `${HOST}steps:\n  - run: echo ${'x'.repeat(100)}\n    save: X\n${'  - run: echo ${X}${X}\n    save: X\n'.repeat(20)}`, true],
  ['services-2001', `${HOST}steps:\n  - run: docker swarm init --advertise-addr 192.168.205.10\n${Array.from({ length: 2001 }, (_, i) => `  - run: docker service create -d --name s${i} nginx\n`).join('')}`, true],
  ['hosts-5000', `hosts:\n${Array.from({ length: 5000 }, (_, i) => `  - { name: h${i}, ip: 10.${(i + 1) >> 16}.${((i + 1) >> 8) & 255}.${(i + 1) & 255}/8 }\n`).join('')}steps:\n  - run: ping -c 1 10.0.19.136\n    on: h0\n`, false],
  ['routes-20000', `${HOST}steps:\n${Array.from({ length: 20_000 }, (_, i) => `  - run: ip route add 10.${i >> 8}.${i & 255}.0/24 dev eth0\n`).join('')}  - run: ip route get 10.78.31.9\n    expect: { stdout: "dev eth0" }\n`, false],
  ['command-10MB', stack(`version: "3.7"\nservices:\n  web:\n    image: nginx\n    command: ${'x'.repeat(10 * 1024 * 1024)}\n`), false],
];

export function hostileCases(seed: number): HostileCase[] {
  const cases: HostileCase[] = [];
  fc.sample(refusals, { seed, numRuns: 700 }).forEach(([command, says], i) => cases.push({ id: `refuse-${i}`, command, refused: true, says }));
  fc.sample(soup, { seed: seed + 1, numRuns: 400 }).forEach((command, i) => cases.push({ id: `soup-${i}`, command, refused: false }));
  fc.sample(catastrophic, { seed: seed + 2, numRuns: 40 }).forEach(([re, n], i) => cases.push({ id: `grep-redos-${i}`, command: `echo ${'a'.repeat(n)}! | grep -E '${re}'`, refused: false }));
  fc.sample(scenarios, { seed: seed + 3, numRuns: 60 }).forEach(([scenario, refused], i) => cases.push({ id: `scenario-${i}`, scenario, refused }));
  for (const [id, scenario, refused] of HEAVY) cases.push({ id, scenario, refused });
  // The deep ones, once each: 10,000 nested nsenter and a 20,000-stage pipeline.
  cases.push({ id: 'nsenter-10000', command: `${'nsenter --net=/var/run/netns/x '.repeat(10_000)}true`, refused: false });
  cases.push({ id: 'pipeline-20000', command: `true${' | true'.repeat(20_000)}`, refused: false });
  cases.push({ id: 'ping-flood', command: 'ping -c 1000000 -i 0 127.0.0.1', refused: false });
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Running them.

/** A prepared host the command cases are typed into (remade every `REUSE` cases). */
class Bench {
  private res: RunResult;
  private session: Session;
  used = 0;

  constructor() {
    this.res = runScenario(loadScenario('setup.yaml', SETUP));
    const h = this.res.world.hosts.get('n1')!;
    this.session = new Session(hostEnv(this.res.sim, h), hostPrompt(h));
  }

  run(line: string): { outcome: CaseResult['outcome']; output: string } {
    this.used++;
    const world = this.res.world;
    const eq = world.eq;
    let output = '';
    const h = world.hosts.get('n1')!;
    eq.limit = eq.executed + STEP_EVENT_LIMIT;
    try {
      const c = startIn(this.res.sim, this.session, this.session.env, line, { write: (t) => (output += t) });
      eq.runWhile(() => !c.done, eq.now + COMMAND_LIMIT);
      eq.runUntil(eq.now);
      // A command left running (ping without -c) is the runner's business, not a failure.
      if (this.session.depth > 1) this.session = new Session(hostEnv(this.res.sim, h), hostPrompt(h));
      return { outcome: c.done ? c.code : 'input', output };
    } catch (e) {
      if (e instanceof UnknownCommand || e instanceof InputError || e instanceof EventBudgetExceeded) return { outcome: 'input', output: output + (e as Error).message };
      return { outcome: 'internal', output: `${output}${(e as Error).stack ?? String(e)}` };
    } finally {
      eq.limit = Infinity;
    }
  }
}

const REUSE = 150;

export function runCases(cases: readonly HostileCase[], onResult: (c: HostileCase, r: CaseResult) => void): void {
  let bench: Bench | null = null;
  for (const c of cases) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    let r: { outcome: CaseResult['outcome']; output: string };
    if (c.scenario !== undefined) {
      let out = '';
      try {
        const res = runScenario(loadScenario('hostile.yaml', c.scenario), { print: (t) => (out += t) });
        r = { outcome: res.passed ? 0 : 1, output: out };
      } catch (e) {
        r = e instanceof InputError ? { outcome: 'input', output: out + e.message } : { outcome: 'internal', output: `${out}${(e as Error).stack ?? String(e)}` };
      }
    } else {
      if (bench === null || bench.used >= REUSE) bench = new Bench();
      r = bench.run(c.command!);
    }
    const cpu = process.cpuUsage(c0);
    onResult(c, { id: c.id, ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, outcome: r.outcome, output: r.output });
  }
}

/** What is wrong with one result, or null. */
export function verdict(c: HostileCase, r: CaseResult, maxMs: number): string | null {
  if (r.outcome === 'internal') return `internal error (exit 70): ${r.output.slice(-600)}`;
  if (/\n\s+at [^\n]+:\d+:\d+\)?\n/.test(r.output)) return `a stack trace was printed: ${r.output.slice(-600)}`;
  if (r.cpuMs > maxMs) return `took ${Math.round(r.cpuMs)} ms of CPU (more than ${maxMs})`;
  if (c.refused && r.outcome === 0) return `exit 0 where the real tool refuses: ${r.output.slice(-300)}`;
  if (c.says !== undefined && !r.output.includes(c.says)) return `the refusal does not say "${c.says}": ${r.output.slice(-300)}`;
  return null;
}
