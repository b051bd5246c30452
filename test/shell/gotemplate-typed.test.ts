// `docker secret|config|service inspect -f` execute the template on the typed swarm object, so a
// composite value prints as fmt's %v of the Go struct; the expected texts were printed by Go 1.19's
// text/template over docker/docker api/types/swarm at v19.03.15, decoding this simulator's own
// inspect JSON (pointers print as heap addresses there: any 0x… address is accepted here).
import { describe, expect, it } from 'vitest';
import { runText } from '../helpers.js';

const SCENARIO = `name: spec
hosts:
  - { name: m, ip: 192.168.9.10/24 }
files:
  - { on: m, path: /root/pw, content: "hi\\n" }
steps:
  - run: docker swarm init --advertise-addr 192.168.9.10
  - run: docker secret create pw /root/pw
  - run: docker config create cf /root/pw
  - run: docker network create -d overlay net1
  - run: docker service create --name web -d --replicas 2 -p 8080:80 --network net1 --secret pw --update-delay 10s nginx
  - sleep: 5s
`;

function inspect(...lines: string[]): string[] {
  const { res } = runText(SCENARIO + lines.map((l) => `  - run: ${l}\n`).join(''));
  return res.steps.slice(-lines.length).map((s) => s.output);
}

describe('Go templates over typed swarm objects', () => {
  it('prints a secret and a config spec as their structs, embedded fields inline and []byte as numbers', () => {
    const out = inspect(
      `docker secret inspect -f '{{.Spec}}' pw`,
      `docker secret inspect -f '{{.Spec.Annotations}} {{.Spec.Labels}} {{.Version}} {{.CreatedAt}}' pw`,
      `docker config inspect -f '{{.Spec}}' cf`,
      `docker secret inspect -f '{{.Spec.Bogus}}' pw`,
    );
    expect(out[0]).toBe('{{pw map[]} [] <nil> <nil>}\n');
    expect(out[1]).toMatch(/^\{pw map\[\]\} map\[\] \{\d+\} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC\n$/);
    expect(out[2]).toBe('{{cf map[]} [104 105 10] <nil>}\n');
    // A field the struct lacks fails on the typed value; the CLI then runs it on the JSON map.
    expect(out[3]).toBe('<no value>\n');
  });

  it('prints a service spec with nested pointers as addresses and Stringers (durations, times) by value', () => {
    const out = inspect(
      `docker service inspect -f '{{.Spec}}' web`,
      `docker service inspect -f '{{.Spec.UpdateConfig}}|{{.Spec.EndpointSpec}}|{{.Spec.Mode.Replicated.Replicas}}|{{.Spec.TaskTemplate.RestartPolicy}}' web`,
      `docker service inspect -f '{{.Spec.TaskTemplate.Placement}}' web`,
    );
    expect(out[0]).toMatch(/^\{\{web map\[\]\} \{0x[0-9a-f]+ <nil> <nil> 0x[0-9a-f]+ 0x[0-9a-f]+ 0x[0-9a-f]+ \[\{[0-9a-z]{25} \[\] map\[\]\}\] <nil> 0 container\} \{0x[0-9a-f]+ <nil>\} 0x[0-9a-f]+ 0x[0-9a-f]+ \[\] 0x[0-9a-f]+\}\n$/);
    expect(out[1]).toMatch(/^\{1 10s pause 5s 0 stop-first\}\|\{vip \[\{ tcp 80 8080 ingress\}\]\}\|2\|\{any 5s 0x[0-9a-f]+ <nil>\}\n$/);
    expect(out[2]).toBe('{[] [] 0 [{amd64 linux}]}\n');
  });
});
