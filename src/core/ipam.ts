// Docker's default IPAM: pools of subnets for local (bridge) and global (overlay) networks, and
// addresses within a subnet. Local networks take the lowest free address and reuse released ones
// at once; swarm networks allocate serially (the cursor moves past released addresses until it
// wraps), as libnetwork's bitmap does with the serial option.
import { formatCidr, networkOf, prefixMask } from './addr.js';
import type { Ip4 } from './addr.js';

export interface Subnet {
  readonly addr: Ip4;
  readonly len: number;
}

/** localScopeDefaultNetworks (libnetwork ipamutils): 172.17–172.31 as /16s, then 192.168.0.0/16 as /20s. */
export function localPoolCandidates(): Subnet[] {
  const out: Subnet[] = [];
  for (let b = 17; b <= 31; b++) out.push({ addr: ((172 << 24) | (b << 16)) >>> 0, len: 16 });
  for (let c = 0; c < 256; c += 16) out.push({ addr: ((192 << 24) | (168 << 16) | (c << 8)) >>> 0, len: 20 });
  return out;
}

/** The swarm default pool: 10.0.0.0/8 cut into /24s (or the pool given at `swarm init`). */
export function globalPoolCandidates(base: Subnet = { addr: 0x0a000000, len: 8 }, size = 24): Subnet[] {
  const out: Subnet[] = [];
  const count = 2 ** (size - base.len);
  for (let i = 0; i < count && i < 65536; i++) out.push({ addr: (base.addr + i * 2 ** (32 - size)) >>> 0, len: size });
  return out;
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  const len = Math.min(a.len, b.len);
  return networkOf(a.addr, len) === networkOf(b.addr, len);
}

export function subnetText(s: Subnet): string {
  return formatCidr(s.addr, s.len);
}

/** Addresses of one subnet: network and broadcast reserved, as libnetwork's bitmap. */
export class AddressPool {
  private readonly used = new Set<number>();
  private cursor = 1;
  readonly size: number;

  constructor(
    readonly subnet: Subnet,
    private readonly serial: boolean,
  ) {
    this.size = 2 ** (32 - subnet.len);
  }

  private ip(i: number): Ip4 {
    return (this.subnet.addr + i) >>> 0;
  }

  /** A specific address (the gateway, a user's --ip); false if taken or outside. */
  take(ip: Ip4): boolean {
    const i = ip - this.subnet.addr;
    if (((ip & prefixMask(this.subnet.len)) >>> 0) !== this.subnet.addr || i <= 0 || i >= this.size - 1 || this.used.has(i)) return false;
    this.used.add(i);
    return true;
  }

  allocate(): Ip4 | null {
    const n = this.size - 2;
    const start = this.serial ? this.cursor : 1;
    for (let k = 0; k < n; k++) {
      const i = ((start - 1 + k) % n) + 1;
      if (!this.used.has(i)) {
        this.used.add(i);
        if (this.serial) this.cursor = (i % n) + 1;
        return this.ip(i);
      }
    }
    return null;
  }

  release(ip: Ip4): void {
    this.used.delete(ip - this.subnet.addr);
  }

  has(ip: Ip4): boolean {
    return this.used.has(ip - this.subnet.addr);
  }
}
