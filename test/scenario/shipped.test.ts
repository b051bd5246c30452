// Every scenario shipped in scenarios/ passes, and replays byte for byte.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runText } from '../helpers.js';

const files = readdirSync('scenarios').filter((f) => f.endsWith('.yaml')).sort();

describe('shipped scenarios', () => {
  it('exist', () => {
    expect(files).toEqual(expect.arrayContaining(['default.yaml', 'netns-veth.yaml', 'netns-bridge.yaml', 'netns-router.yaml', 'vxlan-two-hosts.yaml']));
  });
  for (const f of files) {
    it(`${f} meets every expectation and is deterministic`, () => {
      const text = readFileSync(`scenarios/${f}`, 'utf8');
      const a = runText(text, f);
      const failures = a.res.steps.flatMap((s) => s.failures.map((x) => `line ${s.line}: ${x}`));
      expect(failures).toEqual([]);
      const b = runText(text, f);
      expect(b.transcript).toBe(a.transcript);
    });
  }
});
