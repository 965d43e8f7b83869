import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { IamDatabase } from '../database/iam-database';

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export type RotationOutcome =
  | { outcome: 'rotated'; userId: string; token: string }
  | { outcome: 'unknown' | 'expired' }
  | { outcome: 'reused'; userId: string; familyId: string };

/**
 * Refresh tokens: 256 random bits, stored as a SHA-256 hash, single use. Every use issues a successor in the
 * same family; presenting a used token again means it was stolen (or replayed), so the whole family dies.
 */
@Injectable()
export class RefreshTokens {
  constructor(private readonly db: IamDatabase) {}

  async issue(userId: string, ttlSeconds: number, familyId: string = randomUUID()): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.db.refreshToken.create({
      data: {
        familyId,
        userId,
        tokenHash: sha256(token),
        expiresAt: new Date(Date.now() + ttlSeconds * 1000),
      },
    });
    return token;
  }

  async rotate(token: string, ttlSeconds: number): Promise<RotationOutcome> {
    const record = await this.db.refreshToken.findUnique({ where: { tokenHash: sha256(token) } });
    if (record === null) return { outcome: 'unknown' };
    if (record.revokedAt !== null || record.usedAt !== null) {
      await this.revokeFamily(record.familyId);
      return { outcome: 'reused', userId: record.userId, familyId: record.familyId };
    }
    if (record.expiresAt.getTime() <= Date.now()) return { outcome: 'expired' };
    // Conditional on usedAt still being null: of two concurrent uses of one token, exactly one wins and the
    // other is treated as reuse.
    const claimed = await this.db.refreshToken.updateMany({
      where: { id: record.id, usedAt: null, revokedAt: null },
      data: { usedAt: new Date() },
    });
    if (claimed.count === 0) {
      await this.revokeFamily(record.familyId);
      return { outcome: 'reused', userId: record.userId, familyId: record.familyId };
    }
    const next = await this.issue(record.userId, ttlSeconds, record.familyId);
    return { outcome: 'rotated', userId: record.userId, token: next };
  }

  /** Logout: the token's family ends, whichever of its tokens is presented. */
  async revoke(token: string): Promise<{ userId: string; familyId: string } | null> {
    const record = await this.db.refreshToken.findUnique({ where: { tokenHash: sha256(token) } });
    if (record === null) return null;
    await this.revokeFamily(record.familyId);
    return { userId: record.userId, familyId: record.familyId };
  }

  /** A disabled user, a changed password or a deleted account: every session of the user ends. */
  async revokeAllOf(userId: string): Promise<void> {
    await this.db.refreshToken.updateMany({
      where: { userId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
  }

  /** Ends one sign-in's tokens, whoever holds them: a provider's single logout names the sign-in, not a token. */
  async revokeFamily(familyId: string): Promise<void> {
    await this.db.refreshToken.updateMany({
      where: { familyId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
  }
}
