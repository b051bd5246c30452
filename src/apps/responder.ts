// The scenario's `serve` step: something listening in a namespace that answers every request with
// a fixed text. Over TCP it is an HTTP server (the text is the body; a non-HTTP request gets the
// text alone); over UDP it answers each datagram with the text. Placeholders let the answer show
// what the server saw: {client_ip}, {client_port}, {server_ip}, {server_port}, {host}.
import { formatIp4 } from '../core/addr.js';
import type { Netns } from '../kernel/netns.js';
import { udpSend } from '../kernel/udp.js';
import { httpServe, sizedBody } from './http.js';

function fill(text: string, ns: Netns, client: number, cport: number, server: number, sport: number): string {
  return text
    .replace(/\{client_ip\}/g, formatIp4(client))
    .replace(/\{client_port\}/g, String(cport))
    .replace(/\{server_ip\}/g, formatIp4(server))
    .replace(/\{server_port\}/g, String(sport))
    .replace(/\{host\}/g, ns.host.name);
}

/** Starts the responder; false when the port is taken. */
export function serve(ns: Netns, proto: 'tcp' | 'udp', port: number, reply: string, opts: { size?: number | null; keepAlive?: boolean } = {}): boolean {
  if (proto === 'tcp') {
    return httpServe(ns, port, (req, respond) => respond({ status: 200, body: sizedBody(fill(reply, ns, req.peer, req.peerPort, req.local, port), opts.size ?? null) }), {
      keepAlive: opts.keepAlive === true,
    });
  }
  const enc = new TextEncoder();
  return ns.sockets.bindUdp({
    port,
    addr: 0,
    kernel: false,
    onDatagram(pkt) {
      const body = enc.encode(fill(reply, ns, pkt.ipSrc, pkt.sport, pkt.ipDst, pkt.dport));
      udpSend(ns, pkt.ipDst, port, pkt.ipSrc, pkt.sport, body, pkt.trace === null ? null : pkt.trace.reply(), ns.host.eq.now);
    },
  });
}
