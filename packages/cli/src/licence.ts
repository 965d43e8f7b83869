import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type WebstreamConfig } from '@webstream/config';
import {
  createDevelopmentLicence,
  DEVELOPMENT_LICENCE_DEFAULTS,
  generateLicenceKeyPair,
  issueLicence,
  type LicencePayload,
} from '@webstream/licence';
import { type Command } from './args';

const DAY_MS = 86_400_000;

export interface GeneratedSecrets {
  /** WEBSTREAM__* variables for every child of this run. */
  env: Record<string, string>;
  /** What was made, for the operator (never the secrets themselves). */
  notes: string[];
}

/**
 * The credentials the proof of concept has no operator to choose, made for one `webstream all` run and handed
 * to every child through the environment: a backend token (session hosts and streamers → gateway) and a
 * development licence with the public key it is checked with. Configured values are left alone.
 */
export function perRunGatewaySecrets(config: WebstreamConfig, now = new Date()): GeneratedSecrets {
  const env: Record<string, string> = {};
  const notes: string[] = [];
  if (!config.gateway.backend.token) {
    env['WEBSTREAM__GATEWAY__BACKEND__TOKEN'] = randomBytes(32).toString('base64url');
  }
  if (!config.gateway.licence.key) {
    const development = createDevelopmentLicence({ now });
    // Config string keys take an environment value verbatim, so the PEM's newlines survive.
    env['WEBSTREAM__GATEWAY__LICENCE__KEY'] = development.licence;
    env['WEBSTREAM__GATEWAY__LICENCE__PUBLICKEY'] = development.publicKeyPem;
    notes.push(
      `no gateway.licence.key: using a development licence for this run (${DEVELOPMENT_LICENCE_DEFAULTS.maxStreamers} streamers, until ${development.payload.expiresAt})`,
    );
  }
  return { env, notes };
}

/** `webstream licence keygen | issue`: prints to `write`, returns the exit code. */
export async function runLicenceCommand(
  command: Extract<Command, { kind: 'licence-keygen' | 'licence-issue' }>,
  out: (text: string) => void,
  err: (text: string) => void,
  now = new Date(),
): Promise<number> {
  if (command.kind === 'licence-keygen') {
    const keys = generateLicenceKeyPair();
    out(`${keys.publicKeyPem}${keys.privateKeyPem}`);
    err(
      'the first key is the public key (gateway.licence.publicKey); keep the second, the private key, secret: it signs licences (webstream licence issue --private-key)\n',
    );
    return 0;
  }
  let privateKeyPem: string;
  try {
    privateKeyPem = await readFile(command.privateKeyFile, 'utf8');
  } catch (error) {
    err(`webstream: cannot read the private key ${command.privateKeyFile}: ${(error as Error).message}\n`);
    return 1;
  }
  const payload: LicencePayload = {
    licensee: command.licensee,
    maxStreamers: command.maxStreamers,
    issuedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + command.days * DAY_MS).toISOString(),
    kind: 'production',
  };
  try {
    out(`${issueLicence(payload, privateKeyPem)}\n`);
  } catch (error) {
    err(`webstream: cannot sign with ${command.privateKeyFile}: ${(error as Error).message}\n`);
    return 1;
  }
  err(
    `a licence for ${payload.licensee}: ${payload.maxStreamers} streamers until ${payload.expiresAt} (set it as gateway.licence.key)\n`,
  );
  return 0;
}
