// The seed-004 single-host session ("Docker 网络", shared/seeds/004_*.txt): the default bridge,
// --link, a user bridge with connect, --network none and host, user bridges for tiers, and a
// published port — the steps the trial compared by hand, as one case.
import type { Case, Step } from './model.js';
import { HOST_IP } from './model.js';

const LOOP = 'busybox /bin/sh -c "while true;do sleep 3600;done"';

export function seed004(): Case {
  const d = (line: string): Step => ({ kind: 'docker', line });
  const steps: Step[] = [
    d(`docker run -d --name test1 ${LOOP}`),
    d(`docker run -d --name test2 ${LOOP}`),
    { kind: 'ping', from: 'test1', dst: '@ip:test2' },
    d('docker stop -t 1 test1 test2'),
    d('docker rm test1 test2'),
    d(`docker run -d --name test1 ${LOOP}`),
    d(`docker run -d --name test2 --link test1:alias ${LOOP}`),
    { kind: 'ping', from: 'test2', dst: 'test1' },
    { kind: 'ping', from: 'test2', dst: 'alias' },
    { kind: 'ping', from: 'test1', dst: 'test2' },
    d('docker network create -d bridge my-bridge'),
    d(`docker run -d --name test3 --network my-bridge ${LOOP}`),
    d('docker network connect my-bridge test2'),
    { kind: 'ping', from: 'test3', dst: 'test2' },
    { kind: 'ping', from: 'test2', dst: 'test3' },
    d('docker rm -f test1 test2 test3'),
    d(`docker run -d --name test1 --network none ${LOOP}`),
    d(`docker run -d --name test2 --network host ${LOOP}`),
    d('docker rm -f test1 test2'),
    d('docker network create -d bridge front-tier'),
    d('docker network create -d bridge back-tier'),
    d('docker run -d --name web -p 8080:80 web'),
    { kind: 'wget', from: 'lan', url: `http://${HOST_IP}:8080/` },
    d('docker network connect back-tier web'),
    d('docker network disconnect back-tier web'),
    d('docker network rm my-bridge front-tier back-tier'),
  ];
  return { id: 'seed004', family: 'seed004', steps };
}
