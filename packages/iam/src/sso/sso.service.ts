import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import {
  SSO_ATTEMPT_TTL_SECONDS,
  SSO_CODE_TTL_SECONDS,
  SSO_LANDING_PATH,
  type SsoProvidersResponse,
  type TokenResponse,
} from '@webstream/contracts';
import { PinoLogger } from 'nestjs-pino';
import { AuditTrail } from '../audit/audit-trail';
import { AuthService } from '../auth/auth.service';
import { AccessTokenRevocation } from '../auth/database-token-subjects';
import { RefreshTokens, sha256 } from '../auth/refresh-tokens';
import { IamMetrics } from '../common/iam-metrics';
import {
  type IdentityProviderWithMappings,
  IdentityProvidersRepository,
} from '../identity-providers/identity-providers.repository';
import { IdentityProvidersService } from '../identity-providers/identity-providers.service';
import { UsersRepository } from '../users/users.repository';
import { OidcRelyingParty } from './oidc-relying-party';
import { SamlServiceProvider } from './saml-service-provider';
import { oidcProfile, samlProfile } from './external-profile';
import { SsoAccounts, type ExternalProfile } from './sso-accounts';
import { SsoAttemptsRepository } from './sso-attempts.repository';
import { SsoRefusal } from './sso-refusal';

/** How often a sign-in's start also forgets the attempts that can no longer be answered or logged out. */
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

/** Errors an OIDC provider may send back that the sign-in page names in words; any other is `sso_failed`. */
const PROVIDER_ERRORS = new Set([
  'access_denied',
  'login_required',
  'interaction_required',
  'temporarily_unavailable',
]);

/**
 * Single sign-on: a sign-in started here for one browser, answered by the provider once, verified, turned into
 * a WebStream user (linked, or created just in time, with their mapped groups following the provider's), and
 * handed to the web client as a one-time code that only the same browser can trade for tokens.
 */
@Injectable()
export class SsoService {
  private lastSweep = 0;

  constructor(
    private readonly providers: IdentityProvidersRepository,
    private readonly identityProviders: IdentityProvidersService,
    private readonly attempts: SsoAttemptsRepository,
    private readonly oidc: OidcRelyingParty,
    private readonly saml: SamlServiceProvider,
    private readonly accounts: SsoAccounts,
    private readonly users: UsersRepository,
    private readonly auth: AuthService,
    private readonly refreshTokens: RefreshTokens,
    private readonly revocation: AccessTokenRevocation,
    private readonly audit: AuditTrail,
    private readonly metrics: IamMetrics,
    private readonly logger: PinoLogger,
  ) {}

  async signInChoices(organization: string): Promise<SsoProvidersResponse> {
    const choices = await this.providers.signInChoices(organization);
    if (choices === null) throw new NotFoundException(`organization ${organization} does not exist`);
    return {
      organization: choices.slug,
      passwordLogin: choices.passwordLogin,
      providers: choices.identityProviders,
    };
  }

  /** Where to send the browser: the provider's sign-in page, or the landing page with the reason it cannot. */
  async start(providerId: string, returnTo: string, browserSecret: string): Promise<string> {
    const provider = await this.enabledProvider(providerId);
    await this.sweep();
    const endpoints = this.identityProviders.endpoints(provider.id);
    const attempt = {
      providerId,
      browserHash: sha256(browserSecret),
      returnTo,
      expiresAt: new Date(Date.now() + SSO_ATTEMPT_TTL_SECONDS * 1000),
    };
    try {
      if (provider.kind === 'oidc') {
        const { url, checks } = await this.oidc.authorizationUrl(provider, endpoints.redirectUri);
        await this.attempts.create({ ...attempt, ...checks });
        return url.toString();
      }
      // A SAML ID must start with a letter or underscore; it is the attempt's state, echoed as InResponseTo.
      const requestId = `_${randomBytes(20).toString('hex')}`;
      const url = await this.saml.authorizationUrl(provider, endpoints, requestId);
      await this.attempts.create({ ...attempt, state: requestId });
      return url;
    } catch (error) {
      return this.refused(provider, error);
    }
  }

  /** The landing page's answer to a sign-in another site tried to start. */
  refusedStart(providerId: string, fetchSite: string): string {
    return this.refused(
      undefined,
      new SsoRefusal(
        'sso_rejected',
        'a sign-in must be started from the WebStream sign-in page',
        `provider ${providerId}, Sec-Fetch-Site ${fetchSite}`,
      ),
    );
  }

