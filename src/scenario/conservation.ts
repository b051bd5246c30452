// The `conservation:` check: every frame put on a wire during the run ended received or dropped
// (kernel/ledger.ts defines the count). The ledger is attached to every host before the first
// step and read after the last; the packet path pays one null test per frame when it is off.
import { Ledger } from '../kernel/ledger.js';
import type { World } from '../kernel/world.js';
import { SEC } from '../sim/clock.js';

/** How many unaccounted frames a report lists (the count is always given). */
const LISTED = 10;

export function attachLedger(world: World): Ledger {
  const ledger = new Ledger();
  for (const h of world.hosts.values()) h.ledger = ledger;
  return ledger;
}

/** The totals, as the transcript shows them when the scenario asked for the check. */
export function ledgerSummary(l: Ledger): string {
  const copies = l.copies > 0 ? ` (+${l.copies} flooded cop${l.copies === 1 ? 'y' : 'ies'})` : '';
  const absorbed = l.absorbed > 0 ? `, ${l.absorbed} unheard` : '';
  return `${l.sent} frames put on a wire${copies}: ${l.received} received, ${l.dropped} dropped${absorbed}`;
}

/** What broke conservation: one line per frame still on a wire (the first few), or nothing. */
export function ledgerFailures(l: Ledger): string[] {
  if (l.holds()) return [];
  const left = l.onWire();
  const out = [`packet conservation does not hold: ${ledgerSummary(l)}; ${left.length} neither received nor dropped (in flight or lost)`];
  for (const f of left.slice(0, LISTED)) out.push(`  last seen leaving ${[f.host, f.ns, f.dev].join(' / ')} at ${(f.time / SEC).toFixed(6)} s: ${f.what}`);
  if (left.length > LISTED) out.push(`  … and ${left.length - LISTED} more`);
  return out;
}
