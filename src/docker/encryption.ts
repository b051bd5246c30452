// libnetwork's overlay encryption on one host (drivers/overlay/encryption.go as vendored in Docker
// 19.03): for every remote VTEP that has a peer on a secure (`--opt encrypted`) network, in the
// host's root namespace,
//   - ESP transport SAs with reqid 0xD0C4E3 (programSA): for each swarm key one inbound SA, and
//     for the primary key (keys[0]) the outbound one too; SPI = FNV-32a(src, key tag, dst) with
//     the addresses as Go's 16-byte net.IP (buildSPI); AEAD rfc4106(gcm(aes)), key + SPI as salt;
//   - one output policy (programSP): src/32 dst/32 proto udp dport 4789 mark 0xD0C4E3, template
//     ESP transport with the outbound SPI;
// and per secure VNI the iptables rules (programMangle, programInput):
//   -t mangle -A OUTPUT -p udp --dport 4789 -m u32 --u32 "0>>22&0x3C@12&0xFFFFFF00=VNI<<8" -j MARK --set-mark 13681891
//   -A INPUT -m policy --dir in --pol ipsec -p udp --dport 4789 -m u32 --u32 … -j ACCEPT
//   -A INPUT -p udp --dport 4789 -m u32 --u32 … -j DROP
// Both INPUT rules are appended, the ACCEPT first: 19.03 predates the CVE-2023-28840 fix
// (20.10.24 / 23.0.3) that inserts `-m policy --dir in --pol none … -j DROP` at the top instead.
//
// The swarm's keys: swarmkit's key manager makes keyringSize = 3 keys per subsystem (gossip first,
// then IPsec, Lamport times 1…6), 16 random bytes each, and libnetwork's getKeys makes the
// second-oldest the primary: tags 5, 4, 6. Here they come from an RNG seeded by the world's seed
// (the same on every node, as the swarm's keys are), without drawing from anyone else's stream.
// Key rotation (every 12 h) is not modelled.
//
// When things go: SAs and policy of a VTEP when no secure network on this host has a peer there any
// more; a VNI's rules when its network has no peer left or its overlay namespace goes. (19.03
// itself keeps a VTEP's SAs while the network has local endpoints, and removes the rules only
// when the network is deleted on the node.)
import type { Ip4 } from '../core/addr.js';
import { Rng } from '../core/rng.js';
import { applyIptables, ruleExists } from '../tools/iptables/apply.js';
import type { Netns } from '../kernel/netns.js';
import { XFRM_MODE_TRANSPORT, XFRM_POLICY_OUT, XfrmPolicy, XfrmState, xfrmOf } from '../kernel/xfrm.js';
import type { XfrmSelector } from '../kernel/xfrm.js';
import { IPPROTO_ESP, IPPROTO_UDP, VXLAN_PORT } from '../wire/packet.js';
import type { Daemon } from './daemon.js';
import type { Network } from './model.js';

/** `r` in encryption.go: the SAs' reqid, the policy's mark and the mangle MARK value. */
export const ENCRYPTION_MARK = 0xd0c4e3;
const AEAD = 'rfc4106(gcm(aes))';
const ICV_BITS = 64;
/** swarmkit keymanager: keyringSize and DefaultKeyLen. */
const KEYRING_SIZE = 3;
const KEY_LEN = 16;

interface Key {
  readonly value: Uint8Array;
  readonly tag: number;
}

interface Spi {
  readonly forward: number;
  readonly reverse: number;
}

/** A secure network's overlay namespace on this host: its VNI and its remote peers by VTEP. */
interface SecureOverlay {
  readonly d: Daemon;
  readonly vni: number;
  /** This host's VTEP (the advertise address), the SAs' local end. */
  readonly local: Ip4;
  readonly peers: Set<string>;
  readonly perVtep: Map<Ip4, number>;
}

/** Per host: how many secure networks use each remote VTEP, and the SPIs programmed for it (secMap). */
interface HostEncryption {
  readonly keys: Key[];
  readonly vteps: Map<Ip4, { refs: number; spis: Spi[] }>;
}

/** A remote endpoint as the overlay driver programs it (overlay.ts RemotePeer). */
interface Peer {
  readonly ip: Ip4;
  readonly mac: number;
  readonly vtep: Ip4;
}

/** The overlay driver's encryption state on one host (the keys it was given, driver.secMap, and
 *  the secure networks' overlay namespaces with their peers); each Daemon holds one. */
export class OverlayEncryption {
  /** The secure networks' overlay namespaces on this host. */
  readonly overlays = new Map<Netns, SecureOverlay>();
  private state: HostEncryption | null = null;

  constructor(private readonly d: Daemon) {}

  /** The keys and per-VTEP SPIs, made on first use. */
  host(): HostEncryption {
    return (this.state ??= { keys: swarmKeys(this.d), vteps: new Map() });
  }
}

