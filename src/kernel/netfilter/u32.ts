// The u32 match (xt_u32): tests on 32-bit words of the packet, written in its small language
// (libxt_u32.c of iptables 1.4.21):
//   tests    := location "=" value { "&&" location "=" value }
//   location := number { op number }      op: "&" (AND), "<<", ">>", "@" (move on, then read)
//   value    := range { "," range }       range: number [ ":" number ]
// "@" adds the current value to the offset the next read is relative to and reads the word at
// that offset plus the number. Docker 19.03 matches a VXLAN datagram's VNI with
// "0>>22&0x3C@12&0xFFFFFF00=VNI<<8": the IHL*4 of the IP header, then the word 12 bytes after it
// (VXLAN's VNI and reserved byte). Parsed once into a flat program when the rule is made;
// evaluated on the datagram's bytes as u32_match_it does, bounds checks included.
import { emitDatagram } from '../../wire/encode.js';
import { emitIpv4 } from '../../wire/ipv4.js';
import { IP_HLEN, IPPROTO_UDP, UDP_HLEN, VXLAN_HLEN } from '../../wire/packet.js';
import type { Packet } from '../../wire/packet.js';
import { isVxlan } from '../../wire/udp.js';

/** XT_U32_MAXSIZE: at most 10 tests, 10 numbers per location, 10 ranges per value. */
export const U32_MAXSIZE = 10;

export const U32_AND = 0;
export const U32_LEFTSH = 1;
export const U32_RIGHTSH = 2;
export const U32_AT = 3;

/** One test: the first number, then (op, number) pairs; value ranges as (min, max) pairs. */
export interface U32Test {
  readonly nums: number[];
  readonly ops: number[];
  readonly ranges: number[];
}

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
}

/** strtoul(s, &end, 0) as xtables_strtoui uses it, limited to UINT32_MAX; null: "expected number". */
function parseNumber(s: string, i: number): [number, number] | null {
  let j = i;
  while (isSpace(s[j])) j++;
  if (s[j] === '+') j++;
  let v = 0;
  let digits = 0;
  if (s[j] === '0' && (s[j + 1] === 'x' || s[j + 1] === 'X') && /[0-9a-fA-F]/.test(s[j + 2] ?? '')) {
    j += 2;
    while (j < s.length && /[0-9a-fA-F]/.test(s[j]!)) {
      v = v * 16 + parseInt(s[j]!, 16);
      j++;
      digits++;
    }
  } else if (s[j] === '0') {
    while (j < s.length && /[0-7]/.test(s[j]!)) {
      v = v * 8 + Number(s[j]);
      j++;
      digits++;
    }
  } else {
    while (j < s.length && /[0-9]/.test(s[j]!)) {
      v = v * 10 + Number(s[j]);
      j++;
      digits++;
    }
  }
  if (digits === 0 || v > 0xffffffff) return null;
  return [v, j];
}

/** u32_parse; an error is the message iptables prints after "iptables v1.4.21: ". */
export function parseU32(arg: string): U32Test[] | string {
  const tests: U32Test[] = [];
  let ct: U32Test = { nums: [], ops: [], ranges: [] };
  let i = 0;
  let state = 0;
  const at = (): number => i;
  for (;;) {
    while (isSpace(arg[i])) i++;
    if (i >= arg.length) {
      if (state === 0) return 'u32: abrupt end of input after location specifier';
      if (ct.ranges.length === 0) return 'u32: test ended with no value specified';
      tests.push(ct);
      if (tests.length > U32_MAXSIZE) return `u32: at char ${at()}: too many "&&"s`;
      return tests;
    }
    const c = arg[i]!;
    if (state === 0) {
      if (c === '=') {
        if (ct.nums.length === 0) return `u32: at char ${at()}: location spec missing`;
        i++;
        state = 1;
        continue;
      }
      if (ct.nums.length !== 0) {
        if (c === '&') ct.ops.push(U32_AND);
        else if (c === '<') {
          if (arg[++i] !== '<') return `u32: at char ${at()}: a second '<' was expected`;
          ct.ops.push(U32_LEFTSH);
        } else if (c === '>') {
          if (arg[++i] !== '>') return `u32: at char ${at()}: a second '>' was expected`;
          ct.ops.push(U32_RIGHTSH);
        } else if (c === '@') ct.ops.push(U32_AT);
        else return `u32: at char ${at()}: operator expected`;
        i++;
      }
      const n = parseNumber(arg, i);
      if (n === null) return `u32: at char ${at()}: expected number`;
      ct.nums.push(n[0]);
      i = n[1];
      if (ct.nums.length > U32_MAXSIZE) return `u32: at char ${at()}: too many operators`;
      continue;
    }
    // state 1: value ranges, until "&&" starts the next test.
    if (c === '&') {
      if (arg[++i] !== '&') return `u32: at char ${at()}: a second '&' was expected`;
      if (ct.ranges.length === 0) return `u32: at char ${at()}: value spec missing`;
      tests.push(ct);
      if (tests.length > U32_MAXSIZE) return `u32: at char ${at()}: too many "&&"s`;
      ct = { nums: [], ops: [], ranges: [] };
      i++;
      state = 0;
      continue;
    }
    if (ct.ranges.length > 0) {
      if (c !== ',') return `u32: at char ${at()}: expected "," or "&&"`;
      i++;
    }
    const lo = parseNumber(arg, i);
    if (lo === null) return `u32: at char ${at()}: expected number`;
    i = lo[1];
    while (isSpace(arg[i])) i++;
    let hi = lo[0];
    if (arg[i] === ':') {
      i++;
      const h = parseNumber(arg, i);
      if (h === null) return `u32: at char ${at()}: expected number`;
      hi = h[0];
      i = h[1];
    }
    ct.ranges.push(lo[0], hi);
    if (ct.ranges.length / 2 > U32_MAXSIZE) return `u32: at char ${at()}: too many ","s`;
  }
}

