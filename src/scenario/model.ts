// A scenario as the runner sees it after loading: hosts, then steps, each knowing where it was
// written (line and column) so that every failure can point at it.
import type { Ip4 } from '../core/addr.js';
import type { Matcher } from '../core/regex.js';
import type { BlockRule } from '../kernel/path-faults.js';
import type { Nanos } from '../sim/clock.js';
import type { ProbeProto } from './probe.js';

export interface Where {
  readonly line: number;
  readonly col: number;
}

export type TextMatcher = { readonly text: string } | { readonly re: Matcher };

export interface HostSpec extends Where {
  readonly name: string;
  readonly addr: Ip4;
  readonly len: number;
  readonly gateway: Ip4 | null;
  /** Runs Docker Engine (default), with these dockerd options. */
  readonly docker: boolean;
  readonly dockerd: string;
  /** The host's NICs in ifindex order (`nics:`; `ip:` alone is one eth0 on the shared LAN). A
   *  `nat` NIC sits on a LAN of its own (VirtualBox NAT: every VM is 10.0.2.15 behind 10.0.2.2). */
  readonly nics: ReadonlyArray<{ readonly name: string; readonly addr: Ip4; readonly len: number; readonly nat: boolean; readonly gateway: Ip4 | null }>;
  /** The NICs came from `nics:`: the seeds' CentOS VMs, whose addresses NetworkManager configures. */
  readonly networkManager: boolean;
  /** Optional packages installed (null: all of them, the default before this key existed). */
  readonly packages: readonly string[] | null;
  /** `dns:` the nameservers of the host's /etc/resolv.conf (null: the LAN's `dns:`, else none). */
  readonly dns: readonly Ip4[] | null;
  /** `dns_zone:` the host runs a DNS server on UDP 53 answering these A records (null: none). */
  readonly dnsZone: ReadonlyArray<{ readonly name: string; readonly addrs: readonly Ip4[] }> | null;
}

export interface RunExpect {
  readonly exit: number;
  readonly stdout: TextMatcher[];
  readonly stdoutNot: TextMatcher[];
}

export interface RunStep extends Where {
  readonly kind: 'run';
  readonly run: string;
  readonly on: string;
  readonly ns: string | null;
  readonly save: string | null;
  readonly stdin: string;
  /** Simulated time after which ^C is typed (SIGINT to the foreground job), or null. */
  readonly interrupt: Nanos | null;
  readonly expect: RunExpect;
}

export interface SleepStep extends Where {
  readonly kind: 'sleep';
  readonly nanos: Nanos;
  readonly text: string;
}

export interface TraceExpect {
  readonly verdict: 'delivered' | 'dropped' | null;
  readonly reason: TextMatcher[];
  readonly path: TextMatcher[];
  readonly reply: 'delivered' | 'dropped' | 'none' | null;
}

export interface TraceStep extends Where {
  readonly kind: 'trace';
  readonly on: string;
  readonly ns: string | null;
  /** Start inside this container's network namespace instead. */
  readonly container: string | null;
  readonly to: string;
  readonly port: number;
  readonly proto: ProbeProto;
  /** `size`: ICMP/UDP datagram size, or TCP bytes sent after the handshake (0: the default probe). */
  readonly size: number;
  readonly expect: TraceExpect;
}

export interface ServeStep extends Where {
  readonly kind: 'serve';
  readonly on: string;
  readonly ns: string | null;
  readonly port: number;
  readonly proto: 'tcp' | 'udp';
  readonly reply: string;
  /** `reply_size`: the body is the reply repeated to exactly this many bytes. */
  readonly replySize: number | null;
  /** `keepalive`: the HTTP server keeps connections for further requests. */
  readonly keepAlive: boolean;
}

/** A fault injected on the simulated clock: a host powered off or on, a LAN cable, a partition,
 *  and between two hosts (`between`, both directions unless `oneway`: from the first to the
 *  second): a blocked protocol or port (`lift`: unblock it), random loss, extra delay. */
