// `ip xfrm state|policy [list|show|flush]`, printed as iproute2 3.10 prints them (ipxfrm.c:
// xfrm_state_info_print, xfrm_policy_info_print): newest first, as the kernel dumps its lists.
// Adding SAs and policies by hand is not modelled; Docker programs them through netlink.
import { formatIp4, parseCidr, parseIp4 } from '../../core/addr.js';
import {
  XFRM_MODE_TRANSPORT, XFRM_POLICY_FWD, XFRM_POLICY_IN, XFRM_POLICY_OUT, xfrmProtoName,
} from '../../kernel/xfrm.js';
import type { Xfrm, XfrmPolicy, XfrmSelector, XfrmState } from '../../kernel/xfrm.js';
import type { Ctx } from '../program.js';
import { IpError, matches } from './errors.js';
import type { IpOptions } from './main.js';

const PROTO_NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 47: 'gre', 50: 'esp', 51: 'ah', 132: 'sctp' };

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

function modeName(mode: number): string {
  return mode === XFRM_MODE_TRANSPORT ? 'transport' : mode === 1 ? 'tunnel' : String(mode);
}

/** xfrm_id_info_print: `src A dst B` then `proto esp spi 0x… reqid N mode transport`. */
function idInfo(src: number, dst: number, proto: number, spi: number, reqid: number, mode: number, forceSpi: boolean, prefix: string, title: string): string {
  let s = `${title}src ${formatIp4(src)} dst ${formatIp4(dst)}\n${prefix}\tproto ${xfrmProtoName(proto)} `;
  if (forceSpi || spi !== 0) s += `spi 0x${hex8(spi)} `;
  return `${s}reqid ${reqid >>> 0} mode ${modeName(mode)}\n`;
}

/** xfrm_selector_print. */
function selectorText(sel: XfrmSelector): string {
  let s = `src ${formatIp4(sel.src)}/${sel.srcLen} dst ${formatIp4(sel.dst)}/${sel.dstLen} `;
  if (sel.proto !== 0) s += `proto ${PROTO_NAMES[sel.proto] ?? sel.proto} `;
  if (sel.proto === 1) {
    if (sel.sportMask !== 0) s += `type ${sel.sport} `;
    if (sel.dportMask !== 0) s += `code ${sel.dport} `;
  } else {
    if (sel.sportMask !== 0) s += `sport ${sel.sport} `;
    if (sel.dportMask !== 0) s += `dport ${sel.dport} `;
  }
  return `${s}\n`;
}

export function stateText(x: XfrmState): string {
  let s = idInfo(x.src, x.dst, x.proto, x.spi, x.reqid, x.mode, true, '', '');
  s += `\treplay-window ${x.replayWindow} \n`;
  if (x.aead !== null) {
    const key = [...x.aead.key].map((b) => b.toString(16).padStart(2, '0')).join('');
    s += `\taead ${x.aead.name} 0x${key} ${x.aead.icvBits}\n`;
  }
  // The kernel gives a state added without a selector its family (copy_from_user_state), so the
  // zero selector is printed.
  s += `\tsel src 0.0.0.0/0 dst 0.0.0.0/0 \n`;
  return s;
}

export function policyText(p: XfrmPolicy): string {
  let s = selectorText(p.sel);
  const dir = p.dir === XFRM_POLICY_IN ? 'in' : p.dir === XFRM_POLICY_OUT ? 'out' : p.dir === XFRM_POLICY_FWD ? 'fwd' : String(p.dir);
  s += `\tdir ${dir} ${p.action === 'block' ? 'action block ' : ''}priority ${p.priority} ptype main \n`;
  // XFRMA_MARK: printed by 3.10 with the value in decimal.
  if (p.markMask !== 0 || p.mark !== 0) s += `\tmark ${p.mark >>> 0}/0x${(p.markMask >>> 0).toString(16)}\n`;
  for (const t of p.tmpls) s += idInfo(t.src, t.dst, t.proto, t.spi, t.reqid, t.mode, false, '\t', '\ttmpl ');
  return s;
}

interface StateFilter {
  src: number | null;
  dst: number | null;
  proto: number | null;
  spi: number | null;
  reqid: number | null;
  mode: number | null;
}

