import { Body, Controller, Headers, UseGuards } from '@nestjs/common';
import {
  decodeWorkspaceHeaders,
  type EndpointBody,
  type EndpointOutput,
  hostGetConnectionRoute,
  hostSessionEndRoute,
  SESSION_ID_HEADER,
  sessionIdSchema,
  type WorkspaceContract,
  zodIssuesToFields,
} from '@webstream/contracts';
import {
  BackendTokenGuard,
  Endpoint,
  type FieldError,
  RequestValidationException,
} from '@webstream/service-kit';
import { type IncomingHttpHeaders } from 'node:http';
import { SessionSupervisor } from './session-supervisor';

/**
 * The workspace contract the gateway injects (X-Workspace-ID … X-Policy-JSON) and the session id: a call
 * without them (not made through the gateway) cannot start a session. 400 names every header at fault.
 */
type ContractError = Parameters<typeof zodIssuesToFields>[0];

// zod is the contracts' dependency, not this app's: its errors are recognised by name.
function isContractError(error: unknown): error is ContractError {
  return (
    error instanceof Error && error.name === 'ZodError' && Array.isArray((error as ContractError).issues)
  );
}

function sessionRequest(headers: IncomingHttpHeaders): { sessionId: string; contract: WorkspaceContract } {
  const fields: FieldError[] = [];
  let contract: WorkspaceContract | undefined;
  try {
    contract = decodeWorkspaceHeaders(headers);
  } catch (error) {
    if (!isContractError(error)) throw error;
    for (const field of zodIssuesToFields(error)) fields.push({ ...field, path: `headers.${field.path}` });
  }
  const raw = headers[SESSION_ID_HEADER];
  const sessionId = sessionIdSchema.safeParse(raw);
  if (!sessionId.success) {
    fields.push({
      path: `headers.${SESSION_ID_HEADER}`,
      message: raw === undefined ? 'is required' : (sessionId.error.issues[0]?.message ?? 'is invalid'),
    });
  }
  if (fields.length > 0 || contract === undefined || !sessionId.success) {
    throw new RequestValidationException(fields);
  }
  return { sessionId: sessionId.data, contract };
}

/** Only the gateway (X-Backend-Token) may ask for a session: it is what vouches for the contract headers. */
@Controller()
@UseGuards(BackendTokenGuard)
export class SessionsController {
  constructor(private readonly supervisor: SessionSupervisor) {}

  /** Proxied by the gateway: the session's streamer, started if it does not run yet. */
  @Endpoint(hostGetConnectionRoute)
  getConnection(
    @Headers() headers: IncomingHttpHeaders,
  ): Promise<EndpointOutput<typeof hostGetConnectionRoute>> {
    const { sessionId, contract } = sessionRequest(headers);
    return this.supervisor.connect(sessionId, contract);
  }

  /** The gateway ended the session (released by its user, disconnected by an admin). */
  @Endpoint(hostSessionEndRoute)
  async endSession(
    @Body() body: EndpointBody<typeof hostSessionEndRoute>,
  ): Promise<EndpointOutput<typeof hostSessionEndRoute>> {
    return { ended: await this.supervisor.endSession(body.sessionId, body.reason) };
  }
}
