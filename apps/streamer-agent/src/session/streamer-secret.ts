import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { STREAMER_SECRET_HEADER, type StreamerLaunch } from '@webstream/contracts';
import { type IncomingMessage } from 'node:http';
import { InjectStreamerLaunch } from './streamer-launch';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * The session's own secret, which only its session host and the gateway hold: the one key to this streamer's
 * sockets and host requests. The backend token every host shares opens nothing here.
 */
@Injectable()
export class StreamerSecret {
  private readonly expected: Buffer;

  constructor(@InjectStreamerLaunch() launch: StreamerLaunch) {
    this.expected = digest(launch.streamerSecret);
  }

  presentIn(headers: Record<string, string | string[] | undefined>): boolean {
    const presented = headers[STREAMER_SECRET_HEADER];
    return typeof presented === 'string' && timingSafeEqual(digest(presented), this.expected);
  }
}

@Injectable()
export class StreamerSecretGuard implements CanActivate {
  constructor(private readonly secret: StreamerSecret) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.secret.presentIn(context.switchToHttp().getRequest<IncomingMessage>().headers)) {
      throw new UnauthorizedException(`${STREAMER_SECRET_HEADER} must carry this session’s secret`);
    }
    return true;
  }
}
