import { Inject, Injectable } from '@nestjs/common';
import { BACKEND_TOKEN_HEADER, type CloseReason, hostSessionEndRoute } from '@webstream/contracts';
import { BACKEND_TOKEN, createHttpClient, EndpointClient, transportProblem } from '@webstream/service-kit';
import { PinoLogger } from 'nestjs-pino';

const REQUEST_TIMEOUT_MS = 10_000;

/** The gateway's word to a session host about one of its sessions. */
@Injectable()
export class HostSessions {
  private readonly hosts: EndpointClient;

  constructor(
    @Inject(BACKEND_TOKEN) backendToken: string,
    private readonly logger: PinoLogger,
  ) {
    this.hosts = new EndpointClient(
      createHttpClient({ timeout: REQUEST_TIMEOUT_MS, headers: { [BACKEND_TOKEN_HEADER]: backendToken } }),
    );
  }

  /**
   * The session ended here (released, disconnected by an admin): its host ends the streamer, which tells the
   * browser why. Not awaited by the caller — a host that is gone has nothing left to end.
   */
  end(backend: string, sessionId: string, reason: CloseReason): void {
    this.hosts.answer(hostSessionEndRoute, { body: { sessionId, reason } }, { baseUrl: backend }).then(
      (answer) => {
        if (!answer.ok)
          this.logger.warn(
            { backend, sessionId, status: answer.status },
            'the session host refused to end a session',
          );
      },
      (error: unknown) =>
        this.logger.warn(
          { backend, sessionId, err: transportProblem(error) },
          'could not tell the session host to end a session',
        ),
    );
  }
}
