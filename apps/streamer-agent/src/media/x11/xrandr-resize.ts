import { execFile } from 'node:child_process';

const XRANDR_TIMEOUT_MS = 3_000;

function xrandr(args: string[], env: NodeJS.ProcessEnv): Promise<{ ok: boolean; stdout: string }> {
  return new Promise((resolve) => {
    execFile('xrandr', args, { env, timeout: XRANDR_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout) =>
      resolve({ ok: !error, stdout }),
    );
  });
}

/** The X screen's size now, or undefined when xrandr cannot tell. */
export async function screenSize(
  env: NodeJS.ProcessEnv,
): Promise<{ width: number; height: number } | undefined> {
  const query = await xrandr(['--current'], env);
  const match = /current (\d+) x (\d+)/.exec(query.stdout);
  return match ? { width: Number(match[1]), height: Number(match[2]) } : undefined;
}

/**
 * Asks the X server for a new screen size and returns the size it has afterwards. Xvfb (21.1, Debian 12) fixes its
 * RandR maximum at the size it started with and cannot add modes, but `--fb` does shrink (and regrow up to that
 * maximum) its screen, even though xrandr then fails to fit the output's fixed mode and exits non-zero: so the
 * result is read back rather than taken from the exit code.
 */
export async function resizeScreen(
  width: number,
  height: number,
  env: NodeJS.ProcessEnv,
): Promise<{ width: number; height: number } | undefined> {
  await xrandr(['--fb', `${width}x${height}`], env);
  return screenSize(env);
}
