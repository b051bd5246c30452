// What `docker stack deploy` creates beside services, and in which order, as docker/cli 19.03.13:
// configs (docker config ..., mounted at their target), volumes (docker volume ..., per node, data
// that outlives a container), and the messages of a deploy that stops half way.
import { describe, expect, it } from 'vitest';
import { dataDir } from '../../src/docker/volumes.js';
import { SEC } from '../../src/sim/clock.js';
import { hostEnv, hostPrompt, startIn } from '../../src/shell/exec.js';
import { Session } from '../../src/shell/program.js';
import { runText, sh, simOf } from '../helpers.js';

type Step = { run: string; on?: string; stdin?: string; save?: string } | { sleep: string };

/** One manager (m1) and one worker (w1); `files` go on m1 under /root. */
function cluster(files: Record<string, string>, steps: Step[]): Array<{ out: string; exit: number | null }> {
  const fileYaml = Object.entries(files).map(([p, c]) => `  - on: m1\n    path: /root/${p}\n    content: |\n${c.split('\n').filter((l, i, a) => i < a.length - 1 || l !== '').map((l) => `      ${l}`).join('\n')}\n`).join('');
  const stepYaml = (s: Step): string => ('sleep' in s ? `  - sleep: ${s.sleep}\n`
    : `  - run: ${JSON.stringify(s.run)}\n    on: ${s.on ?? 'm1'}\n${s.save !== undefined ? `    save: ${s.save}\n` : ''}${s.stdin !== undefined ? `    stdin: ${JSON.stringify(s.stdin)}\n` : ''}`);
  const text = `name: stack objects\nseed: 3\nhosts:\n  - { name: m1, ip: 10.1.0.10/24 }\n  - { name: w1, ip: 10.1.0.11/24 }\n${fileYaml === '' ? '' : `files:\n${fileYaml}`}steps:\n`
    + stepYaml({ run: 'docker swarm init --advertise-addr 10.1.0.10' }) + stepYaml({ run: 'docker swarm join-token worker -q', save: 'TOKEN' })
    + stepYaml({ run: 'docker swarm join --token ${TOKEN} 10.1.0.10:2377', on: 'w1' })
    + steps.map((s) => stepYaml(s)).join('');
  const { res } = runText(text);
  return res.steps.slice(3).map((s) => ({ out: s.output, exit: s.exit }));
}

const APP = `version: "3.8"
services:
  web:
    image: nginx
    configs:
      - site
      - source: motd
        target: /etc/motd
        mode: 0440
    volumes:
      - data:/srv
    deploy:
      placement:
        constraints: [node.role == manager]
configs:
  site:
    file: ./site.conf
  motd:
    file: ./motd
volumes:
  data:
`;

