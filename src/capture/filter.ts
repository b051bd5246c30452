// A pcap-filter(7) subset, compiled once into a predicate over a captured frame's bytes (as
// libpcap compiles to BPF: nothing is parsed per packet). Primitives: `host`, `net` (a.b.c.d/len,
// or a.b.c.d), `port`, `portrange`, each with `src`/`dst`/`src or dst`/`src and dst` and an
// optional `ip`/`arp`/`tcp`/`udp` before them; `ip`, `arp`, `tcp`, `udp`, `icmp`, `vrrp`, `esp`;
// `ip proto N` (or `\tcp`, `\udp`, `\icmp`); `and`/`&&`, `or`/`||`, `not`/`!`, parentheses. As
// in pcap, an identifier alone after `and`/`or` keeps the qualifiers before it (`port 53 or 80`).
// Errors are libpcap's words; tcpdump prints them after "tcpdump: ".
import { parseIp4 } from '../core/addr.js';
import { ETH_P_ARP, ETH_P_IP, IPPROTO_ESP, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from '../wire/packet.js';
import { l3Of } from './linktype.js';

export class FilterError extends Error {}

/** Reads the network layer of a frame: (view, l3 offset, ethertype) → match. */
type Pred = (v: DataView, l3: number, et: number) => boolean;

const IPPROTO_VRRP = 112;

const SERVICES: Record<string, number> = { domain: 53, http: 80, https: 443, ssh: 22, ntp: 123, bootps: 67, bootpc: 68, 'http-alt': 8080, mysql: 3306 };
const PROTO_NAMES: Record<string, number> = { icmp: IPPROTO_ICMP, tcp: IPPROTO_TCP, udp: IPPROTO_UDP, esp: IPPROTO_ESP, vrrp: IPPROTO_VRRP };

type Proto = 'ip' | 'arp' | 'tcp' | 'udp' | null;
type Dir = 'src' | 'dst' | 'or' | 'and';
type Kind = 'host' | 'net' | 'port' | 'portrange';
interface Quals {
  proto: Proto;
  dir: Dir;
  kind: Kind;
}

const ip: Pred = (_v, _o, et) => et === ETH_P_IP;
const arp: Pred = (_v, _o, et) => et === ETH_P_ARP;
function ipProto(p: number): Pred {
  return (v, o, et) => et === ETH_P_IP && v.getUint8(o + 9) === p;
}

function both(a: Pred, b: Pred): Pred {
  return (v, o, et) => a(v, o, et) && b(v, o, et);
}
function either(a: Pred, b: Pred): Pred {
  return (v, o, et) => a(v, o, et) || b(v, o, et);
}
function dirOf(dir: Dir, src: Pred, dst: Pred): Pred {
  return dir === 'src' ? src : dir === 'dst' ? dst : dir === 'and' ? both(src, dst) : either(src, dst);
}

/** An IPv4 address under a mask, at a fixed offset from the network header. */
function addrAt(at: number, net: number, mask: number): Pred {
  return (v, o) => ((v.getUint32(o + at) & mask) >>> 0) === net;
}

function hostOrNet(q: Quals, net: number, mask: number): Pred {
  if (q.proto === 'tcp' || q.proto === 'udp') throw new FilterError(`'${q.proto}' modifier applied to ${q.kind}`);
  const ipp = both(ip, dirOf(q.dir, addrAt(12, net, mask), addrAt(16, net, mask)));
  // ARP's sender and target protocol addresses (gen_host for ETHERTYPE_ARP).
  const arpp = both(arp, dirOf(q.dir, addrAt(14, net, mask), addrAt(24, net, mask)));
  return q.proto === 'ip' ? ipp : q.proto === 'arp' ? arpp : either(ipp, arpp);
}

function ports(q: Quals, lo: number, hi: number): Pred {
  if (q.proto === 'ip' || q.proto === 'arp') throw new FilterError(`'${q.proto}' modifier applied to ${q.kind}`);
  const at = (off: number): Pred => (v, o) => {
    const p = v.getUint16(o + ((v.getUint8(o) & 15) << 2) + off);
    return p >= lo && p <= hi;
  };
  // Only a first fragment holds the ports (gen_portop's "frag offset 0" test).
  const first: Pred = (v, o) => (v.getUint16(o + 6) & 0x1fff) === 0;
  const proto: Pred = q.proto === 'tcp' ? ipProto(IPPROTO_TCP) : q.proto === 'udp' ? ipProto(IPPROTO_UDP) : either(ipProto(IPPROTO_TCP), ipProto(IPPROTO_UDP));
  return both(both(proto, first), dirOf(q.dir, at(0), at(2)));
}

function tokenize(text: string): string[] {
  const out: string[] = [];
  const re = /\s*(&&|\|\||[()!]|[^\s()!&|]+)/y;
  let m: RegExpExecArray | null;
  while (re.lastIndex < text.length && (m = re.exec(text)) !== null) out.push(m[1]!);
  if (text.slice(re.lastIndex).trim() !== '') throw new FilterError('syntax error');
  return out;
}

function portNumber(id: string): number {
  if (/^\d+$/.test(id)) {
    const n = Number(id);
    if (n > 65535) throw new FilterError(`illegal port number ${n} > 65535`);
    return n;
  }
  const s = SERVICES[id];
  if (s === undefined) throw new FilterError(`unknown port '${id}'`);
  return s;
}

/** a.b.c.d, a.b.c, a.b or a (pcap's partial networks) with an optional /len. */
function network(id: string, kind: Kind): { net: number; mask: number } {
  const [addr, lenText] = id.split('/') as [string, string | undefined];
  const parts = addr.split('.');
  const full = parseIp4(parts.length === 4 ? addr : [...parts, ...Array(4 - parts.length).fill('0')].join('.'));
  if (full === null || parts.length > 4 || (kind === 'host' && lenText !== undefined)) {
    if (kind === 'host' && !/^[\d.]+$/.test(addr)) throw new FilterError(`unknown host '${id}'`);
    throw new FilterError('syntax error');
  }
  const len = lenText === undefined ? (kind === 'host' ? 32 : parts.length * 8) : Number(lenText);
  if (!Number.isInteger(len) || len < 0 || len > 32) throw new FilterError(`mask length must be <= 32`);
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  if (((full & ~mask) >>> 0) !== 0 && kind === 'net') throw new FilterError(`non-network bits set in "${id}"`);
  return { net: (full & mask) >>> 0, mask };
}

class Parser {
  private i = 0;
  private last: Quals = { proto: null, dir: 'or', kind: 'host' };

  constructor(private readonly toks: string[]) {}

  private peek(): string | undefined {
    return this.toks[this.i];
  }

  private next(): string {
    const t = this.toks[this.i++];
    if (t === undefined) throw new FilterError('syntax error');
    return t;
  }

  parse(): Pred {
    const p = this.or();
    if (this.i < this.toks.length) throw new FilterError('syntax error');
    return p;
  }

  private or(): Pred {
    let p = this.and();
    while (this.peek() === 'or' || this.peek() === '||') {
      this.i++;
      p = either(p, this.and());
    }
    return p;
  }

  private and(): Pred {
    let p = this.unary();
    while (this.peek() === 'and' || this.peek() === '&&') {
      this.i++;
      p = both(p, this.unary());
    }
    return p;
  }

  private unary(): Pred {
    const t = this.peek();
    if (t === 'not' || t === '!') {
      this.i++;
      const p = this.unary();
      return (v, o, et) => !p(v, o, et);
    }
    if (t === '(') {
      this.i++;
      const p = this.or();
      if (this.next() !== ')') throw new FilterError('syntax error');
      return p;
    }
    return this.primitive();
  }

  private primitive(): Pred {
    let proto: Proto | 'icmp' | 'vrrp' | 'esp' | null = null;
    let dir: Dir | null = null;
    let kind: Kind | null = null;
    let t = this.peek();
    if (t === 'ip' || t === 'arp' || t === 'tcp' || t === 'udp' || t === 'icmp' || t === 'vrrp' || t === 'esp') {
      proto = t;
      this.i++;
      t = this.peek();
    }
    if (proto === 'ip' && t === 'proto') {
      this.i++;
      const id = this.next();
      const name = id.startsWith('\\') ? id.slice(1) : null;
      const n = name !== null ? PROTO_NAMES[name] : /^\d+$/.test(id) ? Number(id) : undefined;
      if (n === undefined || n > 255) throw new FilterError(name !== null ? `unknown ip proto '${name}'` : 'syntax error');
      return ipProto(n);
    }
    if (t === 'src' || t === 'dst') {
      dir = t;
      this.i++;
      const c = this.peek();
      const after = this.toks[this.i + 1];
      if ((c === 'or' || c === 'and') && (after === 'src' || after === 'dst') && after !== t) {
        dir = c;
        this.i += 2;
      }
      t = this.peek();
    }
    if (t === 'host' || t === 'net' || t === 'port' || t === 'portrange') {
      kind = t;
      this.i++;
    }
    const end = t === undefined || t === ')' || t === 'and' || t === 'or' || t === '&&' || t === '||';
    if (dir === null && kind === null && end) {
      if (proto === null) throw new FilterError('syntax error');
      return proto === 'ip' ? ip : proto === 'arp' ? arp : ipProto(PROTO_NAMES[proto]!);
    }
    if (proto === 'icmp' || proto === 'vrrp' || proto === 'esp') throw new FilterError('syntax error');
    // A bare identifier keeps the qualifiers of the one before it (pcap's "inheritance").
    const inherit = proto === null && dir === null && kind === null;
    const q: Quals = inherit ? this.last : { proto, dir: dir ?? 'or', kind: kind ?? 'host' };
    this.last = q;
    const id = this.next();
    if (['and', 'or', 'not', '(', ')', '&&', '||', '!'].includes(id)) throw new FilterError('syntax error');
    if (q.kind === 'port') {
      const n = portNumber(id);
      return ports(q, n, n);
    }
    if (q.kind === 'portrange') {
      const m = /^([^-]+)-([^-]+)$/.exec(id);
      if (m === null) throw new FilterError('syntax error');
      const [a, b] = [portNumber(m[1]!), portNumber(m[2]!)];
      return ports(q, Math.min(a, b), Math.max(a, b));
    }
    const { net, mask } = network(id, q.kind);
    return hostOrNet(q, net, mask);
  }
}

/** A compiled filter: true when the frame (of the given link type) matches. */
export type Filter = (frame: Uint8Array, linktype: number) => boolean;

/** Compiles `expr` (empty: everything matches); throws FilterError with libpcap's message. */
export function compileFilter(expr: string): Filter {
  const toks = tokenize(expr);
  if (toks.length === 0) return () => true;
  const pred = new Parser(toks).parse();
  return (frame, linktype) => {
    const l3 = l3Of(linktype, frame);
    if (l3 === null) return false;
    try {
      return pred(new DataView(frame.buffer, frame.byteOffset, frame.byteLength), l3.off, l3.ethType);
    } catch {
      // Reading past the end of the packet: BPF's "return 0" (no match).
      return false;
    }
  };
}

/** The error compiling `expr` gives, or null when it compiles. */
export function filterError(expr: string): string | null {
  try {
    compileFilter(expr);
    return null;
  } catch (e) {
    if (e instanceof FilterError) return e.message;
    throw e;
  }
}
