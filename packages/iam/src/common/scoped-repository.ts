import { IamDatabase } from '../database/iam-database';
import { type Prisma } from '../generated/prisma/client';

/** The part of a Prisma model delegate a scoped repository uses; every IAM model's delegate is one. */
export interface ModelDelegate<Row, Where, CreateData, UpdateData, Include> {
  findMany(args: {
    where: Where;
    orderBy: object;
    skip: number;
    take: number;
    include: Include;
  }): PromiseLike<Row[]>;
  count(args: { where: Where }): PromiseLike<number>;
  findFirst(args: { where: Where; include: Include }): PromiseLike<Row | null>;
  create(args: { data: CreateData; include: Include }): PromiseLike<Row>;
  update(args: { where: { id: string }; data: UpdateData; include: Include }): PromiseLike<Row>;
  delete(args: { where: { id: string } }): PromiseLike<unknown>;
}

/** How a model's rows are read: their order in a list, and the relations every row comes with. */
export interface RowShape<Include> {
  orderBy: object;
  include: Include;
}

/** What the scoped CRUD base reads and deletes; the writes are each collection's own. */
export interface ScopedRows<Row, Where> {
  page(where: Where, window: { skip: number; take: number }): Promise<Row[]>;
  count(where: Where): Promise<number>;
  findFirst(where: Where): Promise<Row | null>;
  delete(id: string): Promise<void>;
}

/**
 * One IAM model's rows as the scoped CRUD services use them. A feature's repository extends it with the
 * queries of its own (an in-use count, a membership); services never reach the database around it.
 */
export class ScopedRepository<Row, Where, CreateData, UpdateData, Include = undefined> implements ScopedRows<
  Row,
  Where
> {
  constructor(
    private readonly model: ModelDelegate<Row, Where, CreateData, UpdateData, Include>,
    private readonly shape: RowShape<Include>,
  ) {}

  async page(where: Where, window: { skip: number; take: number }): Promise<Row[]> {
    return this.model.findMany({
      where,
      orderBy: this.shape.orderBy,
      include: this.shape.include,
      ...window,
    });
  }

  async count(where: Where): Promise<number> {
    return this.model.count({ where });
  }

  async findFirst(where: Where): Promise<Row | null> {
    return this.model.findFirst({ where, include: this.shape.include });
  }

  /** Whether the record exists in the organization: a reference to another's is as good as none. */
  async existsIn(orgId: string, id: string): Promise<boolean> {
    // Every scoped model's where-clause takes its id and organization.
    return (await this.model.count({ where: { id, orgId } as Where })) > 0;
  }

  async create(data: CreateData): Promise<Row> {
    return this.model.create({ data, include: this.shape.include });
  }

  async update(id: string, data: UpdateData): Promise<Row> {
    return this.model.update({ where: { id }, data, include: this.shape.include });
  }

  async delete(id: string): Promise<void> {
    await this.model.delete({ where: { id } });
  }
}

type Model = Prisma.TypeMap['meta']['modelProps'];
type DelegateFits<M extends Model> =
  IamDatabase[M] extends ModelDelegate<RowOf<M>, WhereOf<M>, CreateDataOf<M>, UpdateDataOf<M>, undefined>
    ? M
    : never;
/** The models whose delegate is a ModelDelegate of their own types: those with an `id` (not the join tables). */
type ScopedModel = { [M in Model]: DelegateFits<M> }[Model];
type WhereOf<M extends Model> = NonNullable<Prisma.Args<IamDatabase[M], 'findMany'>['where']>;
type CreateDataOf<M extends Model> = Prisma.Args<IamDatabase[M], 'create'>['data'];
type UpdateDataOf<M extends Model> = Prisma.Args<IamDatabase[M], 'update'>['data'];
/** A row of the model as its repository reads it: with the relations `Include` names. */
export type RowOf<M extends Model, Include = undefined> = Prisma.Result<
  IamDatabase[M],
  { include: Include },
  'findFirstOrThrow'
>;

/**
 * The repository base of one IAM model, typed from the model's name: a feature's repository passes its model
 * and row shape, and adds its own queries through `this.db`.
 */
export class IamModelRepository<M extends ScopedModel, Include = undefined> extends ScopedRepository<
  RowOf<M, Include>,
  WhereOf<M>,
  CreateDataOf<M>,
  UpdateDataOf<M>,
  Include
> {
  constructor(
    protected readonly db: IamDatabase,
    model: M,
    shape: RowShape<Include>,
  ) {
    // ScopedModel admits only models whose delegate is a ModelDelegate of their own types; TypeScript cannot
    // follow that through the generic index.
    super(
      db[model] as unknown as ModelDelegate<
        RowOf<M, Include>,
        WhereOf<M>,
        CreateDataOf<M>,
        UpdateDataOf<M>,
        Include
      >,
      shape,
    );
  }
}
