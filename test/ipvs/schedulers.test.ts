// The IPVS schedulers against Linux's code (net/netfilter/ipvs/ip_vs_{rr,wrr,lc,wlc,sh}.c and
// ip_vs_ctl.c __ip_vs_update_dest). Each expected sequence below is the kernel's code traced by
// hand for that list of servers; the comments give the trace.
import { describe, expect, it } from 'vitest';
import { formatIp4, parseIp4 } from '../../src/core/addr.js';
import { Ipvs } from '../../src/kernel/ipvs/ipvs.js';
import type { IpvsService } from '../../src/kernel/ipvs/service.js';
import { Packet } from '../../src/wire/packet.js';

const KEY = { fwmark: 256, proto: 0, addr: 0, port: 0 };

function ip(s: string): number {
  return parseIp4(s)!;
}

function setup(sched: string, servers: Array<[string, number]>): { ipvs: Ipvs; svc: IpvsService } {
  const ipvs = new Ipvs();
  const svc = ipvs.addService(KEY, sched, 0);
  for (const [a, w] of servers) ipvs.addDest(KEY, ip(a), 0, w, 'Masq');
  return { ipvs, svc };
}

function picks(svc: IpvsService, n: number, src = '192.168.0.1'): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = new Packet();
    p.ipSrc = ip(src);
    const d = svc.sched.schedule(svc, p);
    out.push(d === null ? '-' : formatIp4(d.addr).split('.')[3]!);
  }
  return out;
}

