// Packet captures a scenario writes: `swarmsim run --pcap FILE` (every device of every host, from
// the start) and `capture:` steps (one device, or `any` in one namespace, from that step on).
// Each is a pcapng file with one interface per device, named `host/netns/dev`; frames are
// serialised as they cross the device (kernel/tap.ts), so later rewriting cannot change them.
import type { NetDevice } from '../kernel/device.js';
import type { Netns } from '../kernel/netns.js';
import type { World } from '../kernel/world.js';
import { espKeysOf, tapDevice, tapHost, tapNetns, type TapFn } from '../kernel/tap.js';
import { compileFilter, type Filter } from '../capture/filter.js';
import { captureBytes } from '../capture/frame.js';
import { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2 } from '../capture/linktype.js';
import { PcapngWriter } from '../capture/pcapng.js';

export interface CaptureFile {
  readonly file: string;
  bytes(): Uint8Array;
  readonly packets: number;
  stop(): void;
}

/** The pcapng interface name of a device where it is now. */
export function deviceLabel(dev: NetDevice): string {
  return `${dev.ns.host.name}/${dev.ns.label}/${dev.name}`;
}

class Recorder implements CaptureFile {
  private readonly w = new PcapngWriter();
  /** Interface ids by device and its place (a device moved or renamed gets a new interface). */
  private readonly ifaces = new Map<NetDevice, { label: string; id: number }>();
  private untap: Array<() => void> = [];
  readonly fn: TapFn;

  constructor(readonly file: string, filter: Filter, anyIn: Netns | null) {
    const linktype = anyIn === null ? LINKTYPE_ETHERNET : LINKTYPE_LINUX_SLL2;
    let anyId = -1;
    this.fn = (dev, pkt, outbound) => {
      const data = captureBytes(pkt, dev, outbound, linktype, espKeysOf(dev));
      if (data === null || !filter(data, linktype)) return;
      let id: number;
      if (anyIn !== null) {
        if (anyId < 0) anyId = this.w.addInterface(`${anyIn.host.name}/${anyIn.label}/any`, `any device of ${anyIn.host.name}/${anyIn.label}`, linktype);
        id = anyId;
      } else {
        const label = deviceLabel(dev);
        let e = this.ifaces.get(dev);
        if (e === undefined || e.label !== label) {
          e = { label, id: this.w.addInterface(label, `${dev.kind} ${dev.name} in network namespace ${dev.ns.label} of ${dev.ns.host.name}`, linktype) };
          this.ifaces.set(dev, e);
        }
        id = e.id;
      }
      this.w.packet(id, pkt.tstamp, data, outbound);
    };
  }

  add(untap: () => void): void {
    this.untap.push(untap);
  }

  get packets(): number {
    return this.w.packets;
  }

  bytes(): Uint8Array {
    return this.w.bytes();
  }

  stop(): void {
    for (const u of this.untap) u();
    this.untap = [];
  }
}

/** Every device of every host, now and later (`--pcap`); `filter` in pcap-filter syntax. */
export function captureWorld(world: World, file: string, filter = ''): CaptureFile {
  const r = new Recorder(file, compileFilter(filter), null);
  for (const h of world.hosts.values()) r.add(tapHost(h, r.fn));
  return r;
}

/** One device, or with `dev` null every device of the namespace as `any` (Linux cooked v2). */
export function captureDevice(ns: Netns, dev: NetDevice | null, file: string, filter: Filter): CaptureFile {
  const r = new Recorder(file, filter, dev === null ? ns : null);
  r.add(dev === null ? tapNetns(ns, r.fn) : tapDevice(dev, r.fn));
  return r;
}
