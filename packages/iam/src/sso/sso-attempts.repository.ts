import { Injectable } from '@nestjs/common';
import { IamDatabase } from '../database/iam-database';
import { type SsoAttempt } from '../generated/prisma/client';

export interface NewAttempt {
  providerId: string;
  browserHash: string;
  state: string;
  nonce?: string;
  codeVerifier?: string;
  returnTo: string;
  expiresAt: Date;
}

/** What a verified sign-in leaves for the code exchange and for logout at the provider. */
export interface AnsweredAttempt {
  userId: string;
  codeHash: string;
  codeExpiresAt: Date;
  idToken?: string;
  samlNameId?: string;
  samlNameIdFormat?: string;
  samlSessionIndex?: string;
}

/**
 * Started sign-ins, in PostgreSQL so that every IAM instance shares them and a restart loses none: each is
 * answered at most once and its code traded at most once, each by one conditional update that only one of
 * two racing requests can win.
 */
@Injectable()
export class SsoAttemptsRepository {
  constructor(private readonly db: IamDatabase) {}

  async create(attempt: NewAttempt): Promise<void> {
    await this.db.ssoAttempt.create({ data: attempt });
  }

  /** The attempt of this provider with this state (OIDC) or request id (SAML), answered or not. */
  find(providerId: string, state: string): Promise<SsoAttempt | null> {
    return this.db.ssoAttempt.findFirst({ where: { providerId, state } });
  }

  /** Marks the attempt answered; false when it was answered already or has expired (a replay, or too late). */
  async claimAnswer(id: string, now = new Date()): Promise<boolean> {
    const claimed = await this.db.ssoAttempt.updateMany({
      where: { id, answeredAt: null, expiresAt: { gt: now } },
      data: { answeredAt: now },
    });
    return claimed.count === 1;
  }

  async recordAnswer(id: string, answer: AnsweredAttempt): Promise<void> {
    await this.db.ssoAttempt.update({ where: { id }, data: answer });
  }

  /**
   * Trades a one-time code presented by the browser that started the sign-in: the attempt, with the code
   * spent, or null when the code is unknown, spent, expired or the browser is another.
   */
  async spendCode(codeHash: string, browserHash: string, now = new Date()): Promise<SsoAttempt | null> {
    const attempt = await this.db.ssoAttempt.findUnique({ where: { codeHash } });
    if (attempt === null) return null;
    const spent = await this.db.ssoAttempt.updateMany({
      where: { id: attempt.id, codeHash, browserHash, codeExpiresAt: { gt: now } },
      data: { codeHash: null },
    });
    return spent.count === 1 ? attempt : null;
  }

  async linkFamily(id: string, familyId: string): Promise<void> {
    await this.db.ssoAttempt.update({ where: { id }, data: { familyId } });
  }

  /** The sign-in that started a refresh-token family, with its provider: what logout at the provider needs. */
  signInOfFamily(familyId: string) {
    return this.db.ssoAttempt.findFirst({
      where: { familyId },
      include: { provider: { include: { groupMappings: true } } },
    });
  }

  /** The sign-ins a SAML IdP's logout request names, by NameID (and SessionIndex when it gives one). */
  signInsOfSamlSession(providerId: string, nameId: string, sessionIndex: string | undefined) {
    return this.db.ssoAttempt.findMany({
      where: {
        providerId,
        samlNameId: nameId,
        familyId: { not: null },
        ...(sessionIndex === undefined ? {} : { samlSessionIndex: sessionIndex }),
      },
      select: { familyId: true, userId: true },
    });
  }

  /**
   * Forgets attempts never finished, and finished ones whose refresh-token family has no live token left (a
   * family lives on as long as it is refreshed, so the sign-in's provider session must be kept as long).
   */
  async deleteExpired(now = new Date()): Promise<number> {
    const unfinished = await this.db.ssoAttempt.deleteMany({
      where: { familyId: null, expiresAt: { lt: now } },
    });
    const ended = await this.db.$executeRaw`
      DELETE FROM "SsoAttempt" AS attempt
      WHERE attempt."familyId" IS NOT NULL
        AND NOT EXISTS (
          SELECT 1 FROM "RefreshToken" AS token
          WHERE token."familyId" = attempt."familyId" AND token."revokedAt" IS NULL AND token."expiresAt" > ${now}
        )`;
    return unfinished.count + ended;
  }
}
