// The reach matrix as people read it (one line per flow: who answered, in what proportion, or where
// the packets died) and as programs read it (JSON), and the differences between two matrices.
// The data (Flow, Probe, FlowResult) is defined here, with its renderings; scenario/reach.ts
// produces it.
import { hopKey, hopDifference } from './hop-key.js';
import type { Hop } from './recorder.js';
import { hopText } from './render.js';

export type ReachProto = 'tcp' | 'udp';

/** One thing to try: from a host (or a task's container on it) to an address and port. */
export interface Flow {
  readonly from: string;
  /** The container the probe starts in (east-west), or null for the host itself. */
  readonly container: string | null;
  readonly to: string;
  readonly port: number;
  readonly proto: ReachProto;
  /** What the flow tries: `published` (a port on a node), `vip NAME` or `tasks.NAME` (east-west). */
  readonly via: string;
}

export type Probe =
  | { readonly outcome: 'answered'; readonly who: string; readonly service: string | null; readonly addr: string; readonly seenFrom: string }
  | { readonly outcome: 'dropped'; readonly leg: 'request' | 'reply'; readonly host: string; readonly ns: string; readonly dev: string; readonly hop: string; readonly reason: string };

/** One direction of a probe's trace: its typed hops and how it ended. */
export interface ProbeLeg {
  readonly verdict: string;
  readonly reason: string;
  readonly hops: readonly Hop[];
}

/** A probe's trace: what `diff` compares and the view draws. */
export interface ProbePath {
  readonly request: ProbeLeg | null;
  readonly reply: ProbeLeg | null;
}

export interface FlowResult extends Flow {
  readonly probes: Probe[];
  /** Each probe's trace, in the order of `probes`. */
  readonly paths: ProbePath[];
}

/** A probe's hops, request then reply. */
export function pathHops(p: ProbePath | undefined): readonly Hop[] {
  return p === undefined ? [] : [...(p.request?.hops ?? []), ...(p.reply?.hops ?? [])];
}


/** A probe's outcome in a few words: the same words for the same outcome. */
export function probeText(p: Probe): string {
  if (p.outcome === 'answered') return `${p.who} ${p.addr}${p.seenFrom === '' ? '' : ` (saw ${p.seenFrom})`}`;
  const where = [p.host, p.ns].filter((x) => x !== '').join('/') + (p.dev === '' ? '' : ` ${p.dev}`);
  // The hop says which rule or route; the reason alone ("netfilter") would not.
  const hop = p.hop.replace(/^drop: /, '');
  return `${p.leg === 'reply' ? 'reply ' : ''}dropped at ${where}: ${hop !== '' && hop !== p.reason ? `${hop} (${p.reason})` : p.reason}`;
}

/** Each distinct outcome of a flow with its count, most frequent first (then by text). */
export function tally(r: FlowResult): Array<{ text: string; count: number }> {
  const counts = new Map<string, number>();
  for (const p of r.probes) counts.set(probeText(p), (counts.get(probeText(p)) ?? 0) + 1);
  return [...counts].map(([text, count]) => ({ text, count })).sort((a, b) => b.count - a.count || a.text.localeCompare(b.text));
}

export function flowFrom(r: FlowResult): string {
  return r.container === null ? r.from : `${r.container.split('.').slice(0, 2).join('.')}@${r.from}`;
}

export function flowTo(r: FlowResult): string {
  return `${r.via === 'published' ? '' : `${r.via.replace(/^vip /, '')} `}${r.to}:${r.port}/${r.proto}`;
}

/** The key two matrices are compared by. */
export function flowKey(r: FlowResult): string {
  return `${flowFrom(r)} -> ${flowTo(r)}`;
}

export function outcomeText(r: FlowResult): string {
  const n = r.probes.length;
  return tally(r).map((t) => (n === 1 ? t.text : `${t.text} ×${t.count}`)).join(', ');
}

