// The docker CLI writes its errors to stderr (cli/command: fmt.Fprintln(dockerCli.Err(), …)), so
// `2>/dev/null` hides them and a pipe does not see them.
import { describe, expect, it } from 'vitest';
import { runText } from '../helpers.js';

describe('errors go to stderr', () => {
  it('hides docker\'s errors behind 2>/dev/null and keeps them out of pipes', () => {
    const { res } = runText(`name: t\nhosts:\n  - { name: h, ip: 10.0.0.1/24 }\nsteps:\n` +
      `  - run: docker network rm nosuch 2>/dev/null; echo rc=$?\n` +
      `  - run: docker rm nosuch 2>/dev/null | wc -l\n` +
      `  - run: docker run --dns abc busybox 2>&1 >/dev/null | head -1\n` +
      `  - run: docker volume rm nosuch 2>/dev/null || echo failed\n`);
    expect(res.steps.map((s) => s.output)).toEqual(['rc=1\n', '0\n', 'docker: invalid argument "abc" for "--dns" flag: abc is not an ip address.\n', 'failed\n']);
  });
});
