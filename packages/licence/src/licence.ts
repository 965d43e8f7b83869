// The signed WebStream licence: base64url(JSON payload) + '.' + base64url(Ed25519 signature of the payload
// bytes). The gateway verifies it with the public key from its configuration; whoever holds the private key
// issues it (the vendor for production, `webstream all` for a development licence of its own run).
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { z } from 'zod';

export const LICENCE_KINDS = ['production', 'development'] as const;
export type LicenceKind = (typeof LICENCE_KINDS)[number];

export const licencePayloadSchema = z.strictObject({
  licensee: z.string().min(1),
  maxStreamers: z.int().min(1),
  issuedAt: z.iso.datetime({ offset: true }),
  expiresAt: z.iso.datetime({ offset: true }),
  kind: z.enum(LICENCE_KINDS),
});
export type LicencePayload = z.infer<typeof licencePayloadSchema>;

export type LicenceProblem = 'missing' | 'malformed' | 'bad-signature' | 'expired' | 'no-public-key';

export type LicenceVerification =
  | { valid: true; payload: LicencePayload }
  | {
      valid: false;
      reason: LicenceProblem;
      /** For an operator: what is wrong, never the licence or a key. */
      message: string;
      /** The signed payload when only its date is wrong (expired), so the caller can still say whose it was. */
      payload?: LicencePayload;
    };

export interface LicenceKeyPair {
  publicKeyPem: string;
  privateKeyPem: string;
}

const ED25519_SIGNATURE_BYTES = 64;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A new Ed25519 key pair: the public key (SPKI PEM) goes to the gateways, the private one (PKCS#8 PEM) signs. */
export function generateLicenceKeyPair(): LicenceKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function ed25519Key(pem: string, load: (pem: string) => KeyObject, what: string): KeyObject {
  let key: KeyObject;
  try {
    key = load(pem);
  } catch {
    throw new Error(`the ${what} is not a PEM key`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`the ${what} is a ${key.asymmetricKeyType ?? 'symmetric'} key, not an Ed25519 key`);
  }
  return key;
}

/** Signs a payload (checked against the schema first) with an Ed25519 private key (PEM). */
export function issueLicence(payload: LicencePayload, privateKeyPem: string): string {
  const parsed = licencePayloadSchema.parse(payload);
  const key = ed25519Key(privateKeyPem, createPrivateKey, 'licence private key');
  const bytes = Buffer.from(JSON.stringify(parsed), 'utf8');
  return `${bytes.toString('base64url')}.${sign(null, bytes, key).toString('base64url')}`;
}

function blank(value: string | undefined): boolean {
  return value === undefined || value.trim() === '';
}

/**
 * Checks a licence's form, its signature against the public key, its payload and its expiry at `now`, in that
 * order: a payload changed by hand fails as bad-signature whatever it now holds.
 */
export function verifyLicence(
  licence: string | undefined,
  publicKeyPem: string | undefined,
  now: Date = new Date(),
): LicenceVerification {
  if (licence === undefined || blank(licence)) {
    return { valid: false, reason: 'missing', message: 'no licence is configured' };
  }
  if (publicKeyPem === undefined || blank(publicKeyPem)) {
    return {
      valid: false,
      reason: 'no-public-key',
      message: 'no public key is configured to verify the licence with',
    };
  }
  if (publicKeyPem.includes('PRIVATE KEY-----')) {
    // Node would derive the public key from it, but a private key has no business on a gateway.
    return {
      valid: false,
      reason: 'no-public-key',
      message: 'the licence public key is a private key; configure the public key that goes with it',
    };
  }
  let key: KeyObject;
  try {
    key = ed25519Key(publicKeyPem, createPublicKey, 'licence public key');
  } catch (error) {
    return { valid: false, reason: 'no-public-key', message: (error as Error).message };
  }

  const malformed = (why: string): LicenceVerification => ({
    valid: false,
    reason: 'malformed',
    message: `the licence is malformed: ${why}`,
  });
  const parts = licence.trim().split('.');
  const [encodedPayload, encodedSignature] = parts;
  if (parts.length !== 2 || encodedPayload === undefined || encodedSignature === undefined) {
    return malformed('it is not of the form payload.signature');
  }
  if (!BASE64URL.test(encodedPayload) || !BASE64URL.test(encodedSignature)) {
    return malformed('its payload and signature must be base64url');
  }
  const bytes = Buffer.from(encodedPayload, 'base64url');
  const signature = Buffer.from(encodedSignature, 'base64url');
  if (signature.length !== ED25519_SIGNATURE_BYTES) {
    return malformed(`its signature is ${signature.length} bytes, not ${ED25519_SIGNATURE_BYTES}`);
  }
  if (!verify(null, bytes, key, signature)) {
    return {
      valid: false,
      reason: 'bad-signature',
      message: 'the licence signature does not match the configured public key',
    };
  }

  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return malformed('its payload is not JSON');
  }
  const parsed = licencePayloadSchema.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(payload)');
    return malformed(`its payload has no valid ${[...new Set(fields)].join(', ')}`);
  }
  const payload = parsed.data;
  if (Date.parse(payload.expiresAt) <= now.getTime()) {
    return {
      valid: false,
      reason: 'expired',
      message: `the licence of ${payload.licensee} expired at ${payload.expiresAt}`,
      payload,
    };
  }
  return { valid: true, payload };
}

export interface DevelopmentLicence extends LicenceKeyPair {
  licence: string;
  payload: LicencePayload;
}

export const DEVELOPMENT_LICENCE_DEFAULTS = { licensee: 'development', maxStreamers: 25, days: 30 } as const;

/** A throw-away key pair and a development licence signed with it, for a proof-of-concept run. */
export function createDevelopmentLicence(
  options: { now?: Date; maxStreamers?: number; days?: number } = {},
): DevelopmentLicence {
  const now = options.now ?? new Date();
  const days = options.days ?? DEVELOPMENT_LICENCE_DEFAULTS.days;
  const payload: LicencePayload = {
    licensee: DEVELOPMENT_LICENCE_DEFAULTS.licensee,
    maxStreamers: options.maxStreamers ?? DEVELOPMENT_LICENCE_DEFAULTS.maxStreamers,
    issuedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + days * 86_400_000).toISOString(),
    kind: 'development',
  };
  const keys = generateLicenceKeyPair();
  return { ...keys, payload, licence: issueLicence(payload, keys.privateKeyPem) };
}
