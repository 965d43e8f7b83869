import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const WORKSPACE_ROOT = resolve(__dirname, '..', '..');

export interface RunningProcess {
  child: ChildProcess;
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns the webstream command and records everything it prints. */
export function startWebstream(
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): RunningProcess {
  const child = spawn(process.execPath, [resolve(WORKSPACE_ROOT, 'packages/cli/dist/main.js'), ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer): void => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('close', (code, signal) => done({ code, signal })),
  );
  return {
    child,
    exited,
    output: () => text,
    waitForOutput: (pattern, timeoutMs) =>
      new Promise((done, fail) => {
        const check = (): void => {
          const match = pattern.exec(text);
          if (!match) return;
          cleanup();
          done(match[0]);
        };
        const timer = setTimeout(() => {
          cleanup();
          fail(new Error(`no ${String(pattern)} within ${timeoutMs} ms; output so far:\n${text}`));
        }, timeoutMs);
        const onExit = (): void => {
          cleanup();
          fail(new Error(`exited before printing ${String(pattern)}; output:\n${text}`));
        };
        const cleanup = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('close', onExit);
        };
        listeners.add(check);
        child.once('close', onExit);
        check();
      }),
  };
}
