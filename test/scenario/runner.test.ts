// The scenario runner: expectations, saved values, the clock, and clear errors for bad input.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/run.js';
import { loadError, runText } from '../helpers.js';

const HOST = 'hosts:\n  - { name: n1, ip: 192.168.205.10/24 }\n';

describe('scenario runner', () => {
  it('prints a shell transcript and passes when expectations hold', () => {
    const { res, transcript } = runText(`${HOST}steps:\n  - run: ip netns add a\n  - run: ip netns list\n    expect: { stdout: a }\n`);
    expect(res.passed).toBe(true);
    expect(transcript).toBe('[root@n1 ~]# ip netns add a\n[root@n1 ~]# ip netns list\na\n');
  });

  it('reports an unexpected exit code and a missing text, naming the step line', () => {
    const { res } = runText(`${HOST}steps:\n  - run: ip netns add a\n  - run: ip link set nodev up\n    expect: { stdout: "nope" }\n`);
    expect(res.passed).toBe(false);
    const failed = res.steps.filter((s) => s.failures.length > 0);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.line).toBe(5);
    expect(failed[0]!.output).toBe('Cannot find device "nodev"\n');
    expect(failed[0]!.failures).toEqual(['exit code was 1, expected 0', 'the output does not contain "nope"']);
  });

  it('matches regexes, lists and stdout_not', () => {
    const { res } = runText(`${HOST}steps:\n  - run: ip netns add blue\n  - run: ip netns list\n    expect: { stdout: ["/^bl.e$/m", blue], stdout_not: red }\n`);
    expect(res.passed).toBe(true);
    const bad = runText(`${HOST}steps:\n  - run: ip netns add red\n  - run: ip netns list\n    expect: { stdout_not: red }\n`);
    expect(bad.res.steps[1]!.failures).toEqual(['the output contains "red", which it must not']);
  });

  it('saves output for later steps with ${NAME}', () => {
    const { res, transcript } = runText(`${HOST}steps:\n  - run: echo green\n    save: COLOR\n  - run: ip netns add \${COLOR}\n  - run: ip netns list\n    expect: { stdout: green }\n`);
    expect(res.passed).toBe(true);
    expect(transcript).toContain('# ip netns add green');
  });

  it('advances the simulated clock with sleep: a neighbour goes STALE after 30 s', () => {
    const yaml = `${HOST}steps:
  - run: ip link add a type veth peer name b
  - run: ip addr add 10.1.0.1/24 dev a
  - run: ip netns add x
  - run: ip link set b netns x
  - run: ip netns exec x ip addr add 10.1.0.2/24 dev b
  - run: ip netns exec x ip link set b up
  - run: ip link set a up
  - run: ping -c 1 10.1.0.2
  - run: ip neigh show dev a
    expect: { stdout: REACHABLE }
  - sleep: 31s
  - run: ip neigh show dev a
    expect: { stdout: STALE }
`;
    expect(runText(yaml).res.passed).toBe(true);
  });

  it('rejects a file that is not valid YAML with line and column', () => {
    const e = loadError(`${HOST}steps:\n  - run: [unclosed\n`);
    expect(e.line).toBeGreaterThanOrEqual(4);
    expect(e.column).toBeGreaterThan(0);
  });

  it('rejects unknown keys, unknown hosts, bad durations and bad addresses at their position', () => {
    expect(loadError(`${HOST}steps:\n  - run: ip a\n    expct: {}\n`)).toMatchObject({ line: 5, message: expect.stringContaining('unknown key "expct" in a run step') });
    expect(loadError(`${HOST}steps:\n  - run: ip a\n    on: n9\n`)).toMatchObject({ line: 5, message: 'no host named "n9" (hosts: n1)' });
    expect(loadError(`${HOST}steps:\n  - sleep: soon\n`)).toMatchObject({ line: 4, message: expect.stringContaining('"soon" is not a duration') });
    expect(loadError(`hosts:\n  - { name: n1, ip: 192.168.205.300/24 }\n`)).toMatchObject({ line: 2, message: expect.stringContaining('is not an address with a prefix length') });
    expect(loadError(`${HOST}steps:\n  - frobnicate: 1\n`)).toMatchObject({ line: 4, message: 'a step needs one of: run, sleep, trace, serve, fault, traffic, traffic_report, reach, capture' });
    expect(loadError(`${HOST}steps:\n  - trace: { to: 10.0.0.1:99999 }\n`).message).toContain('the port must be 1-65535');
  });

  it('stops at an unknown command with its line, after printing what ran before', () => {
    let transcript = '';
    const sc = loadScenario('t.yaml', `${HOST}steps:\n  - run: echo before\n  - run: frobnicate --now\n`);
    let err: unknown;
    try {
      runScenario(sc, { print: (t) => (transcript += t) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect(err).toMatchObject({ line: 5, message: expect.stringContaining('unknown command "frobnicate"') });
    expect(transcript).toBe('[root@n1 ~]# echo before\nbefore\n[root@n1 ~]# frobnicate --now\n');
  });

  it('puts the files: of a scenario on their host, where cat shows them', () => {
    const yaml = `hosts:\n  - { name: n1, ip: 192.168.205.10/24 }\n  - { name: n2, ip: 192.168.205.11/24 }\nfiles:\n  - { on: n2, path: /root/stack.yml, content: "version: '3'\\n" }\nsteps:\n  - run: cat /root/stack.yml\n    on: n2\n    expect: { stdout: "version: '3'" }\n  - run: cat /root/stack.yml\n    expect: { exit: 1, stdout: "cat: /root/stack.yml: No such file or directory" }\n`;
    const { res } = runText(yaml);
    expect(res.steps.flatMap((s) => s.failures)).toEqual([]);
  });

  it('keeps a shell opened by nsenter for the following steps until exit', () => {
    const { res, transcript } = runText(`${HOST}steps:
  - run: ip netns add sbox
  - run: ls /var/run/netns
    expect: { stdout: "sbox" }
  - run: nsenter --net=/var/run/netns/sbox
  - run: ip link
    expect: { stdout: "1: lo: <LOOPBACK> mtu 65536", stdout_not: eth0 }
  - run: exit
  - run: ip link
    expect: { stdout: "2: eth0:" }
  - run: nsenter --net=/var/run/netns/nope ip a
    expect: { exit: 1, stdout: "nsenter: cannot open /var/run/netns/nope: No such file or directory" }
`);
    expect(res.steps.flatMap((s) => s.failures)).toEqual([]);
    expect(transcript).toContain('[root@n1 ~]# nsenter --net=/var/run/netns/sbox\n[root@n1 ~]# ip link\n1: lo: <LOOPBACK>');
  });

  it('leaves a ${NAME} that no step saved to the shell, and refuses it in an expectation', () => {
    const { res, transcript } = runText(`${HOST}steps:\n  - run: export NOPE=x; echo "\${NOPE}[\${UNSET}]"\n    expect: { stdout: "x[]" }\n`);
    expect(res.passed).toBe(true);
    expect(transcript).toBe('[root@n1 ~]# export NOPE=x; echo "${NOPE}[${UNSET}]"\nx[]\n');
    expect(() => runText(`${HOST}steps:\n  - run: echo hi\n    expect: { stdout: "\${NOPE}" }\n`)).toThrow(/\$\{NOPE\} is not defined/);
  });
  it('expands a traffic loop line anew on every run, from the shell variables of that moment', () => {
    const { transcript } = runText(`${HOST}steps:\n  - run: N=0; X=a\n  - traffic: { name: l, on: n1, run: 'N=$((N+1)); echo "$X$N"; [ $N != 2 ] || X=b', every: 1s }\n  - sleep: 3500ms\n  - traffic_report: l\n`);
    expect(transcript).toContain('requests: 4, failed: 0\n     1  a1   (first 0.000s, last 0.000s)\n     1  a2   (first 1.000s, last 1.000s)\n     1  b3   (first 2.000s, last 2.000s)\n     1  b4   (first 3.000s, last 3.000s)\n');
  });

  it('runs a traffic loop in a subshell: what it sets stays in the loop (bash: `… &` runs in a subshell)', () => {
    const { transcript } = runText(`${HOST}steps:\n  - run: N=0\n  - traffic: { name: l, on: n1, run: 'N=$((N+1)); echo $N', every: 1s }\n  - sleep: 2500ms\n  - run: echo "outside N=$N"\n  - traffic_report: l\n`);
    expect(transcript).toContain('outside N=0\n');
    expect(transcript).toContain('requests: 3, failed: 0\n     1  1   (first 0.000s, last 0.000s)\n     1  2   (first 1.000s, last 1.000s)\n     1  3   (first 2.000s, last 2.000s)\n');
  });
});

