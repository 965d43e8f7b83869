import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { Constants, SamlLib } from 'samlify';
import { escapeHtml as escapeXml, type TestIdentity } from './shared';

/** A signing key and its self-signed certificate. */
export interface SigningKey {
  /** PKCS#1 PEM: what both xml-crypto and node-rsa (inside samlify) read. */
  privateKeyPem: string;
  certificatePem: string;
  /** The certificate's base64 DER body, as XML-DSig KeyInfo and SAML metadata carry it. */
  certificateBody: string;
}

export async function generateSigningKey(commonName: string): Promise<SigningKey> {
  x509.cryptoProvider.set(webcrypto as Crypto);
  const algorithm = {
    name: 'RSASSA-PKCS1-v1_5',
    hash: 'SHA-256',
    publicExponent: new Uint8Array([1, 0, 1]),
    modulusLength: 2048,
  };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: `01${randomBytes(8).toString('hex')}`,
    name: `CN=${commonName}`,
    notBefore: new Date(Date.now() - 60 * 60_000),
    notAfter: new Date(Date.now() + 365 * 24 * 60 * 60_000),
    signingAlgorithm: algorithm,
    keys,
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKeyPem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })
    .export({ format: 'pem', type: 'pkcs1' })
    .toString();
  return {
    privateKeyPem,
    certificatePem: certificate.toString('pem'),
    certificateBody: certificate.toString('base64'),
  };
}

const attributeFormat = 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic';
export const nameIdFormat = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';

/**
 * The Response with its Assertion. samlify's default template has no AuthnStatement and its attribute builder
 * knows one value per attribute; `groups` is multi-valued, so the AttributeStatement is rendered here and put
 * in place of {Attributes}, a tag samlify itself leaves alone.
 */
export const responseTemplate = [
  '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"',
  ' ID="{ID}" Version="2.0" IssueInstant="{IssueInstant}" Destination="{Destination}" InResponseTo="{InResponseTo}">',
  '<saml:Issuer>{Issuer}</saml:Issuer>',
  '<samlp:Status><samlp:StatusCode Value="{StatusCode}"/></samlp:Status>',
  '<saml:Assertion xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema"',
  ' ID="{AssertionID}" Version="2.0" IssueInstant="{IssueInstant}">',
  '<saml:Issuer>{Issuer}</saml:Issuer>',
  '<saml:Subject><saml:NameID Format="{NameIDFormat}">{NameID}</saml:NameID>',
  '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">',
  '<saml:SubjectConfirmationData NotOnOrAfter="{SubjectConfirmationDataNotOnOrAfter}" Recipient="{SubjectRecipient}" InResponseTo="{InResponseTo}"/>',
  '</saml:SubjectConfirmation></saml:Subject>',
  '<saml:Conditions NotBefore="{ConditionsNotBefore}" NotOnOrAfter="{ConditionsNotOnOrAfter}">',
  '<saml:AudienceRestriction><saml:Audience>{Audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>',
  '<saml:AuthnStatement AuthnInstant="{IssueInstant}" SessionIndex="{SessionIndex}"><saml:AuthnContext>',
  '<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>',
  '</saml:AuthnContext></saml:AuthnStatement>',
  '{Attributes}',
  '</saml:Assertion></samlp:Response>',
].join('');

function attributeStatement(identity: TestIdentity): string {
  const attributes: Array<[string, string[]]> = [
    ['username', [identity.username]],
    ['displayName', [identity.name]],
    ['email', [identity.email]],
    // No values, no attribute: the schema allows an empty one, but SPs read "absent" more reliably than "empty".
    ['groups', identity.groups],
  ];
  const rendered = attributes
    .filter(([, values]) => values.length > 0)
    .map(([name, values]) => {
      const valueXml = values.map(
        (value) => `<saml:AttributeValue xsi:type="xs:string">${escapeXml(value)}</saml:AttributeValue>`,
      );
      return `<saml:Attribute Name="${name}" NameFormat="${attributeFormat}">${valueXml.join('')}</saml:Attribute>`;
    });
  return `<saml:AttributeStatement>${rendered.join('')}</saml:AttributeStatement>`;
}

/** What a response says beyond the user: who it is from and for, and when it holds. */
export interface ResponseFacts {
  inResponseTo: string;
  issuer: string;
  audience: string;
  destination: string;
  acsUrl: string;
  notBefore: Date;
  notOnOrAfter: Date;
  /** The AuthnStatement's SessionIndex: the IdP session a LogoutRequest can later name. Random when left out. */
  sessionIndex?: string;
}

