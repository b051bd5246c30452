// Docker's local-scope default pools (libnetwork ipamutils); subnets and address pools are
// core/ipam.ts, shared with the swarm allocator.
import type { Subnet } from '../core/ipam.js';

/** localScopeDefaultNetworks (libnetwork ipamutils): 172.17–172.31 as /16s, then 192.168.0.0/16 as /20s. */
export function localPoolCandidates(): Subnet[] {
  const out: Subnet[] = [];
  for (let b = 17; b <= 31; b++) out.push({ addr: ((172 << 24) | (b << 16)) >>> 0, len: 16 });
  for (let c = 0; c < 256; c += 16) out.push({ addr: ((192 << 24) | (168 << 16) | (c << 8)) >>> 0, len: 20 });
  return out;
}
