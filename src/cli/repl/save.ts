// What `:save` writes: the scenario the session started from, with every command typed since as a
// step of its own, so `swarmsim run` of the file replays the session (and, with --expect, checks
// that each command still prints what it printed).
import { writeFileSync } from 'node:fs';
import { Scalar, YAMLMap, YAMLSeq, isSeq, parseDocument } from 'yaml';

type Recorded =
  | { kind: 'run'; on: string; run: string; output: string; exit: number; interruptedAfter: number | null }
  | { kind: 'sleep'; text: string }
  | { kind: 'trace'; on: string; where: { ns?: string; container?: string }; to: string; port: number; proto: string };

export class Recorder {
  private readonly steps: Recorded[] = [];

  /** `base`: the scenario text the session replayed first (the default cluster's, without a file). */
  constructor(private readonly base: string) {}

  get count(): number {
    return this.steps.length;
  }

  run(on: string, run: string, output: string, exit: number, interruptedAfter: number | null): void {
    this.steps.push({ kind: 'run', on, run, output, exit, interruptedAfter });
  }

  sleep(text: string): void {
    this.steps.push({ kind: 'sleep', text });
  }

  trace(on: string, where: { ns?: string; container?: string }, to: string, port: number, proto: string): void {
    this.steps.push({ kind: 'trace', on, where, to, port, proto });
  }

  /** The scenario text: the base document with the recorded steps appended. */
  text(expect: boolean): string {
    const doc = parseDocument(this.base);
    let seq = doc.get('steps');
    if (!isSeq(seq)) {
      seq = new YAMLSeq();
      doc.set('steps', seq);
    }
    const steps = seq as YAMLSeq;
    // `steps: []` in the base would make every appended step a flow map on one line.
    steps.flow = false;
    for (const s of this.steps) {
      if (s.kind === 'sleep') steps.add(doc.createNode({ sleep: s.text }));
      else if (s.kind === 'trace') steps.add(doc.createNode({ trace: { on: s.on, ...s.where, to: s.port === 0 ? s.to : `${s.to}:${s.port}`, proto: s.proto } }));
      else if (s.interruptedAfter !== null) {
        // ^C after the time it ran: the step's `interrupt:` (its output as the expectation with
        // --expect, and the status ^C left it: 130, or what the command's handler exited with).
        const e: Record<string, unknown> = { exit: s.exit };
        if (expect && s.output.trim() !== '') e['stdout'] = s.output;
        const node = doc.createNode({ run: s.run, on: s.on, interrupt: `${Math.max(1e-6, s.interruptedAfter / 1e6)}ms`, expect: e }) as YAMLMap;
        const out = (node.get('expect') as YAMLMap).get('stdout', true) as Scalar | undefined;
        if (out !== undefined && s.output.includes('\n')) out.type = Scalar.BLOCK_LITERAL;
        steps.add(node);
      } else {
        const e: Record<string, unknown> = {};
        if (s.exit !== 0) e['exit'] = s.exit;
        if (expect && s.output.trim() !== '') e['stdout'] = s.output;
        const node = doc.createNode(Object.keys(e).length === 0 ? { run: s.run, on: s.on } : { run: s.run, on: s.on, expect: e }) as YAMLMap;
        const out = (node.get('expect') as YAMLMap | undefined)?.get('stdout', true) as Scalar | undefined;
        // Output as a literal block: the lines read as the terminal showed them.
        if (out !== undefined && s.output.includes('\n')) out.type = Scalar.BLOCK_LITERAL;
        steps.add(node);
      }
    }
    return doc.toString({ lineWidth: 0 });
  }

  /** Writes the scenario; the error text when the file cannot be written. */
  save(file: string, expect: boolean): string | null {
    try {
      writeFileSync(file, this.text(expect));
      return null;
    } catch (e) {
      return `cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
    }
  }
}
