import { Inject } from '@nestjs/common';
import { STREAMER_SESSION_ENV, type StreamerLaunch, streamerLaunchSchema } from '@webstream/contracts';

export const STREAMER_LAUNCH = Symbol('STREAMER_LAUNCH');
export const InjectStreamerLaunch = (): ParameterDecorator => Inject(STREAMER_LAUNCH);

/**
 * The one session this process serves, as its session host described it in the environment; read once at
 * start-up. Throws an error naming the variable and the field at fault.
 */
export function readStreamerLaunch(env: NodeJS.ProcessEnv): StreamerLaunch {
  const raw = env[STREAMER_SESSION_ENV];
  if (raw === undefined || raw === '') {
    throw new Error(
      `${STREAMER_SESSION_ENV} is not set: a streamer serves one session, and is started by a session host that describes it there`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error(`${STREAMER_SESSION_ENV} is not JSON`);
  }
  const parsed = streamerLaunchSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const field = first?.path.join('.') || '(root)';
    throw new Error(`${STREAMER_SESSION_ENV}.${field}: ${first?.message ?? 'is invalid'}`);
  }
  return parsed.data;
}
