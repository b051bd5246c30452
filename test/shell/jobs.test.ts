// Job control in the interactive shell, as bash 5.2 prints it on a terminal (the expected texts
// were recorded from `bash --norc -i` under script(1); only the PIDs differ).
import { describe, expect, it } from 'vitest';
import { runText } from '../helpers.js';

function transcript(...steps: string[]): string {
  const yaml = `name: jobs\nhosts:\n  - { name: h, ip: 10.0.0.1/24, docker: false }\nsteps:\n${steps.map((s) => `  - ${s}\n`).join('')}`;
  return runText(yaml).transcript;
}
const run = (line: string): string => `run: '${line.replace(/'/g, "''")}'`;

describe('background jobs', () => {
  it('prints [N] PID, lists them with jobs, and reports Done before the next prompt', () => {
    expect(transcript(run('sleep 2 &'), run('jobs'), run('sleep 3'), run('echo next'))).toBe(
      '[root@h ~]# sleep 2 &\n[1] 2301\n' +
      '[root@h ~]# jobs\n[1]+  Running                 sleep 2 &\n' +
      '[root@h ~]# sleep 3\n[1]+  Done                    sleep 2\n' +
      '[root@h ~]# echo next\nnext\n');
  });

  it('marks the current and previous job, kill %N terminates one, wait reports the rest', () => {
    const t = transcript(run('sleep 5 &'), run('sleep 6 &'), run('jobs'), run('kill %1'), run('jobs -l'), run('wait'), run('echo $?'));
    expect(t).toBe(
      '[root@h ~]# sleep 5 &\n[1] 2301\n' +
      '[root@h ~]# sleep 6 &\n[2] 2302\n' +
      '[root@h ~]# jobs\n[1]-  Running                 sleep 5 &\n[2]+  Running                 sleep 6 &\n' +
      '[root@h ~]# kill %1\n[1]-  Terminated              sleep 5\n' +
      '[root@h ~]# jobs -l\n[2]+ 2302 Running                 sleep 6 &\n' +
      '[root@h ~]# wait\n[2]+  Done                    sleep 6\n' +
      '[root@h ~]# echo $?\n0\n');
  });

  it('gives wait the job\'s status, $! its PID, and Exit N for a failed job', () => {
    const t = transcript(run('false &'), run('echo x; sleep 1 & echo y'), run('wait %1; echo rc=$?'), run('sleep 4 &'), run('wait $!'), run('echo $!'));
    expect(t).toBe(
      '[root@h ~]# false &\n[1] 2301\n[1]+  Exit 1                  false\n' +
      '[root@h ~]# echo x; sleep 1 & echo y\nx\n[1] 2302\ny\n' +
      '[root@h ~]# wait %1; echo rc=$?\n[1]+  Done                    sleep 1\nrc=0\n' +
      '[root@h ~]# sleep 4 &\n[1] 2303\n' +
      '[root@h ~]# wait $!\n[1]+  Done                    sleep 4\n' +
      '[root@h ~]# echo $!\n2303\n');
  });

  it('brings a job to the foreground with fg, where ^C stops it', () => {
    const t = transcript(run('sleep 100 &'), `${run('fg')}\n    interrupt: 2s`, run('echo $?'), run('jobs'));
    expect(t).toBe('[root@h ~]# sleep 100 &\n[1] 2301\n[root@h ~]# fg\nsleep 100\n^C\n[root@h ~]# echo $?\n130\n[root@h ~]# jobs\n');
  });

  it('keeps a job running through ^C of the foreground command', () => {
    const t = transcript(run('sleep 10 &'), `${run('sleep 100')}\n    interrupt: 1s`, run('jobs'));
    expect(t).toContain('[root@h ~]# jobs\n[1]+  Running                 sleep 10 &\n');
  });

  it('says what bash says for jobs that do not exist', () => {
    const t = transcript(run('fg'), run('kill %3'), run('wait %2'), run('kill'));
    expect(t).toBe('[root@h ~]# fg\n-bash: fg: current: no such job\n[root@h ~]# kill %3\n-bash: kill: %3: no such job\n' +
      '[root@h ~]# wait %2\n-bash: wait: %2: no such job\n[root@h ~]# kill\nkill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]\n');
  });
});

describe('functions and set at the prompt', () => {
  it('keeps a function for the following steps, and set -x traces each command on stderr', () => {
    const t = transcript(run('hi() { echo "hi $1"; }'), run('hi you'), run('set -x'), run('hi me'), run('set +x'));
    expect(t).toBe('[root@h ~]# hi() { echo "hi $1"; }\n[root@h ~]# hi you\nhi you\n[root@h ~]# set -x\n[root@h ~]# hi me\n+ hi me\n+ echo \'hi me\'\nhi me\n[root@h ~]# set +x\n+ set +x\n');
  });

  it('abandons the rest of the line when a command fails under set -e (the terminal is kept)', () => {
    const t = transcript(run('set -e'), run('echo a; false; echo b'), run('false || echo ok'));
    expect(t).toBe('[root@h ~]# set -e\n[root@h ~]# echo a; false; echo b\na\n[root@h ~]# false || echo ok\nok\n');
  });
});

describe('cd within a line', () => {
  it('moves the commands after it, as bash does (cd aa && docker build .)', () => {
    const t = transcript(run('mkdir -p d1/d2 && touch d1/x'), run('cd d1 && pwd && ls; pwd'), run('cd d2; pwd; cd ..; ls'));
    expect(t).toBe('[root@h ~]# mkdir -p d1/d2 && touch d1/x\n[root@h ~]# cd d1 && pwd && ls; pwd\n/root/d1\nd2  x\n/root/d1\n[root@h d1]# cd d2; pwd; cd ..; ls\n/root/d1/d2\nd2  x\n');
  });
});