describe('IPVS schedulers as Linux runs them', () => {
  it('keeps the destination list newest first (list_add_rcu at the head)', () => {
    const { svc } = setup('rr', [['10.0.0.1', 1], ['10.0.0.2', 1], ['10.0.0.3', 1]]);
    expect(svc.dests.map((d) => formatIp4(d.addr))).toEqual(['10.0.0.3', '10.0.0.2', '10.0.0.1']);
  });

  it('rr: starts from the server added last, wraps past the head, skips weight 0, follows adds and deletes', () => {
    const { ipvs, svc } = setup('rr', [['10.0.0.1', 1], ['10.0.0.2', 1], ['10.0.0.3', 1]]);
    // List 3,2,1; the position starts at the head.
    expect(picks(svc, 4)).toEqual(['3', '2', '1', '3']);
    // Position on 3. A new server goes to the head: 4,3,2,1; the scan goes on after 3.
    ipvs.addDest(KEY, ip('10.0.0.4'), 0, 1, 'Masq');
    expect(picks(svc, 4)).toEqual(['2', '1', '4', '3']);
    // Weight 0 is skipped (quiesced).
    ipvs.editDest(KEY, ip('10.0.0.2'), 0, 0, 'Masq');
    expect(picks(svc, 3)).toEqual(['1', '4', '3']);
    // Deleting the server at the position moves it back one (ip_vs_rr_del_dest): position was 3
    // (index 1), goes to 4; the next pick scans from after 4.
    ipvs.delDest(KEY, ip('10.0.0.3'), 0);
    expect(picks(svc, 3)).toEqual(['1', '4', '1']);
    for (const a of ['10.0.0.1', '10.0.0.4']) ipvs.editDest(KEY, ip(a), 0, 0, 'Masq');
    expect(picks(svc, 1)).toEqual(['-']);
  });

  it('wrr: weights 3:2:1 added one by one: cw starts where the adds left it, then steps down from the max', () => {
    // init_service with no server: mw=0, cw=0. add 1 (w1): di=1, mw=1, cw=0 → mw=1. add 2 (w2)
    // and 3 (w3): mw grows to 3, cw=1 stays (neither > mw nor 0, di=1). List 3,2,1, position head.
    // cw=1: 3, 2, 1 | end of list: cw=0 → mw=3: 3 | cw=2: 3, 2 | cw=1: 3, 2, 1 | cw=3: 3 | …
    const { svc } = setup('wrr', [['10.0.0.1', 1], ['10.0.0.2', 2], ['10.0.0.3', 3]]);
    expect(picks(svc, 12)).toEqual(['3', '2', '1', '3', '3', '2', '3', '2', '1', '3', '3', '2']);
  });

  it('wrr: the gcd sets the step, a change resets the position to the head and keeps cw on the grid', () => {
    // add 1 (w4): di=4, mw=4-3=1, cw=1. add 2 (w2): di=2, mw=4-1=3, cw=(1/2)*2+1=1. List 2,1.
    // cw=1: 2, 1 | cw=-1 → 3: 1 | cw=1: 2, 1 | cw=-1 → 3: 1
    const { ipvs, svc } = setup('wrr', [['10.0.0.1', 4], ['10.0.0.2', 2]]);
    expect(picks(svc, 6)).toEqual(['2', '1', '1', '2', '1', '1']);
    // Position 1, cw=3. A server of weight 6 joins: list 3,2,1; di=2, mw=6-1=5; cw=3 is not
    // above mw: cw=(3/2)*2+1=3; the position goes back to the head.
    // cw=3: 3, 1 | cw=1: 3, 2, 1 | cw=-1 → 5: 3 | cw=3: 3, 1 | cw=1: 3 — weights 6:4:2 as 3:2:1.
    ipvs.addDest(KEY, ip('10.0.0.3'), 0, 6, 'Masq');
    expect(picks(svc, 9)).toEqual(['3', '1', '3', '2', '1', '3', '3', '1', '3']);
  });

  it('lc and wlc: the lowest overhead (active × 256 + inactive), ties to the first in the list', () => {
    const lc = setup('lc', [['10.0.0.1', 1], ['10.0.0.2', 1], ['10.0.0.3', 1]]).svc;
    expect(picks(lc, 1)).toEqual(['3']);
    lc.dests[0]!.activeConns = 1; // 3: 256
    lc.dests[1]!.inactConns = 300; // 2: 300
    expect(picks(lc, 1)).toEqual(['1']);
    lc.dests[2]!.inactConns = 257; // 1: 257
    expect(picks(lc, 1)).toEqual(['3']);
    // wlc: overhead / weight, compared as loh * dw > doh * lw.
    const wlc = setup('wlc', [['10.0.0.1', 3], ['10.0.0.2', 1]]).svc; // list 2(w1), 1(w3)
    expect(picks(wlc, 1)).toEqual(['2']); // 0 * 3 > 0 * 1 is false: the first stays
    wlc.dests[0]!.activeConns = 1; // 2: 256 / 1
    wlc.dests[1]!.activeConns = 2; // 1: 512 / 3
    expect(picks(wlc, 1)).toEqual(['1']); // 256 * 3 > 512 * 1
    wlc.dests[1]!.activeConns = 3; // 1: 768 / 3
    expect(picks(wlc, 1)).toEqual(['2']); // 256 * 3 > 768 * 1 is false
    wlc.dests[0]!.weight = 0;
    expect(picks(wlc, 1)).toEqual(['1']);
  });

  it('sh: 256 buckets dealt along the list by weight, the source hashed as addr * 2654435761', () => {
    // The kernel's hash in unsigned 64-bit arithmetic, then the low 8 bits.
    const bucket = (src: string): number => Number((BigInt(ip(src)) * 2654435761n) & 255n);
    // Weights 2 (added first) and 1: list 2(w1), 1(w2) → buckets 2,1,1, 2,1,1, …
    const { ipvs, svc } = setup('sh', [['10.0.0.1', 2], ['10.0.0.2', 1]]);
    const srcs = ['192.168.0.1', '192.168.0.2', '192.168.0.3', '10.9.8.7', '172.16.5.4', '8.8.8.8'];
    for (const s of srcs) expect(picks(svc, 2, s)).toEqual(Array(2).fill(bucket(s) % 3 === 0 ? '2' : '1'));
    // The same source always gets the same server; a server with weight 0 keeps its one bucket
    // per turn and answers nothing (no sh-fallback).
    ipvs.editDest(KEY, ip('10.0.0.2'), 0, 0, 'Masq');
    for (const s of srcs) expect(picks(svc, 1, s)).toEqual([bucket(s) % 3 === 0 ? '-' : '1']);
  });
});
