// One daemon error, two verbs: `docker run` words it as run.go's reportError does ("docker: MSG."
// and the usage hint, exit 125), `docker create` returns it as the daemon said it (exit 1); the
// CLI's own checks (a bad port, a bad --mount value) are reportError's for both, exit 125.
import { describe, expect, it } from 'vitest';
import { runText } from '../helpers.js';

function run(lines: string[]): Array<{ output: string; exit: number | null }> {
  const steps = lines.map((l) => `  - run: ${JSON.stringify(l)}\n    on: h1\n`).join('');
  const { res } = runText(`name: errors\nhosts:\n  - { name: h1, ip: 10.1.0.10/24 }\nsteps:\n  - run: docker run -d --name one busybox sleep 1000\n    on: h1\n${steps}`);
  return res.steps.slice(1).map((s) => ({ output: s.output, exit: s.exit }));
}

describe('daemon errors worded per verb', () => {
  it('a name conflict: run adds docker: and the hint, create prints the daemon\'s message', () => {
    const [r, c] = run(['docker run -d --name one busybox sleep 1', 'docker create --name one busybox sleep 1']);
    const msg = 'Error response from daemon: Conflict. The container name "/one" is already in use by container';
    expect(r!.output).toMatch(new RegExp(`^docker: ${msg} "[0-9a-f]{64}"\\. You have to remove \\(or rename\\) that container to be able to reuse that name\\.\\nSee 'docker run --help'\\.\\n$`));
    expect(r!.exit).toBe(125);
    expect(c!.output).toMatch(new RegExp(`^${msg} "[0-9a-f]{64}"\\. You have to remove \\(or rename\\) that container to be able to reuse that name\\.\\n$`));
    expect(c!.exit).toBe(1);
  });

  it('a network that does not exist', () => {
    const [r, c] = run(['docker run -d --network nope busybox sleep 1', 'docker create --network nope busybox sleep 1']);
    expect(r).toEqual({ output: "docker: Error response from daemon: network nope not found.\nSee 'docker run --help'.\n", exit: 125 });
    expect(c).toEqual({ output: 'Error response from daemon: network nope not found\n', exit: 1 });
  });

  it('the CLI\'s own checks: reportError with each verb\'s hint, exit 125', () => {
    const [r, c, m] = run(['docker run -d -p 80:http busybox sleep 1', 'docker create -p 80:http busybox sleep 1', 'docker create --mount type=foo,target=/d busybox sleep 1']);
    expect(r).toEqual({ output: "docker: Invalid containerPort: http.\nSee 'docker run --help'.\n", exit: 125 });
    expect(c).toEqual({ output: "docker: Invalid containerPort: http.\nSee 'docker create --help'.\n", exit: 125 });
    expect(m).toEqual({ output: "invalid argument \"type=foo,target=/d\" for \"--mount\" flag: invalid value for 'type': foo\nSee 'docker create --help'.\n", exit: 125 });
  });

  it('a start that fails after the create: no hint, and a detached run has printed the ID', () => {
    const [, r] = run(['docker run -d -p 8080:80 busybox sleep 1000', 'docker run -d -p 8080:80 --name late busybox sleep 1000']);
    expect(r!.output).toMatch(/^[0-9a-f]{64}\ndocker: Error response from daemon: driver failed programming external connectivity on endpoint late \([0-9a-f]{64}\): Bind for 0\.0\.0\.0:8080 failed: port is already allocated\.\n$/);
    expect(r!.exit).toBe(125);
    const out = run(['docker create --network container:one --name two busybox sleep 1', 'docker stop one', 'docker start two']);
    expect(out[2]).toEqual({ output: expect.stringMatching(/^Error response from daemon: cannot join network of a non running container: [0-9a-f]{64}\nError: failed to start containers: two\n$/) as unknown as string, exit: 1 });
  });
});

describe('other verbs print the daemon\'s error as the client returns it', () => {
  it('network create, network rm and rm: "Error response from daemon: MSG", exit 1', () => {
    const [dup, dupAgain, bridge, rm] = run(['docker network create n1', 'docker network create n1', 'docker network rm bridge', 'docker rm one']);
    expect(dup!.exit).toBe(0);
    expect(dupAgain).toEqual({ output: 'Error response from daemon: network with name n1 already exists\n', exit: 1 });
    expect(bridge).toEqual({ output: 'Error response from daemon: bridge is a pre-defined network and cannot be removed\n', exit: 1 });
    expect(rm!.output).toMatch(/^Error response from daemon: You cannot remove a running container [0-9a-f]{64}\. Stop the container before attempting removal or force remove\n$/);
    expect(rm!.exit).toBe(1);
  });

  it('rmi of an image a container uses: the daemon\'s conflict', () => {
    const [rmi] = run(['docker rmi busybox']);
    expect(rmi!.output).toMatch(/^Error response from daemon: conflict: unable to remove repository reference "busybox" \(must force\) - container [0-9a-f]{12} is using its referenced image [0-9a-f]{12}\n$/);
    expect(rmi!.exit).toBe(1);
  });

  it('an image that does not exist: tag says what the daemon said, rmi what the Go client says of a 404, and rmi -f lets only such errors pass (remove.go)', () => {
    const [t, r, f] = run(['docker tag nosuch:1 x:1', 'docker rmi nosuch', 'docker rmi -f nosuch busybox']);
    expect(t).toEqual({ output: 'Error response from daemon: No such image: nosuch:1\n', exit: 1 });
    expect(r).toEqual({ output: 'Error: No such image: nosuch\n', exit: 1 });
    // busybox is untagged and kept (a container uses it); the missing image is reported, exit 0.
    expect(f!.output).toMatch(/^Untagged: busybox:latest\n(.|\n)*Error: No such image: nosuch\n$/);
    expect(f!.exit).toBe(0);
  });
});
