// mysqld as the official image runs it, as far as the seeds use it: the entrypoint initialises an
// empty data directory from MYSQL_ROOT_PASSWORD[_FILE] / MYSQL_ALLOW_EMPTY_PASSWORD /
// MYSQL_RANDOM_ROOT_PASSWORD and MYSQL_DATABASE; an initialised one is used as it is (a volume
// kept from an earlier container). The data directory is files under /var/lib/mysql in the
// container's file map (a database is a directory with its db.opt, the root password stands in
// the grant table file mysql/user.MYD), so whatever backs those files keeps the databases.
//
// Clients talk to it over TCP 3306 or the socket with a line protocol that stands for the MySQL
// client/server protocol: the server greets (its version and the connection's thread id, a real
// counter), the client authenticates, then sends one statement per line; each answer is one JSON
// line. The SQL understood: SHOW DATABASES, CREATE/DROP DATABASE, USE, SELECT VERSION(),
// SELECT DATABASE().
import { formatIp4 } from '../core/addr.js';
import type { Rng } from '../core/rng.js';
import type { Netns } from '../kernel/netns.js';
import { tcpListen } from '../kernel/tcp.js';

export const DATADIR = '/var/lib/mysql';
const USER_TABLE = `${DATADIR}/mysql/user.MYD`;
const SYSTEM_DBS = ['mysql', 'performance_schema', 'sys'];

/** What a statement returns: a result set, an OK with affected rows, a plain note, or an error. */
export type SqlResult =
  | { readonly kind: 'rows'; readonly head: string; readonly rows: string[] }
  | { readonly kind: 'ok'; readonly affected: number }
  | { readonly kind: 'note'; readonly text: string }
  | { readonly kind: 'error'; readonly code: number; readonly state: string; readonly text: string };

export class MysqlServer {
  /** Thread ids handed out so far: the entrypoint's own sessions during initialisation used the
   *  first ones (the seeds' first interactive client is 9 on 8.0, 3 on 5.7). */
  private threads: number;

  constructor(
    readonly version: string,
    readonly files: Map<string, string>,
  ) {
    this.threads = version.startsWith('5.7') ? 2 : 8;
  }

  get major(): string {
    return this.version.split('.').slice(0, 2).join('.');
  }

  get initialized(): boolean {
    return this.files.has(USER_TABLE);
  }

  /** The root password in the grant table. */
  get rootPassword(): string | null {
    const t = this.files.get(USER_TABLE);
    return t === undefined ? null : t.replace(/^root\t/, '').replace(/\n$/, '');
  }

  /** docker-entrypoint.sh on an empty data directory; returns the log lines. */
  initialize(env: ReadonlyMap<string, string>, rng: Rng): string[] {
    const logs: string[] = [];
    let pw = env.get('MYSQL_ROOT_PASSWORD') ?? '';
    const file = env.get('MYSQL_ROOT_PASSWORD_FILE');
    if (file !== undefined) pw = (this.files.get(file) ?? '').replace(/\n$/, '');
    if (env.has('MYSQL_RANDOM_ROOT_PASSWORD') && !env.has('MYSQL_ROOT_PASSWORD') && file === undefined) {
      const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
      pw = '';
      for (let i = 0; i < 32; i++) pw += chars[rng.below(chars.length)];
      logs.push(`GENERATED ROOT PASSWORD: ${pw}`);
    }
    this.files.set(`${DATADIR}/auto.cnf`, `[auto]\nserver-uuid=${rng.hex(8)}-${rng.hex(4)}-11eb-${rng.hex(4)}-0242ac11${rng.hex(4)}\n`);
    for (const db of SYSTEM_DBS) this.files.set(`${DATADIR}/${db}/db.opt`, 'default-character-set=utf8mb4\n');
    this.files.set(USER_TABLE, `root\t${pw}\n`);
    const db = env.get('MYSQL_DATABASE');
    if (db !== undefined && db !== '') this.files.set(`${DATADIR}/${db}/db.opt`, 'default-character-set=utf8mb4\n');
    logs.push('MySQL init process done. Ready for start up.');
    return logs;
  }

  databases(): string[] {
    const dbs = new Set<string>(['information_schema']);
    for (const p of this.files.keys()) {
      const m = /^\/var\/lib\/mysql\/([^/]+)\/db\.opt$/.exec(p);
      if (m !== null) dbs.add(m[1]!);
    }
    return [...dbs].sort();
  }

  /** A new connection's thread id. */
  connect(): number {
    return ++this.threads;
  }

