// An agent whose tasks did not change skips its data-plane pass when nothing that pass reads
// moved (agent/agent.ts stampIs: the swarm's networks, its node's role and addresses, the
// containers attached on it): the lists are only read again once one of them was written
// (CountedMap). Each input, changed with no task of the node changing, still reaches the node.
import { describe, expect, it } from 'vitest';
import { CountedMap } from '../../src/swarm/model.js';
import { managers } from '../swarm/writes-helpers.js';

const names = "docker network ls --filter driver=overlay --format '{{.Name}}'";

describe('the agent data-plane stamp', () => {
  it('counts every write of a CountedMap, whoever makes it', () => {
    const m = new CountedMap<string, number>();
    m.set('a', 1);
    m.set('a', 1);
    m.delete('b');
    m.clear();
    expect(m.writes).toBe(4);
    expect([...m]).toEqual([]);
  });

  it('a swarm network created or removed: the other managers list it, then not; the worker never', () => {
    const s = managers();
    expect(s.run('m1', 'docker network create -d overlay web').code).toBe(0);
    s.run('m1', 'sleep 1');
    expect(s.run('m2', names).out).toBe('ingress\nweb\n');
    expect(s.run('m3', names).out).toBe('ingress\nweb\n');
    expect(s.run('w1', names).out).toBe('ingress\n');
    expect(s.run('m1', 'docker network rm web').code).toBe(0);
    s.run('m1', 'sleep 1');
    expect(s.run('m2', names).out).toBe('ingress\n');
    expect(s.run('m3', names).out).toBe('ingress\n');
  });

  it('a node promoted lists the swarm networks it does not use; demoted, it lists them no more', () => {
    const s = managers();
    expect(s.run('m1', 'docker network create -d overlay web').code).toBe(0);
    expect(s.run('w1', names).out).toBe('ingress\n');
    expect(s.run('m1', 'docker node promote w1').code).toBe(0);
    s.run('m1', 'sleep 1');
    expect(s.run('w1', names).out).toBe('ingress\nweb\n');
    expect(s.run('m1', 'docker node demote w1').code).toBe(0);
    s.run('m1', 'sleep 1');
    expect(s.run('w1', names).out).toBe('ingress\n');
  });

  it('a container detached from an attachable overlay: the node leaves the network it no longer uses', () => {
    const s = managers();
    expect(s.run('m1', 'docker network create -d overlay --attachable att').code).toBe(0);
    expect(s.run('w1', 'docker run -d --name c1 --network att busybox sleep 1000').code).toBe(0);
    expect(s.run('w1', names).out).toBe('att\ningress\n');
    expect(s.run('w1', 'docker rm -f c1').out).toBe('c1\n');
    s.run('m1', 'sleep 1');
    expect(s.run('w1', names).out).toBe('ingress\n');
  });

  it('one of two attached containers removed: the node, still on the network, withdraws its name', () => {
    const s = managers();
    expect(s.run('m1', 'docker network create -d overlay --attachable att').code).toBe(0);
    expect(s.run('w1', 'docker run -d --name c1 --network att busybox sleep 1000').code).toBe(0);
    expect(s.run('w1', 'docker run -d --name c2 --network att busybox sleep 1000').code).toBe(0);
    expect(s.run('m2', 'docker run -d --name c3 --network att busybox sleep 1000').code).toBe(0);
    s.run('m1', 'sleep 2');
    expect(s.run('m2', 'docker exec c3 nslookup c1').out).toContain('Name:\tc1\nAddress: 10.0.1.2\n');
    // Nothing of w1's tasks changed, nor the size of anything it reads: only its attachments.
    expect(s.run('w1', 'docker rm -f c1').out).toBe('c1\n');
    s.run('m1', 'sleep 2');
    expect(s.run('m2', 'docker exec c3 nslookup c1')).toEqual({ out: ';; connection timed out; no servers could be reached\n\n', code: 1, took: 5 });
    expect(s.run('m2', 'docker exec c3 nslookup c2').out).toContain('Name:\tc2\nAddress: 10.0.1.4\n');
  });
});
