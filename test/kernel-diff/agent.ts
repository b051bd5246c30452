// The real side's socket helper: one process per namespace, started as
// `ip netns exec NS node --input-type=module -e <this file, compiled>` (real.ts reads it once, so a
// rebuild during a run cannot touch agents). It reads JSON commands on stdin, one per line, and writes JSON
// events on stdout, one per line:
//   {"op":"listen","id":1,"proto":"tcp"|"udp","port":80}        → {"id":1,"ok":true} | {"id":1,"error":"EADDRINUSE"}
//   {"op":"tcp","id":2,"dst":"10.0.0.2","dport":80,"sport":40001,"ms":800}
//                                     → {"id":2,"result":"connected"|"ECONNREFUSED"|…|"timeout"}
//   {"op":"udp","id":3,"dst":"10.0.0.2","dport":53,"sport":40002,"ms":800}
//                                     → {"id":3,"result":"reply","from":"10.0.0.2:53"} | errno | "timeout"
// A listener reports every peer it sees: {"ev":"seen","proto":"tcp","peer":"A:P","local":"B:Q"}.
// TCP connections stay open (no FIN, no data) until the process ends, so the packets a probe
// costs are exactly the handshake; a UDP listener answers each datagram once.
import dgram from 'node:dgram';
import net from 'node:net';
import readline from 'node:readline';

function out(o: object): void {
  process.stdout.write(JSON.stringify(o) + '\n');
}

const keep: unknown[] = [];

function listen(id: number, proto: string, port: number): void {
  if (proto === 'tcp') {
    const srv = net.createServer({ pauseOnConnect: true }, (s) => {
      keep.push(s);
      s.on('error', () => undefined);
      out({ ev: 'seen', proto, peer: `${s.remoteAddress}:${s.remotePort}`, local: `${s.localAddress}:${s.localPort}` });
    });
    srv.on('error', (e: NodeJS.ErrnoException) => out({ id, error: e.code ?? String(e) }));
    srv.listen({ port, host: '0.0.0.0' }, () => out({ id, ok: true }));
    keep.push(srv);
    return;
  }
  const s = dgram.createSocket('udp4');
  s.on('error', (e: NodeJS.ErrnoException) => out({ id, error: e.code ?? String(e) }));
  s.on('message', (_m, r) => {
    // The local address a datagram was sent to is not given by dgram; the listener is bound to
    // 0.0.0.0, so the reply's source is what the routing chooses, as a simple UDP server does.
    out({ ev: 'seen', proto, peer: `${r.address}:${r.port}`, local: `*:${port}` });
    s.send('r', r.port, r.address);
  });
  s.bind({ port, address: '0.0.0.0' }, () => out({ id, ok: true }));
  keep.push(s);
}

function tcp(id: number, dst: string, dport: number, sport: number, ms: number): void {
  let done = false;
  const finish = (result: string): void => {
    if (done) return;
    done = true;
    clearTimeout(t);
    out({ id, result });
  };
  const s = net.connect({ host: dst, port: dport, localPort: sport });
  keep.push(s);
  const t = setTimeout(() => {
    finish('timeout');
    s.destroy();
  }, ms);
  s.on('connect', () => finish('connected'));
  s.on('error', (e: NodeJS.ErrnoException) => finish(e.code ?? String(e)));
}

function udp(id: number, dst: string, dport: number, sport: number, ms: number): void {
  let done = false;
  const s = dgram.createSocket('udp4');
  const finish = (result: string, extra: object = {}): void => {
    if (done) return;
    done = true;
    clearTimeout(t);
    out({ id, result, ...extra });
    s.close();
  };
  const t = setTimeout(() => finish('timeout'), ms);
  s.on('error', (e: NodeJS.ErrnoException) => finish(e.code ?? String(e)));
  s.on('message', (_m, r) => finish('reply', { from: `${r.address}:${r.port}` }));
  s.bind(sport, () => {
    s.connect(dport, dst, (err?: Error) => {
      if (err) return finish((err as NodeJS.ErrnoException).code ?? String(err));
      s.send('x', (e) => {
        if (e) finish((e as NodeJS.ErrnoException).code ?? String(e));
      });
    });
  });
}

/** A transfer's server: per connection, the first data asks for `size` bytes, the next closes. */
function tserve(id: number, port: number, size: number): void {
  const srv = net.createServer((s) => {
    keep.push(s);
    let asked = false;
    s.on('error', () => undefined);
    s.on('data', () => {
      if (!asked) {
        asked = true;
        s.write(Buffer.alloc(size, 0x78));
      } else s.end();
    });
  });
  srv.on('error', (e: NodeJS.ErrnoException) => out({ id, error: e.code ?? String(e) }));
  srv.listen({ port, host: '0.0.0.0' }, () => out({ id, ok: true }));
  keep.push(srv);
}

/** A transfer's client: ask, read `size` bytes, say so, close on the server's FIN. */
function tget(id: number, dst: string, port: number, size: number, ms: number, sport: number): void {
  let got = 0;
  let said = false;
  let done = false;
  const s = net.connect(sport !== 0 ? { host: dst, port, localPort: sport } : { host: dst, port });
  keep.push(s);
  const finish = (result: string): void => {
    if (done) return;
    done = true;
    clearTimeout(t);
    out({ id, result, got: String(got) });
  };
  const t = setTimeout(() => {
    finish('timeout');
    s.destroy();
  }, ms);
  s.on('connect', () => s.write('GET\n'));
  s.on('data', (d: Buffer) => {
    got += d.length;
    if (got >= size && !said) {
      said = true;
      s.write('d');
    }
  });
  s.on('end', () => finish('closed'));
  s.on('error', (e: NodeJS.ErrnoException) => finish(e.code ?? String(e)));
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const m = JSON.parse(line) as { op: string; id: number; proto: string; port: number; dst: string; dport: number; sport: number; ms: number; size: number };
  if (m.op === 'listen') listen(m.id, m.proto, m.port);
  else if (m.op === 'tcp') tcp(m.id, m.dst, m.dport, m.sport, m.ms);
  else if (m.op === 'udp') udp(m.id, m.dst, m.dport, m.sport, m.ms);
  else if (m.op === 'ping') out({ id: m.id, ok: true });
  else if (m.op === 'tserve') tserve(m.id, m.port, m.size);
  else if (m.op === 'tget') tget(m.id, m.dst, m.port, m.size, m.ms, m.sport ?? 0);
});
rl.on('close', () => process.exit(0));
out({ ev: 'ready' });
