// A DNS server over the simulated UDP, speaking real DNS messages (encoded and decoded with
// dns-packet): A queries are answered from a lookup function, everything else is NXDOMAIN or
// forwarded by the caller's lookup. Docker's embedded DNS (issue 4) is built on it.
import dnsPacket from 'dns-packet';
import { Buffer } from 'node:buffer';
import { formatIp4 } from '../core/addr.js';
import type { Ip4 } from '../core/addr.js';
import type { Netns } from '../kernel/netns.js';
import { udpSend } from '../kernel/udp.js';

export interface DnsAnswer {
  /** A records in the order to send (the caller shuffles when it should). */
  readonly addrs: Ip4[];
  readonly ttl: number;
}

/** `4.3.2.1.in-addr.arpa` → 1.2.3.4, or null. */
export function ptrAddress(name: string): Ip4 | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\.in-addr\.arpa\.?$/i.exec(name);
  if (m === null || m.slice(1).some((x) => Number(x) > 255)) return null;
  return ((Number(m[4]) << 24) | (Number(m[3]) << 16) | (Number(m[2]) << 8) | Number(m[1])) >>> 0;
}

/** The in-addr.arpa name of an address. */
export function ptrName(ip: Ip4): string {
  return `${ip & 255}.${(ip >>> 8) & 255}.${(ip >>> 16) & 255}.${ip >>> 24}.in-addr.arpa`;
}

/** How a server answers what `lookup` does not know. */
export interface DnsServeOptions {
  /** The PTR answer for an address (the name it has), when given. */
  readonly reverse?: (ip: Ip4) => string | null;
  /** Hands the query on (a forwarder: Docker's embedded DNS); `reply` gets the bytes to send
   *  back, or null to send nothing. Without it an unknown name is NXDOMAIN. */
  readonly forward?: (query: Uint8Array, reply: (bytes: Uint8Array | null) => void) => void;
  /** The server owns the zone (sets AA), as a LAN's own DNS server does for its names. */
  readonly authoritative?: boolean;
}

/** Binds a DNS server on UDP `port` (53) at `addr` (0 for any) in `ns`. */
export function dnsServe(ns: Netns, addr: Ip4, port: number, lookup: (name: string, from: Ip4) => DnsAnswer | null, opts: DnsServeOptions = {}): boolean {
  const { reverse, forward } = opts;
  return ns.sockets.bindUdp({
    port,
    addr,
    kernel: false,
    onDatagram(pkt) {
      let query;
      const bytes = pkt.payload ?? new Uint8Array(0);
      try {
        query = dnsPacket.decode(Buffer.from(bytes));
      } catch {
        return; // not DNS: a real server ignores it
      }
      const q = query.questions?.[0];
      const ptrIp = q !== undefined && q.type === 'PTR' ? ptrAddress(q.name) : null;
      const ptr = ptrIp === null || reverse === undefined ? null : reverse(ptrIp);
      const ans = q !== undefined && (q.type === 'A' || q.type === 'AAAA') ? lookup(q.name, pkt.ipSrc) : ptr !== null ? { addrs: [], ttl: 600 } : null;
      const send = (out: Uint8Array): void => {
        const leg = pkt.trace === null ? null : pkt.trace.reply();
        udpSend(ns, pkt.ipDst, pkt.dport, pkt.ipSrc, pkt.sport, out, leg, ns.host.eq.now);
      };
      if (ans === null && forward !== undefined) {
        forward(bytes, (out) => {
          if (out !== null) send(out);
        });
        return;
      }
      // A name known only by IPv4 answers AAAA with an empty NOERROR (libnetwork handleIPQuery),
      // so the client does not go on to search domains; an unknown one is NXDOMAIN (rcode 3).
      const reply = dnsPacket.encode({
        type: 'response',
        id: query.id,
        flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (opts.authoritative === true ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | (ans === null ? 3 : 0),
        questions: query.questions,
        answers: ptr !== null ? [{ type: 'PTR', name: q!.name, ttl: ans!.ttl, class: 'IN', data: ptr } as dnsPacket.Answer]
          : ans === null || q!.type !== 'A' ? [] : ans.addrs.map((a) => ({ type: 'A', name: q!.name, ttl: ans.ttl, class: 'IN', data: formatIp4(a) }) as dnsPacket.Answer),
      });
      send(new Uint8Array(reply));
    },
  });
}

/** Builds a query for `name` (type A, or PTR for a reverse lookup) with the given id. */
export function dnsQuery(name: string, id: number, type: 'A' | 'PTR' = 'A'): Uint8Array {
  return new Uint8Array(dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] }));
}

export interface DnsReply {
  readonly rcode: string;
  readonly addrs: string[];
  readonly ttl: number;
  /** PTR answers. */
  readonly names?: string[];
  /** Set when the AA bit is (the server owns the name). */
  readonly authoritative?: true;
}

export function decodeDnsReply(bytes: Uint8Array): DnsReply | null {
  try {
    const r = dnsPacket.decode(Buffer.from(bytes));
    const a = (r.answers ?? []).filter((x): x is dnsPacket.StringAnswer => x.type === 'A');
    // dns-packet decodes the response code; its type declarations omit it.
    const rcode = (r as { rcode?: string }).rcode ?? 'NOERROR';
    const ptr = (r.answers ?? []).filter((x): x is dnsPacket.StringAnswer => x.type === 'PTR');
    return { rcode, addrs: a.map((x) => x.data), ttl: a[0]?.ttl ?? 0, ...(ptr.length > 0 ? { names: ptr.map((x) => x.data) } : {}), ...(((r.flags ?? 0) & dnsPacket.AUTHORITATIVE_ANSWER) !== 0 ? { authoritative: true as const } : {}) };
  } catch {
    return null;
  }
}

/** The response code and AA bit of a DNS message (what a forwarder decides on), or null. */
export function replyStatus(bytes: Uint8Array): { rcode: string; authoritative: boolean } | null {
  try {
    const r = dnsPacket.decode(Buffer.from(bytes));
    if (r.type !== 'response') return null;
    return { rcode: (r as { rcode?: string }).rcode ?? 'NOERROR', authoritative: ((r.flags ?? 0) & dnsPacket.AUTHORITATIVE_ANSWER) !== 0 };
  } catch {
    return null;
  }
}
