// Captures checked with the real tools (issue 18): shipped scenarios are run with --pcap, then
//  - Debian's tshark decodes every capture: no malformed packet, no expert error, no bad IPv4,
//    TCP, UDP or IGMP checksum, and the fields the simulator printed elsewhere are the ones on the
//    wire: VXLAN VNIs = the VNIs of the model's vxlan devices, the inner addresses, every TCP stream
//    seen from its SYN, HTTP response codes, each name/address nslookup printed among the DNS
//    answers, ESP SPIs = the SPIs of the model's XFRM states, and every ESP packet decrypts with
//    its SA's key (the capture seals it with AES-GCM as esp4 does) and its ICV checks;
//  - the installed tcpdump (4.99) reads each capture and prints, line for line, what swarmsim's
//    tcpdump prints for it, plain, with -e and with -v, and the same packets for each filter;
//  - a pcap written by the emulated `tcpdump -w` is read by the real tcpdump as by the emulated one.
// tcpdump 4.99 prints these lines as 4.9.2 does (checked against the tcpdump-4.9.2 source: the
// printers of print-ether/arp/ip/icmp/udp/tcp/vxlan/esp/domain/igmp.c and util-print.c), so no
// line is rewritten before comparing; only the stderr banners differ (4.99 says "snapshot
// length" where 4.9.2 says "capture size") and they are not compared.
//
//   node dist/test/pcap/main.js [-v]     exit 0 when every check holds, 1 otherwise
// Needs tshark and tcpdump on PATH (.ci/run installs them or skips with the reason).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../src/shell/commands.js';
import { loadScenario } from '../../src/scenario/load.js';
import { runScenario, type RunResult } from '../../src/scenario/run.js';
import { readCapture } from '../../src/capture/pcap.js';
import { compileFilter } from '../../src/capture/filter.js';
import { printFrame, timestamp } from '../../src/shell/tcpdump/print.js';
import { Vxlan } from '../../src/kernel/vxlan.js';
import { fileToBytes } from '../../src/shell/tcpdump/main.js';

const verbose = process.argv.includes('-v');
const dir = mkdtempSync(join(tmpdir(), 'swarmsim-pcap-'));
let failures = 0;
let checks = 0;

function check(what: string, ok: boolean, detail = ''): void {
  checks++;
  if (!ok) failures++;
  if (!ok || verbose) console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${detail !== '' ? `\n       ${detail}` : ''}`);
}

const CHECKSUMS = ['-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'];

function tshark(file: string, filter: string, fields: string[]): string[][] {
  const out = execFileSync('tshark', ['-r', file, ...CHECKSUMS, '-Y', filter, '-T', 'fields', '-E', 'separator=\t', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 });
  return out.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

function realTcpdump(file: string, args: string[]): string {
  return execFileSync('tcpdump', ['-n', '-r', file, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 });
}

/** swarmsim's tcpdump -r over the same bytes (its printer, as the emulated command uses it). */
function oursTcpdump(bytes: Uint8Array, o: { e: boolean; v: boolean }, filter = ''): string {
  const frames = readCapture(bytes);
  if (typeof frames === 'string') return `error: ${frames}`;
  const f = compileFilter(filter);
  const seqs = new Map();
  return frames.filter((x) => f(x.data, x.linktype)).map((x) => `${timestamp(x.ns)} ${printFrame(x.data, x.linktype, o, seqs)}\n`).join('');
}

function firstDifference(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) if (x[i] !== y[i]) return `line ${i + 1}:\n       swarmsim: ${x[i]}\n       tcpdump:  ${y[i]}`;
  return '';
}

const set = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

/** Runs a scenario with --pcap; returns the capture's path and the run with its transcript. */
function capture(name: string): { file: string; res: RunResult; transcript: string } {
  const path = `scenarios/${name}.yaml`;
  const file = join(dir, `${name}.pcapng`);
  let transcript = '';
  const res = runScenario(loadScenario(path, readFileSync(path, 'utf8')), { pcap: file, print: (t) => (transcript += t) });
  check(`${name}: the scenario passes with --pcap`, res.passed);
  writeFileSync(file, res.captures[0]!.bytes());
  return { file, res, transcript };
}

function common(name: string, file: string): void {
  const bad = tshark(file, '_ws.malformed || _ws.expert.severity == error || ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0 || igmp.checksum.status == 0', ['frame.number', '_ws.col.Info']);
  check(`${name}: tshark finds no malformed packet, expert error or bad checksum`, bad.length === 0, bad.slice(0, 3).map((r) => r.join(' ')).join('; '));
  const bytes = new Uint8Array(readFileSync(file));
  for (const [flags, o] of [[[], { e: false, v: false }], [['-e'], { e: true, v: false }], [['-v'], { e: false, v: true }]] as const) {
    const real = realTcpdump(file, [...flags]);
    const ours = oursTcpdump(bytes, o);
    check(`${name}: tcpdump -n -r${flags.map((f) => ` ${f}`).join('')} prints the same ${real.split('\n').length - 1} lines as swarmsim's tcpdump`, real === ours, firstDifference(ours, real));
  }
  for (const expr of ['udp port 4789', 'ip proto 50', 'tcp and port 80', 'arp or icmp', 'not (tcp or udp)', 'net 10.0.0.0/8 and not port 53', 'src host 192.168.205.10', 'portrange 7000-8100', 'vrrp', 'udp and dst port 53']) {
    const real = realTcpdump(file, [expr]);
    const ours = oursTcpdump(bytes, { e: false, v: false }, expr);
    check(`${name}: filter "${expr}" keeps the packets real tcpdump keeps (${real.split('\n').length - 1} lines)`, real === ours, firstDifference(ours, real));
  }
}

