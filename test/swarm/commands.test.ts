// Small swarm commands as 19.03 answers them: node filters, inspecting a missing service, image
// pinning, an overlay's peers and VNI option, and a VNI clash with a leftover vxlan device.
import { describe, expect, it } from 'vitest';
import { runText } from '../helpers.js';
import { swarm } from './helpers.js';

describe('swarm commands', () => {
  it('filters node ls by role, and refuses an unknown role', () => {
    const r = swarm(
      "  - run: docker node ls --filter role=manager --format '{{.Hostname}}'\n    on: m1\n"
      + "  - run: docker node ls -f role=worker --format '{{.Hostname}}'\n    on: m1\n"
      + '  - run: docker node ls -f role=boss\n    on: m1\n'
      + "  - run: docker node ls -f name=w --format '{{.Hostname}}'\n    on: m1\n",
    );
    expect(r.out[0]).toBe('m1\n');
    expect(r.out[1]).toBe('w1\nw2\n');
    expect(r.exit[2]).toBe(1);
    expect(r.out[2]).toBe("Error response from daemon: Invalid role filter: 'boss'\n");
    expect(r.out[3]).toBe('w1\nw2\n');
  });

  it('prints [] and the error for a missing service', () => {
    const r = swarm('  - run: docker service inspect MISSING\n    on: m1\n');
    expect(r.exit[0]).toBe(1);
    expect(r.out[0]).toBe('[]\nError: no such service: MISSING\n');
  });

  it('pins the image to its digest, shows the tag in ls and ps, and pulls the same image ID on every node', () => {
    const r = swarm(
      '  - run: docker service create -d --name a --mode global alpine ping docker.com\n    on: m1\n  - sleep: 10\n'
      + "  - run: docker service inspect --format '{{.Spec.TaskTemplate.ContainerSpec.Image}}' a\n    on: m1\n"
      + '  - run: docker service ls\n    on: m1\n'
      + "  - run: docker service ps --format '{{.Image}}' a\n    on: m1\n"
      + '  - run: docker ps -q\n    on: w1\n    save: C1\n'
      + "  - run: docker inspect --format '{{.Image}}' ${C1}\n    on: w1\n"
      + '  - run: docker ps -q\n    on: w2\n    save: C2\n'
      + "  - run: docker inspect --format '{{.Image}}' ${C2}\n    on: w2\n",
    );
    expect(r.out[2]).toMatch(/^alpine:latest@sha256:[0-9a-f]{64}\n$/);
    expect(r.out[3]).toMatch(/ a\s+global\s+3\/3\s+alpine:latest\s*\n/);
    expect(r.out[4]).toBe('alpine:latest\nalpine:latest\nalpine:latest\n');
    expect(r.out[6]).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(r.out[8]).toBe(r.out[6]);
  });

  it('lists the overlay peers and its VNI option; a VNI held by a leftover vxlan device fails the task', () => {
    const r = swarm(
      '  - run: docker network create -d overlay --opt com.docker.network.driver.overlay.vxlanid_list=5000 app\n    on: m1\n'
      + '  - run: docker service create -d --name web --network app --mode global nginx\n    on: m1\n  - sleep: 10\n'
      + '  - run: docker network inspect app\n    on: w1\n'
      + '  - run: ip link add vx-left type vxlan id 4097 dstport 4789\n    on: w2\n'
      + '  - run: docker network create -d overlay other\n    on: m1\n'
      + '  - run: docker service create -d --name b --network other --constraint node.hostname==w2 nginx\n    on: m1\n  - sleep: 10\n'
      + "  - run: docker service ps --no-trunc --format '{{.CurrentState}} {{.Error}}' b\n    on: m1\n",
    );
    const inspect = JSON.parse(r.out[3]!) as Array<{ Options: Record<string, string>; Peers: Array<{ Name: string; IP: string }> }>;
    expect(inspect[0]!.Options).toEqual({ 'com.docker.network.driver.overlay.vxlanid_list': '5000' });
    expect(inspect[0]!.Peers.map((p) => p.IP)).toEqual(['10.1.0.10', '10.1.0.11', '10.1.0.12']);
    for (const p of inspect[0]!.Peers) expect(p.Name).toMatch(/^[0-9a-f]{12}$/);
    expect(r.out[8]).toMatch(/^Failed .* "starting container failed: subnet sandbox join failed for "10\.0\.2\.0\/24": error creating vxlan interface: file exists"\n/);
  });

  it('swarm init sets the address pools, their mask length and the VXLAN data path port for every overlay', () => {
    const text = 'name: init options\nhosts:\n  - { name: m1, ip: 10.1.0.10/24 }\n  - { name: w1, ip: 10.1.0.11/24 }\nsteps:\n'
      + '  - run: docker swarm init --data-path-port 80\n    on: m1\n    expect: { exit: 1, stdout: "Error response from daemon: Datapath port number is not in valid range (1024-49151) : 80" }\n'
      + '  - run: docker swarm init --default-addr-pool 10.20.0.0/16 --default-addr-pool-mask-length 8\n    on: m1\n    expect: { exit: 1, stdout: "Error response from daemon: invalid CIDR: \\"10.20.0.0/16\\". Subnet size is too small for pool: 8" }\n'
      + '  - run: docker swarm init --advertise-addr 10.1.0.10 --data-path-port 7789 --default-addr-pool 10.20.0.0/16 --default-addr-pool-mask-length 26\n    on: m1\n'
      + '  - run: docker swarm join-token worker -q\n    on: m1\n    save: T\n'
      + '  - run: docker swarm join --token ${T} 10.1.0.10:2377\n    on: w1\n'
      + '  - run: docker network create -d overlay net1\n    on: m1\n'
      + "  - run: docker network inspect -f '{{json .IPAM.Config}}' ingress net1\n    on: m1\n"
      + '    expect: { stdout: "[{\\"Subnet\\":\\"10.20.0.0/26\\",\\"Gateway\\":\\"10.20.0.1\\"}]\\n[{\\"Subnet\\":\\"10.20.0.64/26\\",\\"Gateway\\":\\"10.20.0.65\\"}]" }\n'
      + '  - run: docker service create -d --name web --network net1 --mode global busybox sleep 1000000\n    on: m1\n  - sleep: 10s\n'
      + '  - run: iptables -I INPUT -p udp --dport 7789\n    on: w1\n'
      + '  - run: docker ps -q\n    on: m1\n    save: C\n'
      + '  - run: docker exec ${C} ping -c 1 10.20.0.68\n    on: m1\n    expect: { stdout: "1 packets received" }\n'
      + '  - run: iptables -nvL INPUT\n    on: w1\n    expect: { stdout: "/^\\\\s+1\\\\s+\\\\d+\\\\s+udp .* udp dpt:7789/m" }\n';
    const { res } = runText(text);
    for (const st of res.steps) expect(st.failures, `${st.command}\n${st.output}`).toEqual([]);
  });
  it('keeps tasks New when an overlay /29 has no address left, gives no VIP, and allocates once addresses free up', () => {
    const r = swarm(
      '  - run: docker network create -d overlay --subnet 10.5.0.0/29 small\n    on: m1\n'
      + '  - run: docker service create -d --name web --network small --replicas 6 --constraint node.hostname==m1 nginx\n    on: m1\n  - sleep: 20\n'
      + "  - run: docker service ps --format '{{.Name}} {{.CurrentState}} {{.Error}}' web\n    on: m1\n"
      + '  - run: docker service create -d --name other --network small nginx\n    on: m1\n  - sleep: 5\n'
      + "  - run: docker service inspect --format '{{json .Endpoint.VirtualIPs}}' other\n    on: m1\n"
      + '  - run: docker service scale -d web=2\n    on: m1\n  - sleep: 20\n'
      + "  - run: docker service ps --format '{{.Name}} {{.CurrentState}}' other\n    on: m1\n"
      + "  - run: docker service inspect --format '{{json .Endpoint.VirtualIPs}}' other\n    on: m1\n",
    );
    // 5 usable addresses (.2-.6): the VIP and four tasks; the last two tasks are not allocated.
    const rows = r.out[3]!.trim().split('\n');
    expect(rows.filter((x) => / Running \d+ seconds ago\s*$/.test(x))).toHaveLength(4);
    expect(rows.filter((x) => / New \d+ seconds ago\s*$/.test(x))).toHaveLength(2);
    expect(r.out[6]).toBe('null\n');
    expect(r.out[9]).toMatch(/^other\.1 Running /);
    expect(r.out[10]).toMatch(/^\[\{"NetworkID":"[0-9a-z]{25}","Addr":"10\.5\.0\.\d\/29"\}\]\n$/);
  });
  it("creates a task's devices as 19.03 does: ingress eth1, gwbridge eth2, then the service network eth0 (seed 004)", () => {
    const r = swarm(
      '  - run: docker network create -d overlay app\n    on: m1\n'
      // busybox: the nginx image has no `ip` (seed 003).
      + '  - run: docker service create -d --name web --network app -p 8000:80 --constraint node.hostname==m1 busybox sleep 3600\n    on: m1\n  - sleep: 10\n'
      + '  - run: docker ps -q\n    on: m1\n    save: C\n'
      + '  - run: docker exec ${C} ip addr\n    on: m1\n',
    );
    const inet = r.out[4]!.split('\n').filter((l) => l.includes(' inet ')).map((l) => l.trim().replace(/ brd \S+/, ''));
    expect(inet).toEqual([
      'inet 127.0.0.1/8 scope host lo',
      expect.stringMatching(/^inet 10\.0\.0\.\d+\/24 scope global eth1$/),
      expect.stringMatching(/^inet 172\.18\.0\.\d+\/16 scope global eth2$/),
      expect.stringMatching(/^inet 10\.0\.1\.\d+\/24 scope global eth0$/),
    ]);
  });
});
