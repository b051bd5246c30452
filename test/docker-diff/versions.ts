// What Docker 20.10 (the real side: Debian's docker.io 20.10.24) prints differently from 19.03
// (what swarmsim models), normalised on the real side's output only. Each entry names the
// change in the 19.03 and 20.10 code (moby/moby, docker/cli, moby/libnetwork at v19.03.13 and
// v20.10.24) that makes the difference; nothing else is normalised.

/** The known 20.10-vs-19.03 differences in a command's result lines. */
export function normaliseCli(line: string, out: string[]): string[] {
  let r = out;
  // `docker port`: 20.10's daemon also binds published ports on [::] (moby/moby#41805,
  // daemon/network.go/libnetwork portmapper in 20.10.0), so the CLI lists a second, IPv6
  // line `80/tcp -> :::8080`; 19.03 bound 0.0.0.0 only.
  if (/^docker (container )?port\b/.test(line)) r = r.filter((l) => !/ -> :::\d+$/.test(l) && !/ -> \[::\]:\d+$/.test(l));
  return r;
}

/**
 * `docker inspect` of the real side, made 19.03's: 20.10 also adds the container's hostname to
 * its aliases on a user-defined network when it differs from the name (daemon/
 * container_operations.go updateNetworkConfig, v20.10.24; v19.03.13 adds the short ID only).
 */
export function normaliseContainerJson(list: Array<Record<string, any>>): Array<Record<string, any>> {
  for (const c of list) {
    const hostname = c.Config?.Hostname;
    const name = String(c.Name ?? '').replace(/^\//, '');
    // The default hostname is the short ID, already there: 20.10 adds nothing then.
    if (typeof hostname !== 'string' || hostname === name || hostname === String(c.Id ?? '').slice(0, 12)) continue;
    for (const ep of Object.values((c.NetworkSettings?.Networks ?? {}) as Record<string, { Aliases?: string[] | null }>)) {
      if (Array.isArray(ep.Aliases)) {
        const i = ep.Aliases.lastIndexOf(hostname);
        // The short ID comes first; the hostname is the one 20.10 appends after it.
        if (i > 0 && i === ep.Aliases.length - 1) ep.Aliases.splice(i, 1);
      }
    }
  }
  return list;
}
