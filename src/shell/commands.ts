// Registers every emulated command. Each program lives in its own file and is added here.
import { register } from './registry.js';
import { ip } from './ip/main.js';
import { ping } from './ping.js';
import { brctl } from './brctl.js';
import { bridge } from './bridge.js';
import { sysctl } from './sysctl.js';
import { builtins } from './builtins.js';
import { curl } from './curl.js';
import { nc } from './nc.js';
import { nsenter } from './nsenter.js';

register('ip', ip);
register('ping', ping);
register('brctl', brctl);
register('bridge', bridge);
register('sysctl', sysctl);
register('curl', curl);
register('nc', nc);
register('nsenter', nsenter);
for (const [name, prog] of builtins) register(name, prog);
// -- netfilter, conntrack and IPVS commands (issue 3) are registered below this line --
import { iptables, iptablesSave } from './iptables.js';
import { ipvsadm } from './ipvsadm.js';
import { conntrack } from './conntrack.js';
register('iptables', iptables);
register('iptables-save', iptablesSave);
register('ipvsadm', ipvsadm);
register('conntrack', conntrack);
