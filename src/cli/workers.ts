// Worker threads for work that splits into independent replays (sweeps, reach chunks): piscina's
// pool, and where each worker's module is found.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
// piscina is loaded only when a pool is wanted (below): every `swarmsim run` reaches this module,
// and loading piscina took 8 ms of a 290 ms run of the default scenario that never uses it.

/** A worker module by name: beside this one (tsc's tree), or beside the bundle's ES module
 *  entries when this code sits in one of their chunks (dist/cli/esm/chunks/); null when running
 *  from the TypeScript sources (tests), where the work then runs in this thread. */
export function workerFile(name: string): string | null {
  for (const rel of [`./${name}.js`, `../${name}.js`]) {
    const url = new URL(rel, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url.href;
  }
  return null;
}

/**
 * Runs every task on `jobs` threads: this one (`here`) and jobs − 1 workers of the module `worker`,
 * each taking the next task when it is done with one; `done(i, r)` is called as task i ends.
 * This thread is one of the jobs because it has loaded and compiled the code already, where each
 * worker starts cold (its own module graph and JIT warm-up); on a 2-core machine a pool of two
 * workers beside an idle main thread was slower than the main thread alone.
 */
export async function spread<T, R>(tasks: readonly T[], jobs: number, worker: string | null, here: (t: T) => R, done: (i: number, r: R) => void = () => undefined): Promise<R[]> {
  const results = new Array<R>(tasks.length);
  // This thread takes task 0 (a caller may have its state at hand for it); the workers the next.
  let next = 1;
  const local = async (): Promise<void> => {
    for (let i = 0; i < tasks.length; i = next++) {
      done(i, (results[i] = here(tasks[i]!)));
      // Let the pool's messages through: a worker done with its task is handed the next one.
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  if (worker === null || jobs <= 1 || tasks.length <= 1) {
    await local();
    return results;
  }
  const threads = Math.min(jobs - 1, tasks.length - 1);
  // Two tasks in flight per worker: the second is already queued in the worker while this thread,
  // busy with a task of its own, cannot hand it over.
  const perWorker = 2;
  const { Piscina } = await import('piscina');
  // The young generation the main thread has (bin.ts's `#!` line): V8 sizes it as three semi-spaces.
  const pool = new Piscina<T, R>({ filename: worker, resourceLimits: { maxYoungGenerationSizeMb: 3 * 64 }, minThreads: threads, maxThreads: threads, concurrentTasksPerWorker: perWorker, idleTimeout: 100 });
  // A worker's second slot stops taking tasks near the end, when there are no more left than
  // threads: queued behind a task in one worker, the last ones would wait there while this thread
  // idles (seen: the two last runs of a sweep one after the other on the worker).
  const remote = async (slot: number): Promise<void> => {
    while (next < tasks.length && (slot === 0 || tasks.length - next > jobs)) {
      const i = next++;
      done(i, (results[i] = await pool.run(tasks[i]!)));
    }
  };
  try {
    // The workers' first tasks are posted before this thread starts on its own.
    const remotes = Array.from({ length: threads * perWorker }, (_, k) => remote(k < threads ? 0 : 1));
    await Promise.all([...remotes, local()]);
  } finally {
    await pool.destroy();
  }
  return results;
}
