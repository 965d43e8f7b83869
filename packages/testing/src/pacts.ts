import { type RegisterRequest } from '@webstream/contracts';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where the consumers' pact files are committed: the repository's pacts/ folder. */
export const PACT_DIR = resolve(__dirname, '../../../pacts');

interface PactFile {
  provider?: { name?: string };
  /** HTTP interactions (V4). */
  interactions?: unknown[];
  /** Messages (V3 message pacts): what a provider sends on its WebSockets. */
  messages?: unknown[];
}

/**
 * Every committed pact whose provider is `provider`, for its verification: its HTTP pacts, which a Verifier
 * replays against the running app, or its message pacts, which a MessageProviderPact checks.
 */
export function pactFilesFor(provider: string, kind: 'http' | 'messages' = 'http'): string[] {
  return readdirSync(PACT_DIR)
    .filter((name) => name.endsWith('.json'))
    .map((name) => join(PACT_DIR, name))
    .filter((file) => {
      const pact = JSON.parse(readFileSync(file, 'utf8')) as PactFile;
      const ofKind = kind === 'http' ? pact.interactions !== undefined : pact.messages !== undefined;
      return pact.provider?.name === provider && ofKind;
    });
}

/**
 * The session host the gateway's pacts speak of: the consumer registers it, and the provider state "the backend
 * http://10.0.1.5:9005 is registered" registers it the same way.
 */
export const PACT_BACKEND_REGISTRATION: RegisterRequest = {
  serverUrl: 'http://10.0.1.5:9005',
  maxSessions: 10,
  instanceType: 'standard',
  ec2InstanceId: null,
  tags: ['linux'],
  capabilities: [],
  version: '1.0.0',
};
