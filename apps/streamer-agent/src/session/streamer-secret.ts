import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { STREAMER_SECRET_HEADER, type StreamerLaunch } from '@webstream/contracts';
import { HeaderSecret } from '@webstream/service-kit';
import { type IncomingMessage } from 'node:http';
import { InjectStreamerLaunch } from './streamer-launch';

/**
 * The session's own secret, which only its session host and the gateway hold: the one key to this streamer's
 * sockets and host requests. The backend token every host shares opens nothing here.
 */
@Injectable()
export class StreamerSecret extends HeaderSecret {
  constructor(@InjectStreamerLaunch() launch: StreamerLaunch) {
    super(STREAMER_SECRET_HEADER, launch.streamerSecret);
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
