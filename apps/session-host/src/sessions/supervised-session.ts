import { type WorkspaceContract } from '@webstream/contracts';
import { type PreparedSandbox } from '../sandbox/session-sandboxes';
import { type StreamerExit, type StreamerProcess } from './streamer-process';

type SessionState = 'starting' | 'running' | 'ending';

/** A session as the supervisor keeps it, from its streamer's launch to its end. */
export interface SupervisedSession {
  readonly sessionId: string;
  readonly streamerGuid: string;
  readonly slot: number;
  readonly port: number;
  readonly contract: WorkspaceContract;
  readonly process: StreamerProcess;
  /** What the gateway and this host present to the streamer; nobody else holds it. */
  readonly secret: string;
  readonly sandbox: PreparedSandbox;
  state: SessionState;
  /** Resolves once the streamer answers /health/ready; rejects with the HTTP error the caller answers. */
  ready: Promise<void>;
  startedAt?: Date;
  ending?: Promise<void>;
}

export function describeExit(exit: StreamerExit | undefined): string {
  if (exit === undefined) return 'still running';
  if (exit.error !== undefined) return `could not be started: ${exit.error}`;
  return exit.signal !== null ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}
