// Brace expansion's limits, and the shells that have none: bash's own results are in
// bash-compat.cases.ts (recorded from bash 5.2); these are swarmsim's documented limit and
// busybox ash, which prints `{a,b} {1..3}` as they are (busybox 1.35, checked with busybox sh -c).
import { describe, expect, it } from 'vitest';
import { runText } from '../helpers.js';

const HOST = 'hosts:\n  - { name: docker-node1, ip: 192.168.205.10/24 }\n';

describe('brace expansion', () => {
  it('a for loop over {1..5} in a curl-style loop runs five times', () => {
    const { res } = runText(`${HOST}steps:
  - run: for i in {1..5}; do echo "request $i"; done | wc -l
    expect: { stdout: "5" }
`);
    expect(res.passed).toBe(true);
  });

  it('a word past 65,536 words is left as it is, with a message on stderr', () => {
    const { res } = runText(`${HOST}steps:
  - run: echo {1..100000} | wc -w
  - run: echo {1..300}{1..300} | wc -w
  - run: echo {1..200}{1..300} | wc -w
`);
    const out = res.steps.map((s) => s.output);
    expect(out[0]).toBe("-bash: {1..100000}: brace expansion past swarmsim's limit (65536 words or characters): left as it is\n1\n");
    expect(out[1]).toBe("-bash: {1..300}{1..300}: brace expansion past swarmsim's limit (65536 words or characters): left as it is\n1\n");
    expect(out[2]).toBe('60000\n');
  });

  it('busybox sh in a container does not expand braces', () => {
    const { res, transcript } = runText(`${HOST}steps:
  - run: docker run -d --name b1 busybox sleep 3600
  - run: docker exec -it b1 sh
  - run: echo {a,b} {1..3}
  - run: exit
`);
    expect(res.passed).toBe(true);
    expect(transcript).toContain('/ # echo {a,b} {1..3}\n{a,b} {1..3}\n');
  });
});
