import { z } from 'zod';
import {
  enumOf,
  flag,
  hostOrIp,
  ipRanges,
  httpBaseUrl,
  port,
  postgresUrl,
  related,
  seconds,
  secret,
  text,
  wholeNumber,
} from './primitives';

export type AccessManagementMode = 'builtin' | 'standalone' | 'external';

export const ACCESS_MANAGEMENT_MODES = [
  'builtin',
  'standalone',
  'external',
] as const satisfies readonly AccessManagementMode[];

export const TOKEN_SIGNING_KEY_MIN_LENGTH = 32;

const bootstrapAdminSchema = z.strictObject({
  // The platform admin created on an empty database; also WEBSTREAM_ADMIN_USERNAME / WEBSTREAM_ADMIN_PASSWORD.
  username: text('a user name').default('admin'),
  // Unset: a strong password is generated, printed once and written to credentialsFile (mode 0600).
  password: secret('a password', 12).optional(),
  credentialsFile: text('a file path').default('./.data/initial-credentials.txt'),
});

const loginThrottleSchema = z.strictObject({
  // Failed logins of one user that are answered at once; each further one doubles the wait before the next.
  freeAttempts: wholeNumber(1).default(3),
  lockAfterFailures: wholeNumber(2).default(10),
  lockoutSeconds: seconds(900),
  // Failed logins from one source address, whatever the user, before that address is locked out.
  addressLockAfterFailures: wholeNumber(2).default(100),
  addressWindowSeconds: seconds(3600),
});

const ssoSchema = z.strictObject({
  // Identity providers must be reached over https; true lets http ones be saved (a lab or a test, never production).
  allowHttpProviders: flag(false),
  // IAM calls providers (OIDC discovery, keys, token, userinfo; SAML metadata) at URLs an organization's admin
  // chose: only public addresses, unless the operator names the internal networks a provider may be in.
  allowedProviderNetworks: ipRanges(),
});

export const accessManagementSchema = z
  .strictObject({
    mode: enumOf(ACCESS_MANAGEMENT_MODES, 'builtin'),
    url: httpBaseUrl('http://iam.internal:8090').optional(),
    publicIP: hostOrIp('0.0.0.0'),
    port: port(8090),
    databaseUrl: postgresUrl().optional(),
    // Signs and verifies the access JWTs (HS256) in IAM and the gateway; no default, `webstream all` keeps one
    // under its data folder.
    tokenSigningKey: secret('a key', TOKEN_SIGNING_KEY_MIN_LENGTH).optional(),
    // Seals what IAM keeps of identity providers' secrets (client secrets, its SAML keys), AES-256-GCM; needed
    // once a provider is saved. No default; `webstream all` keeps one under its data folder.
    secretsKey: secret('a key', TOKEN_SIGNING_KEY_MIN_LENGTH).optional(),
    // IAM's sign-in routes as browsers reach them (the gateway or the balancer in front of it): the base of the
    // redirect URIs identity providers send browsers back to. Unset: gateway.publicUrl.
    publicUrl: httpBaseUrl('https://webstream.example.com').optional(),
    sso: ssoSchema.prefault({}),
    accessTokenTtl: seconds(900, 30),
    refreshTokenTtl: seconds(14 * 24 * 3600, 60),
    bootstrapAdmin: bootstrapAdminSchema.prefault({}),
    // Creates a demo organization, user, application and workspace once, on an empty database.
    demo: flag(false),
    loginThrottle: loginThrottleSchema.prefault({}),
    // How long a resolved entitlement may be served from memory when no change notice has arrived.
    entitlementCacheTtl: seconds(60, 0),
  })
  .superRefine((access, ctx) => {
    if (access.mode !== 'builtin' && access.url === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: `is required when accessManagement.mode is ${access.mode} (it is where the gateway reaches the Access Management service)`,
        params: related('accessManagement.mode'),
      });
    }
  });
