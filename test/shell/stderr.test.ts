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

// docker/cli 19.03 cmd/docker/docker.go main: a command's returned error (cobra's flag errors
// through cli.FlagErrorFunc, cli/required.go's argument counts, service/scale.go's joined errors,
// node/inspect.go's "No such node") is printed with fmt.Fprintln(stderr, …); `docker service` and
// `docker node` without a verb show their help with command.ShowHelp(dockerCli.Err()).
describe('service, swarm and node errors go to stderr', () => {
  it('keeps them out of stdout, where pipes and 2>/dev/null see them as Docker does', () => {
    const { res } = runText(`name: t\nhosts:\n  - { name: h, ip: 10.0.0.1/24 }\n  - { name: w, ip: 10.0.0.2/24 }\nsteps:\n` +
      `  - run: docker service ls 2>/dev/null | wc -l\n` +
      `  - run: docker swarm init --advertise-addr 10.0.0.1 >/dev/null\n` +
      `  - run: docker service create --bogus nginx 2>/dev/null; echo rc=$?\n` +
      `  - run: docker service create --bogus nginx 2>&1 >/dev/null\n` +
      `  - run: docker service scale nosuch=2 2>/dev/null | wc -l\n` +
      `  - run: docker service inspect nosuch 2>/dev/null\n` +
      `  - run: docker node inspect nosuch 2>&1 >/dev/null\n` +
      `  - run: docker service 2>/dev/null | wc -l\n` +
      `  - run: docker swarm join-token boss 2>/dev/null; echo rc=$?\n` +
      `  - run: docker swarm join --token nope 10.0.0.9:2377 2>/dev/null; echo rc=$?\n    on: w\n`);
    expect(res.steps.map((s) => s.output)).toEqual([
      '0\n',
      '',
      'rc=125\n',
      "unknown flag: --bogus\nSee 'docker service create --help'.\n",
      '0\n',
      '[]\n',
      'Error: No such node: nosuch\n',
      '0\n',
      'rc=1\n',
      'rc=1\n',
    ]);
  });
});
