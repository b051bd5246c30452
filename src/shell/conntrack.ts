// `conntrack` (conntrack-tools 1.4.4): -L lists the namespace's connection tracking table,
// -F flushes it, -C counts, -D deletes matching entries, -S prints the statistics; -p, -s, -d filter.
import { parseIp4 } from '../core/addr.js';
import { formatEntry } from '../tools/conntrack.js';
import type { CtEntry } from '../kernel/netfilter/conntrack.js';
import { nfOf } from '../kernel/netfilter/netfilter.js';
import type { Program } from './program.js';

const VERSION = 'conntrack v1.4.4 (conntrack-tools)';
const PROTOS: Record<string, number> = { tcp: 6, udp: 17, icmp: 1 };

export const conntrack: Program = (ctx, argv, exit) => {
  const ct = nfOf(ctx.ns).conntrack;
  let cmd: string | null = null;
  let proto = -1;
  let src: number | null = null;
  let dst: number | null = null;
  const args = argv.slice(1);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const need = (): string | null => args[++i] ?? null;
    switch (a) {
      case '-L': case '--dump': cmd = 'L'; break;
      case '-F': case '--flush': cmd = 'F'; break;
      case '-C': case '--count': cmd = 'C'; break;
      case '-D': case '--delete': cmd = 'D'; break;
      case '-S': case '--stats': cmd = 'S'; break;
      case '-n': case '-o': if (a === '-o') need(); break;
      case '-p': case '--proto': {
        const v = need();
        if (v === null || PROTOS[v] === undefined) {
          ctx.term.write(`${VERSION}: proto \`${v ?? ''}' not found\n`);
          return exit(2);
        }
        proto = PROTOS[v]!;
        break;
      }
      case '-s': case '--src': case '--orig-src':
      case '-d': case '--dst': case '--orig-dst': {
        const v = need();
        const ip = v === null ? null : parseIp4(v);
        if (ip === null) {
          ctx.term.write(`${VERSION}: Bad parameter \`${v ?? ''}'\n`);
          return exit(2);
        }
        if (a === '-s' || a === '--src' || a === '--orig-src') src = ip;
        else dst = ip;
        break;
      }
      default:
        ctx.term.write(`${VERSION}: unknown option \`${a}'\nTry \`conntrack -h' or 'conntrack --help' for more information.\n`);
        return exit(2);
    }
  }
  const now = ctx.world.eq.now;
  const keep = (e: CtEntry): boolean =>
    (proto < 0 || e.proto === proto) && (src === null || e.orig.src === src) && (dst === null || e.orig.dst === dst);
  switch (cmd) {
    case 'F':
      ct.flush();
      ctx.term.write(`${VERSION}: connection tracking table has been emptied.\n`);
      return exit(0);
    case 'C':
      ctx.term.write(`${ct.list().length}\n`);
      return exit(0);
    case 'S': {
      // One line per CPU (the simulated host has one), the counters a 3.10 kernel sends
      // (ctnetlink_ct_stat_cpu_fill), in conntrack-tools' "name=value " form.
      const s = ct.stats;
      ctx.term.write(`cpu=0   \tsearched=${s.searched} found=${s.found} new=${s.new} invalid=${s.invalid} ignore=${s.ignore} delete=${s.delete} delete_list=0 insert=${s.insert} insert_failed=0 drop=0 early_drop=0 error=0 search_restart=0 \n`);
      return exit(0);
    }
    case 'D': {
      const victims = ct.list().filter(keep);
      for (const e of victims) ct.remove(e);
      ctx.term.write(`${VERSION}: ${victims.length} flow entries have been deleted.\n`);
      return exit(victims.length > 0 ? 0 : 1);
    }
    case 'L': {
      const list = ct.list().filter(keep);
      let s = '';
      for (const e of list) s += formatEntry(e, now) + '\n';
      s += `${VERSION}: ${list.length} flow entries have been shown.\n`;
      ctx.term.write(s);
      return exit(0);
    }
    default:
      ctx.term.write(`${VERSION}: no command specified\nTry \`conntrack -h' or 'conntrack --help' for more information.\n`);
      return exit(2);
  }
};
