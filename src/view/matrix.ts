// A reach step's matrix in the view: clients (rows) × targets (columns), each cell the flow's
// outcome in colour and in words (✓ who answered, ◐ some probes died, ✗ where they died), the whole
// outcome in its tooltip and accessible name. A cell is a button that opens one of its probes on
// the topology: the first that died if any did, else the first.
import type { FlowResult, ProbePath } from '../trace/reach.js';
import { flowFrom, flowTo, outcomeText, probeText } from '../trace/reach.js';
import { esc } from './svg.js';

export interface MatrixCell {
  readonly from: string;
  readonly to: string;
  readonly cls: 'ok' | 'some' | 'none';
  /** The words in the cell. */
  readonly short: string;
  /** The whole outcome. */
  readonly text: string;
  /** The probe the cell opens. */
  readonly probe: ProbePath | undefined;
}

export interface Matrix {
  readonly title: string;
  readonly rows: string[];
  readonly cols: string[];
  readonly cells: Map<string, MatrixCell>;
}

const cellKey = (from: string, to: string): string => `${from}\u0000${to}`;

export function buildMatrix(title: string, results: readonly FlowResult[]): Matrix {
  const rows: string[] = [];
  const cols: string[] = [];
  const cells = new Map<string, MatrixCell>();
  for (const r of results) {
    const from = flowFrom(r);
    const to = flowTo(r);
    if (!rows.includes(from)) rows.push(from);
    if (!cols.includes(to)) cols.push(to);
    const answered = r.probes.filter((p) => p.outcome === 'answered');
    const died = r.probes.findIndex((p) => p.outcome !== 'answered');
    const cls = died < 0 ? 'ok' : answered.length > 0 ? 'some' : 'none';
    const who = [...new Set(answered.map((p) => (p.outcome === 'answered' ? p.who : '')))];
    const first = died < 0 ? undefined : r.probes[died];
    const where = first === undefined || first.outcome === 'answered' ? '' : `${first.leg === 'reply' ? 'reply ' : ''}dropped at ${[first.host, first.ns].filter((x) => x !== '').join('/')}`;
    const short = cls === 'ok' ? `✓ ${who.join(', ')}` : cls === 'some' ? `◐ ${answered.length} of ${r.probes.length}: ${who.join(', ')}; ${where}` : `✗ ${where}`;
    cells.set(cellKey(from, to), { from, to, cls, short, text: r.probes.length === 1 ? probeText(r.probes[0]!) : outcomeText(r), probe: r.paths[died < 0 ? 0 : died] });
  }
  return { title, rows, cols, cells };
}

export function matrixCell(m: Matrix, from: string, to: string): MatrixCell | undefined {
  return m.cells.get(cellKey(from, to));
}

export const MATRIX_STYLE = `
table.reach { border-collapse: collapse; font-family: ui-monospace, monospace; font-size: 11px; }
table.reach th, table.reach td { border: 1px solid #ccd; padding: 2px 4px; vertical-align: top; }
table.reach th { background: #f4f6fa; text-align: left; }
table.reach td button { font: inherit; text-align: left; border: 0; background: transparent; cursor: pointer; width: 100%; }
table.reach td.ok { background: #d5f5e3; }
table.reach td.some { background: #fdebd0; }
table.reach td.none { background: #fadbd8; }
table.reach td.current { outline: 3px solid #000; }
table.reach td.empty { color: #999; }
`;

/** The matrix as a table; `traceOf(cell)` is the index of the cell's probe in the page's traces. */
export function renderMatrix(m: Matrix, index: number, traceOf: (c: MatrixCell) => number | null): string {
  const head = `<tr><th scope="col">from \\ to</th>${m.cols.map((c) => `<th scope="col">${esc(c)}</th>`).join('')}</tr>`;
  const body = m.rows.map((row) => {
    const tds = m.cols.map((col) => {
      const c = matrixCell(m, row, col);
      if (c === undefined) return '<td class="empty">—</td>';
      const t = traceOf(c);
      const label = `${row} to ${col}: ${c.text}`;
      const inner = t === null ? esc(c.short) : `<button type="button" data-trace="${t}" aria-label="${esc(label)}">${esc(c.short)}</button>`;
      return `<td class="${c.cls}" title="${esc(c.text)}">${inner}</td>`;
    });
    return `<tr><th scope="row">${esc(row)}</th>${tds.join('')}</tr>`;
  });
  return `<table class="reach" id="reach-${index}"><caption>${esc(m.title)}: ✓ every probe answered (green), ◐ some (amber), ✗ none (red); a cell opens its probe on the topology</caption>\n<thead>${head}</thead>\n<tbody>\n${body.join('\n')}\n</tbody></table>\n`;
}
