// A swarm task's container from an image the node does not have: the executor's create fails with
// the daemon's ErrImageDoesNotExist, "No such image: " and the task's pinned reference
// (reference.FamiliarString of repo:tag@sha256:…, as moby#38315 shows it).
import { describe, expect, it } from 'vitest';
import { runText } from '../helpers.js';

describe('createTaskContainer of a missing image', () => {
  it('names the pinned reference, or repo:tag when the task is not pinned', () => {
    const { res } = runText('hosts:\n  - { name: n1, ip: 192.168.205.10/24 }\nsteps:\n  - run: "true"\n');
    const d = res.sim.docker.daemon(res.world.hosts.get('n1')!)!;
    const digest = `sha256:${'ab'.repeat(32)}`;
    const create = (image: string) => () => d.createTaskContainer({ name: 't.1.x', image, cmd: [], env: [], hostname: null, labels: {}, networks: [], files: new Map(), publish: [] });
    expect(create(`nosuch/app:2.0@${digest}`)).toThrow(`No such image: nosuch/app:2.0@${digest}`);
    expect(create('nosuch/app')).toThrow(/^No such image: nosuch\/app:latest$/);
  });
});