export function isSecure(net: Network): boolean {
  return 'encrypted' in net.options;
}

/** The keys libnetwork's overlay driver holds, primary first (controller.getKeys order). */
function swarmKeys(d: Daemon): Key[] {
  const rng = new Rng((d.world.seed ^ 0x1b5ec0de) >>> 0);
  const made: Key[] = [];
  for (let lamport = 1; lamport <= 2 * KEYRING_SIZE; lamport++) {
    const value = new Uint8Array(KEY_LEN);
    for (let i = 0; i < KEY_LEN; i += 4) new DataView(value.buffer).setUint32(i, rng.nextU32());
    // Lamport 1-3 are the gossip keys; the IPsec subsystem's come after them.
    if (lamport > KEYRING_SIZE) made.push({ value, tag: lamport });
  }
  return [made[1]!, made[0]!, made[2]!];
}

/** buildSPI: FNV-32a over src (16 bytes), the tag (big endian), dst (16 bytes). */
export function buildSpi(src: Ip4, dst: Ip4, tag: number): number {
  let h = 0x811c9dc5;
  const byte = (b: number): void => {
    h = Math.imul(h ^ (b & 0xff), 0x01000193) >>> 0;
  };
  const ip16 = (ip: Ip4): void => {
    // net.ParseIP gives the IPv4-mapped form ::ffff:a.b.c.d.
    for (let i = 0; i < 10; i++) byte(0);
    byte(0xff);
    byte(0xff);
    for (let s = 24; s >= 0; s -= 8) byte(ip >>> s);
  };
  ip16(src);
  for (let s = 24; s >= 0; s -= 8) byte(tag >>> s);
  ip16(dst);
  return h;
}

function aead(k: Key, spi: number): { name: string; key: Uint8Array; icvBits: number } {
  const key = new Uint8Array(KEY_LEN + 4);
  key.set(k.value);
  new DataView(key.buffer).setUint32(KEY_LEN, spi >>> 0);
  return { name: AEAD, key, icvBits: ICV_BITS };
}

function vniMatch(vni: number): string {
  return `0>>22&0x3C@12&0xFFFFFF00=${vni << 8}`;
}

/** programMangle: the MARK that makes the XFRM policy match this VNI's VXLAN datagrams. */
function programMangle(root: Netns, vni: number, add: boolean): void {
  const rule = ['-p', 'udp', '--dport', String(VXLAN_PORT), '-m', 'u32', '--u32', vniMatch(vni), '-j', 'MARK', '--set-mark', String(ENCRYPTION_MARK)];
  if (add === ruleExists(root, 'mangle', 'OUTPUT', rule)) return;
  applyIptables(root, ['-t', 'mangle', add ? '-A' : '-D', 'OUTPUT', ...rule]);
}

/** programInput: VXLAN for this VNI is accepted after ESP, dropped in clear. */
function programInput(root: Netns, vni: number, add: boolean): void {
  const plain = ['-p', 'udp', '--dport', String(VXLAN_PORT), '-m', 'u32', '--u32', vniMatch(vni), '-j'];
  const accept = ['-m', 'policy', '--dir', 'in', '--pol', 'ipsec', ...plain, 'ACCEPT'];
  const block = [...plain, 'DROP'];
  // iptables.ProgramRule: append what is missing, delete what is there.
  for (const rule of [accept, block]) {
    if (ruleExists(root, 'filter', 'INPUT', rule) !== add) applyIptables(root, ['-t', 'filter', add ? '-A' : '-D', 'INPUT', ...rule]);
  }
}

function policySelector(local: Ip4, remote: Ip4): XfrmSelector {
  return { src: local, srcLen: 32, dst: remote, dstLen: 32, proto: IPPROTO_UDP, sport: 0, sportMask: 0, dport: VXLAN_PORT, dportMask: 0xffff };
}

/** setupEncryption's SAs and policy towards one remote VTEP (programSA, programSP). */
function setupEncryption(root: Netns, h: HostEncryption, local: Ip4, remote: Ip4): Spi[] {
  const x = xfrmOf(root);
  const spis: Spi[] = [];
  h.keys.forEach((k, i) => {
    const spi: Spi = { forward: buildSpi(local, remote, k.tag), reverse: buildSpi(remote, local, k.tag) };
    spis.push(spi);
    // reverse (every key), then forward (the primary), each unless it exists (saExists).
    if (x.state(local, spi.reverse, IPPROTO_ESP) === undefined) {
      x.addState(new XfrmState(remote, local, IPPROTO_ESP, spi.reverse, ENCRYPTION_MARK, XFRM_MODE_TRANSPORT, aead(k, spi.reverse)));
    }
    if (i !== 0) return;
    if (x.state(remote, spi.forward, IPPROTO_ESP) === undefined) {
      x.addState(new XfrmState(local, remote, IPPROTO_ESP, spi.forward, ENCRYPTION_MARK, XFRM_MODE_TRANSPORT, aead(k, spi.forward)));
    }
    const sel = policySelector(local, remote);
    if (x.policy(sel, XFRM_POLICY_OUT, ENCRYPTION_MARK, 0xffffffff) === undefined) {
      x.addPolicy(new XfrmPolicy(sel, XFRM_POLICY_OUT, 0, ENCRYPTION_MARK, 0xffffffff, [
        { src: local, dst: remote, proto: IPPROTO_ESP, spi: spi.forward, reqid: ENCRYPTION_MARK, mode: XFRM_MODE_TRANSPORT },
      ]));
    }
  });
  return spis;
}

