import { Injectable } from '@nestjs/common';
import * as client from 'openid-client';
import { type IdentityProviderWithMappings } from '../identity-providers/identity-providers.repository';
import { ProviderEgress } from '../identity-providers/provider-egress';
import { ProviderSecrets } from '../identity-providers/provider-secrets';
import { type IamSettings, InjectIamSettings } from '../settings/iam-settings';
import { SsoRefusal } from './sso-refusal';

const DISCOVERY_TIMEOUT_SECONDS = 10;
/** Discovery is read again after this, so that a provider's new endpoints are seen without a restart. */
const DISCOVERY_TTL_MS = 60 * 60 * 1000;

/** What a sign-in keeps between the redirect to the provider and its answer. */
export interface OidcChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

interface Discovered {
  config: client.Configuration;
  /** The provider row's version the configuration was made from. */
  updatedAt: number;
  at: number;
}

/**
 * IAM as an OpenID Connect relying party, through openid-client: the authorization code flow with PKCE (S256),
 * state and nonce; the ID token's signature checked against the provider's JWKS even though it came straight
 * from the token endpoint (non-repudiation checks), its issuer, audience, expiry and nonce by the library.
 */
@Injectable()
export class OidcRelyingParty {
  private readonly discovered = new Map<string, Discovered>();

  constructor(
    private readonly secrets: ProviderSecrets,
    private readonly egress: ProviderEgress,
    @InjectIamSettings() private readonly settings: IamSettings,
  ) {}

  async authorizationUrl(
    provider: IdentityProviderWithMappings,
    redirectUri: string,
  ): Promise<{ url: URL; checks: OidcChecks }> {
    const config = await this.configuration(provider);
    const checks = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier: client.randomPKCECodeVerifier(),
    };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: provider.oidcScopes.join(' '),
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url, checks };
  }

  /**
   * The provider's answer, verified: `callbackUrl` is the registered redirect URI with the query the browser
   * brought (never built from the request's Host). The ID token's claims, merged over the UserInfo claims when
   * the provider offers UserInfo, and the ID token itself for logout.
   */
  async finish(
    provider: IdentityProviderWithMappings,
    callbackUrl: URL,
    checks: OidcChecks,
  ): Promise<{ claims: Record<string, unknown>; idToken: string | undefined }> {
    const config = await this.configuration(provider);
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw new SsoRefusal('sso_rejected', 'the identity provider’s answer did not verify', describe(error));
    }
    const idClaims = tokens.claims();
    if (idClaims === undefined) throw new SsoRefusal('sso_rejected', 'the provider sent no ID token');
    let userInfo: Record<string, unknown> = {};
    if (config.serverMetadata().userinfo_endpoint !== undefined) {
      try {
        userInfo = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      } catch (error) {
        throw new SsoRefusal(
          'sso_failed',
          'the provider’s user information could not be read',
          describe(error),
        );
      }
    }
    return { claims: { ...userInfo, ...idClaims }, idToken: tokens.id_token };
  }

  /** The provider's RP-initiated logout URL, when it offers one. */
  async endSessionUrl(
    provider: IdentityProviderWithMappings,
    idToken: string | null,
    postLogoutRedirectUri: string,
  ): Promise<string | undefined> {
    const config = await this.configuration(provider);
    if (config.serverMetadata().end_session_endpoint === undefined) return undefined;
    return client
      .buildEndSessionUrl(config, {
        post_logout_redirect_uri: postLogoutRedirectUri,
        client_id: config.clientMetadata().client_id,
        ...(idToken === null ? {} : { id_token_hint: idToken }),
      })
      .toString();
  }

  private async configuration(provider: IdentityProviderWithMappings): Promise<client.Configuration> {
    const known = this.discovered.get(provider.id);
    const version = provider.updatedAt.getTime();
    if (known !== undefined && known.updatedAt === version && Date.now() - known.at < DISCOVERY_TTL_MS) {
      return known.config;
    }
    const secret =
      provider.oidcClientSecret === null
        ? undefined
        : this.secrets.open(provider.id, 'oidcClientSecret', provider.oidcClientSecret);
    let config: client.Configuration;
    try {
      config = await client.discovery(
        new URL(provider.oidcIssuer!),
        provider.oidcClientId!,
        secret,
        secret === undefined ? client.None() : client.ClientSecretBasic(secret),
        {
          timeout: DISCOVERY_TIMEOUT_SECONDS,
          execute: this.settings.sso.allowHttpProviders ? [client.allowInsecureRequests] : [],
          // Kept by the configuration for every later call: JWKS, token, userinfo.
          [client.customFetch]: this.egress.fetch,
        },
      );
    } catch (error) {
      throw new SsoRefusal('sso_failed', 'the identity provider cannot be reached', describe(error));
    }
    // Without it an ID token from the token endpoint is taken on TLS's word, its signature unchecked.
    client.enableNonRepudiationChecks(config);
    this.discovered.set(provider.id, { config, updatedAt: version, at: Date.now() });
    return config;
  }
}

/** An error and what caused it ("fetch failed" alone would hide a refused address or a TLS failure). */
export function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const own = typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  return error.cause instanceof Error ? `${own} (${describe(error.cause)})` : own;
}