export function renderReach(results: readonly FlowResult[], count: number): string {
  if (results.length === 0) return 'reach: nothing to probe (no published ports, no services sharing a network)\n';
  const rows = results.map((r) => [flowFrom(r), flowTo(r), outcomeText(r)]);
  const w0 = Math.max(4, ...rows.map((r) => r[0]!.length));
  const w1 = Math.max(2, ...rows.map((r) => r[1]!.length));
  const line = (r: string[]): string => `${r[0]!.padEnd(w0)}  ${r[1]!.padEnd(w1)}  ${r[2]}`.trimEnd();
  const answered = results.filter((r) => r.probes.every((p) => p.outcome === 'answered')).length;
  return [
    `reach: ${results.length} flows, ${count} probe${count === 1 ? '' : 's'} each: ${answered} answered, ${results.length - answered} not (or not always)`,
    line(['FROM', 'TO', 'RESULT']),
    ...rows.map(line),
  ].join('\n') + '\n';
}

export function reachJson(results: readonly FlowResult[]): object {
  return results.map((r) => ({ from: r.from, container: r.container, to: r.to, port: r.port, proto: r.proto, via: r.via, probes: r.probes }));
}

export interface FlowChange {
  readonly key: string;
  readonly a: FlowResult | null;
  readonly b: FlowResult | null;
  /** The first hop where the two first differing probes' paths part, as `[a's hop, b's hop]` in words. */
  readonly hop: [string, string] | null;
  /** What the two hops differ in (the place, the kind, the kind's decision). */
  readonly differs: string | null;
}

/** The flows whose outcome differs between two matrices (or that exist in one only). Paths are
 *  compared hop by hop on the typed events (trace/hop-key.ts), not on their words. */
export function diffReach(a: readonly FlowResult[], b: readonly FlowResult[]): FlowChange[] {
  const byKey = (rs: readonly FlowResult[]): Map<string, FlowResult> => new Map(rs.map((r) => [flowKey(r), r]));
  const ma = byKey(a);
  const mb = byKey(b);
  const keys = [...new Set([...ma.keys(), ...mb.keys()])];
  const out: FlowChange[] = [];
  // Who answered matters, not the exact balance: compare the sets of outcomes.
  const sig = (r: FlowResult): string => [...new Set(r.probes.map((p) => probeText(p)))].sort().join('|');
  for (const key of keys) {
    const ra = ma.get(key) ?? null;
    const rb = mb.get(key) ?? null;
    if (ra !== null && rb !== null && sig(ra) === sig(rb)) continue;
    let hop: [string, string] | null = null;
    let differs: string | null = null;
    if (ra !== null && rb !== null) {
      // The first probe whose outcome differs, then the first hop where its two paths part.
      let k = ra.probes.findIndex((p, i) => rb.probes[i] === undefined || probeText(p) !== probeText(rb.probes[i]!));
      if (k < 0) k = 0;
      const pa = pathHops(ra.paths[k]);
      const pb = pathHops(rb.paths[k]);
      for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
        const ha = pa[i];
        const hb = pb[i];
        if (ha !== undefined && hb !== undefined && hopKey(ha) === hopKey(hb)) continue;
        hop = [ha === undefined ? '(no more hops)' : hopText(ha), hb === undefined ? '(no more hops)' : hopText(hb)];
        differs = ha === undefined || hb === undefined ? 'one path ends here' : hopDifference(ha, hb);
        break;
      }
    }
    out.push({ key, a: ra, b: rb, hop, differs });
  }
  return out;
}

export function renderDiff(changes: readonly FlowChange[], nameA: string, nameB: string, flows: number): string {
  if (changes.length === 0) return `diff: the ${flows} flows have the same outcome in ${nameA} and ${nameB}\n`;
  const lines = [`diff: ${changes.length} of ${flows} flows changed (${nameA} → ${nameB})`];
  for (const c of changes) {
    lines.push(`${c.key}`);
    lines.push(`  ${nameA}: ${c.a === null ? '(not probed)' : outcomeText(c.a)}`);
    lines.push(`  ${nameB}: ${c.b === null ? '(not probed)' : outcomeText(c.b)}`);
    if (c.hop !== null) {
      lines.push(`  first different hop:`);
      lines.push(`    ${nameA}: ${c.hop[0]}`);
      lines.push(`    ${nameB}: ${c.hop[1]}`);
      if (c.differs !== null) lines.push(`    they differ in ${c.differs}`);
    }
  }
  return lines.join('\n') + '\n';
}
