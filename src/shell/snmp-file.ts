// /proc/net/snmp of a namespace, as net/ipv4/proc.c (snmp_seq_show) writes it: for each group a
// line of field names and a line of values, IcmpMsg listing only the types seen (In before Out),
// UdpLite all zeros. `cat`, `netstat -s` and `nstat` read it from here.
import type { Netns } from '../kernel/netns.js';
import { ICMP_FIELDS, IP_FIELDS, TCP_FIELDS, UDP_FIELDS } from '../kernel/snmp.js';

export interface SnmpGroup {
  readonly name: string;
  readonly fields: readonly string[];
  readonly values: readonly number[];
}

/** The groups in file order. */
export function snmpGroups(ns: Netns): SnmpGroup[] {
  const s = ns.snmp;
  const ip = IP_FIELDS.map((f) => s.Ip[f]);
  ip[0] = ns.forwarding ? 1 : 2; // Forwarding: 1 forwarding, 2 not (IPV4_DEVCONF_ALL(FORWARDING))
  const groups: SnmpGroup[] = [
    { name: 'Ip', fields: IP_FIELDS, values: ip },
    { name: 'Icmp', fields: ICMP_FIELDS, values: ICMP_FIELDS.map((f) => s.Icmp[f]) },
  ];
  const msgFields: string[] = [];
  const msgValues: number[] = [];
  for (let t = 0; t < 256; t++) if (s.IcmpMsgIn[t]! > 0) (msgFields.push(`InType${t}`), msgValues.push(s.IcmpMsgIn[t]!));
  for (let t = 0; t < 256; t++) if (s.IcmpMsgOut[t]! > 0) (msgFields.push(`OutType${t}`), msgValues.push(s.IcmpMsgOut[t]!));
  if (msgFields.length > 0) groups.push({ name: 'IcmpMsg', fields: msgFields, values: msgValues });
  groups.push(
    { name: 'Tcp', fields: TCP_FIELDS, values: TCP_FIELDS.map((f) => s.Tcp[f]) },
    { name: 'Udp', fields: UDP_FIELDS, values: UDP_FIELDS.map((f) => s.Udp[f]) },
    { name: 'UdpLite', fields: UDP_FIELDS, values: UDP_FIELDS.map(() => 0) },
  );
  return groups;
}

export function procNetSnmp(ns: Netns): string {
  return snmpGroups(ns).map((g) => `${g.name}: ${g.fields.join(' ')}\n${g.name}: ${g.values.join(' ')}\n`).join('');
}

/** The virtual files `cat` can read in a namespace (procfs); undefined for any other path. */
export function procFile(ns: Netns, path: string): string | undefined {
  if (path === '/proc/net/snmp' || path === '/proc/self/net/snmp') return procNetSnmp(ns);
  return undefined;
}
