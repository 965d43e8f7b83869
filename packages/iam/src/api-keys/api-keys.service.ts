import { Injectable, NotFoundException } from '@nestjs/common';
import {
  type ApiKey,
  type CreateApiKey,
  type CreatedApiKey,
  type ListApiKeysQuery,
  type UpdateApiKey,
} from '@webstream/contracts';
import { AuditTrail } from '../audit/audit-trail';
import { type Actor } from '../auth/actor';
import { IamChanges } from '../changes/iam-changes';
import { contains, iso } from '../common/paging';
import { ScopedCrudService, type WriteKind } from '../common/scoped-crud.service';
import { type ApiKey as ApiKeyRow, type Prisma } from '../generated/prisma/client';
import { OrganizationsRepository } from '../organizations/organizations.repository';
import { targetOrg } from '../tenancy/tenant-scope';
import { generateApiKey } from './api-key-verifier';
import { ApiKeysRepository } from './api-keys.repository';

const DAY_MS = 24 * 3600 * 1000;

type ApiKeyRowWithKey = ApiKeyRow & { key: string };

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

function filter(query: ListApiKeysQuery): Prisma.ApiKeyWhereInput {
  const active: Prisma.ApiKeyWhereInput = { revokedAt: null, expiresAt: { gt: new Date() } };
  return {
    ...(query.q === undefined ? {} : { name: contains(query.q) }),
    ...(query.active === undefined ? {} : query.active ? active : { NOT: active }),
  };
}

@Injectable()
export class ApiKeysService extends ScopedCrudService<
  ApiKeyRow,
  ApiKey,
  CreateApiKey,
  UpdateApiKey,
  ListApiKeysQuery,
  Prisma.ApiKeyWhereInput,
  CreatedApiKey
> {
  constructor(
    private readonly apiKeys: ApiKeysRepository,
    private readonly organizations: OrganizationsRepository,
    audit: AuditTrail,
    changes: IamChanges,
  ) {
    // No entitlement answer reads API keys: their writes leave the cache alone.
    super(apiKeys, audit, changes, {
      auditType: 'api-key',
      label: 'API key',
      feedsEntitlements: false,
      toItem: toApiKey,
      filter,
    });
  }

  /** The key is generated here and answered once, by create(): only its hash is stored. */
  protected override async insert(actor: Actor, body: CreateApiKey): Promise<ApiKeyRowWithKey> {
    const orgId = targetOrg(actor, body.orgId);
    if (!(await this.organizations.exists(orgId))) {
      throw new NotFoundException(`orgId: organization ${orgId} does not exist`);
    }
    const generated = generateApiKey();
    const row = await this.apiKeys.create({
      orgId,
      name: body.name,
      prefix: generated.prefix,
      secretHash: generated.secretHash,
      scopes: body.scopes,
      expiresAt: new Date(Date.now() + body.expiresInDays * DAY_MS),
      createdById: actor.kind === 'user' ? actor.id : null,
    });
    return { ...row, key: generated.key };
  }

  protected override answerCreated(row: ApiKeyRowWithKey, item: ApiKey): CreatedApiKey {
    return { ...item, key: row.key };
  }

  protected override change(_actor: Actor, current: ApiKeyRow, body: UpdateApiKey): Promise<ApiKeyRow> {
    return this.apiKeys.update(current.id, {
      name: body.name,
      revokedAt: body.revoked === true ? (current.revokedAt ?? new Date()) : undefined,
    });
  }

  protected override auditAction(kind: WriteKind, before: ApiKeyRow | null, after: ApiKeyRow | null): string {
    const revoked = kind === 'update' && before?.revokedAt === null && after?.revokedAt !== null;
    return revoked ? 'api-key.revoke' : super.auditAction(kind, before, after);
  }
}
