// One chunk of a reach matrix, in a worker thread: the scenario replayed afresh, then the chunk's
// flows probed in order. Every chunk starts from the same replayed state, so the matrix is the
// same whichever thread probes which chunk.
import { loadScenario } from '../scenario/load.js';
import { probeFlows } from '../scenario/reach.js';
import { runScenario } from '../scenario/run.js';
import type { Flow, FlowResult } from '../trace/reach.js';

export interface ReachTask {
  readonly file: string;
  readonly text: string;
  readonly flows: Flow[];
  readonly count: number;
  readonly size: number;
}

export function probeChunk(t: ReachTask): FlowResult[] {
  const res = runScenario(loadScenario(t.file, t.text));
  return probeFlows(res.sim, t.flows, t.count, t.size);
}

export default probeChunk;
