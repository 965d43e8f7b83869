import { BadRequestException, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { type LoginRequest, type TokenResponse } from '@webstream/contracts';
import { AuditTrail } from '../audit/audit-trail';
import { IamMetrics } from '../common/iam-metrics';
import { type User as UserRow } from '../generated/prisma/client';
import { type IamSettings, InjectIamSettings } from '../settings/iam-settings';
import { apiRole, toAuthUser } from '../users/user-mapper';
import { UsersRepository } from '../users/users.repository';
import { AccessTokenIssuer } from './access-token';
import { AccessTokenRevocation } from './database-token-subjects';
import { LoginThrottle } from './login-throttle';
import { PasswordHasher } from './password-hasher';
import { RefreshTokens } from './refresh-tokens';

const INVALID_CREDENTIALS = 'invalid username or password';

@Injectable()
export class AuthService {
  constructor(
    @InjectIamSettings() private readonly settings: IamSettings,
    private readonly users: UsersRepository,
    private readonly passwords: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly accessTokens: AccessTokenIssuer,
    private readonly refreshTokens: RefreshTokens,
    private readonly revocation: AccessTokenRevocation,
    private readonly audit: AuditTrail,
    private readonly metrics: IamMetrics,
  ) {}

  async login(request: LoginRequest, address: string): Promise<TokenResponse> {
    const userKey = `${request.organization ?? '*'}/${request.username.toLowerCase()}`;
    try {
      await this.throttle.check(userKey, address);
    } catch (error) {
      this.metrics.logins.inc({ outcome: 'throttled' });
      throw error;
    }
    const user = await this.findUser(request);
    // A user without a password (created by single sign-on) is verified against the decoy too, for the same
    // timing, and never accepted.
    const valid =
      (await this.passwords.verify(user?.passwordHash ?? undefined, request.password)) &&
      typeof user?.passwordHash === 'string';
    if (user === null || !valid) {
      await this.throttle.failed(userKey, address);
      this.metrics.logins.inc({ outcome: 'failure' });
      this.audit.activity({
        type: 'login',
        userId: user?.id,
        username: request.username,
        orgId: user?.orgId,
        detail: `failed from ${address}`,
      });
      throw new UnauthorizedException(INVALID_CREDENTIALS);
    }
    await this.throttle.succeeded(userKey);
    // Only after the password is proven: a disabled account is not revealed to a guesser.
    if (user.disabled) {
      this.metrics.logins.inc({ outcome: 'disabled' });
      throw new ForbiddenException('this account is disabled');
    }
    // The platform admin keeps a local password whatever their organization says: the break-glass account.
    if (user.role !== 'platform_admin' && !(await this.users.passwordLoginAllowed(user.orgId))) {
      this.metrics.logins.inc({ outcome: 'failure' });
      throw new ForbiddenException(
        "this organization signs its users in through its identity provider: use 'Sign in with …'",
      );
    }
    return this.signIn(user, { method: 'password', detail: `from ${address}` });
  }

  /**
   * The end of every successful sign-in, by password or single sign-on: a new refresh-token family (`familyId`
   * when the caller must know it), an access token, and the activity event.
   */
  async signIn(
    user: UserRow,
    how: { method: 'password' | 'sso'; detail: string; familyId?: string },
  ): Promise<TokenResponse> {
    this.metrics.logins.inc({ outcome: 'success' });
    const signedIn = await this.users.recordSignIn(user.id);
    this.audit.activity({
      type: 'login',
      userId: user.id,
      username: user.username,
      orgId: user.orgId,
      detail: how.detail,
    });
    return this.tokensFor(
      signedIn,
      await this.refreshTokens.issue(user.id, this.settings.refreshTokenTtl, how.familyId),
    );
  }

  async refresh(refreshToken: string): Promise<TokenResponse> {
    const rotation = await this.refreshTokens.rotate(refreshToken, this.settings.refreshTokenTtl);
    switch (rotation.outcome) {
      case 'unknown':
      case 'expired':
        throw new UnauthorizedException('the refresh token is not valid; sign in again');
      case 'reused': {
        this.metrics.refreshTokenReuse.inc();
        // Whoever replayed it may hold an access token of the family too.
        await this.revocation.revokeAllOf(rotation.userId);
        const user = await this.users.findById(rotation.userId);
        this.audit.activity({
          type: 'logout',
          userId: rotation.userId,
          username: user?.username,
          orgId: user?.orgId,
          detail: `refresh token reused: every token of family ${rotation.familyId} revoked`,
        });
        throw new UnauthorizedException('the refresh token was already used; sign in again');
      }
      case 'rotated': {
        const user = await this.users.findById(rotation.userId);
        if (user === null || user.disabled) {
          await this.refreshTokens.revokeAllOf(rotation.userId);
          throw new UnauthorizedException('the account is disabled or gone; sign in again');
        }
        return this.tokensFor(user, rotation.token);
      }
    }
  }

  /** Ends the token's family; answers it, so that a single sign-on session can be ended at its provider too. */
  async logout(refreshToken: string): Promise<{ familyId: string } | null> {
    const revoked = await this.refreshTokens.revoke(refreshToken);
    if (revoked === null) return null;
    await this.revocation.revokeAllOf(revoked.userId);
    this.audit.activity({ type: 'logout', userId: revoked.userId });
    return { familyId: revoked.familyId };
  }

  private async findUser(request: LoginRequest): Promise<UserRow | null> {
    // Without an organization the name must be unique across all of them.
    const matches = await this.users.withUsername(request.username, request.organization, 2);
    if (request.organization === undefined && matches.length > 1) {
      // The break-glass account signs in without an organization even when an identity provider created a
      // user of the same name elsewhere.
      const platformAdmin = await this.users.platformAdminNamed(request.username);
      if (platformAdmin !== null) return platformAdmin;
      throw new BadRequestException(
        'organization: this user name exists in several organizations; give the organization',
      );
    }
    return matches[0] ?? null;
  }

  private async tokensFor(user: UserRow, refreshToken: string): Promise<TokenResponse> {
    const accessToken = await this.accessTokens.issue({
      sub: user.id,
      username: user.username,
      org: user.orgId,
      role: apiRole(user.role),
      gen: user.tokenGeneration,
    });
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: this.accessTokens.ttl,
      refreshToken,
      user: toAuthUser(user),
    };
  }
}
