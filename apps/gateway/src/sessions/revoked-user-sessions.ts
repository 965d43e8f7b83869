import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { TokenSubjects } from '@webstream/iam';
import { PinoLogger } from 'nestjs-pino';
import { SessionBroker } from './session-broker';

/** How often running sessions' users are looked at: with the subjects' own cache, a disable ends within ~2 s. */
export const REVOKED_USER_SWEEP_MS = 1_000;

/**
 * Ends the running sessions of users who were disabled or deleted: their tokens already fail, and their
 * applications must not go on streaming to a browser that signed in before.
 */
@Injectable()
export class RevokedUserSessions implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly broker: SessionBroker,
    private readonly subjects: TokenSubjects,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(RevokedUserSessions.name);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweep().finally(() => (this.sweeping = undefined));
    }, REVOKED_USER_SWEEP_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** One look at every running session's user; a user IAM cannot answer for is looked at next time. */
  async sweep(): Promise<void> {
    try {
      const sessions = await this.broker.allActive();
      const users = new Set(sessions.map((session) => session.userId));
      for (const userId of users) {
        const subject = await this.subjects.current(userId);
        if (subject !== null && !subject.disabled) continue;
        const why = subject === null ? 'its user was deleted' : 'its user was disabled';
        for (const session of sessions.filter((each) => each.userId === userId)) {
          await this.broker.endForRevokedUser(session, why);
        }
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'could not look at the running sessions’ users; trying again');
    }
  }
}
