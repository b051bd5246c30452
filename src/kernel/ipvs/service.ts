// IPVS virtual services and their real servers (struct ip_vs_service / ip_vs_dest), with the
// counters `ipvsadm -L --stats` prints.
import type { Ip4 } from '../../core/addr.js';
import type { Scheduler } from './schedulers.js';

export type FwdMethod = 'Masq' | 'Route' | 'Tunnel' | 'Local';

export class IpvsStats {
  conns = 0;
  inpkts = 0;
  outpkts = 0;
  inbytes = 0;
  outbytes = 0;

  clear(): void {
    this.conns = this.inpkts = this.outpkts = this.inbytes = this.outbytes = 0;
  }
}

export class IpvsDest {
  activeConns = 0;
  inactConns = 0;
  readonly stats = new IpvsStats();
  constructor(
    readonly addr: Ip4,
    /** 0: keep the packet's destination port. */
    readonly port: number,
    public weight: number,
    public fwd: FwdMethod,
  ) {}
}

export class IpvsService {
  readonly dests: IpvsDest[] = [];
  readonly stats = new IpvsStats();
  /** Persistence timeout in seconds (0: none). */
  persistent = 0;
  constructor(
    /** Non-zero for a firewall-mark service. */
    readonly fwmark: number,
    readonly proto: number,
    readonly addr: Ip4,
    readonly port: number,
    public sched: Scheduler,
  ) {}

  findDest(addr: Ip4, port: number): IpvsDest | undefined {
    return this.dests.find((d) => d.addr === addr && d.port === port);
  }
}
