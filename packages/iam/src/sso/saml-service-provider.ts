import { inflateRawSync } from 'node:zlib';
import { Injectable } from '@nestjs/common';
import {
  type CacheProvider,
  type Profile,
  SAML,
  type SamlConfig,
  ValidateInResponseTo,
} from '@node-saml/node-saml';
import { type ServiceProviderEndpoints } from '@webstream/contracts';
import { DOMParser } from '@xmldom/xmldom';
import * as xpath from 'xpath';
import { type IdentityProviderWithMappings } from '../identity-providers/identity-providers.repository';
import { ProviderSecrets } from '../identity-providers/provider-secrets';
import { describe } from './oidc-relying-party';
import { SsoAttemptsRepository } from './sso-attempts.repository';
import { SsoRefusal } from './sso-refusal';

const CLOCK_SKEW_MS = 60_000;
/** A logout message inflates to a few kilobytes; more is refused before any XML is parsed. */
const MAX_INFLATED_LOGOUT_BYTES = 64 * 1024;
const TRANSIENT_NAME_ID = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';

/** The InResponseTo of the signed assertion's subject confirmation: the request the IdP signed an answer to. */
function confirmedRequest(assertionXml: string | undefined): string | undefined {
  if (assertionXml === undefined) return undefined;
  const document = new DOMParser().parseFromString(assertionXml, 'text/xml');
  const found = xpath.select("//*[local-name()='SubjectConfirmationData']/@InResponseTo", document);
  const attribute = Array.isArray(found) ? found[0] : undefined;
  return attribute !== undefined && xpath.isAttribute(attribute) ? attribute.value : undefined;
}

/** A verified assertion's subject and attributes. */
export interface SamlAssertion {
  inResponseTo: string;
  profile: Profile;
}

/**
 * node-saml's request-id cache over IAM's attempts table, for one answer: an id is known only while it is an
 * open attempt of this provider, and the id it was asked about is kept so that the caller can claim that
 * attempt (node-saml's own get-then-remove would let two racing replays both through).
 */
class AttemptLookup implements CacheProvider {
  asked: string | undefined;

  constructor(
    private readonly attempts: SsoAttemptsRepository,
    private readonly providerId: string,
  ) {}

  saveAsync(): Promise<null> {
    return Promise.resolve(null);
  }

  async getAsync(key: string): Promise<string | null> {
    this.asked = key;
    const attempt = await this.attempts.find(this.providerId, key);
    if (attempt === null || attempt.answeredAt !== null || attempt.expiresAt.getTime() <= Date.now())
      return null;
    return attempt.createdAt.toISOString();
  }

  removeAsync(): Promise<null> {
    return Promise.resolve(null);
  }
}

/**
 * IAM as a SAML 2.0 service provider, through node-saml: AuthnRequests over HTTP-Redirect, answers over
 * HTTP-POST with the assertion signed by a certificate from the IdP's metadata; the audience and validity
 * window checked by the library, the signed assertion's InResponseTo and the issuer here (node-saml checks
 * neither on the assertion itself).
 */
@Injectable()
export class SamlServiceProvider {
  constructor(
    private readonly secrets: ProviderSecrets,
    private readonly attempts: SsoAttemptsRepository,
  ) {}

  /** The IdP's sign-in URL for a new request whose ID is `requestId` (the attempt's state). */
  async authorizationUrl(
    provider: IdentityProviderWithMappings,
    endpoints: ServiceProviderEndpoints,
    requestId: string,
  ): Promise<string> {
    return this.saml(provider, endpoints, { generateUniqueId: () => requestId }).getAuthorizeUrlAsync(
      '',
      undefined,
      {},
    );
  }

  async verify(
    provider: IdentityProviderWithMappings,
    endpoints: ServiceProviderEndpoints,
    form: { SAMLResponse: string },
  ): Promise<SamlAssertion> {
    const lookup = new AttemptLookup(this.attempts, provider.id);
    let profile: Profile | null;
    try {
      ({ profile } = await this.saml(provider, endpoints, {
        validateInResponseTo: ValidateInResponseTo.always,
        cacheProvider: lookup,
      }).validatePostResponseAsync({ SAMLResponse: form.SAMLResponse }));
    } catch (error) {
      throw new SsoRefusal('sso_rejected', 'the identity provider’s answer did not verify', describe(error));
    }
    if (profile === null || lookup.asked === undefined) {
      throw new SsoRefusal('sso_rejected', 'the identity provider’s answer holds no assertion for WebStream');
    }
    // The Response around the assertion is not signed, so its InResponseTo proves nothing: only the signed
    // assertion's own may bind it to the request, or an unsolicited assertion could be wrapped in a new answer.
    const confirmed = confirmedRequest(profile.getAssertionXml?.());
    if (confirmed !== lookup.asked) {
      throw new SsoRefusal(
        'sso_rejected',
        'the identity provider’s answer did not verify',
        `the signed assertion answers ${confirmed ?? 'no request'}, not ${lookup.asked}`,
      );
    }
    // A transient NameID names another subject at every sign-in: no account could be linked to it.
    if (profile.nameIDFormat === TRANSIENT_NAME_ID) {
      throw new SsoRefusal(
        'sso_failed',
        'the identity provider sends a transient NameID; configure a persistent one for WebStream',
      );
    }
    if (profile.issuer !== provider.samlIdpEntityId) {
      throw new SsoRefusal(
        'sso_rejected',
        'the identity provider’s answer did not verify',
        `issuer ${profile.issuer} is not ${provider.samlIdpEntityId}`,
      );
    }
    return { inResponseTo: lookup.asked, profile };
  }

