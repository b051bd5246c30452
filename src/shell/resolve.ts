// Name resolution for commands that take a host name (ping NAME, curl http://NAME/): the
// namespace's /etc/hosts first, then its DNS resolver, as glibc and busybox do. The Docker model
// (issue 4) provides both; a bare namespace has neither.
import type { Ip4 } from '../core/addr.js';
import type { Ctx } from './program.js';

export type Resolver = (ctx: Ctx, name: string) => Ip4 | null;

const resolvers: Resolver[] = [];

/** Lets a higher layer (the Docker model) answer names for the namespaces it manages. */
export function addResolver(r: Resolver): void {
  resolvers.push(r);
}

export function resolveName(ctx: Ctx, name: string): Ip4 | null {
  if (name === 'localhost') return 0x7f000001;
  for (const r of resolvers) {
    const ip = r(ctx, name);
    if (ip !== null) return ip;
  }
  return null;
}
