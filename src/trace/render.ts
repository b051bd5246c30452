// A recorded trace as text (one hop per line, as a reader follows a packet through the kernel)
// and as JSON (the typed events, for programs: src/trace/trace.schema.json).
import type { Hop, Leg, Trace } from './recorder.js';

export interface TraceSummary {
  verdict: 'delivered' | 'dropped' | 'pending';
  reason: string;
  hops: Hop[];
}

export function summarize(leg: Leg | undefined): TraceSummary | null {
  if (leg === undefined) return null;
  return { verdict: leg.verdict ?? 'pending', reason: leg.reason, hops: leg.path() };
}

export function hopText(h: Hop): string {
  const where = [h.host, h.ns, h.dev].filter((x) => x !== '').join(' / ');
  return `${where}  ${h.kind}: ${h.text}`;
}

function section(title: string, s: TraceSummary, side: Leg[]): string[] {
  const lines = [`${title}:`];
  s.hops.forEach((h, i) => lines.push(`  ${String(i + 1).padStart(2)}. ${hopText(h)}`));
  if (s.verdict === 'pending') lines.push('  => no verdict yet (still queued or in flight)');
  else lines.push(`  => ${s.verdict}${s.reason ? `: ${s.reason}` : ''}`);
  const discarded = side.filter((l) => l.verdict === 'dropped');
  if (discarded.length > 0) {
    const reasons = [...new Set(discarded.map((l) => l.reason))].join('; ');
    lines.push(`  (${discarded.length} flooded cop${discarded.length === 1 ? 'y' : 'ies'} went elsewhere: ${reasons})`);
  }
  return lines;
}

export function renderTraceText(title: string, trace: Trace): string {
  const lines = [`trace ${title}`];
  const req = summarize(trace.outcome('request'));
  if (req !== null) lines.push(...section('request', req, trace.sideLegs('request')));
  const rep = summarize(trace.outcome('reply'));
  if (rep !== null) lines.push(...section('reply', rep, trace.sideLegs('reply')));
  else lines.push('reply: none');
  return lines.join('\n') + '\n';
}

export function traceJson(title: string, trace: Trace): object {
  const dir = (d: 'request' | 'reply') => {
    const s = summarize(trace.outcome(d));
    return s === null ? null : { verdict: s.verdict, reason: s.reason, hops: s.hops };
  };
  // Every leg's ending, flooded copies included: a program can check that none is left unsettled.
  const legs = trace.legs.map((l) => ({ direction: l.direction, copy: l.copy, verdict: l.verdict ?? 'pending', reason: l.reason }));
  return { title, request: dir('request'), reply: dir('reply'), legs };
}
