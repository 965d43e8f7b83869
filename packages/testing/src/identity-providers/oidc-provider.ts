import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { type ClientMetadata, type Configuration } from 'oidc-provider';
import {
  close,
  CookieJar,
  escapeHtml,
  listen,
  type ListenOptions,
  loginPage,
  pageProblem,
  readBody,
  readForm,
  redirectTarget,
  sendHtml,
  type TestIdentity,
} from './shared';

/** A relying party registered with the test provider. */
export interface TestOidcClient {
  clientId: string;
  /** None: a public client (token_endpoint_auth_method "none"), as a PKCE-only SPA would be. */
  clientSecret?: string;
  /** How a confidential client authenticates; default client_secret_post, openid-client's own default. */
  tokenEndpointAuthMethod?: 'client_secret_post' | 'client_secret_basic';
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
}

export interface TestOidcProviderOptions extends ListenOptions {
  clients: TestOidcClient[];
  identities: TestIdentity[];
}

/** A real OpenID Connect provider (panva's oidc-provider) for a test to sign its users in with. */
export interface TestOidcProvider {
  /** e.g. http://localhost:PORT */
  readonly issuer: string;
  /** Adds or replaces (by sub) a user; takes effect at the next token issued. */
  setIdentity(identity: TestIdentity): void;
  /**
   * Without a browser: follows the provider's redirects from an authorization URL, signs `sub` in through the
   * login form, and returns where the provider sends the user agent at the end (the RP's redirect_uri with
   * code/state/iss, or with error) without requesting it. Each call is a user agent of its own (own cookies).
   */
  signIn(authorizationUrl: string, sub: string): Promise<URL>;
  /** Without a browser: follows an RP-initiated logout URL through the confirmation and returns the final redirect target (not requested). */
  signOut(endSessionUrl: string): Promise<URL>;
  stop(): Promise<void>;
}

const interactionPath = /^\/interaction\/[^/]+$/;

const productionWarning =
  /oidc-provider WARNING: (Unsupported runtime|a quick start development-only in-memory adapter)/;

/**
 * oidc-provider warns about production concerns (Node 22+, a shared store) that a test provider does not have.
 * Only around its import (once) and its constructor (synchronous), so no two windows overlap.
 */
function silenceProductionWarnings(): () => void {
  // eslint-disable-next-line no-console
  const warn = console.warn;
  // eslint-disable-next-line no-console
  console.warn = (...args: unknown[]) => {
    if (!productionWarning.test(String(args[0]))) warn(...args);
  };
  return () => {
    // eslint-disable-next-line no-console
    console.warn = warn;
  };
}

let loading: Promise<typeof Provider> | undefined;

/** oidc-provider is ESM only: loaded on first use, so importing @webstream/testing does not load Koa and friends. */
async function loadProvider(): Promise<typeof Provider> {
  loading ??= (async () => {
    const restore = silenceProductionWarnings();
    try {
      return (await import('oidc-provider')).default;
    } finally {
      restore();
    }
  })();
  return loading;
}

function clientMetadata(client: TestOidcClient): ClientMetadata {
  return {
    client_id: client.clientId,
    ...(client.clientSecret === undefined
      ? { token_endpoint_auth_method: 'none' }
      : {
          client_secret: client.clientSecret,
          token_endpoint_auth_method: client.tokenEndpointAuthMethod ?? 'client_secret_post',
        }),
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris ?? [],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  };
}

