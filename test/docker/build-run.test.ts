// A Dockerfile's RUN runs its command in a container of the image built so far and commits what
// it changed (moby 19.03 builder/dockerfile/dispatchers.go dispatchRun): files it writes are in
// the image, what it prints is in the build's output, and a non-zero status ends the build with
// "The command '…' returned a non-zero code: N" — the CLI's exit status (the JSONError's code).
// Package managers find no mirror on the seeds' offline hosts: alpine 3.12's apk add and Debian
// buster's apt-get print what they print then (transcripts of both offline, in the tests below).
import { describe, expect, it } from 'vitest';
import { runText } from '../helpers.js';

function build(dockerfile: string, more = ''): { out: string[]; exit: number[] } {
  const { res } = runText(`name: build-run\nhosts:\n  - { name: h, ip: 10.0.0.1/24 }\nfiles:\n`
    + `  - { on: h, path: /root/app/Dockerfile, content: ${JSON.stringify(dockerfile)} }\nsteps:\n  - run: cd app\n`
    + `  - run: docker build -t app:1 .\n` + more);
  return { out: res.steps.map((s) => s.output), exit: res.steps.map((s) => s.exit) };
}

describe('docker build RUN', () => {
  it('keeps the files a RUN writes in the image, with its output between Running in and Removing intermediate container', () => {
    const r = build('FROM alpine\nRUN echo hello > /hello.txt\nRUN mkdir -p /data/x && ls /data\nWORKDIR /data\nRUN pwd; echo in > here\n',
      '  - run: docker run --rm app:1 cat /hello.txt /data/here\n');
    expect(r.out[1]).toMatch(/^Step 3\/5 : RUN mkdir -p \/data\/x && ls \/data\n ---> Running in ([0-9a-f]{12})\nx\nRemoving intermediate container \1\n ---> [0-9a-f]{12}\n/m);
    expect(r.out[1]).toMatch(/Step 5\/5 : RUN pwd; echo in > here\n ---> Running in ([0-9a-f]{12})\n\/data\nRemoving intermediate container \1\n/);
    expect(r.out[1]).toMatch(/Successfully tagged app:1\n$/);
    expect(r.out[2]).toBe('hello\nin\n');
  });

  it('serves the page a RUN wrote into nginx\'s root', () => {
    const r = build('FROM nginx\nRUN echo built > /usr/share/nginx/html/index.html\n',
      '  - run: docker run -d --name web app:1\n  - run: curl -s $(docker inspect -f \'{{.NetworkSettings.IPAddress}}\' web)\n');
    expect(r.out[3]).toBe('built\n');
  });

  it('ends the build at a failing RUN with its status, leaving no image', () => {
    const r = build('FROM alpine\nRUN cat /nope\nCMD ["sh"]\n', '  - run: docker build -t app:1 . >/dev/null; echo rc=$?\n  - run: docker images -q app\n');
    expect(r.out[1]).toMatch(/ ---> Running in [0-9a-f]{12}\ncat: can't open '\/nope': No such file or directory\nThe command '\/bin\/sh -c cat \/nope' returned a non-zero code: 1\n$/);
    expect(r.out[2]).toBe("The command '/bin/sh -c cat /nope' returned a non-zero code: 1\nrc=1\n");
    expect(r.out[3]).toBe('');
  });

  it('fails apk add offline as alpine 3.12 does, with the number of missing packages as status', () => {
    // alpine 3.12 without a network: `apk add git` (cache files per repository), and apk-tools'
    // --no-cache form (a WARNING per index URL) as docker builds print it.
    const r = build('FROM alpine\nRUN apk add git\n');
    expect(r.out[1]).toContain(' ---> Running in ');
    expect(r.out[1]).toContain([
      'fetch http://dl-cdn.alpinelinux.org/alpine/v3.12/main/x86_64/APKINDEX.tar.gz',
      'ERROR: http://dl-cdn.alpinelinux.org/alpine/v3.12/main: temporary error (try again later)',
      'WARNING: Ignoring APKINDEX.2c4ac24e.tar.gz: No such file or directory',
      'fetch http://dl-cdn.alpinelinux.org/alpine/v3.12/community/x86_64/APKINDEX.tar.gz',
      'ERROR: http://dl-cdn.alpinelinux.org/alpine/v3.12/community: temporary error (try again later)',
      'WARNING: Ignoring APKINDEX.40a3604f.tar.gz: No such file or directory',
      'ERROR: unsatisfiable constraints:',
      '  git (missing):',
      '    required by: world[git]',
      "The command '/bin/sh -c apk add git' returned a non-zero code: 1",
    ].join('\n'));
    const nc = build('FROM alpine\nRUN apk add --no-cache curl jq\n', '  - run: docker build -t app:1 . >/dev/null 2>&1; echo rc=$?\n');
    expect(nc.out[1]).toContain('WARNING: Ignoring http://dl-cdn.alpinelinux.org/alpine/v3.12/community/x86_64/APKINDEX.tar.gz: temporary error (try again later)\nERROR: unsatisfiable constraints:\n  curl (missing):\n    required by: world[curl]\n  jq (missing):\n');
    expect(nc.out[2]).toBe('rc=2\n');
  });

  it('fails apt-get install offline as Debian buster does (status 100), and neither manager exists on the CentOS host', () => {
    const r = build('FROM nginx\nRUN apt-get update && apt-get install -y iproute2\n',
      '  - run: docker build -t app:1 . >/dev/null 2>&1; echo rc=$?\n  - run: apt-get install -y iproute2\n  - run: apk add curl\n');
    expect(r.out[1]).toContain([
      'Err:1 http://deb.debian.org/debian buster InRelease',
      "  Temporary failure resolving 'deb.debian.org'",
      'Err:2 http://security.debian.org/debian-security buster/updates InRelease',
      "  Temporary failure resolving 'security.debian.org'",
      'Err:3 http://deb.debian.org/debian buster-updates InRelease',
      "  Temporary failure resolving 'deb.debian.org'",
      'Reading package lists...',
      "W: Failed to fetch http://deb.debian.org/debian/dists/buster/InRelease  Temporary failure resolving 'deb.debian.org'",
    ].join('\n'));
    expect(r.out[1]).toContain('W: Some index files failed to download. They have been ignored, or old ones used instead.\nReading package lists...\nBuilding dependency tree...\nReading state information...\nE: Unable to locate package iproute2\n');
    expect(r.out[2]).toBe('rc=100\n');
    expect(r.out[3]).toBe('-bash: apt-get: command not found\n');
    expect(r.exit[3]).toBe(127);
    expect(r.out[4]).toBe('-bash: apk: command not found\n');
  });
});
