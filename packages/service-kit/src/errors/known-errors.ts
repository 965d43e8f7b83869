import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { type ErrorCode, type ErrorField, zodIssuesToFields } from '@webstream/contracts';
import { ZodError } from 'zod';
import { RequestValidationException } from './request-validation.exception';

/** What an error means to the caller: the answer's status, message and fields. */
export interface KnownError {
  status: number;
  code?: ErrorCode;
  message: string;
  fields?: ErrorField[];
  /** A peer known to be down: the answer says when to try again, and the log needs no stack. */
  retryAfterSeconds?: number;
}

/** What an error of one piece of infrastructure means to the caller, or undefined when the error is not its. */
export type ErrorTranslation = (error: unknown) => KnownError | undefined;

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return typeof message === 'string' ? message : exception.message;
}

/**
 * The errors a service knows the meaning of. The kit knows its own (a refused request, a broken contract, an
 * HTTP exception a feature chose); the module that owns a piece of infrastructure adds what its errors mean
 * (IAM's Prisma: a unique violation is a 409; the gateway's Redis: an outage is a 503 with Retry-After). Anything
 * else is a fault: 500.
 */
@Injectable()
export class KnownErrors {
  private readonly translations: ErrorTranslation[] = [];

  add(translation: ErrorTranslation): void {
    if (!this.translations.includes(translation)) this.translations.push(translation);
  }

  classify(exception: unknown): KnownError {
    if (exception instanceof RequestValidationException) {
      return { status: 400, message: exception.message, fields: exception.fields };
    }
    if (exception instanceof ZodError) {
      return { status: 400, message: 'the request is invalid', fields: zodIssuesToFields(exception) };
    }
    if (exception instanceof HttpException) {
      return { status: exception.getStatus(), message: messageOf(exception) };
    }
    for (const translate of this.translations) {
      const known = translate(exception);
      if (known !== undefined) return known;
    }
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'internal error' };
  }
}
