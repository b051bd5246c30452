// The kernel's side of tracing: a hop reported as data (the place, the packet, the kind's fields).
// Callers check `pkt.trace !== null` first, so nothing here runs for an untraced packet (the fields
// object literal is built inside that check too). The recorder (trace/recorder.ts) copies the
// packet's header numbers and words them only when the hop is read.
import type { HopFields } from '../core/trace.js';
import type { Packet } from '../wire/packet.js';
import type { NetDevice } from './device.js';
import { ctStateBit, ctStateName } from './netfilter/conntrack.js';
import type { Netns } from './netns.js';

/** Reports one hop of a traced packet. */
export function tracepoint(pkt: Packet, ns: Netns, dev: NetDevice | null, f: HopFields): void {
  pkt.trace!.hop(f, ns, dev, pkt, pkt.ct === null ? null : ctStateName(ctStateBit(pkt.ct)));
}

/** Ends a traced packet's leg: delivered or dropped. */
export function traceEnd(pkt: Packet, ns: Netns, dev: NetDevice | null, f: HopFields): void {
  pkt.trace!.end(f, ns, dev, pkt, pkt.ct === null ? null : ctStateName(ctStateBit(pkt.ct)));
}
