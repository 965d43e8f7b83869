import { type Readable } from 'node:stream';
import { type MediaLogger } from '../media';
import { describeExit, ManagedChild } from './managed-child';
import { type SessionSandboxRunner } from './session-sandbox';

export interface XvfbOptions {
  width: number;
  height: number;
  authFile: string;
  /** OpenGL (GLX); without it Xvfb leaves Mesa unloaded and holds about 55 MB less. */
  glx: boolean;
  env: NodeJS.ProcessEnv;
  runner: SessionSandboxRunner;
  logger: MediaLogger;
}

export interface RunningXvfb {
  /** ':N' */
  display: string;
  child: ManagedChild;
}

const START_TIMEOUT_MS = 10_000;
/** Xvfb writes its display number to this descriptor once it accepts connections. */
const DISPLAY_FD = 3;

/**
 * Starts Xvfb on a display number it picks itself (-displayfd): Xvfb takes the lock file, so two sessions starting
 * at once cannot race for the same number the way a "find a free number, then start" scheme could.
 */
export async function startXvfb(options: XvfbOptions): Promise<RunningXvfb> {
  const { command, args, env } = options.runner.daemon(
    'Xvfb',
    [
      '-displayfd',
      String(DISPLAY_FD),
      '-screen',
      '0',
      `${options.width}x${options.height}x24`,
      '-nolisten',
      'tcp',
      // No abstract socket either: those are reachable from every process sharing the network namespace,
      // so a session could find another's display; the socket file is bound only into its own sandbox.
      '-nolisten',
      'local',
      '-auth',
      options.authFile,
      ...(options.glx ? [] : ['-extension', 'GLX']),
    ],
    options.env,
  );
  const child = new ManagedChild({
    name: 'xvfb',
    command,
    args,
    env,
    extraFds: 1,
    logger: options.logger,
  });
  const fd = child.process.stdio[DISPLAY_FD] as Readable | null | undefined;
  if (!fd) {
    await child.terminate();
    throw new Error('Xvfb: no display descriptor');
  }
  try {
    const number = await readDisplayNumber(fd, child);
    return { display: `:${number}`, child };
  } catch (error: unknown) {
    await child.terminate();
    throw error;
  }
}

function readDisplayNumber(fd: Readable, child: ManagedChild): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(
      () => reject(new Error(`Xvfb did not start within ${START_TIMEOUT_MS} ms: ${child.stderr.text()}`)),
      START_TIMEOUT_MS,
    );
    fd.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /^(\d+)\n/.exec(text);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    void child.exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`${describeExit('Xvfb', exit)}: ${child.stderr.text()}`));
    });
  });
}
