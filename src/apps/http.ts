// A minimal HTTP/1.1 server and client over the simulated TCP: enough for the exchanges the seeds
// make (curl, wget, a browser hitting a published port). The server answers `Connection: close`
// and closes after the response unless it was started with keep-alive, then it keeps the
// connection for further requests (HTTP/1.1's default) until the client closes or asks to close.
// The client reads a response to its end by Content-Length, or to the server's close.
import { textMemo } from '../core/memo.js';
import type { Ip4 } from '../core/addr.js';
import type { Netns } from '../kernel/netns.js';
import { tcpConnect, tcpListen } from '../kernel/tcp.js';
import type { TcpConn } from '../kernel/tcp.js';
import { isAscii } from 'node:buffer';
import type { TraceLeg } from '../core/trace.js';

const dec = new TextDecoder();
const STREAM = { stream: true } as const;

/**
 * `text` as UTF-8: Node's Buffer writes the same bytes as TextEncoder (a lone surrogate as
 * U+FFFD) at a quarter of its cost for a hundred-odd bytes, what a traffic loop's heads are. The
 * result is a plain Uint8Array over the Buffer's bytes, so that slice() copies as it should.
 */
function utf8(text: string): Uint8Array {
  return plain(Buffer.from(text, 'utf8'));
}

function plain(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

export interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: ReadonlyMap<string, string>;
  /** Who asked, as the server sees it (after any NAT on the way). */
  readonly peer: Ip4;
  readonly peerPort: number;
  /** The address the client reached us at (after any DNAT). */
  readonly local: Ip4;
}

export interface HttpResponse {
  readonly status: number;
  readonly body: string | Uint8Array;
  readonly contentType?: string;
}

export interface HttpServeOptions {
  readonly server?: string;
  /** Keep the connection open after a response (HTTP/1.1 persistent connections). */
  readonly keepAlive?: boolean;
}

const REASONS: Record<number, string> = { 200: 'OK', 404: 'Not Found', 500: 'Internal Server Error', 502: 'Bad Gateway' };

/** What a request head says, apart from who sent it. */
interface RequestHead {
  readonly method: string;
  readonly path: string;
  readonly headers: ReadonlyMap<string, string>;
}

/**
 * Heads are kept by their text: a traffic loop's curl sends the same head every few
 * milliseconds. What is kept is never modified (the headers are a ReadonlyMap to every
 * handler); bounded, and only for heads of ordinary size.
 */
const HEADS_MAX = 256;
const HEAD_KEPT_LEN = 1024;

/** Parses the request head at the start of `text`: the request and the bytes it took; null while
 *  incomplete. Not HTTP at all: a bare request taking everything. */
function parseRequest(text: string, c: TcpConn): { req: HttpRequest; used: number } | null {
  const end = text.indexOf('\r\n\r\n');
  const raw = end < 0 && text.includes('\n') && !/^[A-Z]+ \S+ HTTP\//.test(text);
  const head = end >= 0 ? text.slice(0, end) : raw ? text : null;
  if (head === null) return null;
  const h = requestHead(head);
  return { req: { method: h.method, path: h.path, headers: h.headers, peer: c.raddr, peerPort: c.rport, local: c.laddr }, used: end >= 0 ? end + 4 : text.length };
}

const requestHead = textMemo(parseHead, HEADS_MAX, HEAD_KEPT_LEN);

function parseHead(head: string): RequestHead {
  const [line, ...rest] = head.split(/\r?\n/);
  const m = /^([A-Z]+) (\S+) HTTP\/1\.([01])$/.exec(line ?? '');
  const headers = new Map<string, string>();
  for (const h of rest) {
    const i = h.indexOf(':');
    if (i > 0) headers.set(h.slice(0, i).trim().toLowerCase(), h.slice(i + 1).trim());
  }
  if (m?.[3] === '0') headers.set(':version', '1.0');
  return { method: m?.[1] ?? 'RAW', path: m?.[2] ?? '', headers };
}

/** Whether the exchange keeps the connection: the server allows it, the client did not say close (HTTP/1.0 must ask). */
function persistent(req: HttpRequest, keepAlive: boolean): boolean {
  if (!keepAlive || req.method === 'RAW') return false;
  const conn = (req.headers.get('connection') ?? '').toLowerCase();
  if (conn === 'close') return false;
  return req.headers.get(':version') === '1.0' ? conn === 'keep-alive' : true;
}

