// Worker threads for work that splits into independent replays (sweeps, reach chunks): piscina's
// pool, and where each worker's module is found.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A worker module by name: beside this one (tsc's tree), or beside the bundle's entry when this
 *  code sits in one of its chunks (dist/cli/chunks/); null when running from the TypeScript
 *  sources (tests), where the work then runs in this thread. */
export function workerFile(name: string): string | null {
  for (const rel of [`./${name}.js`, `../${name}.js`]) {
    const url = new URL(rel, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url.href;
  }
  return null;
}
