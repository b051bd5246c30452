// A 2377 message's receiver takes the object its sender wrote when the bytes it read are that
// object's encoding (agent/rpc.ts): that stands for parsing them only while every such message
// is plain JSON data, equal to what JSON.parse makes of its bytes (no undefined field, no Map, no
// class instance, no NaN). Every message but Raft's sent in the swarm scenarios is checked.
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { MsgChannel } from '../../src/agent/rpc.js';
import type { CpMessage } from '../../src/agent/rpc.js';
import { runText } from '../helpers.js';

const SCENARIOS = ['swarm-secrets.yaml', 'stack-configs-volumes.yaml', 'swarm-faults.yaml', 'swarm-routing-mesh.yaml', 'swarm-follower-cut-2377.yaml', 'swarm-update-rollback.yaml', 'stack-voting.yaml'];

const send = MsgChannel.prototype.send;
/** The kinds checked over all the scenarios. */
const seen = new Set<string>();
afterEach(() => {
  MsgChannel.prototype.send = send;
});

describe('2377 messages taken as written', () => {
  for (const f of SCENARIOS) {
    it(`${f}: every message but Raft's is what JSON.parse makes of its bytes`, () => {
      let checked = 0;
      const unlike: string[] = [];
      MsgChannel.prototype.send = function (this: MsgChannel, m: CpMessage): number {
        if (!m.kind.startsWith('Msg')) {
          checked++;
          seen.add(m.kind);
          if (!isDeepStrictEqual(JSON.parse(JSON.stringify(m)), m)) unlike.push(m.kind);
        }
        return send.call(this, m);
      };
      const { res } = runText(readFileSync(`scenarios/${f}`, 'utf8'), f);
      expect(res.steps.flatMap((s) => s.failures)).toEqual([]);
      expect(unlike).toEqual([]);
      expect(checked).toBeGreaterThan(0);
    });
  }

  it('the scenarios sent every kind taken as written', () => {
    expect([...seen].sort().join(' ')).toEqual(['assignments', 'assignments-watch', 'control', 'control-result', 'heartbeat', 'heartbeat-ok', 'join', 'joined', 'register', 'registered', 'task-status', 'task-status-ok'].join(' '));
  });

  it('a Map or an undefined field in a message would be told apart', () => {
    expect(isDeepStrictEqual(JSON.parse(JSON.stringify({ a: new Map([[1, 2]]) })), { a: new Map([[1, 2]]) })).toBe(false);
    expect(isDeepStrictEqual(JSON.parse(JSON.stringify({ a: 1, b: undefined })), { a: 1, b: undefined })).toBe(false);
  });
});
