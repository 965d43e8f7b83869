// What the database's errors mean to a caller, for the services that keep their data in PostgreSQL (IAM through
// Prisma, the metrics engine through Prisma and its pg pool). Plain objects of service-kit's KnownError shape:
// each service adds them to its KnownErrors.

interface PrismaKnownError {
  name: string;
  code: string;
  meta?: { target?: unknown };
}

function isPrismaKnownError(error: unknown): error is PrismaKnownError {
  return (
    error instanceof Error &&
    error.name === 'PrismaClientKnownRequestError' &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}

/** Prisma's request errors a caller caused: a unique violation (409, naming the fields), a missing record (404). */
export function prismaKnownErrors(
  error: unknown,
): { status: number; message: string; fields?: { path: string; message: string }[] } | undefined {
  if (!isPrismaKnownError(error)) return undefined;
  switch (error.code) {
    case 'P2002': {
      const target = error.meta?.target;
      const fields = Array.isArray(target) ? target.map(String) : typeof target === 'string' ? [target] : [];
      return {
        status: 409,
        message: fields.length
          ? `a record with this ${fields.join(', ')} already exists`
          : 'the record already exists',
        fields: fields.map((path) => ({ path, message: 'already taken' })),
      };
    }
    case 'P2025':
      return { status: 404, message: 'the record does not exist' };
    case 'P2003':
      return {
        status: 409,
        message: 'the record is referenced by another record, or references one that is gone',
      };
    default:
      return undefined;
  }
}

/**
 * PostgreSQL's data exceptions (SQLSTATE class 22: a NUL byte in text, a date out of range, bad JSON text): the
 * request holds a value the database cannot store, and resending it cannot help, so it is a 422, not a 5xx.
 */
export function postgresDataErrors(error: unknown): { status: number; message: string } | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !/^22[0-9A-Z]{3}$/.test(code)) return undefined;
  return { status: 422, message: `a value cannot be stored: ${error.message}` };
}

/** How long a caller waits before trying again while the database is away (a restart takes a few seconds). */
const DATABASE_RETRY_AFTER_SECONDS = 5;
// SQLSTATE class 08 (connection exception) and the server going away or not taking connections yet:
// admin_shutdown, crash_shutdown, cannot_connect_now.
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123])$/;
// Prisma's own codes for an unreachable server, a timed-out connection and a closed one.
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1017']);

/**
 * The database is unavailable (restarting, shut down, not reachable): a 503 with Retry-After, as for any peer that
 * is down, rather than a fault of this service (500). The request changed nothing.
 */
export function databaseUnavailable(
  error: unknown,
): { status: number; message: string; retryAfterSeconds: number } | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, errorCode } = error as { code?: unknown; errorCode?: unknown };
  const prismaCode = isPrismaKnownError(error)
    ? error.code
    : error.name === 'PrismaClientInitializationError'
      ? errorCode
      : undefined;
  const unavailable =
    (typeof prismaCode === 'string' && UNAVAILABLE_PRISMA_CODES.has(prismaCode)) ||
    (prismaCode === undefined && typeof code === 'string' && UNAVAILABLE_SQLSTATE.test(code));
  if (!unavailable) return undefined;
  return {
    status: 503,
    message: 'the database is unavailable; try again shortly',
    retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
  };
}

/**
 * Everything a PostgreSQL-backed service's errors can mean to a caller, for its KnownErrors: a service adds all
 * of them, so a new meaning reaches every such service.
 */
export const postgresKnownErrors = [prismaKnownErrors, postgresDataErrors, databaseUnavailable] as const;
