import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable, UnauthorizedException } from '@nestjs/common';
import { type ApiKeyScope, apiKeyScopeSchema, apiKeyTokenSchema } from '@webstream/contracts';
import { type Actor } from '../auth/actor';
import { sha256 } from '../auth/refresh-tokens';
import { ApiKeysRepository } from './api-keys.repository';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
// Writing lastUsedAt on every call would turn each read into a write; a minute's precision is enough.
const LAST_USED_PRECISION_MS = 60_000;

export interface NewApiKey {
  prefix: string;
  secretHash: string;
  key: string;
}

export function generateApiKey(): NewApiKey {
  const prefix = Array.from(randomBytes(8), (byte) => ALPHANUMERIC[byte % ALPHANUMERIC.length]).join('');
  const secret = randomBytes(32).toString('base64url');
  return { prefix, secretHash: sha256(secret), key: `wsk_${prefix}_${secret}` };
}

@Injectable()
export class ApiKeyVerifier {
  constructor(private readonly apiKeys: ApiKeysRepository) {}

  /** The actor a presented key stands for; 401 for a malformed, unknown, wrong, revoked or expired key. */
  async verify(presented: string): Promise<Actor> {
    const refused = new UnauthorizedException('the API key is not valid');
    if (!apiKeyTokenSchema.safeParse(presented).success) throw refused;
    // wsk_<8-character prefix>_<secret>; the secret is base64url and may itself contain '_'.
    const prefix = presented.slice(4, 12);
    const secret = presented.slice(13);
    const record = await this.apiKeys.findByPrefix(prefix);
    const expected = Buffer.from(record?.secretHash ?? sha256('no such key'), 'hex');
    const matches = timingSafeEqual(Buffer.from(sha256(secret), 'hex'), expected);
    if (record === null || !matches) throw refused;
    if (record.revokedAt !== null) throw new UnauthorizedException('the API key was revoked');
    if (record.expiresAt.getTime() <= Date.now()) throw new UnauthorizedException('the API key has expired');
    if (record.lastUsedAt === null || Date.now() - record.lastUsedAt.getTime() > LAST_USED_PRECISION_MS) {
      await this.apiKeys.recordUse(record.id);
    }
    return {
      kind: 'api-key',
      id: record.id,
      name: record.name,
      orgId: record.orgId,
      role: 'org-admin',
      scopes: record.scopes.flatMap((scope): ApiKeyScope[] => {
        const parsed = apiKeyScopeSchema.safeParse(scope);
        return parsed.success ? [parsed.data] : [];
      }),
    };
  }
}
