// `docker run` of an image only a registry on the LAN has pulls it over the network first, as the
// CLI does (cli/command/container/create.go: "Unable to find image … locally", the pull's lines,
// then the run), and a pull that cannot happen is the run's error.
import { describe, expect, it } from 'vitest';
import { runText } from '../helpers.js';

const SETUP = `name: run-pull
hosts:
  - { name: reg, ip: 192.168.20.6/24, dockerd: "--insecure-registry 192.168.20.6:5000" }
  - { name: ok, ip: 192.168.20.7/24, dockerd: "--insecure-registry 192.168.20.6:5000" }
  - { name: strict, ip: 192.168.20.8/24 }
files:
  - { on: reg, path: /root/aa/html/index.html, content: "hello\\n" }
  - { on: reg, path: /root/aa/Dockerfile, content: "FROM nginx\\nADD html /usr/share/nginx/html\\n" }
steps:
  - run: docker run -d -p 5000:5000 --name registry registry:2
    on: reg
  - run: cd aa
    on: reg
  - run: docker build -t 192.168.20.6:5000/web:1.0 .
    on: reg
  - run: docker push 192.168.20.6:5000/web:1.0
    on: reg
    expect: { stdout: "1.0: digest: sha256:" }
`;

describe('docker run pulls from a registry over the network', () => {
  it('prints Unable to find image, the pull lines, then runs the image it fetched', () => {
    const { res } = runText(`${SETUP}  - run: docker run -d --name web1 192.168.20.6:5000/web:1.0
    on: ok
  - run: docker exec web1 cat /usr/share/nginx/html/index.html
    on: ok
`);
    expect(res.passed).toBe(true);
    const [run, cat] = res.steps.slice(-2);
    expect(run!.output).toMatch(/^Unable to find image '192\.168\.20\.6:5000\/web:1\.0' locally\n1\.0: Pulling from web\n([0-9a-f]{12}: Pull complete\n)+Digest: sha256:[0-9a-f]{64}\nStatus: Downloaded newer image for 192\.168\.20\.6:5000\/web:1\.0\n[0-9a-f]{64}\n$/);
    expect(cat!.output).toBe('hello\n');
  });

  it('fails with the pull\'s error when the registry is spoken to over HTTPS or is gone', () => {
    const { res } = runText(`${SETUP}  - run: docker run -d 192.168.20.6:5000/web:1.0
    on: strict
  - run: docker stop registry
    on: reg
  - run: docker run -d 192.168.20.6:5000/web:1.0
    on: ok
`);
    const [https, , gone] = res.steps.slice(-3);
    expect(https!.output).toBe("Unable to find image '192.168.20.6:5000/web:1.0' locally\ndocker: Error response from daemon: Get https://192.168.20.6:5000/v2/: http: server gave HTTP response to HTTPS client.\nSee 'docker run --help'.\n");
    expect(https!.exit).toBe(125);
    expect(gone!.output).toBe("Unable to find image '192.168.20.6:5000/web:1.0' locally\ndocker: Error response from daemon: Get http://192.168.20.6:5000/v2/: dial tcp 192.168.20.6:5000: connect: connection refused.\nSee 'docker run --help'.\n");
    expect(gone!.exit).toBe(125);
  });
});

describe('swarm tasks pull over the network', () => {
  it('rejects the task on a node that cannot pull it, and runs it where the pull works', () => {
    const { res } = runText(`${SETUP}  - run: docker swarm init --advertise-addr 192.168.20.6
    on: reg
  - run: docker swarm join-token worker -q
    on: reg
    save: TOKEN
  - run: docker swarm join --token \${TOKEN} 192.168.20.6:2377
    on: ok
  - run: docker swarm join --token \${TOKEN} 192.168.20.6:2377
    on: strict
  - run: docker service create -d --name w1 --constraint node.hostname==strict 192.168.20.6:5000/web:1.0
    on: reg
  - run: docker service create -d --name w2 --constraint node.hostname==ok 192.168.20.6:5000/web:1.0
    on: reg
  - sleep: 10s
  - run: docker service ps --no-trunc --format '{{.Node}} {{.CurrentState}} {{.Error}}' w1 | head -1
    on: reg
  - run: docker service ps --format '{{.Node}} {{.CurrentState}}' w2
    on: reg
  - run: docker images --format '{{.Repository}}:{{.Tag}}' 192.168.20.6:5000/web
    on: ok
`);
    const [w1, w2, imgs] = res.steps.slice(-3).map((s) => s.output);
    // The manager pins the service to the digest the registry serves (the one push printed), and
    // the node that cannot pull rejects the task naming the pinned reference, as 19.03 does
    // (moby#38315: "No such image: tomochain/tomomaster:latest@sha256:d189…").
    const pushed = /1\.0: digest: (sha256:[0-9a-f]{64})/.exec(res.steps[3]!.output)![1];
    expect(w1).toMatch(/^strict Rejected .* ago "No such image: 192\.168\.20\.6:5000\/web:1\.0@sha256:[0-9a-f]{64}"\n$/);
    expect(w1).toContain(`web:1.0@${pushed}"`);
    expect(w2).toMatch(/^ok Running /);
    expect(imgs).toBe('192.168.20.6:5000/web:1.0\n');
  });
});
