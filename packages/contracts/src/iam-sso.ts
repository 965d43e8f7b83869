import { z } from 'zod';
import { defineEndpoint } from './endpoint';
import { iamIdParamSchema, iamIdSchema, iamNameSchema } from './iam-common';
import { identityProviderKindSchema } from './iam-identity-providers';
import { tokenResponseSchema } from './iam-auth';
import { organizationSlugSchema } from './iam-organizations';

/**
 * Single sign-on. The browser is sent to the provider by `start` and comes back to the callback (OIDC) or the
 * assertion consumer service (SAML); IAM verifies the answer and redirects the browser to the web client's
 * `/sign-in` page with a one-time code in the URL fragment (`#code=…`, or `#error=…&error_description=…`), which
 * the client trades at `exchange` for the tokens a password login answers. No token travels in a URL, and the
 * code is only good with the HttpOnly cookie `start` set in the same browser.
 */
export const SSO_COOKIE = 'webstream_sso';
/**
 * The same cookie where WebStream is reached over https: the __Host- prefix makes the browser refuse one set by
 * another host of the domain or over plain http, so nobody can plant a known value in a victim's browser.
 */
export const SSO_SECURE_COOKIE = '__Host-webstream_sso';
/** The web client's page that finishes a sign-in. */
export const SSO_LANDING_PATH = '/sign-in';
/** How long a started sign-in may take at the provider, and how long its one-time code lives after. */
export const SSO_ATTEMPT_TTL_SECONDS = 600;
export const SSO_CODE_TTL_SECONDS = 60;

/** A path of the web client to return to: absolute, on this origin (no `//host`, no scheme). */
export const returnToSchema = z
  .string()
  .max(1024)
  .regex(/^\/(?![/\\])[^\s]*$/, 'must be a path on this site, starting with a single /');

export const ssoProvidersQuerySchema = z.strictObject({ organization: organizationSlugSchema });
export type SsoProvidersQuery = z.infer<typeof ssoProvidersQuerySchema>;

export const ssoProviderChoiceSchema = z.object({
  id: iamIdSchema,
  name: iamNameSchema,
  kind: identityProviderKindSchema,
});
export type SsoProviderChoice = z.infer<typeof ssoProviderChoiceSchema>;

export const ssoProvidersResponseSchema = z.object({
  organization: organizationSlugSchema,
  /** False when the organization turned local passwords off (its users sign in through a provider). */
  passwordLogin: z.boolean(),
  providers: z.array(ssoProviderChoiceSchema),
});
export type SsoProvidersResponse = z.infer<typeof ssoProvidersResponseSchema>;

export const ssoStartQuerySchema = z.strictObject({ returnTo: returnToSchema.optional() });

/** What an OIDC provider sends back (RFC 6749 §4.1.2, RFC 9207 `iss`); checked by the OIDC client, not here. */
export const oidcCallbackQuerySchema = z.looseObject({
  code: z.string().max(4096).optional(),
  state: z.string().max(512).optional(),
  iss: z.string().max(2048).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(2048).optional(),
});

/** SAML's HTTP-POST binding: a form, not JSON. */
export const samlPostSchema = z.looseObject({
  SAMLResponse: z
    .string()
    .min(1)
    .max(512 * 1024),
  RelayState: z.string().max(1024).optional(),
});

/** SAML's HTTP-Redirect binding, for single logout. */
export const samlRedirectQuerySchema = z.looseObject({
  SAMLRequest: z
    .string()
    .max(64 * 1024)
    .optional(),
  SAMLResponse: z
    .string()
    .max(64 * 1024)
    .optional(),
  RelayState: z.string().max(1024).optional(),
  SigAlg: z.string().max(256).optional(),
  Signature: z.string().max(4096).optional(),
});

export const ssoExchangeRequestSchema = z.strictObject({ code: z.string().min(16).max(256) });
export type SsoExchangeRequest = z.infer<typeof ssoExchangeRequestSchema>;