/** The logout confirmation submits itself, with the "yes" a person would click, so no test needs a human click. */
function autoConfirmedLogout(form: string): string {
  const confirmed = form.replace('</form>', '<input type="hidden" name="logout" value="yes"></form>');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Signing out</title></head><body>
${confirmed}<script>document.forms[0].submit();</script></body></html>`;
}

export async function startTestOidcProvider(options: TestOidcProviderOptions): Promise<TestOidcProvider> {
  const ProviderClass = await loadProvider();
  const identities = new Map<string, TestIdentity>();
  const setIdentity = (identity: TestIdentity): void => {
    identities.set(identity.sub, { ...identity, groups: [...identity.groups] });
  };
  options.identities.forEach(setIdentity);

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const configuration: Configuration = {
    clients: options.clients.map(clientMetadata),
    jwks: {
      keys: [{ ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' }],
    },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'profile', 'email', 'groups'],
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email'],
      groups: ['groups'],
    },
    // The claims of the granted scopes go into the ID token too: the RP reads groups from there, not from userinfo.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    // Numbers, not oidc-provider's default functions, which print a notice each time they are consulted.
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Grant: 3600,
      Session: 3600,
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          ctx.type = 'html';
          ctx.body = autoConfirmedLogout(form);
        },
        postLogoutSuccessSource: (ctx) => {
          ctx.type = 'html';
          ctx.body =
            '<!doctype html><html><head><meta charset="utf-8"><title>Signed out</title></head><body><h1>Signed out</h1></body></html>';
        },
      },
    },
    findAccount: (_ctx, sub) => {
      if (!identities.has(sub)) return undefined;
      return {
        accountId: sub,
        // Read at issuance, so setIdentity between sign-ins shows in the next token.
        claims: () => {
          const identity = identities.get(sub) ?? { sub, username: sub, name: sub, email: '', groups: [] };
          const { username, name, email, groups } = identity;
          return { sub, preferred_username: username, name, email, groups: [...groups] };
        },
      };
    },
    // Everything requested is granted: a consent page would only be one more click for every test.
    loadExistingGrant: async (ctx) => {
      const accountId = ctx.oidc.account?.accountId;
      if (accountId === undefined) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client?.clientId, accountId });
      grant.addOIDCScope(ctx.oidc.requestParamScopes);
      grant.addOIDCClaims(ctx.oidc.requestParamClaims);
      await grant.save();
      return grant;
    },
  };

  const server = createServer();
  const issuer = await listen(server, options);
  const restore = silenceProductionWarnings();
  let provider: Provider;
  try {
    provider = new ProviderClass(issuer, configuration);
  } finally {
    restore();
  }
  const callback = provider.callback();

  const interaction = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const details = await provider.interactionDetails(req, res);
    const clientId = details.params['client_id'];
    const page = {
      title: typeof clientId === 'string' ? clientId : 'the test provider',
      action: `/interaction/${details.uid}`,
    };
    if (req.method === 'GET') return sendHtml(res, 200, loginPage(page));
    const login = (await readBody(req)).get('login') ?? '';
    if (!identities.has(login)) {
      return sendHtml(res, 401, loginPage({ ...page, error: `There is no test user "${login}".` }));
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: login } },
      { mergeWithLastSubmission: false },
    );
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!interactionPath.test((req.url ?? '/').split('?')[0] ?? '')) return void callback(req, res);
    interaction(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendHtml(res, 400, `<p role="alert">${escapeHtml(String(error))}</p>`);
    });
  });
  const redirectUris = new Set(options.clients.flatMap((client) => client.redirectUris));

  /** Whether the provider is done with the user agent: it sends it back to a relying party. */
  const leaves = (target: URL): boolean =>
    target.origin !== issuer || redirectUris.has(`${target.origin}${target.pathname}`);

  return {
    issuer,
    setIdentity,

    async signIn(authorizationUrl, sub) {
      const jar = new CookieJar();
      let url = new URL(authorizationUrl);
      let response = await jar.fetch(url);
      for (let step = 0; step < 10; step += 1) {
        const target = redirectTarget(response, url);
        if (target && leaves(target)) return target;
        if (target) {
          url = target;
          response = await jar.fetch(url);
        } else if (response.status === 200 && interactionPath.test(url.pathname)) {
          const form = readForm(await response.text(), url.href);
          url = form.action;
          response = await jar.fetch(url, { method: 'POST', form: { ...form.fields, login: sub } });
        } else {
          break;
        }
      }
      throw new Error(
        `Signing ${sub} in stopped at ${url.href} (${response.status}): ${pageProblem(await response.text())}`,
      );
    },

    async signOut(endSessionUrl) {
      const jar = new CookieJar();
      const url = new URL(endSessionUrl);
      const page = await jar.fetch(url);
      const html = await page.text();
      if (page.status !== 200) {
        throw new Error(`The end-session endpoint answered ${page.status}: ${pageProblem(html)}`);
      }
      const form = readForm(html, url.href);
      const response = await jar.fetch(form.action, { method: 'POST', form: form.fields });
      const target = redirectTarget(response, form.action);
      if (!target) {
        const problem = pageProblem(await response.text());
        throw new Error(`The logout confirmation answered ${response.status}: ${problem}`);
      }
      return target;
    },

    stop: () => close(server),
  };
}
