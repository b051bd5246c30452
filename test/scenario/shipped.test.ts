// Every scenario shipped in scenarios/ passes, and replays byte for byte. Its traces are typed
// events the schema accepts, and every traced packet settles: each leg (the packet, its flooded
// copies, its answers) ends delivered or dropped with a reason, never "no verdict yet". The first
// run also checks packet conservation (every frame put on a wire was received or dropped: a
// breach is a failure of the run), and the second, without the check, prints the same bytes.
import { readdirSync, readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { runText } from '../helpers.js';

const validate = new Ajv2020({ allErrors: true }).compile(JSON.parse(readFileSync('src/trace/trace.schema.json', 'utf8')) as object);

interface TraceLegs {
  legs: Array<{ direction: string; copy: boolean; verdict: string; reason: string }>;
}

const files = readdirSync('scenarios').filter((f) => f.endsWith('.yaml')).sort();

describe('shipped scenarios', () => {
  it('exist', () => {
    expect(files).toEqual(expect.arrayContaining(['default.yaml', 'netns-veth.yaml', 'netns-bridge.yaml', 'netns-router.yaml', 'vxlan-two-hosts.yaml']));
  });
  for (const f of files) {
    it(`${f} meets every expectation and is deterministic`, () => {
      const text = readFileSync(`scenarios/${f}`, 'utf8');
      const a = runText(text, f, { conservation: true });
      const failures = a.res.steps.flatMap((s) => s.failures.map((x) => `line ${s.line}: ${x}`));
      expect(failures).toEqual([]);
      for (const s of a.res.steps) {
        if (s.trace === undefined) continue;
        expect(validate(s.trace) ? [] : validate.errors, `line ${s.line}: schema`).toEqual([]);
        const unsettled = (s.trace as TraceLegs).legs.filter((l) => l.verdict === 'pending' || (l.verdict === 'dropped' && l.reason === ''));
        expect(unsettled, `line ${s.line}: ${s.command}: legs without a verdict`).toEqual([]);
      }
      const b = runText(text, f);
      expect(b.transcript).toBe(a.transcript);
    });
  }
});
