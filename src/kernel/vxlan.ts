// A VXLAN device (drivers/net/vxlan): frames sent out of it are wrapped in UDP/4789 and sent to the
// VTEP its FDB names for the destination MAC; datagrams arriving on the UDP socket with its VNI are
// unwrapped and received on it. The UDP socket lives in the namespace where the device was created,
// even after the device moves (Docker creates vxlan devices in the host and moves them into the
// overlay namespace, so the underlay stays the host's). `proxy` answers ARP from the neighbour table
// (arp_reduce), as Docker configures it.
import { formatIp4, formatMac, isGroupMac } from '../core/addr.js';
import type { Ip4, Mac } from '../core/addr.js';
import { ARPOP_REPLY, ARPOP_REQUEST, ETH_P_ARP, IPPROTO_UDP, Packet } from '../wire/packet.js';
import { NetDevice } from './device.js';
import { Drop } from './drop.js';
import { ipLocalOut } from './ipv4.js';
import { VXLAN_NS } from './latency.js';
import { pathMtu, updatePmtu } from './pmtu.js';
import type { Netns } from './netns.js';
import { netifReceive } from './rx.js';
import { dropPacket } from './kfree-skb.js';
import type { UdpSocket } from './socket.js';
import { tracepoint } from './tracepoint.js';

/** VXLAN_HEADROOM: outer IPv4 (20), UDP (8), VXLAN (8) and inner Ethernet (14) headers. */
const VXLAN_HEADROOM = 50;

/** An FDB entry: where to send frames for a MAC. The all-zero MAC is the default destination. */
export interface VxlanFdb {
  readonly dst: Ip4;
  readonly permanent: boolean;
}

export class Vxlan extends NetDevice {
  readonly kind = 'vxlan';
  readonly fdb = new Map<Mac, VxlanFdb[]>();
  learning = true;
  proxy = false;
  l2miss = false;
  l3miss = false;
  ttl = 0;
  /** The namespace holding the UDP socket (where the device was created). */
  readonly underlay: Netns;

  constructor(
    ns: Netns,
    ifindex: number,
    name: string,
    mac: Mac,
    mtu: number,
    readonly vni: number,
    readonly dstport: number,
    /** `local`: source address of the outer packets; 0 lets the route choose. */
    readonly local: Ip4,
    /** `remote`/`group`: default destination; 0 for none. */
    readonly remote: Ip4,
    /** `dev`: the underlay device named at creation, if any. */
    readonly lowerDev: string | null,
  ) {
    super(ns, ifindex, name, mac, mtu);
    this.underlay = ns;
    this.txqlen = 1000;
    if (remote !== 0) this.fdb.set(0, [{ dst: remote, permanent: true }]);
  }

  carrier(): boolean {
    return true;
  }

  /** Registers this VNI on the underlay's UDP socket when the device comes up (vxlan_open). */
  open(): void {
    const sockets = this.underlay.sockets;
    let sock = sockets.udp.get(this.dstport) as VxlanSocket | undefined;
    if (sock === undefined) {
      sock = new VxlanSocket(this.dstport);
      sockets.bindUdp(sock);
    }
    if (sock instanceof VxlanSocket) sock.devices.set(this.vni, this);
  }

  stop(): void {
    const sock = this.underlay.sockets.udp.get(this.dstport);
    if (sock instanceof VxlanSocket) {
      if (sock.devices.get(this.vni) === this) sock.devices.delete(this.vni);
      if (sock.devices.size === 0) this.underlay.sockets.unbindUdp(this.dstport);
    }
  }

  addFdb(mac: Mac, dst: Ip4, permanent: boolean): void {
    const list = this.fdb.get(mac);
    if (list === undefined) this.fdb.set(mac, [{ dst, permanent }]);
    else if (!list.some((e) => e.dst === dst)) list.push({ dst, permanent });
  }

