// `yum install` inside a container acts on the container's files, not the host's packages; an image
// without yum (busybox, alpine, the Debian-based ones) has no such command.
import { describe, expect, it } from 'vitest';
import { runText } from '../helpers.js';

describe('yum in containers', () => {
  it('installs into a centos container only, and is not found in busybox or nginx', () => {
    const { res, transcript } = runText(`hosts:
  - { name: h1, ip: 192.168.205.10/24, packages: [] }
steps:
  - run: docker run -d --name c1 centos sleep 3600
  - run: docker exec c1 yum install -y bridge-utils
    expect: { stdout: "Installed:\\n  bridge-utils.x86_64 0:1.5-9.el7\\n\\nComplete!\\n" }
  - run: brctl show
    expect: { exit: 127, stdout: "-bash: brctl: command not found" }
  - run: docker exec c1 yum install -y bridge-utils
    expect: { stdout: "Package bridge-utils-1.5-9.el7.x86_64 already installed and latest version\\nNothing to do\\n" }
  - run: docker exec c1 ls /usr/sbin/brctl
    expect: { stdout: "/usr/sbin/brctl\\n" }
  - run: docker run -d --name b1 busybox sleep 3600
  - run: docker exec b1 yum install -y ipvsadm
    expect: { exit: 126, stdout: "exec: \\\\\\"yum\\\\\\": executable file not found in $PATH" }
  - run: docker run -d --name n1 nginx
  - run: docker exec -it n1 bash
  - run: yum install -y ipvsadm
    expect: { exit: 127, stdout: "bash: yum: command not found\\n" }
  - run: exit
  - run: yum install -y bridge-utils
    expect: { stdout: "Complete!" }
  - run: brctl show
    expect: { stdout: "docker0" }
`);
    expect(res.steps.flatMap((s) => s.failures)).toEqual([]);
    expect(transcript).not.toContain('ipvsadm.x86_64 0:1.27-8.el7 will be installed');
  });
});