  /** Runs one statement for a session whose current database is `db.current`. */
  execute(sql: string, db: { current: string | null }): SqlResult {
    const s = sql.trim().replace(/;$/, '').trim();
    if (/^show\s+databases$/i.test(s)) return { kind: 'rows', head: 'Database', rows: this.databases() };
    if (/^select\s+version\(\)$/i.test(s)) return { kind: 'rows', head: 'version()', rows: [this.version] };
    if (/^select\s+database\(\)$/i.test(s)) return { kind: 'rows', head: 'database()', rows: [db.current ?? 'NULL'] };
    const create = /^create\s+(?:database|schema)\s+(if\s+not\s+exists\s+)?`?(\w+)`?$/i.exec(s);
    if (create !== null) {
      const name = create[2]!;
      if (this.databases().includes(name)) {
        return create[1] !== undefined ? { kind: 'ok', affected: 1 } : { kind: 'error', code: 1007, state: 'HY000', text: `Can't create database '${name}'; database exists` };
      }
      this.files.set(`${DATADIR}/${name}/db.opt`, 'default-character-set=utf8mb4\n');
      return { kind: 'ok', affected: 1 };
    }
    const drop = /^drop\s+(?:database|schema)\s+(if\s+exists\s+)?`?(\w+)`?$/i.exec(s);
    if (drop !== null) {
      const name = drop[2]!;
      if (!this.databases().includes(name) || name === 'information_schema') {
        return drop[1] !== undefined ? { kind: 'ok', affected: 0 } : { kind: 'error', code: 1008, state: 'HY000', text: `Can't drop database '${name}'; database doesn't exist` };
      }
      for (const p of [...this.files.keys()]) if (p.startsWith(`${DATADIR}/${name}/`)) this.files.delete(p);
      if (db.current === name) db.current = null;
      return { kind: 'ok', affected: 0 };
    }
    const use = /^use\s+`?(\w+)`?$/i.exec(s);
    if (use !== null) {
      if (!this.databases().includes(use[1]!)) return { kind: 'error', code: 1049, state: '42000', text: `Unknown database '${use[1]}'` };
      db.current = use[1]!;
      return { kind: 'note', text: 'Database changed' };
    }
    const near = s.split(/\s+/).slice(1).join(' ');
    return { kind: 'error', code: 1064, state: '42000', text: `You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '${near}' at line 1` };
  }
}

/** mysqld's Unix socket: a file of the container while the server listens (mysqld creates it at
 *  start and unlinks it at shutdown), which is how the client finds a local server. */
export const MYSQL_SOCKET = '/var/run/mysqld/mysqld.sock';

/** Whether a server listens on the socket among these files. */
export function socketListening(files: ReadonlyMap<string, string>): boolean {
  return files.has(MYSQL_SOCKET);
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** mysqld listening on `port` in `ns`; returns null when the port is taken. */
export function serveMysql(ns: Netns, port: number, server: MysqlServer): (() => void) | null {
  const l = tcpListen(ns, port, 0, (conn) => {
    const thread = server.connect();
    const session = { current: null as string | null, authed: false };
    let buf = '';
    conn.send(enc.encode(`${JSON.stringify({ version: server.version, thread })}\n`));
    return {
      onData: (c, data) => {
        buf += dec.decode(data);
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const msg = JSON.parse(buf.slice(0, i)) as { user?: string; password?: string; sql?: string };
          buf = buf.slice(i + 1);
          if (!session.authed) {
            const ok = msg.user === 'root' && msg.password === server.rootPassword;
            const who = `'${msg.user ?? ''}'@'${formatPeer(c.raddr)}'`;
            const reply: SqlResult = ok ? { kind: 'ok', affected: 0 } : { kind: 'error', code: 1045, state: '28000', text: `Access denied for user ${who} (using password: ${msg.password === '' ? 'NO' : 'YES'})` };
            session.authed = ok;
            c.send(enc.encode(`${JSON.stringify(reply)}\n`));
            if (!ok) c.close();
            continue;
          }
          c.send(enc.encode(`${JSON.stringify(server.execute(msg.sql ?? '', session))}\n`));
        }
      },
      onPeerClose: (c) => c.close(),
    };
  });
  if (l === null) return null;
  server.files.set(MYSQL_SOCKET, '');
  return () => {
    ns.sockets.tcpListeners.delete(port);
    server.files.delete(MYSQL_SOCKET);
  };
}

/** The socket and loopback connections are root@localhost, as mysqld names them. */
function formatPeer(ip: number): string {
  return ip >>> 24 === 127 ? 'localhost' : formatIp4(ip);
}
