// What both sides observe after a step, and how it becomes the lines compared.
import { containerLines, networkLines } from './inspect.js';
import type { Names } from './model.js';
import { normalise, normaliseBrctl, normaliseFdb, normaliseIpAddr, normaliseIpLink, normaliseIptablesSave, normaliseRestoreOrder, normaliseRoutes } from './model.js';

export interface Observation {
  /** Command → its output, run in the docker host's namespace. */
  host: Record<string, string>;
  containers: Array<{ name: string; running: boolean; files: Record<string, string>; net: Record<string, string> }>;
  containerJson: unknown[];
  networkJson: unknown[];
}

const BY_COMMAND: Record<string, (t: string) => string[]> = {
  'iptables-save': normaliseIptablesSave,
  'ip -d link': (t) => normaliseIpLink(t),
  'ip addr': (t) => normaliseIpAddr(t),
  'ip route': normaliseRoutes,
  'brctl show': normaliseBrctl,
  'bridge fdb': normaliseFdb,
};

/** The observation as titled lines, each section normalised (IDs to names) before it is
 *  parsed, so that sorting (brctl) sees the names both sides share. */
export function observationLines(o: Observation, names: Names, restarted = false): string[] {
  const out: string[] = [];
  const section = (title: string, body: string[]): void => {
    out.push(`## ${normalise(title, names)}`, ...body.map((l) => `   ${l}`));
  };
  // iproute2 prints "Peer netns reference is invalid" for a link whose peer namespace is being
  // torn down at that moment (a container just removed): the kernel's doing, not Docker's.
  const n = (t: string): string => normalise(t.replace(/^\s*Error: Peer netns reference is invalid\.\n/gm, ''), names);
  for (const [cmd, text] of Object.entries(o.host)) {
    const lines = cmd === 'ip -d link' ? normaliseIpLink(n(text), true) : cmd === 'ip addr' ? normaliseIpAddr(n(text), true) : BY_COMMAND[cmd]!(n(text));
    section(`host ${cmd}`, restarted && cmd === 'iptables-save' ? normaliseRestoreOrder(lines) : lines);
  }
  for (const c of [...o.containers].sort((a, b) => a.name.localeCompare(b.name))) {
    for (const [f, text] of Object.entries(c.files)) section(`${c.name} ${f}`, n(text).split('\n').filter((l) => l !== ''));
    for (const [cmd, text] of Object.entries(c.net)) section(`${c.name} ${cmd}`, BY_COMMAND[cmd]!(n(text)));
  }
  section('docker inspect', n(containerLines(o.containerJson).join('\n')).split('\n'));
  section('docker network inspect', n(networkLines(o.networkJson).join('\n')).split('\n'));
  return out;
}
