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

/** Binds a DNS server on UDP `port` (53) at `addr` (0 for any) in `ns`. `reverse` answers PTR
 *  queries (the name an address has), when given. */
export function dnsServe(ns: Netns, addr: Ip4, port: number, lookup: (name: string, from: Ip4) => DnsAnswer | null, reverse?: (ip: Ip4) => string | null): boolean {
  return ns.sockets.bindUdp({
    port,
    addr,
    kernel: false,
    onDatagram(pkt) {
      let query;
      try {
        query = dnsPacket.decode(Buffer.from(pkt.payload ?? new Uint8Array(0)));
      } catch {
        return; // not DNS: a real server ignores it
      }
      const q = query.questions?.[0];
      const ptrIp = q !== undefined && q.type === 'PTR' ? ptrAddress(q.name) : null;
      const ptr = ptrIp === null || reverse === undefined ? null : reverse(ptrIp);
      const ans = q !== undefined && (q.type === 'A' || q.type === 'AAAA') ? lookup(q.name, pkt.ipSrc) : ptr !== null ? { addrs: [], ttl: 600 } : null;
      // A name known only by IPv4 answers AAAA with an empty NOERROR (libnetwork handleIPQuery),
      // so the client does not go on to search domains; an unknown one is NXDOMAIN (rcode 3).
      const reply = dnsPacket.encode({
        type: 'response',
        id: query.id,
        flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (ans === null ? 3 : 0),
        questions: query.questions,
        answers: ptr !== null ? [{ type: 'PTR', name: q!.name, ttl: ans!.ttl, class: 'IN', data: ptr } as dnsPacket.Answer]
          : ans === null || q!.type !== 'A' ? [] : ans.addrs.map((a) => ({ type: 'A', name: q!.name, ttl: ans.ttl, class: 'IN', data: formatIp4(a) }) as dnsPacket.Answer),
      });
      const leg = pkt.trace === null ? null : pkt.trace.reply();
      udpSend(ns, pkt.ipDst, pkt.dport, pkt.ipSrc, pkt.sport, new Uint8Array(reply), leg, ns.host.eq.now);
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
}

export function decodeDnsReply(bytes: Uint8Array): DnsReply | null {
  try {
    const r = dnsPacket.decode(Buffer.from(bytes));
    const a = (r.answers ?? []).filter((x): x is dnsPacket.StringAnswer => x.type === 'A');
    // dns-packet decodes the response code; its type declarations omit it.
    const rcode = (r as { rcode?: string }).rcode ?? 'NOERROR';
    const ptr = (r.answers ?? []).filter((x): x is dnsPacket.StringAnswer => x.type === 'PTR');
    return { rcode, addrs: a.map((x) => x.data), ttl: a[0]?.ttl ?? 0, ...(ptr.length > 0 ? { names: ptr.map((x) => x.data) } : {}) };
  } catch {
    return null;
  }
}
