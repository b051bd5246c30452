// How long each step takes on the simulated clock. Chosen to land near what the seeds measured on
// CentOS 7 VMs (ping over one veth pair ≈ 0.06 ms, between two containers on docker0 ≈ 0.1 ms,
// between VMs on a host-only LAN ≈ 0.4 ms); fixed, so runs repeat byte for byte.
import type { Nanos } from '../sim/clock.js';

export const VETH_NS: Nanos = 12_000;
export const BRIDGE_NS: Nanos = 6_000;
export const LOOPBACK_NS: Nanos = 4_000;
export const STACK_NS: Nanos = 8_000; // IP layer work for a local send or delivery
export const FORWARD_NS: Nanos = 5_000;
export const VXLAN_NS: Nanos = 10_000;
/** ESP in or out of a full-size datagram with AES-GCM (AES-NI): a few µs of crypto plus the XFRM walk. */
export const XFRM_NS: Nanos = 4_000;
export const LAN_NS: Nanos = 180_000;
/** A user-space process waking up to read its socket. */
export const WAKEUP_NS: Nanos = 6_000;
