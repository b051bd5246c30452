// The laid-out topology as SVG: hosts and namespaces as labelled frames, devices as boxes with
// their addresses, wires by kind (veth solid, bridge port dotted, VXLAN dashed with its VNI, the
// LAN). Every element carries its place (`data-key`: host, host/netns, host/netns/dev) so the page
// can light up a packet's path; a path given here is drawn lit (the `--svg` picture of one trace).
import type { Layout } from './layout.js';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const r1 = (n: number): string => String(Math.round(n * 10) / 10);

export interface Lit {
  /** Places the request went through, and the reply. */
  readonly request: ReadonlySet<string>;
  readonly reply: ReadonlySet<string>;
  /** Where it was dropped, if it was. */
  readonly drop: string | null;
}

export const STYLE = `
svg.topo { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 10px; }
svg.topo .host > rect { fill: #f4f6fa; stroke: #5b6b85; stroke-width: 1.5; }
svg.topo .netns > rect { fill: #ffffff; stroke: #9aa7bd; stroke-dasharray: 3 2; }
svg.topo .device > rect, svg.topo .lan > rect { fill: #e8eefc; stroke: #3d5a99; rx: 3; }
svg.topo .lan > rect { fill: #fff6d6; stroke: #a07d00; }
svg.topo .down > rect { fill: #eeeeee; stroke: #999999; }
svg.topo text.title { font-weight: bold; }
svg.topo .wire { fill: none; stroke: #6b7a99; stroke-width: 1.2; }
svg.topo .wire.bridge-port { stroke-dasharray: 1 2; }
svg.topo .wire.vxlan { stroke: #7a3db8; stroke-dasharray: 6 3; }
svg.topo .wire.lan { stroke: #a07d00; }
svg.topo .on-request > rect { stroke: #c0392b; stroke-width: 3; }
svg.topo .on-reply > rect { stroke: #1e8449; stroke-width: 3; }
svg.topo .on-request.on-reply > rect { stroke: #b9770e; }
svg.topo .dropped > rect { fill: #fadbd8; stroke: #922b21; stroke-width: 3; }
svg.topo .current > rect { stroke: #000000; stroke-width: 4; }
svg.topo #marker { fill: #c0392b; stroke: #ffffff; stroke-width: 2; }
svg.topo #marker.reply { fill: #1e8449; }
`;

export function renderSvg(l: Layout, lit: Lit | null = null, standalone = false): string {
  const out: string[] = [];
  const w = l.width + 20;
  const h = l.height + 20;
  out.push(`<svg class="topo" xmlns="http://www.w3.org/2000/svg" viewBox="-10 -10 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="network topology">`);
  if (standalone) out.push(`<style>${STYLE}</style>`);
  function drawWires(): void {
    out.push('<g class="wires">');
    for (const wire of l.wires) {
      const pts = wire.points.map((p) => `${r1(p.x)},${r1(p.y)}`).join(' ');
      out.push(`<polyline class="wire ${wire.kind}" data-from="${esc(wire.source)}" data-to="${esc(wire.target)}" points="${pts}"><title>${esc(`${wire.kind}: ${wire.label}`)}</title></polyline>`);
    }
    out.push('</g>');
  }
  // Frames (hosts, namespaces), then the wires over them, then the devices over the wires' ends.
  let wiresDrawn = false;
  for (const b of l.boxes) {
    const n = b.node;
    if (!wiresDrawn && n.kind === 'device') {
      drawWires();
      wiresDrawn = true;
    }
    const cls = [n.kind, n.down === true || n.up === false ? 'down' : '', lit?.request.has(b.key) ? 'on-request' : '', lit?.reply.has(b.key) ? 'on-reply' : '', lit?.drop === b.key ? 'dropped' : ''].filter((c) => c !== '').join(' ');
    const tip = [b.key, n.role ?? '', ...(n.addrs ?? []), n.mtu !== undefined ? `mtu ${n.mtu}` : '', n.up === false ? 'down' : ''].filter((x) => x !== '').join('\n');
    out.push(`<g class="${cls}" data-key="${esc(b.key)}" data-x="${r1(b.x)}" data-y="${r1(b.y)}" data-w="${r1(b.w)}" data-h="${r1(b.h)}"><title>${esc(tip)}</title>`);
    out.push(`<rect x="${r1(b.x)}" y="${r1(b.y)}" width="${r1(b.w)}" height="${r1(b.h)}"/>`);
    if (n.kind === 'device' || n.kind === 'lan') {
      [n.label, ...(n.addrs ?? [])].forEach((t, i) => out.push(`<text x="${r1(b.x + 6)}" y="${r1(b.y + 14 + i * 12)}"${i === 0 ? ' class="title"' : ''}>${esc(t)}</text>`));
    } else {
      const title = n.kind === 'netns' && n.role !== undefined ? `${n.label} — ${n.role}` : n.label;
      out.push(`<text class="title" x="${r1(b.x + 6)}" y="${r1(b.y + 14)}">${esc(title)}</text>`);
    }
    out.push('</g>');
  }
  if (!wiresDrawn) drawWires();
  out.push('<circle id="marker" r="7" cx="-100" cy="-100" visibility="hidden"/>');
  out.push('</svg>');
  return out.join('\n') + '\n';
}
