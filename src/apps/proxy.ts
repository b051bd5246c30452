// A userspace TCP relay (what docker-proxy does for a published port): accepts on a port and
// opens a connection to the target for each client, copying bytes both ways and closing together.
import type { Ip4 } from '../core/addr.js';
import type { Netns } from '../kernel/netns.js';
import { tcpConnect, tcpListen } from '../kernel/tcp.js';
import type { TcpConn } from '../kernel/tcp.js';

export function tcpProxy(ns: Netns, port: number, dst: Ip4, dport: number): boolean {
  return (
    tcpListen(ns, port, 0, (client) => {
      let upstream: TcpConn | null = null;
      const pending: Uint8Array[] = [];
      const up = tcpConnect(ns, dst, dport, {
        onConnect: (u) => {
          for (const d of pending.splice(0)) u.send(d);
        },
        onData: (_u, d) => client.send(d),
        onPeerClose: (u) => {
          u.close();
          client.close();
        },
        onError: () => client.abort(),
      });
      if (typeof up !== 'number') upstream = up;
      return {
        onData: (_c, d) => {
          if (upstream !== null && upstream.state === 'ESTABLISHED') upstream.send(d);
          else pending.push(d);
        },
        onPeerClose: (c) => {
          c.close();
          upstream?.close();
        },
      };
    }) !== null
  );
}
