// The path MTU a namespace learnt for a destination (a route exception, fib_nh_exception, made by
// __ip_rt_update_pmtu when an ICMP "fragmentation needed" arrives). It expires after
// net.ipv4.route.mtu_expires (600 s); a reported MTU below min_pmtu (552) is raised to 552.
// `ip route get` shows it as `cache expires Ns mtu N`.
import type { Ip4 } from '../core/addr.js';
import type { Nanos } from '../sim/clock.js';
import { SEC } from '../sim/clock.js';
import type { Netns } from './netns.js';
import { routeOutput } from './ipv4.js';

export const IP_RT_MTU_EXPIRES: Nanos = 600 * SEC;
export const IP_RT_MIN_PMTU = 552;

export interface PmtuEntry {
  mtu: number;
  expires: Nanos;
}

/** The cached PMTU to `dst`, or 0 when none is current. */
export function cachedPmtu(ns: Netns, dst: Ip4, now: Nanos): number {
  const e = ns.pmtu.get(dst);
  if (e === undefined) return 0;
  if (e.expires <= now) {
    ns.pmtu.delete(dst);
    return 0;
  }
  return e.mtu;
}

/** The output device's MTU for `dst` (lo's for a local address). */
export function routeMtu(ns: Netns, dst: Ip4): number {
  const r = routeOutput(ns, dst);
  return r === null ? 1500 : r.type === 'local' ? ns.devices.get(1)!.mtu : r.dev !== null ? r.dev.mtu : 1500;
}

/** The MTU a packet to `dst` may use: the output device's, lowered by a cached PMTU (dst_mtu). */
export function pathMtu(ns: Netns, dst: Ip4, now: Nanos): number {
  const devMtu = routeMtu(ns, dst);
  const p = cachedPmtu(ns, dst, now);
  return p !== 0 && p < devMtu ? p : devMtu;
}

/** __ip_rt_update_pmtu: lowers the path MTU to `dst`; returns the MTU now in force. */
export function updatePmtu(ns: Netns, dst: Ip4, mtu: number, now: Nanos): number {
  const cur = pathMtu(ns, dst, now);
  const m = Math.max(mtu, IP_RT_MIN_PMTU);
  if (m >= cur) return cur;
  ns.pmtu.set(dst, { mtu: m, expires: now + IP_RT_MTU_EXPIRES });
  return m;
}
