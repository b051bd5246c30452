// docker/go-units sizes as the docker CLI prints them: four significant digits ("%.4g%s").

function sized(n: number, base: number, units: readonly string[]): string {
  let i = 0;
  while (n >= base && i < units.length - 1) {
    n /= base;
    i++;
  }
  return `${Number(n.toPrecision(4))}${units[i]}`;
}

/** HumanSize: decimal units (`docker images` SIZE, `Sending build context`). */
export function humanSize(n: number): string {
  return sized(n, 1000, ['B', 'kB', 'MB', 'GB', 'TB', 'PB']);
}

/** BytesSize: binary units (`docker info` Total Memory). */
export function bytesSize(n: number): string {
  return sized(n, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']);
}