function vnisOf(res: RunResult): string[] {
  const vnis: string[] = [];
  for (const h of res.world.hosts.values()) for (const ns of h.namespaces) for (const d of ns.devices.values()) if (d instanceof Vxlan) vnis.push(String(d.vni));
  return set(vnis);
}

function overlay(name: string, file: string, res: RunResult): void {
  const rows = tshark(file, 'vxlan', ['vxlan.vni', 'ip.src', 'ip.dst']);
  const model = vnisOf(res);
  const seen = set(rows.map((r) => r[0]!));
  // Networks removed before the end took their devices with them: what is left must be on the
  // wire, and Docker's VNIs start at 4096 (libnetwork's overlay vxlanIDStart).
  const docker = !model.includes('42');
  check(`${name}: ${rows.length} VXLAN frames, VNIs ${seen.join(',')}: the model's vxlan devices' (${model.join(',')}) among them`, rows.length > 0 && model.every((v) => seen.includes(v)) && (!docker || seen.every((v) => Number(v) >= 4096)));
  // ip.src/ip.dst list the outer then the inner header.
  const inner = rows.filter((r) => (r[1] ?? '').includes(','));
  check(`${name}: the inner IPv4 header of VXLAN frames decodes (${inner.length} frames, e.g. ${inner[0]?.[1]?.split(',')[1]} > ${inner[0]?.[2]?.split(',')[1]})`, inner.length > 0 && inner.every((r) => r[1]!.split(',').length === 2 && r[2]!.split(',').length === 2));
}

function tcp(name: string, file: string): void {
  const streams = set(tshark(file, 'tcp', ['tcp.stream']).map((r) => r[0]!));
  const syn = set(tshark(file, 'tcp.flags.syn == 1 && tcp.flags.ack == 0', ['tcp.stream']).map((r) => r[0]!));
  const synAck = set(tshark(file, 'tcp.flags.syn == 1 && tcp.flags.ack == 1', ['tcp.stream']).map((r) => r[0]!));
  // A SYN-ACK on a device answers a SYN seen on it with the same (translated) addresses: NAT and
  // IPVS rewrote both directions consistently. (A capture of every device also holds streams that
  // begin mid-path, where a translation sits between two devices.)
  check(`${name}: ${streams.length} TCP streams, ${syn.length} opened by a SYN; every SYN-ACK's stream has its SYN`, syn.length > 0 && synAck.every((s) => syn.includes(s)), `SYN-ACK without a SYN: ${synAck.filter((s) => !syn.includes(s)).join(',')}`);
  const codes = tshark(file, 'http.response', ['http.response.code']).map((r) => r[0]!);
  check(`${name}: ${codes.length} HTTP responses decode, codes ${set(codes).join(',')}`, codes.length > 0 && codes.every((c) => /^\d{3}$/.test(c)));
}

function dns(name: string, file: string, transcript: string): void {
  const answers = new Set<string>();
  for (const [q, a] of tshark(file, 'dns.flags.response == 1', ['dns.qry.name', 'dns.a'])) for (const ip of (a ?? '').split(',')) if (ip !== '') answers.add(`${q} ${ip}`);
  // nslookup's answers as the transcript shows them: "Name:\tNAME" then "Address: IP" lines.
  const printed: string[] = [];
  for (const m of transcript.matchAll(/^Name:\s+(\S+)\n((?:Address(?: \d+)?: \S+.*\n)+)/gm)) {
    for (const a of m[2]!.matchAll(/Address(?: \d+)?: (\d+\.\d+\.\d+\.\d+)/g)) printed.push(`${m[1]} ${a[1]}`);
  }
  // ping's first line names the address the resolver returned.
  for (const m of transcript.matchAll(/^PING ([a-z][\w.-]*) \((\d+\.\d+\.\d+\.\d+)\)/gm)) printed.push(`${m[1]} ${m[2]}`);
  const missing = printed.filter((p) => !answers.has(p));
  check(`${name}: every name/address nslookup or ping printed (${printed.length}) is in a DNS answer tshark decodes (${answers.size})`, printed.length > 0 && missing.length === 0, `missing: ${missing.join('; ')}`);
}

