import { type Profile } from '@node-saml/node-saml';
import { type IdentityProviderWithMappings } from '../identity-providers/identity-providers.repository';
import { type ExternalProfile } from './sso-accounts';
import { SsoRefusal } from './sso-refusal';

const MAX_GROUPS = 1000;

function text(value: unknown): string | undefined {
  if (Array.isArray(value)) return text(value[0]);
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** A group claim as providers send it: a list, or a single name. */
function groups(value: unknown): string[] {
  const names = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return names.filter((name): name is string => typeof name === 'string').slice(0, MAX_GROUPS);
}

/** The user fields of an OIDC sign-in, read through the provider's claim names. */
export function oidcProfile(
  provider: IdentityProviderWithMappings,
  claims: Record<string, unknown>,
): ExternalProfile {
  const subject = text(claims.sub);
  if (subject === undefined) throw new SsoRefusal('sso_rejected', 'the ID token names no subject');
  return {
    subject,
    username: text(claims[provider.usernameClaim]),
    displayName: text(claims[provider.displayNameClaim]),
    email: text(claims[provider.emailClaim]),
    groups: groups(claims[provider.groupsClaim]),
  };
}

/** The user fields of a SAML assertion: `nameID` names the subject's NameID, any other an attribute. */
export function samlProfile(provider: IdentityProviderWithMappings, profile: Profile): ExternalProfile {
  const attribute = (name: string): unknown =>
    name === 'nameID' ? profile.nameID : (profile.attributes as Record<string, unknown> | undefined)?.[name];
  return {
    subject: profile.nameID,
    username: text(attribute(provider.usernameClaim)),
    displayName: text(attribute(provider.displayNameClaim)),
    email: text(attribute(provider.emailClaim)),
    groups: groups(attribute(provider.groupsClaim)),
  };
}
