// A minimal HTTP/1.1 server and client over the simulated TCP: enough for the request/response
// exchanges the seeds make (curl, wget, a browser hitting a published port). One request per
// connection; the server closes after answering, as `Connection: close` does.
import type { Ip4 } from '../core/addr.js';
import type { Netns } from '../kernel/netns.js';
import { tcpConnect, tcpListen } from '../kernel/tcp.js';
import type { TcpConn } from '../kernel/tcp.js';
import type { TraceLeg } from '../core/trace.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

export interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Map<string, string>;
  /** Who asked, as the server sees it (after any NAT on the way). */
  readonly peer: Ip4;
  readonly peerPort: number;
  /** The address the client reached us at (after any DNAT). */
  readonly local: Ip4;
}

export interface HttpResponse {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
}

const REASONS: Record<number, string> = { 200: 'OK', 404: 'Not Found', 500: 'Internal Server Error', 502: 'Bad Gateway' };

/** Parses the request head; null while it is incomplete. Not HTTP at all: a bare request. */
function parseRequest(text: string, c: TcpConn): HttpRequest | null {
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? (text.includes('\n') && !/^[A-Z]+ \S+ HTTP\//.test(text) ? text : null) : text.slice(0, end);
  if (head === null) return null;
  const [line, ...rest] = head.split(/\r?\n/);
  const m = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(line ?? '');
  const headers = new Map<string, string>();
  for (const h of rest) {
    const i = h.indexOf(':');
    if (i > 0) headers.set(h.slice(0, i).trim().toLowerCase(), h.slice(i + 1).trim());
  }
  return { method: m?.[1] ?? 'RAW', path: m?.[2] ?? '', headers, peer: c.raddr, peerPort: c.rport, local: c.laddr };
}

export function formatResponse(r: HttpResponse, server = 'swarmsim'): string {
  return `HTTP/1.1 ${r.status} ${REASONS[r.status] ?? ''}\r\nServer: ${server}\r\nContent-Type: ${r.contentType ?? 'text/plain; charset=utf-8'}\r\nContent-Length: ${enc.encode(r.body).length}\r\nConnection: close\r\n\r\n${r.body}`;
}

/** Serves HTTP on `port` in `ns`; a raw (non-HTTP) request gets the body alone. The handler
 *  answers through `respond`, at once or later (after asking a backend). */
export function httpServe(ns: Netns, port: number, handler: (req: HttpRequest, respond: (res: HttpResponse) => void) => void, server = 'swarmsim'): boolean {
  const l = tcpListen(ns, port, 0, (c) => {
    let buf = '';
    let answered = false;
    void c;
    return {
      onData: (conn, data) => {
        if (answered) return;
        buf += dec.decode(data);
        const req = parseRequest(buf, conn);
        if (req === null) return;
        answered = true;
        handler(req, (res) => {
          conn.send(enc.encode(req.method === 'RAW' ? res.body : formatResponse(res, server)));
          conn.close();
        });
      },
      onPeerClose: (conn) => conn.close(),
    };
  });
  return l !== null;
}

export interface HttpResult {
  /** errno when the connection failed (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH). */
  readonly errno: number;
  readonly status: number;
  readonly headers: string;
  readonly body: string;
}

/** Sends `GET path` to dst:port and calls `done` with the response or the error. */
export function httpGet(ns: Netns, dst: Ip4, port: number, host: string, path: string, userAgent: string, done: (r: HttpResult) => void, trace: TraceLeg | null = null): TcpConn | null {
  let raw = '';
  let finished = false;
  const finish = (r: HttpResult): void => {
    if (!finished) {
      finished = true;
      done(r);
    }
  };
  const c = tcpConnect(
    ns,
    dst,
    port,
    {
      onConnect: (conn) => conn.send(enc.encode(`GET ${path} HTTP/1.1\r\nUser-Agent: ${userAgent}\r\nHost: ${host}\r\nAccept: */*\r\n\r\n`)),
      onData: (_conn, data) => {
        raw += dec.decode(data);
      },
      onPeerClose: (conn) => {
        conn.close();
        const end = raw.indexOf('\r\n\r\n');
        const head = end < 0 ? raw : raw.slice(0, end);
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
        finish({ errno: 0, status, headers: head, body: end < 0 ? '' : raw.slice(end + 4) });
      },
      onError: (_conn, errno) => finish({ errno, status: 0, headers: '', body: '' }),
    },
    trace,
  );
  if (typeof c === 'number') {
    finish({ errno: c, status: 0, headers: '', body: '' });
    return null;
  }
  return c;
}
