// Registers every emulated command. Each program lives in its own file and is added here.
import { register, registerBusybox } from './registry.js';
import { ip } from './ip/main.js';
import { ping } from './ping.js';
import { brctl } from './brctl.js';
import { bridge } from './bridge.js';
import { sysctl } from './sysctl.js';
import { builtins } from './builtins.js';
import { curl } from './curl.js';
import { nc } from './nc.js';
import { nsenter } from './nsenter.js';
import { docker } from './docker/main.js';
import { dockerd, systemctl } from './dockerd.js';
import { nslookup } from './nslookup.js';
import { wget } from './wget.js';
import { busyboxPing } from './busybox-ping.js';
import { mysql } from './mysql.js';
import { iptables, iptablesSave } from './iptables.js';
import { ipvsadm } from './ipvsadm.js';
import { conntrack } from './conntrack.js';
import { yum } from './packages.js';
import { etcd, etcdctl, nohup } from './etcd.js';
import { dockerCompose } from './docker-compose.js';

register('ip', ip);
register('ping', ping);
register('brctl', brctl);
register('bridge', bridge);
register('sysctl', sysctl);
register('curl', curl);
register('nc', nc);
register('nsenter', nsenter);
register('docker', docker);
register('dockerd', dockerd);
register('systemctl', systemctl);
register('nslookup', nslookup);
register('wget', wget);
registerBusybox('ping', busyboxPing);
register('mysql', mysql);
for (const [name, prog] of builtins) register(name, prog);
register('iptables', iptables);
register('iptables-save', iptablesSave);
register('ipvsadm', ipvsadm);
register('conntrack', conntrack);
register('yum', yum);
// The etcd release is run from its extracted directory (./etcd), as seed 004 does.
for (const [name, prog] of [['etcd', etcd], ['etcdctl', etcdctl]] as const) {
  register(name, prog);
  register(`./${name}`, prog);
}
register('nohup', nohup);
register('docker-compose', dockerCompose);
