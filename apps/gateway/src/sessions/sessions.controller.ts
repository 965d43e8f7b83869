import {
  Body,
  Controller,
  createParamDecorator,
  type ExecutionContext,
  Headers,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  parseBearerToken,
  SESSION_ID_HEADER,
  sessionIdSchema,
  type SessionReleaseRequest,
  type SessionReleaseResponse,
  sessionReleaseRoute,
  type SessionSelectRequest,
  type SessionSelectResponse,
  sessionSelectRoute,
  type SessionStatusResponse,
  sessionStatusRoute,
} from '@webstream/contracts';
import { AccessTokenGuard, type Actor, CurrentActor } from '@webstream/iam';
import { Endpoint, RequestValidationException } from '@webstream/service-kit';
import type { Request, Response } from 'express';
import { NoBackendAvailableException, SessionBroker } from './session-broker';

function parseSessionId(value: unknown): string {
  const parsed = sessionIdSchema.safeParse(value);
  if (!parsed.success) {
    throw new RequestValidationException([
      {
        path: `headers.${SESSION_ID_HEADER}`,
        message: value === undefined ? 'is required' : (parsed.error.issues[0]?.message ?? 'is invalid'),
      },
    ]);
  }
  return parsed.data;
}

/** The X-Session-ID header, validated: 400 naming the header when it is missing or malformed. */
const SessionIdHeader = createParamDecorator((_: unknown, context: ExecutionContext): string =>
  parseSessionId(context.switchToHttp().getRequest<Request>().headers[SESSION_ID_HEADER]),
);

@Controller()
@UseGuards(AccessTokenGuard)
export class SessionsController {
  constructor(private readonly broker: SessionBroker) {}

  @Endpoint(sessionSelectRoute)
  async select(
    @CurrentActor() actor: Actor,
    @SessionIdHeader() sessionId: string,
    @Body() body: SessionSelectRequest,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SessionSelectResponse> {
    try {
      // The guard has verified it; IAM in standalone mode answers for the token's own user.
      const accessToken = parseBearerToken(req.headers.authorization) ?? '';
      return await this.broker.select(actor, accessToken, sessionId, body);
    } catch (error) {
      if (error instanceof NoBackendAvailableException)
        res.setHeader('Retry-After', String(error.retryAfterSeconds));
      throw error;
    }
  }

  @Endpoint(sessionReleaseRoute)
  release(
    @CurrentActor() actor: Actor,
    @Headers(SESSION_ID_HEADER) header: string | undefined,
    @Body() body: SessionReleaseRequest,
  ): Promise<SessionReleaseResponse> {
    return this.broker.release(actor, parseSessionId(body.sessionId ?? header));
  }

  @Endpoint(sessionStatusRoute)
  status(@CurrentActor() actor: Actor, @SessionIdHeader() sessionId: string): Promise<SessionStatusResponse> {
    return this.broker.status(actor, sessionId);
  }
}
