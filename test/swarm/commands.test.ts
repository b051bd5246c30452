// Small swarm commands as 19.03 answers them: node filters, inspecting a missing service, image
// pinning, an overlay's peers and VNI option, and a VNI clash with a leftover vxlan device.
import { describe, expect, it } from 'vitest';
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
});