describe('stack configs', () => {
  it('creates them after the networks, mounts them at their target, and refuses their removal while used', () => {
    const r = cluster({ 'app.yml': APP, 'site.conf': 'server { listen 80; }\n', motd: 'hello\n' }, [
      { run: 'docker stack deploy -c app.yml app' },
      { run: 'docker config ls --format "{{.Name}}"' },
      { run: 'docker config inspect --pretty app_motd' },
      { run: 'docker config inspect -f "{{json .Spec.Labels}} {{.Spec.Data}}" app_site' },
      { sleep: '5s' },
      { run: 'docker ps -q', save: 'CID' },
      { run: 'docker exec ${CID} cat /site /etc/motd' },
      { run: 'docker config rm app_site' },
      { run: 'docker service inspect -f "{{json .Spec.TaskTemplate.ContainerSpec.Configs}}" app_web' },
      { run: 'docker stack rm app' },
      { run: 'docker config ls -q' },
    ]);
    expect(r[0]!.out).toBe('Creating network app_default\nCreating config app_site\nCreating config app_motd\nCreating service app_web\n');
    expect(r[1]!.out).toBe('app_motd\napp_site\n');
    expect(r[2]!.out).toMatch(/^ID:\t\t\t[0-9a-z]{25}\nName:\t\t\tapp_motd\nLabels:\n - com.docker.stack.namespace=app\nCreated at:            \t.* \+0000 utc\nUpdated at:            \t.* \+0000 utc\nData:\nhello\n\n$/);
    // Data is a []byte on the typed swarm.Config: Go prints its bytes as numbers.
    expect(r[3]!.out).toBe(`{"com.docker.stack.namespace":"app"} [${[...Buffer.from('server { listen 80; }\n')].join(' ')}]\n`);
    expect(r[6]!.out).toBe('server { listen 80; }\nhello\n');
    expect(r[7]).toEqual({ out: "Error response from daemon: rpc error: code = InvalidArgument desc = config 'app_site' is in use by the following service: app_web\n", exit: 1 });
    expect(r[8]!.out).toMatch(/^\[\{"File":\{"Name":"\/etc\/motd","UID":"0","GID":"0","Mode":288\},"ConfigID":"[0-9a-z]{25}","ConfigName":"app_motd"\},\{"File":\{"Name":"site","UID":"0","GID":"0","Mode":292\}/);
    expect(r[9]!.out).toBe('Removing service app_web\nRemoving config app_site\nRemoving config app_motd\nRemoving network app_default\n');
    expect(r[10]!.out).toBe('');
  });

  it('docker config create / inspect / rm by hand', () => {
    const r = cluster({ 'c.txt': 'k=v\n' }, [
      { run: 'docker config create cfg c.txt' },
      { run: 'docker config create cfg c.txt' },
      { run: 'docker config inspect nope cfg --format "{{.Spec.Name}}"' },
      { run: 'docker config rm cfg nope' },
    ]);
    expect(r[0]!.out).toMatch(/^[0-9a-z]{25}\n$/);
    expect(r[1]).toEqual({ out: 'Error response from daemon: rpc error: code = AlreadyExists desc = config cfg already exists\n', exit: 1 });
    expect(r[2]).toEqual({ out: 'cfg\nError: No such config: nope\n', exit: 1 });
    expect(r[3]).toEqual({ out: 'cfg\nError: No such config: nope\n', exit: 1 });
  });
});

describe('stack deploy: its order and where it stops', () => {
  it('a secret with only a name: the networks are created, then the working directory is read', () => {
    const r = cluster({ 's.yml': 'version: "3.7"\nservices:\n  a:\n    image: nginx\n    secrets: [pw]\nsecrets:\n  pw:\n    name: pw\n' }, [
      { run: 'docker stack deploy -c s.yml st' },
      { run: 'docker network ls --format "{{.Name}}" -f name=st_' },
    ]);
    expect(r[0]).toEqual({ out: 'Creating network st_default\nread /root: is a directory\n', exit: 1 });
    expect(r[1]!.out).toBe('st_default\n');
  });

  it('a build-only service: warnings first, then the services before it, then the daemon\'s refusal', () => {
    const vote = 'version: "3"\nservices:\n  redis:\n    image: redis\n    container_name: r\n  vote:\n    build: ./vote\n    cap_add: [NET_ADMIN]\n';
    const r = cluster({ 'vote.yml': vote }, [{ run: 'docker stack deploy -c vote.yml vote' }]);
    expect(r[0]).toEqual({
      out: 'Ignoring unsupported options: build, cap_add\n\nIgnoring deprecated options:\n\ncontainer_name: Setting the container name is not supported.\n\n'
        + 'Creating network vote_default\nCreating service vote_redis\nCreating service vote_vote\n'
        + 'failed to create service vote_vote: Error response from daemon: rpc error: code = InvalidArgument desc = ContainerSpec: image reference must be provided\n',
      exit: 1,
    });
  });

  it('an undefined network is met after the networks the services name were created', () => {
    const r = cluster({ 'n.yml': 'version: "3.7"\nservices:\n  a:\n    image: nginx\n    networks: [front]\n' }, [{ run: 'docker stack deploy -c n.yml st' }]);
    expect(r[0]).toEqual({ out: 'Creating network st_front\nservice a: undefined network "front"\n', exit: 1 });
  });

  it('an external network that is a local bridge is in the wrong scope; a missing one is not found', () => {
    const file = 'version: "3.7"\nservices:\n  a:\n    image: nginx\n    networks: [front]\nnetworks:\n  front:\n    external: true\n';
    const r = cluster({ 'x.yml': file }, [
      { run: 'docker stack deploy -c x.yml st' },
      { run: 'docker network create front' },
      { run: 'docker stack deploy -c x.yml st' },
    ]);
    expect(r[0]).toEqual({ out: 'network "front" is declared as external, but could not be found. You need to create a swarm-scoped network before the stack is deployed\n', exit: 1 });
    expect(r[2]).toEqual({ out: 'network "front" is declared as external, but it is not in the right scope: "local" instead of "swarm"\n', exit: 1 });
  });

  it('prints loader errors alone, without the file', () => {
    const r = cluster({ 'v.yml': 'version: "2.1"\nservices:\n  a:\n    image: nginx\n' }, [{ run: 'docker stack deploy -c v.yml st' }]);
    expect(r[0]).toEqual({ out: 'unsupported Compose file version: 2.1\n', exit: 1 });
  });

  it('a changed secret file on redeploy is refused: only labels may change', () => {
    const stack = (file: string): string => `version: "3.7"\nservices:\n  a:\n    image: nginx\n    secrets: [pw]\nsecrets:\n  pw:\n    file: ./${file}\n`;
    const r = cluster({ 'a.yml': stack('pw'), 'b.yml': stack('pw2'), pw: 'one\n', pw2: 'two\n' }, [
      { run: 'docker stack deploy -c a.yml st' },
      { run: 'docker stack deploy -c a.yml st' },
      { run: 'docker stack deploy -c b.yml st' },
    ]);
    expect(r[0]!.out).toBe('Creating network st_default\nCreating secret st_pw\nCreating service st_a\n');
    expect(r[1]).toEqual({ out: 'Updating service st_a (id: ' + /\(id: (\w+)\)/.exec(r[1]!.out)![1] + ')\n', exit: 0 });
    expect(r[2]).toEqual({ out: 'failed to update secret st_pw: Error response from daemon: rpc error: code = InvalidArgument desc = only updates to Labels are allowed\n', exit: 1 });
  });
});

describe('volumes', () => {
  it('docker volume create / ls / inspect / rm / prune', () => {
    const r = cluster({}, [
      { run: 'docker volume create --label team=db data2' },
      { run: 'docker volume create data10' },
      { run: 'docker volume ls' },
      { run: 'docker volume inspect data2' },
      { run: 'docker run -d --name c1 -v data10:/d busybox sleep 1000' },
      { run: 'docker volume rm data10 nope' },
      { run: 'docker volume prune', stdin: 'n\n' },
      { run: 'docker volume prune -f' },
      { run: 'docker volume ls -q' },
    ]);
    expect(r[0]!.out).toBe('data2\n');
    expect(r[2]!.out).toBe('DRIVER              VOLUME NAME\nlocal               data2\nlocal               data10\n');
    expect(r[3]!.out).toMatch(/^\[\n    \{\n        "CreatedAt": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",\n        "Driver": "local",\n        "Labels": \{\n            "team": "db"\n        \},\n        "Mountpoint": "\/var\/lib\/docker\/volumes\/data2\/_data",\n        "Name": "data2",\n        "Options": \{\},\n        "Scope": "local"\n    \}\n\]\n$/);
    expect(r[5]!.out).toMatch(/^Error response from daemon: remove data10: volume is in use - \[[0-9a-f]{64}\]\nError: No such volume: nope\n$/);
    expect(r[5]!.exit).toBe(1);
    expect(r[6]!.out).toBe('WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] Total reclaimed space: 0B\n');
    expect(r[7]!.out).toBe('Deleted Volumes:\ndata2\n\nTotal reclaimed space: 0B\n');
    expect(r[8]!.out).toBe('data10\n');
  });

  it('a named volume keeps its files when the container is replaced; rm -v takes only anonymous ones', () => {
    // A host with an engine and no steps; the commands then run one by one.
    const w = runText('name: volumes\nseed: 3\nhosts:\n  - { name: h, ip: 10.1.0.10/24 }\nsteps: []\n').res.world;
    const h = w.hosts.get('h')!;
    const d = simOf(w).docker.daemon(h)!;
    const run = (line: string) => sh(w, h, line);
    // (Docker's container names have two characters at least: RestrictedNamePattern.)
    run('docker run -d --name a1 -v keep:/data -v /scratch busybox sleep 1000');
    // What the container's process writes under /data (the shell's redirection is another model's).
    d.findContainer('a1')!.files.set('/data/note', 'saved\n');
    expect(run('docker inspect -f "{{json .Mounts}}" a1').out).toMatch(/^\[\{"Type":"volume","Name":"keep","Source":"\/var\/lib\/docker\/volumes\/keep\/_data","Destination":"\/data","Driver":"local","Mode":"z","RW":true,"Propagation":""\},\{"Type":"volume","Name":"[0-9a-f]{64}","Source":"\/var\/lib\/docker\/volumes\/[0-9a-f]{64}\/_data","Destination":"\/scratch","Driver":"local","Mode":"","RW":true,"Propagation":""\}\]\n$/);
    expect(run('docker volume ls -q').out.split('\n').filter((l) => l !== '').length).toBe(2);
    run('docker rm -f -v a1');
    expect(run('docker volume ls -q').out).toBe('keep\n');
    run('docker run -d --name b1 -v keep:/data:ro busybox sleep 1000');
    expect(run('docker exec b1 cat /data/note').out).toBe('saved\n');
    expect(run('docker inspect -f "{{json .Mounts}}" b1').out).toBe('[{"Type":"volume","Name":"keep","Source":"/var/lib/docker/volumes/keep/_data","Destination":"/data","Driver":"local","Mode":"ro","RW":false,"Propagation":""}]\n');
    // Read-only: the write does not land.
    d.findContainer('b1')!.files.set('/data/other', 'x');
    expect(d.volumes.get('keep')!.files.has('/other')).toBe(false);
    expect(run('docker run -v ./rel:/x busybox true')).toEqual({ out: 'docker: Error response from daemon: create ./rel: "./rel" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path.\nSee \'docker run --help\'.\n', code: 125 });
    // State a model keeps under a directory (mysql's databases) follows the volume too.
    dataDir(d.findContainer('b1')!, '/data/mysql').set('databases', ['shop']);
    run('docker rm -f b');
    run('docker run -d --name c1 -v keep:/data busybox sleep 1000');
    expect(dataDir(d.findContainer('c1')!, '/data/mysql').get('databases')).toEqual(['shop']);
    run('docker run -d --name e1 busybox sleep 1000');
    expect(dataDir(d.findContainer('e1')!, '/data/mysql').get('databases')).toBeUndefined();
  });

  it('a stack volume is created on the node that runs the task, with the stack\'s label', () => {
    const r = cluster({ 'app.yml': APP, 'site.conf': 'x\n', motd: 'y\n' }, [
      { run: 'docker stack deploy -c app.yml app' },
      { sleep: '5s' },
      { run: 'docker volume inspect -f "{{.Name}} {{json .Labels}} {{json .Options}}" app_data' },
      { run: 'docker volume ls -q', on: 'w1' },
      { run: 'docker service inspect -f "{{json .Spec.TaskTemplate.ContainerSpec.Mounts}}" app_web' },
    ]);
    expect(r[2]!.out).toBe('app_data {"com.docker.stack.namespace":"app"} null\n');
    expect(r[3]!.out).toBe('');
    expect(r[4]!.out).toBe('[{"Type":"volume","Source":"app_data","Target":"/srv","VolumeOptions":{"Labels":{"com.docker.stack.namespace":"app"}}}]\n');
  });

  it('service create --mount readonly: ReadOnly in the spec, RW false in the task\'s container', () => {
    const r = cluster({}, [
      { run: 'docker service create -d --name ro --constraint node.role==manager --mount type=volume,source=v,target=/d,readonly busybox sleep 100000' },
      { sleep: '5s' },
      { run: 'docker service inspect -f "{{json .Spec.TaskTemplate.ContainerSpec.Mounts}}" ro' },
      { run: 'docker ps -q -f name=ro', save: 'C' },
      { run: 'docker inspect -f "{{json .Mounts}}" ${C}' },
    ]);
    expect(r[2]!.out).toBe('[{"Type":"volume","Source":"v","Target":"/d","ReadOnly":true}]\n');
    expect(r[4]!.out).toBe('[{"Type":"volume","Name":"v","Source":"/var/lib/docker/volumes/v/_data","Destination":"/d","Driver":"local","Mode":"","RW":false,"Propagation":""}]\n');
  });

  it('a task rescheduled to another node finds that node\'s volume, empty', () => {
    const text = 'name: resched\nseed: 3\nhosts:\n  - { name: m1, ip: 10.1.0.10/24 }\n  - { name: w1, ip: 10.1.0.11/24 }\nsteps:\n'
      + '  - run: docker swarm init --advertise-addr 10.1.0.10\n    on: m1\n  - run: docker swarm join-token worker -q\n    on: m1\n    save: T\n'
      + '  - run: docker swarm join --token ${T} 10.1.0.10:2377\n    on: w1\n'
      + '  - run: docker service create -d --name db --constraint node.hostname==w1 --mount type=volume,source=dbdata,target=/var/lib/db busybox sleep 100000\n    on: m1\n'
      + '  - sleep: 10s\n';
    const w = runText(text).res.world;
    const [m1, w1] = [w.hosts.get('m1')!, w.hosts.get('w1')!];
    const onW1 = simOf(w).docker.daemon(w1)!;
    const task = [...onW1.containers.values()].find((c) => c.name.startsWith('db.1.'))!;
    task.files.set('/var/lib/db/rows', '42\n');
    expect(onW1.volumes.get('dbdata')!.files.get('/rows')).toBe('42\n');
    sh(w, m1, 'docker service update -d --constraint-rm node.hostname==w1 --constraint-add node.hostname==m1 db');
    w.eq.runUntil(w.eq.now + 20 * SEC);
    const onM1 = simOf(w).docker.daemon(m1)!;
    const moved = [...onM1.containers.values()].find((c) => c.name.startsWith('db.1.'))!;
    expect(moved.files.get('/var/lib/db/rows')).toBeUndefined();
    expect(sh(w, m1, 'docker volume ls -q').out).toBe('dbdata\n');
    // The old node keeps its copy.
    expect(sh(w, w1, 'docker volume inspect -f "{{.Name}} {{json .Labels}}" dbdata').out).toBe('dbdata null\n');
    expect(onW1.volumes.get('dbdata')!.files.get('/rows')).toBe('42\n');
  });

  it('seed 004: each mysql container gets an anonymous volume for its VOLUME, left behind by docker rm', () => {
    const w = runText('name: mysql volumes\nseed: 3\nhosts:\n  - { name: docker-host, ip: 10.1.0.10/24 }\nsteps: []\n').res.world;
    const h = w.hosts.get('docker-host')!;
    const run = (line: string) => sh(w, h, line).out;
    run('docker run -d --name mysql1 -e MYSQL_ALLOW_EMPTY_PASSWORD=true mysql');
    const [v1] = run('docker volume ls -q').split('\n');
    expect(v1).toMatch(/^[0-9a-f]{64}$/);
    expect(run(`docker volume inspect ${v1}`)).toMatch(new RegExp(`"Labels": null,\n        "Mountpoint": "/var/lib/docker/volumes/${v1}/_data",\n        "Name": "${v1}",\n        "Options": null,\n        "Scope": "local"`));
    run('docker run -d --name mysql2 -e MYSQL_ALLOW_EMPTY_PASSWORD=true mysql');
    run('docker stop mysql1 mysql2');
    expect(run('docker rm mysql1 mysql2')).toBe('mysql1\nmysql2\n');
    const left = run('docker volume ls -q').split('\n').filter((l) => l !== '');
    expect(left.length).toBe(2);
    expect(run(`docker volume rm ${left.join(' ')}`)).toBe(`${left.join('\n')}\n`);
    run('docker run -d -v mysql:/var/lib/mysql --name mysql1 -e MYSQL_ALLOW_EMPTY_PASSWORD=true mysql');
    expect(run('docker volume ls')).toBe('DRIVER              VOLUME NAME\nlocal               mysql\n');
  });

});

describe('stack deploy reads ${VAR} from the environment of the shell it runs in', () => {
  it('takes the variables of the command\'s environment (ctx.vars), and stops on a required one missing', () => {
    const text = 'name: env\nseed: 3\nhosts:\n  - { name: m1, ip: 10.1.0.10/24 }\nfiles:\n  - on: m1\n    path: /root/p.yml\n    content: |\n'
      + '      version: "3.7"\n      services:\n        portainer:\n          image: nginx:${TAG:-latest}\n          deploy:\n            replicas: ${REPLICAS:-1}\n'
      + '            labels:\n              - traefik.frontend.rule=Host:portainer.${DOMAIN?Variable DOMAIN not set}\n'
      + 'steps:\n  - run: docker swarm init --advertise-addr 10.1.0.10\n    on: m1\n';
    const w = runText(text).res.world;
    const h = w.hosts.get('m1')!;
    const run = (line: string, vars: Record<string, string>): string => {
      const env = { ...hostEnv(simOf(w), h), vars: new Map(Object.entries(vars)) };
      let out = '';
      const c = startIn(simOf(w), new Session(env, hostPrompt(h)), env, line, { write: (t) => (out += t) });
      w.eq.runWhile(() => !c.done, w.eq.now + 60 * SEC);
      return out;
    };
    expect(run('docker stack deploy -c p.yml st', {})).toBe('invalid interpolation format for services.portainer.deploy.labels.[]: "required variable DOMAIN is missing a value: Variable DOMAIN not set". You may need to escape any $ with another $.\n');
    expect(run('docker stack deploy -c p.yml st', { DOMAIN: 'example.com', REPLICAS: '3' })).toBe('Creating network st_default\nCreating service st_portainer\n');
    expect(run('docker service inspect -f "{{.Spec.Mode.Replicated.Replicas}} {{json .Spec.Labels}}" st_portainer', {})).toBe('3 {"traefik.frontend.rule":"Host:portainer.example.com","com.docker.stack.namespace":"st","com.docker.stack.image":"nginx:latest"}\n');
  });
});
