import { type Page, type PageQuery } from '@webstream/contracts';
import { type AuditChange, type AuditTrail } from '../audit/audit-trail';
import { type Actor, assertAdmin } from '../auth/actor';
import { type IamChanges } from '../changes/iam-changes';
import { notFound, readScope, recordScope } from '../tenancy/tenant-scope';
import { type CrudService } from './crud.controller';
import { fetchPage } from './paging';
import { type ScopedRows } from './scoped-repository';

/** What an IAM collection is, for the scoped CRUD base. */
export interface ScopedResource<Row, Item, ListQuery, Where> {
  /** Its name in audit actions (`application.create`) and as their target type. */
  auditType: string;
  /** Its name in a 404 (`API key 42 does not exist`); the audit type if not given. */
  label?: string;
  /**
   * Whether the entitlement resolver reads these records: then every write makes its cached answers stale.
   * Only records no answer depends on (API keys) say no.
   */
  feedsEntitlements: boolean;
  toItem(row: Row): Item;
  /** The list's own filters (`q` and the rest), without the organization scope. */
  filter(query: ListQuery): Where;
}

/** The organization a record belongs to; an organization is its own. */
function organizationOf(row: { id: string; orgId?: unknown }): string {
  return typeof row.orgId === 'string' ? row.orgId : row.id;
}

/** A change as the audit trail names it. */
export type WriteKind = 'create' | 'update' | 'delete';

export type CrudOperation = 'list' | 'get' | 'create' | 'update' | 'remove';

/**
 * The list, get, create, update and remove of an IAM collection, scoped to the actor's organization and
 * rights. Every write ends in `written()`, which invalidates the entitlement cache (decided here once, from
 * `feedsEntitlements`) and records the audit event. A collection configures it and overrides the hooks its
 * special cases need: `insert` and `change` build the write, `assertRemovable` holds in-use checks, `find`
 * and `authorize` narrow who sees what.
 */
export abstract class ScopedCrudService<
  Row extends { id: string },
  Item,
  Create,
  Update,
  ListQuery extends Pick<PageQuery, 'page' | 'pageSize'> & { orgId?: string },
  Where,
  Created extends Item = Item,
> implements CrudService<Item, Create, Update, ListQuery, Created> {
  protected constructor(
    protected readonly rows: ScopedRows<Row, Where>,
    private readonly audit: AuditTrail,
    private readonly changes: IamChanges,
    protected readonly resource: ScopedResource<Row, Item, ListQuery, Where>,
  ) {}

  async list(actor: Actor, query: ListQuery): Promise<Page<Item>> {
    this.authorize(actor, 'list');
    const where = { ...this.listScope(actor, query), ...this.resource.filter(query) };
    return fetchPage(
      query,
      (window) => this.rows.page(where, window),
      () => this.rows.count(where),
      (row) => this.resource.toItem(row),
    );
  }

  async get(actor: Actor, id: string): Promise<Item> {
    this.authorize(actor, 'get');
    return this.resource.toItem(await this.find(actor, id));
  }

  async create(actor: Actor, body: Create): Promise<Created> {
    this.authorize(actor, 'create');
    const row = await this.insert(actor, body);
    return this.answerCreated(
      row,
      await this.written(actor, this.auditAction('create', null, row), null, row),
    );
  }

  async update(actor: Actor, id: string, body: Update): Promise<Item> {
    this.authorize(actor, 'update');
    const current = await this.find(actor, id);
    const row = await this.change(actor, current, body);
    return this.written(actor, this.auditAction('update', current, row), current, row);
  }

  async remove(actor: Actor, id: string): Promise<void> {
    this.authorize(actor, 'remove');
    const current = await this.find(actor, id);
    await this.assertRemovable(actor, current);
    await this.rows.delete(id);
    await this.written(actor, this.auditAction('delete', current, null), current, null);
  }

  /** Builds and stores a new record for `body`: the organization it goes to, references checked. */
  protected abstract insert(actor: Actor, body: Create): Promise<Row>;

  /** Stores `body`'s change of `current`. */
  protected abstract change(actor: Actor, current: Row, body: Update): Promise<Row>;

  /** Refuses to remove a record still in use (409), or one the actor may not remove (403). */
  protected async assertRemovable(_actor: Actor, _current: Row): Promise<void> {}

  /** Checked before anything is read: by default, admin rights (read or write) over the organization. */
  protected authorize(actor: Actor, operation: CrudOperation): void {
    assertAdmin(actor, operation === 'list' || operation === 'get' ? 'read' : 'write');
  }

  /** The organization filter of a list. */
  protected listScope(actor: Actor, query: ListQuery): object {
    return readScope(actor, query.orgId);
  }

  /** The record with this id in the actor's reach; any other answers 404, never saying whether it exists. */
  protected async find(actor: Actor, id: string): Promise<Row> {
    // Every IAM model's where-clause takes its id.
    const row = await this.rows.findFirst({ ...recordScope(actor), id } as Where);
    if (row === null) throw notFound(this.resource.label ?? this.resource.auditType, id);
    return row;
  }

  protected auditAction(kind: WriteKind, _before: Row | null, _after: Row | null): string {
    return `${this.resource.auditType}.${kind}`;
  }

  /** What a create answers: the item, unless the collection answers more (a secret shown only once). */
  protected answerCreated(_row: Row, item: Item): Created {
    return item as Created;
  }

  /** After every committed write of a record: `recordChange` with the record before and after, as the API shows it. */
  protected async written(actor: Actor, action: string, before: Row | null, after: Row): Promise<Item>;
  protected async written(actor: Actor, action: string, before: Row, after: null): Promise<null>;
  protected async written(
    actor: Actor,
    action: string,
    before: Row | null,
    after: Row | null,
  ): Promise<Item | null> {
    const record = after ?? before;
    if (record === null) throw new Error('a write without a record');
    const item = after === null ? null : this.resource.toItem(after);
    await this.recordChange(actor, {
      action,
      targetType: this.resource.auditType,
      targetId: record.id,
      orgId: organizationOf(record),
      before: before === null ? null : this.resource.toItem(before),
      after: item,
    });
    return item;
  }

  /**
   * After every committed write: stale cached entitlement answers are dropped (here and, through PostgreSQL,
   * in every other IAM instance), then the change is audited.
   */
  protected async recordChange(actor: Actor, change: AuditChange): Promise<void> {
    if (this.resource.feedsEntitlements) await this.changes.changed();
    this.audit.change(actor, change);
  }
}
