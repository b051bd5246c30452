// The kernel's side of tracing: a hop reported as data (the place, the packet's headers now, the
// kind's fields). Callers check `pkt.trace !== null` first, so nothing here runs for an untraced
// packet (the fields object literal is built inside that check too).
import type { HopEvent, HopFields } from '../core/trace.js';
import { headersOf } from '../wire/headers.js';
import type { Packet } from '../wire/packet.js';
import type { NetDevice } from './device.js';
import { ctStateBit, ctStateName } from './netfilter/conntrack.js';
import type { Netns } from './netns.js';

function event(pkt: Packet, ns: Netns, dev: NetDevice | null, f: HopFields): HopEvent {
  const ct = pkt.ct === null ? null : ctStateName(ctStateBit(pkt.ct));
  // The kind first, then the place, the kind's fields and the headers (the order JSON shows).
  const place = { kind: f.kind, host: ns.host.name, ns: ns.label, dev: dev === null ? '' : dev.name, ifindex: dev === null ? 0 : dev.ifindex, time: pkt.tstamp };
  return Object.assign(place, f, { pkt: headersOf(pkt, ct) }) as HopEvent;
}

/** Reports one hop of a traced packet. */
export function tracepoint(pkt: Packet, ns: Netns, dev: NetDevice | null, f: HopFields): void {
  pkt.trace!.hop(event(pkt, ns, dev, f));
}

/** Ends a traced packet's leg: delivered or dropped. */
export function traceEnd(pkt: Packet, ns: Netns, dev: NetDevice | null, f: HopFields): void {
  pkt.trace!.end(event(pkt, ns, dev, f));
}