/** removeEncryption: the VTEP's SAs and its policy. */
function removeEncryption(root: Netns, local: Ip4, remote: Ip4, spis: Spi[]): void {
  const x = xfrmOf(root);
  spis.forEach((spi, i) => {
    if (x.state(local, spi.reverse, IPPROTO_ESP) !== undefined) x.deleteState(local, spi.reverse, IPPROTO_ESP);
    if (i !== 0) return;
    if (x.state(remote, spi.forward, IPPROTO_ESP) !== undefined) x.deleteState(remote, spi.forward, IPPROTO_ESP);
    const sel = policySelector(local, remote);
    if (x.policy(sel, XFRM_POLICY_OUT, ENCRYPTION_MARK, 0xffffffff) !== undefined) x.deletePolicy(sel, XFRM_POLICY_OUT, ENCRYPTION_MARK, 0xffffffff);
  });
}

/**
 * A secure network's overlay namespace was made on this host (before its peers are added). Only
 * swarm networks get IPsec: outside swarm mode the driver has no keys (checkEncryption: "encryption
 * key is not present"), and an encrypted cluster-store overlay only loses MTU.
 */
export function encryptionNetwork(d: Daemon, net: Network, ons: Netns, local: Ip4): void {
  if (isSecure(net) && net.scope === 'swarm') d.encryption.overlays.set(ons, { d, vni: net.vni, local, peers: new Set(), perVtep: new Map() });
}

/** checkEncryption(add) for a remote peer programmed into `ons`. */
export function encryptionPeerAdded(d: Daemon, ons: Netns, peer: Peer): void {
  const s = d.encryption.overlays.get(ons);
  if (s === undefined) return;
  const local = s.local;
  const key = `${peer.ip}/${peer.mac}/${peer.vtep}`;
  if (peer.vtep === local || s.peers.has(key)) return;
  s.peers.add(key);
  const n = s.perVtep.get(peer.vtep) ?? 0;
  s.perVtep.set(peer.vtep, n + 1);
  const root = s.d.host.root;
  programMangle(root, s.vni, true);
  programInput(root, s.vni, true);
  if (n > 0) return;
  const h = s.d.encryption.host();
  const v = h.vteps.get(peer.vtep);
  if (v !== undefined) {
    v.refs++;
    return;
  }
  h.vteps.set(peer.vtep, { refs: 1, spis: setupEncryption(root, h, local, peer.vtep) });
}

function releaseVtep(s: SecureOverlay, vtep: Ip4): void {
  const h = s.d.encryption.host();
  const v = h.vteps.get(vtep);
  if (v === undefined || --v.refs > 0) return;
  h.vteps.delete(vtep);
  removeEncryption(s.d.host.root, s.local, vtep, v.spis);
}

/** checkEncryption(remove) for a remote peer taken out of `ons`. */
export function encryptionPeerRemoved(d: Daemon, ons: Netns, peer: Peer): void {
  const s = d.encryption.overlays.get(ons);
  if (s === undefined) return;
  const key = `${peer.ip}/${peer.mac}/${peer.vtep}`;
  if (!s.peers.delete(key)) return;
  const n = s.perVtep.get(peer.vtep)! - 1;
  if (n > 0) s.perVtep.set(peer.vtep, n);
  else {
    s.perVtep.delete(peer.vtep);
    releaseVtep(s, peer.vtep);
  }
  if (s.peers.size === 0) {
    programInput(s.d.host.root, s.vni, false);
    programMangle(s.d.host.root, s.vni, false);
  }
}

/** The overlay namespace goes (last local endpoint left): its peers with it. */
export function encryptionNetworkRemoved(d: Daemon, ons: Netns): void {
  const s = d.encryption.overlays.get(ons);
  if (s === undefined) return;
  d.encryption.overlays.delete(ons);
  for (const vtep of s.perVtep.keys()) releaseVtep(s, vtep);
  if (s.peers.size > 0) {
    programInput(s.d.host.root, s.vni, false);
    programMangle(s.d.host.root, s.vni, false);
  }
}
