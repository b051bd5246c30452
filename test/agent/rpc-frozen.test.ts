// A 2377 message's receiver may take the very object its sender wrote (agent/rpc.ts, when the
// bytes it read are that object's encoding). Parsing gave each side its own copy, so this stands
// only while neither side writes a message once it is sent: every message but Raft's is frozen,
// deeply, as it leaves, and the swarm scenarios must run as before (a write to a frozen object
// throws in these strict-mode modules).
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { MsgChannel } from '../../src/agent/rpc.js';
import type { CpMessage } from '../../src/agent/rpc.js';
import { runText } from '../helpers.js';

const SCENARIOS = ['swarm-secrets.yaml', 'stack-configs-volumes.yaml', 'swarm-faults.yaml', 'swarm-routing-mesh.yaml', 'swarm-follower-cut-2377.yaml', 'swarm-update-rollback.yaml', 'stack-voting.yaml'];

const send = MsgChannel.prototype.send;
afterEach(() => {
  MsgChannel.prototype.send = send;
});

function deepFreeze(o: unknown): void {
  if (o === null || typeof o !== 'object' || Object.isFrozen(o)) return;
  Object.freeze(o);
  for (const v of Object.values(o as object)) deepFreeze(v);
}

describe('2377 messages are not written once sent', () => {
  for (const f of SCENARIOS) {
    it(`${f} runs as before with every sent message frozen`, () => {
      let frozen = 0;
      MsgChannel.prototype.send = function (this: MsgChannel, m: CpMessage): number {
        const n = send.call(this, m);
        if (!m.kind.startsWith('Msg')) {
          deepFreeze(m);
          frozen++;
        }
        return n;
      };
      const { res } = runText(readFileSync(`scenarios/${f}`, 'utf8'), f);
      expect(res.steps.flatMap((s) => s.failures)).toEqual([]);
      expect(frozen).toBeGreaterThan(0);
    });
  }

  it('a write to a frozen message would throw', () => {
    const m = { kind: 'heartbeat', nodeId: 'n1' };
    deepFreeze(m);
    expect(() => {
      (m as { nodeId: string }).nodeId = 'n2';
    }).toThrow(TypeError);
  });
});
