// The restart manager (moby restartmanager.go and daemon/monitor.go, v19.03.15) as a user sees
// it: a container whose process keeps exiting comes back after 100 ms, 200 ms, 400 ms … (doubling
// up to a minute), shows "Restarting (code) … ago" in between, counts its restarts, and stops
// for good when the user stops it or on-failure's maximum is reached.
import { describe, expect, it } from 'vitest';
import { runText } from '../helpers.js';

function run(steps: string): string {
  const { res, transcript } = runText(`name: t\nhosts:\n  - { name: h1, ip: 10.1.0.10/24 }\nsteps:\n  - run: docker pull mysql:5.7\n  - run: docker pull busybox\n${steps}`);
  expect(res.steps.flatMap((s) => s.failures)).toEqual([]);
  return transcript;
}

describe('the restart manager', () => {
  it('restarts an always container with a doubling back-off, shows it Restarting, refuses rm, and a stop calls the restart off', () => {
    const t = run(`  - run: docker run -d --name db --restart always mysql:5.7
  - sleep: 150ms
  - run: docker ps --format '{{.Names}} {{.Status}}'
    expect: { stdout: "db Restarting (1) Less than a second ago\\n" }
  - run: docker inspect -f '{{.State.Status}} {{.State.Running}} {{.State.Restarting}} {{.RestartCount}}' db
    expect: { stdout: "restarting true true 2\\n" }
  - sleep: 10s
  - run: docker inspect -f '{{.RestartCount}} {{.State.StartedAt}}' db
    expect: { stdout: "7 2024-01-01T00:00:06.300000006Z\\n" }
  - run: docker rm db
    expect: { exit: 1 }
  - run: docker stop db
  - run: docker ps -a --format '{{.Names}} {{.Status}}'
    expect: { stdout: "/^db Exited \\\\(1\\\\) \\\\d+ seconds ago\\\\n$/" }
  - run: docker inspect -f '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}' db
    expect: { stdout: "exited 7 1\\n" }
  - sleep: 2m
  - run: docker inspect -f '{{.State.Status}} {{.RestartCount}}' db
    expect: { stdout: "exited 7\\n" }
  - run: docker start db
  - sleep: 50ms
  - run: docker inspect -f '{{.State.Status}} {{.RestartCount}}' db
    expect: { stdout: "restarting 1\\n" }
`);
    // The exits between the start at 0 and the one at 6.3 s: seven times the same error.
    expect(t).toMatch(/You cannot remove a restarting container [0-9a-f]{64}\. Stop the container before attempting removal or force remove/);
  });

  it('on-failure:N restarts a failing container N times, then leaves it exited; one that exits 0 stays down', () => {
    run(`  - run: docker run -d --name f1 --restart on-failure:3 busybox false
  - run: docker run -d --name ok --restart on-failure busybox true
  - sleep: 5s
  - run: docker inspect -f '{{.Name}} {{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}' f1 ok
    expect: { stdout: "/f1 exited 3 1\\n/ok exited 0 0\\n" }
`);
  });
});
