import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, webstreamConfigSchema } from '@webstream/config';
import { verifyLicence } from '@webstream/licence';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { perRunGatewaySecrets, runLicenceCommand } from './licence';

const NOW = new Date('2030-01-01T00:00:00.000Z');

describe('the per-run gateway secrets of webstream all', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ws-cli-licence-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('makes a backend token and a development licence that the children read back through the environment', () => {
    const { env, notes } = perRunGatewaySecrets(webstreamConfigSchema.parse({}), NOW);
    expect(Object.keys(env).sort()).toEqual([
      'WEBSTREAM__GATEWAY__BACKEND__TOKEN',
      'WEBSTREAM__GATEWAY__LICENCE__KEY',
      'WEBSTREAM__GATEWAY__LICENCE__PUBLICKEY',
    ]);
    expect(env['WEBSTREAM__GATEWAY__LICENCE__PUBLICKEY']).toContain('\n');
    expect(notes.join('\n')).toMatch(/development licence for this run \(25 streamers, until 2030-01-31/);
    expect(notes.join('\n')).not.toContain(env['WEBSTREAM__GATEWAY__LICENCE__KEY']!);

    // What a child sees: the same config loader, from nothing but these variables.
    const { config } = loadConfig({ argv: [], env, cwd: dir });
    expect(config.gateway.backend.token).toBe(env['WEBSTREAM__GATEWAY__BACKEND__TOKEN']);
    expect(config.gateway.backend.token!.length).toBeGreaterThanOrEqual(32);
    expect(config.gateway.licence.publicKey).toBe(env['WEBSTREAM__GATEWAY__LICENCE__PUBLICKEY']);
    expect(verifyLicence(config.gateway.licence.key, config.gateway.licence.publicKey, NOW)).toEqual({
      valid: true,
      payload: {
        licensee: 'development',
        maxStreamers: 25,
        issuedAt: '2030-01-01T00:00:00.000Z',
        expiresAt: '2030-01-31T00:00:00.000Z',
        kind: 'development',
      },
    });
  });

  it('leaves configured values alone', () => {
    const config = webstreamConfigSchema.parse({
      gateway: { backend: { token: 't'.repeat(32) }, licence: { key: 'a.b', publicKey: 'pem' } },
    });
    expect(perRunGatewaySecrets(config, NOW)).toEqual({ env: {}, notes: [] });
  });

  it('makes a new token and key pair on every run', () => {
    const config = webstreamConfigSchema.parse({});
    const [a, b] = [perRunGatewaySecrets(config, NOW).env, perRunGatewaySecrets(config, NOW).env];
    expect(a['WEBSTREAM__GATEWAY__BACKEND__TOKEN']).not.toBe(b['WEBSTREAM__GATEWAY__BACKEND__TOKEN']);
    expect(a['WEBSTREAM__GATEWAY__LICENCE__PUBLICKEY']).not.toBe(b['WEBSTREAM__GATEWAY__LICENCE__PUBLICKEY']);
  });
});

describe('webstream licence', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ws-cli-licence-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function run(command: Parameters<typeof runLicenceCommand>[0]) {
    let out = '';
    let err = '';
    const code = await runLicenceCommand(
      command,
      (text) => (out += text),
      (text) => (err += text),
      NOW,
    );
    return { code, out, err };
  }

  it('keygen prints a key pair whose private key issue signs with, and whose public key verifies', async () => {
    const keygen = await run({ kind: 'licence-keygen' });
    expect(keygen.code).toBe(0);
    const [publicKeyPem] = /-----BEGIN PUBLIC KEY-----[^-]+-----END PUBLIC KEY-----\n/.exec(keygen.out)!;
    expect(keygen.out).toContain('-----BEGIN PRIVATE KEY-----');
    // keygen's whole output saved to one file serves as the private key.
    const file = join(dir, 'keys.pem');
    await writeFile(file, keygen.out);

    const issued = await run({
      kind: 'licence-issue',
      licensee: 'Example Ltd',
      maxStreamers: 50,
      days: 365,
      privateKeyFile: file,
    });
    expect(issued.code).toBe(0);
    expect(issued.out).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/);
    expect(issued.err).toContain('50 streamers until 2031-01-01T00:00:00.000Z');
    expect(verifyLicence(issued.out, publicKeyPem, NOW)).toMatchObject({
      valid: true,
      payload: { licensee: 'Example Ltd', maxStreamers: 50, kind: 'production' },
    });
  });

  it('issue says what is wrong with the private key file', async () => {
    const command = { kind: 'licence-issue', licensee: 'X', maxStreamers: 1, days: 1 } as const;
    const missing = await run({ ...command, privateKeyFile: join(dir, 'absent.pem') });
    expect(missing).toMatchObject({ code: 1, out: '' });
    expect(missing.err).toMatch(/cannot read the private key/);
    const garbage = join(dir, 'garbage.pem');
    await writeFile(garbage, 'not a key');
    const unsigned = await run({ ...command, privateKeyFile: garbage });
    expect(unsigned).toMatchObject({ code: 1, out: '' });
    expect(unsigned.err).toMatch(/cannot sign with .*not a PEM key/);
  });
});
