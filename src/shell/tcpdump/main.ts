// tcpdump (4.9.2, as on CentOS 7): captures on a device of the namespace it runs in (or `any`),
// prints each frame that passes the filter in tcpdump's line format until -c frames have been
// seen or it is interrupted (^C, a step's `interrupt:`, `kill`), then the counts on stderr. `-w`
// writes a classic pcap into the simulated file system instead; `-r` reads one (or a pcapng).
// Frames are serialised as they cross the device (kernel/tap.ts) and decoded from those bytes.
import type { NetDevice } from '../../kernel/device.js';
import { espKeysOf, tapDevice, tapNetns } from '../../kernel/tap.js';
import { compileFilter, FilterError } from '../../capture/filter.js';
import { captureBytes } from '../../capture/frame.js';
import { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, linktypeName } from '../../capture/linktype.js';
import { PcapWriter, readCapture } from '../../capture/pcap.js';
import { PCAP_SNAPLEN } from '../../capture/pcap.js';
import type { Ctx, Program } from '../program.js';
import { eprintln, println, resolvePath } from '../program.js';
import { printFrame, timestamp, type TcpSeqState } from './print.js';

interface Opts {
  i: string | null;
  c: number;
  w: string | null;
  r: string | null;
  e: boolean;
  v: boolean;
  expr: string;
}

const FLAGS = 'nelqStuvxXAKp';
const WITH_ARG = 'icwrsBCFGMTWyEzZ';

/** getopt(3) over tcpdump's option string; a string is the error to print. */
function parseArgs(argv: string[]): Opts | string {
  const o: Opts = { i: null, c: -1, w: null, r: null, e: false, v: false, expr: '' };
  const rest: string[] = [];
  for (let k = 1; k < argv.length; k++) {
    const a = argv[k]!;
    if (a === '--') {
      rest.push(...argv.slice(k + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      rest.push(a);
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const ch = a[j]!;
      if (FLAGS.includes(ch)) {
        if (ch === 'e') o.e = true;
        if (ch === 'v') o.v = true;
        continue;
      }
      if (!WITH_ARG.includes(ch)) return `tcpdump: invalid option -- '${ch}'`;
      const val = j + 1 < a.length ? a.slice(j + 1) : argv[++k];
      if (val === undefined) return `tcpdump: option requires an argument -- '${ch}'`;
      if (ch === 'i') o.i = val;
      else if (ch === 'w') o.w = val;
      else if (ch === 'r') o.r = val;
      else if (ch === 'c') {
        const n = /^-?\d+$/.test(val) ? Number(val) : NaN;
        if (!(n > 0)) return 'tcpdump: invalid packet count ' + val;
        o.c = n;
      }
      break;
    }
  }
  o.expr = rest.join(' ');
  return o;
}

/** Frame bytes kept in a simulated file: one character per byte (the file system holds text). */
export function bytesToFile(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

export function fileToBytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

/** pcap_lookupdev: the first device that is up and not loopback. */
function defaultDevice(ctx: Ctx): NetDevice | null {
  return ctx.ns.deviceList().find((d) => d.up && d.kind !== 'loopback') ?? null;
}

export const tcpdump: Program = (ctx, argv, exit) => {
  const o = parseArgs(argv);
  if (typeof o === 'string') {
    eprintln(ctx, o);
    return exit(1);
  }
  let filter: ReturnType<typeof compileFilter>;
  try {
    filter = compileFilter(o.expr);
  } catch (e) {
    if (!(e instanceof FilterError)) throw e;
    eprintln(ctx, `tcpdump: ${e.message}`);
    return exit(1);
  }
  const seqs: TcpSeqState = new Map();
  const line = (ns: number, data: Uint8Array, linktype: number): string => `${timestamp(ns)} ${printFrame(data, linktype, o, seqs)}`;
  if (o.r !== null) {
    const content = ctx.files.get(resolvePath(ctx, o.r));
    if (content === undefined) {
      eprintln(ctx, `tcpdump: ${o.r}: No such file or directory`);
      return exit(1);
    }
    const frames = readCapture(fileToBytes(content));
    if (typeof frames === 'string') {
      eprintln(ctx, `tcpdump: ${o.r}: ${frames}`);
      return exit(1);
    }
    eprintln(ctx, `reading from file ${o.r}, link-type ${linktypeName(frames[0]?.linktype ?? LINKTYPE_ETHERNET)}`);
    let n = 0;
    for (const f of frames) {
      if (!filter(f.data, f.linktype)) continue;
      println(ctx, line(f.ns, f.data, f.linktype));
      if (++n === o.c) break;
    }
    return exit(0);
  }
  const any = o.i === 'any';
  const dev = any ? null : o.i === null ? defaultDevice(ctx) : ctx.ns.device(o.i) ?? null;
  if (!any && dev === null) {
    if (o.i === null) eprintln(ctx, 'tcpdump: no suitable device found');
    else eprintln(ctx, `tcpdump: ${o.i}: No such device exists\n(SIOCGIFHWADDR: No such device)`);
    return exit(1);
  }
  if (dev !== null && !dev.up) {
    eprintln(ctx, `tcpdump: ${dev.name}: That device is not up`);
    return exit(1);
  }
  const name = any ? 'any' : dev!.name;
  const linktype = any ? LINKTYPE_LINUX_SLL : LINKTYPE_ETHERNET;
  const out = o.w === null ? null : new PcapWriter(linktype);
  const outPath = o.w === null ? null : resolvePath(ctx, o.w);
  if (out === null && !o.v) eprintln(ctx, 'tcpdump: verbose output suppressed, use -v or -vv for full protocol decode');
  eprintln(ctx, `${out === null ? '' : 'tcpdump: '}listening on ${name}, link-type ${linktypeName(linktype)}, capture size ${PCAP_SNAPLEN} bytes`);
  let captured = 0;
  let done = false;
  const finish = (interrupted = false): void => {
    if (done) return;
    done = true;
    untap();
    if (out !== null) ctx.files.set(outPath!, bytesToFile(out.bytes()));
    // Interrupted while printing packets (pcap_loop returns -2 after cleanup's pcap_breakloop),
    // tcpdump 4.9.2 ends the line it may have been printing: putchar('\n') on stdout. Then
    // info(1) on stderr.
    if (interrupted && out === null) ctx.term.write('\n');
    ctx.err.write(`${captured} packet${captured === 1 ? '' : 's'} captured\n${captured} packet${captured === 1 ? '' : 's'} received by filter\n0 packets dropped by kernel\n`);
    exit(0);
  };
  const untap = (any ? (fn: Parameters<typeof tapNetns>[1]) => tapNetns(ctx.ns, fn) : (fn: Parameters<typeof tapDevice>[1]) => tapDevice(dev!, fn))((d, pkt, outbound) => {
    if (done) return;
    const data = captureBytes(pkt, d, outbound, linktype, espKeysOf(d));
    if (data === null || !filter(data, linktype)) return;
    captured++;
    if (out !== null) out.packet(pkt.tstamp, data);
    else println(ctx, line(pkt.tstamp, data, linktype));
    if (captured === o.c) finish();
  });
  // tcpdump.c: setsignal(SIGINT, cleanup) and setsignal(SIGTERM, cleanup) — both print the counts.
  ctx.onInterrupt(() => finish(true));
  ctx.onTerminate?.(() => finish(true));
};
