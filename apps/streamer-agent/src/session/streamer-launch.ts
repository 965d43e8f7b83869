import { readFileSync } from 'node:fs';
import { Inject } from '@nestjs/common';
import { STREAMER_LAUNCH_FD, type StreamerLaunch, streamerLaunchSchema } from '@webstream/contracts';

export const STREAMER_LAUNCH = Symbol('STREAMER_LAUNCH');
export const InjectStreamerLaunch = (): ParameterDecorator => Inject(STREAMER_LAUNCH);

/**
 * The one session this process serves, as its session host wrote it to descriptor STREAMER_LAUNCH_FD; read once
 * at start-up. Throws an error naming the field at fault.
 */
export function readStreamerLaunch(fd = STREAMER_LAUNCH_FD): StreamerLaunch {
  let raw: string;
  try {
    raw = readFileSync(fd, 'utf8');
  } catch (error) {
    throw new Error(
      `descriptor ${fd} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}): a streamer serves one session, and is started by a session host that describes it there`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error(`the launch on descriptor ${fd} is not JSON`);
  }
  const parsed = streamerLaunchSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const field = first?.path.join('.') || '(root)';
    throw new Error(`launch.${field}: ${first?.message ?? 'is invalid'}`);
  }
  return parsed.data;
}
