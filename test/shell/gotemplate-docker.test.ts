// The templates users paste from docker's docs and answers, through the real commands: range over
// a container's networks, index of a published port, a formatter context's Label method, and
// `\t`/`\n` escapes in a listing's --format (docker/cli formatter.go preFormat replaces them).
import { describe, expect, it } from 'vitest';
import { runText } from '../helpers.js';

describe('docker --format and -f templates', () => {
  it('ranges, indexes, calls Label, and turns \\t into a tab in a listing format', () => {
    const { res } = runText(`name: t
hosts:
  - { name: h1, ip: 10.1.0.10/24 }
steps:
  - run: docker pull nginx
  - run: docker network create --subnet 172.30.0.0/24 backend
  - run: docker run -d --name web -p 8080:80 -l tier=front --network backend nginx
  - run: docker network connect bridge web
  - run: docker inspect -f '{{range $n, $e := .NetworkSettings.Networks}}{{$n}}={{$e.IPAddress}} {{end}}' web
    expect: { stdout: "backend=172.30.0.2 bridge=172.17.0.2 \\n" }
  - run: docker inspect -f '{{(index (index .NetworkSettings.Ports "80/tcp") 0).HostPort}}' web
    expect: { stdout: "8080\\n" }
  - run: docker inspect -f '{{if .State.Running}}up{{else}}down{{end}} {{len .Mounts}} {{index .Config.Labels "tier"}}' web
    expect: { stdout: "up 0 front\\n" }
  - run: docker ps --format '{{.Names}}\\t{{.Label "tier"}}|{{.Label "none"}}|'
    expect: { stdout: "web\\tfront||\\n" }
  - run: docker inspect -f '{{range .Mounts}}{{.Source}}{{else}}no mounts{{end}}' web
    expect: { stdout: "no mounts\\n" }
  - run: docker inspect -f '{{.State.Nope.X}}' web
    expect: { stdout: "<no value>\\n" }
  - run: docker inspect -f '{{if .State.Running}}' web
    expect: { exit: 1, stdout: "Template parsing error: template: :1: unexpected EOF\\n" }
`);
    expect(res.steps.flatMap((s) => s.failures)).toEqual([]);
  });
});