/** A fresh SessionIndex, as an IdP gives each session it opens. */
export function newSessionIndex(): string {
  return `_${randomBytes(16).toString('hex')}`;
}

/** The response before any signature; samlify's replaceTagsByValue escapes every scalar. */
export function renderResponse(
  template: string,
  facts: ResponseFacts,
  identity: TestIdentity,
): { id: string; context: string } {
  const id = `_${randomBytes(20).toString('hex')}`;
  const xml = SamlLib.replaceTagsByValue(template, {
    ID: id,
    AssertionID: `_${randomBytes(20).toString('hex')}`,
    IssueInstant: new Date().toISOString(),
    Destination: facts.destination,
    InResponseTo: facts.inResponseTo,
    Issuer: facts.issuer,
    StatusCode: Constants.StatusCode.Success,
    NameIDFormat: nameIdFormat,
    NameID: identity.sub,
    SubjectConfirmationDataNotOnOrAfter: facts.notOnOrAfter.toISOString(),
    SubjectRecipient: facts.acsUrl,
    ConditionsNotBefore: facts.notBefore.toISOString(),
    ConditionsNotOnOrAfter: facts.notOnOrAfter.toISOString(),
    Audience: facts.audience,
    SessionIndex: facts.sessionIndex ?? newSessionIndex(),
  });
  // A function replacer: a "$" in a user's value is text, not a replacement pattern.
  return { id, context: xml.replace('{Attributes}', () => attributeStatement(identity)) };
}

/** Signs the Assertion or the whole Response the way samlify's own POST binding does (enveloped, RSA-SHA256, exc-c14n). */
export function signXml(xml: string, key: SigningKey, what: 'assertion' | 'response'): string {
  const assertion = "/*[local-name(.)='Response']/*[local-name(.)='Assertion']";
  return SamlLib.constructSAMLSignature({
    rawSamlMessage: xml,
    privateKey: key.privateKeyPem,
    signingCert: key.certificateBody,
    signatureAlgorithm: Constants.algorithms.signature.RSA_SHA256,
    isBase64Output: false,
    ...(what === 'assertion' ? { referenceTagXPath: assertion } : { isMessageSigned: true }),
    signatureConfig: {
      prefix: 'ds',
      location: {
        reference: `${what === 'assertion' ? assertion : "/*[local-name(.)='Response']"}/*[local-name(.)='Issuer']`,
        action: 'after',
      },
    },
  });
}

/** The knobs of a forged response; every one left out is as a genuine response has it. */
export interface ForgedResponseOptions {
  inResponseTo: string;
  sub: string;
  /** Default true. */
  signAssertion?: boolean;
  /** Default false. */
  signResponse?: boolean;
  audience?: string;
  issuer?: string;
  notOnOrAfter?: Date;
  notBefore?: Date;
  destination?: string;
  /** 'other': a key (and certificate) the SP does not trust. Default 'own'. */
  signingKey?: 'own' | 'other';
  /**
   * An assertion made for no request (IdP-initiated, as a portal's app tile makes them): its subject
   * confirmation names no InResponseTo, though the unsigned Response around it still names `inResponseTo`.
   */
  unsolicited?: boolean;
}

/** A response as the IdP would send it, but for the knobs; signed unless told not to, and with the key told. */
export function forgeResponse(
  genuine: ResponseFacts,
  knobs: ForgedResponseOptions,
  identity: TestIdentity,
  keys: { own: SigningKey; other: SigningKey },
): string {
  const facts: ResponseFacts = {
    ...genuine,
    audience: knobs.audience ?? genuine.audience,
    issuer: knobs.issuer ?? genuine.issuer,
    notBefore: knobs.notBefore ?? genuine.notBefore,
    notOnOrAfter: knobs.notOnOrAfter ?? genuine.notOnOrAfter,
    destination: knobs.destination ?? genuine.destination,
  };
  const key = knobs.signingKey === 'other' ? keys.other : keys.own;
  let xml = renderResponse(responseTemplate, facts, identity).context;
  if (knobs.unsolicited ?? false) {
    xml = xml.replace(/(<saml:SubjectConfirmationData\b[^>]*?) InResponseTo="[^"]*"/, '$1');
  }
  if (knobs.signAssertion ?? true) xml = signXml(xml, key, 'assertion');
  if (knobs.signResponse ?? false) xml = signXml(xml, key, 'response');
  return Buffer.from(xml).toString('base64');
}
