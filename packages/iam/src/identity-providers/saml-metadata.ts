import { DOMParser } from '@xmldom/xmldom';
import { RequestValidationException } from '@webstream/service-kit';
import * as xpath from 'xpath';

const BINDING_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const select = xpath.useNamespaces({
  md: 'urn:oasis:names:tc:SAML:2.0:metadata',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
});

/** What IAM needs of an IdP's metadata. */
export interface IdpMetadata {
  entityId: string;
  ssoUrl: string;
  sloUrl: string | null;
  certificates: string[];
}

function invalid(field: string, message: string): RequestValidationException {
  return new RequestValidationException([{ path: field, message }]);
}

function attribute(node: xpath.SelectReturnType, name: string): string | undefined {
  const first = Array.isArray(node) ? node[0] : undefined;
  return first !== undefined && xpath.isElement(first) ? (first.getAttribute(name) ?? undefined) : undefined;
}

function pem(base64: string): string {
  const body = base64.replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END CERTIFICATE-----\n`;
}

/**
 * The IdP of a SAML metadata document (an EntityDescriptor, or the first IdP of an EntitiesDescriptor): its
 * entity id, its HTTP-Redirect single sign-on and logout services and its signing certificates. `field` names
 * where the document came from in a 400.
 */
export function parseIdpMetadata(xml: string, field: string): IdpMetadata {
  const errors: string[] = [];
  const document = new DOMParser({
    errorHandler: {
      error: (message: unknown) => errors.push(String(message)),
      fatalError: (message: unknown) => errors.push(String(message)),
    },
  }).parseFromString(xml, 'text/xml');
  if (errors.length > 0) throw invalid(field, `is not well-formed XML (${errors[0]})`);
  const idp = select('//md:EntityDescriptor[md:IDPSSODescriptor]', document);
  const entity = Array.isArray(idp) ? idp[0] : undefined;
  if (entity === undefined || !xpath.isElement(entity)) {
    throw invalid(field, 'holds no EntityDescriptor with an IDPSSODescriptor');
  }
  const entityId = entity.getAttribute('entityID');
  if (!entityId) throw invalid(field, 'the EntityDescriptor has no entityID');
  const ssoUrl = attribute(
    select(`md:IDPSSODescriptor/md:SingleSignOnService[@Binding='${BINDING_REDIRECT}']`, entity),
    'Location',
  );
  if (ssoUrl === undefined) throw invalid(field, 'names no HTTP-Redirect SingleSignOnService');
  const sloUrl = attribute(
    select(`md:IDPSSODescriptor/md:SingleLogoutService[@Binding='${BINDING_REDIRECT}']`, entity),
    'Location',
  );
  const certificateNodes = select(
    "md:IDPSSODescriptor/md:KeyDescriptor[not(@use) or @use='signing']/ds:KeyInfo/ds:X509Data/ds:X509Certificate",
    entity,
  );
  const certificates = (Array.isArray(certificateNodes) ? certificateNodes : [])
    .map((node) => node.textContent ?? '')
    .filter((text) => text.trim() !== '')
    .map(pem);
  if (certificates.length === 0) {
    throw invalid(field, 'names no signing certificate: WebStream accepts signed assertions only');
  }
  return { entityId, ssoUrl, sloUrl: sloUrl ?? null, certificates };
}