function esp(name: string, file: string, res: RunResult): void {
  const spis = set(tshark(file, 'esp', ['esp.spi']).map((r) => String(Number(r[0]))));
  const keys = new Map<number, Uint8Array>();
  for (const h of res.world.hosts.values()) for (const ns of h.namespaces) for (const x of ns.xfrm?.states ?? []) if (x.aead !== null) keys.set(x.spi >>> 0, x.aead.key);
  check(`${name}: ESP SPIs on the wire (${spis.length}) are SPIs of the model's XFRM states (${keys.size})`, spis.length > 0 && spis.every((s) => keys.has(Number(s))));
  // Wireshark decrypts with the keys `ip xfrm state` shows, as for a real Docker host: an esp_sa
  // entry per SA (in a profile of our own), AES-GCM with 8 octet ICV, the ICV checked.
  const home = join(dir, 'home');
  mkdirSync(join(home, '.config', 'wireshark'), { recursive: true });
  const hex = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  writeFileSync(join(home, '.config', 'wireshark', 'esp_sa'), [...keys].map(([spi, k]) => `"IPv4","*","*","0x${spi.toString(16).padStart(8, '0')}","AES-GCM with 8 octet ICV [RFC4106]","0x${hex(k)}","NULL",""\n`).join(''));
  const out = execFileSync('tshark', ['-r', file, '-o', 'esp.enable_encryption_decode:TRUE', '-o', 'esp.enable_authentication_check:TRUE', '-Y', 'esp', '-T', 'fields', '-e', 'esp.icv_good', '-e', 'vxlan.vni', '-e', 'ip.src'], { encoding: 'utf8', env: { ...process.env, HOME: home }, stdio: ['ignore', 'pipe', 'ignore'] });
  const rows = out.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
  const good = rows.filter((r) => r[0] === '1' && r[1] !== '' && (r[2] ?? '').split(',').length === 2);
  check(`${name}: Wireshark decrypts every ESP packet (${good.length} of ${rows.length}) with the SA's key: ICV correct, VXLAN and the inner IPv4 inside`, rows.length > 0 && good.length === rows.length);
}

try {
  {
    const { file, res } = capture('vxlan-two-hosts');
    common('vxlan-two-hosts', file);
    overlay('vxlan-two-hosts', file, res);
    const inner = set(tshark(file, 'vxlan && icmp', ['ip.src']).map((r) => r[0]!.split(',')[1]!));
    check(`vxlan-two-hosts: the pings inside VXLAN are 10.200.0.1 <-> 10.200.0.2 (${inner.join(' ')})`, inner.join() === '10.200.0.1,10.200.0.2');
  }
  {
    const { file, res, transcript } = capture('tutorial-overlay-network');
    common('tutorial-overlay-network', file);
    overlay('tutorial-overlay-network', file, res);
    tcp('tutorial-overlay-network', file);
    dns('tutorial-overlay-network', file, transcript);
  }
  {
    const { file, res, transcript } = capture('swarm-routing-mesh');
    common('swarm-routing-mesh', file);
    overlay('swarm-routing-mesh', file, res);
    tcp('swarm-routing-mesh', file);
    dns('swarm-routing-mesh', file, transcript);
  }
  {
    const { file, res, transcript } = capture('swarm-encrypted');
    common('swarm-encrypted', file);
    esp('swarm-encrypted', file, res);
    dns('swarm-encrypted', file, transcript);
  }
  {
    // The emulated tcpdump -w (on a device, and on any: Linux cooked): the file it left in the
    // simulated file system, read by the real tcpdump and by the emulated one.
    for (const [dev, flags] of [['eth0', ''], ['any', ''], ['any', ' -e']] as const) {
      const yaml = `name: tcpdump -w
hosts:
  - { name: a, ip: 192.168.1.10/24, docker: false }
  - { name: b, ip: 192.168.1.11/24, docker: false }
steps:
  - run: tcpdump -i ${dev} -n -c 6 -w /root/ping.pcap &
    on: a
  - run: ping -c 2 192.168.1.11
    on: a
  - run: tcpdump -n${flags} -r /root/ping.pcap 2>/dev/null
    on: a
`;
      const res = runScenario(loadScenario('w.yaml', yaml), {});
      const content = res.sim.userland(res.world.hosts.get('a')!).files.get('/root/ping.pcap');
      check(`tcpdump -i ${dev} -w leaves a file in the simulated file system`, content !== undefined);
      const file = join(dir, 'ping.pcap');
      writeFileSync(file, fileToBytes(content ?? ''));
      const real = realTcpdump(file, flags === '' ? [] : [flags.trim()]);
      const ours = res.steps[2]!.output;
      check(`the real tcpdump -r${flags} reads the emulated tcpdump -i ${dev} -w's pcap (${real.split('\n').length - 1} lines) as the emulated tcpdump -r printed it`, real === ours && real.length > 0, firstDifference(ours, real));
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`${checks - failures} of ${checks} capture checks hold`);
process.exit(failures === 0 ? 0 : 1);