  transmit(pkt: Packet): void {
    if (!this.up) return dropPacket(this.ns, this, pkt, Drop.LinkDown, `${this.name} is down`);
    if (this.proxy && pkt.ethType === ETH_P_ARP && pkt.arpOp === ARPOP_REQUEST) return this.arpReduce(pkt);
    const dests = this.fdb.get(isGroupMac(pkt.ethDst) ? 0 : pkt.ethDst) ?? this.fdb.get(0);
    if (dests === undefined || dests.length === 0) {
      return dropPacket(this.ns, this, pkt, Drop.NoVxlanDest, `no fdb entry for ${formatMac(pkt.ethDst)} and no default remote`);
    }
    this.txPackets++;
    this.txBytes += pkt.frameLength();
    if (this.tap !== null) this.tap.emit(this, pkt, true);
    for (let i = 0; i < dests.length; i++) {
      const inner = i === dests.length - 1 ? pkt : pkt.clone();
      const outer = new Packet();
      outer.ipProto = IPPROTO_UDP;
      outer.ipSrc = this.local;
      outer.ipDst = dests[i]!.dst;
      outer.ipTtl = this.ttl === 0 ? 64 : this.ttl;
      // The source port is a hash of the inner flow (udp_flow_src_port), within the local port range.
      outer.sport = 32768 + (flowHash(inner) % 28232);
      outer.dport = this.dstport;
      outer.vni = this.vni;
      outer.inner = inner;
      outer.mark = inner.mark;
      outer.tstamp = inner.tstamp + VXLAN_NS;
      outer.trace = inner.trace;
      outer.depth = inner.depth;
      // skb_tunnel_check_pmtu: an inner datagram whose outer would not fit the underlay route
      // lowers the inner destination's path MTU (a routed, not bridged, VXLAN device); it is
      // still sent, its outer datagram (no DF) fragmented.
      if (this.master === null && inner.ethType !== ETH_P_ARP) this.checkPmtu(inner, outer.ipDst);
      if (outer.trace !== null) {
        tracepoint(outer, this.ns, this, { kind: 'vxlan', op: 'encap', vni: this.vni, local: formatIp4(outer.ipSrc), remote: formatIp4(outer.ipDst), dstport: this.dstport, fdb: formatMac(pkt.ethDst) });
      }
      ipLocalOut(this.underlay, outer, false);
    }
  }

  private checkPmtu(inner: Packet, remote: Ip4): void {
    const now = inner.tstamp;
    const mtu = pathMtu(this.underlay, remote, now) - VXLAN_HEADROOM;
    if (inner.ipTotalLength() > mtu) updatePmtu(this.ns, inner.ipDst, mtu, now);
  }

  /** Answers an ARP request from the neighbour table instead of flooding it (proxy). */
  private arpReduce(req: Packet): void {
    const e = this.ns.neigh.get(this, req.arpTpa);
    if (e === undefined || !e.usable()) {
      return dropPacket(this.ns, this, req, Drop.NeighFailed, `proxy ARP: no neighbour entry for ${formatIp4(req.arpTpa)} (l3miss)`);
    }
    const r = new Packet();
    r.ethType = ETH_P_ARP;
    r.ethSrc = e.mac;
    r.ethDst = req.arpSha;
    r.arpOp = ARPOP_REPLY;
    r.arpSha = e.mac;
    r.arpSpa = req.arpTpa;
    r.arpTha = req.arpSha;
    r.arpTpa = req.arpSpa;
    r.tstamp = req.tstamp;
    netifReceive(this, r);
  }

  /** A datagram for our VNI arrived on the UDP socket: unwrap it and receive the inner frame. */
  decap(outer: Packet): void {
    const inner = outer.inner;
    if (inner === null) return dropPacket(this.underlay, null, outer, Drop.Unsupported, 'VXLAN without an inner frame');
    if (this.learning && !isGroupMac(inner.ethSrc)) {
      const cur = this.fdb.get(inner.ethSrc);
      if (cur === undefined || !cur[0]!.permanent) this.fdb.set(inner.ethSrc, [{ dst: outer.ipSrc, permanent: false }]);
    }
    inner.tstamp = outer.tstamp + VXLAN_NS;
    // The inner frame starts clean in the device's namespace (skb_scrub_packet on decap).
    inner.mark = 0;
    inner.ct = null;
    inner.trace = outer.trace;
    inner.depth = outer.depth;
    if (inner.trace !== null) tracepoint(inner, this.ns, this, { kind: 'vxlan', op: 'decap', vni: this.vni, remote: formatIp4(outer.ipSrc) });
    netifReceive(this, inner);
  }
}

/** The kernel's UDP socket for one VXLAN port in a namespace, shared by all VNIs on it. */
class VxlanSocket implements UdpSocket {
  readonly addr = 0;
  readonly kernel = true;
  readonly devices = new Map<number, Vxlan>();

  constructor(readonly port: number) {}

  onDatagram(pkt: Packet): void {
    const dev = this.devices.get(pkt.vni);
    if (dev === undefined || !dev.up) {
      const ns = this.devices.values().next().value?.underlay;
      if (ns !== undefined) dropPacket(ns, null, pkt, Drop.NoVxlanDevice, `no VXLAN device for vni ${pkt.vni}`);
      return;
    }
    dev.decap(pkt);
  }
}

function flowHash(p: Packet): number {
  let h = (p.ipSrc ^ Math.imul(p.ipDst, 0x9e3779b1) ^ ((p.sport << 16) | p.dport) ^ p.ipProto) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}
