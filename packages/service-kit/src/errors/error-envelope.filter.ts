import { randomUUID } from 'node:crypto';
import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import { type ErrorEnvelope, errorCodeForStatus } from '@webstream/contracts';
import type { Request, Response } from 'express';
import { PinoLogger } from 'nestjs-pino';
import { currentCorrelationId } from '../http/request-context';
import { KnownErrors } from './known-errors';

/** Every error leaves every service in one envelope; only server faults are logged, under an error id. */
@Catch()
export class ErrorEnvelopeFilter implements ExceptionFilter {
  constructor(
    private readonly logger: PinoLogger,
    private readonly known: KnownErrors,
  ) {
    this.logger.setContext(ErrorEnvelopeFilter.name);
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    const classified = this.known.classify(exception);
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
