import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createDevelopmentLicence,
  generateLicenceKeyPair,
  issueLicence,
  type LicencePayload,
  verifyLicence,
} from './licence';

const NOW = new Date('2030-01-01T00:00:00.000Z');
const PAYLOAD: LicencePayload = {
  licensee: 'Example Ltd',
  maxStreamers: 50,
  issuedAt: '2029-12-01T00:00:00.000Z',
  expiresAt: '2030-12-01T00:00:00.000Z',
  kind: 'production',
};

describe('the licence', () => {
  const keys = generateLicenceKeyPair();
  const licence = issueLicence(PAYLOAD, keys.privateKeyPem);

  it('round-trips: a licence issued with the private key verifies with the public key', () => {
    expect(keys.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(keys.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(licence).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(verifyLicence(licence, keys.publicKeyPem, NOW)).toEqual({ valid: true, payload: PAYLOAD });
    // Surrounding whitespace (a trailing newline from a file or an env variable) does not matter.
    expect(verifyLicence(`${licence}\n`, keys.publicKeyPem, NOW)).toMatchObject({ valid: true });
  });

  it('refuses a payload changed after signing', () => {
    const [, signature] = licence.split('.');
    const raised = Buffer.from(JSON.stringify({ ...PAYLOAD, maxStreamers: 5000 })).toString('base64url');
    expect(verifyLicence(`${raised}.${signature}`, keys.publicKeyPem, NOW)).toMatchObject({
      valid: false,
      reason: 'bad-signature',
    });
    // Even when the change leaves no valid JSON behind, the signature is what fails.
    expect(verifyLicence(`${raised.slice(0, -3)}.${signature}`, keys.publicKeyPem, NOW)).toMatchObject({
      reason: 'bad-signature',
    });
  });

  it('refuses a licence signed with another key', () => {
    const other = generateLicenceKeyPair();
    expect(verifyLicence(issueLicence(PAYLOAD, other.privateKeyPem), keys.publicKeyPem, NOW)).toEqual({
      valid: false,
      reason: 'bad-signature',
      message: 'the licence signature does not match the configured public key',
    });
  });

  it('refuses an expired licence, still saying whose it was', () => {
    const verdict = verifyLicence(licence, keys.publicKeyPem, new Date(PAYLOAD.expiresAt));
    expect(verdict).toEqual({
      valid: false,
      reason: 'expired',
      message: 'the licence of Example Ltd expired at 2030-12-01T00:00:00.000Z',
      payload: PAYLOAD,
    });
    expect(
      verifyLicence(licence, keys.publicKeyPem, new Date(Date.parse(PAYLOAD.expiresAt) - 1)),
    ).toMatchObject({ valid: true });
  });

  it.each([
    ['no dot', 'abc'],
    ['three parts', 'a.b.c'],
    ['not base64url', 'a+b.c/d'],
    ['a short signature', `${licence.split('.')[0]}.AAAA`],
    ['an empty part', `.${licence.split('.')[1]}`],
  ])('refuses a malformed licence (%s)', (_, malformed) => {
    expect(verifyLicence(malformed, keys.publicKeyPem, NOW)).toMatchObject({
      valid: false,
      reason: 'malformed',
    });
  });

  it('refuses a correctly signed payload that is not a licence, naming the field', () => {
    const { privateKeyPem, publicKeyPem } = generateLicenceKeyPair();
    const bytes = Buffer.from(JSON.stringify({ ...PAYLOAD, maxStreamers: 0 }));
    const signed = `${bytes.toString('base64url')}.${sign(null, bytes, createPrivateKey(privateKeyPem)).toString('base64url')}`;
    const verdict = verifyLicence(signed, publicKeyPem, NOW);
    expect(verdict).toMatchObject({ valid: false, reason: 'malformed' });
    expect(verdict.valid ? '' : verdict.message).toContain('maxStreamers');
  });

  it('says missing for no licence, and no-public-key for no or a wrong public key', () => {
    for (const absent of [undefined, '', '  ']) {
      expect(verifyLicence(absent, keys.publicKeyPem, NOW)).toMatchObject({
        valid: false,
        reason: 'missing',
      });
    }
    expect(verifyLicence(licence, undefined, NOW)).toMatchObject({ valid: false, reason: 'no-public-key' });
    expect(verifyLicence(licence, 'not a pem', NOW)).toMatchObject({ reason: 'no-public-key' });
    // A private key, or a key of another type, is not the public key the licence is checked with.
    expect(verifyLicence(licence, keys.privateKeyPem, NOW)).toMatchObject({
      reason: 'no-public-key',
      message: expect.stringContaining('is a private key') as string,
    });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    expect(verifyLicence(licence, rsa.toString(), NOW)).toMatchObject({
      reason: 'no-public-key',
      message: 'the licence public key is a rsa key, not an Ed25519 key',
    });
  });

  it('never puts the licence or a key in a message', () => {
    const verdicts = [
      verifyLicence(licence, generateLicenceKeyPair().publicKeyPem, NOW),
      verifyLicence(licence, keys.publicKeyPem, new Date('2031-01-01T00:00:00Z')),
      verifyLicence(licence.slice(0, 20), keys.publicKeyPem, NOW),
    ];
    for (const verdict of verdicts) {
      expect(verdict.valid).toBe(false);
      if (!verdict.valid) expect(verdict.message).not.toContain(licence.slice(0, 12));
    }
  });

  it('refuses to issue an invalid payload or with a key that is not an Ed25519 private key', () => {
    expect(() => issueLicence({ ...PAYLOAD, maxStreamers: 0 }, keys.privateKeyPem)).toThrow();
    expect(() => issueLicence({ ...PAYLOAD, expiresAt: 'soon' }, keys.privateKeyPem)).toThrow();
    expect(() => issueLicence(PAYLOAD, keys.publicKeyPem)).toThrow(/not a PEM key/);
  });

  it('makes a development licence: 25 streamers for 30 days, with its own key pair', () => {
    const development = createDevelopmentLicence({ now: NOW });
    expect(development.payload).toEqual({
      licensee: 'development',
      maxStreamers: 25,
      issuedAt: '2030-01-01T00:00:00.000Z',
      expiresAt: '2030-01-31T00:00:00.000Z',
      kind: 'development',
    });
    expect(verifyLicence(development.licence, development.publicKeyPem, NOW)).toEqual({
      valid: true,
      payload: development.payload,
    });
  });
});
