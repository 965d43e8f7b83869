import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { descendantsOf, LaunchedProcess, type LaunchOptions } from '../src/launched-process';
import { until } from '../src/helpers';

/** Whether a process exists and is no zombie. */
function alive(pid: number): boolean {
  try {
    return !/\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('a launched process', () => {
  const launched: LaunchedProcess[] = [];
  const node = (script: string, options: Partial<LaunchOptions> = {}): LaunchedProcess => {
    const run = LaunchedProcess.start({
      name: 'the script',
      command: process.execPath,
      args: ['-e', script],
      cwd: tmpdir(),
      env: { PATH: process.env['PATH'] },
      ...options,
    });
    launched.push(run);
    return run;
  };

  afterEach(async () => {
    await Promise.all(launched.splice(0).map((run) => run.kill()));
  });

  it('keeps what it prints on both streams and reads its launch from descriptor 3', async () => {
    const run = node(
      `const launch = require('fs').readFileSync(3, 'utf8');
       console.log('launch: ' + launch); console.error('on stderr');`,
      { descriptor3: '{"port":9010}' },
    );
    expect(await run.waitForOutput(/launch: \{"port":\d+\}/, 60_000)).toBe('launch: {"port":9010}');
    expect((await run.exited).code).toBe(0);
    expect(run.output()).toContain('on stderr');
    expect(run.running).toBe(false);
  });

  it('fails a wait at once, with its output, when it exits first', async () => {
    const run = node(`console.log('starting'); process.exit(3)`);
    await expect(run.waitForOutput(/ready/, 600_000)).rejects.toThrow(/exited before printing.*starting/s);
    await expect(run.ready(async () => false, 600_000)).rejects.toThrow(/code 3.*starting/s);
  });

  it('stops what ignores SIGTERM with SIGKILL after the grace, and leaves none of its children behind', async () => {
    const run = node(
      `process.on('SIGTERM', () => console.log('ignored'));
       const child = require('child_process').spawn('sleep', ['600'], { stdio: 'ignore' });
       console.log('child ' + child.pid); setInterval(() => undefined, 1000);`,
    );
    const pid = Number((await run.waitForOutput(/child \d+/, 60_000)).split(' ')[1]);
    expect(await descendantsOf(run.child.pid!)).toContain(pid);
    const exit = await run.stop(500);
    expect(exit.signal).toBe('SIGKILL');
    expect(run.output()).toContain('ignored');
    await until('the child to be gone', () => !alive(pid));
  });

  it('signals its whole group when it leads one, reaching what outlives it', async () => {
    const run = node(
      `const child = require('child_process').spawn('sleep', ['600'], { stdio: 'ignore' });
       console.log('child ' + child.pid); setInterval(() => undefined, 1000);`,
      { ownGroup: true },
    );
    const pid = Number((await run.waitForOutput(/child \d+/, 60_000)).split(' ')[1]);
    expect((await run.stop(60_000)).signal).toBe('SIGTERM');
    await until('the child to be gone', () => !alive(pid));
  });
});
