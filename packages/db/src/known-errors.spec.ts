import { describe, expect, it } from 'vitest';
import { databaseUnavailable, postgresDataErrors, prismaKnownErrors } from './known-errors';

function prismaError(code: string, meta?: Record<string, unknown>): Error {
  return Object.assign(new Error(`prisma ${code}`), { name: 'PrismaClientKnownRequestError', code, meta });
}

describe("what the database's errors mean to a caller", () => {
  it('makes a unique violation a 409 naming the fields, a missing record a 404, a broken reference a 409', () => {
    expect(prismaKnownErrors(prismaError('P2002', { target: ['slug'] }))).toEqual({
      status: 409,
      message: 'a record with this slug already exists',
      fields: [{ path: 'slug', message: 'already taken' }],
    });
    expect(prismaKnownErrors(prismaError('P2002', { target: 'name' }))?.fields).toEqual([
      { path: 'name', message: 'already taken' },
    ]);
    expect(prismaKnownErrors(prismaError('P2025'))).toMatchObject({ status: 404 });
    expect(prismaKnownErrors(prismaError('P2003'))).toMatchObject({ status: 409 });
  });

  it('leaves Prisma errors a caller did not cause, and any other error, as faults', () => {
    expect(prismaKnownErrors(prismaError('P1001'))).toBeUndefined();
    expect(prismaKnownErrors(new Error('P2002'))).toBeUndefined();
    expect(prismaKnownErrors('P2002')).toBeUndefined();
  });

  it('makes a value PostgreSQL cannot store (SQLSTATE class 22) a 422, and nothing else', () => {
    const nul = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {
      code: '22021',
    });
    expect(postgresDataErrors(nul)).toEqual({
      status: 422,
      message: 'a value cannot be stored: invalid byte sequence for encoding "UTF8": 0x00',
    });
    expect(postgresDataErrors(Object.assign(new Error('deadlock'), { code: '40P01' }))).toBeUndefined();
    expect(postgresDataErrors(new Error('no code'))).toBeUndefined();
  });

  it('makes a database that went away a 503 with Retry-After, and nothing else', () => {
    const unavailable = { status: 503, retryAfterSeconds: 5 };
    const sqlError = (code: string): Error => Object.assign(new Error(`sql ${code}`), { code });
    for (const code of ['57P01', '57P02', '57P03', '08006', '08001']) {
      expect(databaseUnavailable(sqlError(code)), code).toMatchObject(unavailable);
    }
    expect(databaseUnavailable(prismaError('P1001'))).toMatchObject(unavailable);
    expect(databaseUnavailable(prismaError('P1017'))).toMatchObject(unavailable);
    const initialisation = Object.assign(new Error("can't reach database server"), {
      name: 'PrismaClientInitializationError',
      errorCode: 'P1001',
    });
    expect(databaseUnavailable(initialisation)).toMatchObject(unavailable);
    for (const other of [
      sqlError('23505'),
      sqlError('22P02'),
      prismaError('P2002'),
      new Error('08006'),
      '57P01',
    ]) {
      expect(databaseUnavailable(other)).toBeUndefined();
    }
  });
});
