// Which agents a commit tells (swarm/agents.ts): the marked ones, and — once the data version moved
// (a network touched: a node joining touches every one) — only those whose sync would act on it,
// each asked once per version. An agent whose inputs did not change is not synced for nothing.
import { describe, expect, it } from 'vitest';
import { Agents } from '../../src/swarm/agents.js';
import type { NodeAgent } from '../../src/swarm/agents.js';
import { MemoryStore } from '../../src/swarm/store/memory.js';

function agent(due: () => boolean, log: string[], name: string, synced: () => boolean = () => true): NodeAgent {
  return {
    listening: () => true,
    sync: () => {
      log.push(`sync ${name}`);
      return synced();
    },
    dataDue: () => {
      log.push(`asked ${name}`);
      return due();
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
});
