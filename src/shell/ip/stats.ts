// `ip -s link`: a device's counters under its link line, as iproute2 3.10 prints them
// (print_link_stats64 in ip/ipaddress.c; the layout CentOS 7's `ip -s link` shows).
import type { NetDevice } from '../../kernel/device.js';

function row(widths: number[], values: number[]): string {
  return `    ${values.map((v, i) => String(v).padEnd(widths[i]!)).join(' ')} `;
}

const WIDTHS = [10, 8, 7, 7, 7, 7];

export function statsLines(dev: NetDevice): string[] {
  return [
    '    RX: bytes  packets  errors  dropped overrun mcast   ',
    row(WIDTHS, [dev.rxBytes, dev.rxPackets, dev.rxErrors, dev.rxDropped, 0, 0]),
    '    TX: bytes  packets  errors  dropped carrier collsns ',
    row(WIDTHS, [dev.txBytes, dev.txPackets, dev.txErrors, dev.txDropped, 0, 0]),
  ];
}
