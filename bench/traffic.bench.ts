// traffic.update (requests/s): what a user waits for when a scenario runs a `traffic` loop — a curl
// through the routing mesh every 10 ms while a rolling update replaces the tasks (the seeds' `while
// true; do curl …; done` during `docker service update`). Each run replays the scenario below in
// this process: a 3-node swarm, 4 replicas behind -p 8080, a loop of `curl -s -m 1` on the manager,
// an update to 2.0 one task at a time, then the loop goes on until 2 simulated minutes have passed
// (about 12,000 requests); the figure is requests answered per wall second, over the whole replay.
// The aim is 60,000 requests (10 simulated minutes) in at most 5 s: 12,000 requests/s.
// Every run's report must show both versions answering; failed requests are counted in the progress
// lines (they are the scenario's behaviour, not the benchmark's).
import { loadScenario } from '../src/scenario/load.js';
import { runScenario } from '../src/scenario/run.js';
import { type BenchOptions, type Figure, MIN_RUNS, progress } from './harness.js';
import { summary } from './interleave.js';

const SCENARIO = `name: traffic.update
seed: 21
hosts:
  - { name: m1, ip: 192.168.205.10/24 }
  - { name: w1, ip: 192.168.205.11/24 }
  - { name: w2, ip: 192.168.205.12/24 }
steps:
  - run: docker swarm init --advertise-addr=192.168.205.10
    on: m1
  - run: docker swarm join-token worker -q
    on: m1
    save: TOKEN
  - run: docker swarm join --token \${TOKEN} 192.168.205.10:2377
    on: w1
  - run: docker swarm join --token \${TOKEN} 192.168.205.10:2377
    on: w2
  - run: docker service create --name web --replicas 4 --publish 8080:5000 xiaopeng163/python-flask-demo:1.0
    on: m1
  - traffic: { name: loop, on: m1, run: "curl -s -m 1 127.0.0.1:8080", every: 10ms }
  - sleep: 10s
  - run: docker service update --update-parallelism 1 --image xiaopeng163/python-flask-demo:2.0 web
    on: m1
  - sleep: 100s
  - traffic_report: loop
`;

export function trafficBench(options: BenchOptions): Figure[] {
  const sc = loadScenario('bench/traffic.bench.ts', SCENARIO);
  const once = (): number => {
    const start = performance.now();
    const res = runScenario(sc);
    const secs = (performance.now() - start) / 1000;
    const report = res.steps[res.steps.length - 1]!.output;
    const m = /requests: (\d+), failed: (\d+)/.exec(report);
    if (m === null || !report.includes('version 1.0') || !report.includes('version 2.0')) throw new Error(`bench traffic.update: unexpected report:\n${report}`);
    progress(`  traffic.update: ${m[1]} requests (${m[2]} failed) in ${secs.toFixed(2)} s`);
    return Number(m[1]) / secs;
  };
  progress('  traffic.update: warm-up');
  once();
  const rates: number[] = [];
  for (let r = 0; r < Math.max(MIN_RUNS, options.runs); r++) {
    rates.push(once());
    progress(`  traffic.update: run ${r + 1} ${rates[r]!.toFixed(0)} requests/s`);
  }
  return [{ name: 'traffic.update', unit: 'requests/s', ...summary(rates), target: 12000 }];
}
