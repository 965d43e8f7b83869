import { HttpException, HttpStatus, Injectable, type OnModuleInit } from '@nestjs/common';
import { RateLimiterPrisma, type RateLimiterRes } from 'rate-limiter-flexible';
import { IamDatabase } from '../database/iam-database';
import { type IamSettings, InjectIamSettings } from '../settings/iam-settings';

/** 429 with the seconds to wait, which the controller sends as Retry-After. */
export class LoginThrottledException extends HttpException {
  constructor(
    readonly retryAfterSeconds: number,
    reason: string,
  ) {
    super(`${reason}; try again in ${retryAfterSeconds} s`, HttpStatus.TOO_MANY_REQUESTS);
  }
}

const MAX_SLOWDOWN_SECONDS = 3_600;

/**
 * Failed logins, counted in IAM's database (so every instance sees them) by rate-limiter-flexible:
 * per user, the first attempts are free, then each failure doubles the wait before the next try, then the
 * user is locked; per source address, a lock after many failures whatever the user names.
 */
@Injectable()
export class LoginThrottle implements OnModuleInit {
  private userFailures!: RateLimiterPrisma;
  private userSlowdown!: RateLimiterPrisma;
  private addressFailures!: RateLimiterPrisma;

  constructor(
    @InjectIamSettings() private readonly settings: IamSettings,
    private readonly db: IamDatabase,
  ) {}

  onModuleInit(): void {
    const limits = this.settings.loginThrottle;
    const common = { storeClient: this.db, tableName: 'loginThrottle', clearExpiredByTimeout: false };
    this.userFailures = new RateLimiterPrisma({
      ...common,
      keyPrefix: 'login-user',
      points: limits.lockAfterFailures,
      duration: limits.lockoutSeconds,
      blockDuration: limits.lockoutSeconds,
    });
    this.userSlowdown = new RateLimiterPrisma({ ...common, keyPrefix: 'login-slow', points: 1, duration: 1 });
    this.addressFailures = new RateLimiterPrisma({
      ...common,
      keyPrefix: 'login-address',
      points: limits.addressLockAfterFailures,
      duration: limits.addressWindowSeconds,
      blockDuration: limits.addressWindowSeconds,
    });
  }

  /** Throws LoginThrottledException when this user or address may not try now. */
  async check(userKey: string, address: string): Promise<void> {
    const limits = this.settings.loginThrottle;
    const [user, slow, from] = await Promise.all([
      this.userFailures.get(userKey),
      this.userSlowdown.get(userKey),
      this.addressFailures.get(address),
    ]);
    if (from !== null && from.consumedPoints >= limits.addressLockAfterFailures) {
      throw new LoginThrottledException(seconds(from), 'too many failed logins from this address');
    }
    if (user !== null && user.consumedPoints >= limits.lockAfterFailures) {
      throw new LoginThrottledException(seconds(user), 'this account is locked after too many failed logins');
    }
    if (slow !== null && slow.consumedPoints > 1) {
      throw new LoginThrottledException(seconds(slow), 'too many failed logins for this account');
    }
  }

  async failed(userKey: string, address: string): Promise<void> {
    const limits = this.settings.loginThrottle;
    const [user] = await Promise.all([
      this.userFailures.penalty(userKey, 1),
      this.addressFailures.penalty(address, 1),
    ]);
    if (user.consumedPoints >= limits.lockAfterFailures) {
      await this.userFailures.block(userKey, limits.lockoutSeconds);
    } else if (user.consumedPoints >= limits.freeAttempts) {
      const wait = Math.min(2 ** (user.consumedPoints - limits.freeAttempts), MAX_SLOWDOWN_SECONDS);
      await this.userSlowdown.block(userKey, wait);
    }
  }

  /** A successful login clears the user's count; the address's stays, so spraying many users still locks. */
  async succeeded(userKey: string): Promise<void> {
    await Promise.all([this.userFailures.delete(userKey), this.userSlowdown.delete(userKey)]);
  }
}

function seconds(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}
