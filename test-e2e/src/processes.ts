import { resolve } from 'node:path';
import { LaunchedProcess } from '@webstream/testing';

export const WORKSPACE_ROOT = resolve(__dirname, '..', '..');
/** The built webstream command. */
export const CLI = resolve(WORKSPACE_ROOT, 'packages/cli/dist/main.js');

export type RunningProcess = LaunchedProcess;

/** The webstream command with `args`, in `cwd`, with `env` over the caller's environment. */
export function startWebstream(
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): RunningProcess {
  return LaunchedProcess.start({
    name: `webstream ${args.join(' ')}`.trim(),
    command: process.execPath,
    args: [CLI, ...args],
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
  });
}