const redirect = 'Redirects the browser (Location)';

export const ssoProvidersRoute = defineEndpoint({
  operationId: 'listSignInProviders',
  method: 'GET',
  path: '/iam/auth/sso/providers',
  summary: "An organization's sign-in choices",
  tag: 'auth',
  security: [],
  query: ssoProvidersQuerySchema,
  status: 200,
  response: ssoProvidersResponseSchema,
  errors: { 404: 'No such organization' },
});

export const ssoStartRoute = defineEndpoint({
  operationId: 'startSingleSignOn',
  method: 'GET',
  path: '/iam/auth/sso/:id/start',
  summary: 'Send the browser to the identity provider',
  description: `${redirect} to the provider, and sets the ${SSO_COOKIE} cookie (${SSO_SECURE_COOKIE} over https) that binds the sign-in to this browser; to ${SSO_LANDING_PATH} with the error when the provider cannot be reached.`,
  tag: 'auth',
  security: [],
  params: iamIdParamSchema,
  query: ssoStartQuerySchema,
  status: 302,
  errors: { 404: 'No such enabled provider' },
});

export const ssoOidcCallbackRoute = defineEndpoint({
  operationId: 'finishOidcSignIn',
  method: 'GET',
  path: '/iam/auth/sso/:id/callback',
  summary: "The OIDC provider's redirect back (the redirect URI)",
  description: `${redirect} to ${SSO_LANDING_PATH} with a one-time code or an error in the fragment.`,
  tag: 'auth',
  security: [],
  params: iamIdParamSchema,
  query: oidcCallbackQuerySchema,
  status: 303,
});

export const ssoSamlAcsRoute = defineEndpoint({
  operationId: 'finishSamlSignIn',
  method: 'POST',
  path: '/iam/auth/sso/:id/saml/acs',
  summary: 'The SAML assertion consumer service (HTTP-POST binding)',
  description: `${redirect} to ${SSO_LANDING_PATH} with a one-time code or an error in the fragment.`,
  tag: 'auth',
  security: [],
  params: iamIdParamSchema,
  bodyType: 'form',
  body: samlPostSchema,
  status: 303,
});

export const ssoSamlMetadataRoute = defineEndpoint({
  operationId: 'getSamlServiceProviderMetadata',
  method: 'GET',
  path: '/iam/auth/sso/:id/saml/metadata',
  summary: "WebStream's SAML service provider metadata for this provider",
  tag: 'auth',
  security: [],
  params: iamIdParamSchema,
  status: 200,
  content: { 'application/samlmetadata+xml': z.string() },
  errors: { 404: 'No such SAML provider' },
});

export const ssoSamlLogoutRoute = defineEndpoint({
  operationId: 'samlSingleLogout',
  method: 'GET',
  path: '/iam/auth/sso/:id/saml/slo',
  summary: 'SAML single logout (HTTP-Redirect binding): a LogoutRequest or LogoutResponse from the IdP',
  description: `${redirect}: back to the IdP with a LogoutResponse, or to ${SSO_LANDING_PATH}.`,
  tag: 'auth',
  security: [],
  params: iamIdParamSchema,
  query: samlRedirectQuerySchema,
  status: 303,
});

export const ssoExchangeRoute = defineEndpoint({
  operationId: 'exchangeSingleSignOnCode',
  method: 'POST',
  path: '/iam/auth/sso/exchange',
  summary: "Trade a sign-in's one-time code for tokens",
  description: `Only with the ${SSO_COOKIE} (or ${SSO_SECURE_COOKIE}) cookie of the browser that started the sign-in.`,
  tag: 'auth',
  security: [],
  body: ssoExchangeRequestSchema,
  status: 200,
  response: tokenResponseSchema,
  errors: { 401: 'The code is unknown, used, expired or was issued to another browser' },
});

/** The routes whose body is an HTML form: every service's body parser takes url-encoded bodies only on these. */
export const FORM_BODY_ROUTES = [ssoSamlAcsRoute] as const;
