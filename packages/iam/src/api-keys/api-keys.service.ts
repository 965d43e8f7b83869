import { Injectable, NotFoundException } from '@nestjs/common';
import {
  type ApiKey,
  type CreateApiKey,
  type CreatedApiKey,
  type ListApiKeysQuery,
  type Page,
  type UpdateApiKey,
} from '@webstream/contracts';
import { AuditTrail } from '../audit/audit-trail';
import { type Actor, assertAdmin } from '../auth/actor';
import { contains, fetchPage, iso } from '../common/paging';
import { IamDatabase } from '../database/iam-database';
import { type ApiKey as ApiKeyRow, type Prisma } from '../generated/prisma/client';
import { notFound, readScope, recordScope, targetOrg } from '../tenancy/tenant-scope';
import { generateApiKey } from './api-key-verifier';

const DAY_MS = 24 * 3600 * 1000;

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    orgId: row.orgId,
    name: row.name,
    prefix: `wsk_${row.prefix}_`,
    scopes: row.scopes as ApiKey['scopes'],
    expiresAt: iso(row.expiresAt),
    revokedAt: iso(row.revokedAt),
    lastUsedAt: iso(row.lastUsedAt),
    createdById: row.createdById,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly db: IamDatabase,
    private readonly audit: AuditTrail,
  ) {}

  async list(actor: Actor, query: ListApiKeysQuery): Promise<Page<ApiKey>> {
    assertAdmin(actor, 'read');
    const now = new Date();
    const active: Prisma.ApiKeyWhereInput = { revokedAt: null, expiresAt: { gt: now } };
    const where: Prisma.ApiKeyWhereInput = {
      ...readScope(actor, query.orgId),
      ...(query.q === undefined ? {} : { name: contains(query.q) }),
      ...(query.active === undefined ? {} : query.active ? active : { NOT: active }),
    };
    return fetchPage(
      query,
      (window) => this.db.apiKey.findMany({ where, orderBy: { createdAt: 'desc' }, ...window }),
      () => this.db.apiKey.count({ where }),
      toApiKey,
    );
  }

  async get(actor: Actor, id: string): Promise<ApiKey> {
    assertAdmin(actor, 'read');
    return toApiKey(await this.find(actor, id));
  }

  async create(actor: Actor, body: CreateApiKey): Promise<CreatedApiKey> {
    assertAdmin(actor, 'write');
    const orgId = targetOrg(actor, body.orgId);
    if ((await this.db.organization.count({ where: { id: orgId } })) === 0) {
      throw new NotFoundException(`orgId: organization ${orgId} does not exist`);
    }
    const generated = generateApiKey();
    const row = await this.db.apiKey.create({
      data: {
        orgId,
        name: body.name,
        prefix: generated.prefix,
        secretHash: generated.secretHash,
        scopes: body.scopes,
        expiresAt: new Date(Date.now() + body.expiresInDays * DAY_MS),
        createdById: actor.kind === 'user' ? actor.id : null,
      },
    });
    const created = toApiKey(row);
    this.audit.change(actor, {
      action: 'api-key.create',
      targetType: 'api-key',
      targetId: row.id,
      orgId,
      before: null,
      after: created,
    });
    return { ...created, key: generated.key };
  }

  async update(actor: Actor, id: string, body: UpdateApiKey): Promise<ApiKey> {
    assertAdmin(actor, 'write');
    const current = await this.find(actor, id);
    const after = toApiKey(
      await this.db.apiKey.update({
        where: { id },
        data: {
          name: body.name,
          revokedAt: body.revoked === true ? (current.revokedAt ?? new Date()) : undefined,
        },
      }),
    );
    this.audit.change(actor, {
      action: body.revoked === true && current.revokedAt === null ? 'api-key.revoke' : 'api-key.update',
      targetType: 'api-key',
      targetId: id,
      orgId: after.orgId,
      before: toApiKey(current),
      after,
    });
    return after;
  }

  async remove(actor: Actor, id: string): Promise<void> {
    assertAdmin(actor, 'write');
    const before = toApiKey(await this.find(actor, id));
    await this.db.apiKey.delete({ where: { id } });
    this.audit.change(actor, {
      action: 'api-key.delete',
      targetType: 'api-key',
      targetId: id,
      orgId: before.orgId,
      before,
      after: null,
    });
  }

  private async find(actor: Actor, id: string): Promise<ApiKeyRow> {
    const row = await this.db.apiKey.findFirst({ where: { id, ...recordScope(actor) } });
    if (row === null) throw notFound('API key', id);
    return row;
  }
}
