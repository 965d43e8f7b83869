import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { closeCodes } from '@webstream/contracts';
import { SessionEnd } from './session-end';

const CHECK_MS = 1_000;

/**
 * A session host killed outright (SIGKILL, a crash) cannot end its streamers: a streamer whose parent is gone
 * (re-parented, so its parent pid changed) ends its session itself rather than run on, unmanaged and unbilled.
 */
@Injectable()
export class HostWatch implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly parent = process.ppid;
  private timer?: NodeJS.Timeout;

  constructor(private readonly sessionEnd: SessionEnd) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (process.ppid !== this.parent)
        this.sessionEnd.end(closeCodes.HOST_LOST, 'the session host that started this session is gone');
    }, CHECK_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
