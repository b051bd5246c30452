// The compose-file model of `docker stack deploy`: the seeds' stacks become exact ServiceSpecs, and
// every mistake is reported as Docker 19.03 words it, with the file and the line.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { SEC } from '../../src/sim/clock.js';
import { loadStack, shlexSplit } from '../../src/swarm/compose.js';
import type { ComposeFile, Stack } from '../../src/swarm/compose.js';
import { DEFAULT_RESTART, DEFAULT_UPDATE, NO_RESOURCES, defaultSpec } from '../../src/swarm/spec.js';

const f = (text: string, path = '/root/wordpress/docker-compose.yml'): ComposeFile => ({ path, text });
const load = (text: string, name = 'st', path = 'stack.yml'): Stack => loadStack(name, [f(text, path)]);

function loadError(files: ComposeFile[] | string, name = 'st'): InputError {
  try {
    loadStack(name, typeof files === 'string' ? [f(files, 'stack.yml')] : files);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

// Seed 002: the wordpress stack with a secret (docker stack deploy wordpress --compose-file docker-compose.yml).
const WORDPRESS = `version: "3.7"
services:
  db:
    image: mysql:5.7
    secrets:
      - password
    environment:
      MYSQL_ROOT_PASSWORD_FILE: /run/secrets/password
      MYSQL_DATABASE: wordpress
    volumes:
      - db_data:/var/lib/mysql
    networks:
      - my-network
    deploy:
      mode: global
      placement:
        constraints:
          - node.role == manager
  web:
    depends_on:
      - db
    image: wordpress
    ports:
      - "80:80"
    secrets:
      - password
    environment:
      WORDPRESS_DB_HOST: db:3306
      WORDPRESS_DB_PASSWORD_FILE: /run/secrets/password
    networks:
      - my-network
    deploy:
      mode: replicated
      replicas: 3
      restart_policy:
        condition: on-failure
        delay: 5s
        max_attempts: 3
      update_config:
        parallelism: 3
        delay: 10s
        order: stop-first
volumes:
  db_data:
networks:
  my-network:
    driver: overlay
secrets:
  password:
    external: true
`;

// Seed 004: the voting app.
const VOTING = `version: "3"
services:

  redis:
    image: redis:alpine
    ports:
      - "6379"
    networks:
      - frontend
    deploy:
      replicas: 2
      update_config:
        parallelism: 2
        delay: 10s
      restart_policy:
        condition: on-failure

  db:
    image: postgres:9.4
    volumes:
      - db-data:/var/lib/postgresql/data
    networks:
      - backend
    deploy:
      placement:
        constraints: [node.role == manager]

  vote:
    image: dockersamples/examplevotingapp_vote:before
    ports:
      - 5000:80
    networks:
      - frontend
    depends_on:
      - redis
    deploy:
      replicas: 2
      update_config:
        parallelism: 2
      restart_policy:
        condition: on-failure

  result:
    image: dockersamples/examplevotingapp_result:before
    ports:
      - 5001:80
    networks:
      - backend
    depends_on:
      - db
    deploy:
      replicas: 1
      update_config:
        parallelism: 2
        delay: 10s
      restart_policy:
        condition: on-failure

  worker:
    image: dockersamples/examplevotingapp_worker
    networks:
      - frontend
      - backend
    deploy:
      mode: global
      labels: [APP=VOTING]
      restart_policy:
        condition: on-failure
        delay: 10s
        max_attempts: 3
        window: 120s

  visualizer:
    image: dockersamples/visualizer:stable
    ports:
      - "8080:8080"
    stop_grace_period: 1m30s
    volumes:
      - "/var/run/docker.sock:/var/run/docker.sock"
    deploy:
      placement:
        constraints: [node.role == manager]

networks:
  frontend:
  backend:

volumes:
  db-data:
`;

describe('compose: the seed stacks', () => {
  it('turns the wordpress stack into exact ServiceSpecs', () => {
    const st = loadStack('wordpress', [f(WORDPRESS)]);
    expect(st.warnings).toEqual([]); // depends_on is silently ignored by docker stack deploy
    expect(st.services.map((s) => s.key)).toEqual(['db', 'web']);
    const ns = { 'com.docker.stack.namespace': 'wordpress' };
    expect(st.services[0]!.spec).toEqual({
      ...defaultSpec('wordpress_db', 'mysql:5.7'),
      env: ['MYSQL_DATABASE=wordpress', 'MYSQL_ROOT_PASSWORD_FILE=/run/secrets/password'],
      labels: { ...ns, 'com.docker.stack.image': 'mysql:5.7' },
      containerLabels: ns,
      mode: { kind: 'global' },
      networks: [{ target: 'wordpress_my-network', aliases: ['db'] }],
      constraints: ['node.role == manager'],
      secrets: [{ source: 'password', target: 'password' }],
      mounts: [{ type: 'volume', source: 'wordpress_db_data', target: '/var/lib/mysql', volumeOptions: { labels: { 'com.docker.stack.namespace': 'wordpress' }, driver: null, driverOptions: null } }],
    });
    expect(st.services[1]!.spec).toEqual({
      ...defaultSpec('wordpress_web', 'wordpress'),
      env: ['WORDPRESS_DB_HOST=db:3306', 'WORDPRESS_DB_PASSWORD_FILE=/run/secrets/password'],
      labels: { ...ns, 'com.docker.stack.image': 'wordpress' },
      containerLabels: ns,
      mode: { kind: 'replicated', replicas: 3 },
      networks: [{ target: 'wordpress_my-network', aliases: ['web'] }],
      ports: [{ published: 80, target: 80, protocol: 'tcp', mode: 'ingress' }],
      restart: { condition: 'on-failure', delay: 5 * SEC, maxAttempts: 3, window: 0 },
      update: { parallelism: 3, delay: 10 * SEC, failureAction: 'pause', monitor: 5 * SEC, maxFailureRatio: 0, order: 'stop-first' },
      secrets: [{ source: 'password', target: 'password' }],
    });
    expect(st.networks).toEqual([{
      key: 'my-network', name: 'wordpress_my-network', driver: 'overlay', external: false, attachable: false, driverOpts: {}, labels: ns, subnet: null,
    }]);
    expect(st.secrets).toEqual([{ key: 'password', name: 'password', external: true, file: null, labels: ns }]);
    expect(st.configs).toEqual([]);
    expect(st.volumes).toEqual([{ key: 'db_data', name: 'wordpress_db_data', external: false, driver: 'local', driverOpts: {}, labels: ns }]);
    expect(st.convertError).toBeNull();
    expect(st.services.map((s) => s.daemonError)).toEqual([null, null]);
  });

  it('creates a file secret named after the stack, its path resolved against the compose file directory', () => {
    const text = WORDPRESS.replace('    external: true\n', '    file: ./db_root_password\n');
    const st = loadStack('wordpress', [f(text)]);
    expect(st.secrets).toEqual([{ key: 'password', name: 'wordpress_password', external: false, file: '/root/wordpress/db_root_password', labels: { 'com.docker.stack.namespace': 'wordpress' } }]);
    expect(st.services[0]!.spec.secrets).toEqual([{ source: 'wordpress_password', target: 'password' }]);
  });

  it('deploys the voting app: global worker, unpublished port, bind mount, unused networks skipped', () => {
    const st = loadStack('vote', [f(VOTING, '/home/me/voting/stack.yml')]);
    expect(st.warnings).toEqual([]);
    const spec = (k: string) => st.services.find((s) => s.key === k)!.spec;
    expect(st.services.map((s) => s.spec.name)).toEqual(['vote_redis', 'vote_db', 'vote_vote', 'vote_result', 'vote_worker', 'vote_visualizer']);
    expect(spec('redis').ports).toEqual([{ published: null, target: 6379, protocol: 'tcp', mode: 'ingress' }]);
    expect(spec('redis').update).toEqual({ ...DEFAULT_UPDATE, parallelism: 2, delay: 10 * SEC });
    expect(spec('redis').restart).toEqual({ ...DEFAULT_RESTART, condition: 'on-failure' });
    expect(spec('vote').ports).toEqual([{ published: 5000, target: 80, protocol: 'tcp', mode: 'ingress' }]);
    expect(spec('vote').update.parallelism).toBe(2);
    expect(spec('db').mode).toEqual({ kind: 'replicated', replicas: 1 });
    expect(spec('db').mounts).toEqual([{ type: 'volume', source: 'vote_db-data', target: '/var/lib/postgresql/data', volumeOptions: { labels: { 'com.docker.stack.namespace': 'vote' }, driver: null, driverOptions: null } }]);
    expect(spec('worker').mode).toEqual({ kind: 'global' });
    expect(spec('worker').labels).toEqual({ APP: 'VOTING', 'com.docker.stack.namespace': 'vote', 'com.docker.stack.image': 'dockersamples/examplevotingapp_worker' });
    expect(spec('worker').networks).toEqual([{ target: 'vote_backend', aliases: ['worker'] }, { target: 'vote_frontend', aliases: ['worker'] }]);
    expect(spec('worker').restart).toEqual({ condition: 'on-failure', delay: 10 * SEC, maxAttempts: 3, window: 120 * SEC });
    expect(spec('visualizer').mounts).toEqual([{ type: 'bind', source: '/var/run/docker.sock', target: '/var/run/docker.sock' }]);
    // The visualizer has no networks: it joins vote_default, which is created only for that reason.
    expect(spec('visualizer').networks).toEqual([{ target: 'vote_default', aliases: ['visualizer'] }]);
    expect(st.networks.map((n) => [n.name, n.driver])).toEqual([['vote_backend', 'overlay'], ['vote_default', 'overlay'], ['vote_frontend', 'overlay']]);
  });
});

describe('compose: networks, ports, volumes', () => {
  it('creates <stack>_default only when some service has no networks', () => {
    expect(load('version: "3.8"\nservices:\n  a: { image: nginx }\n').networks.map((n) => n.name)).toEqual(['st_default']);
    const st = load('version: "3.8"\nservices:\n  a: { image: nginx, networks: [net] }\nnetworks:\n  net:\n  unused:\n');
    expect(st.networks.map((n) => n.name)).toEqual(['st_net']);
  });

  it('uses an external network under its own name, or its name:', () => {
    const st = load(`version: "3.5"
services:
  a:
    image: nginx
    networks:
      ext:
        aliases: [web, www]
      named:
networks:
  ext:
    external: true
  named:
    external: true
    name: my-ingress-net
`);
    expect(st.services[0]!.spec.networks).toEqual([
      { target: 'ext', aliases: ['web', 'www', 'a'] },
      { target: 'my-ingress-net', aliases: ['a'] },
    ]);
    expect(st.networks.map((n) => [n.key, n.name, n.external])).toEqual([['ext', 'ext', true], ['named', 'my-ingress-net', true]]);
  });

  it('reads network options: driver, attachable, driver_opts, labels, subnet', () => {
    const st = load(`version: "3.7"
services:
  a: { image: nginx, networks: [net] }
networks:
  net:
    driver: overlay
    attachable: true
    driver_opts: { encrypted: "" , com.docker.network.driver.mtu: 1400 }
    labels: [team=net]
    ipam:
      config:
        - subnet: 10.20.0.0/24
`);
    expect(st.networks[0]).toEqual({
      key: 'net', name: 'st_net', driver: 'overlay', external: false, attachable: true,
      driverOpts: { encrypted: '', 'com.docker.network.driver.mtu': '1400' },
      labels: { team: 'net', 'com.docker.stack.namespace': 'st' }, subnet: '10.20.0.0/24',
    });
  });

  it('reads the long port syntax, udp, ranges and host mode, sorted by published port', () => {
    const st = load(`version: "3.2"
services:
  a:
    image: nginx
    ports:
      - target: 80
        published: 8080
        protocol: tcp
        mode: host
      - "53:53/udp"
      - "7000-7001:7000-7001"
      - 127.0.0.1:9000:90
      - target: 443
`);
    expect(st.services[0]!.spec.ports).toEqual([
      { published: null, target: 443, protocol: 'tcp', mode: 'ingress' },
      { published: 53, target: 53, protocol: 'udp', mode: 'ingress' },
      { published: 7000, target: 7000, protocol: 'tcp', mode: 'ingress' },
      { published: 7001, target: 7001, protocol: 'tcp', mode: 'ingress' },
      { published: 8080, target: 80, protocol: 'tcp', mode: 'host' },
      { published: 9000, target: 90, protocol: 'tcp', mode: 'ingress' },
    ]);
  });

  it('reads volumes: named, external, anonymous, relative binds and the long syntax', () => {
    const st = loadStack('st', [f(`version: "3.4"
services:
  a:
    image: nginx
    volumes:
      - data:/data
      - shared:/shared:ro
      - /cache
      - ./conf:/etc/nginx/conf.d
      - type: bind
        source: ../logs
        target: /logs
volumes:
  data:
    driver: local
  shared:
    external: true
`, '/srv/app/stack.yml')]);
    expect(st.services[0]!.spec.mounts).toEqual([
      { type: 'volume', source: 'st_data', target: '/data', volumeOptions: { labels: { 'com.docker.stack.namespace': 'st' }, driver: 'local', driverOptions: null } },
      { type: 'volume', source: 'shared', target: '/shared', readOnly: true, volumeOptions: { labels: null, driver: null, driverOptions: null } },
      { type: 'volume', source: '', target: '/cache' },
      { type: 'bind', source: '/srv/app/conf', target: '/etc/nginx/conf.d' },
      { type: 'bind', source: '/srv/logs', target: '/logs' },
    ]);
    expect(st.volumes).toEqual([
      { key: 'data', name: 'st_data', external: false, driver: 'local', driverOpts: {}, labels: { 'com.docker.stack.namespace': 'st' } },
      { key: 'shared', name: 'shared', external: true, driver: 'local', driverOpts: {}, labels: { 'com.docker.stack.namespace': 'st' } },
    ]);
  });
});

describe('compose: service options', () => {
  it('reads command, environment list, labels, hostname, resources, placement and rollback_config', () => {
    const st = load(`version: "3.8"
services:
  api:
    image: busybox
    command: sh -c 'echo "hi there" && sleep 1d'  # a comment
    environment:
      - B=2
      - A=1
      - EMPTY=
      - FROM_HOST
    labels:
      com.example.role: api
    hostname: "{{.Node.Hostname}}"
    deploy:
      endpoint_mode: dnsrr
      labels:
        tier: back
      placement:
        constraints: [node.labels.zone == a]
        preferences:
          - spread: node.labels.zone
        max_replicas_per_node: 2
      resources:
        limits: { cpus: "0.5", memory: 50M }
        reservations: { cpus: '0.25', memory: 20M }
      rollback_config:
        parallelism: 0
        failure_action: continue
        monitor: 30s
        max_failure_ratio: 0.2
        order: start-first
`);
    const s = st.services[0]!.spec;
    expect(s.args).toEqual(['sh', '-c', 'echo "hi there" && sleep 1d']);
    expect(s.env).toEqual(['A=1', 'B=2', 'EMPTY=', 'FROM_HOST']);
    expect(s.containerLabels).toEqual({ 'com.example.role': 'api', 'com.docker.stack.namespace': 'st' });
    expect(s.labels).toEqual({ tier: 'back', 'com.docker.stack.namespace': 'st', 'com.docker.stack.image': 'busybox' });
    expect(s.hostname).toBe('{{.Node.Hostname}}');
    expect(s.endpointMode).toBe('dnsrr');
    expect(s.constraints).toEqual(['node.labels.zone == a']);
    expect(s.preferences).toEqual(['spread=node.labels.zone']);
    expect(s.maxReplicasPerNode).toBe(2);
    expect(s.resources).toEqual({ limitCpu: 5e8, limitMemory: 50 * 1024 * 1024, reserveCpu: 2.5e8, reserveMemory: 20 * 1024 * 1024 });
    expect(s.rollback).toEqual({ parallelism: 0, delay: 0, failureAction: 'continue', monitor: 30 * SEC, maxFailureRatio: 0.2, order: 'start-first' });
    expect(s.update).toEqual(DEFAULT_UPDATE);
    expect(s.resources).not.toEqual(NO_RESOURCES);
  });

  it('takes a command list as is, and splits strings like google/shlex', () => {
    expect(load('version: "3"\nservices:\n  a: { image: x, command: ["a b", c] }\n').services[0]!.spec.args).toEqual(['a b', 'c']);
    expect(shlexSplit(`python app.py --name "a \\"b\\"" 'c d' e\\ f`)).toEqual(['python', 'app.py', '--name', 'a "b"', 'c d', 'e f']);
  });

  it('falls back on the legacy restart: key, and warns about it with the other unsupported options', () => {
    const st = load(`version: "3.3"
services:
  a:
    image: nginx
    restart: on-failure:4
    build: .
    links: [b]
    container_name: web
    depends_on: [b]
  b:
    image: redis
    restart: always
    privileged: true
    expose: ["6379"]
`);
    expect(st.warnings).toEqual([
      'Ignoring unsupported options: build, links, privileged, restart',
      "Ignoring deprecated options:\n\ncontainer_name: Setting the container name is not supported.\n\nexpose: Exposing ports is unnecessary - services on the same network can access each other's containers on any port.",
    ]);
    expect(st.services[0]!.spec.restart).toEqual({ ...DEFAULT_RESTART, condition: 'on-failure', maxAttempts: 4 });
    expect(st.services[1]!.spec.restart).toEqual({ ...DEFAULT_RESTART, condition: 'any' });
  });

  it('warns that an entrypoint is not simulated, but not for an empty one', () => {
    expect(load('version: "3"\nservices:\n  a: { image: x, entrypoint: ["/bin/sh", "-c"] }\n').warnings).toEqual(['service a: entrypoint is not simulated; ignored']);
    expect(load('version: "3"\nservices:\n  a: { image: x, entrypoint: [] }\n').warnings).toEqual([]);
  });

  it('accepts x- extensions, anchors and merge keys (3.4+), and YAML 1.1 booleans as yaml.v2 does', () => {
    const st = load(`version: "3.4"
x-deploy: &deploy
  replicas: 2
  restart_policy: { condition: none }
services:
  a:
    image: nginx
    deploy:
      <<: *deploy
      replicas: 4
    networks: [net]
networks:
  net:
    attachable: yes
`);
    expect(st.services[0]!.spec.mode).toEqual({ kind: 'replicated', replicas: 4 });
    expect(st.services[0]!.spec.restart.condition).toBe('none');
    expect(st.networks[0]!.attachable).toBe(true);
  });
});

describe('compose: several -c files', () => {
  // Outputs checked against docker/cli v19.03.13's loader on these two files.
  it('merges in order: later scalars win, environment and ports merge, other lists are appended', () => {
    const base = f(`version: "3.7"
services:
  web:
    image: nginx:1.17
    command: nginx -g "daemon off;"
    environment: { A: "1", B: "2" }
    ports: ["80:80"]
    deploy:
      replicas: 2
      labels: { a: "1" }
      placement: { constraints: [node.role == worker] }
networks:
  net: { driver: overlay }
`, '/deploy/base.yml');
    const prod = f(`version: "3.7"
services:
  web:
    image: nginx:1.19
    command: ["nginx-debug"]
    environment: [B=3, C=4]
    ports: ["443:443", "80:80"]
    networks: [net]
    deploy:
      replicas: 5
      labels: [b=2]
      placement: { constraints: [node.labels.disk == ssd] }
  cache:
    image: redis
networks:
  net: { driver: overlay, attachable: true }
`, '/deploy/prod.yml');
    const st = loadStack('app', [base, prod]);
    expect(st.services.map((s) => s.key)).toEqual(['web', 'cache']);
    const web = st.services[0]!.spec;
    expect(web.image).toBe('nginx:1.19');
    // mergo.WithAppendSlice: the command's words are appended, not replaced.
    expect(web.args).toEqual(['nginx', '-g', 'daemon off;', 'nginx-debug']);
    expect(web.env).toEqual(['A=1', 'B=3', 'C=4']);
    expect(web.ports.map((p) => p.published)).toEqual([80, 443]);
    expect(web.mode).toEqual({ kind: 'replicated', replicas: 5 });
    expect(web.labels).toMatchObject({ a: '1', b: '2' });
    expect(web.constraints).toEqual(['node.role == worker', 'node.labels.disk == ssd']);
    expect(web.networks).toEqual([{ target: 'app_net', aliases: ['web'] }]);
    expect(st.networks.map((n) => [n.name, n.attachable])).toEqual([['app_default', false], ['app_net', true]]);
  });

  it('keeps a tmpfs mount, and refuses one with a source, as convert/volume.go does', () => {
    expect(load('version: "3.7"\nservices:\n  a:\n    image: x\n    volumes:\n      - type: tmpfs\n        target: /t\n').services[0]!.spec.mounts).toEqual([{ type: 'tmpfs', source: '', target: '/t' }]);
    expect(load('version: "3.7"\nservices:\n  a:\n    image: x\n    volumes:\n      - type: tmpfs\n        source: s\n        target: /t\n').convertError).toEqual({ key: 'a', message: 'service a: invalid tmpfs source, source must be empty' });
  });

  it('refuses a key that yaml.v2 does not read as a string', () => {
    expect(loadError('version: "3.7"\nservices:\n  a:\n    image: x\n    networks:\n      n:\n        aliases: [y]\n').message).toBe('Non-string key in services.a.networks: false');
    expect(loadError('version: "3.7"\n1: x\nservices: {}\n').message).toBe('Non-string key at top level: 1');
  });

  it('mounts a volume named in both files twice, as 19.03 does', () => {
    const a = f('version: "3.7"\nservices:\n  db:\n    image: postgres\n    volumes: [data:/var/lib/postgresql/data]\nvolumes:\n  data:\n', '/d/a.yml');
    const st = loadStack('s', [a, { ...a, path: '/d/b.yml' }]);
    expect(st.services[0]!.spec.mounts.map((m) => `${m.source}:${m.target}`)).toEqual(['s_data:/var/lib/postgresql/data', 's_data:/var/lib/postgresql/data']);
  });

  it('refuses files of different versions', () => {
    const e = loadError([f('version: "3.7"\nservices: {}\n', 'a.yml'), f('services: {}\nversion: "3.8"\n', 'b.yml')]);
    expect(e.message).toBe('version mismatched between two composefiles : 3.7 and 3.8');
    expect([e.line, e.column]).toEqual([2, 10]);
  });

  it('reports an error in the second file against that file', () => {
    const e = loadError([f('version: "3.7"\nservices:\n  a: { image: x }\n', 'a.yml'), f('version: "3.7"\nservices:\n  a:\n    deploy:\n      replicas: many\n', 'b.yml')]);
    expect(e.message).toBe('services.a.deploy.replicas must be a integer');
    expect([e.line, e.column]).toEqual([5, 17]);
  });
});

describe('compose: errors, with the file and the line', () => {
  const cases: Array<[string, string, string, number, number]> = [
    ['a version 2 file', 'version: "2"\nservices:\n  a: { image: x }\n', 'unsupported Compose file version: 2', 1, 10],
    ['no version', 'services:\n  a: { image: x }\n', 'unsupported Compose file version: 1.0', 1, 1],
    ['a version newer than 19.03 knows', 'version: "3.9"\nservices: {}\n', 'unsupported Compose file version: 3.9', 1, 10],
    ['a version written as a number', 'version: 3.7\nservices: {}\n', 'version must be a string', 1, 10],
    ['an unknown top-level key', 'version: "3.7"\nservices: {}\nfoo: 1\n', 'foo Additional property foo is not allowed', 3, 1],
    ['an unknown service key', 'version: "3.7"\nservices:\n  web:\n    image: x\n    foo: bar\n', 'foo Additional property foo is not allowed', 5, 5],
    ['a misplaced deploy key', 'version: "3.7"\nservices:\n  web:\n    image: x\n    deploy:\n      restart_policy: {}\n      ports: ["80:80"]\n', 'ports Additional property ports is not allowed', 7, 7],
    ['a key newer than the file version', 'version: "3.0"\nservices: {}\nsecrets: {}\n', 'secrets Additional property secrets is not allowed', 3, 1],
    ['max_replicas_per_node before 3.8', 'version: "3.7"\nservices:\n  w:\n    image: x\n    deploy:\n      placement:\n        max_replicas_per_node: 1\n', 'max_replicas_per_node Additional property max_replicas_per_node is not allowed', 7, 9],
    ['replicas as a string', 'version: "3.7"\nservices:\n  web:\n    image: x\n    deploy:\n      replicas: "3"\n', 'services.web.deploy.replicas must be a integer', 6, 17],
    ['cpus as a number', 'version: "3.7"\nservices:\n  web:\n    image: x\n    deploy:\n      resources:\n        limits:\n          cpus: 0.5\n', 'services.web.deploy.resources.limits.cpus must be a string', 8, 17],
    ['an environment value of the wrong type', 'version: "3.7"\nservices:\n  web:\n    image: x\n    environment:\n      DEBUG: true\n', 'services.web.environment.DEBUG must be a string, number or null', 6, 14],
    ['a plain n, which yaml.v2 reads as false', 'version: "3.7"\nservices:\n  web:\n    image: x\n    networks: [n]\n', 'services.web.networks.0 must be a string', 5, 16],
    ['a service that is not a mapping', 'version: "3.7"\nservices:\n  web: nginx\n', 'services.web must be a mapping', 3, 8],
    ['a bad duration', 'version: "3.7"\nservices:\n  web:\n    image: x\n    deploy:\n      update_config:\n        delay: 10 seconds\n', "services.web.deploy.update_config.delay Does not match format 'duration'", 7, 16],
    ['a duration without unit', 'version: "3.7"\nservices:\n  web:\n    image: x\n    deploy:\n      restart_policy:\n        delay: 5\n', 'services.web.deploy.restart_policy.delay must be a string', 7, 16],
    ['a bad update order', 'version: "3.7"\nservices:\n  web:\n    image: x\n    deploy:\n      update_config:\n        order: first\n', 'services.web.deploy.update_config.order services.web.deploy.update_config.order must be one of the following: "start-first", "stop-first"', 7, 16],
    ['an unknown key in the long port syntax', 'version: "3.7"\nservices:\n  web:\n    image: x\n    ports:\n      - target: 80\n        host_ip: 0.0.0.0\n', 'services.web.ports.0 Additional property host_ip is not allowed', 7, 9],
    ['a forbidden option', 'version: "3.7"\nservices:\n  web:\n    image: x\n    volumes_from: [db]\n', 'Compose file contains unsupported options:\n\nvolumes_from: To share a volume between services, define it using the top-level `volumes` option and reference it from each service that shares it using the service-level `volumes` option.\n', 5, 5],
    ['an external volume with a driver', 'version: "3.7"\nservices: {}\nvolumes:\n  v:\n    external: true\n    driver: local\n', 'conflicting parameters "external" and "driver" specified for volume "v"', 6, 5],
    ['a bad port', 'version: "3.7"\nservices:\n  web:\n    image: x\n    ports: ["80:http"]\n', 'service web: Invalid containerPort: http', 5, 13],
    ['bad YAML', 'version: "3.7"\nservices:\n  web:\n    image: x\n   bad: [\n', '', 5, 0],
  ];
  for (const [what, text, message, line, column] of cases) {
    it(`refuses ${what}`, () => {
      const e = loadError(text);
      if (message === '') {
        expect(e.message.startsWith('')).toBe(true);
        expect(e.line).toBeGreaterThanOrEqual(line - 1);
      } else {
        expect(e.message).toBe(message);
        expect([e.line, e.column]).toEqual([line, column]);
      }
    });
  }
});

describe('compose: errors the 19.03 CLI meets after it created networks, secrets and configs', () => {
  // convert.Services: the deploy stops there (stackdeploy.ts prints it).
  const convertCases: Array<[string, string, string, number, number]> = [
    ['an undefined network', 'version: "3.7"\nservices:\n  web:\n    image: x\n    networks:\n      - my-net\n', 'service web: undefined network "my-net"', 6, 9],
    ['an undefined secret', 'version: "3.7"\nservices:\n  web:\n    image: x\n    secrets:\n      - source: pw\n        target: db_pw\n', 'service web: undefined secret "pw"', 6, 17],
    ['an undefined volume', 'version: "3.7"\nservices:\n  web:\n    image: x\n    volumes:\n      - data:/data\n', 'service web: undefined volume "data"', 6, 9],
    ['replicas with global mode', 'version: "3.7"\nservices:\n  web:\n    image: x\n    deploy:\n      mode: global\n      replicas: 2\n', 'service web: replicas can only be used with replicated mode', 7, 17],
    ['an unknown mode', 'version: "3.7"\nservices:\n  web:\n    image: x\n    deploy:\n      mode: replicated-job\n', 'service web: Unknown mode: replicated-job', 6, 13],
  ];
  for (const [what, text, message] of convertCases) {
    it(`stops at ${what}`, () => {
      const st = load(text);
      expect(st.convertError).toEqual({ key: 'web', message });
    });
  }
  // The daemon's answer to ServiceCreate, kept with the service.
  const daemonCases: Array<[string, string, string, number, number]> = [
    ['a bad restart condition', 'version: "3.7"\nservices:\n  web:\n    image: x\n    deploy:\n      restart_policy:\n        condition: always\n', 'invalid RestartCondition: "always"', 7, 20],
    ['a service without an image', 'version: "3.7"\nservices:\n  web:\n    build: .\n', 'rpc error: code = InvalidArgument desc = ContainerSpec: image reference must be provided', 3, 3],
  ];
  for (const [what, text, message] of daemonCases) {
    it(`keeps the daemon's refusal of ${what}`, () => {
      const st = load(text);
      expect(st.convertError).toBeNull();
      expect(st.services[0]!.daemonError).toBe(message);
    });
  }
});

describe('compose: YAML mistakes in yaml.v2\'s words and line, as the 19.03 CLI prints them', () => {
  const cases: Array<[string, string, string]> = [
    ['a key indented less than its siblings', 'version: "3.7"\nservices:\n  a:\n    image: x\n   bad: [\n', 'yaml: line 4: did not find expected key'],
    ['a tab as indentation', 'version: "3.7"\nservices:\n  a:\n\timage: x\n', 'yaml: line 4: found character that cannot start any token'],
    ['a list started on a key line', 'version: "3.7"\nservices:\n  a:\n    image: x\n    ports: - 80\n', 'yaml: line 5: block sequence entries are not allowed in this context'],
    ['an unclosed quote', 'version: "3.7"\nservices:\n  a:\n    image: "x\n', 'yaml: line 5: found unexpected end of stream'],
    ['a mapping under a scalar value', 'version: "3.7"\nservices:\n  a:\n    image: x\n      foo: y\n', 'yaml: line 5: mapping values are not allowed in this context'],
    ['a list item among mapping keys', 'version: "3.7"\nservices:\n  a:\n    image: x\n  - b\n', 'yaml: line 4: did not find expected key'],
  ];
  for (const [what, text, message] of cases) {
    it(`refuses ${what}`, () => {
      expect(loadError(text).message).toBe(message);
    });
  }
});