/** The response's bytes: head, then the body. */
export function formatResponse(r: HttpResponse, server = 'swarmsim', keepAlive = false): Uint8Array {
  const body = typeof r.body === 'string' ? utf8(r.body) : r.body;
  const headText = `HTTP/1.1 ${r.status} ${REASONS[r.status] ?? ''}\r\nServer: ${server}\r\nContent-Type: ${r.contentType ?? 'text/plain; charset=utf-8'}\r\nContent-Length: ${body.length}\r\nConnection: ${keepAlive ? 'keep-alive' : 'close'}\r\n\r\n`;
  // One buffer from Node's pool: a Uint8Array of more than 64 bytes gets a backing store of its
  // own, which costs more to allocate and free than the response costs to build.
  const headLen = Buffer.byteLength(headText, 'utf8');
  const out = Buffer.allocUnsafe(headLen + body.length);
  out.write(headText, 0, 'utf8');
  out.set(body, headLen);
  return plain(out);
}

/** A body of exactly `size` bytes: `text` repeated and cut (a scenario's `reply_size`); the text itself when size is null. */
export function sizedBody(text: string, size: number | null): string | Uint8Array {
  if (size === null) return text;
  const unit = utf8(text.length === 0 ? 'x' : text);
  const out = new Uint8Array(size);
  for (let off = 0; off < size; off += unit.length) out.set(unit.subarray(0, Math.min(unit.length, size - off)), off);
  return out;
}

/** Serves HTTP on `port` in `ns`; a raw (non-HTTP) request gets the body alone. The handler
 *  answers through `respond`, at once or later (after asking a backend). */
export function httpServe(ns: Netns, port: number, handler: (req: HttpRequest, respond: (res: HttpResponse) => void) => void, opts: HttpServeOptions | string = {}): boolean {
  const o: HttpServeOptions = typeof opts === 'string' ? { server: opts } : opts;
  const server = o.server ?? 'swarmsim';
  const l = tcpListen(ns, port, 0, () => {
    let buf = '';
    // The connection's own streaming decoder, from its first read that is not all ASCII: until
    // then there is nothing a decoder would hold back between reads, and a plain decode is cheaper.
    let decoder: TextDecoder | null = null;
    let busy = false;
    let closing = false;
    const next = (conn: TcpConn): void => {
      if (busy || closing) return;
      const got = parseRequest(buf, conn);
      if (got === null) return;
      buf = buf.slice(got.used);
      busy = true;
      const req = got.req;
      const keep = persistent(req, o.keepAlive === true);
      handler(req, (res) => {
        if (conn.state === 'CLOSED') return;
        conn.send(req.method === 'RAW' ? (typeof res.body === 'string' ? utf8(res.body) : res.body) : formatResponse(res, server, keep));
        busy = false;
        if (!keep) {
          closing = true;
          conn.close();
        } else next(conn);
      });
    };
    return {
      onData: (conn, data) => {
        if (decoder === null && isAscii(data)) buf += dec.decode(data);
        else buf += (decoder ??= new TextDecoder()).decode(data, STREAM);
        next(conn);
      },
      onPeerClose: (conn) => conn.close(),
    };
  });
  return l !== null;
}

export interface HttpResult {
  /** errno when the connection failed (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH). */
  readonly errno: number;
  /** The connection was established (an errno then came while reading the response). */
  readonly connected: boolean;
  readonly status: number;
  readonly headers: string;
  readonly body: string;
  /** Body bytes received. */
  readonly size: number;
  /** Content-Length announced, or -1. */
  readonly length: number;
  /** The server keeps the connection for another request. */
  readonly keepAlive: boolean;
}

/** One client connection to dst:port on which GETs are sent one after another (curl's reuse). */
export class HttpClient {
  conn: TcpConn | null = null;
  private chunks: Uint8Array[] = [];
  private got = 0;
  private pending: ((r: HttpResult) => void) | null = null;
  private connected = false;
  private closed = false;
  private queued: string | null = null;

  constructor(
    readonly ns: Netns,
    readonly dst: Ip4,
    readonly port: number,
    private readonly trace: TraceLeg | null = null,
  ) {}

  /** Whether another request may be sent on this connection. */
  get reusable(): boolean {
    return this.conn !== null && this.connected && !this.closed && this.conn.state === 'ESTABLISHED';
  }

