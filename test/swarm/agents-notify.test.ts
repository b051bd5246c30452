// Which agents a commit tells (swarm/agents.ts): the marked ones, and — once the data version moved
// (a network touched: a node joining touches every one) — only those whose sync would act on it,
// each asked once per version. An agent whose inputs did not change is not synced for nothing.
import { describe, expect, it } from 'vitest';
import { Agents } from '../../src/swarm/agents.js';
import type { NodeAgent } from '../../src/swarm/agents.js';
import { MemoryStore } from '../../src/swarm/store/memory.js';
import { SwarmNetwork } from '../../src/swarm/model.js';
import { AddressPool } from '../../src/core/ipam.js';

function agent(due: () => boolean, log: string[], name: string, synced: () => boolean = () => true): NodeAgent {
  return {
    listening: () => true,
    sync: () => {
      log.push(`sync ${name}`);
      return synced();
    },
    dataDue: () => {
      log.push(`asked ${name}`);
      return due() ? 'due' : 'idle';
    },
    steadyDue: () => {
      log.push(`steady ${name}`);
      return 'steady';
    },
  };
}

describe('Agents.notify', () => {
  it('syncs a new agent, then after a data change only the agents whose inputs moved', () => {
    const store = new MemoryStore();
    const agents = new Agents(store);
    const log: string[] = [];
    let bMoved = false;
    agents.add(store.nodeTasks('a'), agent(() => false, log, 'a'));
    agents.add(store.nodeTasks('b'), agent(() => bMoved, log, 'b'));
    agents.notify();
    expect(log.splice(0)).toEqual(['sync a', 'sync b']);
    // Nothing moved: nobody is asked or synced.
    agents.notify();
    expect(log.splice(0)).toEqual([]);
    bMoved = true;
    agents.touchNetworks();
    agents.notify();
    expect(log.splice(0)).toEqual(['asked a', 'asked b', 'sync b']);
    // The same version is not asked about twice.
    agents.notify();
    expect(log.splice(0)).toEqual([]);
    expect(agents.dataVersion).toBe(1);
  });

  it('keeps an agent whose sync could not act marked, and a woken one is synced without asking', () => {
    const store = new MemoryStore();
    const agents = new Agents(store);
    const log: string[] = [];
    let ok = false;
    agents.add(store.nodeTasks('a'), agent(() => true, log, 'a', () => ok));
    agents.add(store.nodeTasks('b'), agent(() => false, log, 'b'));
    agents.notify();
    expect(log.splice(0)).toEqual(['sync a', 'sync b']);
    agents.notify();
    expect(log.splice(0)).toEqual(['sync a']);
    ok = true;
    agents.wake(store.nodeTasks('b'));
    agents.notify();
    expect(log.splice(0)).toEqual(['sync a', 'sync b']);
    agents.notify();
    expect(log.splice(0)).toEqual([]);
  });

  it('asks a steady agent only what no mark covers, until its inputs are marked as moved or the networks written', () => {
    const store = new MemoryStore();
    const attachments = { writes: 0 };
    const agents = new Agents(store, attachments);
    const log: string[] = [];
    let answer: 'due' | 'idle' | 'steady' = 'steady';
    const a: NodeAgent = {
      listening: () => true,
      sync: () => {
        log.push('sync');
        return true;
      },
      dataDue: () => {
        log.push('asked');
        return answer;
      },
      steadyDue: () => {
        log.push('steady');
        return 'steady';
      },
    };
    const own = store.nodeTasks('a');
    agents.add(own, a);
    agents.notify();
    expect(log.splice(0)).toEqual(['sync']);
    // After a sync the first answer is a full one; once steady, the next ones are not.
    agents.touchNetworks();
    agents.notify();
    agents.touchNetworks();
    agents.notify();
    expect(log.splice(0)).toEqual(['asked', 'steady']);
    // Marked (its node's record, its own state, gossip): asked in full again; an idle answer
    // is not a steady one, so the one after it is full too.
    answer = 'idle';
    agents.inputsMoved(own);
    agents.touchNetworks();
    agents.notify();
    agents.touchNetworks();
    agents.notify();
    answer = 'steady';
    agents.touchNetworks();
    agents.notify();
    agents.touchNetworks();
    agents.notify();
    expect(log.splice(0)).toEqual(['asked', 'asked', 'asked', 'steady']);
    // A network written, or an attachment: every agent is asked in full.
    const subnet = { addr: 0x0a000000, len: 24 };
    store.createNetwork(new SwarmNetwork('n1', 'web', subnet, 0x0a000001, 4097, new AddressPool(subnet, true), false, false, false, false, {}, {}, 0));
    agents.notify();
    expect(log.splice(0)).toEqual(['asked']);
    agents.touchNetworks();
    agents.notify();
    attachments.writes++;
    agents.touchNetworks();
    agents.notify();
    expect(log.splice(0)).toEqual(['steady', 'asked']);
    // Its tasks changed: woken, synced without asking, then asked in full.
    agents.wake(own);
    agents.notify();
    agents.touchNetworks();
    agents.notify();
    expect(log.splice(0)).toEqual(['sync', 'asked']);
  });
});