const OP_TEXT = ['&', '<<', '>>', '@'];

/** u32_dump: the canonical form iptables prints, every number in hex, in double quotes. */
export function u32Text(tests: readonly U32Test[]): string {
  const hx = (n: number): string => `0x${(n >>> 0).toString(16)}`;
  const parts = tests.map((t) => {
    let s = hx(t.nums[0]!);
    for (let i = 1; i < t.nums.length; i++) s += OP_TEXT[t.ops[i - 1]!]! + hx(t.nums[i]!);
    const vals: string[] = [];
    for (let i = 0; i < t.ranges.length; i += 2) {
      const lo = t.ranges[i]!;
      const hi = t.ranges[i + 1]!;
      vals.push(lo === hi ? hx(lo) : `${hx(lo)}:${hx(hi)}`);
    }
    return `${s}=${vals.join(',')}`;
  });
  return `"${parts.join('&&')}"`;
}

/**
 * The tests as one flat program: [ntests, then per test: nnums, first number, (op, number)…,
 * nranges, (min, max)…]. Evaluation walks it without allocating.
 */
export function compileU32(tests: readonly U32Test[]): Uint32Array {
  const out: number[] = [tests.length];
  for (const t of tests) {
    out.push(t.nums.length, t.nums[0]!);
    for (let i = 1; i < t.nums.length; i++) out.push(t.ops[i - 1]!, t.nums[i]!);
    out.push(t.ranges.length / 2, ...t.ranges);
  }
  return Uint32Array.from(out);
}

// The datagram's bytes, written on demand into one scratch buffer: the IPv4 header and, for a
// VXLAN datagram, its UDP and VXLAN headers first (what Docker's expression reads); the whole
// datagram only when a test reaches further.
const scratch = new Uint8Array(65536);
const view = new DataView(scratch.buffer);
let have = 0;
let current: Packet | null = null;
const VXLAN_HEADERS = IP_HLEN + UDP_HLEN + VXLAN_HLEN;

function word(pkt: Packet, off: number): number {
  const end = off + 4;
  if (current !== pkt || end > have) materialize(pkt, end);
  return view.getUint32(off);
}

function materialize(pkt: Packet, need: number): void {
  if (current !== pkt) {
    current = pkt;
    have = 0;
  }
  if (have === 0 && need <= VXLAN_HEADERS && pkt.ipProto === IPPROTO_UDP && isVxlan(pkt)) {
    emitIpv4(pkt, view, 0);
    view.setUint16(IP_HLEN, pkt.sport);
    view.setUint16(IP_HLEN + 2, pkt.dport);
    view.setUint16(IP_HLEN + 4, pkt.l4Length());
    view.setUint16(IP_HLEN + 6, 0); // Linux sends VXLAN with a zero UDP checksum
    view.setUint32(IP_HLEN + UDP_HLEN, 0x08000000); // I flag
    view.setUint32(IP_HLEN + UDP_HLEN + 4, (pkt.vni << 8) >>> 0);
    have = VXLAN_HEADERS;
    return;
  }
  if (have === 0 && need <= IP_HLEN) {
    emitIpv4(pkt, view, 0);
    have = IP_HLEN;
    return;
  }
  have = emitDatagram(pkt, view, 0);
}

/** u32_match_it: every test must hold (bounds failures make the match false, as in the kernel). */
export function u32Eval(prog: Uint32Array, pkt: Packet): boolean {
  // The packet may have been rewritten since the last evaluation (NAT, TTL): read it afresh.
  current = null;
  const len = pkt.ipTotalLength();
  let k = 0;
  const ntests = prog[k++]!;
  for (let t = 0; t < ntests; t++) {
    const nnums = prog[k++]!;
    let pos = prog[k++]!;
    let at = 0;
    if (len < 4 || pos > len - 4) return false;
    let val = word(pkt, pos);
    for (let i = 1; i < nnums; i++) {
      const op = prog[k++]!;
      const num = prog[k++]!;
      switch (op) {
        case U32_AND:
          val = (val & num) >>> 0;
          break;
        case U32_LEFTSH:
          val = (val << num) >>> 0;
          break;
        case U32_RIGHTSH:
          val = val >>> num;
          break;
        default: {
          if (at + val > 0xffffffff) return false;
          at += val;
          pos = num;
          if (at + 4 > 0xffffffff || len < at + 4 || pos > len - at - 4) return false;
          val = word(pkt, at + pos);
        }
      }
    }
    const nranges = prog[k++]!;
    let hit = false;
    for (let i = 0; i < nranges; i++) {
      const lo = prog[k++]!;
      const hi = prog[k++]!;
      if (lo <= val && val <= hi) hit = true;
    }
    if (!hit) return false;
  }
  return true;
}
