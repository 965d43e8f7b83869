import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import * as samlify from 'samlify';
import {
  type ForgedResponseOptions,
  forgeResponse,
  generateSigningKey,
  nameIdFormat,
  newSessionIndex,
  renderResponse,
  responseTemplate,
  type ResponseFacts,
} from './saml-response';
import {
  autoSubmitPage,
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

/** The service provider the IdP answers: who it is and where its ACS (and SLO) endpoints are. */
export interface TestServiceProvider {
  entityId: string;
  acsUrl: string;
  sloUrl?: string;
  /**
   * The SP's signing certificate (PEM), as its metadata publishes it: what the IdP checks the SP's signed
   * LogoutResponses with (readLogoutResponse). Not needed otherwise.
   */
  certificatePem?: string;
}

export interface TestSamlIdpOptions extends ListenOptions {
  /** May be left out and set with setServiceProvider once the SP's URLs are known. */
  serviceProvider?: TestServiceProvider;
  identities: TestIdentity[];
}

/** What the IdP's page posts to the SP's ACS (HTTP-POST binding). */
export interface SamlPost {
  acsUrl: string;
  SAMLResponse: string;
  RelayState?: string;
}

/** What a LogoutResponse from the SP says, once its signature and issuer are checked. */
export interface SamlLogoutAnswer {
  /** The top-level StatusCode, e.g. urn:oasis:names:tc:SAML:2.0:status:Success. */
  status: string;
  /** The ID of the LogoutRequest it answers. */
  inResponseTo: string;
}

/** A real SAML 2.0 identity provider (samlify) for a test to sign its users in with. */
export interface TestSamlIdp {
  readonly entityId: string;
  readonly ssoUrl: string;
  readonly sloUrl: string;
  readonly metadataXml: string;
  readonly metadataUrl: string;
  readonly certificatePem: string;
  setServiceProvider(sp: TestServiceProvider): void;
  /** Adds or replaces (by sub) a user; takes effect at the next response. */
  setIdentity(identity: TestIdentity): void;
  /** Without a browser: takes the SP's redirect (ssoUrl?SAMLRequest=…&RelayState=…), signs `sub` in, and returns the post the IdP's page would make. */
  signIn(authnRequestUrl: string, sub: string): Promise<SamlPost>;
  /** A response to `inResponseTo`, built with knobs: base64, as in SAMLResponse. */
  forgeResponse(options: ForgedResponseOptions): string;
  /** Handles the SP's LogoutRequest URL (HTTP-Redirect) and returns the redirect back to the SP's SLO URL with a signed LogoutResponse (not requested). */
  signOut(logoutRequestUrl: string): Promise<URL>;
  /** The SessionIndex of each session the IdP opened for `sub` (one per assertion it issued), oldest first. */
  sessionsOf(sub: string): string[];
  /**
   * IdP-initiated single logout: the URL of a LogoutRequest for `sub` (its NameID) to the SP's SLO URL, in the
   * HTTP-Redirect binding, signed with the IdP's key (SigAlg and Signature over the query). With a
   * `sessionIndex` (see sessionsOf) it names that session only; without, every session of the NameID.
   */
  logoutRequestUrl(sub: string, sessionIndex?: string): string;
  /**
   * Reads the SP's answer to a LogoutRequest: the redirect to the IdP's SLO URL carrying a LogoutResponse
   * (HTTP-Redirect). Throws unless it is signed by the SP's certificate (setServiceProvider's certificatePem)
   * and issued by the SP; the status is returned, not judged.
   */
  readLogoutResponse(logoutResponseUrl: string): SamlLogoutAnswer;
  stop(): Promise<void>;
}

const { binding } = samlify.Constants.namespace;
const lifetimeMs = 5 * 60_000;

type SamlBinding = 'redirect' | 'post';
type Fields = Record<string, string>;

export async function startTestSamlIdp(options: TestSamlIdpOptions): Promise<TestSamlIdp> {
  // samlify refuses to parse until a schema validator is set. This IdP only reads the requests of the SP under
  // test, and what is tested is that SP's checks of our responses, not our XML hardening; the real validators
  // need Java or libxml native builds. The setting is process-wide in samlify; IAM itself uses node-saml.
  samlify.setSchemaValidator({ validate: () => Promise.resolve('skipped') });

  const [own, other] = await Promise.all([
    generateSigningKey('WebStream test SAML IdP'),
    generateSigningKey('Untrusted'),
  ]);
  const identities = new Map<string, TestIdentity>();
  const setIdentity = (identity: TestIdentity): void => {
    identities.set(identity.sub, { ...identity, groups: [...identity.groups] });
  };
  options.identities.forEach(setIdentity);
  /** The SessionIndexes of the sessions opened, by sub: what an IdP-initiated LogoutRequest names. */
  const sessions = new Map<string, string[]>();

  let sp: { settings: TestServiceProvider; entity: samlify.ServiceProviderInstance } | undefined;
  const setServiceProvider = (settings: TestServiceProvider): void => {
    const entity = samlify.ServiceProvider({
      entityID: settings.entityId,
      assertionConsumerService: [{ Binding: binding.post, Location: settings.acsUrl }],
      singleLogoutService: settings.sloUrl ? [{ Binding: binding.redirect, Location: settings.sloUrl }] : [],
      ...(settings.certificatePem ? { signingCert: settings.certificatePem } : {}),
      // What the IAM SP requires: signed assertions, and logout messages (the IdP's LogoutResponse to the SP's
      // request, and its own LogoutRequest) signed as the Redirect binding signs.
      wantAssertionsSigned: true,
      wantLogoutResponseSigned: true,
      wantLogoutRequestSigned: true,
    });
    sp = { settings: { ...settings }, entity };
  };
  if (options.serviceProvider) setServiceProvider(options.serviceProvider);
  const currentSp = (): NonNullable<typeof sp> => {
    if (!sp) throw new Error('The test SAML IdP has no service provider yet: call setServiceProvider');
    return sp;
  };
  const identity = (sub: string): TestIdentity => {
    const found = identities.get(sub);
    if (!found) throw new Error(`There is no test user "${sub}".`);
    return found;
  };

  const server = createServer();
  const origin = await listen(server, options);
  const entityId = `${origin}/metadata`;
  const ssoUrl = `${origin}/sso`;
  const sloUrl = `${origin}/slo`;
  const idpSettings = {
    entityID: entityId,
    signingCert: own.certificatePem,
    privateKey: own.privateKeyPem,
    nameIDFormat: [nameIdFormat],
    wantAuthnRequestsSigned: false,
    singleSignOnService: [
      { Binding: binding.redirect, Location: ssoUrl },
      { Binding: binding.post, Location: ssoUrl },
    ],
    singleLogoutService: [{ Binding: binding.redirect, Location: sloUrl }],
    loginResponseTemplate: { context: responseTemplate, attributes: [] },
    // The metadata schema's order (SingleLogoutService, NameIDFormat, SingleSignOnService); samlify's default is
    // not, and strict metadata readers refuse it. The IdP settings pass it on to the metadata, untyped.
    elementsOrder: samlify.Constants.elementsOrder.idp.shibboleth,
  };
  const idp = samlify.IdentityProvider(idpSettings);
  const metadataXml = idp.getMetadata();

  const facts = (inResponseTo: string, sessionIndex?: string): ResponseFacts => {
    const { settings } = currentSp();
    const now = Date.now();
    return {
      ...(sessionIndex === undefined ? {} : { sessionIndex }),
      inResponseTo,
      issuer: entityId,
      audience: settings.entityId,
      destination: settings.acsUrl,
      acsUrl: settings.acsUrl,
      notBefore: new Date(now),
      notOnOrAfter: new Date(now + lifetimeMs),
    };
  };

  /** Reads an AuthnRequest as a real IdP would: only from the SP it knows, and only for that SP's ACS. */
  const readAuthnRequest = async (
    via: SamlBinding,
    fields: Fields,
  ): Promise<{ id: string; relayState?: string }> => {
    const { settings, entity } = currentSp();
    const parsed = await idp.parseLoginRequest(
      entity,
      via,
      via === 'redirect' ? { query: fields } : { body: fields },
    );
    const { issuer, request } = parsed.extract;
    if (issuer !== settings.entityId) {
      throw new Error(`An AuthnRequest from "${String(issuer)}", not from ${settings.entityId}`);
    }
    const acs = request?.['assertionConsumerServiceUrl'];
    if (acs !== undefined && acs !== settings.acsUrl) {
      throw new Error(`An AuthnRequest for ACS ${String(acs)}, not ${settings.acsUrl}`);
    }
    const id = request?.['id'];
    if (typeof id !== 'string') throw new Error('An AuthnRequest without an ID');
    return { id, relayState: fields['RelayState'] };
  };

  const answer = async (via: SamlBinding, fields: Fields, sub: string): Promise<SamlPost> => {
    const request = await readAuthnRequest(via, fields);
    const user = identity(sub);
    const { settings, entity } = currentSp();
    const sessionIndex = newSessionIndex();
    const response = await idp.createLoginResponse(
      entity,
      { extract: { request: { id: request.id } } },
      'post',
      { email: user.email },
      {
        relayState: request.relayState,
        customTagReplacement: (template) => renderResponse(template, facts(request.id, sessionIndex), user),
      },
    );
    sessions.set(sub, [...(sessions.get(sub) ?? []), sessionIndex]);
    return { acsUrl: settings.acsUrl, SAMLResponse: response.context, RelayState: request.relayState };
  };

  const showLogin = (res: ServerResponse, via: SamlBinding, fields: Fields, error?: string): void => {
    const carried = { SAMLRequest: fields['SAMLRequest'], RelayState: fields['RelayState'], binding: via };
    sendHtml(
      res,
      error ? 401 : 200,
      loginPage({ title: currentSp().settings.entityId, action: ssoUrl, fields: carried, error }),
    );
  };

  const logoutRequestUrl = (sub: string, sessionIndex?: string): string => {
    identity(sub);
    const { settings, entity } = currentSp();
    if (!settings.sloUrl)
      throw new Error('The service provider has no SLO URL: pass sloUrl to setServiceProvider');
    const user = { logoutNameID: sub, ...(sessionIndex === undefined ? {} : { sessionIndex }) };
    // The SP entity wants its LogoutRequests signed: samlify adds SigAlg and Signature over the query.
    const { context } = idp.createLogoutRequest(entity, 'redirect', user) as { context: string };
    return context;
  };

  const readLogoutResponse = (logoutResponseUrl: string): SamlLogoutAnswer => {
    const { settings, entity } = currentSp();
    if (!settings.certificatePem) {
      throw new Error("Pass the SP's certificatePem to setServiceProvider to read its LogoutResponses");
    }
    const url = new URL(logoutResponseUrl);
    if (`${url.origin}${url.pathname}` !== sloUrl) {
      throw new Error(`A LogoutResponse sent to ${url.origin}${url.pathname}, not to ${sloUrl}`);
    }
    const { SAMLResponse, SigAlg, Signature } = Object.fromEntries(url.searchParams);
    if (SAMLResponse === undefined) throw new Error(`No SAMLResponse in ${logoutResponseUrl}`);
    if (SigAlg === undefined || Signature === undefined) throw new Error('An unsigned LogoutResponse');
    // HTTP-Redirect binding: the signature covers SAMLResponse, RelayState and SigAlg as sent, in that order.
    const sent = new Map(
      url.search
        .slice(1)
        .split('&')
        .map((pair) => [pair.slice(0, pair.indexOf('=')), pair] as const),
    );
    const octetString = ['SAMLResponse', 'RelayState', 'SigAlg']
      .flatMap((name) => sent.get(name) ?? [])
      .join('&');
    const signed = samlify.SamlLib.verifyMessageSignature(
      entity.entityMeta,
      octetString,
      Buffer.from(Signature, 'base64'),
      SigAlg,
    );
    if (!signed) throw new Error("The LogoutResponse's signature does not verify with the SP's certificate");
    const xml = samlify.Utility.inflateString(SAMLResponse);
    const { response, issuer } = samlify.Extractor.extract(xml, samlify.Extractor.logoutResponseFields) as {
      response?: { inResponseTo?: string };
      issuer?: string;
    };
    if (issuer !== settings.entityId) {
      throw new Error(`A LogoutResponse from "${String(issuer)}", not from ${settings.entityId}`);
    }
    const { top } = samlify.Extractor.extract(xml, samlify.Extractor.logoutResponseStatusFields) as {
      top?: string;
    };
    const inResponseTo = response?.inResponseTo;
    if (top === undefined || inResponseTo === undefined) {
      throw new Error(`A LogoutResponse without a status or InResponseTo: ${xml}`);
    }
    return { status: top, inResponseTo };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', origin);
    const query = Object.fromEntries(url.searchParams);
    if (req.method === 'GET' && url.pathname === '/metadata') {
      res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(metadataXml);
    } else if (req.method === 'GET' && url.pathname === '/sso') {
      await readAuthnRequest('redirect', query);
      showLogin(res, 'redirect', query);
    } else if (req.method === 'POST' && url.pathname === '/sso') {
      const form = Object.fromEntries(await readBody(req));
      const login = form['login'];
      if (login === undefined) {
        // The SP used the HTTP-POST binding for its AuthnRequest.
        await readAuthnRequest('post', form);
        return showLogin(res, 'post', form);
      }
      const via: SamlBinding = form['binding'] === 'post' ? 'post' : 'redirect';
      const request = {
        SAMLRequest: form['SAMLRequest'] ?? '',
        ...(form['RelayState'] ? { RelayState: form['RelayState'] } : {}),
      };
      if (!identities.has(login)) return showLogin(res, via, request, `There is no test user "${login}".`);
      const post = await answer(via, request, login);
      sendHtml(
        res,
        200,
        autoSubmitPage(post.acsUrl, { SAMLResponse: post.SAMLResponse, RelayState: post.RelayState }),
      );
    } else if (req.method === 'GET' && url.pathname === '/slo' && query['SAMLResponse'] !== undefined) {
      // The SP's answer to an IdP-initiated LogoutRequest, brought back by the browser.
      const answered = readLogoutResponse(url.href);
      sendHtml(res, 200, `<p>Signed out: ${escapeHtml(answered.status)}</p>`);
    } else if (req.method === 'GET' && url.pathname === '/slo') {
      const { entity } = currentSp();
      const parsed = await idp.parseLogoutRequest(entity, 'redirect', { query });
      const response = idp.createLogoutResponse(entity, { extract: parsed.extract }, 'redirect', {
        relayState: query['RelayState'],
      });
      res.writeHead(302, { location: response.context, 'cache-control': 'no-store' }).end();
    } else {
      res.writeHead(404).end();
    }
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (!res.headersSent) sendHtml(res, 400, `<p role="alert">${escapeHtml(message)}</p>`);
    });
  });

  return {
    entityId,
    ssoUrl,
    sloUrl,
    metadataXml,
    metadataUrl: entityId,
    certificatePem: own.certificatePem,
    setServiceProvider,
    setIdentity,

    async signIn(authnRequestUrl, sub) {
      const jar = new CookieJar();
      const page = await jar.fetch(authnRequestUrl);
      const html = await page.text();
      if (page.status !== 200) {
        throw new Error(`The IdP answered the AuthnRequest with ${page.status}: ${pageProblem(html)}`);
      }
      const login = readForm(html, authnRequestUrl);
      const answered = await jar.fetch(login.action, {
        method: 'POST',
        form: { ...login.fields, login: sub },
      });
      const posting = await answered.text();
      if (answered.status !== 200) {
        throw new Error(`Signing ${sub} in failed (${answered.status}): ${pageProblem(posting)}`);
      }
      const post = readForm(posting, login.action.href);
      const { SAMLResponse, RelayState } = post.fields;
      if (SAMLResponse === undefined) throw new Error(`No SAMLResponse on the page: ${posting}`);
      return { acsUrl: post.action.href, SAMLResponse, ...(RelayState === undefined ? {} : { RelayState }) };
    },

    forgeResponse: (knobs) =>
      forgeResponse(facts(knobs.inResponseTo), knobs, identity(knobs.sub), { own, other }),

    async signOut(logoutRequestUrl) {
      const response = await new CookieJar().fetch(logoutRequestUrl);
      const target = redirectTarget(response, logoutRequestUrl);
      if (!target) {
        const problem = pageProblem(await response.text());
        throw new Error(`The IdP answered the LogoutRequest with ${response.status}: ${problem}`);
      }
      return target;
    },

    sessionsOf: (sub) => [...(sessions.get(sub) ?? [])],
    logoutRequestUrl,
    readLogoutResponse,

    stop: () => close(server),
  };
}
