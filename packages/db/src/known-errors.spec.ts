import { describe, expect, it } from 'vitest';
import { postgresDataErrors, prismaKnownErrors } from './known-errors';

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
});
