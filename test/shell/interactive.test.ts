// The shell over several steps, as the seeds' transcripts show it: ^C (a step's `interrupt:`)
// ending ping and loops, here-documents typed over several lines, interactive nslookup, the
// environment reaching commands. Expected texts are the seeds' (cited) with our addresses.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { loadScenario } from '../../src/scenario/load.js';
import { runText } from '../helpers.js';

const HOST = 'hosts:\n  - { name: docker-node1, ip: 192.168.205.10/24 }\n';
const NETNS = `${HOST}steps:
  - run: ip netns add test1
  - run: ip netns add test2
  - run: ip link add veth-test1 type veth peer name veth-test2
  - run: ip link set veth-test1 netns test1
  - run: ip link set veth-test2 netns test2
  - run: ip netns exec test1 ip addr add 192.168.1.1/24 dev veth-test1
  - run: ip netns exec test2 ip addr add 192.168.1.2/24 dev veth-test2
  - run: ip netns exec test1 ip link set dev veth-test1 up
  - run: ip netns exec test2 ip link set dev veth-test2 up
`;

function after(transcript: string, prompt: string): string {
  return transcript.slice(transcript.indexOf(prompt));
}

describe('the shell across steps', () => {
  it('ping without -c runs until ^C and prints its statistics as iputils does (seed 004:396)', () => {
    const { res, transcript } = runText(`${NETNS}  - run: ip netns exec test1 ping 192.168.1.2\n    interrupt: 1.5s\n  - run: echo $?\n    expect: { stdout: "0" }\n`);
    expect(res.passed).toBe(true);
    expect(after(transcript, '[root@docker-node1 ~]# ip netns exec test1 ping')).toMatch(new RegExp(
      '^\\[root@docker-node1 ~\\]# ip netns exec test1 ping 192\\.168\\.1\\.2\\n' +
      'PING 192\\.168\\.1\\.2 \\(192\\.168\\.1\\.2\\) 56\\(84\\) bytes of data\\.\\n' +
      '64 bytes from 192\\.168\\.1\\.2: icmp_seq=1 ttl=64 time=\\d+\\.\\d{3} ms\\n' +
      '64 bytes from 192\\.168\\.1\\.2: icmp_seq=2 ttl=64 time=\\d+\\.\\d{3} ms\\n' +
      '\\^C\\n--- 192\\.168\\.1\\.2 ping statistics ---\\n' +
      '2 packets transmitted, 2 received, 0% packet loss, time 999ms\\n' +
      'rtt min/avg/max/mdev = [\\d./]+ ms\\n'));
  });

  it('busybox ping in a container stops on ^C with its own summary (seed 004:188)', () => {
    const { res, transcript } = runText(`${HOST}steps:
  - run: docker run -d --name test1 busybox sleep 3600
  - run: docker run -d --name test2 busybox sleep 3600
  - run: docker exec -it test2 /bin/sh
  - run: ping 172.17.0.2
    interrupt: 1.5s
  - run: exit
`);
    expect(res.passed).toBe(true);
    expect(after(transcript, '/ # ping')).toMatch(/^\/ # ping 172\.17\.0\.2\nPING 172\.17\.0\.2 \(172\.17\.0\.2\): 56 data bytes\n64 bytes from 172\.17\.0\.2: seq=0 ttl=64 time=[\d.]+ ms\n64 bytes from 172\.17\.0\.2: seq=1 ttl=64 time=[\d.]+ ms\n\^C\n--- 172\.17\.0\.2 ping statistics ---\n2 packets transmitted, 2 packets received, 0% packet loss\nround-trip min\/avg\/max = [\d./]+ ms\n\/ # exit\n/);
  });

  it('a foreground loop prints every line until ^C, then the line is abandoned with 130 (seed 004:2421)', () => {
    const { res, transcript } = runText(`${HOST}steps:
  - run: i=0; while true; do i=$((i+1)); echo "hello docker, $i"; sleep 1; done; echo never
    interrupt: 3.5s
    expect: { exit: 130 }
  - run: echo $?
`);
    expect(res.passed).toBe(true);
    expect(transcript).toBe('[root@docker-node1 ~]# i=0; while true; do i=$((i+1)); echo "hello docker, $i"; sleep 1; done; echo never\n' +
      'hello docker, 1\nhello docker, 2\nhello docker, 3\nhello docker, 4\n^C\n[root@docker-node1 ~]# echo $?\n130\n');
  });

  it('a loop without ^C runs to the step time limit, and a busy loop is stopped at once', () => {
    const { res } = runText(`${HOST}steps:\n  - run: while true; do sleep 60; done\n`);
    expect(res.steps[0]!.failures).toEqual(['the command did not finish within 3600 s of simulated time']);
    const busy = runText(`${HOST}steps:\n  - run: while true; do true; done\n    expect: { exit: 1 }\n`);
    expect(busy.res.passed).toBe(true);
    expect(busy.transcript).toContain('swarmsim: the loop ran 10000 times without simulated time passing; stopped (add a sleep)\n');
  });

  it('a here-document typed over several lines is shown after PS2 and writes the file (seed 004:2466)', () => {
    const { res, transcript } = runText(`${HOST}steps:
  - run: |
      cat > password << EOF
      admin123
      EOF
  - run: cat password
    expect: { stdout: admin123 }
  - run: |
      docker network create \\
        --driver bridge \\
        my-bridge
`);
    expect(res.passed).toBe(true);
    expect(transcript).toMatch(/^\[root@docker-node1 ~\]# cat > password << EOF\n> admin123\n> EOF\n\[root@docker-node1 ~\]# cat password\nadmin123\n\[root@docker-node1 ~\]# docker network create \\\n>   --driver bridge \\\n>   my-bridge\n[0-9a-f]{64}\n$/);
  });

  it('interactive nslookup reads names after its > prompt until exit (seed 003:86)', () => {
    const { res, transcript } = runText(`${HOST}steps:
  - run: docker network create my-net
  - run: docker run -d --name web --network my-net nginx
  - run: docker run -d --name c1 --network my-net centos sleep 3600
  - run: docker exec -it c1 bash
  - run: nslookup
  - run: web
    expect: { stdout: "Name:\\tweb\\nAddress: 172.18.0.2" }
  - run: exit
  - run: exit
`);
    // Leaving the interactive bash prints `exit` (bash exit_or_logout; seed 004:1354).
    expect(res.passed).toBe(true);
    expect(after(transcript, '# nslookup')).toMatch(/^# nslookup\n> web\nServer:\t\t127\.0\.0\.11\nAddress:\t127\.0\.0\.11#53\n\nNon-authoritative answer:\nName:\tweb\nAddress: 172\.18\.0\.2\n\n> exit\n\[root@[0-9a-f]{12} \/\]# exit\nexit\n$/);
  });

  it('exported variables are the environment of later commands and steps; VAR=x cmd is for that command only', () => {
    const { res, transcript } = runText(`${HOST}steps:
  - run: export DOMAIN=example.com
  - run: sh -c 'echo "domain=$DOMAIN"'; LEVEL=2 env | grep -c LEVEL; echo "[$LEVEL]"
  - run: unset DOMAIN; env | grep DOMAIN
    expect: { exit: 1 }
`);
    expect(res.passed).toBe(true);
    expect(transcript).toContain("sh -c 'echo \"domain=$DOMAIN\"'; LEVEL=2 env | grep -c LEVEL; echo \"[$LEVEL]\"\ndomain=example.com\n1\n[]\n");
  });

  it('timeout stops a command with 124; -s INT lets ping print its statistics', () => {
    const { res, transcript } = runText(`${HOST}steps:
  - run: timeout 2 sleep 10
    expect: { exit: 124 }
  - run: timeout -s INT 2.5 ping 127.0.0.1
    expect: { exit: 124, stdout: "3 packets transmitted, 3 received, 0% packet loss" }
`);
    expect(res.passed).toBe(true);
    expect(transcript).toContain('64 bytes from 127.0.0.1: icmp_seq=3 ttl=64');
  });

  it('refuses an interrupt: that is not a positive duration, naming the line', () => {
    expect(() => loadScenario('bad.yaml', `${HOST}steps:\n  - run: ping 127.0.0.1\n    interrupt: soon\n`)).toThrow(InputError);
    expect(() => loadScenario('bad.yaml', `${HOST}steps:\n  - run: ping 127.0.0.1\n    interrupt: soon\n`)).toThrow(/"interrupt" must be a positive duration/);
  });

  it('a syntax error is refused as bash refuses it, never run half-read', () => {
    const { res, transcript } = runText(`${HOST}steps:\n  - run: echo a && && echo b\n    expect: { exit: 2 }\n  - run: vim /etc/hosts\n    expect: { exit: 1 }\n`);
    expect(res.passed).toBe(true);
    expect(transcript).toContain("-bash: syntax error near unexpected token `&&'\n");
    expect(transcript).toContain('swarmsim: vim is a full-screen editor and cannot be driven by a scenario');
  });

  it('busybox sh inside a container words its errors as busybox 1.35 does', () => {
    const { res, transcript } = runText(`${HOST}steps:
  - run: docker run -d --name b1 busybox sleep 3600
  - run: docker exec -it b1 sh
  - run: echo a && && b
    expect: { exit: 2 }
  - run: echo 'open
    expect: { exit: 2 }
  - run: cat nofile
    expect: { exit: 1 }
  - run: exit
`);
    expect(res.passed).toBe(true);
    expect(after(transcript, '/ # echo a')).toBe(`/ # echo a && && b\nsh: syntax error: unexpected "&&"\n/ # echo 'open\nsh: syntax error: unterminated quoted string\n/ # cat nofile\ncat: can't open 'nofile': No such file or directory\n/ # exit\n`);
  });
});
