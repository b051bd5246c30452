// The IGMPv3 reports a bridge device sends for itself (net/ipv4/igmp.c, net/bridge/br_multicast.c).
//
// With multicast snooping on (the default), bringing a bridge up joins it to 224.0.0.106, the
// all-snoopers group of multicast router discovery (br_multicast_open → br_multicast_join_snoopers,
// Linux 5.10+). The bridge is an IPv4 host like any other device, so the join is reported:
// igmp_group_added → igmp_ifc_event arms the interface change timer for 2 jiffies, and
// igmp_ifc_timer_expire sends an IGMPv3 state-change report (to 224.0.0.22, TTL 1, Router Alert)
// and re-arms itself once more (mr_qrv = 2) at a random time below the unsolicited report
// interval (igmpv3_unsolicited_report_interval, 1000 ms by default). Its source is the bridge's
// address, or 0.0.0.0 without one. The bridge floods the report to every port, so the namespaces behind it see one IPv4 packet: it passes their
// PREROUTING (raw, mangle, nat: a NEW generic conntrack entry) and is then dropped by the route
// lookup (a group they have not joined), reaching neither INPUT nor FORWARD.
//
// Observed on Linux 6.18 with a capture on a port's peer: `ip link set ve2 up` on a port of an
// up br0 without addresses → "0.0.0.0 > 224.0.0.22 proto 2, 54-byte frame" 0.32 s later.
//
// The second report's random delay is taken at its median (half the interval), as the neighbour
// code takes reachable_time at its base value: the simulator repeats byte for byte, and the median
// is the single choice that is most often right about which side of a later step the report lands
// on. With the interval at 1 ms or less (what the kernel-diff harness sets) the random part is
// always 0 (get_random_u32_below(1)), so both reports go out 3 jiffies apart on Linux and here
// (2 jiffies, rounded up by the timer wheel: timer.ts); measured 12-16 ms apart on Linux 6.18.
//
// Which sysctl: unsolicited_report_interval() reads the device's own devconf, never `all`. A
// device's devconf is a copy of the namespace's `default` taken when the device is registered, and
// a later write to `default` reaches every device whose own key was never written
// (devinet_copy_dflt_conf). The simulator keeps no per-device devconf, so it reads `default` when
// the timer is armed, which is the device's value in all those cases. (Checked on Linux 6.18:
// writing `all` leaves a new bridge at 1000; writing `default` gives a new bridge the value.)
import { Packet } from '../wire/packet.js';
import { igmpv3ReportPayload } from '../wire/igmp.js';
import type { Bridge } from './bridge.js';
import { NF_INET_LOCAL_OUT, NF_INET_POST_ROUTING } from './netfilter/hooks.js';
import { msecsToJiffies, timerExpiry } from './timer.js';

export const IGMPV3_ALL_MCR = 0xe0000016; // 224.0.0.22
export const IGMP_ALL_SNOOPERS = 0xe000006a; // 224.0.0.106
const IPPROTO_IGMP = 2;
/** igmp_ifc_start_timer(in_dev, 1): get_random_u32_below(1) = 0, + 2 jiffies. */
const FIRST_REPORT = 2;
export const IGMPV3_UNSOLICITED_REPORT_INTERVAL_SYSCTL = 'net.ipv4.conf.default.igmpv3_unsolicited_report_interval';
/** IGMPV3_UNSOLICITED_REPORT_INTERVAL, the devconf's initial value (ms). */
const DEFAULT_INTERVAL_MS = 1000;

/** unsolicited_report_interval(): the interval in jiffies, at least 1 (a timer cannot take 0). */
function unsolicitedReportInterval(br: Bridge): number {
  const ms = Number(br.ns.sysctl.get(IGMPV3_UNSOLICITED_REPORT_INTERVAL_SYSCTL) ?? DEFAULT_INTERVAL_MS);
  return Math.max(1, msecsToJiffies(Number.isFinite(ms) ? ms : DEFAULT_INTERVAL_MS));
}

/** The bridge came up: schedule its two reports of joining 224.0.0.106. */
export function bridgeJoinSnoopers(br: Bridge): void {
  const eq = br.ns.host.eq;
  eq.at(timerExpiry(eq.now, FIRST_REPORT), () => {
    sendReport(br);
    // igmp_ifc_timer_expire re-arms with igmp_ifc_start_timer(in_dev, unsolicited_report_interval):
    // get_random_u32_below(interval) + 2 jiffies, taken at the median of the random part.
    const tv = Math.floor(unsolicitedReportInterval(br) / 2);
    eq.at(timerExpiry(eq.now, tv + 2), () => sendReport(br));
  });
}

/** ethernet group address of an IPv4 multicast address (ip_eth_mc_map). */
function mcMac(ip: number): number {
  return 0x01005e000000 + (ip & 0x7fffff);
}

function sendReport(br: Bridge): void {
  // Taken down (ip_mc_down stops the timer) or removed since.
  if (!br.up || br.ns.devices.get(br.ifindex) !== br) return;
  const ns = br.ns;
  const pkt = new Packet();
  pkt.ipProto = IPPROTO_IGMP;
  pkt.ipSrc = br.primaryAddr() ?? 0;
  pkt.ipDst = IGMPV3_ALL_MCR;
  pkt.ipTtl = 1;
  // Router Alert option (4) + IGMPv3 report header (8) + one group record (8).
  pkt.payload = igmpv3ReportPayload(IGMP_ALL_SNOOPERS);
  pkt.payloadLen = pkt.payload.length;
  pkt.tstamp = ns.host.eq.now;
  ns.snmp.Ip.OutRequests++; // ip_local_out
  // igmpv3_sendpack → ip_local_out (OUTPUT) → ip_mc_output (POSTROUTING) → the bridge device.
  if (ns.netfilter !== null) {
    if (!ns.netfilter.hook(NF_INET_LOCAL_OUT, pkt, null, br)) return;
    if (!ns.netfilter.hook(NF_INET_POST_ROUTING, pkt, null, br)) return;
  }
  ns.snmp.Ip.OutTransmits++; // ip_mc_output
  pkt.ethSrc = br.mac;
  pkt.ethDst = mcMac(IGMPV3_ALL_MCR);
  br.transmit(pkt);
}
