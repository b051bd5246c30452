// Packet taps: what an AF_PACKET socket bound to ETH_P_ALL sees (net/packet/af_packet.c). Linux
// hands every frame a device sends to the taps in dev_queue_xmit_nit() and every frame it
// receives in __netif_receive_skb_core() (before a bridge port's rx_handler), so a capture on a
// bridge port sees frames the bridge forwards and one on the bridge device only what the bridge
// delivers up or sends itself. A device without a tap has `tap === null` and pays one check.
//
// A tap function keeps nothing of the packet it is handed: the packet object goes on to be
// rewritten by NAT and routing, so whoever records it serialises it before returning.
import type { Packet } from '../wire/packet.js';
import type { NetDevice } from './device.js';
import type { Host } from './host.js';
import type { Netns } from './netns.js';

/** Called for each frame crossing a tapped device; `outbound` for frames it transmits. */
export type TapFn = (dev: NetDevice, pkt: Packet, outbound: boolean) => void;

/** The taps of one device (its ptype_all list). */
export class DeviceTap {
  readonly fns: TapFn[] = [];

  emit(dev: NetDevice, pkt: Packet, outbound: boolean): void {
    // libpcap drops a loopback device's outgoing copies (pcap-linux.c: PACKET_OUTGOING on lo), so
    // a capture on lo shows each packet once.
    if (outbound && dev.kind === 'loopback') return;
    const fns = this.fns;
    for (let i = 0; i < fns.length; i++) fns[i]!(dev, pkt, outbound);
  }
}

export function addTap(dev: NetDevice, fn: TapFn): void {
  if (dev.tap === null) dev.tap = new DeviceTap();
  if (!dev.tap.fns.includes(fn)) dev.tap.fns.push(fn);
}

export function removeTap(dev: NetDevice, fn: TapFn): void {
  const t = dev.tap;
  if (t === null) return;
  const i = t.fns.indexOf(fn);
  if (i >= 0) t.fns.splice(i, 1);
  if (t.fns.length === 0) dev.tap = null;
}

/** A tap on one device (`tcpdump -i eth0`); returns its removal. */
export function tapDevice(dev: NetDevice, fn: TapFn): () => void {
  addTap(dev, fn);
  return () => removeTap(dev, fn);
}

/** A tap on every device of a namespace, now and later (`tcpdump -i any`); returns its removal. */
export function tapNetns(ns: Netns, fn: TapFn): () => void {
  (ns.taps ??= []).push(fn);
  for (const d of ns.devices.values()) addTap(d, fn);
  return () => {
    const list = ns.taps ?? [];
    const i = list.indexOf(fn);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) ns.taps = null;
    for (const d of ns.devices.values()) removeTap(d, fn);
  };
}

/** A tap on every device of every namespace of a host, now and later (`swarmsim run --pcap`). */
export function tapHost(host: Host, fn: TapFn): () => void {
  (host.taps ??= []).push(fn);
  for (const ns of host.namespaces) for (const d of ns.devices.values()) addTap(d, fn);
  return () => {
    const list = host.taps ?? [];
    const i = list.indexOf(fn);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) host.taps = null;
    for (const ns of host.namespaces) for (const d of ns.devices.values()) removeTap(d, fn);
  };
}

/** Netns.attach: a device entering a namespace gets the namespace's and the host's taps. */
export function tapAttached(ns: Netns, dev: NetDevice): void {
  if (ns.taps !== null) for (const fn of ns.taps) addTap(dev, fn);
  if (ns.host.taps !== null) for (const fn of ns.host.taps) addTap(dev, fn);
}

/** Netns.detach: a device leaving a namespace loses the namespace's taps (not the host's). */
export function tapDetached(ns: Netns, dev: NetDevice): void {
  if (ns.taps !== null) for (const fn of ns.taps) removeTap(dev, fn);
}

const IPPROTO_ESP = 50;

/** For a capture on `dev`: the AEAD key of the namespace's SA with this SPI and destination (the
 *  outbound SA on the sender, the inbound one on the receiver), so ESP is recorded encrypted. */
export function espKeysOf(dev: NetDevice): (spi: number, dst: number) => Uint8Array | null {
  return (spi, dst) => dev.ns.xfrm?.state(dst, spi, IPPROTO_ESP)?.aead?.key ?? null;
}
