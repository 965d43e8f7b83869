import { randomUUID } from 'node:crypto';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import {
  type ErrorCode,
  type ErrorEnvelope,
  errorCodeForStatus,
  zodIssuesToFields,
} from '@webstream/contracts';
import type { Request, Response } from 'express';
import { PinoLogger } from 'nestjs-pino';
import { ZodError } from 'zod';
import { currentCorrelationId } from '../http/request-context';
import { RequestValidationException } from './request-validation.exception';

interface Classified {
  status: number;
  code?: ErrorCode;
  message: string;
  fields?: ErrorEnvelope['error']['fields'];
  /** A peer known to be down: the answer says when to try again, and the log needs no stack. */
  retryAfterSeconds?: number;
}

/** What a shared-state outage costs a request before it is answered: ioredis gives up on the command. */
const STATE_STORE_RETRY_AFTER_SECONDS = 5;

/**
 * Whether an error is ioredis giving up on a command because Redis cannot be reached (its retries per request
 * ran out, or the connection is closed), as opposed to Redis answering with an error.
 */
function isStateStoreUnavailable(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === 'MaxRetriesPerRequestError' ||
      error.message === 'Connection is closed.' ||
      error.message.startsWith("Stream isn't writeable"))
  );
}

interface PrismaKnownError {
  name: string;
  code: string;
  meta?: { target?: unknown; modelName?: unknown };
}

function isPrismaKnownError(error: unknown): error is PrismaKnownError {
  return (
    error instanceof Error &&
    error.name === 'PrismaClientKnownRequestError' &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}

function isPostgresDataError(error: unknown): error is Error & { code: string } {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code);
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return typeof message === 'string' ? message : exception.message;
}

export function classifyError(exception: unknown): Classified {
  if (exception instanceof RequestValidationException) {
    return { status: 400, message: exception.message, fields: exception.fields };
  }
  if (exception instanceof ZodError) {
    return { status: 400, message: 'the request is invalid', fields: zodIssuesToFields(exception) };
  }
  if (exception instanceof HttpException) {
    return { status: exception.getStatus(), message: messageOf(exception) };
  }
  if (isPrismaKnownError(exception)) {
    switch (exception.code) {
      case 'P2002': {
        const target = exception.meta?.target;
        const fields = Array.isArray(target)
          ? target.map(String)
          : typeof target === 'string'
            ? [target]
            : [];
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
        break;
    }
  }
  if (isStateStoreUnavailable(exception)) {
    return {
      status: 503,
      message: 'the shared state (Redis) cannot be reached; try again shortly',
      retryAfterSeconds: STATE_STORE_RETRY_AFTER_SECONDS,
    };
  }
  // PostgreSQL's data exceptions (class 22: a NUL byte in text, a date out of range, bad JSON text) mean
  // the request holds a value the database cannot store: resending it cannot help, so it is not a 5xx.
  if (isPostgresDataError(exception)) {
    return { status: 422, message: `a value cannot be stored: ${exception.message}` };
  }
  return { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'internal error' };
}

/** Every error leaves every service in one envelope; only server faults are logged, under an error id. */
@Catch()
export class ErrorEnvelopeFilter implements ExceptionFilter {
  constructor(private readonly logger: PinoLogger) {
    this.logger.setContext(ErrorEnvelopeFilter.name);
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    const classified = classifyError(exception);
    const envelope: ErrorEnvelope = {
      error: {
        status: classified.status,
        code: classified.code ?? errorCodeForStatus(classified.status),
        message: classified.message,
        ...(classified.fields?.length ? { fields: classified.fields } : {}),
        ...(currentCorrelationId() ? { correlationId: currentCorrelationId() } : {}),
      },
    };
    if (classified.retryAfterSeconds !== undefined) {
      this.logger.warn(
        { reason: classified.message, method: request.method, url: request.url },
        'request refused: a peer is unavailable',
      );
    } else if (classified.status >= 500) {
      const errorId = randomUUID();
      envelope.error.errorId = errorId;
      this.logger.error(
        { err: exception, errorId, method: request.method, url: request.url },
        'request failed',
      );
    }
    if (response.headersSent) return;
    if (classified.retryAfterSeconds !== undefined)
      response.setHeader('retry-after', String(classified.retryAfterSeconds));
    response.status(classified.status).json(envelope);
  }
}