  /** WebStream's service provider metadata for this provider. */
  metadata(provider: IdentityProviderWithMappings, endpoints: ServiceProviderEndpoints): string {
    return this.saml(provider, endpoints, {}).generateServiceProviderMetadata(
      null,
      provider.samlSpCertificate,
    );
  }

  /** The IdP's single logout URL for a session, when the IdP offers single logout. */
  async logoutUrl(
    provider: IdentityProviderWithMappings,
    endpoints: ServiceProviderEndpoints,
    session: { nameID: string; nameIDFormat: string | null; sessionIndex: string | null },
  ): Promise<string | undefined> {
    if (provider.samlSloUrl === null) return undefined;
    const profile: Profile = {
      issuer: provider.samlIdpEntityId ?? '',
      nameID: session.nameID,
      nameIDFormat: session.nameIDFormat ?? 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
      ...(session.sessionIndex === null ? {} : { sessionIndex: session.sessionIndex }),
    };
    return this.saml(provider, endpoints, {}).getLogoutUrlAsync(profile, '', {});
  }

  /**
   * A logout message from the IdP (HTTP-Redirect), its signature checked: a LogoutRequest names the session to
   * end and is answered with the URL of a LogoutResponse; a LogoutResponse ends WebStream's own logout.
   */
  async logoutMessage(
    provider: IdentityProviderWithMappings,
    endpoints: ServiceProviderEndpoints,
    query: Record<string, string>,
    originalQuery: string,
  ): Promise<{ request: Profile } | { response: true }> {
    // node-saml takes a message without a signature as valid; the redirect binding's must be signed.
    if (query.Signature === undefined || query.SigAlg === undefined) {
      throw new SsoRefusal('sso_rejected', 'the identity provider’s logout message is not signed');
    }
    const message = query.SAMLRequest ?? query.SAMLResponse;
    try {
      if (message === undefined) throw new Error('no SAMLRequest or SAMLResponse');
      inflateRawSync(Buffer.from(message, 'base64'), { maxOutputLength: MAX_INFLATED_LOGOUT_BYTES });
    } catch (error) {
      throw new SsoRefusal(
        'sso_rejected',
        'the identity provider’s logout message cannot be read',
        describe(error),
      );
    }
    const saml = this.saml(provider, endpoints, {});
    let result: Awaited<ReturnType<SAML['validateRedirectAsync']>>;
    try {
      result = await saml.validateRedirectAsync(query, originalQuery);
    } catch (error) {
      throw new SsoRefusal(
        'sso_rejected',
        'the identity provider’s logout message did not verify',
        describe(error),
      );
    }
    if (query.SAMLRequest !== undefined && result.profile !== null) return { request: result.profile };
    return { response: true };
  }

  async logoutResponseUrl(
    provider: IdentityProviderWithMappings,
    endpoints: ServiceProviderEndpoints,
    request: Profile,
  ): Promise<string> {
    return this.saml(provider, endpoints, {}).getLogoutResponseUrlAsync(request, '', {}, true);
  }

  private saml(
    provider: IdentityProviderWithMappings,
    endpoints: ServiceProviderEndpoints,
    options: Partial<SamlConfig>,
  ): SAML {
    return new SAML({
      entryPoint: provider.samlSsoUrl ?? undefined,
      issuer: endpoints.spEntityId,
      audience: endpoints.spEntityId,
      callbackUrl: endpoints.acsUrl,
      logoutCallbackUrl: endpoints.sloUrl,
      ...(provider.samlSloUrl === null ? {} : { logoutUrl: provider.samlSloUrl }),
      idpCert: provider.samlIdpCertificates,
      idpIssuer: provider.samlIdpEntityId ?? undefined,
      // Many IdPs sign the assertion and not the response around it; the assertion is what is trusted.
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: false,
      privateKey: this.secrets.open(provider.id, 'samlSpPrivateKey', provider.samlSpPrivateKey ?? ''),
      publicCert: provider.samlSpCertificate ?? undefined,
      signatureAlgorithm: 'sha256',
      digestAlgorithm: 'sha256',
      identifierFormat: null,
      disableRequestedAuthnContext: true,
      acceptedClockSkewMs: CLOCK_SKEW_MS,
      validateInResponseTo: ValidateInResponseTo.never,
      ...options,
    });
  }
}
