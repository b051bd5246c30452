// Times in `docker inspect` are Go's time.RFC3339Nano ("2006-01-02T15:04:05.999999999Z07:00"):
// the daemon formats Created and State.StartedAt/FinishedAt with it (daemon/inspect.go,
// container/state.go), so trailing zeros of the fraction go, and the dot with an all-zero one.
// On the simulated clock times are often round, which is where this shows.
import { describe, expect, it } from 'vitest';
import { runText } from '../helpers.js';

describe('inspect times', () => {
  it('print as Go RFC3339Nano: no trailing zeros, no dot for a whole second', () => {
    const { res, transcript } = runText(`name: t
hosts:
  - { name: h1, ip: 10.1.0.10/24 }
steps:
  - run: docker pull busybox
  - sleep: 2s
  - run: docker create --name c1 busybox sleep 1000
  - run: docker inspect -f '{{.Created}}' c1
    expect: { stdout: "/^2024-01-01T00:00:0\\\\d(\\\\.\\\\d*[1-9])?Z\\\\n$/" }
  - run: docker start c1
  - run: docker inspect -f '{{.State.StartedAt}} {{.State.FinishedAt}}' c1
    expect: { stdout: "/^2024-01-01T00:00:0\\\\d(\\\\.\\\\d*[1-9])?Z 0001-01-01T00:00:00Z\\\\n$/" }
`);
    expect(res.steps.flatMap((s) => s.failures)).toEqual([]);
    expect(transcript).not.toMatch(/\.\d*0Z/);
  });
});
