// Builds the simulation a scenario declares: one host per entry, all on one LAN.
import { World } from '../kernel/world.js';
import { Lan } from '../kernel/lan.js';
import { addRoute, setAddrLifetime } from '../kernel/rtnl.js';
import { Route, TABLE_MAIN } from '../kernel/route/table.js';
import type { HostSpec, Scenario } from './model.js';
import { dnsServe } from '../apps/dns.js';
import { formatIp4, networkOf } from '../core/addr.js';
import type { Host } from '../kernel/host.js';
import type { Nanos } from '../sim/clock.js';
import { SEC } from '../sim/clock.js';
import type { Netns } from '../kernel/netns.js';
import { InputError } from '../core/errors.js';
import { Simulation } from './simulation.js';
import { parseImageRef } from '../docker/images.js';
import { applyDaemonJson, applyDockerdOptions } from '../shell/dockerd.js';
import { setInstalled } from '../shell/packages.js';

/** A LAN's own DNS server (`dns_zone:`, like dnsmasq's `address=/name/ip`): authoritative A
 *  records (and their PTRs) on UDP 53 of every address; anything else is NXDOMAIN. */
function serveZone(ns: Netns, zone: NonNullable<HostSpec['dnsZone']>): void {
  const byName = new Map(zone.map((z) => [z.name, z.addrs]));
  dnsServe(ns, 0, 53, (name) => {
    const addrs = byName.get(name.toLowerCase().replace(/\.$/, ''));
    return addrs === undefined ? null : { addrs: [...addrs], ttl: 0 };
  }, { authoritative: true, reverse: (ip) => zone.find((z) => z.addrs.includes(ip))?.name ?? null });
}

/** The lease VirtualBox's NAT DHCP server grants (slirp bootp.c LEASE_TIME, one day), in seconds. */
const DHCP_LEASE = 24 * 3600;

/** NetworkManager on the seeds' CentOS 7 VMs: it adds its addresses with IFA_F_NOPREFIXROUTE and
 *  the prefix routes itself (nm-platform; here as the kernel would word them, the seeds show no
 *  `ip route`), and for a DHCP NIC (the NAT eth0) sets the lease as the address's lifetimes, which
 *  the kernel counts down; dhclient renews at T1, half the lease (RFC 2131 4.4.5), and NetworkManager
 *  then sets the lifetimes to the full lease again. The lease is taken at boot, simulated time 0. */
function networkManager(host: Host, h: HostSpec, world: World): void {
  for (const n of h.nics) {
    const dev = host.root.device(n.name)!;
    addRoute(host.root, new Route('unicast', networkOf(n.addr, n.len), n.len, dev, 0, n.addr, 'link', 'kernel', 0, TABLE_MAIN));
    if (!n.nat) continue;
    const renew = (at: Nanos): void => {
      world.eq.at(at, () => {
        setAddrLifetime(dev, n.addr, n.len, DHCP_LEASE, DHCP_LEASE, at);
        renew(at + (DHCP_LEASE / 2) * SEC);
      });
    };
    renew((DHCP_LEASE / 2) * SEC);
  }
}

export function buildWorld(sc: Scenario): Simulation {
  const world = new World(sc.seed);
  const sim = new Simulation(world);
  for (const h of sc.hosts) {
    // A NAT NIC is alone on its LAN: every VirtualBox VM has its own 10.0.2.0/24 behind 10.0.2.2.
    const host = world.addHostNics(h.name, h.nics.map((n) => ({
      ifname: n.name, addr: n.addr, len: n.len, lan: n.nat ? new Lan() : world.lan,
      ...(h.networkManager ? { opts: { noprefixroute: true, ...(n.nat ? { lifetime: { valid: DHCP_LEASE, preferred: DHCP_LEASE, tstamp: 0 } } : {}) } } : {}),
    })));
    if (h.networkManager) networkManager(host, h, world);
    for (const n of h.nics) {
      const gw = n.gateway ?? (n.nat ? null : h.gateway);
      if (gw !== null) addRoute(host.root, new Route('unicast', 0, 0, host.root.device(n.name)!, gw, 0, 'global', 'boot', 0, TABLE_MAIN));
    }
  }
  world.lan.mtu = sc.lan.mtu;
  for (const h of sc.lan.hosts) world.lan.hostMtu.set(h.host, h.mtu);
  for (const p of sc.lan.pairs) world.lan.setPairMtu(p.a, p.b, p.mtu);
  const docker = sim.docker;
  for (const img of sc.images) {
    const ref = parseImageRef(img.name);
    const key = img.name.slice(img.name.lastIndexOf('/') + 1).includes(':') ? `${ref.repo}:${ref.tag}` : ref.repo;
    docker.registry.declare(key, {
      repo: ref.repo, shell: img.shell, cmd: ['/app/serve'], daemon: true, layers: 2,
      ports: img.ports.map((port) => ({ port, proto: 'tcp' as const, behaviour: { kind: 'http' as const, body: img.reply, size: img.replySize, keepAlive: img.keepAlive } })),
      exposed: img.ports.map((p) => `${p}/tcp`),
      ...(img.crash !== null ? { crash: { code: img.crash, after: img.crashAfter } } : {}),
    });
  }
  for (const h of sc.hosts) {
    const host = world.hosts.get(h.name)!;
    const files = sim.userland(host).files;
    files.set('/etc/hosts', `127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4\n::1         localhost localhost.localdomain localhost6 localhost6.localdomain6\n`);
    files.set('/etc/hostname', `${h.name}\n`);
    const dns = h.dns ?? sc.lan.dns;
    if (dns !== null) files.set('/etc/resolv.conf', dns.map((ip) => `nameserver ${formatIp4(ip)}\n`).join(''));
    if (h.dnsZone !== null) serveZone(host.root, h.dnsZone);
    if (h.packages !== null) setInstalled(sim.userland(host), h.packages);
  }
  // The scenario's files exist at boot: dockerd reads /etc/docker/daemon.json when it starts.
  for (const f of sc.files) sim.userland(world.hosts.get(f.on)!).files.set(f.path, f.content);
  for (const h of sc.hosts) {
    if (!h.docker) continue;
    const host = world.hosts.get(h.name)!;
    const d = docker.install(host, false);
    const files = sim.userland(host).files;
    d.hostFile = (path) => files.get(path);
    const err = applyDockerdOptions(d, h.dockerd.split(/\s+/).filter((w) => w !== ''));
    if (err !== null) throw new InputError(`dockerd: ${err}`, h.line, h.col);
    applyDaemonJson(d, files);
    // The seeds' machines had run dockerd before (their default bridge shows its Gateway).
    d.start({ ranBefore: true });
  }
  return sim;
}