  /** The OIDC provider's redirect back, with the query it brought; answers where to send the browser. */
  async finishOidc(
    providerId: string,
    query: Record<string, string | undefined>,
    browserSecret: string | undefined,
  ): Promise<string> {
    let provider: IdentityProviderWithMappings | undefined;
    try {
      provider = await this.enabledProvider(providerId);
      if (query.state === undefined) throw new SsoRefusal('sso_rejected', 'the answer carries no state');
      const attempt = await this.attempts.find(provider.id, query.state);
      if (attempt === null) throw new SsoRefusal('sso_rejected', 'this sign-in was not started here');
      // The cookie is sent on this top-level navigation: the answer must come back to the browser that asked.
      if (browserSecret === undefined || sha256(browserSecret) !== attempt.browserHash) {
        throw new SsoRefusal('sso_rejected', 'this sign-in was started in another browser');
      }
      await this.claim(attempt);
      // Only now, for a sign-in this browser started, is the provider's refusal shown (its own words only for
      // the codes the sign-in page knows: anything else could be anyone's text).
      if (query.error !== undefined) {
        const known = PROVIDER_ERRORS.has(query.error);
        throw new SsoRefusal(
          known ? (query.error as SsoRefusal['code']) : 'sso_failed',
          known && query.error_description !== undefined
            ? query.error_description
            : 'the identity provider refused the sign-in',
          `${query.error}: ${query.error_description ?? ''}`.slice(0, 512),
        );
      }
      const endpoints = this.identityProviders.endpoints(provider.id);
      // The registered redirect URI with the answer's query: never the Host the request claims.
      const callbackUrl = new URL(endpoints.redirectUri);
      for (const [name, value] of Object.entries(query))
        if (value !== undefined) callbackUrl.searchParams.set(name, value);
      const { claims, idToken } = await this.oidc.finish(provider, callbackUrl, {
        state: attempt.state,
        nonce: attempt.nonce ?? '',
        codeVerifier: attempt.codeVerifier ?? '',
      });
      return await this.answered(provider, attempt, oidcProfile(provider, claims), { idToken });
    } catch (error) {
      return this.refused(provider, error);
    }
  }

  /**
   * The SAML IdP's POST to the assertion consumer service. The browser's cookie is not sent on this
   * cross-site POST (SameSite=Lax), so the binding to the browser is checked when the code is traded.
   */
  async finishSaml(providerId: string, form: { SAMLResponse: string }): Promise<string> {
    let provider: IdentityProviderWithMappings | undefined;
    try {
      provider = await this.enabledProvider(providerId);
      const endpoints = this.identityProviders.endpoints(provider.id);
      const { inResponseTo, profile } = await this.saml.verify(provider, endpoints, form);
      const attempt = await this.attempts.find(provider.id, inResponseTo);
      if (attempt === null) throw new SsoRefusal('sso_rejected', 'this sign-in was not started here');
      await this.claim(attempt);
      return await this.answered(provider, attempt, samlProfile(provider, profile), {
        samlNameId: profile.nameID,
        samlNameIdFormat: profile.nameIDFormat,
        ...(profile.sessionIndex === undefined ? {} : { samlSessionIndex: profile.sessionIndex }),
      });
    } catch (error) {
      return this.refused(provider, error);
    }
  }

  /** Trades a one-time code, presented with the cookie of the browser that started the sign-in, for tokens. */
  async exchange(code: string, browserSecret: string | undefined): Promise<TokenResponse> {
    const invalid = new UnauthorizedException(
      'the sign-in code is unknown, used, expired or belongs to another browser; sign in again',
    );
    if (browserSecret === undefined) throw invalid;
    const attempt = await this.attempts.spendCode(sha256(code), sha256(browserSecret));
    if (attempt?.userId == null) throw invalid;
    const user = await this.users.findById(attempt.userId);
    if (user === null || user.disabled) throw invalid;
    // A provider switched off since its answer signs nobody in any more.
    const provider = await this.providers.enabled(attempt.providerId);
    if (provider === null) throw invalid;
    const familyId = randomUUID();
    const tokens = await this.auth.signIn(user, {
      method: 'sso',
      detail: `signed in with ${provider.name}`,
      familyId,
    });
    await this.attempts.linkFamily(attempt.id, familyId);
    return tokens;
  }

  /** Where to send the browser to end the provider's session of a sign-in, when it was single sign-on. */
  async providerLogoutUrl(familyId: string): Promise<string | undefined> {
    const signIn = await this.attempts.signInOfFamily(familyId);
    if (signIn === null || !signIn.provider.enabled) return undefined;
    const endpoints = this.identityProviders.endpoints(signIn.provider.id);
    try {
      if (signIn.provider.kind === 'oidc') {
        return await this.oidc.endSessionUrl(
          signIn.provider,
          signIn.idToken,
          endpoints.postLogoutRedirectUri,
        );
      }
      if (signIn.samlNameId === null) return undefined;
      return await this.saml.logoutUrl(signIn.provider, endpoints, {
        nameID: signIn.samlNameId,
        nameIDFormat: signIn.samlNameIdFormat,
        sessionIndex: signIn.samlSessionIndex,
      });
    } catch (error) {
      // WebStream's own tokens are revoked already; the provider's session outliving them is logged, not fatal.
      this.logger.warn(
        { providerId: signIn.provider.id, err: error },
        'logout at the identity provider not possible',
      );
      return undefined;
    }
  }