function parseStateFilter(args: string[]): StateFilter {
  const f: StateFilter = { src: null, dst: null, proto: null, spi: null, reqid: null, mode: null };
  for (let i = 0; i < args.length; i++) {
    const k = args[i]!;
    const v = args[++i];
    if (v === undefined) throw new IpError('Command line is not complete. Try option "help"', 255);
    switch (k) {
      case 'src':
      case 'dst': {
        const a = parseIp4(v) ?? parseCidr(v)?.addr ?? null;
        if (a === null) throw new IpError(`Error: an inet prefix is expected rather than "${v}".`, 1);
        f[k] = a;
        break;
      }
      case 'proto': {
        const p = { esp: 50, ah: 51, comp: 108 }[v];
        if (p === undefined) throw new IpError(`Error: argument "${v}" is wrong: "XFRM-PROTO" is invalid`, 255);
        f.proto = p;
        break;
      }
      case 'spi':
      case 'reqid': {
        const n = /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : /^\d+$/.test(v) ? Number(v) : NaN;
        if (!Number.isFinite(n) || n > 0xffffffff) throw new IpError(`Error: argument "${v}" is wrong: "${k === 'spi' ? 'SPI' : 'REQID'}" is invalid`, 255);
        f[k] = n;
        break;
      }
      case 'mode':
        if (matches(v, 'transport')) f.mode = XFRM_MODE_TRANSPORT;
        else if (matches(v, 'tunnel')) f.mode = 1;
        else throw new IpError(`Error: argument "${v}" is wrong: "MODE" is invalid`, 255);
        break;
      default:
        throw new IpError(`Error: argument "${k}" is wrong: "ID" is invalid`, 255);
    }
  }
  return f;
}

function stateMatches(x: XfrmState, f: StateFilter): boolean {
  return (f.src === null || x.src === f.src) && (f.dst === null || x.dst === f.dst) && (f.proto === null || x.proto === f.proto)
    && (f.spi === null || x.spi >>> 0 === f.spi) && (f.reqid === null || x.reqid === f.reqid) && (f.mode === null || x.mode === f.mode);
}

function xfrmState(ctx: Ctx, db: Xfrm | null, args: string[]): number {
  const verb = args[0] ?? 'list';
  if (matches(verb, 'list') || matches(verb, 'show')) {
    const f = parseStateFilter(args.slice(1));
    if (db === null) return 0;
    let out = '';
    for (let i = db.states.length - 1; i >= 0; i--) if (stateMatches(db.states[i]!, f)) out += stateText(db.states[i]!);
    ctx.term.write(out);
    return 0;
  }
  if (matches(verb, 'flush')) {
    db?.flushStates();
    return 0;
  }
  if (matches(verb, 'help')) throw new IpError('Usage: ip xfrm state { list | flush } [ ID ]', 255);
  throw new IpError(`Command "${verb}" is unknown, try "ip xfrm state help".`, 255);
}

function xfrmPolicy(ctx: Ctx, db: Xfrm | null, args: string[]): number {
  const verb = args[0] ?? 'list';
  if (matches(verb, 'list') || matches(verb, 'show')) {
    let dir: number | null = null;
    const rest = args.slice(1);
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] !== 'dir') throw new IpError(`Error: argument "${rest[i]}" is wrong: "SELECTOR" is invalid`, 255);
      const v = rest[++i];
      dir = v === 'in' ? XFRM_POLICY_IN : v === 'out' ? XFRM_POLICY_OUT : v === 'fwd' ? XFRM_POLICY_FWD : null;
      if (dir === null) throw new IpError(`Error: argument "${v ?? ''}" is wrong: "DIR" is invalid`, 255);
    }
    if (db === null) return 0;
    let out = '';
    for (let i = db.policies.length - 1; i >= 0; i--) {
      const p = db.policies[i]!;
      if (dir === null || p.dir === dir) out += policyText(p);
    }
    ctx.term.write(out);
    return 0;
  }
  if (matches(verb, 'flush')) {
    db?.flushPolicies();
    return 0;
  }
  if (matches(verb, 'help')) throw new IpError('Usage: ip xfrm policy { list | flush } [ dir DIR ]', 255);
  throw new IpError(`Command "${verb}" is unknown, try "ip xfrm policy help".`, 255);
}

export function ipXfrm(ctx: Ctx, args: string[], _opts: IpOptions, exit: (code: number) => void): void {
  const obj = args[0];
  const db = ctx.ns.xfrm;
  if (obj === undefined || matches(obj, 'help')) throw new IpError('Usage: ip xfrm XFRM-OBJECT { COMMAND | help }\nwhere  XFRM-OBJECT := state | policy | monitor', 255);
  if (matches(obj, 'state') || matches(obj, 'sa')) return exit(xfrmState(ctx, db, args.slice(1)));
  if (matches(obj, 'policy')) return exit(xfrmPolicy(ctx, db, args.slice(1)));
  throw new IpError(`Object "${obj}" is unknown, try "ip xfrm help".`, 255);
}