  /** Sends `GET path` with these header lines and calls `done` with the response or the error. */
  get(path: string, headers: string[], done: (r: HttpResult) => void): void {
    this.pending = done;
    this.chunks = [];
    this.got = 0;
    let req = `GET ${path} HTTP/1.1\r\n`;
    for (const h of headers) req += `${h}\r\n`;
    req += '\r\n';
    if (this.conn !== null) {
      this.conn.send(utf8(req));
      return;
    }
    this.queued = req;
    const c = tcpConnect(
      this.ns,
      this.dst,
      this.port,
      {
        onConnect: (conn) => {
          this.connected = true;
          if (this.queued !== null) conn.send(utf8(this.queued));
          this.queued = null;
        },
        onData: (_conn, data) => {
          // Kept as given: received bytes are never written to (the sender's own, or zeros).
          this.chunks.push(data);
          this.got += data.length;
          this.check(false);
        },
        onPeerClose: () => {
          this.closed = true;
          this.check(true);
        },
        onError: (_conn, errno) => this.finish({ errno, connected: this.connected, status: 0, headers: '', body: '', size: 0, length: -1, keepAlive: false }),
      },
      this.trace,
    );
    if (typeof c === 'number') {
      this.finish({ errno: c, connected: false, status: 0, headers: '', body: '', size: 0, length: -1, keepAlive: false });
      return;
    }
    this.conn = c;
  }

  /** The response so far, or null while it is not complete. */
  private check(eof: boolean): void {
    if (this.pending === null) return;
    const all = this.bytes();
    // The head ends at the first CRLF CRLF: found in the bytes, and only the head decoded (CR and
    // LF are never part of a UTF-8 sequence, so the text has them where the bytes do).
    const end = headEnd(all);
    if (end < 0) {
      if (eof) this.finish({ errno: 0, connected: true, status: 0, headers: dec.decode(all), body: '', size: 0, length: -1, keepAlive: false });
      return;
    }
    const head = dec.decode(all.subarray(0, end));
    const headLen = end + 4;
    const h = responseHead(head);
    const length = h.length;
    const size = all.length - headLen;
    // A persistent connection's response ends at Content-Length; any other at the server's close.
    const keepAlive = h.keepAlive;
    if (!eof && (!keepAlive || size < length)) return;
    this.finish({ errno: 0, connected: true, status: h.status, headers: head, body: dec.decode(all.subarray(headLen)), size, length, keepAlive: keepAlive && !eof });
  }

  private bytes(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0]!;
    const out = new Uint8Array(this.got);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    this.chunks = [out];
    return out;
  }

  private finish(r: HttpResult): void {
    const done = this.pending;
    this.pending = null;
    if (done !== null) done(r);
  }

  /** Closes our side (after the last request). */
  close(): void {
    if (this.conn !== null && this.conn.state !== 'CLOSED') this.conn.close();
  }
}

/** What the client reads from a response head: status, Content-Length (-1: none), keep-alive. */
interface ResponseHead {
  readonly status: number;
  readonly length: number;
  readonly keepAlive: boolean;
}

/** Kept by the head's text, as request heads are (a server answers a loop with the same head). */
const responseHead = textMemo((head): ResponseHead => {
  const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? -1);
  const keepAlive = /\r\nconnection:\s*keep-alive/i.test(head) && length >= 0;
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0), length, keepAlive };
}, HEADS_MAX, HEAD_KEPT_LEN);

/** Where the first CR LF CR LF starts in `b`, or -1. */
function headEnd(b: Uint8Array): number {
  for (let i = b.indexOf(13); i >= 0 && i + 3 < b.length; i = b.indexOf(13, i + 1)) {
    if (b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) return i;
  }
  return -1;
}

/** Sends `GET path` to dst:port on a connection of its own and calls `done` with the response or the error. */
export function httpGet(ns: Netns, dst: Ip4, port: number, host: string, path: string, userAgent: string, done: (r: HttpResult) => void, trace: TraceLeg | null = null): TcpConn | null {
  const client = new HttpClient(ns, dst, port, trace);
  client.get(path, [`User-Agent: ${userAgent}`, `Host: ${host}`, 'Accept: */*'], (r) => {
    client.close();
    done(r);
  });
  return client.conn;
}