export type FaultSpec =
  | { readonly kind: 'host'; readonly host: string; readonly down: boolean }
  | { readonly kind: 'link'; readonly host: string; readonly down: boolean }
  | { readonly kind: 'partition'; readonly groups: string[][] }
  | { readonly kind: 'block'; readonly rule: BlockRule; readonly lift: boolean; readonly between: [string, string]; readonly oneway: boolean }
  | { readonly kind: 'loss'; readonly rate: number; readonly between: [string, string]; readonly oneway: boolean }
  | { readonly kind: 'delay'; readonly ns: number; readonly between: [string, string]; readonly oneway: boolean }
  /** Without `between`: the whole LAN (partition, cables, every path fault); with it: that path's faults. */
  | { readonly kind: 'heal'; readonly between: [string, string] | null };

export interface FaultStep extends Where {
  readonly kind: 'fault';
  readonly fault: FaultSpec;
}

/** Starts repeating a command in the background (`while true; do CMD; sleep EVERY; done`). */
export interface TrafficStep extends Where {
  readonly kind: 'traffic';
  readonly name: string;
  readonly on: string;
  readonly ns: string | null;
  readonly run: string;
  readonly every: number;
}

/** Stops a traffic loop and prints what it saw. */
export interface TrafficReportStep extends Where {
  readonly kind: 'traffic_report';
  readonly name: string;
  readonly maxFailed: number | null;
  readonly stdout: TextMatcher[];
  readonly stdoutNot: TextMatcher[];
}

/** A flow pattern (`*:8080`, `laptop -> 192.168.205.11:8000/tcp`, `tasks.web:80`) and what must
 *  answer it: a service's tasks, anything (`answered`), or nothing (`dropped`). */
export interface ReachExpect extends Where {
  readonly pattern: string;
  readonly want: string;
}

export interface ReachStep extends Where {
  readonly kind: 'reach';
  readonly from: string[] | null;
  readonly count: number;
  readonly expect: ReachExpect[];
}

/** Starts a packet capture (written as pcapng when the run ends): one device, or `any`. */
export interface CaptureStep extends Where {
  readonly kind: 'capture';
  readonly on: string;
  readonly ns: string | null;
  readonly container: string | null;
  /** The device name, or null for `any` (every device of the namespace, Linux cooked v2). */
  readonly dev: string | null;
  /** pcap-filter expression ('' for everything), checked when the scenario is loaded. */
  readonly filter: string;
  readonly file: string;
}

export type Step = RunStep | SleepStep | TraceStep | ServeStep | FaultStep | TrafficStep | TrafficReportStep | ReachStep | CaptureStep;

export interface FileSpec extends Where {
  readonly on: string;
  readonly path: string;
  readonly content: string;
}

/** An image of the scenario's own: an HTTP server on its ports answering `reply`. */
export interface ImageDecl extends Where {
  readonly name: string;
  readonly ports: number[];
  readonly reply: string;
  readonly replySize: number | null;
  readonly keepAlive: boolean;
  readonly shell: 'busybox' | 'gnu';
  /** The container exits with this code `crashAfter` after starting (a broken release). */
  readonly crash: number | null;
  readonly crashAfter: number;
}

/** The underlay between the hosts' NICs: path MTUs smaller than the NICs' (0: none). */
export interface LanSpec {
  mtu: number;
  readonly hosts: Array<{ readonly host: string; readonly mtu: number }>;
  readonly pairs: Array<{ readonly a: string; readonly b: string; readonly mtu: number }>;
  /** `dns:` the nameservers every host's resolv.conf lists unless it has its own `dns:`. */
  dns: readonly Ip4[] | null;
}

export interface Scenario {
  readonly file: string;
  readonly name: string;
  readonly seed: number;
  readonly hosts: HostSpec[];
  readonly lan: LanSpec;
  readonly files: FileSpec[];
  readonly images: ImageDecl[];
  readonly steps: Step[];
  /** `conservation: true`: where it was written; the run fails unless every frame put on a wire
   *  ended received or dropped (kernel/ledger.ts). */
  readonly conservation: Where | null;
}