  /**
   * A SAML IdP's single logout message: a LogoutRequest ends the sign-ins it names and is answered; a
   * LogoutResponse finishes a logout WebStream started. Answers where to send the browser.
   */
  async samlLogout(
    providerId: string,
    query: Record<string, string>,
    originalQuery: string,
  ): Promise<string> {
    let provider: IdentityProviderWithMappings | undefined;
    try {
      provider = await this.enabledProvider(providerId);
      const endpoints = this.identityProviders.endpoints(provider.id);
      const message = await this.saml.logoutMessage(provider, endpoints, query, originalQuery);
      if ('response' in message) return this.landing({});
      const signIns = await this.attempts.signInsOfSamlSession(
        provider.id,
        message.request.nameID,
        message.request.sessionIndex,
      );
      for (const signIn of signIns) {
        await this.refreshTokens.revokeFamily(signIn.familyId!);
        if (signIn.userId !== null) {
          await this.revocation.revokeAllOf(signIn.userId);
          this.audit.activity({
            type: 'logout',
            userId: signIn.userId,
            detail: `single logout by ${provider.name}`,
          });
        }
      }
      return await this.saml.logoutResponseUrl(provider, endpoints, message.request);
    } catch (error) {
      return this.refused(provider, error);
    }
  }

  /** WebStream's SAML metadata for a SAML provider (enabled or not, so that it can be registered first). */
  async samlMetadata(providerId: string): Promise<string> {
    const provider = await this.providers.findFirst({ id: providerId, kind: 'saml' });
    if (provider === null) throw new NotFoundException(`SAML provider ${providerId} does not exist`);
    return this.saml.metadata(provider, this.identityProviders.endpoints(provider.id));
  }

  private async sweep(): Promise<void> {
    if (Date.now() - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = Date.now();
    const forgotten = await this.attempts.deleteExpired();
    if (forgotten > 0) this.logger.info({ forgotten }, 'forgot finished single sign-on attempts');
  }

  private async enabledProvider(providerId: string): Promise<IdentityProviderWithMappings> {
    const provider = await this.providers.enabled(providerId);
    if (provider === null)
      throw new NotFoundException(`identity provider ${providerId} does not exist or is disabled`);
    return provider;
  }

  /** One answer per attempt: a second (a replay) or a late one is refused. */
  private async claim(attempt: { id: string; expiresAt: Date }): Promise<void> {
    if (await this.attempts.claimAnswer(attempt.id)) return;
    if (attempt.expiresAt.getTime() <= Date.now()) {
      throw new SsoRefusal('expired', 'the sign-in took too long; start again');
    }
    throw new SsoRefusal('sso_rejected', 'this answer was already used');
  }

  private async answered(
    provider: IdentityProviderWithMappings,
    attempt: { id: string; returnTo: string },
    profile: ExternalProfile,
    session: { idToken?: string; samlNameId?: string; samlNameIdFormat?: string; samlSessionIndex?: string },
  ): Promise<string> {
    const user = await this.accounts.signedIn(provider, profile);
    const code = randomBytes(32).toString('base64url');
    await this.attempts.recordAnswer(attempt.id, {
      userId: user.id,
      codeHash: sha256(code),
      codeExpiresAt: new Date(Date.now() + SSO_CODE_TTL_SECONDS * 1000),
      ...session,
    });
    this.metrics.ssoSignIns.inc({ kind: provider.kind, outcome: 'success' });
    return this.landing({ code, returnTo: attempt.returnTo });
  }

  /** The landing page with the refusal in words; what failed exactly goes to the log and the activity trail. */
  private refused(provider: IdentityProviderWithMappings | undefined, error: unknown): string {
    // The browser is in the middle of a sign-in: a provider switched off meanwhile is said on the sign-in page.
    const refusal =
      error instanceof SsoRefusal
        ? error
        : error instanceof NotFoundException
          ? new SsoRefusal('sso_failed', 'this identity provider is switched off or gone', error.message)
          : new SsoRefusal('sso_failed', 'the sign-in could not be completed');
    const log = { providerId: provider?.id, code: refusal.code, detail: refusal.detail };
    if (error instanceof SsoRefusal || error instanceof NotFoundException) {
      this.logger.warn(log, `single sign-on refused: ${refusal.description}`);
    } else this.logger.error({ ...log, err: error }, 'single sign-on failed');
    if (provider !== undefined) {
      this.metrics.ssoSignIns.inc({ kind: provider.kind, outcome: refusal.code });
      this.audit.activity({
        type: 'login',
        orgId: provider.orgId,
        detail: `failed with ${provider.name}: ${refusal.code}: ${refusal.description}${refusal.detail === undefined ? '' : ` (${refusal.detail})`}`,
      });
    }
    return this.landing({ error: refusal.code, error_description: refusal.description });
  }

  private landing(fragment: Record<string, string>): string {
    const hash = new URLSearchParams(fragment).toString();
    return `${this.identityProviders.publicUrl()}${SSO_LANDING_PATH}${hash === '' ? '' : `#${hash}`}`;
  }
}
